import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 质检 (issue 16 point 8): the supervisor's weighted QA form per project, reviews of answered calls
/// scored on it (`CallQuality` in EstateCore), the queue of calls not yet reviewed, and each agent's
/// scores. A changed form is a new form (the old one stays with the reviews scored on it); a call is
/// reviewed once (a unique index decides between two reviewers at once); nobody reviews their own call.
public struct CallQualityService: Sendable {
    let store: Store
    let now: @Sendable () -> Date

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    public struct Form: Sendable, Equatable {
        public var id: UUID
        public var projectId: UUID
        public var name: String
        public var items: [QAItem]
        public var active: Bool
        public var createdAt: Date
        public var createdByName: String?
    }

    /// A review with what its pages show beside it: the call's facts, the names, the form's items.
    public struct Review: Sendable, Equatable {
        public var id: UUID
        public var callId: UUID
        public var formId: UUID
        public var agentId: UUID
        public var reviewerId: UUID
        public var marks: [QAMark]
        public var scoreTenths: Int
        public var comment: String
        public var createdAt: Date
        public var items: [QAItem]
        public var callOfferedAt: Date
        public var callNumber: String
        public var callQueue: String
        public var callHandleSeconds: Int
        public var agentName: String?
        public var reviewerName: String?
    }

    /// An agent's reviews over a period: how many and their mean.
    public struct AgentScore: Sendable, Equatable {
        public var agentId: UUID
        public var name: String?
        public var reviews: Int
        public var sumTenths: Int
        public var meanTenths: Int { reviews == 0 ? 0 : (sumTenths * 2 + reviews) / (2 * reviews) }
    }

    struct FormRow: Decodable {
        var id: UUID; var projectId: UUID; var name: String; var items: String; var active: Bool; var createdBy: UUID?; var createdAt: Date
    }

    static func decodeItems(_ json: String) -> [QAItem] { (try? JSONDecoder().decode([QAItem].self, from: Data(json.utf8))) ?? [] }
    static func encode<T: Encodable>(_ value: T) -> String { String(decoding: (try? JSONEncoder().encode(value)) ?? Data("[]".utf8), as: UTF8.self) }

    // MARK: Forms

    /// The form reviews are scored on now; nil before the supervisor has defined one.
    public func activeForm(_ projectID: UUID) async throws -> Form? {
        try await forms(projectID, activeOnly: true).first
    }

    /// The project's forms, newest first (the active one and those reviews were scored on before).
    public func forms(_ projectID: UUID, activeOnly: Bool = false) async throws -> [Form] {
        let only: SQLQueryString = activeOnly ? " AND active = \(SQLLiteral.boolean(true))" : ""
        let rows = try await store.sql.raw("""
            SELECT id, project_id, name, items, active, created_by, created_at FROM qa_forms
            WHERE project_id = \(bind: projectID)\(only)
            ORDER BY created_at DESC
            """).all(decoding: FormRow.self, with: decoder)
        let names = try await StaffDirectory.displayNames(rows.compactMap(\.createdBy), sql: store.sql)
        return rows.map { Form(id: $0.id, projectId: $0.projectId, name: $0.name, items: Self.decodeItems($0.items), active: $0.active,
                               createdAt: $0.createdAt, createdByName: $0.createdBy.flatMap { names[$0] }) }
    }

    /// A new form for the project; it replaces the active one (reviews already made keep theirs).
    /// Refused with each item's problem (`items.2.weight` …) and nothing written.
    public func createForm(_ projectID: UUID, name: String, items: [QAItem], by principal: Principal, context: AuditContext) async throws -> Form {
        let name = name.trimmingCharacters(in: .whitespaces)
        var bad: [Problem.FieldError] = []
        if name.isEmpty || name.count > CallQuality.titleMax || name.contains(where: \.isNewline) { bad.append(.init(field: "name", code: "qa_form_name_invalid")) }
        for (index, problem) in CallQuality.check(items) {
            let field = switch problem {
            case .titleInvalid, .titleRepeated: "items.\(index ?? 0).title"
            case .weightInvalid: "items.\(index ?? 0).weight"
            default: "items"
            }
            bad.append(.init(field: field, code: problem.rawValue, arguments: ["max": "\(CallQuality.maxItems)"]))
        }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let clean = items.map { QAItem(title: $0.title.trimmingCharacters(in: .whitespaces), weight: $0.weight, critical: $0.critical) }
        let id = UUID(), at = now()
        try await store.audited(context) { tx in
            try await tx.sql.raw("""
                UPDATE qa_forms SET active = \(SQLLiteral.boolean(false)) WHERE project_id = \(bind: projectID) AND active = \(SQLLiteral.boolean(true))
                """).run()
            try await tx.sql.insert(into: "qa_forms").columns("id", "project_id", "name", "items", "active", "created_by", "created_at")
                .values(SQLBind(id), SQLBind(projectID), SQLBind(name), SQLBind(Self.encode(clean)), SQLLiteral.boolean(true),
                        SQLBind(principal.userID), SQLBind(at)).run()
            return ((), AuditEntry(action: "qa_form.create", entity: "qa_form", entityID: id.uuidString, projectID: projectID,
                                   summary: "QA form \(name): " + clean.map { "\($0.title) \($0.weight)\($0.critical ? "!" : "")" }.joined(separator: ", "),
                                   after: ["name": name, "items": "\(clean.count)"]))
        }
        guard let form = try await forms(projectID).first(where: { $0.id == id }) else { throw Problem.notFound }
        return form
    }

