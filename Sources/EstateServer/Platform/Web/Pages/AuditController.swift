import EstateCore
import Plot
import Vapor

enum AuditController {
    @Sendable static func index(_ req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        var filter = AuditQuery.Filter()
        var query: [String: String] = [:]
        for key in ["actor", "action", "outcome", "projectId", "from", "to"] {
            if let v = try? req.query.get(String.self, at: key), !v.isEmpty { query[key] = String(Text.withoutNUL(v).prefix(64)) }
        }
        filter.actor = query["actor"]
        filter.action = query["action"]
        filter.outcome = query["outcome"]
        filter.projectID = query["projectId"].flatMap(UUID.init(uuidString:))
        // Dates are days in China time; "to" includes its whole day.
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        func parse(_ s: String?) -> Date? {
            guard let s, let d = try? Date.ISO8601FormatStyle(timeZone: cal.timeZone).year().month().day().parse(s) else { return nil }
            return d
        }
        filter.from = parse(query["from"])
        filter.to = parse(query["to"]).flatMap { cal.date(byAdding: .day, value: 1, to: $0) }
        let page = try PageRequest(page: try? req.query.get(Int.self, at: "page"), perPage: 50)
        let result = try await req.services.audit(req.db).list(filter, for: p, page: page)
        let projects = try await req.services.projectDirectory.all(sql: req.store.sql).filter { p.canSee(project: $0.id) }
        let names = try await AuditPage.names(for: result.items, req: req)
        return Shell.response(AuditPage.view(PageContext(req), .init(page: result, query: query, projects: projects, names: names)))
    }
}
