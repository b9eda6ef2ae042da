import EstateCore
import Foundation
import SQLKit

extension SaleService {
    /// What a channel's commission needs to know of a subscription: its final price, when its
    /// contract was signed and what was received (confirmed receipts), for the channels capability.
    public struct CommissionFacts: Sendable, Decodable, Equatable {
        public var subscriptionNumber: String
        public var finalTotalFen: Int64
        public var signedOn: String?
        public var receivedFen: Int64
        /// Confirmed receipts received before `since` (0 without it): with `receivedFen` up to `until`, when 回款 reached a share.
        public var receivedBeforeFen: Int64
    }

    /// The facts of the subscriptions; receipts count by the day they were received: `receivedFen` those before
    /// `until` (all without it), `receivedBeforeFen` those before `since` (a month's statement asks both ends).
    public func commissionFacts(projectID: UUID, subscriptionNumbers: [String], until: CalendarDay? = nil,
                                since: CalendarDay? = nil) async throws -> [CommissionFacts] {
        guard !subscriptionNumbers.isEmpty else { return [] }
        let upTo: SQLQueryString = until.map { d -> SQLQueryString in " AND r.received_on < \(bind: d.description)" } ?? ""
        let before: SQLQueryString = since.map { d -> SQLQueryString in " AND r.received_on < \(bind: d.description)" } ?? " AND 1 = 0"
        return try await store.sql.raw("""
            SELECT s.number AS subscription_number, s.final_total_fen,
                   (SELECT MAX(c.signed_on) FROM contracts c WHERE c.subscription_id = s.id AND c.status <> 'terminated') AS signed_on,
                   CAST(COALESCE((SELECT SUM(r.amount_fen) FROM receipts r
                                  WHERE r.subscription_id = s.id AND r.status = 'confirmed' AND r.kind = 'receipt'\(upTo)), 0) AS BIGINT) AS received_fen,
                   CAST(COALESCE((SELECT SUM(r.amount_fen) FROM receipts r
                                  WHERE r.subscription_id = s.id AND r.status = 'confirmed' AND r.kind = 'receipt'\(before)), 0) AS BIGINT)
                     AS received_before_fen
            FROM subscriptions s WHERE s.project_id = \(bind: projectID) AND s.number IN \(SQLBind.group(Array(Set(subscriptionNumbers))))
            """).all(decoding: CommissionFacts.self, with: SQLRowDecoder.snakeCase)
    }
}
