import EstateCore
import Foundation
import SQLKit

/// The live purchase of a unit: a subscription not cancelled whose contract (at most one per
/// subscription) is not terminated, with its current buyers. Sales owns these tables; other
/// capabilities ask here instead of writing the rule again (issue 14). Fragments are SQL so a
/// caller keeps its query, and its transaction, whole.
enum LivePurchase {
    /// Current buyer rows (alias `b`) of live purchases (alias `s`) whose customer is in `customerIDs`
    /// (a subquery); for `FROM \(…)`, followed by more `AND` conditions if wanted.
    static func buyers(customerIn customerIDs: SQLQueryString) -> SQLQueryString {
        """
        sale_buyers b JOIN subscriptions s ON s.id = b.subscription_id
        WHERE b.customer_id IN (\(customerIDs)) AND b.is_current AND \(isLive("s"))
        """
    }

    /// A subquery of the customer ids of the current buyers of the live purchases of these units.
    static func currentBuyers(ofUnits unitIDs: [UUID]) -> SQLQueryString {
        guard !unitIDs.isEmpty else { return "SELECT NULL WHERE 1 = 0" }
        return """
            SELECT cb.customer_id FROM sale_buyers cb JOIN subscriptions cs ON cs.id = cb.subscription_id
            WHERE cs.unit_id IN \(SQLBind.group(Array(Set(unitIDs)))) AND cb.is_current AND \(isLive("cs"))
            """
    }

    /// The owners of these units now: (unit, customer) of every current buyer of each unit's live
    /// purchase (共有人 each), for a call-back list of everyone a building's outage touched (issue 16).
    static func owners(ofUnits unitIDs: [UUID], sql: any SQLDatabase) async throws -> [(unitID: UUID, customerID: UUID)] {
        struct R: Decodable { var unitId: UUID; var customerId: UUID }
        var out: [(unitID: UUID, customerID: UUID)] = []
        for chunk in Array(Set(unitIDs)).chunked(500) {
            out += try await sql.raw("""
                SELECT s.unit_id, b.customer_id FROM sale_buyers b JOIN subscriptions s ON s.id = b.subscription_id
                WHERE s.unit_id IN \(SQLBind.group(Array(chunk))) AND b.is_current AND \(isLive("s"))
                """).all(decoding: R.self, with: SQLRowDecoder.snakeCase).map { ($0.unitId, $0.customerId) }
        }
        return out
    }

    /// Whether the subscription `alias` is a live purchase.
    static func isLive(_ alias: String) -> SQLQueryString {
        """
        \(ident: alias).status <> 'cancelled'
          AND NOT EXISTS (SELECT 1 FROM contracts tc WHERE tc.subscription_id = \(ident: alias).id AND tc.status = 'terminated')
        """
    }

    /// Whether the customer in `column` (e.g. `customers.id`) is a current buyer on a live purchase.
    static func hasOne(customer column: SQLQueryString) -> SQLQueryString {
        """
        EXISTS (SELECT 1 FROM sale_buyers b JOIN subscriptions s ON s.id = b.subscription_id
                WHERE b.customer_id = \(column) AND b.is_current AND \(isLive("s")))
        """
    }

    struct Purchase: Decodable, Sendable {
        var unitId: UUID
        var projectId: UUID
        var customerId: UUID
        var deliveredOn: String?
        var contractStatus: String?
    }

    /// The live purchases whose current buyer is in `customerIDs`, with the contract's delivery.
    static func purchases(customerIn customerIDs: SQLQueryString, sql: any SQLDatabase) async throws -> [Purchase] {
        try await sql.raw("""
            SELECT s.unit_id, s.project_id, b.customer_id, c.delivered_on, c.status AS contract_status
            FROM sale_buyers b JOIN subscriptions s ON s.id = b.subscription_id
            LEFT JOIN contracts c ON c.subscription_id = s.id AND c.status <> 'terminated'
            WHERE b.customer_id IN (\(customerIDs)) AND b.is_current AND \(isLive("s"))
            """).all(decoding: Purchase.self, with: SQLRowDecoder.snakeCase)
    }

    /// The unit's delivery day, from its contract that is not terminated (newest delivery first).
    static func deliveredOn(unit unitID: UUID, sql: any SQLDatabase) async throws -> CalendarDay? {
        struct R: Decodable { var deliveredOn: String? }
        let rows = try await sql.raw("""
            SELECT delivered_on FROM contracts WHERE unit_id = \(bind: unitID) AND status <> 'terminated' AND delivered_on IS NOT NULL
            ORDER BY delivered_on DESC
            """).all(decoding: R.self, with: SQLRowDecoder.snakeCase)
        return rows.first?.deliveredOn.flatMap(CalendarDay.init)
    }
}

extension SaleService {
    /// Every sale of the unit, whatever its status (Inventory restates their report facts when a unit changes).
    static func saleIDs(ofUnit unitID: UUID, sql: any SQLDatabase) async throws -> [UUID] {
        struct S: Decodable { var id: UUID }
        return try await sql.select().column("id").from("subscriptions").where("unit_id", .equal, unitID).all(decoding: S.self).map(\.id)
    }
}
