import EstateCore
@testable import EstateServer
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Phone orders, group purchases and appliance tests passed to tenants (issue 20 point 6), and the desk's rota (早晚班,
/// point 8), on both engines.
@Suite("Mall: orders for tenants and the rota")
struct MallDeskOrderTests {
    typealias Schemas = Components.Schemas
    struct N: Decodable { var n: Int }

    static func order(_ d: MallDesk, kind: String = "phone_order", mobile: String = "+86 138-0013-8001", due: Int = 2, org: String? = nil) -> J {
        var j: [String: J] = ["mallId": .s(d.mall.uuidString), "kind": .s(kind), "tenantId": .s(d.tenants[0].uuidString), "customerName": "赵女士",
                              "customerMobile": .s(mobile), "details": "美的空调 KFR-35GW 两台，周六上午送货", "quantity": 2,
                              "dueOn": .s(d.today.adding(days: due).description)]
        if let org { j["organisation"] = .s(org) }
        return .o(j)
    }

    @Test func anOrderIsPassedToTheTenantAnsweredAndDoneInOrder() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await MallDesk.setup(app, clock)
            let sql = app.db as! any SQLDatabase
            // MUT: bad input names every field and writes nothing.
            var res = try await app.call(.POST, "/api/v1/desk-orders", headers: .bearer(d.desk), json: [
                "mallId": .s(d.mall.uuidString), "kind": "group_purchase", "tenantId": .s(UUID().uuidString), "customerName": " ",
                "customerMobile": "12345", "details": "", "dueOn": .s(d.today.adding(days: -1).description)] as J)
            let refused = res.body.string
            #expect(res.status == .unprocessableEntity, "\(refused)")
            let none = try await sql.raw("SELECT COUNT(*) AS n FROM mall_desk_orders").first(decoding: N.self)?.n
            res = try await app.call(.POST, "/api/v1/desk-orders", headers: .bearer(d.desk), json: Self.order(d))
            #expect(res.status == .created, "\(res.body.string)")
            let o = try res.decode(Schemas.DeskOrder.self)
            let outOfOrder = try await app.call(.POST, "/api/v1/desk-orders/\(o.id)/steps", headers: .bearer(d.desk), json: ["step": "confirm", "text": "有货"] as J)
            let noContact = try await app.call(.POST, "/api/v1/desk-orders/\(o.id)/steps", headers: .bearer(d.desk), json: ["step": "pass"] as J)
            res = try await app.call(.POST, "/api/v1/desk-orders/\(o.id)/steps", headers: .bearer(d.desk), json: ["step": "pass", "text": "王店长"] as J)
            #expect(res.status == .ok, "\(res.body.string)")
            // The tenant's answer, racing: a confirmation and a refusal arrive together; one wins.
            let answers = try await withThrowingTaskGroup(of: (String, HTTPStatus).self) { g in
                for (i, step) in ["confirm", "decline", "confirm", "decline"].enumerated() {
                    let token = i % 2 == 0 ? d.desk : d.desk2
                    g.addTask { (step, try await app.call(.POST, "/api/v1/desk-orders/\(o.id)/steps", headers: .bearer(token),
                                                          json: ["step": .s(step), "text": "周六上午可送"] as J).status) }
                }
                var all: [(String, HTTPStatus)] = []
                for try await a in g { all.append(a) }
                return all
            }
            let answered = try await app.call(.GET, "/api/v1/desk-orders/\(o.id)", headers: .bearer(d.desk)).decode(Schemas.DeskOrder.self)
            let winner = try #require(answers.first { $0.1 == .ok }?.0)
            res = try await app.call(.POST, "/api/v1/desk-orders/\(o.id)/steps", headers: .bearer(d.desk),
                                     json: winner == "confirm" ? ["step": "done", "text": "已送达"] as J : ["step": "cancel", "text": "商户无货"] as J)
            let closed = try res.decode(Schemas.DeskOrder.self)
            let group = try await app.call(.POST, "/api/v1/desk-orders", headers: .bearer(d.desk), json: Self.order(d, kind: "group_purchase"))
            let list = try await app.call(.GET, "/api/v1/desk-orders?mallId=\(d.mall)", headers: .bearer(d.desk)).decode(Schemas.DeskOrderList.self)
            // validate
            for field in ["tenantId", "customerName", "customerMobile", "details", "dueOn", "organisation"] {
                #expect(refused.contains("\"\(field)\""), "\(field) named: \(refused)")
            }
            #expect(refused.contains("desk_order_organisation_required") && refused.contains("desk_order_due_invalid"))
            #expect(none == 0, "nothing written")
            #expect(o.status == .taken && o.customerMobile == "138****8001" && o.number.hasPrefix("DD") && o.quantity == 2)
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM mall_desk_orders WHERE customer_mobile = '13800138001'").first(decoding: N.self)?.n == 1,
                    "kept as the normalised mobile")
            #expect(outOfOrder.status == .conflict && outOfOrder.body.string.contains("desk_order_step_not_allowed"))
            #expect(noContact.status == .unprocessableEntity && noContact.body.string.contains("desk_order_tenant_contact_required"))
            #expect(answers.filter { $0.1 == .ok }.count == 1 && answers.filter { $0.1 == .conflict }.count == 3, "\(answers)")
            #expect(answered.status.rawValue == (winner == "confirm" ? "confirmed" : "declined") && answered.tenantAnswer == "周六上午可送")
            #expect(answered.tenantContact == "王店长")
            #expect(closed.status == (winner == "confirm" ? .done : .cancelled) && closed.closedAt != nil)
            #expect(group.status == .unprocessableEntity && group.body.string.contains("desk_order_organisation_required"))
            #expect(list.items.map(\.id) == [o.id])
            let f = Fixtures(app: app)
            #expect(try await f.auditCount(action: "mall.desk_order_take") == 1)
            #expect(try await f.auditCount(action: "mall.desk_order_pass") == 1)
            #expect(try await f.auditCount(action: "mall.desk_order_\(winner)") == 1)
        }
    }

    @Test func anOrderPastItsDayIsOverdueUntilClosed() async throws {
        try await withTestApp { app, clock in
            // setup
            var d = try await MallDesk.setup(app, clock)
            let o = try await app.call(.POST, "/api/v1/desk-orders", headers: .bearer(d.desk),
                                       json: Self.order(d, kind: "appliance_test", due: 0)).decode(Schemas.DeskOrder.self)
            // MUT
            clock.advance(86400)
            try await d.signInAgain()
            let late = try await app.call(.GET, "/api/v1/desk-orders/\(o.id)", headers: .bearer(d.desk)).decode(Schemas.DeskOrder.self)
            let open = try await app.call(.GET, "/api/v1/desk-orders?mallId=\(d.mall)&open=true", headers: .bearer(d.desk)).decode(Schemas.DeskOrderList.self)
            let cancelled = try await app.call(.POST, "/api/v1/desk-orders/\(o.id)/steps", headers: .bearer(d.desk),
                                               json: ["step": "cancel", "text": "顾客改期"] as J).decode(Schemas.DeskOrder.self)
            let after = try await app.call(.GET, "/api/v1/desk-orders?mallId=\(d.mall)&open=true", headers: .bearer(d.desk)).decode(Schemas.DeskOrderList.self)
            // validate
            #expect(!o.overdue && late.overdue)
            #expect(open.items.map(\.id) == [o.id] && after.items.isEmpty)
            #expect(cancelled.status == .cancelled && !cancelled.overdue && cancelled.closeNote == "顾客改期")
        }
    }

    @Test func theRotaNeverPutsOnePersonOnTwoOverlappingShifts() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await MallDesk.setup(app, clock)
            let day = d.today.adding(days: 1)
            let base = "/api/v1/malls/\(d.mall)/rota/\(day)"
            let f = Fixtures(app: app)
            let outsider = try await f.user("guard-1", roles: [(.property, d.project)])
            // MUT
            var res = try await app.call(.POST, "\(base)/early/staff", headers: .bearer(d.supervisor), json: ["userId": .s(d.deskID.uuidString)] as J)
            #expect(res.status == .ok, "\(res.body.string)")
            let early = try res.decode(Schemas.MallShift.self)
            let overlap = try await app.call(.POST, "\(base)/late/staff", headers: .bearer(d.supervisor), json: ["userId": .s(d.deskID.uuidString)] as J)
            let byDesk = try await app.call(.POST, "\(base)/late/staff", headers: .bearer(d.desk), json: ["userId": .s(d.desk2ID.uuidString)] as J)
            let notDesk = try await app.call(.POST, "\(base)/late/staff", headers: .bearer(d.supervisor), json: ["userId": .s(outsider.uuidString)] as J)
            let twice = try await app.call(.POST, "\(base)/early/staff", headers: .bearer(d.supervisor), json: ["userId": .s(d.deskID.uuidString)] as J)
            let badTimes = try await app.call(.PUT, "\(base)/late", headers: .bearer(d.supervisor), json: ["startsAt": "22:00", "endsAt": "15:30"] as J)
            res = try await app.call(.PUT, "\(base)/late", headers: .bearer(d.supervisor), json: ["startsAt": "15:30", "endsAt": "22:00"] as J)
            #expect(res.status == .ok, "\(res.body.string)")
            res = try await app.call(.POST, "\(base)/late/staff", headers: .bearer(d.supervisor), json: ["userId": .s(d.deskID.uuidString)] as J)
            #expect(res.status == .ok, "touching shifts do not overlap: \(res.body.string)")
            let widen = try await app.call(.PUT, "\(base)/early", headers: .bearer(d.supervisor), json: ["startsAt": "09:00", "endsAt": "16:00"] as J)
            // Racing: desk2 put on both shifts of another day (they overlap by the usual half hour) at once; one wins.
            let other = d.today.adding(days: 2)
            let race = try await withThrowingTaskGroup(of: HTTPStatus.self) { g in
                for k in ["early", "late", "early", "late"] {
                    g.addTask { try await app.call(.POST, "/api/v1/malls/\(d.mall)/rota/\(other)/\(k)/staff", headers: .bearer(d.supervisor),
                                                   json: ["userId": .s(d.desk2ID.uuidString)] as J).status }
                }
                var all: [HTTPStatus] = []
                for try await s in g { all.append(s) }
                return all
            }
            let week = try await app.call(.GET, "/api/v1/malls/\(d.mall)/rota?from=\(day)&to=\(other)", headers: .bearer(d.desk)).decode(Schemas.MallRota.self)
            let off = try await app.call(.DELETE, "\(base)/late/staff/\(d.deskID)", headers: .bearer(d.supervisor))
            let offAgain = try await app.call(.DELETE, "\(base)/late/staff/\(d.deskID)", headers: .bearer(d.supervisor))
            // validate
            #expect(early.startsAt == "09:00" && early.endsAt == "15:30" && early.staff.map(\.id) == [d.deskID.uuidString])
            #expect(overlap.status == .conflict && overlap.body.string.contains("rota_shift_overlap") && overlap.body.string.contains("09:00–15:30"),
                    "\(overlap.body.string)")
            #expect(byDesk.status == .forbidden)
            #expect(notDesk.status == .unprocessableEntity && notDesk.body.string.contains("rota_staff_invalid"))
            #expect(twice.status == .conflict && twice.body.string.contains("rota_already_on_shift"))
            #expect(badTimes.status == .unprocessableEntity && badTimes.body.string.contains("rota_window_invalid"))
            #expect(widen.status == .conflict && widen.body.string.contains("rota_shift_overlap"), "widening the early shift over the late one: \(widen.body.string)")
            #expect(race.filter { $0 == .ok }.count == 1 && race.filter { $0 == .conflict }.count == 3, "\(race)")
            let onOther = week.shifts.filter { $0.day == other.description && $0.staff.contains { $0.id == d.desk2ID.uuidString } }
            #expect(onOther.count == 1, "desk2 on one shift of the day")
            #expect(week.shifts.count == 4, "two days, two shifts each")
            #expect(week.shifts.first { $0.day == day.description && $0.kind == .late }?.startsAt == "15:30")
            #expect(off.status == .ok && offAgain.status == .notFound)
            #expect(try await f.auditCount(action: "mall.rota_assign") == 3)
        }
    }
}
