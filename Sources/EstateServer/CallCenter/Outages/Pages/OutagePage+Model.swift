import EstateCore
import Foundation
import Vapor

/// One 抢修单: the facts, who is on call and who has been told, the escalation clock, the timeline,
/// and the actions the reader may take (报告修复, 关闭).
enum OutagePage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var detail: OutageService.Detail
        var now: Date
        var mayReportDone: Bool
        var mayCall: Bool
        var failure: FormFailure?

        var outage: OutageService.Outage { detail.outage }

        static func load(_ req: Request, _ id: UUID, failure: FormFailure? = nil) async throws -> Model {
            let o = try await OutagesController.load(req, id)
            let p = try req.requirePrincipal()
            let (project, projects) = try await ProjectSwitcher.refs(req, o.projectId, any: [.callsHandle, .callCenterManage, .ticketsView])
            return Model(project: project, projects: projects, detail: try await req.services.outages(req.db).detail(id), now: req.services.now(),
                         mayReportDone: OutageService.mayReportDone(p, o), mayCall: p.may(.callsHandle, on: o.projectId), failure: failure)
        }
    }
}
