import EstateCore
import Foundation
import Vapor

/// 回访名单: every owner of the affected units, with the calls made and an outcome form on each row
/// still to call; those who make the calls see the full mobile to dial.
enum OutageCallbacksPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var detail: OutageService.Detail
        var failure: FormFailure?

        var outage: OutageService.Outage { detail.outage }
        var pending: Int { detail.callbacks.filter { !$0.state.isFinal }.count }

        static func load(_ req: Request, _ id: UUID, failure: FormFailure? = nil) async throws -> Model {
            let o = try await OutagesController.load(req, id, .callsHandle)
            let (project, projects) = try await ProjectSwitcher.refs(req, o.projectId, any: [.callsHandle])
            return Model(project: project, projects: projects, detail: try await req.services.outages(req.db).detail(id), failure: failure)
        }
    }
}
