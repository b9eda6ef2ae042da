import EstateCore
import FluentKit
import Foundation
import SQLKit

/// One approval (审批) as lists and pages show it.
public struct ApprovalRow: Sendable, Decodable, Equatable {
    public var id: UUID
    public var projectID: UUID
    public var kind: ApprovalKind
    public var subjectType: String
    public var subjectID: UUID?
    public var title: String
    public var amountFen: Int64?
    public var permyriad: Int?
    public var payload: String
    public var requiredRole: Role
    public var status: ApprovalStatus
    public var requestedBy: UUID?
    public var requestedByName: String
    public var requestedAt: Date
    public var reason: String
    public var decidedBy: UUID?
    public var decidedByName: String?
    public var decidedAt: Date?
    public var comment: String?

    enum CodingKeys: String, CodingKey {
        case id, kind, title, permyriad, payload, status, reason, comment
        case projectID = "project_id", subjectType = "subject_type", subjectID = "subject_id", amountFen = "amount_fen"
        case requiredRole = "required_role", requestedBy = "requested_by", requestedByName = "requested_by_name"
        case requestedAt = "requested_at", decidedBy = "decided_by", decidedByName = "decided_by_name", decidedAt = "decided_at"
    }

    static let columns = ["id", "project_id", "kind", "subject_type", "subject_id", "title", "amount_fen", "permyriad", "payload",
                          "required_role", "status", "requested_by", "requested_by_name", "requested_at", "reason",
                          "decided_by", "decided_by_name", "decided_at", "comment"]

    public var amount: Money? { amountFen.map(Money.init(fen:)) }
}

/// What deciding an approval does to the thing it guards, inside the deciding
/// transaction: extra audit lines, and work to run once it has committed.
public struct ApprovalEffect: Sendable {
    public var entries: [AuditEntry] = []
    public var afterCommit: (@Sendable () -> Void)?
    public init(entries: [AuditEntry] = [], afterCommit: (@Sendable () -> Void)? = nil) {
        self.entries = entries; self.afterCommit = afterCommit
    }
}

/// Applies (or, on rejection, releases) what an approval of one kind guards.
public typealias ApprovalApplier = @Sendable (_ approval: ApprovalRow, _ approved: Bool, _ tx: any Database,
                                               _ context: AuditContext, _ now: Date) async throws -> ApprovalEffect

