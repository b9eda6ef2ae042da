import EstateCore
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import EstateServer

/// 抢修单 on both engines: SMS at once through the outbox, escalation on an injected clock (next on
/// the on-call list, then the supervisors, each step once even with two job runners), the one-time
/// acknowledgement link, the callback list built from the owners of the affected units, closing
/// refused while an owner has no outcome, and "not fixed" sending it back to the repair.
@Suite("Call centre: 抢修单")
struct OutageTests {
    struct Desk {
        var d: SaleTests.Desk
        var lead: String
        var agent: String
        var eng1: UUID, eng2: UUID, supervisor: UUID
        /// Owners: A owns units 0 and 1 (unit 1 with B as co-owner), C owns unit 2.
        var owners: [String: String]
    }

    static let mobiles = (eng1: "13900001001", eng2: "13900001002", supervisor: "13900001009")

    static func desk(_ app: Application, _ clock: TestClock) async throws -> Desk {
        let d = try await SaleTests.desk(app, clock, code: "QX")
        let f = Fixtures(app: app)
        try await f.user("banzhang", roles: [(.shiftLead, d.project)])
        let supervisor = try await f.user("zhuguan", roles: [(.ccSupervisor, d.project)])
        let eng1 = try await f.user("eng1", roles: [(.engineer, d.project)])
        let eng2 = try await f.user("eng2", roles: [(.engineer, d.project)])
        for (id, m) in [(eng1, mobiles.eng1), (eng2, mobiles.eng2), (supervisor, mobiles.supervisor)] {
            try await app.db.sql.raw("UPDATE users SET mobile = \(bind: m) WHERE id = \(bind: id)").run()
        }
        let a = try await SaleTests.customer(d, "业主甲", "13700000001")
        let b = try await SaleTests.customer(d, "业主乙", "13700000002")
        let c = try await SaleTests.customer(d, "业主丙", "13700000003")
        for (unit, buyers) in [(d.units[0], [(a, "100")]), (d.units[1], [(a, "50"), (b, "50")]), (d.units[2], [(c, "100")])] {
            let r = try await SaleTests.subscribe(d, unit: unit, buyers: buyers)
            #expect(r.status == .created, "\(r.body.string)")
        }
        try await app.services.outages(app.db).setOnCall(d.project, .engineering, userIDs: [eng1, eng2], ackMinutes: 10, context: .system("test"))
        return Desk(d: d, lead: try await f.token("banzhang"), agent: d.cs, eng1: eng1, eng2: eng2, supervisor: supervisor,
                    owners: [a: "业主甲", b: "业主乙", c: "业主丙"])
    }