    // MARK: Reviews

    /// Scores an answered call of the project (or of no project) on the active form. Refused: no form yet
    /// (409 `qa_no_form`), a call not answered or without an agent (409 `qa_call_not_reviewable`), the
    /// reviewer's own call (403 `qa_own_call`), marks not one per item (422), a call already reviewed
    /// (409 `qa_already_reviewed`, also when another reviewer's review commits first).
    public func review(call callID: UUID, in projectID: UUID, marks: [QAMark], comment: String, by principal: Principal,
                       context: AuditContext) async throws -> Review {
        guard let form = try await activeForm(projectID) else { throw Problem.conflict("qa_no_form") }
        struct C: Decodable { var projectId: UUID?; var agentId: UUID?; var answeredAt: Date? }
        guard let call = try await store.sql.raw("SELECT project_id, agent_id, answered_at FROM calls WHERE id = \(bind: callID)")
            .first(decoding: C.self, with: decoder), call.projectId == nil || call.projectId == projectID
        else { throw Problem.notFound }
        guard let agentID = call.agentId, call.answeredAt != nil else { throw Problem.conflict("qa_call_not_reviewable") }
        guard agentID != principal.userID else { throw Problem(.forbidden, "qa_own_call") }
        let comment = comment.trimmingCharacters(in: .whitespacesAndNewlines)
        if comment.count > CallQuality.commentMax || comment.contains("\u{0}") {
            throw Problem.invalid([.init(field: "comment", code: "too_long", arguments: ["limit": "\(CallQuality.commentMax)"])])
        }
        let score: Int
        do { score = try CallQuality.scoreTenths(form.items, marks: marks) } catch { throw Problem.invalid("marks", error.rawValue) }
        let id = UUID(), at = now()
        do {
            try await store.audited(context) { tx in
                try await tx.sql.insert(into: "qa_reviews").columns("id", "project_id", "call_id", "form_id", "agent_id", "reviewer_id", "marks",
                                                                    "score_tenths", "comment", "created_at")
                    .values(SQLBind(id), SQLBind(projectID), SQLBind(callID), SQLBind(form.id), SQLBind(agentID), SQLBind(principal.userID),
                            SQLBind(Self.encode(marks)), SQLBind(score), SQLBind(comment), SQLBind(at)).run()
                return ((), AuditEntry(action: "qa.review", entity: "call", entityID: callID.uuidString, projectID: projectID,
                                       summary: "QA \(CallQuality.format(tenths: score)) on form \(form.name)",
                                       after: ["score": CallQuality.format(tenths: score), "form": form.name]))
            }
        } catch where error.isConstraintFailure {
            throw Problem.conflict("qa_already_reviewed")
        }
        guard let review = try await reviews(projectID, ids: [id]).first else { throw Problem.notFound }
        return review
    }

    struct ReviewRow: Decodable {
        var id: UUID; var callId: UUID; var formId: UUID; var agentId: UUID; var reviewerId: UUID; var marks: String
        var scoreTenths: Int; var comment: String; var createdAt: Date; var items: String
        var offeredAt: Date; var number: String; var queue: String; var talkSeconds: Int; var holdSeconds: Int; var wrapSeconds: Int
    }

