import EstateCore
import Foundation
import NIOCore
import Plot
import Vapor

extension ServiceController {
    // MARK: 客服分析

    static func thisYear(_ today: CalendarDay) -> (CalendarDay, CalendarDay) {
        (CalendarDay(year: today.year, month: 1, day: 1)!, CalendarDay(year: today.year, month: 12, day: 31)!)
    }

    @Sendable static func analysis(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, projects) = try await refs(req, projectID)
        let today = CalendarDay(req.services.now())
        let q = ReportsController.periodQuery(req, default: thisYear(today))
        var m = ServiceAnalysisPage.Model(project: project, projects: projects, query: q, today: today, analysis: nil, failure: nil)
        do {
            m.analysis = try await req.services.tickets(req.db).analysis(projectID, period: try APIHandler.period(q.from, q.to))
            return Shell.response(ServiceAnalysisPage.view(PageContext(req), m))
        } catch let p as Problem where ReportsController.isQueryError(p) {
            m.failure = ReportsController.failure(req.localizer, p)
            return Shell.response(ServiceAnalysisPage.view(PageContext(req), m), status: p.status)
        }
    }

    @Sendable static func exportAnalysis(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, _) = try await refs(req, projectID)
        let q = ReportsController.periodQuery(req, default: thisYear(CalendarDay(req.services.now())))
        let period = try APIHandler.period(q.from, q.to)
        let a = try await req.services.tickets(req.db).analysis(projectID, period: period)
        return Response.workbook(try ServiceSheets.analysis(a, t: req.localizer),
                           name: ReportSheets.fileName("service", projectCode: project.code, period: period, t: req.localizer))
    }
}
