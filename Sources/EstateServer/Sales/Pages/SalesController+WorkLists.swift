import EstateCore
import EstateSheets
import Foundation
import Plot
import Vapor

extension SalesController {
    // MARK: 工作清单

    @Sendable static func workListHome(_ req: Request) async throws -> Response {
        req.redirect(to: "/projects/\(try req.projectID())/work-lists/\(SaleService.WorkList.subscriptionsOverdue.rawValue)")
    }

    static func workListParameter(_ req: Request) throws -> SaleService.WorkList {
        guard let list = req.parameters.get("list").flatMap(SaleService.WorkList.init(rawValue:)) else { throw Problem.notFound }
        return list
    }

    @Sendable static func workList(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let list = try workListParameter(req)
        let (project, projects) = try await refs(req, projectID)
        let sales = req.services.sales(req.db)
        let pageNumber = (try? req.query.get(Int.self, at: "page")).map { max(1, min($0, 100_000)) }
        let page = try await sales.workList(list, projectID: projectID, page: try PageRequest(page: pageNumber, perPage: 50))
        let arrears = list == .paymentsOverdue ? try await sales.arrears(projectID) : nil
        return Shell.response(WorkListsPage.view(PageContext(req), .init(project: project, projects: projects, list: list, page: page,
                                                                        arrears: arrears, today: today(req))))
    }

    @Sendable static func exportWorkList(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let list = try workListParameter(req)
        let (project, _) = try await refs(req, projectID)
        let consultant = (try? req.query.get(String.self, at: "consultantId")).flatMap(UUID.init(uuidString:))
        let data = try await SaleSheets.workList(list, projectID: projectID, consultantID: consultant, sales: req.services.sales(req.db),
                                                 t: req.localizer)
        return Response.workbook(data, name: SaleSheets.fileName(list, projectCode: project.code, day: today(req), t: req.localizer))
    }
}
