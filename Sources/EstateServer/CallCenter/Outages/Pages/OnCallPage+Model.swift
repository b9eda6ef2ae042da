import EstateCore
import Foundation
import Vapor

/// 值班表: per department, who is told of a 抢修单 and in which order, and the minutes each has to
/// acknowledge; the shift lead and the supervisor change it.
enum OnCallPage {
    /// Slots on the form (a longer list keeps its length plus two).
    static let minSlots = 4

    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var lists: [OutageService.OnCallList]
        var candidates: [OutageService.Candidate]
        var supervisors: [String]
        var mayEdit: Bool
        var failure: FormFailure?

        static func load(_ req: Request, _ projectID: UUID, failure: FormFailure? = nil) async throws -> Model {
            let (project, projects) = try await OutagesController.refs(req, projectID)
            let outages = req.services.outages(req.db)
            return Model(project: project, projects: projects, lists: try await outages.onCallLists(projectID),
                         candidates: try await outages.candidates(projectID),
                         supervisors: try await StaffDirectory.holders(of: [.ccSupervisor], on: projectID, sql: req.store.sql).map(\.displayName),
                         mayEdit: req.principal?.may(.callCenterManage, on: projectID) == true, failure: failure)
        }
    }
}
