import EstateCore
import Foundation
import Vapor

/// 到货验收: a project's deliveries (those awaiting engineering's inspection first), one delivery with its lines, the
/// units its goods went into and the inspection form; and the form that records a delivery against an approved order.
enum DeliveryPages {
    struct ListModel {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var deliveries: [DeliveryService.Delivery]
        var orders: [UUID: PurchaseOrderService.Order]
        var approved: [PurchaseOrderService.Order]
        var names: [UUID: String]
        var handles: Bool

        static func load(_ req: Request) async throws -> ListModel {
            let (project, projects) = try await ProcurementShell.project(req, .deliveries)
            let deliveries = try await req.services.deliveries(req.db).deliveries(projectID: project.id)
            let all = try await req.services.purchaseOrders(req.db).orders(projectID: project.id)
            return ListModel(project: project, projects: projects,
                             deliveries: deliveries.filter { $0.status == "received" } + deliveries.filter { $0.status != "received" },
                             orders: Dictionary(all.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }), approved: all.filter { $0.status == "approved" },
                             names: try await DeliveryPages.names(req, Set(all.map(\.supplierId))),
                             handles: try req.requirePrincipal().may(.procurementHandle, on: project.id))
        }
    }

    static func names(_ req: Request, _ ids: Set<UUID>) async throws -> [UUID: String] {
        try await req.services.suppliers(req.db).names(ids)
    }

    struct Model {
        var project: InventoryShell.ProjectRef
        var delivery: DeliveryService.Delivery
        var order: PurchaseOrderService.Order
        var lines: [DeliveryService.Line]
        var orderLines: [UUID: PurchaseOrderService.Line]
        var units: [(code: String, component: String)]
        var supplier: String
        var inspects: Bool
        /// 退货 and 入库 (procurement's): the returns so far with who recorded them, the project's stores, the store it went into.
        var handles: Bool
        var returns: [DeliveryService.Return]
        var stores: [SiteStoreService.SiteStore]
        var stockedInto: SiteStoreService.SiteStore?
        var names: [UUID: String]
        var today: CalendarDay
        /// The inspection's photos.
        var photos: [ProcurementAttachmentService.Attachment]
        /// 服务评价 of the order's supplier (the engineers who inspect rate here).
        var rating: ServiceRatingPanel
        var failure: FormFailure?

        static func load(_ req: Request, failure: FormFailure? = nil) async throws -> Model {
            try await load(req, deliveryID: try req.pathID("deliveryID"), failure: failure)
        }

        static func load(_ req: Request, deliveryID: UUID, failure: FormFailure? = nil) async throws -> Model {
            let svc = req.services.deliveries(req.db)
            guard let d = try await ifFound({ try await svc.delivery(deliveryID) }) else { throw Problem.notFound }
            let p = try ProcurementShell.check(req, .deliveries, d.projectId)
            let orders = req.services.purchaseOrders(req.db)
            let order = try await orders.order(d.orderId)
            let returns = try await svc.returns(d.id)
            let stores = try await req.services.siteStores(req.db).stores(projectID: d.projectId)
            let into = try await req.services.siteStores(req.db).stockedInto(deliveryID: d.id)
            let codes = Dictionary(try await req.services.inventory(req.db).allUnits(d.projectId).map { ($0.id, $0.code) }, uniquingKeysWith: { a, _ in a })
            return Model(project: try await ProcurementShell.ref(req, d.projectId), delivery: d, order: order, lines: try await svc.lines(d.id),
                         orderLines: Dictionary(uniqueKeysWithValues: try await orders.lines(order.id).map { ($0.id, $0) }),
                         units: try await svc.installed(d.id).map { (codes[$0.unitId] ?? $0.unitId.uuidString, $0.component) },
                         supplier: try await req.services.suppliers(req.db).names([d.supplierId])[d.supplierId] ?? "",
                         inspects: ProcurementShell.inspects(p, on: d.projectId), handles: p.may(.procurementHandle, on: d.projectId), returns: returns,
                         stores: stores, stockedInto: into.flatMap { id in stores.first { $0.id == id } },
                         names: try await StaffDirectory.displayNames(Array(Set(returns.compactMap(\.createdBy))), sql: req.db.sql),
                         today: CalendarDay(req.services.now()), photos: try await req.services.procurementAttachments(req.db).list(.inspection, d.id),
                         rating: try await ServiceRatingPanel.load(req, order: order, principal: p, delivered: true, back: "/procurement/deliveries/\(d.id)"),
                         failure: failure)
        }
    }

    /// The form recording a delivery against an approved order: each line's quantity delivered so far.
    struct NewModel {
        var project: InventoryShell.ProjectRef
        /// The order, its lines, what was delivered per line and the supplier's name.
        var at: OrderAtHand
        /// The project's site stores (入库仓库) the delivery may go into.
        var stores: [SiteStoreService.SiteStore]
        var today: CalendarDay
        var failure: FormFailure?

        var order: PurchaseOrderService.Order { at.order }
        var lines: [PurchaseOrderService.Line] { at.lines }
        var delivered: [UUID: Int64] { at.delivered }
        var supplier: String { at.supplier }

        static func load(_ req: Request, failure: FormFailure? = nil) async throws -> NewModel {
            let at = try await OrderAtHand.load(req)
            return NewModel(project: try await at.project(req), at: at,
                            stores: try await req.services.siteStores(req.db).stores(projectID: at.order.projectId),
                            today: CalendarDay(req.services.now()), failure: failure)
        }
    }
}
