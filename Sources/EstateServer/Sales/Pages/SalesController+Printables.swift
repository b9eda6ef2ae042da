import EstateCore
import EstateSheets
import Foundation
import Plot
import Vapor

extension SalesController {
    // MARK: Printables

    static func unitAndBuilding(_ req: Request, _ unitID: UUID, _ projectID: UUID) async throws -> (UnitRow, String) {
        let inv = req.services.inventory(req.db)
        let unit = try await inv.unit(unitID, in: projectID)
        return (unit, try await inv.buildings(projectID).first { $0.id == unit.buildingID }?.name ?? "")
    }

    @Sendable static func agreement(_ req: Request) async throws -> Response {
        let s = try await loadSale(req)
        let (project, _) = try await refs(req, s.projectId)
        let (unit, building) = try await unitAndBuilding(req, s.unitId, s.projectId)
        let a = try access(req, s.projectId)
        return Shell.response(SalePrint.agreement(PageContext(req), project: project, sale: s, unit: unit, building: building,
                                                  names: s.buyers.map { a.name($0, consultant: s.consultantId) }))
    }

    @Sendable static func contractPrint(_ req: Request) async throws -> Response {
        let c = try await loadContract(req)
        let (project, _) = try await refs(req, c.projectId)
        let (unit, building) = try await unitAndBuilding(req, c.unitId, c.projectId)
        let s = try await req.services.sales(req.db).subscription(c.subscriptionId)
        let a = try access(req, c.projectId)
        return Shell.response(SalePrint.contract(PageContext(req), project: project, contract: c, unit: unit, building: building,
                                                 names: c.buyers.map { a.name($0, consultant: s.consultantId) }))
    }

    @Sendable static func printCSS(_ req: Request) async throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .css
        return Response(status: .ok, headers: headers, body: .init(string: SalePrint.css))
    }

    @Sendable static func printJS(_ req: Request) async throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "application", subType: "javascript")
        return Response(status: .ok, headers: headers, body: .init(string: SalePrint.js))
    }
}
