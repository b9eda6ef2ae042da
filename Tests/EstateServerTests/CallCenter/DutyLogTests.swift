import EstateCore
@testable import EstateServer
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// 值班日志 on both engines (issue 16 point 7): one per shift, the shift's 抢修单 from the outage
/// service, signed off by the shift lead only, read-only after (409 duty_log_signed), searchable.
@Suite("Call centre: the duty log")
struct DutyLogTests {
    typealias Schemas = Components.Schemas

    static func body(_ t: OutageTests.Desk, _ clock: TestClock, name: String = "早班", hours: Double = 8, extra: [String: J] = [:]) -> J {
        let f = ISO8601DateFormatter()
        var b: [String: J] = ["projectId": .s(t.d.project.uuidString), "shiftDate": .s(CalendarDay(clock.now).description), "shiftName": .s(name),
                              "startsAt": .s(f.string(from: clock.now - 3600)), "endsAt": .s(f.string(from: clock.now - 3600 + hours * 3600)),
                              "onDuty": "褚婷（班长）、刘佳怡、黄子豪", "incidents": "10:05 2号楼停水"]
        for (k, v) in extra { b[k] = v }
        return J.o(b)
    }

    @Test func theLeadSignsItOffAndThenItIsReadOnly() async throws {
        try await withTestApp { app, clock in
            // setup: the shift lead and a supervisor on the project; a 抢修单 opened during the shift.
            let t = try await OutageTests.desk(app, clock)
            let supervisor = try await Fixtures(app: app).token("zhuguan")
            let outage = try await OutageTests.open(t).decode(Schemas.Outage.self)
            // MUT: the lead opens the log.
            let r = try await app.call(.POST, "/api/v1/duty-logs", headers: .bearer(t.lead), json: Self.body(t, clock))
            #expect(r.status == .created, "\(r.body.string)")
            let log = try r.decode(Schemas.DutyLog.self)
            // validate: open, with the shift's 抢修单 as they stand.
            #expect(log.status == .open && log.outages.count == 1 && log.outages[0].hasPrefix(outage.number))
            // The same shift twice: refused.
            let again = try await app.call(.POST, "/api/v1/duty-logs", headers: .bearer(t.lead), json: Self.body(t, clock))
            #expect(again.status == .conflict && TicketTests.code(again) == "duty_log_exists")
            // Bad times and names: 422, nothing written.
            for (extra, code) in [(["endsAt": .s(ISO8601DateFormatter().string(from: clock.now - 7200))] as [String: J], "duty_shift_times_invalid"),
                                  (["shiftName": " ", "startsAt": .s(ISO8601DateFormatter().string(from: clock.now))], "duty_shift_name_invalid")] {
                let bad = try await app.call(.POST, "/api/v1/duty-logs", headers: .bearer(t.lead), json: Self.body(t, clock, name: "中班", extra: extra))
                #expect(bad.status == .unprocessableEntity && TicketTests.code(bad) == code, "\(bad.body.string)")
            }
            // An agent reads it, may not write it.
            #expect(try await app.call(.GET, "/api/v1/duty-logs/\(log.id)", headers: .bearer(t.agent)).status == .ok)
            #expect(try await app.call(.PATCH, "/api/v1/duty-logs/\(log.id)", headers: .bearer(t.agent), json: ["handover": "x"] as J).status == .forbidden)
            // The supervisor edits; only the lead signs off.
            let edited = try await app.call(.PATCH, "/api/v1/duty-logs/\(log.id)", headers: .bearer(supervisor),
                                            json: ["handover": "2号楼停水回访未完成，下一班继续", "complaints": "1-1-101 业主投诉噪音"] as J)
            #expect(try edited.decode(Schemas.DutyLog.self).handover.hasPrefix("2号楼停水"))
            let notLead = try await app.call(.POST, "/api/v1/duty-logs/\(log.id)/sign-off", headers: .bearer(supervisor))
            #expect(notLead.status == .forbidden && TicketTests.code(notLead) == "duty_log_lead_only")
            let signed = try await app.call(.POST, "/api/v1/duty-logs/\(log.id)/sign-off", headers: .bearer(t.lead))
            #expect(signed.status == .ok, "\(signed.body.string)")
            let s = try signed.decode(Schemas.DutyLog.self)
            #expect(s.status == .signed && s.signedAt != nil && s.outages.count == 1 && s.signedByName != nil)
            // Read-only: edits and a second sign-off are refused with the stable code, and change nothing.
            let late = try await app.call(.PATCH, "/api/v1/duty-logs/\(log.id)", headers: .bearer(t.lead), json: ["handover": "改"] as J)
            #expect(late.status == .conflict && TicketTests.code(late) == "duty_log_signed")
            let twice = try await app.call(.POST, "/api/v1/duty-logs/\(log.id)/sign-off", headers: .bearer(t.lead))
            #expect(twice.status == .conflict && TicketTests.code(twice) == "duty_log_signed")
            let now = try await app.call(.GET, "/api/v1/duty-logs/\(log.id)", headers: .bearer(t.agent)).decode(Schemas.DutyLog.self)
            #expect(now.handover == "2号楼停水回访未完成，下一班继续" && now.updatedAt == s.updatedAt)
            // A 抢修单 opened after the sign-off does not change the signed log.
            _ = try await OutageTests.open(t, ["title": "停电"])
            let fixed = try await app.call(.GET, "/api/v1/duty-logs/\(log.id)", headers: .bearer(t.agent)).decode(Schemas.DutyLog.self)
            #expect(fixed.outages == s.outages)
            #expect(try await Fixtures(app: app).auditCount(action: "duty_log.sign_off") == 1)
        }
    }

