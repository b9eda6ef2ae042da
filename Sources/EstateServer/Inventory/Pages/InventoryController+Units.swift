import EstateCore
import EstateSheets
import Foundation
import NIOCore
import Vapor

extension InventoryController {
    // MARK: Units

    static func unitFilter(_ req: Request) throws -> (UnitFilter, [String: String]) {
        var f = UnitFilter()
        var q: [String: String] = [:]
        func text(_ k: String) -> String? {
            guard let v = try? req.query.get(String.self, at: k), !v.isEmpty else { return nil }
            q[k] = v
            return v
        }
        f.buildingID = text("building").flatMap(UUID.init(uuidString:))
        if let s = text("status").flatMap(UnitStatus.init(rawValue:)) { f.statuses = [s] }
        f.layout = text("layout")
        f.floorFrom = text("floorFrom").flatMap(Int.init)
        f.floorTo = text("floorTo").flatMap(Int.init)
        f.code = text("code")
        return (f, q)
    }

    static func unitsModel(_ req: Request, _ projectID: UUID) async throws -> UnitsPage.Model {
        let (project, projects) = try await refs(req, projectID)
        let (filter, query) = try unitFilter(req)
        let page = try PageRequest(page: try? req.query.get(Int.self, at: "page"), perPage: 100)
        let inv = req.services.inventory(req.db)
        return UnitsPage.Model(project: project, projects: projects, page: try await inv.units(projectID, filter: filter, page: page),
                               buildings: try await inv.buildings(projectID), layouts: try await inv.layoutNames(projectID),
                               filter: filter, query: query)
    }

    @Sendable static func units(_ req: Request) async throws -> Response {
        Shell.response(UnitsPage.view(PageContext(req), try await unitsModel(req, try req.projectID())))
    }

    static func draft(_ req: Request) -> UnitDraft {
        UnitDraft(building: req.formField("building"), entrance: req.formField("entrance"), floor: req.formField("floor"), room: req.formField("room"),
                  code: req.formField("code"), layout: req.formField("layout"), orientation: req.formField("orientation"), usage: req.formField("usage"),
                  builtArea: req.formField("builtArea"), innerArea: req.formField("innerArea"), pricingBasis: req.formField("pricingBasis"),
                  unitPrice: req.formField("unitPrice"), listTotal: req.formField("listTotal"), floorPrice: req.formField("floorPrice"))
    }

    @Sendable static func createUnit(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let d = draft(req)
        return try await FormAction.run(req) {
            let u = try await req.services.inventory(req.db).createUnit(projectID, d, context: req.auditContext)
            return .to("/projects/\(projectID)/units/\(u.id)", notice: "notice.saved")
        } failed: { p in
            var m = try await unitsModel(req, projectID)
            m.draft = d; m.errors = p.fields; m.formError = p.fields.isEmpty ? p.code : nil
            return Shell.response(UnitsPage.view(PageContext(req), m), status: p.status)
        }
    }

    @Sendable static func release(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let ids = ((try? req.content.get([String].self, at: "unitIds")) ?? (try? req.content.get(String.self, at: "unitIds")).map { [$0] } ?? [])
            .compactMap(UUID.init(uuidString:))
        return try await FormAction.run(req) {
            _ = try await req.services.salesControl(req.db).release(ids, in: projectID, batchName: req.formField("name"), context: req.auditContext)
            return .to("/projects/\(projectID)/units", notice: "inv.released")
        } failed: { p in
            return FormAction.redirect(req, to: "/projects/\(projectID)/units", error: p.fields.first.map { Problem(.unprocessableEntity, $0.code) } ?? p)
        }
    }

    @Sendable static func export(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (filter, _) = try unitFilter(req)
        let inv = req.services.inventory(req.db)
        let data = try UnitSheets.export(try await inv.allUnits(projectID, filter: filter), buildings: try await inv.buildings(projectID),
                                         localizer: req.localizer)
        return Response.workbook(data, name: req.language == .zh ? "楼盘表.xlsx" : "units.xlsx")
    }

    @Sendable static func template(_ req: Request) async throws -> Response {
        let layouts = try await req.services.inventory(req.db).layoutNames(try req.projectID())
        return Response.workbook(try UnitSheets.template(layouts: layouts, language: req.language),
                        name: req.language == .zh ? "楼盘表导入模板.xlsx" : "unit-import-template.xlsx")
    }

    static func unitModel(_ req: Request, _ projectID: UUID, _ unitID: UUID) async throws -> UnitPage.Model {
        let (project, projects) = try await refs(req, projectID)
        let inv = req.services.inventory(req.db)
        let unit = try await inv.unit(unitID, in: projectID)
        let buildings = try await inv.buildings(projectID)
        let pricing = req.services.pricing(req.db)
        let principal = try req.requirePrincipal()
        var m = UnitPage.Model(
            project: project, projects: projects, unit: unit, building: buildings.first { $0.id == unit.buildingID }?.name ?? "",
            buildings: buildings, layouts: try await inv.layoutNames(projectID),
            claim: try await req.services.salesControl(req.db).liveClaim(unitID), history: try await inv.history(unitID, in: projectID),
            rules: try await pricing.rules(projectID), quote: nil,
            // Full values are revealed by an explicit, logged action (customers issue); masked here.
            revealMobile: false)
        // A quote when asked for (?rule=…&special=…).
        let chosen = ((try? req.query.get([String].self, at: "rule")) ?? []).compactMap(UUID.init(uuidString:))
        let special = (try? req.query.get(String.self, at: "special")) ?? ""
        if req.url.query?.contains("special=") == true || !chosen.isEmpty {
            m.chosenRules = Set(chosen)
            m.special = special
            let permyriad = special.isEmpty ? nil : DecimalText.fixed(special, scale: 2).map(Int.init)
            if !special.isEmpty, permyriad == nil { m.formError = "rate_invalid" } else {
                do {
                    m.quote = try await pricing.quote(unit: unitID, in: projectID, ruleIDs: chosen, special: permyriad,
                                                      requesterRoles: principal.roles(on: projectID))
                } catch let p as Problem where FormAction.isCorrectable(p) { m.formError = p.fields.first?.code ?? p.code }
            }
        }
        return m
    }

