import EstateCore
import Foundation
import Vapor

/// 订单: the list (status filter, totals) with the form that files an order against an approved plan line, and one
/// order. A refused order is drawn again with the rule named (budget exceeded, supplier blacklisted or its
/// qualification lapsed, a flagged price without a reason).
enum OrdersController {
    static func register(_ app: Application) {
        let p = app.grouped("procurement", "projects", ":projectID")
        p.on(.GET, "orders", guard: .allowed(.procurementHandle), use: list)
        p.on(.POST, "orders", guard: .allowed(.procurementHandle), use: create)
        app.on(.GET, "procurement", "orders", ":orderID", guard: .allowed(.procurementHandle), use: show)
    }

    @Sendable static func list(_ req: Request) async throws -> Response {
        Shell.response(OrderPages.list(PageContext(req), try await OrderPages.ListModel.load(req)))
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        Shell.response(OrderPages.show(PageContext(req), try await OrderPages.Model.load(req)))
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
            OrderPages.list(PageContext(req), try await OrderPages.ListModel.load(req, failure: failure))
        }
    }
}
