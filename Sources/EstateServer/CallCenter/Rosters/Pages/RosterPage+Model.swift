import EstateCore
import Foundation
import Vapor

/// 排班表: a week's roster agent by agent, its coverage against the staffing requirement, hand
/// edits, leave and swaps. The shift lead (callcenter.manage) builds and edits; an agent sees the
/// roster, asks for leave and for swaps of their own shifts.
enum RosterPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var week: RosterService.Week
        var swaps: [RosterService.Swap]
        var candidates: [(id: UUID, name: String)]
        /// 0…6: the day whose coverage is charted.
        var dayIndex: Int
        /// The project's shift leads, whose teams (班组) agents are put in.
        var teamLeads: [(id: UUID, name: String)] = []
        var mayManage: Bool
        var me: UUID?
        var failure: FormFailure?

        var names: [UUID: String] { Dictionary(week.agents.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a }) }
        var isAgent: Bool { me.map { id in week.agents.contains { $0.id == id } } ?? false }

        static func load(_ req: Request, _ projectID: UUID, failure: FormFailure? = nil) async throws -> Model {
            let (project, projects) = try await ProjectSwitcher.refs(req, projectID, any: [.callsHandle])
            let today = CalendarDay(req.services.now())
            let monday = StaffingService.monday(of: req.queryText("week").flatMap(CalendarDay.init) ?? today)
            let rosters = req.services.rosters(req.db)
            let mayManage = req.principal?.may(.callCenterManage, on: projectID) == true
            let defaultDay = monday <= today && today <= monday.adding(days: 6) ? monday.days(until: today) : 0
            return Model(project: project, projects: projects, week: try await rosters.week(projectID, monday: monday),
                         swaps: try await rosters.swaps(projectID), candidates: mayManage ? try await rosters.candidates(projectID) : [],
                         dayIndex: req.queryText("day").flatMap(Int.init).flatMap { (0..<7).contains($0) ? $0 : nil } ?? defaultDay,
                         teamLeads: try await rosters.teamLeads(projectID),
                         mayManage: mayManage, me: req.principal?.userID, failure: failure)
        }
    }
}