    static func open(_ t: Desk, _ body: [String: J] = [:], token: String? = nil) async throws -> TestingHTTPResponse {
        let buildingID = try await t.d.app.services.inventory(t.d.app.db).buildings(t.d.project)[0].id
        var b: [String: J] = ["projectId": .s(t.d.project.uuidString), "department": "engineering", "scope": "building",
                              "buildingId": .s(buildingID.uuidString), "title": "停水", "description": "主管爆裂",
                              "expectedRestoreAt": .s(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: 1_790_000_000 + 4 * 3600)))]
        for (k, v) in body { b[k] = v }
        return try await t.d.app.call(.POST, "/api/v1/outages", headers: .bearer(token ?? t.lead), json: J.o(b))
    }

    struct Message: Decodable { var recipient: String; var template: String; var params: String }

    static func messages(_ app: Application, _ outage: String) async throws -> [Message] {
        try await app.db.sql.raw("SELECT recipient, template, params FROM outbox_messages WHERE reference = \(bind: "outage:" + outage)")
            .all(decoding: Message.self)
    }

    static func count(_ app: Application, _ sql: String) async throws -> Int {
        struct N: Decodable { var n: Int }
        return try await app.db.sql.raw("\(unsafeRaw: sql)").first(decoding: N.self)?.n ?? -1
    }

    /// The token in the link of the newest message to `mobile`.
    static func token(_ app: Application, _ outage: String, to mobile: String) async throws -> String {
        let m = try #require(try await messages(app, outage).last { $0.recipient == mobile && $0.template.hasPrefix("outage.") && $0.params.contains("/oa/") })
        let params = try JSONDecoder().decode([String: String].self, from: Data(m.params.utf8))
        return String(try #require(params["link"]).split(separator: "/").last!)
    }

    static func code(_ r: TestingHTTPResponse) -> String { TicketTests.code(r) }

    @Test func escalatesDownTheListThenToTheSupervisorEachStepOnce() async throws {
        try await withTestApp { app, clock in
            let t = try await Self.desk(app, clock)
            // setup
            let r = try await Self.open(t)
            #expect(r.status == .created, "\(r.body.string)")
            let o = try r.decode(Schemas.Outage.self)
            #expect(o.unitCount == 8 && o.areaLabel == "1号楼" && o.status == .notifying && o.level == 0)
            // The first on call is texted at once, in the same transaction.
            var sms = try await Self.messages(app, o.id)
            #expect(sms.map(\.recipient) == [Self.mobiles.eng1])
            #expect(sms.allSatisfy { $0.template == "outage.oncall" })
            let jobs = app.services.outages(app.db)
            // MUT + validate: inside the window nothing moves.
            clock.advance(9 * 60)
            #expect(try await jobs.escalateDue() == 0)
            // Past it: the second on the list, once — two job runners at the same moment take the step once.
            clock.advance(60)
            async let first = app.services.outages(app.db).escalateDue()
            async let second = app.services.outages(app.db).escalateDue()
            #expect(try await first + second == 1)
            #expect(try await jobs.escalateDue() == 0)
            sms = try await Self.messages(app, o.id)
            #expect(sms.map(\.recipient).sorted() == [Self.mobiles.eng1, Self.mobiles.eng2])
            // Then the supervisor.
            clock.advance(10 * 60)
            #expect(try await jobs.escalateDue() == 1)
            sms = try await Self.messages(app, o.id)
            #expect(sms.filter { $0.template == "outage.escalated" }.map(\.recipient) == [Self.mobiles.supervisor])
            #expect(sms.count == 3)
            // Nobody after the supervisor: no further step, no further SMS.
            clock.advance(60 * 60)
            #expect(try await jobs.escalateDue() == 0)
            #expect(try await Self.messages(app, o.id).count == 3)
            let got = try await app.call(.GET, "/api/v1/outages/\(o.id)", headers: .bearer(t.agent)).decode(Schemas.Outage.self)
            #expect(got.level == 2 && got.escalationTarget == .supervisors)
            #expect(got.events.map(\.action.rawValue) == ["open", "notify", "escalate", "escalate"])
            #expect(got.events.map(\.line) == ["open", "notify", "escalate", "escalate_supervisors"])
            #expect(got.events[2].params.additionalProperties["position"] == "2" && got.events[3].actorName.isEmpty)
            // The timeline is stored as catalogue lines, so each reader reads it in their own language.
            let events = try await jobs.detail(UUID(uuidString: o.id)!).events
            let catalog = try Catalog.load()
            let zh = events.map { OutagesShell.eventLine(Localizer(catalog: catalog, language: .zh), $0) }
            let en = events.map { OutagesShell.eventLine(Localizer(catalog: catalog, language: .en), $0) }
            #expect(zh[0].hasPrefix("工程部 · 1号楼") && zh[3].hasPrefix("超过 10 分钟无人确认，升级至主管："), "\(zh)")
            #expect(en[0].hasPrefix("Engineering · 1号楼") && en[3].hasPrefix("No acknowledgement in 10 min; escalated to the supervisors: "), "\(en)")
            #expect(en.allSatisfy { !$0.contains("{") && !$0.contains("超过") && !$0.contains("短信") }, "\(en)")
            #expect(OutagesShell.actor(Localizer(catalog: catalog, language: .en), events[3]) == "System")
            // The list shows it open, with its level.
            let list = try await app.call(.GET, "/api/v1/outages?projectId=\(t.d.project)", headers: .bearer(t.agent)).decode(Schemas.OutagePage.self)
            #expect(list.items.map(\.id) == [o.id] && list.items[0].level == 2)
        }
    }

    @Test func theLinkAcknowledgesOnceAndAForgedOrExpiredOneGetsNothing() async throws {
        try await withTestApp { app, clock in
            let t = try await Self.desk(app, clock)
            let o = try await Self.open(t).decode(Schemas.Outage.self)
            clock.advance(10 * 60)
            #expect(try await app.services.outages(app.db).escalateDue() == 1)
            let first = try await Self.token(app, o.id, to: Self.mobiles.eng1)
            let second = try await Self.token(app, o.id, to: Self.mobiles.eng2)
            // A forged token: the page and the button say nothing about any 抢修单, and nothing changes.
            let forged = String(repeating: "A", count: 43)
            let audits = try await Fixtures(app: app).auditCount(action: "outage.acknowledge")
            #expect(try await app.call(.GET, "/oa/\(forged)").status == .notFound)
            #expect(try await app.call(.POST, "/oa/\(forged)").status == .notFound)
            #expect(try await app.call(.POST, "/oa/short").status == .notFound)
            #expect(try await Fixtures(app: app).auditCount(action: "outage.acknowledge") == audits)
            // The page before pressing: the 抢修单 and the button, no sign-in.
            let page = try await app.call(.GET, "/oa/\(second)")
            #expect(page.status == .ok && page.body.string.contains(o.number) && page.body.string.contains("<form"))
            // The second on the list acknowledges.
            let ack = try await app.call(.POST, "/oa/\(second)")
            #expect(ack.status == .ok, "\(ack.body.string)")
            var got = try await app.call(.GET, "/api/v1/outages/\(o.id)", headers: .bearer(t.agent)).decode(Schemas.Outage.self)
            #expect(got.status == .inRepair && got.acknowledgedByName == "ENG2")
            // Single use.
            #expect(try await app.call(.POST, "/oa/\(second)").status == .notFound)
            // The first person's link still opens, but the 抢修单 is taken: nothing changes.
            let late = try await app.call(.POST, "/oa/\(first)")
            #expect(late.status == .ok)
            got = try await app.call(.GET, "/api/v1/outages/\(o.id)", headers: .bearer(t.agent)).decode(Schemas.Outage.self)
            #expect(got.acknowledgedByName == "ENG2")
            #expect(got.events.filter { $0.action == .acknowledge }.count == 1)
            // Acknowledged: no more escalation.
            clock.advance(3600)
            #expect(try await app.services.outages(app.db).escalateDue() == 0)
            // An expired link: a new 抢修单 whose link is used a day later.
            let other = try await Self.open(t, ["title": "停电"]).decode(Schemas.Outage.self)
            let stale = try await Self.token(app, other.id, to: Self.mobiles.eng1)
            clock.advance(OutageService.tokenLifetime + 1)
            #expect(try await app.call(.GET, "/oa/\(stale)").status == .notFound)
            #expect(try await app.call(.POST, "/oa/\(stale)").status == .notFound)
            let fresh = try await Fixtures(app: app).token("csstaff")
            let after = try await app.call(.GET, "/api/v1/outages/\(other.id)", headers: .bearer(fresh)).decode(Schemas.Outage.self)
            #expect(after.status == .notifying && after.acknowledgedByName == nil)
        }
    }

    @Test func callbacksToEveryOwnerBeforeClosingAndNotFixedReopens() async throws {
        try await withTestApp { app, clock in
            let t = try await Self.desk(app, clock)
            let o = try await Self.open(t).decode(Schemas.Outage.self)
            #expect(try await app.call(.POST, "/oa/\(try await Self.token(app, o.id, to: Self.mobiles.eng1))").status == .ok)
            // Closing before the repair is done is refused.
            #expect(Self.code(try await app.call(.POST, "/api/v1/outages/\(o.id)/close", headers: .bearer(t.agent))) == "outage_move_not_allowed")
            // An agent may not report done; the shift lead may.
            #expect(try await app.call(.POST, "/api/v1/outages/\(o.id)/report-done", headers: .bearer(t.agent), json: [:] as J).status == .forbidden)
            var r = try await app.call(.POST, "/api/v1/outages/\(o.id)/report-done", headers: .bearer(t.lead), json: ["note": "已更换阀门"] as J)
            #expect(r.status == .ok, "\(r.body.string)")
            var got = try r.decode(Schemas.Outage.self)
            #expect(got.status == .callback)
            // The list is every owner of the affected units, once each (A owns two of them).
            #expect(Set(got.callbacks.map(\.name)) == Set(t.owners.values))
            #expect(got.callbacks.count == 3)
            let codes = Dictionary(uniqueKeysWithValues: got.callbacks.map { ($0.name, $0.unitCodes) })
            #expect(codes["业主甲"] == "\(t.d.units[0].code)、\(t.d.units[1].code)")
            #expect(codes["业主乙"] == t.d.units[1].code && codes["业主丙"] == t.d.units[2].code)
            func id(_ name: String) -> String { got.callbacks.first { $0.name == name }!.id }
            func call(_ name: String, _ outcome: String) async throws -> TestingHTTPResponse {
                try await app.call(.POST, "/api/v1/outages/\(o.id)/callbacks/\(id(name))", headers: .bearer(t.agent),
                                   json: ["outcome": .s(outcome)] as J)
            }
            #expect(try await call("业主甲", "answered").status == .ok)
            #expect(Self.code(try await call("业主甲", "answered")) == "outage_callback_final")
            // Closing while an owner has no outcome is refused and changes nothing.
            r = try await app.call(.POST, "/api/v1/outages/\(o.id)/close", headers: .bearer(t.agent))
            #expect(Self.code(r) == "outage_callbacks_pending")
            // Three unanswered calls: unreachable.
            for _ in 0..<3 { #expect(try await call("业主乙", "no_answer").status == .ok) }
            got = try await app.call(.GET, "/api/v1/outages/\(o.id)", headers: .bearer(t.agent)).decode(Schemas.Outage.self)
            #expect(got.callbacks.first { $0.name == "业主乙" }?.outcome == "unreachable")
            #expect(got.status == .callback)
            // Not fixed: back to the repair, the one who took it told again.
            r = try await call("业主丙", "not_fixed")
            got = try r.decode(Schemas.Outage.self)
            #expect(got.status == .inRepair && got.round == 2)
            #expect(try await Self.messages(app, o.id).filter { $0.template == "outage.reopened" }.map(\.recipient) == [Self.mobiles.eng1])
            #expect(Self.code(try await app.call(.POST, "/api/v1/outages/\(o.id)/close", headers: .bearer(t.agent))) == "outage_move_not_allowed")
            // Done again: a fresh list; every owner answered, it closes.
            got = try await app.call(.POST, "/api/v1/outages/\(o.id)/report-done", headers: .bearer(t.lead), json: [:] as J).decode(Schemas.Outage.self)
            #expect(got.callbacks.count == 3 && got.callbacks.allSatisfy { $0.outcome == nil })
            for name in t.owners.values { #expect(try await call(name, "answered").status == .ok) }
            r = try await app.call(.POST, "/api/v1/outages/\(o.id)/close", headers: .bearer(t.agent))
            #expect(r.status == .ok, "\(r.body.string)")
            #expect(try r.decode(Schemas.Outage.self).status == .closed)
            #expect(try await Fixtures(app: app).auditCount(action: "outage.close") == 1)
        }
    }

    @Test func aRefusedOpeningChangesNothing() async throws {
        try await withTestApp { app, clock in
            let t = try await Self.desk(app, clock)
            let before = try await Self.count(app, "SELECT COUNT(*) AS n FROM outbox_messages")
            // Agents may not open one.
            #expect(try await Self.open(t, token: t.agent).status == .forbidden)
            // A unit not in the project, an entrance the building lacks, a restore time in the past.
            var r = try await Self.open(t, ["scope": "units", "unitCodes": .a([.s("9-9-909")])])
            #expect(Self.code(r) == "outage_unit_unknown")
            r = try await Self.open(t, ["scope": "entrance", "entrance": 7])
            #expect(Self.code(r) == "outage_entrance_invalid")
            r = try await Self.open(t, ["expectedRestoreAt": "2020-01-01T00:00:00Z"])
            #expect(Self.code(r) == "outage_restore_invalid")
            // A department with nobody on call.
            r = try await Self.open(t, ["department": "property"])
            #expect(r.status == .conflict && Self.code(r) == "outage_no_oncall")
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM outages") == 0)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM outbox_messages") == before)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM audit_log WHERE action LIKE 'outage.%' AND action <> 'outage.oncall'") == 0)
            // Units by code as staff type them.
            r = try await Self.open(t, ["scope": "units", "unitCodes": .a([.s(t.d.units[2].code), .s(t.d.units[3].code)])])
            #expect(r.status == .created, "\(r.body.string)")
            #expect(try r.decode(Schemas.Outage.self).unitCodes == [t.d.units[2].code, t.d.units[3].code])
        }
    }

    @Test func theDemoHasAClosedOutageWithItsCallbacksAndAnOpenOneEscalatedOnce() async throws {
        try await withTestApp(.demo) { app, _ in
            let token = try await Fixtures(app: app).token("cs-staff", password: DemoSeeder.password)
            let projects = try await app.call(.GET, "/api/v1/projects", headers: .bearer(token)).decode(Schemas.ProjectPage.self).items
            let project = try #require(projects.first { $0.code == "HXY" })
            let list = try await app.call(.GET, "/api/v1/outages?projectId=\(project.id)&status=all", headers: .bearer(token))
                .decode(Schemas.OutagePage.self)
            #expect(list.items.map(\.status) == [.notifying, .closed])
            #expect(list.items[0].level == 1 && list.items[0].escalationTarget == .supervisors)
            let closed = try await app.call(.GET, "/api/v1/outages/\(list.items[1].id)", headers: .bearer(token)).decode(Schemas.Outage.self)
            #expect(!closed.callbacks.isEmpty && closed.callbacks.allSatisfy { $0.outcome != nil })
            #expect(closed.callbacks.contains { $0.outcome == "unreachable" })
            #expect(closed.acknowledgedByName == "蒋工")
        }
    }
}
