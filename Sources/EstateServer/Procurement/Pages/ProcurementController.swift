import EstateCore
import Foundation
import Plot
import Vapor

/// 采购 pages past the supplier directory. Project pages live under `/procurement/projects/:projectID/<tab>`: the route
/// guard answers 404 for a project the reader cannot see, the tab's rule (`ProcurementShell.may`) 403 where they may not
/// open it. Records (`/procurement/orders/:id`…) answer 404 unless the reader may open their tab on their project.
/// A refused form is drawn again with its messages (422/409/403); a good one redirects with a notice.
enum ProcurementController {
    static func register(_ app: Application) {
        app.on(.GET, "procurement", guard: .signedIn, use: home)
        for tab in ProcurementShell.Tab.allCases where tab != .suppliers {
            app.on(.GET, "procurement", .constant(tab.rawValue), guard: .signedIn) { req in try await tabHome(req, tab) }
        }
        let p = app.grouped("procurement", "projects", ":projectID")
        p.on(.GET, "needs", guard: .allowed(.projectView), use: NeedPages.page.respond)
        p.on(.POST, "needs", guard: .allowed(.projectView), use: raiseNeed)
        PlansController.register(app)
        OrdersController.register(app)
        TendersController.register(app)
        FulfilmentController.register(app)
        StoresController.register(app)
        AttachmentsController.register(app)
        ProcurementReportController.register(app)
    }

    /// 采购: the first tab the reader may open (the directory for procurement).
    @Sendable static func home(_ req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        guard let tab = ProcurementShell.Tab.allCases.first(where: { ProcurementShell.may(p, $0, on: nil) }) else { throw Problem.forbidden }
        return req.redirect(to: tab == .suppliers ? "/procurement/suppliers" : "/procurement/\(tab.rawValue)")
    }

    /// `/procurement/<tab>?project=…`: the tab on the chosen project, else on the first the reader may open it on that has
    /// procurement work (the GM sees every project, the mall's first), else on the first.
    static func tabHome(_ req: Request, _ tab: ProcurementShell.Tab) async throws -> Response {
        let p = try req.requirePrincipal()
        guard ProcurementShell.may(p, tab, on: nil) else { throw Problem.forbidden }
        let projects = try await ProcurementShell.projects(req, tab)
        let chosen = req.queryText("project").flatMap(UUID.init(uuidString:)).flatMap { id in projects.first { $0.id == id } }
        let active = chosen == nil && projects.count > 1 ? try await req.services.purchasePlans(req.db).activeProjects() : []
        guard let target = chosen ?? projects.first(where: { active.contains($0.id) }) ?? projects.first else { throw Problem.notFound }
        return req.redirect(to: tab.href(target.id))
    }

    // MARK: 需求

    @Sendable static func raiseNeed(_ req: Request) async throws -> Response {
        // Who may not raise needs at all is refused before the tab (403 purchase_need_forbidden, as the API).
        try ProcurementShell.checkRaises(try req.requirePrincipal(), department: nil, on: try req.projectID())
        let (project, _) = try await ProcurementShell.project(req, .needs)
        let v = req.formFields(["department", "category", "material", "unit", "quantity", "neededOn", "note"])
        do {
            try ProcurementShell.checkRaises(try req.requirePrincipal(), department: v["department"], on: project.id)
            guard let category = SupplierCategory(rawValue: v["category"] ?? "") else { throw Problem.invalid("category", "purchase_category_invalid") }
            _ = try await req.services.purchasePlans(req.db).raiseNeed(
                .init(projectID: project.id, department: v["department"] ?? "", category: category, material: v["material"] ?? "",
                      unit: v["unit"] ?? "", quantity: v["quantity"] ?? "", neededOn: v["neededOn"] ?? "", note: v["note"] ?? ""),
                by: try req.requirePrincipal().userID, context: req.auditContext)
            return FormAction.redirect(req, to: ProcurementShell.Tab.needs.href(project.id), notice: "pr.need_raised")
        } catch let problem as Problem where FormAction.isCorrectable(problem) {
            let m = try await NeedPages.Model.load(req, failure: ProcurementShell.failure(req.localizer, problem, form: NeedPages.form, values: v))
            return Shell.response(NeedPages.view(PageContext(req), m), status: problem.status)
        }
    }

    /// Runs a form's action; a correctable refusal draws `page` again with the failure, at the problem's status.
    static func form(_ req: Request, name: String, values: [String: String], rename: @escaping (String) -> String = ProcurementShell.singleLine,
                     _ act: () async throws -> FormAction.Next,
                     page: (FormFailure) async throws -> HTML) async throws -> Response {
        do {
            let next = try await act()
            return FormAction.redirect(req, to: next.path, notice: next.notice, anchor: next.anchor)
        } catch let problem as Problem where FormAction.isCorrectable(problem) {
            return Shell.response(try await page(ProcurementShell.failure(req.localizer, problem, form: name, values: values, rename: rename)), status: problem.status)
        }
    }
}
