import EstateCore
import Foundation
import Vapor

/// What the 拓客 page needs: the period's plans with their actuals, the teams, and for the channel manager the
/// channel report (funnel and cost per registration, visit and deal).
enum OutreachPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var from: CalendarDay
        var to: CalendarDay
        var plans: [OutreachService.Plan]
        var teams: [ChannelService.Channel]
        var report: OutreachService.Report?
        var mayPlan: Bool
        var today: CalendarDay

        func teamName(_ id: UUID) -> String { teams.first { $0.id == id }?.name ?? "" }

        /// Channel staff, the channel manager and the GM of the project; never an outside broker.
        static func mayWork(_ p: Principal, _ projectID: UUID) -> Bool {
            p.canSee(project: projectID) && p.roles(on: projectID).contains { [.channelManager, .channelStaff, .gm].contains($0) }
        }

        static func period(_ req: Request, today: CalendarDay) -> (CalendarDay, CalendarDay) {
            let to = req.queryText("to", max: 10).flatMap(CalendarDay.init) ?? today
            var from = req.queryText("from", max: 10).flatMap(CalendarDay.init) ?? to.adding(days: -13)
            if to < from || from.days(until: to) > 366 { from = to.adding(days: -13) }
            return (from, to)
        }

        static func load(_ req: Request, _ projectID: UUID) async throws -> Model {
            let p = try req.requirePrincipal()
            guard mayWork(p, projectID) else { throw Problem.notFound }
            let (project, projects) = try await ProjectSwitcher.refs(req, projectID, any: [.channelLeadsRegister])
            let today = CalendarDay(req.services.now())
            let (from, to) = period(req, today: today)
            let svc = req.services.outreach(req.db)
            let manager = p.may(.channelsManage, on: projectID)
            return Model(project: project, projects: projects, from: from, to: to,
                         plans: try await svc.plans(projectID: projectID, from: from, to: to),
                         teams: try await req.services.channels(req.db).list(projectID: projectID),
                         report: manager ? try await svc.report(projectID: projectID, from: from, to: to) : nil,
                         mayPlan: manager, today: today)
        }
    }
}
