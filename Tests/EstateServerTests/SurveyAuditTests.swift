import EstateCore
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import EstateServer

/// 勘察 and 稽查 on both engines (issue 16 point 3): a survey goes to the engineer, records findings
/// and spawns a linked repair; an audit checks a finished repair, is scored 1–5, and a failing
/// score sends the repair back to work in the same transaction.
@Suite("Customer service: surveys and audits")
struct SurveyAuditTests {
    typealias Schemas = Components.Schemas

    static func ticket(_ r: TestingHTTPResponse) throws -> Schemas.Ticket { try r.decode(Schemas.Ticket.self) }

    /// A repair of unit 0, worked and resolved by the engineer.
    static func finishedRepair(_ t: TicketTests.Desk) async throws -> String {
        let r = try await TicketTests.create(t, ["kind": "repair", "channel": "hotline", "severity": "normal", "title": "厨房水管渗漏",
                                                 "unitId": .s(t.d.units[0].id.uuidString), "component": "plumbing"])
        #expect(r.status == .created, "\(r.body.string)")
        let id = try ticket(r).id
        let steps: [(J, String)] = [(["action": "assign", "assigneeId": .s(t.engineerID.uuidString), "department": "engineering"], t.d.csManager),
                                    (["action": "start"], t.engineer), (["action": "resolve", "note": "更换三通", "cause": "material"], t.engineer)]
        for (body, token) in steps {
            let a = try await TicketTests.act(t, id, body, token: token)
            #expect(a.status == .ok, "\(a.body.string)")
        }
        return id
    }

