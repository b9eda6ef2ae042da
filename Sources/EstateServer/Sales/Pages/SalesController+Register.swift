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

    @Sendable static func register(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, projects) = try await refs(req, projectID)
        var query: [String: String] = [:]
        let status = (try? req.query.get(String.self, at: "status")).flatMap(SubscriptionStatus.init(rawValue:))
        if let status { query["status"] = status.rawValue }
        let q = String(((try? req.query.get(String.self, at: "q")) ?? "").trimmed.prefix(40)).replacingOccurrences(of: "\u{0}", with: "")
        if !q.isEmpty { query["q"] = q }
        let pageNumber = (try? req.query.get(Int.self, at: "page")).map { max(1, min($0, 100_000)) }
        let sales = req.services.sales(req.db)
        let searcher = CustomerService.Searcher(CustomerAccess(try req.requirePrincipal(), project: projectID), req.auditContext)
        let page = try await sales.subscriptions(projectID, filter: .init(status: status, q: q.isEmpty ? nil : q, searcher: searcher),
                                                 page: try PageRequest(page: pageNumber, perPage: 50))
        let contracts = Dictionary(page.items.compactMap { s in s.contractId.map { ($0, s.contractNumber ?? "") } }, uniquingKeysWith: { a, _ in a })
        return Shell.response(SalesRegisterPage.view(PageContext(req), .init(
            project: project, projects: projects, page: page, contracts: contracts, access: try access(req, projectID), status: status,
            q: q, query: query, today: today(req))))
    }
}
