import EstateCore
import Foundation
import SQLKit

/// 通话记录 as a list: filtered by day, agent, queue, direction and number, newest first.
extension CallService {
    public struct Filter: Sendable, Equatable {
        public var projectID: UUID
        /// Days in China Standard Time, both included.
        public var from: CalendarDay
        public var to: CalendarDay
        public var agentID: UUID?
        public var queue: String?
        public var direction: CallDirection?
        /// A whole number (any spelling) or its last 4 digits.
        public var number: String?

        public init(projectID: UUID, from: CalendarDay, to: CalendarDay, agentID: UUID? = nil, queue: String? = nil,
                    direction: CallDirection? = nil, number: String? = nil) {
            self.projectID = projectID
            self.from = from
            self.to = to
            self.agentID = agentID
            self.queue = queue
            self.direction = direction
            self.number = number
        }
    }

    /// The WHERE clause of a filter: the project's calls and those about no project (the shared
    /// hotline), as the desk reads a person's calls.
    static func condition(_ f: Filter) throws -> SQLQueryString {
        var q: SQLQueryString = """
            (project_id = \(bind: f.projectID) OR project_id IS NULL) AND offered_at >= \(bind: f.from.start) \
            AND offered_at < \(bind: f.to.adding(days: 1).start)
            """
        if let a = f.agentID { q = q + " AND agent_id = \(bind: a)" }
        if let queue = f.queue?.trimmingCharacters(in: .whitespaces), !queue.isEmpty { q = q + " AND queue = \(bind: queue)" }
        if let d = f.direction { q = q + " AND direction = \(bind: d.rawValue)" }
        if let raw = f.number?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            if raw.count == 4, raw.allSatisfy(\.isNumber) {
                q = q + " AND number_suffix = \(bind: raw)"
            } else if let n = CallerNumber.normalized(raw) {
                q = q + " AND number = \(bind: n)"
            } else {
                throw Problem.invalid("number", "call_number_invalid")
            }
        }
        return q
    }

    /// One page of the filtered calls, newest first.
    public func list(_ f: Filter, page: PageRequest) async throws -> Paged<Record> {
        let w = try Self.condition(f)
        struct N: Decodable { var n: Int }
        let total = try await store.sql.raw("SELECT COUNT(*) AS n FROM calls WHERE \(w)").first(decoding: N.self)?.n ?? 0
        let items = try await store.sql.raw("""
            SELECT \(Self.columns) FROM calls WHERE \(w) ORDER BY offered_at DESC, id
            LIMIT \(unsafeRaw: String(page.perPage)) OFFSET \(unsafeRaw: String((page.page - 1) * page.perPage))
            """).all(decoding: Record.self)
        return Paged(items: items, page: page.page, perPage: page.perPage, total: total)
    }

    /// Every filtered call for an export, newest first, at most `limit`.
    public func all(_ f: Filter, limit: Int = 100_000) async throws -> [Record] {
        let w = try Self.condition(f)
        return try await store.sql.raw("""
            SELECT \(Self.columns) FROM calls WHERE \(w) ORDER BY offered_at DESC, id LIMIT \(unsafeRaw: String(limit))
            """).all(decoding: Record.self)
    }

    /// Names of the agents on a page of calls.
    public func agentNames(_ calls: [Record]) async throws -> [UUID: String] {
        try await StaffDirectory.displayNames(calls.compactMap(\.agentID), sql: store.sql)
    }

    /// The queues calls were offered to, for a filter's choices.
    public func queues() async throws -> [String] {
        struct Q: Decodable { var queue: String }
        return try await store.sql.raw("SELECT DISTINCT queue FROM calls ORDER BY queue LIMIT 100").all(decoding: Q.self).map(\.queue)
    }
}