    @Test func aSurveyRecordsFindingsAndSpawnsALinkedRepair() async throws {
        try await withTestApp { app, clock in
            let t = try await TicketTests.desk(app, clock)
            // setup: a survey, given to the engineer (field work), on site.
            let s = try await TicketTests.create(t, ["kind": "survey", "channel": "hotline", "severity": "normal", "title": "客厅墙面裂缝勘察",
                                                     "unitId": .s(t.d.units[1].id.uuidString)])
            #expect(s.status == .created, "\(s.body.string)")
            let survey = try Self.ticket(s)
            #expect(survey.kind == .survey && survey.sla.resolveDueAt.timeIntervalSince(survey.createdAt) == 72 * 3600)
            let spawn: [String: J] = ["kind": "repair", "channel": "hotline", "severity": "normal", "title": "墙面裂缝修补",
                                      "unitId": .s(t.d.units[1].id.uuidString), "component": "decoration", "relatedTicketId": .s(survey.id)]
            // MUT + validate: not before anyone is on site.
            #expect(TicketTests.code(try await TicketTests.create(t, spawn)) == "related_ticket_invalid")
            #expect(try await TicketTests.act(t, survey.id, ["action": "assign", "assigneeId": .s(t.engineerID.uuidString),
                                                             "department": "engineering"], token: t.d.csManager).status == .ok)
            #expect(try await TicketTests.act(t, survey.id, ["action": "start"], token: t.engineer).status == .ok)
            // Findings are required to resolve; a score is not for surveys.
            #expect(TicketTests.code(try await TicketTests.act(t, survey.id, ["action": "resolve"], token: t.engineer)) == "resolution_required")
            #expect(TicketTests.code(try await TicketTests.act(t, survey.id, ["action": "resolve", "note": "x", "score": 3], token: t.engineer))
                    == "audit_score_for_audits")
            let repair = try await TicketTests.create(t, spawn)
            #expect(repair.status == .created, "\(repair.body.string)")
            let r = try Self.ticket(repair)
            #expect(r.relatedTicketId == survey.id && r.relatedTicketNumber == survey.number)
            let done = try await TicketTests.act(t, survey.id, ["action": "resolve", "note": "裂缝为抹灰层收缩裂，非结构性，已开维修单"], token: t.engineer)
            #expect(done.status == .ok, "\(done.body.string)")
            // A survey closes without a callback; its log names the repair it spawned.
            let closed = try Self.ticket(try await TicketTests.act(t, survey.id, ["action": "close"], token: t.d.cs))
            #expect(closed.status == .closed && closed.events.contains { $0.action == "repair_spawned" && $0.note.contains(r.number) })
            // A repair may not name a closed survey, nor a ticket that is not a survey.
            #expect(TicketTests.code(try await TicketTests.create(t, spawn)) == "related_ticket_invalid")
            var other = spawn
            other["relatedTicketId"] = .s(r.id)
            #expect(TicketTests.code(try await TicketTests.create(t, other)) == "related_ticket_invalid")
            struct N: Decodable { var n: Int }
            #expect(try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM tickets WHERE related_ticket_id = \(bind: UUID(uuidString: survey.id)!)")
                .first(decoding: N.self)?.n == 1)
        }
    }

    @Test func aFailingAuditReopensTheRepairAPassingOneLeavesIt() async throws {
        try await withTestApp { app, clock in
            let t = try await TicketTests.desk(app, clock)
            // setup
            let open = try await TicketTests.create(t, ["kind": "repair", "channel": "hotline", "severity": "normal", "title": "门锁故障",
                                                        "unitId": .s(t.d.units[2].id.uuidString), "component": "equipment"])
            let unfinished = try Self.ticket(open).id
            let repair = try await Self.finishedRepair(t)
            func audit(_ subject: String?) async throws -> TestingHTTPResponse {
                var b: [String: J] = ["kind": "audit", "channel": "front_desk", "severity": "normal", "title": "维修质量稽查"]
                if let subject { b["relatedTicketId"] = .s(subject) }
                return try await TicketTests.create(t, b, token: t.d.csManager)
            }
            // MUT + validate: an audit names a repair reported done.
            #expect(TicketTests.code(try await audit(nil)) == "audit_subject_required")
            #expect(TicketTests.code(try await audit(unfinished)) == "audit_subject_invalid")
            let first = try await audit(repair)
            #expect(first.status == .created, "\(first.body.string)")
            let a = try Self.ticket(first)
            #expect(a.relatedTicketId == repair)
            for body in [["action": "assign", "assigneeId": .s(t.csID.uuidString)] as J, ["action": "start"]] {
                #expect(try await TicketTests.act(t, a.id, body, token: t.d.csManager).status == .ok)
            }
            // A score is required, 1–5.
            #expect(TicketTests.code(try await TicketTests.act(t, a.id, ["action": "resolve", "note": "复查"], token: t.d.cs)) == "audit_score_required")
            let bad = try await TicketTests.act(t, a.id, ["action": "resolve", "note": "复查", "score": 6], token: t.d.cs)
            // Out of range: the contract refuses it before the service sees it.
            #expect([.badRequest, .unprocessableEntity].contains(bad.status), "\(bad.status) \(bad.body.string)")
            #expect(try Self.ticket(try await app.call(.GET, "/api/v1/tickets/\(a.id)", headers: .bearer(t.d.cs))).status == .inProgress)
            // A failing score: the repair goes back to work, once, with its log line.
            let failed = try await TicketTests.act(t, a.id, ["action": "resolve", "note": "三通接口仍渗水", "score": 2], token: t.d.cs)
            #expect(failed.status == .ok, "\(failed.body.string)")
            #expect(try Self.ticket(failed).auditScore == 2)
            let back = try Self.ticket(try await app.call(.GET, "/api/v1/tickets/\(repair)", headers: .bearer(t.d.cs)))
            #expect(back.status == .inProgress && back.reopenCount == 1 && back.resolvedAt == nil)
            #expect(back.events.contains { $0.action == "audit_failed" && $0.note.contains(a.number) })
            #expect(back.events.contains { $0.action == "audit_opened" })
            // Worked again and resolved: a second audit passes and leaves it as it is.
            #expect(try await TicketTests.act(t, repair, ["action": "resolve", "note": "重新更换并打压测试", "cause": "material"], token: t.engineer).status == .ok)
            let second = try Self.ticket(try await audit(repair))
            for body in [["action": "assign", "assigneeId": .s(t.csID.uuidString)] as J, ["action": "start"]] {
                #expect(try await TicketTests.act(t, second.id, body, token: t.d.csManager).status == .ok)
            }
            #expect(try await TicketTests.act(t, second.id, ["action": "resolve", "note": "合格", "score": 4], token: t.d.cs).status == .ok)
            let kept = try Self.ticket(try await app.call(.GET, "/api/v1/tickets/\(repair)", headers: .bearer(t.d.cs)))
            #expect(kept.status == .resolved && kept.reopenCount == 1)
            // An audit closes without a callback.
            #expect(try Self.ticket(try await TicketTests.act(t, second.id, ["action": "close"], token: t.d.cs)).status == .closed)
        }
    }
}
