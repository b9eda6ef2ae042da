import EstateCore
import Foundation
import SQLKit

/// 成交归属: a subscription (认购) of a customer a channel brought, made within the registration's
/// deal protection (from the registration to the visit + `dealProtectionDays` of its rule
/// version), is attributed to that channel; when it stops being a live purchase (退订 / 退房, or
/// the buyer changed) the attribution is clawed back. The purchases are asked of `SaleService`
/// (never its tables); one attribution per subscription, enforced by a partial unique index.
public struct AttributionService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let channels: ChannelService
    let sales: SaleService

    public struct Attribution: Decodable, Sendable {
        public var id: UUID
        public var projectId: UUID
        public var registrationId: UUID
        public var channelId: UUID
        public var customerId: UUID
        public var subscriptionNumber: String
        public var subscribedAt: Date
        public var status: String
        public var attributedAt: Date
        public var clawedAt: Date?
    }

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    /// Attributes new purchases and claws back lost ones; returns (attributed, clawed back).
    @discardableResult
    public func reconcile(limit: Int = 2000) async throws -> (Int, Int) {
        let at = now()
        struct R: Decodable { var id: UUID; var projectId: UUID; var channelId: UUID; var customerId: UUID; var ruleId: UUID; var createdAt: Date; var visitedAt: Date }
        let regs = try await store.sql.raw("""
            SELECT id, project_id, channel_id, customer_id, rule_id, created_at, visited_at FROM channel_registrations
            WHERE customer_id IS NOT NULL AND visited_at IS NOT NULL AND visited_at >= \(bind: at.addingTimeInterval(-800 * 86_400))
            ORDER BY visited_at DESC LIMIT \(bind: limit)
            """).all(decoding: R.self, with: decoder)
        var attributed: [(UUID, String)] = []
        var clawed: [UUID] = []
        if !regs.isEmpty {
            var rules: [UUID: ChannelRule] = [:]
            for id in Set(regs.map(\.ruleId)) { rules[id] = try await channels.rule(id).rule }
            let purchases = try await sales.purchases(ofCustomers: regs.map(\.customerId))
            let live = try await store.sql.raw("SELECT * FROM channel_attributions WHERE status = 'attributed'").all(decoding: Attribution.self, with: decoder)
            let liveNumbers = Set(live.map { "\($0.projectId)|\($0.subscriptionNumber)" })
            // New: each live purchase inside a registration's deal window, the latest visit first.
            var fresh: [(R, SaleService.CustomerPurchase)] = []
            for p in purchases where !liveNumbers.contains("\(p.projectId)|\(p.subscriptionNumber)") {
                let window = regs.first { r in
                    r.customerId == p.customerId && r.projectId == p.projectId && p.subscribedAt >= r.createdAt
                        && p.subscribedAt <= r.visitedAt.addingTimeInterval(Double(rules[r.ruleId]?.dealProtectionDays ?? 0) * 86_400)
                }
                if let r = window, !fresh.contains(where: { $0.1.subscriptionNumber == p.subscriptionNumber && $0.1.projectId == p.projectId }) {
                    fresh.append((r, p))
                }
            }
            // Lost: attributed purchases no longer live for their customer.
            let livePurchases = Set(purchases.map { "\($0.projectId)|\($0.subscriptionNumber)|\($0.customerId)" })
            let watched = Set(regs.map(\.customerId))
            let lost = live.filter { watched.contains($0.customerId) && !livePurchases.contains("\($0.projectId)|\($0.subscriptionNumber)|\($0.customerId)") }
            if !fresh.isEmpty || !lost.isEmpty {
                let toAttribute = fresh
                try await store.write { tx in
                    let sql = tx.sql
                    struct I: Decodable { var id: UUID }
                    for (r, p) in toAttribute {
                        let id = UUID()
                        let done = try await sql.raw("""
                            INSERT INTO channel_attributions (id, project_id, registration_id, channel_id, customer_id, subscription_number,
                            subscribed_at, status, attributed_at) VALUES (\(bind: id), \(bind: r.projectId), \(bind: r.id), \(bind: r.channelId),
                            \(bind: p.customerId), \(bind: p.subscriptionNumber), \(bind: p.subscribedAt), 'attributed', \(bind: at))
                            ON CONFLICT DO NOTHING RETURNING id
                            """).all(decoding: I.self)
                        guard !done.isEmpty else { continue }
                        try await AuditLog.record(AuditEntry(action: "attribution.create", entity: "registration", entityID: r.id.uuidString,
                                                             projectID: r.projectId, summary: "认购 \(p.subscriptionNumber) attributed to the channel",
                                                             after: ["subscription": p.subscriptionNumber, "channel": r.channelId.uuidString]),
                                                  context: .system("channels"), on: tx)
                    }
                    for a in lost {
                        let done = try await sql.raw("""
                            UPDATE channel_attributions SET status = 'clawed_back', clawed_at = \(bind: at) WHERE id = \(bind: a.id) AND status = 'attributed'
                            RETURNING id
                            """).all(decoding: I.self)
                        guard !done.isEmpty else { continue }
                        try await AuditLog.record(AuditEntry(action: "attribution.claw_back", entity: "registration", entityID: a.registrationId.uuidString,
                                                             projectID: a.projectId, summary: "认购 \(a.subscriptionNumber) no longer live: attribution clawed back",
                                                             before: ["status": "attributed"], after: ["status": "clawed_back"]),
                                                  context: .system("channels"), on: tx)
                    }
                }
                attributed = fresh.map { ($0.0.id, $0.1.subscriptionNumber) }
                clawed = lost.map(\.id)
            }
        }
        return (attributed.count, clawed.count)
    }

    public func attributions(projectID: UUID, registrationIDs: [UUID]? = nil) async throws -> [Attribution] {
        let r: SQLQueryString = registrationIDs.map { ids in ids.isEmpty ? "AND 1 = 0" : "AND registration_id IN \(SQLBind.group(ids))" } ?? ""
        return try await store.sql.raw("""
            SELECT * FROM channel_attributions WHERE project_id = \(bind: projectID) \(r) ORDER BY attributed_at DESC LIMIT 500
            """).all(decoding: Attribution.self, with: decoder)
    }
}
