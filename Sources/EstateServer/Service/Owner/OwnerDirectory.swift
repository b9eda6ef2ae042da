import EstateCore
import FluentKit
import Foundation
import SQLKit

/// What belongs to an owner, found by their mobile: the units of their live purchases
/// (current buyer; subscription not cancelled; contract not terminated), and the tickets about
/// those units raised since they bought (not a previous owner's, not the developer's 验房 before
/// their purchase), the ones they filed here, and unit-less ones on their customer records.
/// Every owner page asks here, so an owner never sees another's home or ticket.
struct OwnerDirectory: Sendable {
    let store: Store

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    /// The buyer rows of live sales for a mobile (aliases b, s), as Sales and Customers define them.
    static func liveBuyer(_ mobile: String) -> SQLQueryString {
        LivePurchase.buyers(customerIn: CustomerDirectory.ids(withMobile: mobile))
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
        let sql = store.sql
        let purchases = try await LivePurchase.purchases(customerIn: CustomerDirectory.ids(withMobile: mobile), sql: sql)
        let labels = try await InventoryService.unitLabels(purchases.map(\.unitId), sql: sql)
        let customers = try await CustomerDirectory.contacts(purchases.map(\.customerId), sql: sql)
        let rows = purchases.compactMap { p -> OwnedUnit? in
            guard let l = labels[p.unitId], let c = customers[p.customerId] else { return nil }
            return OwnedUnit(unitId: p.unitId, unitCode: l.code, projectId: p.projectId, projectName: l.projectName, customerId: c.id,
                             customerName: c.name, deliveredOn: p.deliveredOn, contractStatus: p.contractStatus)
        }.sorted { ($0.projectName, $0.unitCode) < ($1.projectName, $1.unitCode) }
        var seen = Set<UUID>()
        return rows.filter { seen.insert($0.unitId).inserted }
    }

    /// Tickets that are the owner's (alias t): about one of their homes since they bought it, filed
    /// by them from the owner page, or about no home at all but on one of their customer records.
    /// A contact mobile alone makes nothing theirs — staff type in whoever called, and a neighbour
    /// calling about the flat above must not open the upstairs owner's ticket (issue 15).
    static func ownedTickets(_ mobile: String) -> SQLQueryString {
        """
        (EXISTS (SELECT 1 FROM \(liveBuyer(mobile)) AND s.unit_id = t.unit_id AND b.added_at <= t.created_at)
         OR (t.channel = \(bind: TicketChannel.ownerPage.rawValue) AND t.contact_mobile = \(bind: mobile))
         OR (t.unit_id IS NULL AND t.customer_id IN (\(CustomerDirectory.ids(withMobile: mobile)))))
        """
    }

    struct TicketRow: Decodable, Sendable {
        var id: UUID
        var number: String
        var kind: String
        var status: String
        var title: String
        var unitId: UUID?
        var unitCode: String?
        var createdAt: Date
        var updatedAt: Date

        var ticketStatus: TicketStatus { TicketStatus(rawValue: status) ?? .new }
        var ticketKind: TicketKind { TicketKind(rawValue: kind) ?? .inquiry }
    }

    /// Newest first.
    func tickets(_ mobile: String, limit: Int = 200) async throws -> [TicketRow] {
        var rows = try await store.sql.raw("""
            SELECT t.id, t.number, t.kind, t.status, t.title, t.unit_id, t.created_at, t.updated_at FROM tickets t
            WHERE \(Self.ownedTickets(mobile))
            ORDER BY t.created_at DESC LIMIT \(bind: limit)
            """).all(decoding: TicketRow.self, with: decoder)
        // Unit codes are Inventory's (issue 14).
        let labels = try await InventoryService.unitLabels(rows.compactMap(\.unitId), sql: store.sql)
        for i in rows.indices { rows[i].unitCode = rows[i].unitId.flatMap { labels[$0]?.code } }
        return rows
    }

    func owns(ticket id: UUID, _ mobile: String) async throws -> Bool {
        struct N: Decodable { var n: Int }
        return (try await store.sql.raw("SELECT COUNT(*) AS n FROM tickets t WHERE t.id = \(bind: id) AND \(Self.ownedTickets(mobile))")
            .first(decoding: N.self)?.n ?? 0) > 0
    }
}
