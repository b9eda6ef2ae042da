import Crypto
import EstateCore
import FluentKit
import Foundation
import SQLKit

extension SaleService {
    // MARK: Plan changes and penalty waivers

    public struct PlanLine: Sendable, Codable, Equatable {
        public var id: UUID?
        public var kind: String
        public var amountFen: Int64
        public var dueOn: String
        public init(id: UUID?, kind: PlanItemKind, amount: Money, due: CalendarDay) {
            self.id = id; self.kind = kind.rawValue; self.amountFen = amount.fen; self.dueOn = due.description
        }
    }
    struct PlanPayload: Codable { var lines: [PlanLine]; var reason: String }

    /// Checks a new plan against the contract: price items still add up to the total, nothing
    /// below what was collected on it, no item with money on it removed.
    static func checkPlan(_ lines: [PlanLine], current: [PlanItem], total: Money) -> [Problem.FieldError] {
        var bad: [Problem.FieldError] = []
        let live = current.filter(\.isLive)
        for (i, l) in lines.enumerated() {
            guard let kind = PlanItemKind(rawValue: l.kind), CalendarDay(l.dueOn) != nil else { bad.append(.init(field: "items[\(i)]", code: "item_invalid")); continue }
            if kind == .deposit || kind == .areaDifference { if l.id == nil { bad.append(.init(field: "items[\(i)].kind", code: "item_kind_not_editable")) } }
            if l.amountFen <= 0 && kind != .areaDifference { bad.append(.init(field: "items[\(i)].amount", code: "amount_invalid")) }
            if let id = l.id {
                guard let old = live.first(where: { $0.id == id }) else { bad.append(.init(field: "items[\(i)].id", code: "item_unknown")); continue }
                if old.kind.rawValue != l.kind { bad.append(.init(field: "items[\(i)].kind", code: "item_kind_changed")) }
                if l.amountFen < old.collected.fen + old.pendingIn.fen { bad.append(.init(field: "items[\(i)].amount", code: "amount_below_collected")) }
                if (old.kind == .deposit || old.kind == .areaDifference) && (l.amountFen != old.amount.fen) {
                    bad.append(.init(field: "items[\(i)].amount", code: "item_kind_not_editable"))
                }
            }
        }
        if Set(lines.compactMap(\.id)).count != lines.compactMap(\.id).count { bad.append(.init(field: "items", code: "item_twice")) }
        for old in live where !lines.contains(where: { $0.id == old.id }) && (old.collected.fen != 0 || old.pendingIn.fen != 0 || old.pendingOut.fen != 0 || old.kind == .deposit) {
            bad.append(.init(field: "items", code: "item_with_money_removed"))
        }
        let price = lines.filter { PlanItemKind(rawValue: $0.kind)?.isPrice == true }.reduce(Int64(0)) { $0 + $1.amountFen }
        if bad.isEmpty, price != total.fen { bad.append(.init(field: "items", code: "plan_not_total", arguments: ["limit": total.description])) }
        return bad
    }

    /// A change of the plan (due dates, split of amounts) goes to the sales manager.
    public func requestPlanChange(_ id: UUID, lines: [PlanLine], reason: String, context: AuditContext) async throws -> UUID {
        guard Text.isCleanLine(reason, maxLength: 200), !reason.trimmed.isEmpty else { throw Problem.invalid("reason", "reason_required") }
        let c = try await contract(id, in: [.draft, .signed], loading: [.labels, .plan])
        let bad = Self.checkPlan(lines, current: c.plan, total: c.total)
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        if c.pendingApprovalId != nil { throw Problem.conflict("change_pending") }
        let payload = try JSONEncoder().encode(PlanPayload(lines: lines, reason: reason)).utf8String
        return try await fileContractApproval(c, kind: .planChange, role: ApprovalPolicy.saleChangeApprover, title: "付款计划变更 \(c.number) \(c.unitCode)",
                                              amount: c.total, payload: payload, reason: reason, context: context)
    }

