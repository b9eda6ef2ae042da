import EstateCore
import Foundation
import Plot
import Vapor

/// The 抢修单 pages (呼叫中心). Project routes have had the action checked by the route guard;
/// `/outages/:id` names no project, so its handlers load the 抢修单 and check its project here,
/// and the service checks each action again. `/oa/:token` is open: the one-time token is the credential.
enum OutagesController {
    static func register(_ app: Application) {
        app.on(.GET, "outages", guard: .allowed(.callsHandle), use: home)
        let p = app.grouped("projects", ":projectID", "outages")
        p.on(.GET, guard: .allowed(.callsHandle), use: list)
        p.on(.GET, "new", guard: .allowed(.callCenterManage), use: newForm)
        p.on(.POST, "new", guard: .allowed(.callCenterManage), use: create)
        p.on(.GET, "on-call", guard: .allowed(.callsHandle), use: onCall)
        p.on(.POST, "on-call", ":department", guard: .allowed(.callCenterManage), use: saveOnCall)

        let o = app.grouped("outages", ":outageID")
        o.on(.GET, guard: .signedIn, use: show)
        o.on(.POST, "done", guard: .signedIn, use: reportDone)
        o.on(.POST, "close", guard: .allowed(.callsHandle), use: close)
        o.on(.GET, "callbacks", guard: .allowed(.callsHandle), use: callbacks)
        o.on(.POST, "callbacks", ":callbackID", guard: .allowed(.callsHandle), use: recordCallback)

        // The SMS link: GET shows, POST acknowledges (a link preview never uses the token up).
        app.on(.GET, "oa", ":token", guard: .open, use: ackPage)
        app.on(.POST, "oa", ":token", guard: .open, use: acknowledge)
    }

    // MARK: Helpers

    static func projects(_ req: Request) async throws -> [InventoryShell.ProjectRef] {
        try await ProjectSwitcher.projects(req, any: [.callsHandle])
    }

    static func refs(_ req: Request, _ projectID: UUID) async throws -> (InventoryShell.ProjectRef, [InventoryShell.ProjectRef]) {
        try await ProjectSwitcher.refs(req, projectID, any: [.callsHandle])
    }

    /// A 抢修单 the reader may see: with `action` on its project, or the one who acknowledged it (404 otherwise).
    static func load(_ req: Request, _ id: UUID, _ action: Action? = nil) async throws -> OutageService.Outage {
        let o = try await req.services.outages(req.db).outage(id)
        let p = try req.requirePrincipal()
        guard p.canSee(project: o.projectId) else { throw Problem.notFound }
        let reads = p.may(action ?? .callsHandle, on: o.projectId) || (action == nil && o.acknowledgedBy == p.userID)
        guard reads else { throw Problem.notFound }
        return o
    }

    static func failure(_ t: Localizer, _ p: Problem, form: String, values: [String: String] = [:]) -> FormFailure {
        FormFailure(t, p, form: form, values: values,
                    label: { t.catalog.has("outage.field.\($0)") ? t("outage.field.\($0)") : nil },
                    arguments: { _, args in
                        var out = ProblemMiddleware.localized(args, t.catalog, t.language)
                        for (k, v) in args where t.catalog.has(v) { out[k] = t(v) }
                        return out
                    })
    }

    // MARK: Lists and forms

    @Sendable static func home(_ req: Request) async throws -> Response {
        let projects = try await projects(req)
        let tab = req.queryText("tab").flatMap(OutagesShell.Tab.init(rawValue:)) ?? .outages
        if let chosen = req.queryText("project").flatMap(UUID.init(uuidString:)), projects.contains(where: { $0.id == chosen }) {
            return req.redirect(to: tab.href(chosen))
        }
        if let first = projects.first { return req.redirect(to: tab.href(first.id)) }
        let ctx = PageContext(req), t = ctx.t
        return Shell.response(Shell.page(ctx, title: t("nav.outages"), .group(.h1(.text(t("nav.outages"))), .p(.class("muted"), .text(t("inv.no_projects"))))))
    }

    @Sendable static func list(_ req: Request) async throws -> Response {
        Shell.response(OutageListPage.view(PageContext(req), try await OutageListPage.Model.load(req, try req.projectID())))
    }

    @Sendable static func newForm(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let v: [String: String] = ["scope": OutageScope.building.rawValue, "department": TicketService.Department.engineering.rawValue,
                                   "expectedRestoreAt": OutageFormPage.local(req.services.now().addingTimeInterval(4 * 3600))]
        return Shell.response(OutageFormPage.view(PageContext(req), try await OutageFormPage.Model.load(req, projectID, values: v)))
    }

    @Sendable static func create(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let v = req.formFields(OutageFormPage.keys)
        return try await FormAction.run(req) {
            var bad: [Problem.FieldError] = []
            let department = TicketService.Department(rawValue: v["department"] ?? "")
            let scope = OutageScope(rawValue: v["scope"] ?? "")
            if department == nil { bad.append(.init(field: "department", code: "outage_department_invalid")) }
            if scope == nil { bad.append(.init(field: "scope", code: "outage_scope_invalid")) }
            guard bad.isEmpty, let department, let scope else { throw Problem.invalid(bad) }
            var d = OutageService.Draft(department: department, scope: scope, title: v["title"] ?? "")
            d.buildingID = (v["buildingId"] ?? "").isEmpty ? nil : UUID(uuidString: v["buildingId"]!) ?? UUID()
            d.entrance = Int(v["entrance"] ?? "")
            if scope == .entrance, d.entrance == nil { throw Problem.invalid("entrance", "outage_entrance_invalid") }
            d.unitCodes = OutageText.unitCodes(v["unitCodes"] ?? "")
            d.description = v["description"] ?? ""
            d.expectedRestoreAt = OutageFormPage.parseLocal(v["expectedRestoreAt"] ?? "")
            let o = try await req.services.outages(req.db).open(d, in: projectID, by: try req.requirePrincipal(), context: req.auditContext)
            return .to("/outages/\(o.id)", notice: "outage.opened_notice")
        } failed: { problem in
            let m = try await OutageFormPage.Model.load(req, projectID, values: v, failure: failure(req.localizer, problem, form: "new", values: v))
            return Shell.response(OutageFormPage.view(PageContext(req), m), status: problem.status)
        }
    }

