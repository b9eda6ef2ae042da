import EstateCore
import EstateSheets
import Foundation
import Plot
import Vapor

extension SalesController {
    // MARK: Home and register

    @Sendable static func home(_ req: Request) async throws -> Response {
        let projects = try await projects(req)
        if let chosen = (try? req.query.get(String.self, at: "project")).flatMap(UUID.init(uuidString:)), projects.contains(where: { $0.id == chosen }) {
            return req.redirect(to: "/projects/\(chosen)/sales")
        }
        if let first = projects.first, projects.count == 1 { return req.redirect(to: "/projects/\(first.id)/sales") }
        let ctx = PageContext(req), t = ctx.t
        return Shell.response(Shell.page(ctx, title: t("nav.sales"), .group(
            .h1(.text(t("nav.sales"))),
            projects.isEmpty ? .p(.class("muted"), .text(t("inv.no_projects"))) :
            .div(.class("grid"), .group(projects.map { p in
                Node<HTML.BodyContext>.a(.class("card project"), .href("/projects/\(p.id)/sales"), .h2(.text(p.name)), .span(.class("muted"), .text(p.code)))
            })))))
    }

    /// The register's filters from the query: status, search, consultant, subscribed from/to, sort.
    static func registerFilter(_ req: Request, _ projectID: UUID) throws -> (filter: SaleService.ListFilter, query: [String: String]) {
        var query: [String: String] = [:]
        var f = SaleService.ListFilter()
        f.status = req.queryText("status").flatMap(SubscriptionStatus.init(rawValue:))
        if let s = f.status { query["status"] = s.rawValue }
        let q = String((req.queryText("q") ?? "").trimmed.prefix(40)).replacingOccurrences(of: "\u{0}", with: "")
        if !q.isEmpty { query["q"] = q; f.q = q }
        if let c = req.queryText("consultantId").flatMap(UUID.init(uuidString:)) { f.consultantID = c; query["consultantId"] = c.uuidString }
        if let d = req.queryText("from").flatMap(CalendarDay.init) { f.from = d; query["from"] = d.description }
        if let d = req.queryText("to").flatMap(CalendarDay.init) { f.to = d; query["to"] = d.description }
        if let s = req.queryText("sort").flatMap(SaleService.RegisterSort.init(rawValue:)) { f.sort = s; query["sort"] = s.rawValue }
        if req.queryText("dir") == "asc" { f.ascending = true; query["dir"] = "asc" }
        f.searcher = CustomerService.Searcher(CustomerAccess(try req.requirePrincipal(), project: projectID), req.auditContext)
        return (f, query)
    }

    @Sendable static func register(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, projects) = try await refs(req, projectID)
        let (filter, query) = try registerFilter(req, projectID)
        let pageNumber = (try? req.query.get(Int.self, at: "page")).map { max(1, min($0, 100_000)) }
        let sales = req.services.sales(req.db)
        let page = try await sales.subscriptions(projectID, filter: filter, page: try PageRequest(page: pageNumber, perPage: 50))
        let contracts = Dictionary(page.items.compactMap { s in s.contractId.map { ($0, s.contractNumber ?? "") } }, uniquingKeysWith: { a, _ in a })
        let consultants = try await StaffDirectory.holders(of: [.consultant, .salesManager], on: projectID, sql: req.store.sql)
            .map { (id: $0.id, name: $0.displayName) }
        return Shell.response(SalesRegisterPage.view(PageContext(req), .init(
            project: project, projects: projects, page: page, contracts: contracts, access: try access(req, projectID), status: filter.status,
            q: filter.q ?? "", query: query, today: today(req), filter: filter, consultants: consultants)))
    }

    /// The register as filtered and sorted, every row (not one page), names as the page shows them.
    @Sendable static func exportRegister(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, _) = try await refs(req, projectID)
        let (filter, _) = try registerFilter(req, projectID)
        let sales = req.services.sales(req.db)
        let rows = try await PageRequest.everyRow { try await sales.subscriptions(projectID, filter: filter, page: $0) }
        let data = try SalesRegisterSheet.data(rows, access: try access(req, projectID), t: req.localizer)
        return Response.workbook(data, name: SalesRegisterSheet.fileName(projectCode: project.code, day: today(req), t: req.localizer))
    }
}
