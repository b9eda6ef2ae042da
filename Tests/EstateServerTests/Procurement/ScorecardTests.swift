import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// 供应商评估 on both engines: repair tickets on the units a supplier's batch went into lower its quality score, the
/// manager's weights set the total, a score below 50 blocks new orders until the manager overrides with a reason; the
/// procurement report and its .xlsx.
@Suite("Procurement: scorecards and the report")
struct ScorecardTests {
    typealias Schemas = Components.Schemas

    @Test func repairsOnTheUnitsABatchWentIntoLowerTheSuppliersScoreAndABlockWaitsForTheManager() async throws {
        try await withTestApp { app, clock in
            // setup: the service desk's project (units, CS, an engineer), procurement on it, an approved order of 卫浴管材.
            let t = try await TicketTests.desk(app, clock)
            let f = Fixtures(app: app)
            try await f.user("sc.caigou", roles: [(.procurementStaff, t.d.project)])
            try await f.user("sc.jingli", roles: [(.procurementManager, t.d.project)])
            try await f.user("sc.zong", roles: [(.gm, t.d.project)])
            let d = ProcurementTests.Desk(app: app, project: t.d.project, staff: try await f.token("sc.caigou"), manager: try await f.token("sc.jingli"),
                                          gm: try await f.token("sc.zong"), engineer: t.engineer, staffID: UUID(), today: CalendarDay(clock.now))
            let supplier = try await ProcurementTests.supplier(d, 31)
            let plan = try await ProcurementTests.approvedPlan(d, budget: "100000")
            let o = try await ProcurementTests.order(d, supplier: supplier, plan: plan, quantity: "10", price: "1000").decode(Schemas.PurchaseOrder.self)
            #expect(try await ProcurementTests.decide(d, try #require(o.approvalId), by: d.manager).status == .ok)
            // Delivered into two units as plumbing, all accepted.
            let delivery = try await app.call(.POST, "/api/v1/deliveries", headers: .bearer(d.staff), json: [
                "orderId": .s(o.id), "deliveredOn": .s(d.today.description), "batch": "GC-01", "lines": [["orderLineId": .s(o.lines[0].id), "quantity": "10"]],
                "units": [["unitId": .s(t.d.units[0].id.uuidString), "component": "plumbing"], ["unitId": .s(t.d.units[1].id.uuidString), "component": "plumbing"]]] as J)
            #expect(delivery.status == .created, "\(delivery.body.string)")
            let dl = try delivery.decode(Schemas.Delivery.self)
            #expect(try await app.call(.POST, "/api/v1/deliveries/\(dl.id)/inspection", headers: .bearer(d.engineer), json: [
                "lines": [["lineId": .s(dl.lines[0].id), "accepted": "10", "rejected": "0"]]] as J).status == .ok)
            let before = try await app.call(.GET, "/api/v1/suppliers/\(supplier)/scorecard", headers: .bearer(d.staff)).decode(Schemas.SupplierScorecard.self)
            #expect(before.quality == 100 && before.repairTickets == 0 && before.standing == .good && before.unitsInstalled == 2)
            // MUT: three plumbing repairs on those units since the batch went in (one on another component does not count).
            for (unit, component) in [(0, "plumbing"), (1, "plumbing"), (0, "plumbing"), (1, "electrical")] {
                let r = try await TicketTests.create(t, ["kind": "repair", "channel": "hotline", "severity": "normal", "title": "管道渗漏",
                                                         "unitId": .s(t.d.units[unit].id.uuidString), "component": .s(component),
                                                         "assigneeId": .s(t.engineerID.uuidString)])
                #expect(r.status == .created, "\(r.body.string)")
            }
            // validate: 3 repairs on 2 units: quality 100 − 150 → 0; with the standard weights 0×40 + 100×30 + 100×20 + 100×10 = 60: a warning.
            let after = try await app.call(.GET, "/api/v1/suppliers/\(supplier)/scorecard", headers: .bearer(d.staff)).decode(Schemas.SupplierScorecard.self)
            #expect(after.repairTickets == 3 && after.quality == 0 && after.total == 60 && after.standing == .warn, "\(after)")
            // The manager weighs quality at 70 %: 0×70 + 100×20 + 100×5 + 100×5 = 30, a block.
            let staffWeights = try await app.call(.PUT, "/api/v1/supplier-score-weights", headers: .bearer(d.staff),
                                                  json: ["quality": 70, "delivery": 20, "price": 5, "service": 5] as J)
            #expect(staffWeights.status == .forbidden)
            let notWhole = try await app.call(.PUT, "/api/v1/supplier-score-weights", headers: .bearer(d.manager),
                                              json: ["quality": 70, "delivery": 20, "price": 5, "service": 6] as J)
            #expect(notWhole.status == .unprocessableEntity)
            #expect(try await app.call(.PUT, "/api/v1/supplier-score-weights", headers: .bearer(d.manager),
                                       json: ["quality": 70, "delivery": 20, "price": 5, "service": 5] as J).status == .ok)
            let blocked = try await app.call(.GET, "/api/v1/suppliers/\(supplier)/scorecard", headers: .bearer(d.staff)).decode(Schemas.SupplierScorecard.self)
            #expect(blocked.total == 30 && blocked.standing == .block)
            let refused = try await ProcurementTests.order(d, supplier: supplier, plan: plan, quantity: "1", price: "1000")
            #expect(refused.status == .conflict && ProcurementTests.problemCode(refused) == "supplier_score_blocked", "\(refused.body.string)")
            // The manager overrides with a reason; orders go through again, carrying the score for the approver.
            let over = try await app.call(.POST, "/api/v1/suppliers/\(supplier)/score-override", headers: .bearer(d.manager),
                                          json: ["reason": "独家供货，已约谈整改"] as J)
            #expect(over.status == .ok)
            #expect(try over.decode(Schemas.SupplierScorecard.self).overrideReason == "独家供货，已约谈整改")
            let allowed = try await ProcurementTests.order(d, supplier: supplier, plan: plan, quantity: "1", price: "1000")
            #expect(allowed.status == .created, "\(allowed.body.string)")
            #expect(try allowed.decode(Schemas.PurchaseOrder.self).supplierScore == 30)
            // The report: spend, the scorecard, and the .xlsx.
            let from = d.today.adding(days: -30).description, to = CalendarDay(clock.now).description
            let report = try await app.call(.GET, "/api/v1/reports/procurement?projectId=\(d.project)&from=\(from)&to=\(to)", headers: .bearer(d.staff))
            #expect(report.status == .ok, "\(report.body.string)")
            let r = try report.decode(Schemas.ProcurementReport.self)
            #expect(r.total == "10000.00" && r.bySupplier.map(\.key) == [supplier] && r.scorecards.first?.repairTickets == 3)
            let sheet = try await app.call(.GET, "/api/v1/reports/procurement/export?projectId=\(d.project)&from=\(from)&to=\(to)", headers: .bearer(d.staff))
            #expect(sheet.status == .ok && sheet.body.readableBytes > 1_000)
            #expect(sheet.headers.first(name: "Content-Disposition")?.contains("xlsx") == true)
        }
    }
}
