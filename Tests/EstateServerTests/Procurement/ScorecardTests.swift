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

    /// The service desk's project (units, CS, an engineer), procurement on it, an approved order of 卫浴管材 delivered
    /// into two units as plumbing and all accepted.
    struct Delivered {
        var t: TicketTests.Desk
        var d: ProcurementTests.Desk
        var supplier: String
        var plan: (plan: String, line: String)
        var order: Schemas.PurchaseOrder
        var delivery: Schemas.Delivery
    }

    static func delivered(_ app: Application, _ clock: TestClock) async throws -> Delivered {
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
        return Delivered(t: t, d: d, supplier: supplier, plan: plan, order: o, delivery: dl)
    }

    @Test func repairsOnTheUnitsABatchWentIntoLowerTheSuppliersScoreAndABlockWaitsForTheManager() async throws {
        try await withTestApp { app, clock in
            // setup
            let x = try await Self.delivered(app, clock)
            let t = x.t, d = x.d, supplier = x.supplier, plan = x.plan
            let before = try await app.call(.GET, "/api/v1/suppliers/\(supplier)/scorecard", headers: .bearer(d.staff)).decode(Schemas.SupplierScorecard.self)
            #expect(before.quality == 100 && before.repairTickets == 0 && before.standing == .good && before.unitsInstalled == 2)
            // MUT: three plumbing repairs on those units since the batch went in (one on another component does not count).
            for (unit, component) in [(0, "plumbing"), (1, "plumbing"), (0, "plumbing"), (1, "electrical")] {
                let r = try await TicketTests.create(t, ["kind": "repair", "channel": "hotline", "severity": "normal", "title": "管道渗漏",
                                                         "unitId": .s(t.d.units[unit].id.uuidString), "component": .s(component),
                                                         "assigneeId": .s(t.engineerID.uuidString)])
                #expect(r.status == .created, "\(r.body.string)")
            }
            // validate: 3 repairs on 2 units: quality 100 − 150 → 0; nobody rated its service, so the standard weights
            // 40/30/20/10 become 45/33/22: 0×45 + 100×33 + 100×22 = 55, a warning.
            let after = try await app.call(.GET, "/api/v1/suppliers/\(supplier)/scorecard", headers: .bearer(d.staff)).decode(Schemas.SupplierScorecard.self)
            #expect(after.repairTickets == 3 && after.quality == 0 && after.total == 55 && after.standing == .warn, "\(after)")
            // The manager weighs quality at 70 % (70/20/5/5, unrated → 74/21/5): 0×74 + 100×21 + 100×5 = 26, a block.
            let staffWeights = try await app.call(.PUT, "/api/v1/supplier-score-weights", headers: .bearer(d.staff),
                                                  json: ["quality": 70, "delivery": 20, "price": 5, "service": 5] as J)
            #expect(staffWeights.status == .forbidden)
            let notWhole = try await app.call(.PUT, "/api/v1/supplier-score-weights", headers: .bearer(d.manager),
                                              json: ["quality": 70, "delivery": 20, "price": 5, "service": 6] as J)
            #expect(notWhole.status == .unprocessableEntity)
            #expect(try await app.call(.PUT, "/api/v1/supplier-score-weights", headers: .bearer(d.manager),
                                       json: ["quality": 70, "delivery": 20, "price": 5, "service": 5] as J).status == .ok)
            let blocked = try await app.call(.GET, "/api/v1/suppliers/\(supplier)/scorecard", headers: .bearer(d.staff)).decode(Schemas.SupplierScorecard.self)
            #expect(blocked.total == 26 && blocked.standing == .block, "\(blocked)")
            let refused = try await ProcurementTests.order(d, supplier: supplier, plan: plan, quantity: "1", price: "1000")
            #expect(refused.status == .conflict && ProcurementTests.problemCode(refused) == "supplier_score_blocked", "\(refused.body.string)")
            // The manager overrides with a reason; orders go through again, carrying the score for the approver.
            let over = try await app.call(.POST, "/api/v1/suppliers/\(supplier)/score-override", headers: .bearer(d.manager),
                                          json: ["reason": "独家供货，已约谈整改"] as J)
            #expect(over.status == .ok)
            #expect(try over.decode(Schemas.SupplierScorecard.self).overrideReason == "独家供货，已约谈整改")
            let allowed = try await ProcurementTests.order(d, supplier: supplier, plan: plan, quantity: "1", price: "1000")
            #expect(allowed.status == .created, "\(allowed.body.string)")
            #expect(try allowed.decode(Schemas.PurchaseOrder.self).supplierScore == 26)
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

    /// 服务评价: the people who dealt with the supplier rate its service once each after a delivery; the scorecard's
    /// service is 100 × their mean ÷ 5 and, before anyone rated, service's weight is shared over the other three.
    @Test func serviceRatingsSetTheServiceScoreOnceEachAfterADelivery() async throws {
        try await withTestApp { app, clock in
            // setup: the delivered order; a second approved order with nothing delivered; a CS agent of the project.
            let x = try await Self.delivered(app, clock)
            let d = x.d, o = x.order
            let second = try await ProcurementTests.order(d, supplier: x.supplier, plan: x.plan, quantity: "1", price: "1000").decode(Schemas.PurchaseOrder.self)
            #expect(try await ProcurementTests.decide(d, try #require(second.approvalId), by: d.manager).status == .ok)
            func card() async throws -> Schemas.SupplierScorecard {
                try await app.call(.GET, "/api/v1/suppliers/\(x.supplier)/scorecard", headers: .bearer(d.staff)).decode(Schemas.SupplierScorecard.self)
            }
            func rate(_ order: String, _ token: String, _ stars: Int, _ comment: String? = nil) async throws -> TestingHTTPResponse {
                var body: [String: J] = ["stars": .i(stars)]
                if let comment { body["comment"] = .s(comment) }
                return try await app.call(.POST, "/api/v1/purchase-orders/\(order)/service-ratings", headers: .bearer(token), json: J.o(body))
            }
            let unrated = try await card()
            #expect(unrated.service == nil && unrated.serviceRatings == 0 && unrated.total == 100)
            #expect(unrated.appliedWeights == .init(quality: 45, delivery: 33, price: 22, service: 0) && unrated.weights.service == 10)
            // MUT + validate: the refusals change nothing.
            let early = try await rate(second.id, d.staff, 5)
            #expect(early.status == .conflict && ProcurementTests.problemCode(early) == "service_order_not_delivered", "\(early.body.string)")
            let noReason = try await rate(o.id, d.staff, 2, " ")
            #expect(noReason.status == .unprocessableEntity && noReason.body.string.contains("\"service_comment_required\""), "\(noReason.body.string)")
            let cs = try await rate(o.id, x.t.d.cs, 5)
            #expect(cs.status == .forbidden || cs.status == .notFound, "\(cs.status)")
            #expect(try await app.call(.GET, "/api/v1/purchase-orders/\(o.id)/service-ratings", headers: .bearer(d.staff))
                .decode(Schemas.ServiceRatingList.self).items.isEmpty)
            // The engineer who inspected rates 2 stars with a reason; procurement's two racing clicks make one rating.
            let engineer = try await rate(o.id, d.engineer, 2, "资料迟交三天")
            #expect(engineer.status == .created, "\(engineer.body.string)")
            let racing = try await withThrowingTaskGroup(of: HTTPResponseStatus.self) { group in
                for _ in 0..<4 { group.addTask { try await rate(o.id, d.staff, 5).status } }
                return try await group.reduce(into: [HTTPResponseStatus]()) { $0.append($1) }
            }
            #expect(racing.filter { $0 == .created }.count == 1 && racing.filter { $0 == .conflict }.count == 3, "\(racing)")
            let again = try await rate(o.id, d.staff, 4)
            #expect(again.status == .conflict && ProcurementTests.problemCode(again) == "service_already_rated")
            // (2 + 5) ÷ 2 = 3.5 stars → 70; with the standard weights 100×40 + 100×30 + 100×20 + 70×10 = 97.
            let rated = try await card()
            #expect(rated.service == 70 && rated.serviceRatings == 2 && rated.appliedWeights == rated.weights && rated.total == 97, "\(rated)")
            let list = try await app.call(.GET, "/api/v1/purchase-orders/\(o.id)/service-ratings", headers: .bearer(d.staff)).decode(Schemas.ServiceRatingList.self)
            #expect(list.items.map(\.stars).sorted() == [2, 5] && list.items.contains { $0.comment == "资料迟交三天" })
            // A period before the ratings has none.
            let earlier = d.today.adding(days: -60)
            let past = try await app.call(.GET, "/api/v1/suppliers/\(x.supplier)/scorecard?from=\(earlier)&to=\(earlier.adding(days: 1))",
                                          headers: .bearer(d.staff)).decode(Schemas.SupplierScorecard.self)
            #expect(past.service == nil && past.serviceRatings == 0)
            // The pages: the order's lists both ratings and gives the manager (who has not rated) the form; the second order's
            // page says a rating waits for a delivery; a 1-star rating on the delivery's page without a reason is drawn
            // again with the rule named.
            var browser = Browser(app: app)
            _ = try await browser.signIn("sc.jingli")
            let page = try await browser.get("/procurement/orders/\(o.id)").body.string
            #expect(page.contains("pr-service-rating") && page.contains("资料迟交三天") && page.contains("★★☆☆☆") && page.contains("action=\"/procurement/orders/\(o.id)/service-rating\""))
            let secondPage = try await browser.get("/procurement/orders/\(second.id)").body.string
            #expect(secondPage.contains("到货后可评价") && !secondPage.contains("/procurement/orders/\(second.id)/service-rating\""))
            let deliveryPage = try await browser.get("/procurement/deliveries/\(x.delivery.id)")
            let csrf = try #require(Browser.csrf(in: deliveryPage.body.string))
            let refused = try await browser.post("/procurement/orders/\(o.id)/service-rating",
                                                 form: ["_csrf": csrf, "stars": "1", "comment": "", "back": "/procurement/deliveries/\(x.delivery.id)"])
            #expect(refused.status == .unprocessableEntity && refused.body.string.contains("须写明原因") && refused.body.string.contains(x.delivery.number), "\(refused.status)")
            let saved = try await browser.post("/procurement/orders/\(o.id)/service-rating",
                                               form: ["_csrf": csrf, "stars": "1", "comment": "售后电话无人接", "back": "/procurement/deliveries/\(x.delivery.id)"])
            #expect(saved.status == .seeOther && saved.headers.first(name: .location)?.hasPrefix("/procurement/deliveries/\(x.delivery.id)") == true)
            #expect(try await card().serviceRatings == 3)
        }
    }
}
