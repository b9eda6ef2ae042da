import EstateCore
import EstateSheets
import Foundation
import Plot
import Vapor

/// The staff's opening pages (issue 18): the project's openings, one opening's setup and live
/// console (registrations, units, order, batches, moves, figures), the notary's printable order,
/// the results workbook. Reading needs 销售查看; changing the event needs 销控; registering
/// buyers needs 认购 (sales.create).
enum OpeningsController {
    static func register(_ app: Application) {
        app.on(.GET, "openings", guard: .allowed(.salesView), use: home)
        let p = app.grouped("projects", ":projectID", "openings")
        p.on(.GET, guard: .allowed(.salesView), use: list)
        p.on(.POST, guard: .allowed(.salesControl), use: create)
        p.on(.GET, ":eventID", guard: .allowed(.salesView), use: show)
        p.on(.POST, ":eventID", "units", guard: .allowed(.salesControl), use: addUnits)
        p.on(.POST, ":eventID", "registrations", guard: .allowed(.salesCreate), use: register)
        p.on(.POST, ":eventID", "registrations", "import", guard: .allowed(.salesCreate), body: .collect(maxSize: "10mb"), use: importList)
        p.on(.POST, ":eventID", "registrations", ":registrationID", "eligibility", guard: .allowed(.salesControl), use: eligibility)
        p.on(.POST, ":eventID", "draw", guard: .allowed(.salesControl), use: draw)
        p.on(.POST, ":eventID", "batches", guard: .allowed(.salesControl), use: batches)
        p.on(.POST, ":eventID", "actions", guard: .allowed(.salesControl), use: act)
        p.on(.GET, ":eventID", "notary", guard: .allowed(.salesView), use: notary)
        p.on(.GET, ":eventID", "results.xlsx", guard: .allowed(.salesView), use: results)
    }

    static func event(_ req: Request) async throws -> OpeningService.Event {
        try await req.services.openings(req.db).event(try req.pathID("eventID"), in: try req.projectID())
    }

    static func page(_ req: Request, _ projectID: UUID, _ eventID: UUID) -> String { "/projects/\(projectID)/openings/\(eventID)" }

    @Sendable static func home(_ req: Request) async throws -> Response {
        let projects = try await ProjectSwitcher.projects(req, any: [.salesView])
        if let chosen = req.queryText("project").flatMap(UUID.init(uuidString:)), projects.contains(where: { $0.id == chosen }) {
            return req.redirect(to: "/projects/\(chosen)/openings")
        }
        if let first = projects.first { return req.redirect(to: "/projects/\(first.id)/openings") }
        let ctx = PageContext(req), t = ctx.t
        return Shell.response(Shell.page(ctx, title: t("nav.openings"), .group(.h1(.text(t("nav.openings"))), .p(.class("muted"), .text(t("inv.no_projects"))))))
    }

