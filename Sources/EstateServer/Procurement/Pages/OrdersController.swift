import EstateCore
import Foundation
import Vapor

/// 订单: the list (status filter, totals) with the form that files an order against an approved plan line, and one
/// order. A refused order is drawn again with the rule named (budget exceeded, supplier blacklisted or its
/// qualification lapsed, a flagged price without a reason).
enum OrdersController {
    static func register(_ app: Application) {
        let p = app.grouped("procurement", "projects", ":projectID")
        p.on(.GET, "orders", guard: .allowed(.procurementHandle), use: OrderPages.listPage.respond)
        p.on(.POST, "orders", guard: .allowed(.procurementHandle), use: create)
        app.on(.GET, "procurement", "orders", ":orderID", guard: .allowed(.procurementHandle), use: OrderPages.showPage.respond)
        // 服务评价: procurement on the order's page, engineers on a delivery's (checked per project in the service).
        app.on(.POST, "procurement", "orders", ":orderID", "service-rating", guard: .allowed(.projectView), use: rateService)
    }

    /// A rating of the supplier's service on the order, from the order's page or one of its deliveries' (`back`); a
    /// refused one draws that page again with the form's values.
    @Sendable static func rateService(_ req: Request) async throws -> Response {
        let orderID = try req.pathID("orderID")
        let v = req.formFields(["stars", "comment", "back"])
        let prefix = "/procurement/deliveries/"
        let delivery = (v["back"] ?? "").hasPrefix(prefix) ? UUID(uuidString: String((v["back"] ?? "").dropFirst(prefix.count))) : nil
        return try await ProcurementController.form(req, name: ServiceRatingPanel.form, values: v) {
            guard let stars = Int(v["stars"] ?? "") else { throw Problem.invalid("stars", "service_stars_invalid") }
            _ = try await ScorecardService(store: req.services.store(req.db), now: req.services.now)
                .rateService(orderID: orderID, stars: stars, comment: v["comment"] ?? "", by: try req.requirePrincipal(), context: req.auditContext)
            return FormAction.Next.to(delivery.map { "\(prefix)\($0)" } ?? "/procurement/orders/\(orderID)", notice: "pr.service_rated",
                                      anchor: "pr-service-rating")
        } page: { failure in
            if let delivery { return DeliveryPages.show(PageContext(req), try await DeliveryPages.Model.load(req, deliveryID: delivery, failure: failure)) }
            return try await OrderPages.showPage.draw(req, failure)
        }
    }

    @Sendable static func create(_ req: Request) async throws -> Response {
        let (project, _) = try await ProcurementShell.project(req, .orders)
        let v = req.formFields(["line", "supplierId", "title", "quantity", "unitPrice", "dueOn", "priceReason"])
        return try await ProcurementController.form(req, name: OrderPages.form, values: v) {
            let parts = (v["line"] ?? "").split(separator: "|").map(String.init)
            guard parts.count == 2, let plan = UUID(uuidString: parts[0]), let line = UUID(uuidString: parts[1]) else {
                throw Problem.invalid("line", "plan_line_not_found")
            }
            guard let supplier = UUID(uuidString: v["supplierId"] ?? "") else { throw Problem.invalid("supplierId", "supplier_not_found") }
            let o = try await req.services.purchaseOrders(req.db).create(
                .init(projectID: project.id, supplierID: supplier, planID: plan, title: v["title"] ?? "",
                      lines: [.init(planLineID: line, quantity: v["quantity"] ?? "", unitPrice: v["unitPrice"] ?? "", dueOn: v["dueOn"] ?? "")],
                      priceReason: v["priceReason"] ?? ""),
                by: try req.requirePrincipal(), context: req.auditContext)
            return FormAction.Next.to("/procurement/orders/\(o.id)", notice: "pr.order_filed")
        } page: { failure in
            try await OrderPages.listPage.draw(req, failure)
        }
    }
}