    /// 违约金减免: waiving part or all of an item's accrued penalty, by approval.
    public func requestPenaltyWaiver(_ id: UUID, item: UUID, amount: Money, reason: String, context: AuditContext) async throws -> UUID {
        guard Text.isCleanLine(reason, maxLength: 200), !reason.trimmed.isEmpty else { throw Problem.invalid("reason", "reason_required") }
        let c = try await contract(id, in: [.signed], loading: [.plan])
        guard let it = c.plan.first(where: { $0.id == item }) else { throw Problem.invalid("itemId", "item_unknown") }
        guard amount.fen > 0, amount <= it.penaltyDue else {
            throw Problem.invalid([.init(field: "amount", code: "waiver_exceeds_penalty", arguments: ["limit": it.penaltyDue.description])])
        }
        struct P: Codable { var itemID: UUID; var amountFen: Int64; var reason: String }
        let payload = try JSONEncoder().encode(P(itemID: item, amountFen: amount.fen, reason: reason)).utf8String
        // The approver is chosen on everything waived or asked for on this contract, so splitting a waiver
        // into small requests does not keep it from the GM.
        let earlier = try await Self.requested(.penaltyWaiver, subject: c.id, on: store.sql) + c.plan.reduce(Money.zero) { $0 + $1.waived }
        return try await fileContractApproval(c, kind: .penaltyWaiver, role: ApprovalPolicy.waiverApprover(earlier + amount),
                                              title: "违约金减免 \(c.number) · \(amount) 元", amount: amount, payload: payload, reason: reason,
                                              context: context, exclusive: false)
    }

    func fileContractApproval(_ c: Contract, kind: ApprovalKind, role: Role, title: String, amount: Money?, payload: String, reason: String,
                              context: AuditContext, exclusive: Bool = true) async throws -> UUID {
        let now = now()
        return try await store.audited(context) { tx in
            let approval = try await ApprovalService.file(.init(kind: kind, projectID: c.projectId, subjectType: "contract", subjectID: c.id, title: title,
                                                               amount: amount, permyriad: nil, payload: payload, requiredRole: role, reason: reason),
                                                          context: context, now: now, on: tx)
            if exclusive {
                let rows = try await tx.sql.update("contracts").set("pending_approval_id", to: approval).where("id", .equal, c.id)
                    .where(SQLColumn("pending_approval_id"), .is, SQLLiteral.null).returning("id").all()
                guard !rows.isEmpty else { throw Problem.conflict("change_pending") }
            }
            try await Self.event(c.subscriptionId, "\(kind.rawValue).request", "申请\(title)：\(reason)", context: context, now: now, on: tx)
            return (approval, AuditEntry(action: "approval.request", entity: "contract", entityID: c.id.uuidString, projectID: c.projectId,
                                         summary: "requested \(kind.rawValue) for \(c.number)", after: ["kind": kind.rawValue, "approver": role.rawValue]))
        }
    }

