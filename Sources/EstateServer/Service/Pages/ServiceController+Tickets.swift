import EstateCore
import Foundation
import NIOCore
import Plot
import Vapor

extension ServiceController {
    // MARK: /service

    /// The first project whose tickets the user may see (or the one picked in the switcher).
    @Sendable static func home(_ req: Request) async throws -> Response {
        let projects = try await projects(req)
        let tab = req.queryText("tab").flatMap(ServiceShell.Tab.init(rawValue:)) ?? .tickets
        if let chosen = req.queryText("project").flatMap(UUID.init(uuidString:)), projects.contains(where: { $0.id == chosen }) {
            return req.redirect(to: tab.href(chosen))
        }
        if let first = projects.first { return req.redirect(to: tab.href(first.id)) }
        let ctx = PageContext(req), t = ctx.t
        return Shell.response(Shell.page(ctx, title: t("nav.service"), .group(
            .h1(.text(t("nav.service"))),
            .p(.class("muted"), .text(t("inv.no_projects"))))))
    }

    // MARK: 工单列表

    /// The list's filters from the query (queue, status, kind, severity, search) and the query items that carry them.
    static func listFilter(_ req: Request, queue forced: TicketService.Queue?) -> (TicketService.Filter, [String: String]) {
        var f = TicketService.Filter()
        var q: [String: String] = [:]
        if let forced { f.queue = forced } else if let v = req.queryText("queue").flatMap(TicketService.Queue.init(rawValue:)) {
            f.queue = v
            if v != .all { q["queue"] = v.rawValue }
        }
        if let s = req.queryText("status").flatMap(TicketStatus.init(rawValue:)) { f.status = s; q["status"] = s.rawValue }
        if let k = req.queryText("kind").flatMap(TicketKind.init(rawValue:)) { f.kind = k; q["kind"] = k.rawValue }
        if let s = req.queryText("severity").flatMap(TicketSeverity.init(rawValue:)) { f.severity = s; q["severity"] = s.rawValue }
        if let text = req.queryText("q") { f.query = text; q["q"] = text }
        return (f, q)
    }

    static func listResponse(_ req: Request, queue forced: TicketService.Queue?) async throws -> Response {
        let projectID = try req.projectID()
        let (project, projects) = try await refs(req, projectID)
        let principal = try req.requirePrincipal()
        let (f, q) = listFilter(req, queue: forced)
        let pageNumber = (try? req.query.get(Int.self, at: "page")).map { max(1, min($0, 100_000)) }
        let tickets = req.services.tickets(req.db)
        let page = try await tickets.list(projectID, f, for: principal, context: req.auditContext, page: try PageRequest(page: pageNumber, perPage: 50))
        var counts: [TicketService.Queue: Int] = [:]
        for queue in [TicketService.Queue.mine, .callback, .breached] {
            var c = TicketService.Filter()
            c.queue = queue
            counts[queue] = try await tickets.list(projectID, c, for: principal, page: try PageRequest(page: 1, perPage: 1)).total
        }
        let m = TicketListPage.Model(project: project, projects: projects, page: page, filter: f, query: q, counts: counts,
                                     workbench: forced == .callback, mayCreate: principal.may(.ticketsHandle, on: projectID),
                                     now: req.services.now(),
                                     handlers: principal.may(.ticketsManage, on: projectID) ? try await tickets.handlers(projectID) : [])
        return Shell.response(TicketListPage.view(PageContext(req), m))
    }

    @Sendable static func list(_ req: Request) async throws -> Response { try await listResponse(req, queue: nil) }

    /// 回访工作台: resolved complaints and repairs waiting for their callback.
    @Sendable static func callbacks(_ req: Request) async throws -> Response { try await listResponse(req, queue: .callback) }

    /// The list as filtered, as .xlsx (contact numbers masked).
    @Sendable static func exportList(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, _) = try await refs(req, projectID)
        let principal = try req.requirePrincipal()
        let (f, _) = listFilter(req, queue: nil)
        let tickets = req.services.tickets(req.db)
        let rows = try await PageRequest.everyRow { try await tickets.list(projectID, f, for: principal, context: req.auditContext, page: $0) }
        let now = req.services.now()
        let day = CalendarDay(now)
        return Response.workbook(try ServiceSheets.tickets(rows, now: now, t: req.localizer),
                                 name: "\(req.localizer.language == .zh ? "工单" : "tickets")-\(project.code)-\(day).xlsx")
    }

    /// 批量改派: the chosen tickets to one person (and department), each through the same 派单 as its page;
    /// a ticket that cannot be given (closed meanwhile, the person cannot work its kind) is left and counted.
    @Sendable static func reassign(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let principal = try req.requirePrincipal()
        let back = "/projects/\(projectID)/tickets"
        let ids = req.formList("ticketIds").compactMap(UUID.init(uuidString:)).prefix(100)
        guard let assignee = UUID(uuidString: req.formField("assigneeId")), !ids.isEmpty else {
            return req.redirect(to: back + "?error=ticket.reassign_nothing")
        }
        var input = TicketService.ActionInput()
        input.assigneeID = assignee
        input.department = TicketService.Department(rawValue: req.formField("department"))
        input.note = req.localizer("ticket.reassigned_note")
        let tickets = req.services.tickets(req.db)
        var done = 0
        for id in ids {
            // The ticket must be this project's: another project's id is skipped, never touched.
            guard let t = try await ifFound({ try await tickets.ticket(id) }), t.projectId == projectID else { continue }
            do {
                _ = try await tickets.act(id, .assign, input, by: principal, context: req.auditContext)
                done += 1
            } catch let p as Problem where [.unprocessableEntity, .conflict, .forbidden].contains(p.status) {
                continue
            }
        }
        let skipped = ids.count - done
        return req.redirect(to: back + (skipped == 0 ? "?notice=ticket.reassigned_all"
                                                      : "?error=ticket.reassigned_partly&e.count=\(skipped)"))
    }
}
