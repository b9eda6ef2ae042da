import EstateCore
import EstateSheets
import Foundation
import NIOCore
import Vapor

/// The 楼盘表 pages' handlers. Each reads the project from the path; the route
/// guard has checked the action on it.
enum InventoryController {
    static func register(_ app: Application) {
        app.on(.GET, "inventory", guard: .allowed(.inventoryView), use: InventoryHome.show)
        let p = app.grouped("projects", ":projectID")
        p.on(.GET, "board", guard: .allowed(.inventoryView), use: board)
        p.on(.GET, "board", "totals", guard: .allowed(.inventoryView), use: boardTotals)
        p.on(.GET, "board", "events", guard: .allowed(.inventoryView), use: BoardController.events)
        p.on(.GET, "units", guard: .allowed(.inventoryView), use: units)
        p.on(.POST, "units", guard: .allowed(.inventoryEdit), use: createUnit)
        p.on(.GET, "units.xlsx", guard: .allowed(.inventoryView), use: export)
        p.on(.GET, "template.xlsx", guard: .allowed(.inventoryView), use: template)
        p.on(.POST, "releases", guard: .allowed(.salesControl), use: release)
        p.on(.GET, "units", ":unitID", guard: .allowed(.inventoryView), use: unit)
        p.on(.GET, "units", ":unitID", "panel", guard: .allowed(.inventoryView), use: panel)
        p.on(.POST, "units", ":unitID", guard: .allowed(.inventoryEdit), use: updateUnit)
        p.on(.POST, "units", ":unitID", "moves", guard: .allowed(.salesControl), use: move)
        p.on(.POST, "units", ":unitID", "price-change", guard: .allowed(.pricesPropose), use: priceChange)
        p.on(.POST, "units", ":unitID", "discount-request", guard: .allowed(.salesCreate), use: discountRequest)
        p.on(.GET, "structure", guard: .allowed(.inventoryView), use: structure)
        p.on(.POST, "buildings", guard: .allowed(.inventoryEdit), use: createBuilding)
        p.on(.POST, "buildings", ":buildingID", guard: .allowed(.inventoryEdit), use: updateBuilding)
        p.on(.POST, "layouts", guard: .allowed(.inventoryEdit), use: createLayout)
        p.on(.GET, "import", guard: .allowed(.inventoryEdit), use: importPage)
        p.on(.POST, "import", guard: .allowed(.inventoryEdit), body: .collect(maxSize: ByteCount(value: app.services.config.maxUploadMegabytes * 1024 * 1024)),
             use: importUpload)
        p.on(.GET, "prices", guard: .allowed(.inventoryView), use: prices)
        p.on(.GET, "prices", ":listID", guard: .allowed(.inventoryView), use: priceList)
        p.on(.POST, "prices", "adjust", guard: .allowed(.pricesPropose), use: adjust)
        p.on(.POST, "discounts", guard: .allowed(.pricesPropose), use: createRule)
        p.on(.POST, "discounts", ":ruleID", "toggle", guard: .allowed(.pricesPropose), use: toggleRule)
    }

    // MARK: Helpers

    static func refs(_ req: Request, _ projectID: UUID) async throws -> (InventoryShell.ProjectRef, [InventoryShell.ProjectRef]) {
        try await ProjectSwitcher.refs(req, projectID, any: [.inventoryView])
    }

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
        let target = req.formField("back") == "board" ? "/projects/\(projectID)/board\(building)" : "/projects/\(projectID)/units/\(unitID)"
        guard let move = UnitMove(rawValue: req.formField("move")) else { throw Problem.invalid("move", "move_not_sales_control") }
        var reservation: SalesControlService.Reservation?
        if move == .reserve {
            guard let expires = Format.parseLocalInput(req.formField("expiresAt")) else {
                return FormAction.redirect(req, to: target, error: Problem(.unprocessableEntity, "reservation_expiry_invalid"))
            }
            reservation = .init(customerName: req.formField("customerName"), customerMobile: req.formField("customerMobile"),
                                expiresAt: expires, note: req.formField("note"))
        }
        return try await FormAction.run(req) {
            _ = try await req.services.salesControl(req.db).apply(move, unit: unitID, in: projectID, reason: req.formField("reason"),
                                                                  reservation: reservation, context: req.auditContext)
            return .to(target, notice: "notice.saved")
        } failed: { p in
            return FormAction.redirect(req, to: target, error: p.fields.first.map { Problem(.unprocessableEntity, $0.code) } ?? p)
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

    // MARK: Import

    @Sendable static func importPage(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, projects) = try await refs(req, projectID)
        let layouts = try await req.services.inventory(req.db).layoutNames(projectID)
        return Shell.response(ImportPage.view(PageContext(req), .init(project: project, projects: projects, layouts: layouts)))
    }

