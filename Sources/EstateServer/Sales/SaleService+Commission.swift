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
    }

    public func commissionFacts(projectID: UUID, subscriptionNumbers: [String]) async throws -> [CommissionFacts] {
        guard !subscriptionNumbers.isEmpty else { return [] }
        return try await store.sql.raw("""
            SELECT s.number AS subscription_number, s.final_total_fen,
                   (SELECT MAX(c.signed_on) FROM contracts c WHERE c.subscription_id = s.id AND c.status <> 'terminated') AS signed_on,
                   CAST(COALESCE((SELECT SUM(r.amount_fen) FROM receipts r
                                  WHERE r.subscription_id = s.id AND r.status = 'confirmed' AND r.kind = 'receipt'), 0) AS BIGINT) AS received_fen
            FROM subscriptions s WHERE s.project_id = \(bind: projectID) AND s.number IN \(SQLBind.group(Array(Set(subscriptionNumbers))))
            """).all(decoding: CommissionFacts.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))
    }
}
