import EstateCore
import EstateSheets
import Foundation
import NIOCore
import Vapor

extension InventoryController {
    // MARK: Buildings and layouts

    static func structureModel(_ req: Request, _ projectID: UUID) async throws -> StructurePage.Model {
        let (project, projects) = try await refs(req, projectID)
        let inv = req.services.inventory(req.db)
        let board = try await req.services.unitEvents.board(projectID)
        return StructurePage.Model(project: project, projects: projects, buildings: try await inv.buildings(projectID),
                                   unitCounts: Dictionary(board.buildings.map { ($0.building.id, $0.units.count) }, uniquingKeysWith: { a, _ in a }),
                                   layouts: try await inv.layouts(projectID))
    }

    @Sendable static func structure(_ req: Request) async throws -> Response {
        Shell.response(StructurePage.view(PageContext(req), try await structureModel(req, try req.projectID())))
    }

    static func structureError(_ req: Request, _ projectID: UUID, _ p: Problem) async throws -> Response {
        var m = try await structureModel(req, projectID)
        m.errors = p.fields; m.formError = p.fields.isEmpty ? p.code : "validation_failed"
        return Shell.response(StructurePage.view(PageContext(req), m), status: p.status)
    }

    @Sendable static func createBuilding(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        return try await FormAction.run(req) {
            _ = try await req.services.inventory(req.db).createBuilding(
                projectID, name: req.formField("name"), floors: Int(req.formField("floors")) ?? 0, entrances: Int(req.formField("entrances")) ?? 1,
                sortOrder: nil, context: req.auditContext)
            return .to("/projects/\(projectID)/structure", notice: "notice.saved")
        } failed: { p in
            return try await structureError(req, projectID, p)
        }
    }

    @Sendable static func updateBuilding(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        return try await FormAction.run(req) {
            _ = try await req.services.inventory(req.db).updateBuilding(
                try req.pathID("buildingID"), in: projectID, name: req.formField("name"), floors: Int(req.formField("floors")) ?? 0,
                entrances: Int(req.formField("entrances")) ?? 0, sortOrder: Int(req.formField("sortOrder")), context: req.auditContext)
            return .to("/projects/\(projectID)/structure", notice: "notice.saved")
        } failed: { p in
            return try await structureError(req, projectID, p)
        }
    }

    @Sendable static func createLayout(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        return try await FormAction.run(req) {
            try await req.services.inventory(req.db).createLayout(projectID, name: req.formField("layoutName"), description: req.formField("description"),
                                                                  context: req.auditContext)
            return .to("/projects/\(projectID)/structure", notice: "notice.saved")
        } failed: { p in
            let renamed = Problem(p.status, p.code, arguments: p.arguments,
                                  fields: p.fields.map { .init(field: $0.field == "name" ? "layoutName" : $0.field, code: $0.code) })
            return try await structureError(req, projectID, renamed)
        }
    }
}