    /// The file as the body (from the page's script): answers NDJSON lines of progress,
    /// then the result or the problem with every bad row. A plain multipart form post
    /// (no script) gets a redirect or the error page.
    @Sendable static func importUpload(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let service = req.services.unitImports(req.db)
        let context = req.auditContext
        if req.headers.contentType?.type == "multipart" {
            struct Upload: Content { var file: File }
            let upload = try req.content.decode(Upload.self)
            let outcome = try await req.services.imports.run {
                try await service.importUnits(Data(buffer: upload.file.data), into: projectID, fileName: upload.file.filename,
                                              context: context)
            }
            return FormAction.redirect(req, to: "/projects/\(projectID)/units", notice: outcome.imported > 0 ? "inv.imported" : nil)
        }
        guard let body = req.body.data else { throw Problem(.unprocessableEntity, "import_empty") }
        let data = Data(buffer: body)
        let fileName = (try? req.query.get(String.self, at: "fileName")) ?? "upload"
        let permit = try req.services.imports.enter()  // before the 200 of the stream, so a full house is a 429
        return importStream(req) { progress in
            defer { permit.release() }
            let o = try await service.importUnits(data, into: projectID, fileName: fileName, context: context, progress: progress)
            return #"{"result":{"imported":\#(o.imported),"buildingsCreated":\#(o.buildingsCreated.count)}}"#
        }
    }

    /// Runs an import and answers NDJSON: progress lines, then `{"result":…}` or `{"problem":…}`
    /// with every bad row in the user's language (import.js reads it).
    static func importStream(_ req: Request, _ run: @escaping @Sendable (@escaping UnitImportService.Progress) async throws -> String) -> Response {
        let catalog = req.services.catalog, lang = req.language, requestID = req.id
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "application/x-ndjson; charset=utf-8")
        headers.replaceOrAdd(name: "X-Accel-Buffering", value: "no")
        let response = Response(status: .ok, headers: headers)
        response.body = .init(asyncStream: { writer in
            let (progress, sink) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(64))
            let work = Task { () -> String in
                defer { sink.finish() }
                do {
                    return try await run { phase, done, total in
                        sink.yield(#"{"phase":"\#(phase.rawValue)","done":\#(done),"total":\#(total)}"#)
                    }
                } catch let p as Problem {
                    struct Row: Encodable { var row: Int; var column: String?; var value: String?; var message: String }
                    struct Out: Encodable { var code: String; var detail: String; var rows: [Row] }
                    let out = Out(code: p.code,
                                  detail: catalog.text("error.\(p.code)", lang, ProblemMiddleware.localized(p.arguments, catalog, lang)),
                                  rows: p.rows.map { Row(row: $0.row, column: $0.column, value: $0.value, message: catalog.text("error.\($0.code)", lang)) })
                    return #"{"problem":"# + String(decoding: (try? JSONEncoder().encode(out)) ?? Data("{}".utf8), as: UTF8.self) + "}"
                } catch {
                    return #"{"problem":{"code":"internal_error","detail":"\#(catalog.text("error.internal_error", lang)) \#(requestID)","rows":[]}}"#
                }
            }
            do {
                for await line in progress { try await writer.write(.buffer(ByteBuffer(string: line + "\n"))) }
                let last = await work.value
                try await writer.write(.buffer(ByteBuffer(string: last + "\n")))
                try await writer.write(.end)
            } catch {
                // The browser went away; the import itself runs to its end (or rolls back) regardless.
                _ = await work.value
                try? await writer.write(.error(error))
            }
        })
        return response
    }

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
