import EstateCore
import Foundation
import Vapor

/// The approved order a delivery or an invoice is entered against (the two forms and their POSTs): the order, its
/// lines, per line what was delivered (less what went back) and accepted, and the supplier's name. Only a missing order
/// (or one the reader may not open) is 404; any other failure — a database error — goes through as itself.
struct OrderAtHand {
    var principal: Principal
    var order: PurchaseOrderService.Order
    var lines: [PurchaseOrderService.Line]
    var delivered: [UUID: Int64]
    var accepted: [UUID: Int64]
    var supplier: String

    /// The order of the path's `orderID`; `tab` is the procurement tab the reader must be able to open on its project.
    static func load(_ req: Request, tab: ProcurementShell.Tab = .orders) async throws -> OrderAtHand {
        try await load(req, orderID: try req.pathID("orderID"), tab: tab)
    }

    static func load(_ req: Request, orderID: UUID, tab: ProcurementShell.Tab = .orders) async throws -> OrderAtHand {
        let orders = req.services.purchaseOrders(req.db)
        // `order(_:)` throws `Problem.notFound` for a missing row, anything else as it came.
        let order = try await orders.order(orderID)
        let p = try ProcurementShell.check(req, tab, order.projectId)
        return OrderAtHand(principal: p, order: order, lines: try await orders.lines(order.id),
                           delivered: try await DeliveryService.delivered(orderID: order.id, sql: req.db.sql),
                           accepted: try await DeliveryService.accepted(orderID: order.id, sql: req.db.sql),
                           supplier: try await req.services.suppliers(req.db).supplier(order.supplierId).name)
    }

    /// The order's project as the procurement pages head it.
    func project(_ req: Request) async throws -> InventoryShell.ProjectRef {
        try await ProcurementShell.ref(req, order.projectId)
    }
}