/// The generic approval mechanism: a request names a kind, an amount or rate, and
/// the role with authority (from `ApprovalPolicy`); someone holding that role on the
/// project (or the GM) approves or rejects it with a comment; the kind's applier
/// runs in the same transaction, and both are audited. Later capabilities (refunds,
/// renames, procurement) add kinds and appliers; nothing here changes.
public struct ApprovalService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let appliers: [ApprovalKind: ApprovalApplier]

    public struct NewRequest: Sendable {
        public var kind: ApprovalKind
        public var projectID: UUID
        public var subjectType: String
        public var subjectID: UUID?
        public var title: String
        public var amount: Money?
        public var permyriad: Int?
        public var payload: String
        public var requiredRole: Role
        public var reason: String
    }

    /// Files a request inside the caller's transaction (the caller's audit line records it).
    static func file(_ r: NewRequest, context: AuditContext, now: Date, on tx: any Database) async throws -> UUID {
        let id = UUID()
        try await tx.sql.insert(into: "approvals").columns(ApprovalRow.columns.filter { !["decided_by", "decided_by_name", "decided_at", "comment"].contains($0) })
            .values(SQLBind(id), SQLBind(r.projectID), SQLBind(r.kind.rawValue), SQLBind(r.subjectType), SQLBind(r.subjectID),
                    SQLBind(r.title), SQLBind(r.amount?.fen), SQLBind(r.permyriad), SQLBind(r.payload),
                    SQLBind(r.requiredRole.rawValue), SQLBind(ApprovalStatus.pending.rawValue), SQLBind(context.actorID),
                    SQLBind(context.actorName), SQLBind(now), SQLBind(r.reason)).run()
        return id
    }

    /// One approval the user may read (`visible(to:)`); any other answers 404, so its existence is not revealed.
    public func find(_ id: UUID, for principal: Principal) async throws -> ApprovalRow {
        guard let row = try await store.sql.select().columns(ApprovalRow.columns.map { SQLColumn($0) }).from("approvals")
            .where("id", .equal, id).where(Self.visible(to: principal)).first(decoding: ApprovalRow.self),
            principal.canSee(project: row.projectID)
        else { throw Problem.notFound }
        return row
    }

    /// The approvals `principal` may decide by role, as the inbox routes them (`ApprovalPolicy.mayDecide`
    /// before its four-eyes rule): a company-wide GM every one, a GM on a project every one there,
    /// any other role those routed to it on its projects (everywhere when granted company-wide).
    static func decidable(by principal: Principal) -> any SQLExpression {
        if principal.companyRoles.contains(.gm) { return SQLLiteral.boolean(true) }
        return anyOf(principal.grants.map { g -> any SQLExpression in
            let roleMatch: any SQLExpression = g.role == .gm
                ? SQLLiteral.boolean(true) : SQLBinaryExpression(SQLColumn("required_role"), .equal, SQLBind(g.role.rawValue))
            guard let project = g.projectID else { return roleMatch }
            return SQLBinaryExpression(SQLBinaryExpression(SQLColumn("project_id"), .equal, SQLBind(project)), .and, roleMatch)
        })
    }

    /// Who may read an approval (issue 13): its requester, whoever may decide it, and the roles that
    /// may view its subject on its project (`ApprovalKind.subjectViewAction`). One SQL condition, so
    /// lists filter and count on it in the database and `find` answers 404 for everything else.
    static func visible(to principal: Principal) -> any SQLExpression {
        var any: [any SQLExpression] = [SQLBinaryExpression(SQLColumn("requested_by"), .equal, SQLBind(principal.userID)),
                                        decidable(by: principal)]
        let byAction = Dictionary(grouping: ApprovalKind.allCases, by: \.subjectViewAction)
        for (action, kinds) in byAction.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let kindMatch = SQLBinaryExpression(SQLColumn("kind"), .in, SQLBind.group(kinds.map(\.rawValue)))
            guard let projects = principal.projects(where: action) else { any.append(kindMatch); continue }
            guard !projects.isEmpty else { continue }
            any.append(SQLBinaryExpression(SQLBinaryExpression(SQLColumn("project_id"), .in, SQLBind.group(Array(projects))), .and, kindMatch))
        }
        return anyOf(any)
    }

    /// `a OR b OR …` in parentheses; false when there is nothing to match.
    static func anyOf(_ conditions: [any SQLExpression]) -> any SQLExpression {
        guard let first = conditions.first else { return SQLLiteral.boolean(false) }
        return SQLGroupExpression(conditions.dropFirst().reduce(first) { SQLBinaryExpression($0, .or, $1) })
    }

    public enum Box: String, Sendable, CaseIterable {
        /// Pending approvals this user may decide.
        case inbox
        /// Requests this user filed.
        case mine
        /// Everything the user may read on the projects they see (`visible(to:)`).
        case all
    }

    /// The inbox's condition: pending, routed to a role `principal` holds (a company-wide GM decides
    /// everything), and not their own request (the company-wide GM's box also holds those nobody requested).
    static func waiting(_ q: SQLSelectBuilder, for principal: Principal) -> SQLSelectBuilder {
        let q = q.where("status", .equal, ApprovalStatus.pending.rawValue).where(decidable(by: principal))
        guard principal.companyRoles.contains(.gm) else { return q.where("requested_by", .notEqual, principal.userID) }
        return q.where(SQLBinaryExpression(SQLBinaryExpression(SQLColumn("requested_by"), .notEqual, SQLBind(principal.userID)),
                                           .or, SQLBinaryExpression(SQLColumn("requested_by"), .is, SQLLiteral.null)))
    }

    /// How many pending approvals `principal` may decide (the inbox's total), in one query.
    public func waitingCount(for principal: Principal) async throws -> Int {
        var q = store.sql.select().from("approvals")
        if let visible = principal.visibleProjectIDs {
            if visible.isEmpty { return 0 }
            q = q.where("project_id", .in, Array(visible))
        }
        q = Self.waiting(q, for: principal)
        struct N: Decodable { var n: Int }
        return try await q.where(Self.visible(to: principal)).column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .first(decoding: N.self)?.n ?? 0
    }

    public func list(_ box: Box, projectID: UUID?, status: ApprovalStatus?, for principal: Principal,
                     page: PageRequest) async throws -> Paged<ApprovalRow> {
        var q = store.sql.select().from("approvals")
        if let projectID {
            guard principal.canSee(project: projectID) else { throw Problem.notFound }
            q = q.where("project_id", .equal, projectID)
        } else if let visible = principal.visibleProjectIDs {
            if visible.isEmpty { return Paged(items: [], page: page.page, perPage: page.perPage, total: 0) }
            q = q.where("project_id", .in, Array(visible))
        }
        switch box {
        case .inbox:
            q = Self.waiting(q, for: principal)
        case .mine:
            q = q.where("requested_by", .equal, principal.userID)
        case .all:
            break
        }
        // Every box: only what the user may read, in the query itself so the count and the pages agree.
        q = q.where(Self.visible(to: principal))
        if let status { q = q.where("status", .equal, status.rawValue) }
        struct N: Decodable { var n: Int }
        let countQuery = q.column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
        let total = try await countQuery.first(decoding: N.self)?.n ?? 0
        // A fresh builder for the rows (the count added a column).
        let rowsQuery = store.sql.select().columns(ApprovalRow.columns.map { SQLColumn($0) }).from("approvals")
        rowsQuery.select.predicate = countQuery.select.predicate
        // The id breaks ties (requests filed in one instant), so pages neither repeat nor skip a row.
        let rows = try await rowsQuery.orderBy("requested_at", .descending).orderBy("id", .descending)
            .limit(page.perPage).offset((page.page - 1) * page.perPage).all(decoding: ApprovalRow.self)
        return Paged(items: rows, page: page.page, perPage: page.perPage, total: total)
    }

    /// Approves or rejects a pending approval. The decision is a conditional update
    /// (`WHERE status = 'pending'`): two deciders racing get one decision and one 409.
    public func decide(_ id: UUID, approve: Bool, comment: String, by principal: Principal,
                       context: AuditContext) async throws -> ApprovalRow {
        let current = try await find(id, for: principal)
        let comment = comment.trimmed
        if !approve, comment.isEmpty { throw Problem.invalid("comment", "reason_required") }
        if !comment.isEmpty, !Text.isCleanLine(comment, maxLength: 500) { throw Problem.invalid("comment", "text_invalid") }
        guard ApprovalPolicy.mayDecide(roles: principal.roles(on: current.projectID), required: current.requiredRole,
                                       isRequester: current.requestedBy == principal.userID) else {
            throw Problem(.forbidden, current.requestedBy == principal.userID ? "approval_own_request" : "approval_not_authorised",
                          arguments: ["role": current.requiredRole.rawValue])
        }
        let now = now()
        let status: ApprovalStatus = approve ? .approved : .rejected
        let applier = appliers[current.kind]
        let after = try await store.audited(context) { tx -> ((@Sendable () -> Void)?, AuditEntry) in
            let updated = try await tx.sql.update("approvals").set("status", to: status.rawValue)
                .set("decided_by", to: principal.userID).set("decided_by_name", to: principal.displayName)
                .set("decided_at", to: now).set("comment", to: comment)
                .where("id", .equal, id).where("status", .equal, ApprovalStatus.pending.rawValue).returning("id").all()
            guard !updated.isEmpty else { throw Problem.conflict("approval_already_decided") }
            var decided = current
            decided.status = status
            let effect = try await applier?(decided, approve, tx, context, now) ?? ApprovalEffect()
            for e in effect.entries { try await AuditLog.record(e, context: context, on: tx) }
            return (effect.afterCommit,
                    AuditEntry(action: approve ? "approval.approve" : "approval.reject", entity: "approval",
                               entityID: id.uuidString, projectID: current.projectID,
                               summary: "\(approve ? "approved" : "rejected") \(current.kind.rawValue): \(current.title)",
                               before: ["status": "pending"], after: ["status": status.rawValue, "comment": comment]))
        }
        after?()
        return try await find(id, for: principal)
    }

    /// The requester takes back a pending request.
    public func withdraw(_ id: UUID, by principal: Principal, context: AuditContext) async throws -> ApprovalRow {
        let current = try await find(id, for: principal)
        guard current.requestedBy == principal.userID else { throw Problem(.forbidden, "approval_not_requester") }
        let now = now()
        let applier = appliers[current.kind]
        let after = try await store.audited(context) { tx -> ((@Sendable () -> Void)?, AuditEntry) in
            let updated = try await tx.sql.update("approvals").set("status", to: ApprovalStatus.withdrawn.rawValue)
                .set("decided_at", to: now).where("id", .equal, id)
                .where("status", .equal, ApprovalStatus.pending.rawValue).returning("id").all()
            guard !updated.isEmpty else { throw Problem.conflict("approval_already_decided") }
            var row = current
            row.status = .withdrawn
            let effect = try await applier?(row, false, tx, context, now) ?? ApprovalEffect()
            for e in effect.entries { try await AuditLog.record(e, context: context, on: tx) }
            return (effect.afterCommit, AuditEntry(action: "approval.withdraw", entity: "approval", entityID: id.uuidString,
                                                   projectID: current.projectID, summary: "withdrew \(current.kind.rawValue): \(current.title)",
                                                   before: ["status": "pending"], after: ["status": "withdrawn"]))
        }
        after?()
        return try await find(id, for: principal)
    }
}

/// What other capabilities ask of `approvals` (issue 14), in the caller's connection or transaction.
extension ApprovalService {
    struct Request: Decodable, Sendable { var kind: String; var status: String; var subject_id: UUID?; var payload: String; var project_id: UUID }

    /// One request's kind, status, subject and payload.
    static func request(_ id: UUID, sql: any SQLDatabase) async throws -> Request? {
        try await sql.select().columns("kind", "status", "subject_id", "payload", "project_id").from("approvals")
            .where("id", .equal, id).first(decoding: Request.self)
    }

    /// The amounts of requests of `kind` on a subject, pending or approved, in fen.
    static func requestedFen(_ kind: ApprovalKind, subject: UUID, sql: any SQLDatabase) async throws -> Int64 {
        struct N: Decodable { var n: Int64? }
        return try await sql.raw("""
            SELECT CAST(SUM(amount_fen) AS BIGINT) AS n FROM approvals WHERE kind = \(bind: kind.rawValue) AND subject_id = \(bind: subject)
              AND status IN ('pending', 'approved')
            """).first(decoding: N.self)?.n ?? 0
    }
}
