import EstateCore
import FluentKit
import Foundation
import SQLKit

/// What belongs to an owner, found by their mobile: the units of their live purchases
/// (current buyer; subscription not cancelled; contract not terminated), and the tickets about
/// those units raised since they bought (not a previous owner's, not the developer's 验房 before
/// their purchase), about any of their customer records, or left with their mobile as the contact.
/// Every owner page asks here, so an owner never sees another's home or ticket.
struct OwnerDirectory: Sendable {
    let store: Store

    var decoder: SQLRowDecoder { SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase) }

    /// The buyer rows of live sales for a mobile (aliases b, bc, s).
    static func liveBuyer(_ mobile: String) -> SQLQueryString {
        """
        sale_buyers b JOIN customers bc ON bc.id = b.customer_id JOIN subscriptions s ON s.id = b.subscription_id
        WHERE bc.mobile = \(bind: mobile) AND b.is_current AND s.status <> 'cancelled'
          AND NOT EXISTS (SELECT 1 FROM contracts tc WHERE tc.subscription_id = s.id AND tc.status = 'terminated')
        """
    }

    func isOwner(_ mobile: String) async throws -> Bool {
        struct N: Decodable { var n: Int }
        let n = try await store.sql.raw("SELECT COUNT(*) AS n FROM \(Self.liveBuyer(mobile))").first(decoding: N.self)?.n ?? 0
        return n > 0
    }

    struct OwnedUnit: Decodable, Sendable {
        var unitId: UUID
        var unitCode: String
        var projectId: UUID
        var projectName: String
        /// The owner's customer record in that project (the buyer on the sale).
        var customerId: UUID
        var customerName: String
        var deliveredOn: String?
        var contractStatus: String?
    }

    /// The owner's units, with project and the live contract (for delivery).
    func units(_ mobile: String) async throws -> [OwnedUnit] {
        let rows = try await store.sql.raw("""
            SELECT s.unit_id, u.code AS unit_code, s.project_id, p.name AS project_name, bc.id AS customer_id, bc.name AS customer_name,
                   c.delivered_on, c.status AS contract_status
            FROM sale_buyers b JOIN customers bc ON bc.id = b.customer_id JOIN subscriptions s ON s.id = b.subscription_id
            JOIN units u ON u.id = s.unit_id JOIN projects p ON p.id = s.project_id
            LEFT JOIN contracts c ON c.subscription_id = s.id AND c.status <> 'terminated'
            WHERE bc.mobile = \(bind: mobile) AND b.is_current AND s.status <> 'cancelled'
              AND NOT EXISTS (SELECT 1 FROM contracts tc WHERE tc.subscription_id = s.id AND tc.status = 'terminated')
            ORDER BY p.name, u.code
            """).all(decoding: OwnedUnit.self, with: decoder)
        var seen = Set<UUID>()
        return rows.filter { seen.insert($0.unitId).inserted }
    }

    /// Tickets that are the owner's (alias t).
    static func ownedTickets(_ mobile: String) -> SQLQueryString {
        """
        (EXISTS (SELECT 1 FROM \(liveBuyer(mobile)) AND s.unit_id = t.unit_id AND b.added_at <= t.created_at)
         OR t.customer_id IN (SELECT oc.id FROM customers oc WHERE oc.mobile = \(bind: mobile))
         OR t.contact_mobile = \(bind: mobile)
         OR REPLACE(REPLACE(t.contact_mobile, ' ', ''), '-', '') IN (\(bind: mobile), \(bind: "+86" + mobile)))
        """
    }

    struct TicketRow: Decodable, Sendable {
        var id: UUID
        var number: String
        var kind: String
        var status: String
        var title: String
        var unitCode: String?
        var createdAt: Date
        var updatedAt: Date

        var ticketStatus: TicketStatus { TicketStatus(rawValue: status) ?? .new }
        var ticketKind: TicketKind { TicketKind(rawValue: kind) ?? .inquiry }
    }

    /// Newest first.
    func tickets(_ mobile: String, limit: Int = 200) async throws -> [TicketRow] {
        try await store.sql.raw("""
            SELECT t.id, t.number, t.kind, t.status, t.title, u.code AS unit_code, t.created_at, t.updated_at
            FROM tickets t LEFT JOIN units u ON u.id = t.unit_id
            WHERE \(Self.ownedTickets(mobile))
            ORDER BY t.created_at DESC LIMIT \(bind: limit)
            """).all(decoding: TicketRow.self, with: decoder)
    }

    func owns(ticket id: UUID, _ mobile: String) async throws -> Bool {
        struct N: Decodable { var n: Int }
        return (try await store.sql.raw("SELECT COUNT(*) AS n FROM tickets t WHERE t.id = \(bind: id) AND \(Self.ownedTickets(mobile))")
            .first(decoding: N.self)?.n ?? 0) > 0
    }
}
