import EstateCore
import Foundation
import Plot
import Vapor

/// The frame of the call pages (呼叫中心): project, switcher, the tabs 通话记录 / 话务报表.
enum CallsShell {
    enum Tab: String, CaseIterable {
        case calls, report, importing, wallboard, status, quality
        var key: String { "calls.tab.\(rawValue)" }
        var path: String {
            switch self {
            case .calls: "/calls"
            case .report: "/callcentre/report"
            case .importing: "/calls/import"
            case .wallboard: "/callcentre/wallboard"
            case .status: "/callcentre/status"
            case .quality: "/callcentre/qa"
            }
        }
        func href(_ project: UUID) -> String { "\(path)?project=\(project)" }
    }

    static func page(_ ctx: PageContext, project: InventoryShell.ProjectRef, projects: [InventoryShell.ProjectRef], tab: Tab,
                     title: String, _ content: Node<HTML.BodyContext>) -> HTML {
        let t = ctx.t
        let manages = ctx.principal?.may(.callCenterManage, on: project.id) == true
        let tabs = Tab.allCases.filter { [.calls, .wallboard, .status, .quality].contains($0) || manages }
        return Shell.page(ctx, title: "\(title) · \(project.name)", .div(.class("service-page calls-page"),
            .div(.class("inv-head"),
                .h1(.text(project.name), .span(.class("muted code"), .text(" " + project.code)),
                    .span(.class("report-title"), .text(" · " + t("nav.callcenter")))),
                ProjectSwitcher.view(t, current: project, projects: projects, home: tab.path)),
            .nav(.class("tabs"), .attribute(named: "aria-label", value: t("nav.callcenter")),
                .group(tabs.map { tb in
                    Node<HTML.BodyContext>.a(.href(tb.href(project.id)), .class(tb == tab ? "current" : ""), .text(t(tb.key)))
                })),
            content))
    }

    /// 3'05" style: minutes and seconds of a duration.
    static func duration(_ seconds: Int) -> String {
        seconds < 60 ? "\(seconds)\"" : "\(seconds / 60)'\(String(format: "%02d", seconds % 60))\""
    }
}

/// The call pages' routes: the project comes from `?project=` (the first the reader may open otherwise),
/// checked here against the action; the route guard has checked the action on some project.
enum CallsController {
    static func register(_ app: Application) {
        app.on(.GET, "calls", guard: .allowed(.callsHandle), use: list)
        app.on(.GET, "calls.xlsx", guard: .allowed(.callsHandle), use: export)
        app.on(.GET, "callcentre", "report", guard: .allowed(.callCenterManage), use: CallCentreReportPage.show)
        app.on(.GET, "callcentre", "report.xlsx", guard: .allowed(.callCenterManage), use: CallCentreReportPage.export)
        CallImportPage.register(app)
        WallboardPage.register(app)
        QualityController.register(app)
    }

    /// The chosen project among those where the reader may `action`, and all of them; nil when there are none.
    static func project(_ req: Request, _ action: Action) async throws -> (InventoryShell.ProjectRef, [InventoryShell.ProjectRef])? {
        let projects = try await ProjectSwitcher.projects(req, any: [action])
        if let raw = req.queryText("project") {
            guard let id = UUID(uuidString: raw), let p = projects.first(where: { $0.id == id }) else { throw Problem.notFound }
            return (p, projects)
        }
        return projects.first.map { ($0, projects) }
    }

    static func noProjects(_ req: Request) -> Response {
        let ctx = PageContext(req), t = ctx.t
        return Shell.response(Shell.page(ctx, title: t("calls.title"), .group(.h1(.text(t("calls.title"))), .p(.class("muted"), .text(t("inv.no_projects"))))))
    }

    static func filter(_ req: Request, project: UUID) -> (CallsPage.Query, Result<CallService.Filter, Problem>) {
        let q = CallsPage.Query(from: req.queryText("from") ?? "", to: req.queryText("to") ?? "", agent: req.queryText("agent") ?? "",
                                queue: req.queryText("queue") ?? "", direction: req.queryText("direction") ?? "",
                                number: req.queryText("number", max: 30) ?? "")
        do {
            let f = try APIHandler.callFilter(project: project, from: q.from.isEmpty ? nil : q.from, to: q.to.isEmpty ? nil : q.to,
                                              agentId: q.agent.isEmpty ? nil : q.agent, queue: q.queue.isEmpty ? nil : q.queue,
                                              direction: q.direction.isEmpty ? nil : q.direction, number: q.number.isEmpty ? nil : q.number,
                                              today: CalendarDay(req.services.now()))
            if !q.number.isEmpty { _ = try CallService.condition(f) }
            return (q, .success(f))
        } catch let p as Problem {
            return (q, .failure(p))
        } catch {
            return (q, .failure(Problem.invalid("from", "field_invalid")))
        }
    }

    @Sendable static func list(_ req: Request) async throws -> Response {
        guard let (project, projects) = try await project(req, .callsHandle) else { return noProjects(req) }
        let m = try await CallsPage.Model.load(req, project: project, projects: projects)
        return Shell.response(CallsPage.view(PageContext(req), m), status: m.failure == nil ? .ok : .unprocessableEntity)
    }

    @Sendable static func export(_ req: Request) async throws -> Response {
        guard let (project, _) = try await project(req, .callsHandle) else { throw Problem.notFound }
        let (_, result) = filter(req, project: project.id)
        let f = try result.get()
        let calls = req.services.calls(req.db)
        let rows = try await calls.all(f)
        let names = try await calls.agentNames(rows)
        let sees = try req.requirePrincipal().may(.personalDataExport, on: project.id)
        let t = req.localizer
        return Response.workbook(try CallSheets.calls(rows, names: names, seesNumbers: sees, t: t),
                                 name: "\(t("calls.file"))-\(project.code)-\(f.from)\(t("report.file.to"))\(f.to).xlsx")
    }
}
