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
        let svc = req.services.suppliers(req.db)
        var out: [UUID: String] = [:]
        for id in ids { out[id] = (try? await svc.supplier(id).name) ?? "" }
        return out
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
        var failure: FormFailure?

        static func load(_ req: Request, failure: FormFailure? = nil) async throws -> Model {
            let svc = req.services.deliveries(req.db)
            guard let d = try await ifFound({ try await svc.delivery(try req.pathID("deliveryID")) }) else { throw Problem.notFound }
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
                         supplier: (try? await req.services.suppliers(req.db).supplier(d.supplierId).name) ?? "",
                         inspects: ProcurementShell.inspects(p, on: d.projectId), handles: p.may(.procurementHandle, on: d.projectId), returns: returns,
                         stores: stores, stockedInto: into.flatMap { id in stores.first { $0.id == id } },
                         names: try await StaffDirectory.displayNames(Array(Set(returns.compactMap(\.createdBy))), sql: req.db.sql),
                         today: CalendarDay(req.services.now()), photos: try await req.services.procurementAttachments(req.db).list(.inspection, d.id),
                         failure: failure)
        }
    }

    /// The form recording a delivery against an approved order: each line's quantity delivered so far.
    struct NewModel {
        var project: InventoryShell.ProjectRef
        var order: PurchaseOrderService.Order
        var lines: [PurchaseOrderService.Line]
        var delivered: [UUID: Int64]
        var supplier: String
        var today: CalendarDay
        var failure: FormFailure?

        static func load(_ req: Request, failure: FormFailure? = nil) async throws -> NewModel {
            let at = try await OrderAtHand.load(req)
            return NewModel(project: try await ProcurementShell.ref(req, at.order.projectId), order: at.order, lines: at.lines, delivered: at.delivered,
                            supplier: at.supplier, today: CalendarDay(req.services.now()), failure: failure)
        }
    }
}
