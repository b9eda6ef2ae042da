import EstateCore
import FluentKit
import Foundation
import SQLKit

/// The call log (通话记录): every inbound and outbound call, linked to the person by their
/// normalised number and to the work order it created. Other parts of the call centre (the desk,
/// the telephony events, CDR imports, staffing forecasts, KPIs) write and read calls here.
public struct CallService: Sendable {
    let store: Store
    let now: @Sendable () -> Date

    /// A call as the desk, the telephony system or an import describes it.
    public struct Draft: Sendable {
        public var direction: CallDirection
        /// As typed or received; normalised on the way in.
        public var number: String
        public var projectID: UUID?
        public var queue: String
        public var agentID: UUID?
        public var timing: CallTiming
        public var category: String?
        public var outcome: CallOutcome?
        public var note: String
        public var ticketID: UUID?
        /// 1 (very dissatisfied) … 5 (very satisfied), from the post-call survey.
        public var satisfaction: Int?
        public var externalID: String?
        public var source: CallSource

        public init(direction: CallDirection, number: String, projectID: UUID? = nil, queue: String = CallService.defaultQueue,
                    agentID: UUID? = nil, timing: CallTiming, category: String? = nil, outcome: CallOutcome? = nil, note: String = "",
                    ticketID: UUID? = nil, satisfaction: Int? = nil, externalID: String? = nil, source: CallSource) {
            self.direction = direction
            self.number = number
            self.projectID = projectID
            self.queue = queue
            self.agentID = agentID
            self.timing = timing
            self.category = category
            self.outcome = outcome
            self.note = note
            self.ticketID = ticketID
            self.satisfaction = satisfaction
            self.externalID = externalID
            self.source = source
        }
    }

    /// 热线: the queue of a call nobody routed elsewhere.
    public static let defaultQueue = "hotline"

    /// One stored call.
    public struct Record: Sendable, Decodable, Equatable {
        public var id: UUID
        public var externalID: String?
        public var projectID: UUID?
        public var direction: String
        public var number: String
        public var queue: String
        public var agentID: UUID?
        public var offeredAt: Date
        public var answeredAt: Date?
        public var endedAt: Date?
        public var waitSeconds: Int
        public var talkSeconds: Int
        public var holdSeconds: Int
        public var wrapSeconds: Int
        public var abandoned: Bool
        public var category: String?
        public var outcome: String?
        public var note: String
        public var ticketID: UUID?
        public var satisfaction: Int?
        public var source: String
        public var createdAt: Date

        enum CodingKeys: String, CodingKey {
            case id, direction, number, queue, abandoned, category, outcome, note, satisfaction, source
            case externalID = "external_id", projectID = "project_id", agentID = "agent_id", offeredAt = "offered_at"
            case answeredAt = "answered_at", endedAt = "ended_at", waitSeconds = "wait_seconds", talkSeconds = "talk_seconds"
            case holdSeconds = "hold_seconds", wrapSeconds = "wrap_seconds", ticketID = "ticket_id", createdAt = "created_at"
        }

        public var handleSeconds: Int { talkSeconds + holdSeconds + wrapSeconds }
    }

    static let columns: SQLQueryString = """
        id, external_id, project_id, direction, number, queue, agent_id, offered_at, answered_at, ended_at, wait_seconds, \
        talk_seconds, hold_seconds, wrap_seconds, abandoned, category, outcome, note, ticket_id, satisfaction, source, created_at
        """

    /// Logs one call and its audit line in one transaction.
    public func log(_ draft: Draft, context: AuditContext) async throws -> Record {
        let checked = try Self.checked(draft)
        let id = UUID(), at = now()
        try await store.audited(context) { tx in
            try await Self.insert(checked, id: id, at: at, by: context.actorID, on: tx as! any SQLDatabase)
            return ((), AuditEntry(action: "call.log", entity: "call", entityID: id.uuidString, projectID: checked.projectID,
                                   summary: "\(checked.direction.rawValue) call \(CallerNumber.masked(checked.number))",
                                   after: ["direction": checked.direction.rawValue, "queue": checked.queue,
                                           "outcome": checked.outcome?.rawValue ?? ""]))
        }
        guard let record = try await record(id) else { throw Problem.notFound }
        return record
    }

