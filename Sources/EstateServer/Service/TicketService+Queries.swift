import Crypto
import EstateCore
import FluentKit
import Foundation
import SQLKit

extension TicketService {
    // MARK: - Lists

    public enum Queue: String, Sendable, CaseIterable { case all, mine, callback, breached }

    public struct Filter: Sendable {
        public var queue: Queue = .all
        public var status: TicketStatus?
        public var kind: TicketKind?
        public var severity: TicketSeverity?
        public var query: String?
        public init() {}
    }

    /// Breached tickets first, then by the deadline that runs; closed ones last, newest first.
    /// A full mobile in `query` is an exact look-up (`ExactLookups`, needs `context`): logged,
    /// limited, and matched only where the searcher may see the full contact mobile (a role that
    /// may reveal personal data, or the assignee), as the ticket page shows it.
    public func list(_ projectID: UUID, _ f: Filter, for principal: Principal, context: AuditContext? = nil,
                     page: PageRequest) async throws -> Paged<Ticket> {
        let now = now()
        var conditions: [SQLQueryString] = ["t.project_id = \(bind: projectID)"]
        switch f.queue {
        case .all: break
        case .mine: conditions.append("t.assignee_id = \(bind: principal.userID)")
        case .callback:
            conditions.append("t.status IN ('resolved', 'callback') AND t.kind IN ('complaint', 'repair', 'emergency_repair')")
        case .breached:
            conditions.append("""
                t.status IN ('new', 'assigned', 'in_progress') AND (t.resolve_due_at < \(bind: now) OR (t.responded_at IS NULL AND t.response_due_at < \(bind: now)))
                """)
        }
        if let s = f.status { conditions.append("t.status = \(bind: s.rawValue)") }
        if let k = f.kind { conditions.append("t.kind = \(bind: k.rawValue)") }
        if let s = f.severity { conditions.append("t.severity = \(bind: s.rawValue)") }
        var exact: AuditContext?
        if let q = f.query?.trimmingCharacters(in: .whitespaces), !q.isEmpty {
            let like = "%\(q.lowercased().replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: ""))%"
            var mobile: SQLQueryString = ""
            if let m = MobileNumber.normalized(q), let context {
                exact = context
                mobile = principal.may(.personalDataReveal, on: projectID) ? " OR t.contact_mobile = \(bind: m)"
                    : " OR (t.contact_mobile = \(bind: m) AND t.assignee_id = \(bind: principal.userID))"
            }
            let units = InventoryService.unitIDs(codeLike: like, in: projectID)
            conditions.append("""
                (LOWER(t.number) LIKE \(bind: like) OR LOWER(t.title) LIKE \(bind: like) OR LOWER(t.contact_name) LIKE \(bind: like)\(mobile) \
                OR t.unit_id IN (\(units)))
                """)
        }
        var clause: SQLQueryString = ""
        for (i, c) in conditions.enumerated() { clause = i == 0 ? c : "\(clause) AND \(c)" }
        let query = clause
        guard let exact else { return try await list(query, now: now, page: page, on: store.sql) }
        return try await ExactLookups(store: store, now: self.now, perHour: exactSearchesPerHour, gate: exactLookupGate).run(.mobile, on: projectID, context: exact, where: "tickets") { sql in
            let result = try await list(query, now: now, page: page, on: sql)
            return (result, result.total)
        }
    }

    /// Whose open work a 工作台 card counts (DOMAIN §4).
    public enum WorkScope: Sendable {
        /// Every open ticket of the project: those who manage the desk.
        case project
        /// Open tickets assigned to the user, and new ones nobody has taken yet: the desk's staff.
        case mineOrUnassigned
        /// Repairs assigned to the user: engineers.
        case myRepairs
        /// Resolved complaints and repairs waiting for their 回访.
        case callbacks
    }

