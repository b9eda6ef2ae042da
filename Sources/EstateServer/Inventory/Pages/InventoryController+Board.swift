import EstateCore
import EstateSheets
import Foundation
import NIOCore
import Vapor

extension InventoryController {
    // MARK: Board

    @Sendable static func board(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, projects) = try await refs(req, projectID)
        var filter = try BoardQuery.filter(req)
        let board = try await req.services.unitEvents.board(projectID)
        let building = board.buildings.first { $0.building.id == filter.buildingID } ?? board.buildings.first
        filter.buildingID = nil
        let layouts = try await req.services.inventory(req.db).layoutNames(projectID)
        let model = BoardPage.Model(project: project, projects: projects, board: board, building: building, filter: filter,
                                    layouts: layouts, query: req.url.query ?? "")
        return Shell.response(BoardPage.view(PageContext(req), model))
    }

    /// The totals block alone, for the live page.
    @Sendable static func boardTotals(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        var filter = try BoardQuery.filter(req)
        let board = try await req.services.unitEvents.board(projectID)
        let buildingID = filter.buildingID ?? board.buildings.first?.building.id
        filter.buildingID = nil
        let shown = board.filtered(filter)
        let html = BoardPage.totals(PageContext(req), shown, building: shown.buildings.first { $0.building.id == buildingID }).render()
        var headers = HTTPHeaders()
        headers.contentType = .html
        return Response(status: .ok, headers: headers, body: .init(string: html))
    }
}
