import EstateCore
import Foundation
import Vapor

/// 抢修单列表: open first (waiting for an acknowledgement, in repair, in callback), with the time
/// since opening, the escalation level and the callbacks still to make.
enum OutageListPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var filter: OutageService.Filter
        var page: Paged<OutageService.Outage>
        var pending: [UUID: Int]
        /// On-call list length per department, for the level's wording.
        var onCallCounts: [String: Int]
        var mayOpen: Bool
        var now: Date

        static func load(_ req: Request, _ projectID: UUID) async throws -> Model {
            let (project, projects) = try await OutagesController.refs(req, projectID)
            let filter = req.queryText("status").flatMap(OutageService.Filter.init(rawValue:)) ?? .open
            let outages = req.services.outages(req.db)
            let page = try await outages.list(projectID, filter, page: PageRequest(page: (try? req.query.get(Int.self, at: "page")) ?? 1, perPage: 50))
            var counts: [String: Int] = [:]
            for d in Set(page.items.map(\.dept)) { counts[d.rawValue] = try await outages.onCallList(projectID, d).members.count }
            return Model(project: project, projects: projects, filter: filter, page: page,
                         pending: try await outages.pendingCallbacks(page.items.map(\.id)), onCallCounts: counts,
                         mayOpen: req.principal?.may(.callCenterManage, on: projectID) == true, now: req.services.now())
        }
    }
}