    @Sendable static func unit(_ req: Request) async throws -> Response {
        Shell.response(UnitPage.view(PageContext(req), try await unitModel(req, try req.projectID(), try req.pathID("unitID"))))
    }

    @Sendable static func panel(_ req: Request) async throws -> Response {
        let m = try await unitModel(req, try req.projectID(), try req.pathID("unitID"))
        var headers = HTTPHeaders()
        headers.contentType = .html
        return Response(status: .ok, headers: headers, body: .init(string: UnitPage.panel(PageContext(req), m).render()))
    }

    @Sendable static func updateUnit(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), unitID = try req.pathID("unitID")
        return try await FormAction.run(req) {
            _ = try await req.services.inventory(req.db).updateUnit(unitID, in: projectID, draft(req), context: req.auditContext)
            return .to("/projects/\(projectID)/units/\(unitID)", notice: "notice.saved")
        } failed: { p in
            var m = try await unitModel(req, projectID, unitID)
            m.errors = p.fields; m.formError = p.fields.isEmpty ? p.code : "validation_failed"
            return Shell.response(UnitPage.view(PageContext(req), m), status: p.status)
        }
    }

    @Sendable static func move(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), unitID = try req.pathID("unitID")
        let building = UUID(uuidString: req.formField("building")).map { "?building=\($0)" } ?? ""
        let toBoard = req.formField("back") == "board"
        let target = toBoard ? "/projects/\(projectID)/board\(building)" : "/projects/\(projectID)/units/\(unitID)"
        // Back on the board at the unit acted on (board.js restores the exact scroll and reopens its panel).
        let anchor = toBoard ? "u-\(unitID)" : nil
        guard let move = UnitMove(rawValue: req.formField("move")) else { throw Problem.invalid("move", "move_not_sales_control") }
        var reservation: SalesControlService.Reservation?
        if move == .reserve {
            guard let expires = Format.parseLocalInput(req.formField("expiresAt")) else {
                return FormAction.redirect(req, to: target, error: Problem(.unprocessableEntity, "reservation_expiry_invalid"), anchor: anchor)
            }
            reservation = .init(customerName: req.formField("customerName"), customerMobile: req.formField("customerMobile"),
                                expiresAt: expires, note: req.formField("note"))
        }
        return try await FormAction.run(req) {
            _ = try await req.services.salesControl(req.db).apply(move, unit: unitID, in: projectID, reason: req.formField("reason"),
                                                                  reservation: reservation, context: req.auditContext)
            if let r = reservation {
                let customer = try await req.services.customers(req.db).forReservation(
                    name: r.customerName, mobile: r.customerMobile, in: projectID, principal: try req.requirePrincipal(), context: req.auditContext)
                return .to(target, notice: customer.created ? "inv.reserved_customer_created" : "inv.reserved_customer_found", anchor: anchor)
            }
            return .to(target, notice: "notice.saved", anchor: anchor)
        } failed: { p in
            return FormAction.redirect(req, to: target, error: p.fields.first.map { Problem(.unprocessableEntity, $0.code) } ?? p, anchor: anchor)
        }
    }

    @Sendable static func priceChange(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), unitID = try req.pathID("unitID")
        return try await FormAction.run(req) {
            let approval = try await req.services.pricing(req.db).requestUnitPrice(
                unit: unitID, in: projectID, unitPrice: req.formField("unitPrice"), total: req.formField("total"),
                floorPrice: req.formField("floorPrice"), reason: req.formField("reason"), context: req.auditContext)
            return .to("/approvals/\(approval)", notice: "approvals.filed")
        } failed: { p in
            var m = try await unitModel(req, projectID, unitID)
            m.errors = p.fields; m.formError = p.fields.isEmpty ? p.code : "validation_failed"
            return Shell.response(UnitPage.view(PageContext(req), m), status: p.status)
        }
    }

    @Sendable static func discountRequest(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), unitID = try req.pathID("unitID")
        let rules = ((try? req.content.get([String].self, at: "rule")) ?? (try? req.content.get(String.self, at: "rule")).map { [$0] } ?? [])
            .compactMap(UUID.init(uuidString:))
        let special = req.formField("special")
        return try await FormAction.run(req) {
            let approval = try await req.services.pricing(req.db).requestDiscount(
                unit: unitID, in: projectID, ruleIDs: rules, special: special.isEmpty ? nil : DecimalText.fixed(special, scale: 2).map(Int.init),
                customer: req.formField("customer"), reason: req.formField("reason"), principal: try req.requirePrincipal(), context: req.auditContext)
            return .to("/approvals/\(approval)", notice: "approvals.filed")
        } failed: { p in
            return FormAction.redirect(req, to: "/projects/\(projectID)/units/\(unitID)", error: p.fields.first.map { Problem(.unprocessableEntity, $0.code) } ?? p)
        }
    }
}
