import EstateCore
import Foundation
import Vapor

/// What the supplier pages need: the directory with its filters and the reminder list; one supplier with its
/// qualifications, its orders and the projects the reader may file a blacklist request on.
enum SupplierPages {
    struct ListModel {
        var suppliers: [SupplierService.Supplier]
        var reminders: [(SupplierService.Supplier, SupplierService.Qualification)]
        var category: SupplierCategory?
        var status: String?
        var search: String
        var today: CalendarDay

        static func load(_ req: Request) async throws -> ListModel {
            let svc = req.services.suppliers(req.db)
            let category = req.queryText("category").flatMap(SupplierCategory.init(rawValue:))
            let status = req.queryText("status").flatMap { ["active", "blacklisted"].contains($0) ? $0 : nil }
            let search = req.queryText("q", max: 100) ?? ""
            return ListModel(suppliers: try await svc.list(category: category, status: status, search: search),
                             reminders: try await svc.expiringQualifications(), category: category, status: status, search: search,
                             today: CalendarDay(req.services.now()))
        }
    }

    struct Model {
        var supplier: SupplierService.Supplier
        var qualifications: [SupplierService.Qualification]
        var orders: [PurchaseOrderService.Order]
        var projects: [InventoryShell.ProjectRef]
        var today: CalendarDay
        var card: ScorecardService.Card
        /// Qualification scans, contract PDFs.
        var documents: [ProcurementAttachmentService.Attachment]

        static func load(_ req: Request, _ id: UUID) async throws -> Model {
            let p = try req.requirePrincipal()
            let svc = req.services.suppliers(req.db)
            guard let s = try await ifFound({ try await svc.supplier(id) }) else { throw Problem.notFound }
            let projects = try await ProjectSwitcher.projects(req, any: [.procurementHandle])
            let visible = Set(projects.map(\.id))
            let orders = try await req.services.purchaseOrders(req.db).orders(supplierID: id).filter { visible.contains($0.projectId) && p.canSee(project: $0.projectId) }
            let card = try await ScorecardService(store: req.services.store(req.db), now: req.services.now).current(id)
            return Model(supplier: s, qualifications: try await svc.qualifications(id), orders: orders, projects: projects,
                         today: CalendarDay(req.services.now()), card: card, documents: try await req.services.procurementAttachments(req.db).list(.supplier, id))
        }
    }
}