    @Sendable static func onCall(_ req: Request) async throws -> Response {
        Shell.response(OnCallPage.view(PageContext(req), try await OnCallPage.Model.load(req, try req.projectID())))
    }

    @Sendable static func saveOnCall(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        guard let department = req.parameters.get("department").flatMap(TicketService.Department.init(rawValue:)) else { throw Problem.notFound }
        let ids = req.formList("userIds")
        let minutes = req.formField("ackMinutes")
        let form = "oncall-\(department.rawValue)"
        return try await FormAction.run(req) {
            let users = try ids.map { s -> UUID in
                guard let id = UUID(uuidString: s) else { throw Problem.invalid("userIds", "oncall_person_invalid") }
                return id
            }
            guard let n = Int(minutes) else { throw Problem.invalid("ackMinutes", "outage_window_invalid") }
            try await req.services.outages(req.db).setOnCall(projectID, department, userIDs: users, ackMinutes: n, context: req.auditContext)
            return .to("/projects/\(projectID)/outages/on-call", notice: "notice.saved", anchor: form)
        } failed: { problem in
            let f = failure(req.localizer, problem, form: form, values: ["userIds": ids.joined(separator: ","), "ackMinutes": minutes])
            return Shell.response(OnCallPage.view(PageContext(req), try await OnCallPage.Model.load(req, projectID, failure: f)), status: problem.status)
        }
    }

    // MARK: One 抢修单

    @Sendable static func show(_ req: Request) async throws -> Response {
        Shell.response(OutagePage.view(PageContext(req), try await OutagePage.Model.load(req, try req.pathID("outageID"))))
    }

    @Sendable static func reportDone(_ req: Request) async throws -> Response {
        let id = try req.pathID("outageID")
        let o = try await load(req, id)
        let note = req.formField("note")
        return try await FormAction.run(req) {
            _ = try await req.services.outages(req.db).reportDone(o.id, note: note, by: try req.requirePrincipal(), context: req.auditContext)
            return .to("/outages/\(id)/callbacks", notice: "outage.done_notice")
        } failed: { problem in
            FormAction.back(req, to: "/outages/\(id)", problem)
        }
    }

    @Sendable static func close(_ req: Request) async throws -> Response {
        let id = try req.pathID("outageID")
        let o = try await load(req, id, .callsHandle)
        return try await FormAction.run(req) {
            _ = try await req.services.outages(req.db).close(o.id, by: try req.requirePrincipal(), context: req.auditContext)
            return .to("/outages/\(id)", notice: "outage.closed_notice")
        } failed: { problem in
            FormAction.back(req, to: "/outages/\(id)", problem)
        }
    }

    @Sendable static func callbacks(_ req: Request) async throws -> Response {
        Shell.response(OutageCallbacksPage.view(PageContext(req), try await OutageCallbacksPage.Model.load(req, try req.pathID("outageID"))))
    }

    @Sendable static func recordCallback(_ req: Request) async throws -> Response {
        let id = try req.pathID("outageID")
        let callbackID = try req.pathID("callbackID")
        let o = try await load(req, id, .callsHandle)
        let outcome = req.formField("outcome"), note = req.formField("note")
        return try await FormAction.run(req) {
            guard let result = OutageCallbackOutcome(rawValue: outcome) else { throw Problem.invalid("outcome", "outage_outcome_required") }
            let after = try await req.services.outages(req.db).recordCallback(o.id, callback: callbackID, outcome: result, note: note,
                                                                              by: try req.requirePrincipal(), context: req.auditContext)
            return after.outageStatus == .callback ? .to("/outages/\(id)/callbacks", notice: "outage.callback_notice")
                : .to("/outages/\(id)", notice: "outage.reopened_notice")
        } failed: { problem in
            FormAction.back(req, to: "/outages/\(id)/callbacks", problem)
        }
    }

    // MARK: The acknowledgement link (no sign-in)

    static func ackResponse(_ req: Request, _ stage: OutageAckPage.Stage, status: HTTPResponseStatus = .ok) -> Response {
        let r = Shell.response(OutageAckPage.view(req.localizer, stage, now: req.services.now()), status: status)
        r.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        r.headers.replaceOrAdd(name: "Referrer-Policy", value: "no-referrer")
        return r
    }

    @Sendable static func ackPage(_ req: Request) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        switch try await req.services.outages(req.db).tokenState(token) {
        case .valid(let o, let name): return ackResponse(req, .confirm(o, name: name, token: token))
        case .used(let o): return ackResponse(req, .used(o), status: .notFound)
        case .invalid: return ackResponse(req, .invalid, status: .notFound)
        }
    }

    @Sendable static func acknowledge(_ req: Request) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        do {
            switch try await req.services.outages(req.db).acknowledge(token: token, requestID: req.id, ip: req.origin.ip) {
            case .acknowledged(let o): return ackResponse(req, .acknowledged(o))
            case .alreadyTaken(let o): return ackResponse(req, .taken(o))
            }
        } catch let p as Problem where p.status == .notFound {
            return ackResponse(req, .invalid, status: .notFound)
        }
    }
}
