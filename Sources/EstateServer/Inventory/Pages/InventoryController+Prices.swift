import EstateCore
import EstateSheets
import Foundation
import NIOCore
import Vapor

extension InventoryController {
    // MARK: Prices

    static func pricesModel(_ req: Request, _ projectID: UUID) async throws -> PricesPage.Model {
        let (project, projects) = try await refs(req, projectID)
        let pricing = req.services.pricing(req.db)
        return PricesPage.Model(project: project, projects: projects, lists: try await pricing.priceLists(projectID),
                                rules: try await pricing.rules(projectID), buildings: try await req.services.inventory(req.db).buildings(projectID))
    }

    @Sendable static func prices(_ req: Request) async throws -> Response {
        Shell.response(PricesPage.view(PageContext(req), try await pricesModel(req, try req.projectID())))
    }

    static func pricesError(_ req: Request, _ projectID: UUID, _ p: Problem) async throws -> Response {
        var m = try await pricesModel(req, projectID)
        m.errors = p.fields; m.formError = p.fields.isEmpty ? p.code : "validation_failed"
        return Shell.response(PricesPage.view(PageContext(req), m), status: p.status)
    }

    @Sendable static func priceList(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), listID = try req.pathID("listID")
        let (project, projects) = try await refs(req, projectID)
        let pricing = req.services.pricing(req.db)
        guard let list = try await pricing.priceLists(projectID).first(where: { $0.id == listID }) else { throw Problem.notFound }
        let items = try await pricing.items(of: listID, in: projectID, page: try PageRequest(page: try? req.query.get(Int.self, at: "page"), perPage: 100))
        return Shell.response(PricesPage.list(PageContext(req), .init(project: project, projects: projects, list: list, items: items)))
    }

    @Sendable static func adjust(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        var a = PricingService.Adjustment()
        var bad: [Problem.FieldError] = []
        a.buildingID = UUID(uuidString: req.formField("buildingId"))
        a.floorFrom = Int(req.formField("floorFrom"))
        a.floorTo = Int(req.formField("floorTo"))
        let pct = req.formField("changePercent").trimmed, perM2 = req.formField("changePerSquareMetre").trimmed, ratio = req.formField("floorRatio").trimmed
        if !pct.isEmpty { if let v = DecimalText.fixed(pct, scale: 2) { a.changePermyriad = Int(v) } else { bad.append(.init(field: "changePercent", code: "rate_invalid")) } }
        if !perM2.isEmpty { if let v = Money(yuanText: perM2) { a.changePerSquareMetre = v } else { bad.append(.init(field: "changePerSquareMetre", code: "money_not_number")) } }
        if !ratio.isEmpty { if let v = DecimalText.fixed(ratio, scale: 2) { a.floorPermyriad = Int(v) } else { bad.append(.init(field: "floorRatio", code: "rate_invalid")) } }
        return try await FormAction.run(req) {
            if !bad.isEmpty { throw Problem.invalid(bad) }
            let list = try await req.services.pricing(req.db).proposeAdjustment(projectID, name: req.formField("name"), note: req.formField("note"),
                                                                                adjustment: a, context: req.auditContext)
            return .to("/projects/\(projectID)/prices/\(list.id)", notice: "approvals.filed")
        } failed: { p in
            return try await pricesError(req, projectID, p)
        }
    }

    @Sendable static func createRule(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        return try await FormAction.run(req) {
            _ = try await req.services.pricing(req.db).createRule(projectID, name: req.formField("ruleName"), rate: req.formField("rate"),
                                                                  reduction: req.formField("reduction"), context: req.auditContext)
            return .to("/projects/\(projectID)/prices", notice: "notice.saved")
        } failed: { p in
            let renamed = Problem(p.status, p.code, arguments: p.arguments,
                                  fields: p.fields.map { .init(field: $0.field == "name" ? "ruleName" : $0.field, code: $0.code) })
            return try await pricesError(req, projectID, renamed)
        }
    }

    @Sendable static func toggleRule(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        try await req.services.pricing(req.db).setRuleActive(try req.pathID("ruleID"), in: projectID, active: req.formField("active") == "true",
                                                             context: req.auditContext)
        return FormAction.redirect(req, to: "/projects/\(projectID)/prices", notice: "notice.saved")
    }
}