    /// The draft with its number normalised, or the fields that are wrong.
    static func checked(_ draft: Draft) throws -> Draft {
        var d = draft
        var fields: [Problem.FieldError] = []
        if let n = CallerNumber.normalized(draft.number) { d.number = n } else { fields.append(.init(field: "number", code: "call_number_invalid")) }
        d.queue = draft.queue.trimmingCharacters(in: .whitespacesAndNewlines)
        if d.queue.isEmpty || d.queue.count > 40 { fields.append(.init(field: "queue", code: "call_queue_invalid")) }
        if let s = draft.satisfaction, !(1...5).contains(s) { fields.append(.init(field: "satisfaction", code: "call_satisfaction_invalid")) }
        if draft.note.count > 2000 { fields.append(.init(field: "note", code: "too_long", arguments: ["limit": "2000"])) }
        if let c = draft.category, c.count > 40 { fields.append(.init(field: "category", code: "too_long", arguments: ["limit": "40"])) }
        if let e = draft.externalID, e.isEmpty || e.count > 120 { fields.append(.init(field: "externalID", code: "call_external_id_invalid")) }
        guard fields.isEmpty else { throw Problem.invalid(fields) }
        return d
    }

    /// Inserts a checked call inside the caller's transaction (event assembly and imports write
    /// many calls and their own audit line).
    static func insert(_ d: Draft, id: UUID, at: Date, by actorID: UUID?, on sql: any SQLDatabase) async throws {
        let t = d.timing
        try await sql.insert(into: "calls")
            .columns("id", "external_id", "project_id", "direction", "number", "number_suffix", "queue", "agent_id", "offered_at",
                     "answered_at", "ended_at", "wait_seconds", "talk_seconds", "hold_seconds", "wrap_seconds", "abandoned",
                     "category", "outcome", "note", "ticket_id", "satisfaction", "source", "created_at", "created_by")
            .values(SQLBind(id), SQLBind(d.externalID), SQLBind(d.projectID), SQLBind(d.direction.rawValue), SQLBind(d.number),
                    SQLBind(String(d.number.suffix(4))), SQLBind(d.queue), SQLBind(d.agentID), SQLBind(t.offeredAt),
                    SQLBind(t.answeredAt), SQLBind(t.endedAt), SQLBind(t.waitSeconds), SQLBind(t.talkSeconds), SQLBind(t.holdSeconds),
                    SQLBind(t.wrapSeconds), SQLBind(t.abandoned), SQLBind(d.category), SQLBind(d.outcome?.rawValue), SQLBind(d.note),
                    SQLBind(d.ticketID), SQLBind(d.satisfaction), SQLBind(d.source.rawValue), SQLBind(at), SQLBind(actorID))
            .run()
    }

    public func record(_ id: UUID) async throws -> Record? {
        try await store.sql.raw("SELECT \(Self.columns) FROM calls WHERE id = \(bind: id)").first(decoding: Record.self)
    }

    /// A person's latest calls, newest first: `number` in any form a person types it. `projects`
    /// limits them to calls about those projects (and calls about no project); nil: every call.
    public func recent(number: String, projects: [UUID]?, limit: Int = 20) async throws -> [Record] {
        guard let n = CallerNumber.normalized(number) else { return [] }
        let scope: SQLQueryString = projects.map { ids in
            ids.isEmpty ? "AND project_id IS NULL" : "AND (project_id IS NULL OR project_id IN \(SQLBind.group(ids)))"
        } ?? ""
        return try await store.sql.raw("""
            SELECT \(Self.columns) FROM calls WHERE number = \(bind: n) \(scope)
            ORDER BY offered_at DESC, id LIMIT \(unsafeRaw: String(max(1, min(limit, 500))))
            """).all(decoding: Record.self)
    }

    /// One offered call of the history, as forecasts and KPIs need it.
    public struct Offered: Sendable, Decodable, Equatable {
        public var offeredAt: Date
        public var abandoned: Bool
        public var waitSeconds: Int
        public var handleSeconds: Int
        enum CodingKeys: String, CodingKey {
            case abandoned, offeredAt = "offered_at", waitSeconds = "wait_seconds", handleSeconds = "handle_seconds"
        }
    }

    /// Inbound calls offered in [from, to), oldest first; `queue` nil: every queue.
    public func offered(from: Date, to: Date, queue: String? = nil) async throws -> [Offered] {
        let q: SQLQueryString = queue.map { "AND queue = \(bind: $0)" } ?? ""
        return try await store.sql.raw("""
            SELECT offered_at, abandoned, wait_seconds, talk_seconds + hold_seconds + wrap_seconds AS handle_seconds FROM calls
            WHERE direction = 'inbound' AND offered_at >= \(bind: from) AND offered_at < \(bind: to) \(q)
            ORDER BY offered_at
            """).all(decoding: Offered.self)
    }
}

extension CallTiming.Failure {
    /// The problem a form or API answers with for bad call times.
    var problem: Problem {
        switch self {
        case .outOfOrder: Problem.invalid("answeredAt", "call_times_out_of_order")
        case .badDuration: Problem.invalid("holdSeconds", "call_duration_invalid")
        }
    }
}