    /// The open work of `scope`, most urgent first (the list's order), and how many of it are past a deadline.
    public func work(_ projectID: UUID, _ scope: WorkScope, for principal: Principal, limit: Int) async throws -> (page: Paged<Ticket>, late: Int) {
        let now = now()
        let open: SQLQueryString = "t.status IN ('new', 'assigned', 'in_progress')"
        let me = principal.userID
        let clause: SQLQueryString
        switch scope {
        case .project: clause = "t.project_id = \(bind: projectID) AND \(open)"
        case .mineOrUnassigned:
            clause = "t.project_id = \(bind: projectID) AND \(open) AND (t.assignee_id = \(bind: me) OR t.assignee_id IS NULL)"
        case .myRepairs:
            clause = "t.project_id = \(bind: projectID) AND \(open) AND t.assignee_id = \(bind: me) AND t.kind IN ('repair', 'emergency_repair')"
        case .callbacks:
            clause = "t.project_id = \(bind: projectID) AND t.status IN ('resolved', 'callback') AND t.kind IN ('complaint', 'repair', 'emergency_repair')"
        }
        let page = try await list(clause, now: now, page: try PageRequest(page: 1, perPage: limit), on: store.sql)
        struct N: Decodable { var n: Int }
        // A callback's clock starts at the resolution (`TicketKind.callbackDue`).
        let late: SQLQueryString = scope == .callbacks
            ? "t.resolved_at < \(bind: now.addingTimeInterval(-TicketKind.callbackDue))"
            : "(t.resolve_due_at < \(bind: now) OR (t.responded_at IS NULL AND t.response_due_at < \(bind: now)))"
        let n = try await store.sql.raw("SELECT COUNT(*) AS n FROM tickets t WHERE \(clause) AND \(late)").first(decoding: N.self)?.n ?? 0
        return (page, n)
    }

    private func list(_ clause: SQLQueryString, now: Date, page: PageRequest, on sql: any SQLDatabase) async throws -> Paged<Ticket> {
        struct N: Decodable { var n: Int }
        let total = try await sql.raw("""
            SELECT COUNT(*) AS n FROM tickets t WHERE \(clause)
            """).first(decoding: N.self)?.n ?? 0
        let items = try await sql.raw("""
            \(unsafeRaw: Self.ticketSelect) WHERE \(clause)
            ORDER BY CASE WHEN t.status IN ('new', 'assigned', 'in_progress') AND (t.resolve_due_at < \(bind: now)
                          OR (t.responded_at IS NULL AND t.response_due_at < \(bind: now))) THEN 0
                          WHEN t.status = 'closed' THEN 3
                          WHEN t.status IN ('resolved', 'callback') THEN 2 ELSE 1 END,
                     CASE WHEN t.status = 'closed' THEN NULL ELSE t.resolve_due_at END, t.created_at DESC
            LIMIT \(bind: page.perPage) OFFSET \(bind: page.offset)
            """).all(decoding: Ticket.self, with: decoder)
        return Paged(items: try await labelled(items, on: sql), page: page.page, perPage: page.perPage, total: total)
    }
}

extension TicketService {
    /// Ticket numbers (GD…) for another capability's page that names tickets (the audit log).
    static func numbers(_ ids: [UUID], sql: any SQLDatabase) async throws -> [UUID: String] {
        struct R: Decodable { var id: UUID; var number: String }
        var out: [UUID: String] = [:]
        for chunk in Array(Set(ids)).chunked(500) where !chunk.isEmpty {
            for r in try await sql.select().columns("id", "number").from("tickets").where("id", .in, SQLBind.group(Array(chunk))).all(decoding: R.self) {
                out[r.id] = r.number
            }
        }
        return out
    }
}

extension TicketService {
    /// Tickets by id in one query, labelled as lists label them: for a capability that keeps its own record
    /// beside a ticket (the mall desk's complaints, issue 20) and fills the ticket's state from here.
    public func tickets(ids: [UUID]) async throws -> [UUID: Ticket] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await store.sql.raw("\(unsafeRaw: Self.ticketSelect) WHERE t.id IN \(SQLBind.group(Array(Set(ids))))")
            .all(decoding: Ticket.self, with: decoder)
        return Dictionary(try await labelled(rows, on: store.sql).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }
}
