import EstateCore
@testable import EstateServer
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Complaints at the desk (issue 20 point 3) on both engines: a service ticket with the desk's category routed to the
/// tenant's floor manager, due in 24 hours; past them unresolved it escalates once to the desk supervisor; a
/// resolved one does not; it closes only after a callback.
@Suite("Mall: complaints within 24 hours")
struct MallComplaintTests {
    typealias Schemas = Components.Schemas

    @Test func aComplaintPastItsTwentyFourHoursEscalatesToTheSupervisor() async throws {
        try await withTestApp { app, clock in
            // setup: 1F's manager is the second desk user; the supervisor has a mobile for the SMS.
            var d = try await MallDesk.setup(app, clock)
            let sql = app.db as! any SQLDatabase
            try await sql.raw("UPDATE users SET mobile = '13900008001' WHERE id = \(bind: d.supervisorID)").run()
            var res = try await app.call(.PUT, "/api/v1/malls/\(d.mall)/floors/\(d.floors["1F"]!)", headers: .bearer(d.supervisor),
                                         json: ["managerId": .s(d.desk2ID.uuidString)] as J)
            #expect(res.status == .ok)
            // MUT: two complaints about the 1F tenant, one by phone.
            res = try await app.call(.POST, "/api/v1/malls/\(d.mall)/complaints", headers: .bearer(d.desk), json: [
                "channel": "front_desk", "category": "quality", "tenantId": .s(d.tenants[0].uuidString), "title": "T恤洗后缩水",
                "contactName": "赵女士", "contactMobile": "13712345678"] as J)
            #expect(res.status == .created, "\(res.body.string)")
            let late = try res.decode(Schemas.MallComplaint.self)
            res = try await app.call(.POST, "/api/v1/malls/\(d.mall)/complaints", headers: .bearer(d.desk), json: [
                "channel": "hotline", "category": "service", "tenantId": .s(d.tenants[0].uuidString), "title": "店员态度差"] as J)
            let fixed = try res.decode(Schemas.MallComplaint.self)
            res = try await app.call(.POST, "/api/v1/malls/\(d.mall)/complaints", headers: .bearer(d.desk), json: [
                "channel": "front_desk", "category": "safety", "tenantId": .s(UUID().uuidString), "title": "地滑"] as J)
            #expect(res.status == .unprocessableEntity && res.body.string.contains("mall_tenant_not_found"), "\(res.body.string)")
            // The floor manager resolves the second within the day; a callback, then it closes.
            res = try await app.call(.POST, "/api/v1/tickets/\(fixed.ticketId)/actions", headers: .bearer(d.desk2), json: ["action": "start"] as J)
            #expect(res.status == .ok, "\(res.body.string)")
            res = try await app.call(.POST, "/api/v1/tickets/\(fixed.ticketId)/actions", headers: .bearer(d.desk2),
                                     json: ["action": "resolve", "note": "店长致歉并培训", "cause": "other"] as J)
            #expect(res.status == .ok, "\(res.body.string)")
            res = try await app.call(.POST, "/api/v1/tickets/\(fixed.ticketId)/actions", headers: .bearer(d.desk), json: ["action": "close"] as J)
            #expect(res.status == .conflict && res.body.string.contains("ticket_needs_callback"), "a complaint closes only after a callback: \(res.body.string)")
            let complaints = app.services.complaints(app.db)
            clock.advance(24 * 3600 - 60)
            let early = try await complaints.escalateDue()
            clock.advance(60)
            let first = try await complaints.escalateDue()
            let second = try await complaints.escalateDue()
            try await d.signInAgain()
            let mine = try await app.call(.GET, "/api/v1/malls/\(d.mall)/complaints?mine=true", headers: .bearer(d.desk2)).decode(Schemas.MallComplaintList.self)
            // validate
            #expect(late.managerId == d.desk2ID.uuidString && late.floorId == d.floors["1F"]!.uuidString && late.status == "assigned")
            #expect(late.dueAt.timeIntervalSince(late.takenAt) == 24 * 3600)
            let ticket = try await app.services.tickets(app.db).ticket(UUID(uuidString: late.ticketId)!)
            #expect(ticket.ticketKind == .complaint && ticket.categoryName == "商品质量" && ticket.assigneeId == d.desk2ID)
            #expect(ticket.resolveDueAt == late.dueAt, "the service module's clock says 24 hours too")
            #expect(early == 0 && first == 1 && second == 0)
            struct N: Decodable { var n: Int }
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM outbox_messages WHERE recipient = '13900008001' AND template = 'ticket.escalated'")
                .first(decoding: N.self)?.n == 1)
            #expect(mine.items.count == 2)
            let shown = try #require(mine.items.first { $0.id == late.id })
            #expect(shown.overdue && shown.escalatedAt != nil)
            #expect(mine.items.first { $0.id == fixed.id }?.overdue == false)
            #expect(try await Fixtures(app: app).auditCount(action: "mall.complaint_escalate") == 1)
        }
    }
}