    @Sendable static func list(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, projects) = try await ProjectSwitcher.refs(req, projectID, any: [.salesView])
        let events = try await req.services.openings(req.db).events(projectID)
        return Shell.response(OpeningPages.list(PageContext(req), project: project, projects: projects, events: events,
                                                mayEdit: req.principal?.may(.salesControl, on: projectID) == true, now: req.services.now()))
    }

    @Sendable static func create(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        return try await FormAction.run(req) {
            let kind = LotteryOrder.Kind(rawValue: req.formField("orderKind")) ?? .registration
            guard let starts = Format.parseLocalInput(req.formField("startsAt")) else { throw Problem.invalid("startsAt", "opening_window_invalid") }
            let hours = Int(req.formField("hours")) ?? 4
            guard let deposit = Money(yuanText: req.formField("deposit")) else { throw Problem.invalid("deposit", "deposit_out_of_range") }
            let e = try await req.services.openings(req.db).create(
                .init(name: req.formField("name"), orderKind: kind, seed: req.formField("seed"), seedNote: req.formField("seedNote"),
                      quota: Int(req.formField("quota")) ?? 1, deposit: deposit, method: PaymentMethod(rawValue: req.formField("method")) ?? .full,
                      contractDays: Int(req.formField("contractDays")) ?? 7, startsAt: starts, endsAt: starts.addingTimeInterval(TimeInterval(max(1, hours) * 3600))),
                in: projectID, context: req.auditContext)
            return .to(page(req, projectID, e.id))
        } failed: { FormAction.back(req, to: "/projects/\(projectID)/openings", $0) }
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, projects) = try await ProjectSwitcher.refs(req, projectID, any: [.salesView])
        let svc = req.services.openings(req.db)
        let e = try await event(req)
        let engine = try await svc.engineEvent(e.id)
        let model = OpeningPages.EventModel(
            project: project, projects: projects, event: e, engine: engine, batches: try await svc.batches(e.id), slots: try await svc.slots(engine.id),
            registrations: try await svc.registrations(e.id, limit: 500), console: try await svc.console(engine.id),
            available: try await req.services.inventory(req.db).allUnits(projectID).filter { $0.status == .available || $0.status == .unreleased },
            mayControl: req.principal?.may(.salesControl, on: projectID) == true, mayRegister: req.principal?.may(.salesCreate, on: projectID) == true,
            now: req.services.now(), formKey: AuthService.newSecret().filter { $0.isLetter || $0.isNumber }.prefix(24).description)
        return Shell.response(OpeningPages.event(PageContext(req), model))
    }

    /// Units by code (one per line or separated by commas), or every unit that may join (`all`).
    @Sendable static func addUnits(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), e = try await event(req)
        return try await FormAction.run(req) {
            let units = try await req.services.inventory(req.db).allUnits(projectID)
            let ids: [UUID]
            if req.formField("all") == "1" {
                ids = units.filter { $0.status == .available || $0.status == .unreleased }.map(\.id)
            } else {
                let codes = Set(req.formField("codes").split(whereSeparator: { ",，、\n\r ".contains($0) }).map { String($0) })
                ids = units.filter { codes.contains($0.code) }.map(\.id)
                guard ids.count == codes.count else { throw Problem.invalid("unitIds", "unit_unknown") }
            }
            _ = try await req.services.openings(req.db).addUnits(ids, event: e.id, context: req.auditContext)
            return .to(page(req, projectID, e.id))
        } failed: { FormAction.back(req, to: page(req, projectID, e.id), $0) }
    }

    @Sendable static func register(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), e = try await event(req)
        return try await FormAction.run(req) {
            guard let sincerity = Money(yuanText: req.formField("sincerity")) else { throw Problem.invalid("sincerity", "sincerity_out_of_range") }
            let draft = OpeningService.RegistrationDraft(name: req.formField("name"), mobile: req.formField("mobile"),
                                                         idKind: IdentityKind(rawValue: req.formField("idKind")) ?? .residentID,
                                                         idNumber: req.formField("idNumber"), sincerity: sincerity,
                                                         eligible: req.formField("eligible") == "1", eligibilityNote: req.formField("eligibilityNote"))
            let (r, _) = try await req.services.openings(req.db).register(draft, event: e.id, key: req.formField("key"),
                                                                          actor: try req.requirePrincipal().userID, context: req.auditContext)
            return .to(page(req, projectID, e.id) + "?registered=\(r.number)", notice: "opening.notice.registered")
        } failed: { FormAction.back(req, to: page(req, projectID, e.id), $0) }
    }

    @Sendable static func importList(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), e = try await event(req)
        struct Upload: Content { var file: File }
        return try await FormAction.run(req) {
            guard let upload = try? req.content.decode(Upload.self) else { throw Problem(.unprocessableEntity, "import_empty") }
            _ = try await req.services.openings(req.db).importRegistrations(Data(buffer: upload.file.data), event: e.id,
                                                                            parsing: req.services.imports.threadPool, context: req.auditContext)
            return .to(page(req, projectID, e.id), notice: "opening.notice.imported")
        } failed: { problem in
            let rows = problem.rows.prefix(20).map { "\($0.row)\($0.column.map { "/" + $0 } ?? ""):\($0.code)" }.joined(separator: "、")
            var p = problem
            if !rows.isEmpty { p.arguments["codes"] = rows.replacingOccurrences(of: ":", with: "-").replacingOccurrences(of: "/", with: "-") }
            return FormAction.back(req, to: page(req, projectID, e.id), p)
        }
    }

    @Sendable static func eligibility(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), e = try await event(req)
        return try await FormAction.run(req) {
            _ = try await req.services.openings(req.db).setEligibility(try req.pathID("registrationID"), event: e.id, eligible: req.formField("eligible") == "1",
                                                                       note: req.formField("note"), context: req.auditContext)
            return .to(page(req, projectID, e.id), anchor: "registrations")
        } failed: { FormAction.back(req, to: page(req, projectID, e.id), $0) }
    }

    @Sendable static func draw(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), e = try await event(req)
        return try await FormAction.run(req) {
            _ = try await req.services.openings(req.db).draw(event: e.id, context: req.auditContext)
            return .to(page(req, projectID, e.id), anchor: "order")
        } failed: { FormAction.back(req, to: page(req, projectID, e.id), $0) }
    }

    @Sendable static func batches(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), e = try await event(req)
        return try await FormAction.run(req) {
            _ = try await req.services.openings(req.db).planBatches(event: e.id, size: Int(req.formField("size")) ?? 0, minutes: Int(req.formField("minutes")) ?? 0,
                                                                    gapMinutes: Int(req.formField("gap")) ?? 0, context: req.auditContext)
            return .to(page(req, projectID, e.id), anchor: "batches")
        } failed: { FormAction.back(req, to: page(req, projectID, e.id), $0) }
    }

    @Sendable static func act(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), e = try await event(req)
        return try await FormAction.run(req) {
            guard let action = OpeningAction(rawValue: req.formField("action")) else { throw Problem.invalid("action", "opening_action_not_allowed") }
            let svc = req.services.openings(req.db)
            // During a rehearsal, pause / resume / extend / close act on the copy.
            let target = e.state == .rehearsal && [.pause, .resume, .extend].contains(action) ? try await svc.engineEvent(e.id).id : e.id
            _ = try await svc.act(action, event: target, extendMinutes: Int(req.formField("minutes")) ?? 0, context: req.auditContext)
            return .to(page(req, projectID, e.id))
        } failed: { FormAction.back(req, to: page(req, projectID, e.id), $0) }
    }

    @Sendable static func notary(_ req: Request) async throws -> Response {
        let e = try await event(req)
        let svc = req.services.openings(req.db)
        let order = try await svc.order(e.id)
        let names = Dictionary(try await svc.registrations(e.id, limit: 20_000).map { ($0.number, $0) }, uniquingKeysWith: { a, _ in a })
        return Shell.response(OpeningPages.notary(PageContext(req), event: e, order: order, registrations: names))
    }

    @Sendable static func results(_ req: Request) async throws -> Response {
        let e = try await event(req)
        let t = req.localizer
        let rows = try await req.services.openings(req.db).results(e.id)
        let sheet = Sheet(name: t("opening.results"), columns: [
            SheetColumn(t("opening.col.rank")), SheetColumn(t("opening.col.number")), SheetColumn(t("opening.col.buyer")),
            SheetColumn(t("opening.col.unit")), SheetColumn(t("opening.col.price"), format: .money), SheetColumn(t("opening.col.time")),
            SheetColumn(t("opening.col.subscription")), SheetColumn(t("opening.col.hash"), width: 70),
        ], rows: rows.map { r -> [SheetCell] in
            [r.rank.map { SheetCell.integer(Int64($0)) } ?? .empty, .text(r.number), .text(Masking.name(r.name)), .text(r.unitCode ?? t("opening.not_bought")),
             r.listTotalFen.map { SheetCell.decimal($0, scale: 2) } ?? .empty, .text(r.confirmedAt.map(BuyerPages.time) ?? ""),
             .text(r.subscriptionNumber ?? ""), .text(e.logHash)]
        })
        return Response.workbook(try XLSXWriter.data([sheet]), name: "opening-results-\(e.id.uuidString.prefix(8)).xlsx")
    }
}
