import EstateCore
import EstateSheets
import Foundation
import NIOCore
import Vapor

extension InventoryController {
    // MARK: Board

    @Sendable static func board(_ req: Request) async throws -> Response {
        let model = try await boardModel(req)
        return Shell.response(BoardPage.view(PageContext(req), model))
    }

    static func boardModel(_ req: Request) async throws -> BoardPage.Model {
        let projectID = try req.projectID()
        let (project, projects) = try await refs(req, projectID)
        let board = try await req.services.unitEvents.board(projectID)
        let layouts = try await req.services.inventory(req.db).layoutNames(projectID)
        return try BoardPage.model(req, project: project, projects: projects, board: board, layouts: layouts)
    }

    /// The totals block alone, for the live page.
    @Sendable static func boardTotals(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        var filter = try BoardQuery.filter(req)
        filter.buildingID = nil
        let board = try await req.services.unitEvents.board(projectID)
        let totals = BoardPage.Totals(board: board, scope: .resolve(try? req.query.get(String.self, at: "building"), in: board),
                                      filter: filter, prices: req.principal?.may(.pricesView, on: projectID) == true)
        let html = BoardPage.totals(PageContext(req), totals).render()
        var headers = HTTPHeaders()
        headers.contentType = .html
        return Response(status: .ok, headers: headers, body: .init(string: html))
    }

    /// The board as shown (building or all buildings, the same filter) as .xlsx: one sheet laid out
    /// like the board, with the totals. Prices only for viewers who may see them.
    @Sendable static func boardExport(_ req: Request) async throws -> Response {
        let m = try await boardModel(req)
        let data = try BoardSheets.board(BoardSheets.Input(project: m.project, board: m.board, scope: m.scope, filter: m.filter,
                                                           prices: m.prices, exportedAt: req.services.now()),
                                         t: req.localizer)
        let scope = BoardPage.scopeName(req.localizer, m.board, m.scope)
        let day = CalendarDay(req.services.now())
        return Response.workbook(data, name: "\(m.project.code)-\(req.localizer("inv.tab.board"))-\(scope)-\(day).xlsx")
    }
}