    static func contractAppliers(events: UnitEventHub) -> [ApprovalKind: ApprovalApplier] {
        let all: [ApprovalKind: ApprovalApplier] = [
            .planChange: { approval, approved, tx, context, now in
                guard let id = approval.subjectID else { return ApprovalEffect() }
                struct C: Decodable { var subscription_id: UUID; var total_fen: Int64; var status: String; var penalty_rate: Int }
                guard let c = try await tx.sql.select().columns("subscription_id", "total_fen", "status", "penalty_rate").from("contracts")
                    .where("id", .equal, id).first(decoding: C.self) else { return ApprovalEffect() }
                try await clearPending(c.subscription_id, approval: approval.id, on: tx)
                guard approved else {
                    try await event(c.subscription_id, "plan_change.\(approval.status.rawValue)", "付款计划变更未获批准", context: context, now: now, on: tx)
                    return ApprovalEffect()
                }
                guard c.status != ContractStatus.terminated.rawValue else { throw Problem.conflict("contract_status_conflict", ["status": c.status]) }
                let p = try JSONDecoder().decode(PlanPayload.self, from: Data(approval.payload.utf8))
                // Decided on the plan as it is now: money may have come in since the request.
                let current = try await plan(c.subscription_id, rate: c.penalty_rate, today: CalendarDay(now), on: tx.sql)
                let bad = checkPlan(p.lines, current: current, total: Money(fen: c.total_fen))
                guard bad.isEmpty else { throw Problem.conflict("plan_changed_meanwhile") }
                // Each write only if the item still holds what was checked: a receipt racing this decision wins, and the
                // decision is refused (plan_changed_meanwhile) rather than leaving an item below its money.
                for old in current where old.isLive && !p.lines.contains(where: { $0.id == old.id }) {
                    let gone = try await tx.sql.raw("""
                        UPDATE payment_items SET is_live = \(SQLLiteral.boolean(false)) WHERE id = \(bind: old.id)
                          AND confirmed_fen = 0 AND pending_in_fen = 0 AND pending_out_fen = 0 RETURNING id
                        """).all()
                    guard !gone.isEmpty else { throw Problem.conflict("plan_changed_meanwhile") }
                }
                var seq = (current.map(\.seq).max() ?? 0) + 1
                for l in p.lines {
                    if let itemID = l.id {
                        let kept = try await tx.sql.raw("""
                            UPDATE payment_items SET amount_fen = \(bind: l.amountFen), due_on = \(bind: l.dueOn)
                            WHERE id = \(bind: itemID) AND is_live AND confirmed_fen + pending_in_fen <= \(bind: l.amountFen) RETURNING id
                            """).all()
                        guard !kept.isEmpty else { throw Problem.conflict("plan_changed_meanwhile") }
                    } else {
                        try await insertItems([.init(kind: PlanItemKind(rawValue: l.kind)!, amount: Money(fen: l.amountFen), due: CalendarDay(l.dueOn)!)],
                                              sale: c.subscription_id, projectID: approval.projectID, from: seq, on: tx)
                        seq += 1
                    }
                }
                try await event(c.subscription_id, "plan_change", "付款计划已变更（\(p.lines.count) 期）：\(p.reason)", context: context, now: now, on: tx)
                return ApprovalEffect(entries: [AuditEntry(action: "plan.change", entity: "contract", entityID: id.uuidString, projectID: approval.projectID,
                                                           summary: "payment plan changed: \(approval.title)", after: ["items": "\(p.lines.count)"])])
            },
            .penaltyWaiver: { approval, approved, tx, context, now in
                guard let id = approval.subjectID else { return ApprovalEffect() }
                struct C: Decodable { var subscription_id: UUID }
                guard let c = try await tx.sql.select().column("subscription_id").from("contracts").where("id", .equal, id).first(decoding: C.self)
                else { return ApprovalEffect() }
                guard approved else { return ApprovalEffect() }
                struct P: Codable { var itemID: UUID; var amountFen: Int64; var reason: String }
                let p = try JSONDecoder().decode(P.self, from: Data(approval.payload.utf8))
                // Decided on the penalty as it stands now: waivers approved since count against it.
                struct T: Decodable { var penalty_rate: Int; var signed_on: String? }
                let terms = try await tx.sql.select().columns("penalty_rate", "signed_on").from("contracts").where("id", .equal, id).first(decoding: T.self)
                let items = try await plan(c.subscription_id, rate: terms?.penalty_rate ?? 0, from: terms?.signed_on.flatMap(CalendarDay.init),
                                           today: CalendarDay(now), on: tx.sql)
                guard let item = items.first(where: { $0.id == p.itemID }), p.amountFen <= item.penaltyDue.fen else {
                    throw Problem.conflict("waiver_exceeds_penalty")
                }
                try await tx.sql.insert(into: "penalty_waivers").columns("id", "item_id", "subscription_id", "amount_fen", "approval_id", "reason", "created_at")
                    .values(SQLBind(UUID()), SQLBind(p.itemID), SQLBind(c.subscription_id), SQLBind(p.amountFen), SQLBind(approval.id), SQLBind(p.reason),
                            SQLBind(now)).run()
                try await event(c.subscription_id, "penalty_waiver", "违约金减免 \(Money(fen: p.amountFen)) 元：\(p.reason)", context: context, now: now, on: tx)
                return ApprovalEffect(entries: [AuditEntry(action: "penalty.waive", entity: "contract", entityID: id.uuidString, projectID: approval.projectID,
                                                           summary: "waived \(Money(fen: p.amountFen).plain) of penalty", after: ["amount": Money(fen: p.amountFen).plain])])
            },
            .refund: { approval, approved, tx, context, now in
                guard let sale = approval.subjectID else { return ApprovalEffect() }
                struct R: Decodable { var id: UUID; var item_id: UUID; var amount_fen: Int64; var number: String }
                guard let r = try await tx.sql.select().columns("id", "item_id", "amount_fen", "number").from("receipts")
                    .where("approval_id", .equal, approval.id).where("status", .equal, ReceiptStatus.awaitingApproval.rawValue).first(decoding: R.self)
                else { return ApprovalEffect() }
                guard approved else {
                    try await tx.sql.update("receipts").set("status", to: ReceiptStatus.rejected.rawValue).where("id", .equal, r.id).run()
                    try await event(sale, "refund.\(approval.status.rawValue)", "退款 \(r.number) 未获批准", context: context, now: now, on: tx)
                    return ApprovalEffect()
                }
                // Approved: it now waits for finance to pay it out; it may not exceed what was collected.
                guard try await tx.sql.raw("""
                    UPDATE payment_items SET pending_out_fen = pending_out_fen + \(bind: r.amount_fen)
                    WHERE id = \(bind: r.item_id) AND \(refundLimit(r.amount_fen)) RETURNING id
                    """).first() != nil else { throw Problem.conflict("refund_exceeds_collected") }
                try await tx.sql.update("receipts").set("status", to: ReceiptStatus.pending.rawValue).where("id", .equal, r.id).run()
                try await event(sale, "refund.approve", "退款 \(r.number) 已批准，待财务付款核实", context: context, now: now, on: tx)
                return ApprovalEffect(entries: [AuditEntry(action: "refund.approve", entity: "receipt", entityID: r.id.uuidString, projectID: approval.projectID,
                                                           summary: "refund \(r.number) approved", before: ["status": "awaiting_approval"], after: ["status": "pending"])])
            },
            .termination: { approval, approved, tx, context, now in
                guard let id = approval.subjectID else { return ApprovalEffect() }
                let p = try JSONDecoder().decode(TerminationPayload.self, from: Data(approval.payload.utf8))
                struct C: Decodable { var subscription_id: UUID; var unit_id: UUID; var number: String; var status: String; var delivered_on: String? }
                guard let c = try await tx.sql.select().columns("subscription_id", "unit_id", "number", "status", "delivered_on").from("contracts")
                    .where("id", .equal, id).first(decoding: C.self) else { return ApprovalEffect() }
                try await clearPending(c.subscription_id, approval: approval.id, on: tx)
                guard approved else {
                    try await tx.sql.update("contracts").set("area_decision", to: "keep").where("id", .equal, id).where("area_decision", .equal, "return").run()
                    try await event(c.subscription_id, "termination.\(approval.status.rawValue)", "退房未获批准", context: context, now: now, on: tx)
                    return ApprovalEffect()
                }
                guard c.status == ContractStatus.signed.rawValue, c.delivered_on == nil else { throw Problem.conflict("contract_status_conflict", ["status": c.status]) }
                try await tx.sql.update("contracts").set("status", to: ContractStatus.terminated.rawValue).set("terminated_on", to: CalendarDay(now).description)
                    .set("termination_reason", to: p.reason).set("updated_at", to: now).where("id", .equal, id).run()
                try await ReportLedger.termination(id, projectID: approval.projectID, on: tx.sql)
                let code = try await freeUnit(c.unit_id, in: approval.projectID, move: .terminate, reason: "退房 \(c.number)：\(p.reason)",
                                              context: context, now: now, on: tx)
                try await tx.sql.update("payment_items").set("is_live", to: SQLLiteral.boolean(false)).where("subscription_id", .equal, c.subscription_id).run()
                try await rejectWaiting(c.subscription_id, reason: "退房", context: context, now: now, on: tx)
                // A handover appointment gives its place back.
                try await tx.sql.raw("""
                    UPDATE delivery_slots SET booked = booked - 1 WHERE booked > 0 AND id = (SELECT slot_id FROM contracts WHERE id = \(bind: id))
                    """).run()
                try await tx.sql.update("contracts").set("slot_id", to: SQLLiteral.null).where("id", .equal, id).run()
                let refunded = try await refundEverything(c.subscription_id, projectID: approval.projectID, approval: approval.id, reason: "退房退款",
                                                          keeping: Money(fen: p.retainedFen), context: context, now: now, on: tx)
                try await event(c.subscription_id, "terminate",
                                "退房 \(code) · 退还已收房款 \(refunded) 元（待财务付款核实）\(p.retainedFen > 0 ? " · 扣留违约金 \(Money(fen: p.retainedFen)) 元" : "")：\(p.reason)",
                                context: context, now: now, on: tx)
                let change = UnitChange(projectID: approval.projectID, unitIDs: [c.unit_id])
                try await events.announce(change, on: tx)
                return ApprovalEffect(entries: [AuditEntry(action: "contract.terminate", entity: "contract", entityID: id.uuidString,
                                                           projectID: approval.projectID, summary: "contract \(c.number) terminated, unit \(code) freed",
                                                           before: ["status": "signed"], after: ["status": "terminated", "refunded": refunded.plain,
                                                                                                 "retained": Money(fen: p.retainedFen).plain])],
                                      afterCommit: { events.committed(change) })
            },
        ]
        return all
    }
}
