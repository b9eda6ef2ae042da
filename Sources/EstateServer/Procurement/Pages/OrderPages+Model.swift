import EstateCore
import Foundation
import Vapor

/// 订单: a project's orders with a status filter and totals, the form that files an order against an approved plan
/// line, and one order (lines against the 90-day median, its approval by the authority matrix, payment terms, the
/// deliveries, invoices and payments against it, and each material's price history).
enum OrderPages {
    static let statuses = ["submitted", "approved", "rejected", "withdrawn"]

    /// A budget line of an approved plan that still has budget: what an order is filed against.
    struct OpenLine {
        var plan: PurchasePlanService.Plan
        var line: PurchasePlanService.Line
    }

    static func openLines(_ req: Request, _ project: UUID) async throws -> [OpenLine] {
        let svc = req.services.purchasePlans(req.db)
        var out: [OpenLine] = []
        for plan in try await svc.plans(projectID: project, status: "approved") {
            for line in try await svc.lines(plan.id) where line.remaining.fen > 0 { out.append(OpenLine(plan: plan, line: line)) }
        }
        return out
    }

    struct ListModel {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var orders: [PurchaseOrderService.Order]
        var names: [UUID: String]
        var status: String?
        var lines: [OpenLine]
        var suppliers: [SupplierService.Supplier]
        var chosenLine: String?
        var today: CalendarDay
        var failure: FormFailure?

        var total: Money { Money(fen: orders.reduce(0) { $0 + $1.totalFen }) }

        static func load(_ req: Request, failure: FormFailure? = nil) async throws -> ListModel {
            let (project, projects) = try await ProcurementShell.project(req, .orders)
            let status = req.queryText("status").flatMap { statuses.contains($0) ? $0 : nil }
            let orders = try await req.services.purchaseOrders(req.db).orders(projectID: project.id, status: status)
            let suppliers = try await req.services.suppliers(req.db).list()
            return ListModel(project: project, projects: projects, orders: orders,
                             names: Dictionary(suppliers.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a }), status: status,
                             lines: try await openLines(req, project.id), suppliers: suppliers.filter { $0.status == "active" },
                             chosenLine: req.queryText("line"), today: CalendarDay(req.services.now()), failure: failure)
        }
    }

    struct Model {
        var project: InventoryShell.ProjectRef
        var order: PurchaseOrderService.Order
        var lines: [PurchaseOrderService.Line]
        var supplier: SupplierService.Supplier?
        var deliveries: [DeliveryService.Delivery]
        var invoices: [InvoiceService.Invoice]
        var payments: [InvoiceService.Payment]
        var history: [(material: String, unit: String, points: [PurchaseOrderService.PricePoint])]
        var names: [UUID: String]
        var rating: ServiceRatingPanel
        var failure: FormFailure?

        static func load(_ req: Request, failure: FormFailure? = nil) async throws -> Model {
            let svc = req.services.purchaseOrders(req.db)
            guard let o = try await ifFound({ try await svc.order(try req.pathID("orderID")) }) else { throw Problem.notFound }
            let p = try ProcurementShell.check(req, .orders, o.projectId)
            let lines = try await svc.lines(o.id)
            var history: [(String, String, [PurchaseOrderService.PricePoint])] = []
            for l in lines where !history.contains(where: { $0.0 == l.material }) {
                history.append((l.material, l.unit, try await svc.priceHistory(material: l.material)))
            }
            let invoices = try await req.services.invoices(req.db).invoices(projectID: o.projectId).filter { $0.orderId == o.id }
            let suppliers = req.services.suppliers(req.db)
            let names = try await suppliers.names(Set(history.flatMap { $0.2.compactMap(\.supplierId) } + [o.supplierId]))
            let deliveries = try await req.services.deliveries(req.db).deliveries(projectID: o.projectId, orderID: o.id)
            return Model(project: try await ProcurementShell.ref(req, o.projectId), order: o, lines: lines,
                         supplier: try await ifFound { try await suppliers.supplier(o.supplierId) },
                         deliveries: deliveries,
                         invoices: invoices, payments: try await req.services.invoices(req.db).payments(orderID: o.id),
                         history: history.map { ($0.0, $0.1, $0.2) }, names: names,
                         rating: try await ServiceRatingPanel.load(req, order: o, principal: p, delivered: !deliveries.isEmpty, back: "/procurement/orders/\(o.id)"),
                         failure: failure)
        }
    }
}
