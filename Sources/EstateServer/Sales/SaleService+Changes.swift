import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 退订, 换房, 更名: the exits of a subscription before the contract is signed.
extension SaleService {
    struct CancelPayload: Codable { var outcome: String; var reason: String }
    struct BuyerPayload: Codable { var buyers: [BuyerEntry]; var reason: String }
    struct BuyerEntry: Codable { var customerID: UUID; var share: Int }

    public enum DepositOutcome: String, CaseIterable, Sendable {
        /// 退还定金
        case refund
        /// 定金不予退还 (定金罚则, 民法典 587)
        case forfeit
        public var catalogKey: String { "sale.deposit.\(rawValue)" }
    }

    /// A subscription that can still change: active, no contract signed, no change waiting.
    func changeable(_ id: UUID) async throws -> Subscription {
        let s = try await subscription(id)
        guard s.state == .active else { throw Problem.conflict("subscription_not_active", ["status": s.status]) }
        if s.pendingApprovalId != nil { throw Problem.conflict("change_pending") }
        return s
    }

    /// 退订 asks the sales manager; the unit is freed when it is approved.
    public func requestCancellation(_ id: UUID, outcome: DepositOutcome, reason: String, context: AuditContext) async throws -> UUID {
        guard Text.isCleanLine(reason, maxLength: 200), !reason.trimmed.isEmpty else { throw Problem.invalid("reason", "reason_required") }
        let s = try await changeable(id)
        if let c = s.contractId, try await contractStatus(c) == .signed { throw Problem.conflict("contract_signed") }
        return try await fileChange(s, kind: .subscriptionCancel, role: ApprovalPolicy.saleChangeApprover,
                                    title: "退订 \(s.number) \(s.unitCode) · 定金\(outcome == .refund ? "退还" : "不退")",
                                    amount: s.deposit, payload: try JSONEncoder().encode(CancelPayload(outcome: outcome.rawValue, reason: reason)),
                                    reason: reason, context: context)
    }

    /// 更名 asks the customer-service manager; the buyers change when it is approved.
    public func requestBuyerChange(_ id: UUID, buyers: [BuyerDraft], reason: String, principal: Principal, context: AuditContext) async throws -> UUID {
        guard Text.isCleanLine(reason, maxLength: 200), !reason.trimmed.isEmpty else { throw Problem.invalid("reason", "reason_required") }
        if let p = BuyerShares.check(buyers.map { (id: $0.customerID, share: $0.share) }) { throw Problem.invalid("buyers", p.rawValue) }
        let s = try await changeable(id)
        let checked = try await checkBuyers(buyers, in: s.projectId, principal: principal)
        if checked.map({ BuyerDraft(customerID: $0.customerId, share: $0.share) }) == s.buyers.map({ BuyerDraft(customerID: $0.customerId, share: $0.share) }) {
            throw Problem.conflict("buyers_unchanged")
        }
        let payload = BuyerPayload(buyers: buyers.map { BuyerEntry(customerID: $0.customerID, share: $0.share) }, reason: reason)
        return try await fileChange(s, kind: .buyerChange, role: ApprovalPolicy.renameApprover,
                                    title: "更名 \(s.number) \(s.unitCode) · \(Masking.name(s.buyerNames)) → \(checked.map { Masking.name($0.name) }.joined(separator: "、"))",
                                    amount: nil, payload: try JSONEncoder().encode(payload), reason: reason, context: context)
    }

    /// Files the approval and marks the subscription as waiting for it, in one transaction.
    func fileChange(_ s: Subscription, kind: ApprovalKind, role: Role, title: String, amount: Money?, payload: Data, reason: String,
                    context: AuditContext) async throws -> UUID {
        let now = now()
        return try await store.audited(context) { tx in
            let approval = try await ApprovalService.file(.init(kind: kind, projectID: s.projectId, subjectType: "subscription", subjectID: s.id,
                                                               title: title, amount: amount, permyriad: nil, payload: payload.utf8String,
                                                               requiredRole: role, reason: reason), context: context, now: now, on: tx)
            let marked = try await tx.sql.update("subscriptions").set("pending_approval_id", to: approval).set("updated_at", to: now)
                .where("id", .equal, s.id).where("status", .equal, SubscriptionStatus.active.rawValue)
                .where(SQLColumn("pending_approval_id"), .is, SQLLiteral.null).returning("id").all()
            guard !marked.isEmpty else { throw Problem.conflict("change_pending") }
            try await Self.event(s.id, "\(kind.rawValue).request", "申请\(title)：\(reason)", context: context, now: now, on: tx)
            return (approval, AuditEntry(action: "approval.request", entity: "subscription", entityID: s.id.uuidString, projectID: s.projectId,
                                         summary: "requested \(kind.rawValue) for \(s.number)", after: ["kind": kind.rawValue, "approver": role.rawValue]))
        }
    }

