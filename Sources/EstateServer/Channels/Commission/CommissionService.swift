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
        public var approvalId: UUID? = nil
        public var submittedAt: Date? = nil
        public var decidedAt: Date? = nil
        /// A rejected statement its month's new one replaced (kept in `channel_commission_replaced`).
        public var replacedBy: UUID? = nil
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

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

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

    /// The first day of `month` ("2026-12") and of the month after it, or nil when malformed.
    public static func bounds(_ month: String) -> (first: CalendarDay, next: CalendarDay)? {
        guard month.count == 7, let first = CalendarDay(month + "-01") else { return nil }
        let next = first.month == 12 ? CalendarDay(year: first.year + 1, month: 1, day: 1) : CalendarDay(year: first.year, month: first.month + 1, day: 1)
        return next.map { (first, $0) }
    }

    /// The deals of a month's statement: each attributed deal whose payable event (认购 / 签约 / 回款 ≥ x %) happened in
    /// the month — payable at its end, not at its start, wherever it was subscribed — never stated before; and each deal
    /// clawed back (退订 / 退房) after it was stated.
    func deals(channelID: UUID, projectID: UUID, month: String, rule: CommissionRule) async throws -> (deals: [CommissionDeal], refs: [String: (UUID, String)]) {
        guard case let (first, next)? = Self.bounds(month) else { throw Problem.invalid("month", "month_invalid") }
        struct At: Decodable { var id: UUID; var subscriptionNumber: String; var subscribedAt: Date; var status: String; var referrer: String? }
        let all = try await store.sql.raw("""
            SELECT a.id, a.subscription_number, a.subscribed_at, a.status, r.referrer FROM channel_attributions a
            JOIN channel_registrations r ON r.id = a.registration_id
            WHERE a.channel_id = \(bind: channelID) AND a.project_id = \(bind: projectID) AND a.subscribed_at < \(bind: next.start)
            """).all(decoding: At.self, with: decoder)
        struct S: Decodable { var attributionId: UUID; var stated: Int64 }
        let stated = try await store.sql.raw("""
            SELECT l.attribution_id, CAST(SUM(l.amount_fen) AS BIGINT) AS stated FROM channel_commission_lines l
            JOIN channel_commission_statements s ON s.id = l.statement_id
            WHERE s.channel_id = \(bind: channelID) AND s.project_id = \(bind: projectID) AND s.status <> 'rejected'
            GROUP BY l.attribution_id
            """).all(decoding: S.self, with: decoder)
        let already = Dictionary(stated.map { ($0.attributionId, $0.stated) }, uniquingKeysWith: +)
        let candidates = all.filter { a in a.status == "attributed" ? (already[a.id] ?? 0) == 0 : (already[a.id] ?? 0) != 0 }
        let facts = try await sales.commissionFacts(projectID: projectID, subscriptionNumbers: candidates.map(\.subscriptionNumber),
                                                    until: next, since: first)
        let byNumber = Dictionary(facts.map { ($0.subscriptionNumber, $0) }, uniquingKeysWith: { a, _ in a })
        let end = next.start.addingTimeInterval(-0.001), start = first.start.addingTimeInterval(-0.001)
        var deals: [CommissionDeal] = []
        var refs: [String: (UUID, String)] = [:]
        for a in candidates {
            let f = byNumber[a.subscriptionNumber]
            let signed = f?.signedOn.flatMap(CalendarDay.init).map(\.start)
            let referrer = a.referrer.flatMap { $0.isEmpty ? nil : $0 }
            var deal = CommissionDeal(reference: a.id.uuidString, finalPrice: Money(fen: f?.finalTotalFen ?? 0), subscribedAt: a.subscribedAt,
                                      contractSignedAt: signed.flatMap { $0 <= end ? $0 : nil }, received: Money(fen: f?.receivedFen ?? 0),
                                      byReferrer: referrer != nil, referrer: referrer, clawedBack: a.status != "attributed",
                                      alreadyStated: Money(fen: already[a.id] ?? 0))
            if !deal.clawedBack {
                guard CommissionCalculator.isPayable(deal, on: rule.payableOn, asOf: end) else { continue }
                var atStart = deal
                atStart.received = Money(fen: f?.receivedBeforeFen ?? 0)
                atStart.contractSignedAt = signed.flatMap { $0 <= start ? $0 : nil }
                if CommissionCalculator.isPayable(atStart, on: rule.payableOn, asOf: start) { continue }
            } else {
                deal.alreadyStated = Money(fen: already[a.id] ?? 0)
            }
            refs[deal.reference] = (a.id, a.subscriptionNumber)
            deals.append(deal)
        }
        return (deals, refs)
    }

    /// Computes and stores the draft statement of a channel for a month (one per channel, project and month; a
    /// rejected one is replaced).
    public func createStatement(channelID: UUID, projectID: UUID, month: String, by actor: UUID?, context: AuditContext) async throws -> Statement {
        guard case let (_, next)? = Self.bounds(month) else { throw Problem.invalid("month", "month_invalid") }
        guard let rule = try await rule(channelID: channelID, projectID: projectID) else {
            throw Problem.conflict("commission_rule_missing")
        }
        let (deals, refs) = try await deals(channelID: channelID, projectID: projectID, month: month, rule: rule)
        let at = now()
        let draft = CommissionCalculator.statement(rule: rule, deals: deals, asOf: next.start.addingTimeInterval(-0.001))
        let id = UUID(), postgres = store.engine == .postgres
        return try await store.audited(context) { tx -> (Statement, AuditEntry) in
            struct I: Decodable { var id: UUID }
            // One statement per channel and month: racers wait on the channel's row (SQLite's writes are serial).
            if postgres { _ = try await tx.sql.raw("SELECT id FROM channels WHERE id = \(bind: channelID) FOR UPDATE").all(decoding: I.self) }
            // A rejected statement of the month is replaced: it moves, lines and all, to the replaced statements,
            // naming this one, so its approval still opens it.
            let rejected = try await tx.sql.raw("""
                SELECT id FROM channel_commission_statements WHERE project_id = \(bind: projectID) AND channel_id = \(bind: channelID)
                AND month = \(bind: month) AND status = 'rejected'
                """).all(decoding: I.self)
            for old in rejected {
                let columns = "project_id, channel_id, month, status, total_fen, deals, tier, created_by, created_at, paid_at, approval_id, submitted_by, submitted_at, decided_at"
                try await tx.sql.raw("""
                    INSERT INTO channel_commission_replaced (id, \(unsafeRaw: columns), replaced_by, replaced_at)
                    SELECT id, \(unsafeRaw: columns), \(bind: id), \(bind: at) FROM channel_commission_statements WHERE id = \(bind: old.id)
                    """).run()
                try await tx.sql.raw("""
                    INSERT INTO channel_commission_replaced_lines (id, statement_id, attribution_id, subscription_number, kind, amount_fen, explanation)
                    SELECT id, statement_id, attribution_id, subscription_number, kind, amount_fen, explanation
                    FROM channel_commission_lines WHERE statement_id = \(bind: old.id)
                    """).run()
                try await tx.sql.raw("DELETE FROM channel_commission_lines WHERE statement_id = \(bind: old.id)").run()
                try await tx.sql.raw("DELETE FROM channel_commission_statements WHERE id = \(bind: old.id)").run()
            }
            let exists = try await tx.sql.raw("""
                SELECT id FROM channel_commission_statements WHERE project_id = \(bind: projectID) AND channel_id = \(bind: channelID)
                AND month = \(bind: month)
                """).first(decoding: I.self)
            if exists != nil { throw Problem.conflict("commission_statement_exists") }
            try await tx.sql.raw("""
                INSERT INTO channel_commission_statements (id, project_id, channel_id, month, status, total_fen, deals, tier, created_by, created_at)
                VALUES (\(bind: id), \(bind: projectID), \(bind: channelID), \(bind: month), 'draft', \(bind: draft.total.fen),
                \(bind: draft.payableDeals), \(bind: draft.tier), \(bind: actor), \(bind: at))
                """).run()
            for l in draft.lines {
                guard let (aid, number) = refs[l.reference] else { continue }
                try await tx.sql.raw("""
                    INSERT INTO channel_commission_lines (id, statement_id, attribution_id, subscription_number, kind, amount_fen, explanation)
                    VALUES (\(bind: UUID()), \(bind: id), \(bind: aid), \(bind: number), \(bind: l.kind.rawValue), \(bind: l.amount.fen), \(bind: l.explanation))
                    """).run()
            }
            let s = Statement(id: id, projectId: projectID, channelId: channelID, month: month, status: "draft", totalFen: draft.total.fen,
                              deals: draft.payableDeals, tier: draft.tier, createdAt: at, paidAt: nil)
            return (s, AuditEntry(action: "commission_statement.create", entity: "commission_statement", entityID: id.uuidString,
                                  projectID: projectID, summary: "佣金结算单 \(month): \(draft.total)",
                                  after: ["total": draft.total.plain, "lines": "\(draft.lines.count)",
                                          "replaces": rejected.map(\.id.uuidString).joined(separator: ",")]))
        }
    }

    /// A statement, live or replaced (a rejected one whose month was generated again).
    public func statement(_ id: UUID) async throws -> Statement {
        if let s = try await store.sql.raw("SELECT * FROM channel_commission_statements WHERE id = \(bind: id)")
            .first(decoding: Statement.self, with: decoder) { return s }
        guard let s = try await store.sql.raw("SELECT * FROM channel_commission_replaced WHERE id = \(bind: id)")
            .first(decoding: Statement.self, with: decoder) else { throw Problem.notFound }
        return s
    }

    public func lines(_ statementID: UUID) async throws -> [Line] {
        let live = try await store.sql.raw("SELECT * FROM channel_commission_lines WHERE statement_id = \(bind: statementID) ORDER BY subscription_number, kind")
            .all(decoding: Line.self, with: decoder)
        guard live.isEmpty else { return live }
        return try await store.sql.raw("""
            SELECT * FROM channel_commission_replaced_lines WHERE statement_id = \(bind: statementID) ORDER BY subscription_number, kind
            """).all(decoding: Line.self, with: decoder)
    }

    /// The channel manager submits a draft: an approval of kind `commission_statement` for the sales manager,
    /// filed in the same transaction; a second submission is a 409.
    public func submit(_ id: UUID, reason: String, by principal: Principal, context: AuditContext) async throws -> Statement {
        let s = try await statement(id)
        let reason = reason.trimmingCharacters(in: .whitespaces)
        guard reason.isEmpty || Text.isCleanLine(reason, maxLength: 500) else { throw Problem.invalid("reason", "text_invalid") }
        let channel = try await channels.channel(s.channelId)
        let at = now()
        try await store.audited(context) { tx -> ((), AuditEntry) in
            let approvalID = UUID()
            struct I: Decodable { var id: UUID }
            let done = try await tx.sql.raw("""
                UPDATE channel_commission_statements SET status = 'submitted', approval_id = \(bind: approvalID), submitted_by = \(bind: principal.userID),
                submitted_at = \(bind: at) WHERE id = \(bind: id) AND status = 'draft' RETURNING id
                """).all(decoding: I.self)
            guard !done.isEmpty else { throw Problem.conflict("commission_statement_not_draft") }
            let filed = try await ApprovalService.file(.init(kind: .commissionStatement, projectID: s.projectId, subjectType: "commission_statement",
                                                             subjectID: id, title: "佣金结算单 \(channel.name) \(s.month)", amount: Money(fen: s.totalFen),
                                                             permyriad: nil, payload: "{}", requiredRole: ApprovalPolicy.commissionStatementApprover,
                                                             reason: reason.isEmpty ? "\(s.deals) 套成交" : reason),
                                                       context: context, now: at, on: tx)
            try await tx.sql.raw("UPDATE channel_commission_statements SET approval_id = \(bind: filed) WHERE id = \(bind: id)").run()
            return ((), AuditEntry(action: "commission_statement.submit", entity: "commission_statement", entityID: id.uuidString,
                                   projectID: s.projectId, summary: "佣金结算单 \(channel.name) \(s.month) submitted for approval",
                                   before: ["status": "draft"], after: ["status": "submitted", "approval": filed.uuidString]))
        }
        return try await statement(id)
    }

    /// The approval's decision on a submitted statement: approved → approved (to be paid); rejected → rejected (the
    /// month may be generated again); withdrawn → a draft again.
    static func approvalAppliers() -> [ApprovalKind: ApprovalApplier] {
        [.commissionStatement: { approval, approved, tx, _, now in
            guard let id = approval.subjectID else { return ApprovalEffect() }
            let status = approved ? "approved" : approval.status == .withdrawn ? "draft" : "rejected"
            struct I: Decodable { var id: UUID }
            let done = try await tx.sql.raw("""
                UPDATE channel_commission_statements SET status = \(bind: status), decided_at = \(bind: now),
                approval_id = \(bind: status == "draft" ? nil : approval.id) WHERE id = \(bind: id) AND status = 'submitted'
                AND approval_id = \(bind: approval.id) RETURNING id
                """).all(decoding: I.self)
            guard !done.isEmpty else { throw Problem.conflict("commission_statement_not_submitted") }
            return ApprovalEffect(entries: [AuditEntry(
                action: approved ? "commission_statement.approve" : status == "draft" ? "commission_statement.withdraw" : "commission_statement.reject",
                                                       entity: "commission_statement", entityID: id.uuidString, projectID: approval.projectID,
                                                       summary: "\(approval.title): \(status)", before: ["status": "submitted"], after: ["status": status])])
        }]
    }

    /// Marks an approved statement paid (finance); a second call, or racing calls, get one payment and 409s.
    public func markPaid(_ id: UUID, context: AuditContext) async throws -> Statement {
        let s = try await statement(id)
        let at = now()
        try await store.audited(context) { tx -> ((), AuditEntry) in
            struct I: Decodable { var id: UUID }
            let done = try await tx.sql.raw("""
                UPDATE channel_commission_statements SET status = 'paid', paid_at = \(bind: at) WHERE id = \(bind: id) AND status = 'approved' RETURNING id
                """).all(decoding: I.self)
            guard !done.isEmpty else { throw Problem.conflict("commission_statement_not_approved") }
            return ((), AuditEntry(action: "commission_statement.pay", entity: "commission_statement", entityID: id.uuidString,
                                   projectID: s.projectId, summary: "佣金结算单 \(s.month) paid", before: ["status": "approved"], after: ["status": "paid"]))
        }
        return try await statement(id)
    }

    /// Statements of a project, newest month first, optionally of one channel, month or status.
    public func list(projectID: UUID, channelID: UUID? = nil, month: String? = nil, status: String? = nil, limit: Int = 200) async throws -> [Statement] {
        var q: SQLQueryString = "SELECT * FROM channel_commission_statements WHERE project_id = \(bind: projectID)"
        if let channelID { q = q + " AND channel_id = \(bind: channelID)" }
        if let month { q = q + " AND month = \(bind: month)" }
        if let status { q = q + " AND status = \(bind: status)" }
        q = q + " ORDER BY month DESC, created_at DESC, id LIMIT \(bind: limit)"
        return try await store.sql.raw(q).all(decoding: Statement.self, with: decoder)
    }
}
