import EstateCore
import FluentKit
import FluentSQL
import Foundation
import SQLKit

/// Browsing the audit log, newest first, filtered.
public struct AuditQuery: Sendable {
    let store: Store

    public struct Filter: Sendable {
        public var actor: String?
        public var action: String?
        public var entity: String?
        public var entityID: String?
        public var projectID: UUID?
        public var outcome: String?
        public var from: Date?
        public var to: Date?
        public init() {}
    }

    public struct Line: Sendable {
        public var id: UUID
        public var at: Date
        public var actorID: UUID?
        public var actorName: String
        public var action: String
        public var entity: String
        public var entityID: String?
        public var projectID: UUID?
        public var summary: String
        public var before: [String: String]
        public var after: [String: String]
        public var outcome: String
        public var requestID: String?
        public var ip: String?
    }

    /// Lines the principal may read: company-wide readers see all; project
    /// readers see their projects' lines only.
    public func list(_ filter: Filter, for principal: Principal, page: PageRequest) async throws -> Paged<Line> {
        var q = AuditRecord.query(on: store.db).sort(\.$at, .descending).sort(\.$id, .descending)
        if let projects = principal.projects(where: .auditRead) {
            if projects.isEmpty { return Paged(items: [], page: page.page, perPage: page.perPage, total: 0) }
            q = q.filter(\.$projectID ~~ projects)
        }
        if let v = filter.actor, !v.isEmpty { q = q.filter(\.$actorName == v) }
        if let v = filter.action, !v.isEmpty {
            if v.hasSuffix("*") {
                // A prefix compared as it is (`substr`), not a LIKE pattern: `_` and `%` in the filter mean themselves.
                let prefix = String(v.dropLast())
                q = q.filter(.sql(SQLBinaryExpression(
                    SQLFunction("substr", args: SQLIdentifier("action"), SQLLiteral.numeric("1"), SQLLiteral.numeric("\(prefix.count)")),
                    .equal, SQLBind(prefix))))
            } else {
                q = q.filter(\.$action == v)
            }
        }
        if let v = filter.entity, !v.isEmpty { q = q.filter(\.$entity == v) }
        if let v = filter.entityID, !v.isEmpty { q = q.filter(\.$entityID == v) }
        if let v = filter.projectID { q = q.filter(\.$projectID == v) }
        if let v = filter.outcome, !v.isEmpty { q = q.filter(\.$outcome == v) }
        if let v = filter.from { q = q.filter(\.$at >= v) }
        if let v = filter.to { q = q.filter(\.$at < v) }
        let paged = try await q.paged(page)
        return Paged(items: paged.items.map { r in
            Line(id: r.id!, at: r.at, actorID: r.actorID, actorName: r.actorName, action: r.action, entity: r.entity,
                 entityID: r.entityID, projectID: r.projectID, summary: r.summary,
                 before: AuditLog.decode(r.before), after: AuditLog.decode(r.after), outcome: r.outcome,
                 requestID: r.requestID, ip: r.ip)
        }, page: paged.page, perPage: paged.perPage, total: paged.total)
    }

    /// Every line about these records of `entity`, newest first (a record's own history page).
    func lines(about entity: String, ids: [String], limit: Int) async throws -> [Line] {
        let rows = try await AuditRecord.query(on: store.db).filter(\.$entity == entity)
            .filter(\.$entityID ~~ ids).sort(\.$at, .descending).limit(limit).all()
        return rows.map { r in
            Line(id: r.id!, at: r.at, actorID: r.actorID, actorName: r.actorName, action: r.action, entity: r.entity,
                 entityID: r.entityID, projectID: r.projectID, summary: r.summary, before: AuditLog.decode(r.before),
                 after: AuditLog.decode(r.after), outcome: r.outcome, requestID: r.requestID, ip: r.ip)
        }
    }

    /// How many lines of `action` came from `ip` since `since` (per-address limits), in the caller's transaction.
    static func count(_ action: String, fromIP ip: String, since: Date, on sql: any SQLDatabase) async throws -> Int {
        struct N: Decodable { var n: Int }
        return try await sql.raw("""
            SELECT COUNT(*) AS n FROM audit_log WHERE action = \(bind: action) AND ip = \(bind: ip) AND at > \(bind: since)
            """).first(decoding: N.self)?.n ?? 0
    }
}
