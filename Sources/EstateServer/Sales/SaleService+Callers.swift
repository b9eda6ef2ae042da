import EstateCore
import Foundation
import SQLKit

extension SaleService {
    /// Where a live purchase stands, as the call-centre desk tells a caller (issue 16):
    /// 已认购 → 待签约 → 已签约 → 已交付.
    public enum PurchaseStage: String, CaseIterable, Sendable {
        case subscribed, contractDraft = "contract_draft", signed, delivered
        public var catalogKey: String { "sale.purchase_stage.\(rawValue)" }
    }

    /// One live purchase of a customer record: the unit, its numbers and its stage.
    public struct CustomerPurchase: Sendable, Decodable, Equatable {
        public var customerId: UUID
        public var projectId: UUID
        public var unitId: UUID
        public var unitCode: String? = nil
        public var subscriptionNumber: String
        public var subscriptionStatus: String
        public var contractNumber: String?
        public var contractStatus: String?
        public var deliveredOn: String?
        public var titleStage: String?
        public var subscribedAt: Date

        public var stage: PurchaseStage {
            if deliveredOn != nil { return .delivered }
            switch contractStatus {
            case ContractStatus.signed.rawValue?: return .signed
            case ContractStatus.draft.rawValue?: return .contractDraft
            default: return .subscribed
            }
        }
    }

    /// The live purchases (subscription not cancelled, contract not terminated) whose current
    /// buyers include these records, newest first, with their unit codes (Inventory's).
    public func purchases(ofCustomers ids: [UUID]) async throws -> [CustomerPurchase] {
        guard !ids.isEmpty else { return [] }
        let sql = store.sql
        var rows = try await sql.raw("""
            SELECT b.customer_id, s.project_id, s.unit_id, s.number AS subscription_number, s.status AS subscription_status,
                   c.number AS contract_number, c.status AS contract_status, c.delivered_on, c.title_stage, s.created_at AS subscribed_at
            FROM sale_buyers b JOIN subscriptions s ON s.id = b.subscription_id
            LEFT JOIN contracts c ON c.subscription_id = s.id AND c.status <> 'terminated'
            WHERE b.customer_id IN \(SQLBind.group(Array(Set(ids)))) AND b.is_current AND \(LivePurchase.isLive("s"))
            ORDER BY s.created_at DESC
            """).all(decoding: CustomerPurchase.self, with: SQLRowDecoder.snakeCase)
        let codes = try await InventoryService.unitCodes(rows.map(\.unitId), sql: sql)
        for i in rows.indices { rows[i].unitCode = codes[rows[i].unitId] }
        return rows
    }
}
