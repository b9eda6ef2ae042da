import EstateCore
import Foundation
import SQLKit

/// 佣金结算: the commission rule of a channel agreement, and monthly statements computed from the
/// attributions (成交归属) with the deal facts asked of `SaleService` (never its tables): each
/// deal of the month payable under the rule's event, tiers on the month's payable deals, 老带新
/// bonus, and a negative line for a deal stated earlier and clawed back since (退订 / 退房).
public struct CommissionService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let channels: ChannelService
    let sales: SaleService

    public struct Statement: Decodable, Sendable {
        public var id: UUID
        public var projectId: UUID
        public var channelId: UUID
        public var month: String
        public var status: String
        public var totalFen: Int64
        public var deals: Int
        public var tier: Int?
        public var createdAt: Date
        public var paidAt: Date?
    }

    public struct Line: Decodable, Sendable {
        public var id: UUID
        public var statementId: UUID
        public var attributionId: UUID
        public var subscriptionNumber: String
        public var kind: String
        public var amountFen: Int64
        public var explanation: String
    }

    var decoder: SQLRowDecoder { SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase) }

    /// "2026-12" in China time.
    public static func month(of date: Date) -> String { String(CalendarDay(date).description.prefix(7)) }

    /// Sets the commission rule of an agreement (replacing the previous one).
    public func putRule(_ rule: CommissionRule, agreementID: UUID, by actor: UUID?, context: AuditContext) async throws {
        if let fault = rule.faults.first { throw Problem.invalid("rule", fault) }
        struct A: Decodable { var projectId: UUID }
        guard let a = try await store.sql.raw("SELECT project_id FROM channel_agreements WHERE id = \(bind: agreementID)")
            .first(decoding: A.self, with: decoder) else { throw Problem.notFound }
        let text = String(decoding: try JSONEncoder().encode(rule), as: UTF8.self)
        let at = now()
        try await store.audited(context) { tx -> ((), AuditEntry) in
            try await tx.sql.raw("DELETE FROM channel_commission_rules WHERE agreement_id = \(bind: agreementID)").run()
            try await tx.sql.raw("""
                INSERT INTO channel_commission_rules (id, agreement_id, rule, updated_by, updated_at)
                VALUES (\(bind: UUID()), \(bind: agreementID), \(bind: text), \(bind: actor), \(bind: at))
                """).run()
            return ((), AuditEntry(action: "commission_rule.put", entity: "channel_agreement", entityID: agreementID.uuidString,
                                   projectID: a.projectId, summary: "commission rule set", after: ["rule": text]))
        }
    }

    /// The rule of the channel's latest agreement on the project that has one.
    public func rule(channelID: UUID, projectID: UUID) async throws -> CommissionRule? {
        struct R: Decodable { var rule: String }
        guard let r = try await store.sql.raw("""
            SELECT r.rule FROM channel_commission_rules r JOIN channel_agreements a ON a.id = r.agreement_id
            WHERE a.channel_id = \(bind: channelID) AND a.project_id = \(bind: projectID) ORDER BY a.ends_on DESC LIMIT 1
            """).first(decoding: R.self, with: decoder) else { return nil }
        return try JSONDecoder().decode(CommissionRule.self, from: Data(r.rule.utf8))
    }

    /// Computes and stores the statement of a channel for a month (one per channel, project and month).
    public func createStatement(channelID: UUID, projectID: UUID, month: String, by actor: UUID?, context: AuditContext) async throws -> Statement {
        guard month.count == 7, CalendarDay(month + "-01") != nil else { throw Problem.invalid("month", "month_invalid") }
        guard let rule = try await rule(channelID: channelID, projectID: projectID) else {
            throw Problem.conflict("commission_rule_missing")
        }
        struct At: Decodable { var id: UUID; var subscriptionNumber: String; var subscribedAt: Date; var status: String; var registrationId: UUID }
        let all = try await store.sql.raw("""
            SELECT id, subscription_number, subscribed_at, status, registration_id FROM channel_attributions
            WHERE channel_id = \(bind: channelID) AND project_id = \(bind: projectID)
            """).all(decoding: At.self, with: decoder)
        struct S: Decodable { var attributionId: UUID; var stated: Int64 }
        let stated = try await store.sql.raw("""
            SELECT l.attribution_id, CAST(SUM(l.amount_fen) AS BIGINT) AS stated FROM channel_commission_lines l
            JOIN channel_commission_statements s ON s.id = l.statement_id
            WHERE s.channel_id = \(bind: channelID) AND s.project_id = \(bind: projectID) AND s.status <> 'rejected'
            GROUP BY l.attribution_id
            """).all(decoding: S.self, with: decoder)
        let already = Dictionary(stated.map { ($0.attributionId, $0.stated) }, uniquingKeysWith: +)
        let chosen = all.filter { a in
            Self.month(of: a.subscribedAt) == month || (a.status != "attributed" && (already[a.id] ?? 0) != 0)
        }
        let kind = try await channels.channel(channelID).kind
        let facts = try await sales.commissionFacts(projectID: projectID, subscriptionNumbers: chosen.map(\.subscriptionNumber))
        let byNumber = Dictionary(facts.map { ($0.subscriptionNumber, $0) }, uniquingKeysWith: { a, _ in a })
        let at = now()
        var deals: [CommissionDeal] = []
        var ids: [String: (UUID, String)] = [:]
        for a in chosen {
            let f = byNumber[a.subscriptionNumber]
            let ref = a.id.uuidString
            ids[ref] = (a.id, a.subscriptionNumber)
            deals.append(CommissionDeal(reference: ref, finalPrice: Money(fen: f?.finalTotalFen ?? 0), subscribedAt: a.subscribedAt,
                                        contractSignedAt: f?.signedOn == nil ? nil : a.subscribedAt, received: Money(fen: f?.receivedFen ?? 0),
                                        byReferrer: kind == ChannelKind.referral.rawValue, clawedBack: a.status != "attributed",
                                        alreadyStated: Money(fen: already[a.id] ?? 0)))
        }
        let draft = CommissionCalculator.statement(rule: rule, deals: deals, asOf: at)
        let refs = ids
        let id = UUID(), postgres = store.engine == .postgres
        return try await store.audited(context) { tx -> (Statement, AuditEntry) in
            struct I: Decodable { var id: UUID }
            // One statement per channel and month: racers wait on the channel's row (SQLite's writes are serial).
            if postgres { _ = try await tx.sql.raw("SELECT id FROM channels WHERE id = \(bind: channelID) FOR UPDATE").all(decoding: I.self) }
            let exists = try await tx.sql.raw("""
                SELECT id FROM channel_commission_statements WHERE project_id = \(bind: projectID) AND channel_id = \(bind: channelID)
                AND month = \(bind: month)
                """).first(decoding: I.self)
            if exists != nil { throw Problem.conflict("commission_statement_exists") }
            try await tx.sql.raw("""
                INSERT INTO channel_commission_statements (id, project_id, channel_id, month, status, total_fen, deals, tier, created_by, created_at)
                VALUES (\(bind: id), \(bind: projectID), \(bind: channelID), \(bind: month), 'unpaid', \(bind: draft.total.fen),
                \(bind: draft.payableDeals), \(bind: draft.tier), \(bind: actor), \(bind: at))
                """).run()
            for l in draft.lines {
                guard let (aid, number) = refs[l.reference] else { continue }
                try await tx.sql.raw("""
                    INSERT INTO channel_commission_lines (id, statement_id, attribution_id, subscription_number, kind, amount_fen, explanation)
                    VALUES (\(bind: UUID()), \(bind: id), \(bind: aid), \(bind: number), \(bind: l.kind.rawValue), \(bind: l.amount.fen), \(bind: l.explanation))
                    """).run()
            }
            let s = Statement(id: id, projectId: projectID, channelId: channelID, month: month, status: "unpaid", totalFen: draft.total.fen,
                              deals: draft.payableDeals, tier: draft.tier, createdAt: at, paidAt: nil)
            return (s, AuditEntry(action: "commission_statement.create", entity: "commission_statement", entityID: id.uuidString,
                                  projectID: projectID, summary: "佣金结算单 \(month): \(draft.total)",
                                  after: ["total": draft.total.plain, "lines": "\(draft.lines.count)"]))
        }
    }

    public func statement(_ id: UUID) async throws -> Statement {
        guard let s = try await store.sql.raw("SELECT * FROM channel_commission_statements WHERE id = \(bind: id)")
            .first(decoding: Statement.self, with: decoder) else { throw Problem.notFound }
        return s
    }

    public func lines(_ statementID: UUID) async throws -> [Line] {
        try await store.sql.raw("SELECT * FROM channel_commission_lines WHERE statement_id = \(bind: statementID) ORDER BY subscription_number, kind")
            .all(decoding: Line.self, with: decoder)
    }

    /// Marks an unpaid statement paid; a second call is a 409.
    public func markPaid(_ id: UUID, context: AuditContext) async throws -> Statement {
        let s = try await statement(id)
        let at = now()
        try await store.audited(context) { tx -> ((), AuditEntry) in
            struct I: Decodable { var id: UUID }
            let done = try await tx.sql.raw("""
                UPDATE channel_commission_statements SET status = 'paid', paid_at = \(bind: at) WHERE id = \(bind: id) AND status = 'unpaid' RETURNING id
                """).all(decoding: I.self)
            guard !done.isEmpty else { throw Problem.conflict("commission_statement_not_unpaid") }
            return ((), AuditEntry(action: "commission_statement.pay", entity: "commission_statement", entityID: id.uuidString,
                                   projectID: s.projectId, summary: "佣金结算单 \(s.month) paid", before: ["status": "unpaid"], after: ["status": "paid"]))
        }
        return try await statement(id)
    }
}