    /// 换房: the sale moves to another unit at that unit's price, atomically: the old unit is
    /// freed and the new one taken in one transaction, so two moves into one unit: one wins.
    public func changeUnit(_ id: UUID, to unitID: UUID, ruleIDs: [UUID], special: Int?, discountApprovalID: UUID?, reason: String,
                           principal: Principal, context: AuditContext) async throws -> Subscription {
        guard Text.isCleanLine(reason, maxLength: 200), !reason.trimmed.isEmpty else { throw Problem.invalid("reason", "reason_required") }
        let s = try await changeable(id)
        if s.contractId != nil { throw Problem.conflict("contract_exists") }
        guard unitID != s.unitId else { throw Problem.invalid("unitId", "same_unit") }
        let pricing = PricingService(store: store, now: now, events: events)
        let quote = try await pricing.quote(unit: unitID, in: s.projectId, ruleIDs: ruleIDs, special: special,
                                            requesterRoles: principal.roles(on: s.projectId))
        if let approver = quote.approver {
            try await checkDiscountApproval(discountApprovalID, unitID: unitID, ruleIDs: ruleIDs, special: quote.specialPermyriad,
                                            finalTotal: quote.quote.finalTotal, projectID: s.projectId, approver: approver)
        }
        // The deposit agreed stays; it must still be a lawful deposit at the new price.
        guard DepositRule.isAllowed(s.deposit, price: quote.quote.finalTotal) else {
            throw Problem.conflict("deposit_out_of_range", ["limit": DepositRule.maximum(for: quote.quote.finalTotal).description])
        }
        let approvalID = quote.approver == nil ? nil : discountApprovalID
        let now = now()
        guard let first = s.buyers.first else { throw Problem.conflict("subscription_not_active") }
        try await checkReservation(unitID, buyers: s.buyers, principal: principal, projectID: s.projectId)
        do {
            try await store.audited(context, announcing: events) { tx in
                // The sale's report facts move with it to the new unit: out here, back in below. The row is
                // locked first, so a receipt confirmed meanwhile is counted once, under one unit.
                try await ReportLedger.lockSale(s.id, on: tx.sql)
                try await ReportLedger.sale(s.id, projectID: s.projectId, sign: -1, on: tx.sql)
                // The row first: a concurrent change of this same sale loses here.
                let moved = try await tx.sql.raw("""
                    UPDATE subscriptions SET unit_id = \(bind: unitID), list_total_fen = \(bind: quote.unit.listTotal.fen),
                        final_total_fen = \(bind: quote.quote.finalTotal.fen), effective_permyriad = \(bind: quote.quote.effectivePermyriad),
                        rules = \(bind: quote.quote.steps.map(\.rule.name).joined(separator: "|")), special_permyriad = \(bind: quote.specialPermyriad),
                        updated_at = \(bind: now)
                    WHERE id = \(bind: s.id) AND unit_id = \(bind: s.unitId) AND status = 'active' AND pending_approval_id IS NULL RETURNING id
                    """).all()
                guard !moved.isEmpty else { throw Problem.conflict("subscription_changed") }
                // Checked after the row is ours: a contract drafted meanwhile is visible now.
                struct N: Decodable { var n: Int }
                if try await tx.sql.raw("SELECT COUNT(*) AS n FROM contracts WHERE subscription_id = \(bind: s.id)").first(decoding: N.self)?.n ?? 0 > 0 {
                    throw Problem.conflict("contract_exists")
                }
                // A spent special-discount approval stays spent: it is replaced only by the new unit's own.
                if let approvalID { try await tx.sql.update("subscriptions").set("discount_approval_id", to: approvalID).where("id", .equal, s.id).run() }
                let old = try await Self.freeUnit(s.unitId, in: s.projectId, move: .cancelSubscription, reason: "换房 \(s.number)：\(reason)",
                                                  context: context, now: now, on: tx)
                let new = try await Self.takeUnit(unitID, in: s.projectId, buyer: first, reason: "换房 \(s.number)：\(reason)",
                                                  context: context, now: now, on: tx)
                try await ReportLedger.sale(s.id, projectID: s.projectId, sign: 1, on: tx.sql)
                try await Self.event(s.id, "change_unit", "换房 \(old) → \(new) · 成交价 \(s.finalTotal) → \(quote.quote.finalTotal) 元：\(reason)",
                                     context: context, now: now, on: tx)
                return ((), AuditEntry(action: "sale.change_unit", entity: "subscription", entityID: s.id.uuidString, projectID: s.projectId,
                                       summary: "subscription \(s.number) moved from \(old) to \(new)",
                                       before: ["unit": old, "finalTotal": s.finalTotal.plain],
                                       after: ["unit": new, "finalTotal": quote.quote.finalTotal.plain, "reason": reason]),
                        UnitChange(projectID: s.projectId, unitIDs: [s.unitId, unitID]))
            }
        } catch where error.isConstraintFailure {
            throw try await constraintProblem(unit: unitID, in: s.projectId, approval: approvalID)
        }
        return try await subscription(id)
    }

