import EstateCore
import Foundation
import Vapor

/// 仓库: a project's site stores (with how many materials each holds) and the form that adds one; one store with its
/// balance per material, its ledger (in from inspected deliveries, out to a purpose) and the issue form.
enum StorePages {
    struct ListModel {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var stores: [SiteStoreService.SiteStore]
        var held: [UUID: Int]
        var failure: FormFailure?

        static func load(_ req: Request, failure: FormFailure? = nil) async throws -> ListModel {
            let (project, projects) = try await ProcurementShell.project(req, .stores)
            let svc = req.services.siteStores(req.db)
            let stores = try await svc.stores(projectID: project.id)
            var held: [UUID: Int] = [:]
            for s in stores { held[s.id] = try await svc.balances(s.id).filter { $0.balanceMilli > 0 }.count }
            return ListModel(project: project, projects: projects, stores: stores, held: held, failure: failure)
        }
    }

    struct Model {
        var project: InventoryShell.ProjectRef
        var store: SiteStoreService.SiteStore
        var balances: [SiteStoreService.Balance]
        var movements: [SiteStoreService.Movement]
        var names: [UUID: String]
        var failure: FormFailure?

        /// The store of the path's `storeID`: 404 unless the reader may open the stores tab on its project.
        static func store(_ req: Request) async throws -> (SiteStoreService.SiteStore, Principal) {
            guard let s = try await ifFound({ try await req.services.siteStores(req.db).siteStore(try req.pathID("storeID")) }) else { throw Problem.notFound }
            return (s, try ProcurementShell.check(req, .stores, s.projectId))
        }

        static func load(_ req: Request, failure: FormFailure? = nil) async throws -> Model {
            let (s, _) = try await store(req)
            let svc = req.services.siteStores(req.db)
            let movements = try await svc.movements(s.id)
            return Model(project: try await ProcurementShell.ref(req, s.projectId), store: s, balances: try await svc.balances(s.id), movements: movements,
                         names: try await StaffDirectory.displayNames(Array(Set(movements.compactMap(\.createdBy))), sql: req.db.sql), failure: failure)
        }
    }
}