    /// Reviews of the project, newest first: of one agent, in a period (by the review's day in Beijing time), or by id.
    public func reviews(_ projectID: UUID, agent: UUID? = nil, from: CalendarDay? = nil, to: CalendarDay? = nil, ids: [UUID]? = nil,
                        limit: Int = 200) async throws -> [Review] {
        var conditions: [SQLQueryString] = ["r.project_id = \(bind: projectID)"]
        if let agent { conditions.append("r.agent_id = \(bind: agent)") }
        if let from { conditions.append("r.created_at >= \(bind: from.start)") }
        if let to { conditions.append("r.created_at < \(bind: to.adding(days: 1).start)") }
        if let ids { conditions.append(ids.isEmpty ? "1 = 0" : "r.id IN (\(SQLList(ids.map { SQLBind($0) })))") }
        let rows = try await store.sql.raw("""
            SELECT r.id, r.call_id, r.form_id, r.agent_id, r.reviewer_id, r.marks, r.score_tenths, r.comment, r.created_at, f.items,
                   c.offered_at, c.number, c.queue, c.talk_seconds, c.hold_seconds, c.wrap_seconds
            FROM qa_reviews r JOIN qa_forms f ON f.id = r.form_id JOIN calls c ON c.id = r.call_id
            WHERE \(SQLList(conditions, separator: SQLRaw(" AND ")))
            ORDER BY r.created_at DESC, r.id LIMIT \(unsafeRaw: String(max(1, min(limit, 1_000))))
            """).all(decoding: ReviewRow.self, with: decoder)
        let names = try await StaffDirectory.displayNames(rows.flatMap { [$0.agentId, $0.reviewerId] }, sql: store.sql)
        return rows.map { r in
            let marks = (try? JSONDecoder().decode([QAMark].self, from: Data(r.marks.utf8))) ?? []
            return Review(id: r.id, callId: r.callId, formId: r.formId, agentId: r.agentId, reviewerId: r.reviewerId, marks: marks,
                          scoreTenths: r.scoreTenths, comment: r.comment, createdAt: r.createdAt, items: Self.decodeItems(r.items),
                          callOfferedAt: r.offeredAt, callNumber: r.number, callQueue: r.queue,
                          callHandleSeconds: r.talkSeconds + r.holdSeconds + r.wrapSeconds,
                          agentName: names[r.agentId], reviewerName: names[r.reviewerId])
        }
    }

    /// The review of a call, if it has one.
    public func review(ofCall callID: UUID, in projectID: UUID) async throws -> Review? {
        struct I: Decodable { var id: UUID }
        guard let id = try await store.sql.raw("SELECT id FROM qa_reviews WHERE call_id = \(bind: callID) AND project_id = \(bind: projectID)")
            .first(decoding: I.self)?.id else { return nil }
        return try await reviews(projectID, ids: [id]).first
    }

    /// Answered calls of the project (or of no project) with an agent and no review, newest first, offered
    /// since `since`: what the reviewer picks from.
    public func queue(_ projectID: UUID, since: Date, limit: Int = 50) async throws -> [CallService.Record] {
        try await store.sql.raw("""
            SELECT c.* FROM calls c
            WHERE (c.project_id = \(bind: projectID) OR c.project_id IS NULL) AND c.answered_at IS NOT NULL AND c.agent_id IS NOT NULL
              AND c.offered_at >= \(bind: since)
              AND NOT EXISTS (SELECT 1 FROM qa_reviews r WHERE r.call_id = c.id)
            ORDER BY c.offered_at DESC LIMIT \(unsafeRaw: String(max(1, min(limit, 500))))
            """).all(decoding: CallService.Record.self)
    }

    /// Each agent's reviews in a period (by review day), best mean first.
    public func scores(_ projectID: UUID, from: CalendarDay, to: CalendarDay) async throws -> [AgentScore] {
        struct R: Decodable { var agentId: UUID; var n: Int; var total: Int }
        let rows = try await store.sql.raw("""
            SELECT agent_id, CAST(COUNT(*) AS BIGINT) AS n, CAST(SUM(score_tenths) AS BIGINT) AS total FROM qa_reviews
            WHERE project_id = \(bind: projectID) AND created_at >= \(bind: from.start) AND created_at < \(bind: to.adding(days: 1).start)
            GROUP BY agent_id
            """).all(decoding: R.self, with: decoder)
        let names = try await StaffDirectory.displayNames(rows.map(\.agentId), sql: store.sql)
        return rows.map { AgentScore(agentId: $0.agentId, name: names[$0.agentId], reviews: $0.n, sumTenths: $0.total) }
            .sorted { ($1.meanTenths, $0.name ?? "") < ($0.meanTenths, $1.name ?? "") }
    }
}

extension AppServices {
    public func callQuality(_ db: any Database) -> CallQualityService { CallQualityService(store: store(db), now: now) }
}