    @Test func signingOffTwiceAtOnceSignsOnce() async throws {
        try await withTestApp { app, clock in
            let t = try await OutageTests.desk(app, clock)
            let log = try await app.call(.POST, "/api/v1/duty-logs", headers: .bearer(t.lead), json: Self.body(t, clock)).decode(Schemas.DutyLog.self)
            async let a = app.call(.POST, "/api/v1/duty-logs/\(log.id)/sign-off", headers: .bearer(t.lead))
            async let b = app.call(.POST, "/api/v1/duty-logs/\(log.id)/sign-off", headers: .bearer(t.lead))
            let results = try await [a, b].map(\.status)
            #expect(results.filter { $0 == .ok }.count == 1 && results.filter { $0 == .conflict }.count == 1, "\(results)")
            #expect(try await Fixtures(app: app).auditCount(action: "duty_log.sign_off") == 1)
        }
    }

    @Test func theListIsSearchable() async throws {
        try await withTestApp { app, clock in
            let t = try await OutageTests.desk(app, clock)
            for (name, incidents) in [("早班", "2号楼停水"), ("中班", "电梯困人"), ("晚班", "无")] {
                let r = try await app.call(.POST, "/api/v1/duty-logs", headers: .bearer(t.lead),
                                           json: Self.body(t, clock, name: name, extra: ["incidents": .s(incidents)]))
                #expect(r.status == .created, "\(r.body.string)")
            }
            let first = try await app.call(.GET, "/api/v1/duty-logs?projectId=\(t.d.project)&q=\("电梯".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                                           headers: .bearer(t.agent)).decode(Schemas.DutyLogPage.self)
            #expect(first.items.map(\.shiftName) == ["中班"] && first.total == 1)
            let all = try await app.call(.GET, "/api/v1/duty-logs?projectId=\(t.d.project)&status=open", headers: .bearer(t.agent)).decode(Schemas.DutyLogPage.self)
            #expect(all.total == 3)
            let none = try await app.call(.GET, "/api/v1/duty-logs?projectId=\(t.d.project)&status=signed", headers: .bearer(t.agent)).decode(Schemas.DutyLogPage.self)
            #expect(none.total == 0)
            let tomorrow = CalendarDay(clock.now).adding(days: 1).description
            let later = try await app.call(.GET, "/api/v1/duty-logs?projectId=\(t.d.project)&from=\(tomorrow)", headers: .bearer(t.agent)).decode(Schemas.DutyLogPage.self)
            #expect(later.total == 0)
        }
    }
}