    // MARK: What approvals do

    static func approvalAppliers(events: UnitEventHub) -> [ApprovalKind: ApprovalApplier] {
        var all: [ApprovalKind: ApprovalApplier] = [
            .subscriptionCancel: { approval, approved, tx, context, now in
                guard let id = approval.subjectID else { return ApprovalEffect() }
                try await clearPending(id, approval: approval.id, on: tx)
                guard approved else {
                    try await event(id, "subscription_cancel.\(approval.status.rawValue)", "退订未获批准", context: context, now: now, on: tx)
                    return ApprovalEffect()
                }
                let p = try JSONDecoder().decode(CancelPayload.self, from: Data(approval.payload.utf8))
                struct S: Decodable { var unit_id: UUID; var number: String }
                guard let s = try await tx.sql.select().columns("unit_id", "number").from("subscriptions").where("id", .equal, id)
                    .where("status", .equal, SubscriptionStatus.active.rawValue).first(decoding: S.self)
                else { throw Problem.conflict("subscription_not_active") }
                // A contract still in draft goes with it.
                struct C: Decodable { var id: UUID; var status: String }
                if let c = try await tx.sql.select().columns("id", "status").from("contracts").where("subscription_id", .equal, id).first(decoding: C.self) {
                    guard c.status == ContractStatus.draft.rawValue else { throw Problem.conflict("contract_signed") }
                    try await tx.sql.update("contracts").set("status", to: ContractStatus.terminated.rawValue).set("terminated_on", to: CalendarDay(now).description)
                        .set("termination_reason", to: "退订").set("updated_at", to: now).where("id", .equal, c.id).run()
                }
                try await tx.sql.update("subscriptions").set("status", to: SubscriptionStatus.cancelled.rawValue)
                    .set("cancelled_on", to: CalendarDay(now).description).set("cancel_reason", to: p.reason).set("deposit_outcome", to: p.outcome)
                    .set("updated_at", to: now).where("id", .equal, id).run()
                try await ReportLedger.cancellation(id, projectID: approval.projectID, on: tx.sql)
                let code = try await freeUnit(s.unit_id, in: approval.projectID, move: .cancelSubscription, reason: "退订 \(s.number)：\(p.reason)",
                                              context: context, now: now, on: tx)
                // Nothing more falls due; money recorded but not yet confirmed is sent back to finance as not
                // received; money confirmed is paid back, except the deposit when it is forfeited (定金罚则 covers
                // the deposit only, 民法典 587).
                try await tx.sql.update("payment_items").set("is_live", to: SQLLiteral.boolean(false)).where("subscription_id", .equal, id).run()
                try await rejectWaiting(id, reason: "退订", context: context, now: now, on: tx)
                let refunded = try await refundEverything(id, projectID: approval.projectID, approval: approval.id, reason: "退订退款",
                                                          except: p.outcome == DepositOutcome.forfeit.rawValue ? [.deposit] : [],
                                                          context: context, now: now, on: tx)
                try await event(id, "cancel", "退订 \(code) · 定金\(p.outcome == "refund" ? "退还" : "不予退还") · 退款 \(refunded) 元：\(p.reason)",
                                context: context, now: now, on: tx)
                let change = UnitChange(projectID: approval.projectID, unitIDs: [s.unit_id])
                try await events.announce(change, on: tx)
                return ApprovalEffect(entries: [AuditEntry(action: "sale.cancel", entity: "subscription", entityID: id.uuidString,
                                                           projectID: approval.projectID, summary: "subscription \(s.number) cancelled, unit \(code) freed",
                                                           before: ["status": "active"], after: ["status": "cancelled", "deposit": p.outcome,
                                                                                                 "refunded": refunded.plain])],
                                      afterCommit: { events.committed(change) })
            },
            .buyerChange: { approval, approved, tx, context, now in
                guard let id = approval.subjectID else { return ApprovalEffect() }
                try await clearPending(id, approval: approval.id, on: tx)
                guard approved else {
                    try await event(id, "buyer_change.\(approval.status.rawValue)", "更名未获批准", context: context, now: now, on: tx)
                    return ApprovalEffect()
                }
                let p = try JSONDecoder().decode(BuyerPayload.self, from: Data(approval.payload.utf8))
                struct S: Decodable { var status: String }
                guard try await tx.sql.select().column("status").from("subscriptions").where("id", .equal, id).first(decoding: S.self)?.status
                    == SubscriptionStatus.active.rawValue else { throw Problem.conflict("subscription_not_active") }
                // The old buyers stay on record, no longer current: the history of who bought.
                try await tx.sql.update("sale_buyers").set("is_current", to: SQLLiteral.boolean(false)).set("ended_at", to: now)
                    .where("subscription_id", .equal, id).where(SQLColumn("is_current"), .equal, SQLLiteral.boolean(true)).run()
                try await insertBuyers(p.buyers.map { BuyerDraft(customerID: $0.customerID, share: $0.share) }, sale: id, now: now, on: tx)
                let firstBuyer = try await CustomerDirectory.contacts([p.buyers[0].customerID], sql: tx.sql)[p.buyers[0].customerID]
                struct U: Decodable { var unit_id: UUID }
                if let firstBuyer,
                   let unit = try await tx.sql.select().column("unit_id").from("subscriptions").where("id", .equal, id).first(decoding: U.self) {
                    try await SalesControlService.renameLiveClaim(unitID: unit.unit_id, customerName: firstBuyer.name, mobile: firstBuyer.mobile, on: tx)
                }
                // A file reviewed for other buyers is reviewed again.
                try await tx.sql.update("contracts").set("review_status", to: ReviewStatus.pending.rawValue).where("subscription_id", .equal, id)
                    .where("status", .equal, ContractStatus.draft.rawValue).run()
                try await event(id, "buyer_change", "更名：\(approval.title)：\(p.reason)", context: context, now: now, on: tx)
                return ApprovalEffect(entries: [AuditEntry(action: "sale.change_buyers", entity: "subscription", entityID: id.uuidString,
                                                           projectID: approval.projectID, summary: "buyers changed: \(approval.title)",
                                                           after: ["buyers": "\(p.buyers.count)"])])
            },
        ]
        all.merge(contractAppliers(events: events)) { a, _ in a }
        return all
    }

    static func clearPending(_ id: UUID, approval: UUID, on tx: any Database) async throws {
        try await tx.sql.update("subscriptions").set("pending_approval_id", to: SQLLiteral.null).where("id", .equal, id)
            .where("pending_approval_id", .equal, approval).run()
        try await tx.sql.update("contracts").set("pending_approval_id", to: SQLLiteral.null).where("subscription_id", .equal, id)
            .where("pending_approval_id", .equal, approval).run()
    }

    func contractStatus(_ id: UUID) async throws -> ContractStatus? {
        struct C: Decodable { var status: String }
        return try await store.sql.select().column("status").from("contracts").where("id", .equal, id).first(decoding: C.self)
            .flatMap { ContractStatus(rawValue: $0.status) }
    }
}
