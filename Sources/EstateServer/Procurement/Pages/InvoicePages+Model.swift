import EstateCore
import Foundation
import Vapor

/// 发票结算: a project's invoices with the mismatch queue (status filter), one invoice with the three-way match per line
/// and its payment schedule (finance's pay button), and the form that enters an invoice against an approved order.
enum InvoicePages {
    static let statuses = ["mismatch", "matched", "accepted", "paid", "rejected", "replaced"]

    struct ListModel {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var invoices: [InvoiceService.Invoice]
        var orders: [UUID: PurchaseOrderService.Order]
        var names: [UUID: String]
        var status: String?

        static func load(_ req: Request) async throws -> ListModel {
            let (project, projects) = try await ProcurementShell.project(req, .invoices)
            let status = req.queryText("status").flatMap { statuses.contains($0) ? $0 : nil }
            let invoices = try await req.services.invoices(req.db).invoices(projectID: project.id, status: status)
            let orders = try await req.services.purchaseOrders(req.db).orders(projectID: project.id)
            return ListModel(project: project, projects: projects, invoices: invoices,
                             orders: Dictionary(orders.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }),
                             names: try await DeliveryPages.names(req, Set(invoices.map(\.supplierId))), status: status)
        }
    }

    struct Model {
        var project: InventoryShell.ProjectRef
        var invoice: InvoiceService.Invoice
        var order: PurchaseOrderService.Order
        var lines: [InvoiceService.Line]
        var orderLines: [UUID: PurchaseOrderService.Line]
        var accepted: [UUID: Int64]
        var payments: [InvoiceService.Payment]
        var supplier: String
        var pays: Bool
        var settlement: InvoiceService.Settlement?
        var resolution: InvoiceService.Resolution?
        var replacement: InvoiceService.Invoice?
        /// Procurement may reject or replace a mismatched invoice; the procurement manager may also accept it.
        var resolves: Bool
        var accepts: Bool
        var failure: FormFailure?

        static func load(_ req: Request, failure: FormFailure? = nil) async throws -> Model {
            let svc = req.services.invoices(req.db)
            let inv = try await svc.invoice(try req.pathID("invoiceID"))
            let p = try ProcurementShell.check(req, .invoices, inv.projectId)
            let orders = req.services.purchaseOrders(req.db)
            let order = try await orders.order(inv.orderId)
            let resolution = try await svc.resolution(invoiceID: inv.id)
            var replacement: InvoiceService.Invoice?
            if let by = resolution?.replacedBy { replacement = try await svc.invoice(by) }
            return Model(project: try await ProcurementShell.ref(req, inv.projectId), invoice: inv, order: order, lines: try await svc.lines(inv.id),
                         orderLines: Dictionary(uniqueKeysWithValues: try await orders.lines(order.id).map { ($0.id, $0) }),
                         accepted: try await DeliveryService.accepted(orderID: order.id, sql: req.db.sql),
                         payments: try await svc.payments(orderID: order.id).filter { $0.invoiceId == inv.id },
                         supplier: try await req.services.suppliers(req.db).names([inv.supplierId])[inv.supplierId] ?? "",
                         pays: p.may(.paymentsConfirm, on: inv.projectId), settlement: try await svc.settlement(invoiceID: inv.id),
                         resolution: resolution, replacement: replacement,
                         resolves: p.may(.procurementHandle, on: inv.projectId), accepts: p.may(.procurementApprove, on: inv.projectId),
                         failure: failure)
        }
    }

    struct NewModel {
        var project: InventoryShell.ProjectRef
        /// The order, its lines, what was accepted per line and the supplier's name.
        var at: OrderAtHand
        var today: CalendarDay
        var failure: FormFailure?
        /// The mismatched invoice a credit note / corrected invoice replaces (the replacement form), if any.
        var replacing: InvoiceService.Invoice? = nil

        var order: PurchaseOrderService.Order { at.order }
        var lines: [PurchaseOrderService.Line] { at.lines }
        var accepted: [UUID: Int64] { at.accepted }
        var supplier: String { at.supplier }

        static func load(_ req: Request, failure: FormFailure? = nil) async throws -> NewModel {
            let at = try await OrderAtHand.load(req)
            return NewModel(project: try await at.project(req), at: at, today: CalendarDay(req.services.now()), failure: failure)
        }

        /// The replacement form of the path's mismatched invoice: its order as the entry form has it.
        static func replacing(_ req: Request, failure: FormFailure? = nil) async throws -> NewModel {
            let old = try await req.services.invoices(req.db).invoice(try req.pathID("invoiceID"))
            let at = try await OrderAtHand.load(req, orderID: old.orderId)
            guard old.status == "mismatch" else { throw Problem.conflict("invoice_not_in_queue") }
            return NewModel(project: try await at.project(req), at: at, today: CalendarDay(req.services.now()), failure: failure, replacing: old)
        }
    }
}
