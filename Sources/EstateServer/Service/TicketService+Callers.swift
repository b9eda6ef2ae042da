import EstateCore
import Foundation
import SQLKit

extension TicketService {
    /// One person's tickets for the call-centre desk (issue 16): those with their mobile as the
    /// contact, or on one of their customer records, in `projects` (nil: every project); open ones
    /// first, then the newest. Each half of the match is read on its own index.
    public func tickets(forCaller mobile: String, customers: [UUID], in projects: Set<UUID>?, limit: Int = 20) async throws -> [Ticket] {
        if let projects, projects.isEmpty { return [] }
        let byCustomer: SQLQueryString = customers.isEmpty ? ""
            : " UNION SELECT id FROM tickets WHERE customer_id IN \(SQLBind.group(Array(Set(customers))))"
        let scope: SQLQueryString = projects.map { " AND t.project_id IN \(SQLBind.group(Array($0)))" } ?? ""
        let rows = try await store.sql.raw("""
            \(unsafeRaw: Self.ticketSelect)
            WHERE t.id IN (SELECT id FROM tickets WHERE contact_mobile = \(bind: mobile)\(byCustomer))\(scope)
            ORDER BY CASE WHEN t.status = 'closed' THEN 1 ELSE 0 END, t.created_at DESC, t.id
            LIMIT \(unsafeRaw: String(max(1, min(limit, 200))))
            """).all(decoding: Ticket.self, with: decoder)
        return try await labelled(rows, on: store.sql)
    }

    /// The latest 回访 on any of these tickets, with the ticket's number.
    public struct LastCallback: Decodable, Sendable {
        public var ticketId: UUID
        public var ticketNumber: String
        public var satisfaction: Int
        public var solved: Bool
        public var note: String
        public var byName: String
        public var at: Date
    }

    /// The latest 回访 on any of one person's tickets (as `tickets(forCaller:)` matches them), read beside
    /// the tickets rather than after them (the desk's look-up, issue 16): one query, on the tickets'
    /// `contact_mobile` and `customer_id` indexes and the callbacks' `ticket_id` index.
    public func lastCallback(forCaller mobile: String, customers: [UUID], in projects: Set<UUID>?) async throws -> LastCallback? {
        if let projects, projects.isEmpty { return nil }
        let byCustomer: SQLQueryString = customers.isEmpty ? ""
            : " UNION SELECT id FROM tickets WHERE customer_id IN \(SQLBind.group(Array(Set(customers))))"
        let scope: SQLQueryString = projects.map { " AND t.project_id IN \(SQLBind.group(Array($0)))" } ?? ""
        return try await store.sql.raw("""
            SELECT k.ticket_id, t.number AS ticket_number, k.satisfaction, k.solved, k.note, k.by_name, k.at
            FROM ticket_callbacks k JOIN tickets t ON t.id = k.ticket_id
            WHERE t.id IN (SELECT id FROM tickets WHERE contact_mobile = \(bind: mobile)\(byCustomer))\(scope)
            ORDER BY k.at DESC LIMIT 1
            """).first(decoding: LastCallback.self, with: decoder)
    }
}

extension TicketService {
    /// The ticket of this number in the project (as staff type it), for the new-ticket form.
    public func ticketID(number: String, in projectID: UUID) async throws -> UUID? {
        struct R: Decodable { var id: UUID }
        return try await store.sql.raw("""
            SELECT id FROM tickets WHERE project_id = \(bind: projectID) AND number = \(bind: number.trimmingCharacters(in: .whitespaces).uppercased())
            """).first(decoding: R.self)?.id
    }

    /// The repairs a 勘察 found, or the 稽查 of a repair, oldest first.
    public func related(to id: UUID) async throws -> [Ticket] {
        let rows = try await store.sql.raw("\(unsafeRaw: Self.ticketSelect) WHERE t.related_ticket_id = \(bind: id) ORDER BY t.created_at, t.id")
            .all(decoding: Ticket.self, with: decoder)
        return try await labelled(rows, on: store.sql)
    }
}
