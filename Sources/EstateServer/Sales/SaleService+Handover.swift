import EstateCore
import FluentKit
import Foundation
import SQLKit

extension SaleService {
    // MARK: 交付

    /// Records the registered (measured) area and settles the difference per 第20条: the result is
    /// a plan item (positive: the buyer pays; negative: the developer refunds). Beyond ±3 % the
    /// buyer decides: keep (settled as 第20条 says) or return the unit (退房, which needs the GM).
    public func recordHandover(_ id: UUID, registered: Area, decision: String?, context: AuditContext) async throws -> Contract {
        let c = try await contract(id, in: [.signed], loading: [.labels, .plan])
        if c.deliveredOn != nil { throw Problem.conflict("already_delivered") }
        guard registered.hundredths > 0, registered.hundredths <= 10_000_000 else { throw Problem.invalid("registeredArea", "area_invalid") }
        if let existing = c.plan.first(where: { $0.kind == .areaDifference && $0.isLive }), existing.collected.fen != 0 || existing.pendingIn.fen != 0 || existing.pendingOut.fen != 0 {
            throw Problem.conflict("area_difference_paid")
        }
        let basis = PricingBasis(rawValue: c.pricingBasis) ?? .builtArea
        let s = AreaDifference.settle(contract: c.area, registered: registered, unitPrice: c.unitPrice, basis: basis)
        if s.buyerMayReturn, decision == nil { throw Problem.invalid("decision", "area_decision_required") }
        if !s.buyerMayReturn, decision != nil, decision != "keep" { throw Problem.invalid("decision", "area_return_not_allowed") }
        let now = now(), today = today
        let ratio = DecimalText.format(Rounding.halfUp(Int128(s.ratioPPM), divisor: 100), scale: 2, grouping: false)
        try await store.audited(context) { tx in
            try await Self.conditional("contracts", id, set: ["registered_area": registered.hundredths, "area_band": s.band.rawValue,
                                                             "area_ratio_ppm": s.ratioPPM, "area_buyer_pays_fen": s.buyerPays.fen,
                                                             "area_developer_bears_fen": s.developerBears.fen, "area_decision": decision ?? "keep",
                                                             "updated_at": now],
                                       where: "status", is: ContractStatus.signed.rawValue, conflict: "contract_status_conflict", on: tx)
            // A settlement recorded before is replaced only while no money moved on it.
            try await tx.sql.raw("""
                UPDATE payment_items SET is_live = \(SQLLiteral.boolean(false)) WHERE subscription_id = \(bind: c.subscriptionId)
                  AND kind = 'area_difference' AND is_live AND confirmed_fen = 0 AND pending_in_fen = 0 AND pending_out_fen = 0
                """).run()
            struct N: Decodable { var n: Int }
            if try await tx.sql.raw("""
                SELECT COUNT(*) AS n FROM payment_items WHERE subscription_id = \(bind: c.subscriptionId) AND kind = 'area_difference' AND is_live
                """).first(decoding: N.self)?.n ?? 0 > 0 { throw Problem.conflict("area_difference_paid") }
            // Returning the unit (beyond +3 %) asks the GM in the same transaction as the settlement it rests on.
            if decision == "return" {
                _ = try await Self.fileTermination(c, reason: "面积误差绝对值超过3%，买受人选择退房（第20条）", retained: .zero, context: context, now: now, on: tx)
            }
            if decision != "return", s.buyerPays.fen != 0 {
                let seq = (c.plan.map(\.seq).max() ?? 0) + 1
                try await Self.insertItems([.init(kind: .areaDifference, amount: s.buyerPays, due: today.adding(days: 30))], sale: c.subscriptionId,
                                           projectID: c.projectId, from: seq, on: tx)
            }
            try await Self.event(c.subscriptionId, "handover.area",
                                 "实测面积 \(registered) ㎡（合同 \(c.area) ㎡，\(ratio)%）· \(["within": "3%以内", "above": "超出3%", "below": "不足3%"][s.band.rawValue] ?? "按套计价") · 补差 \(s.buyerPays) 元\(s.developerBears.fen > 0 ? " · 开发商承担 \(s.developerBears) 元" : "")\(decision == "return" ? " · 买受人选择退房" : "")",
                                 context: context, now: now, on: tx)
            return ((), AuditEntry(action: "contract.area", entity: "contract", entityID: id.uuidString, projectID: c.projectId,
                                   summary: "area difference of \(c.number): \(s.band.rawValue) \(ratio)%",
                                   after: ["registered": registered.description, "buyerPays": s.buyerPays.plain, "decision": decision ?? "keep"]))
        }
        return try await contract(id)
    }

    /// 交付: keys handed over. Only a signed contract whose area is settled, and whose money due by
    /// the handover day (not what the lender pays, nor instalments falling due later) and area
    /// difference have been received and confirmed.
    public func deliver(_ id: UUID, on day: CalendarDay, note: String, context: AuditContext) async throws -> Contract {
        let c = try await contract(id, in: [.signed], loading: [.labels, .plan])
        guard note.isEmpty || Text.isCleanLine(note, maxLength: 200) else { throw Problem.invalid("note", "text_invalid") }
        guard c.registeredArea != nil else { throw Problem.conflict("area_not_recorded") }
        if c.areaDecision == "return" || c.pendingApprovalId != nil { throw Problem.conflict("change_pending") }
        let signed = c.signedOn.flatMap(CalendarDay.init) ?? today
        guard day >= signed, day <= today else { throw Problem.invalid("deliveredOn", "date_invalid") }
        let unpaid = c.plan.filter {
            $0.isLive && !$0.kind.isLoan && $0.kind != .maintenanceFund && $0.outstanding.fen > 0 && ($0.due <= day || $0.kind == .areaDifference)
        }
        if !unpaid.isEmpty {
            throw Problem.conflict("payments_outstanding", ["amount": unpaid.reduce(Money.zero) { $0 + $1.outstanding }.description,
                                                            "count": "\(unpaid.count)"])
        }
        let now = now()
        try await store.audited(context, announcing: events) { tx in
            try await Self.conditional("contracts", id, set: ["delivered_on": day.description, "title_due_on": day.adding(days: c.titleDays).description,
                                                             "updated_at": now],
                                       where: "status", is: ContractStatus.signed.rawValue, conflict: "contract_status_conflict", on: tx)
            _ = try await SalesControlService.transition(.deliver, unit: c.unitId, in: c.projectId, reason: "交付 \(c.number)", claimID: nil,
                                                         batchID: nil, context: context, now: now, on: tx)
            try await Self.event(c.subscriptionId, "deliver", "交付 \(c.unitCode) · \(day)\(note.isEmpty ? "" : "：\(note)")", context: context, now: now, on: tx)
            return ((), AuditEntry(action: "contract.deliver", entity: "contract", entityID: id.uuidString, projectID: c.projectId,
                                   summary: "unit \(c.unitCode) delivered", after: ["deliveredOn": day.description]),
                    UnitChange(projectID: c.projectId, unitIDs: [c.unitId]))
        }
        return try await contract(id)
    }

    /// 退房 asks the GM; on approval the unit is freed and everything confirmed is paid back, less
    /// what the developer retains as liquidated damages when the buyer is in default.
    public func requestTermination(_ id: UUID, reason: String, retained: Money = .zero, context: AuditContext) async throws -> UUID {
        guard Text.isCleanLine(reason, maxLength: 200), !reason.trimmed.isEmpty else { throw Problem.invalid("reason", "reason_required") }
        let c = try await contract(id, in: [.signed], loading: [.labels, .plan])
        guard retained.fen >= 0, retained <= c.collected else {
            throw Problem.invalid([.init(field: "retained", code: "retained_exceeds_collected", arguments: ["limit": c.collected.description])])
        }
        if c.deliveredOn != nil { throw Problem.conflict("already_delivered") }
        if c.pendingApprovalId != nil { throw Problem.conflict("change_pending") }
        let now = now()
        return try await store.audited(context) { tx in
            let approval = try await Self.fileTermination(c, reason: reason, retained: retained, context: context, now: now, on: tx)
            return (approval, AuditEntry(action: "approval.request", entity: "contract", entityID: id.uuidString, projectID: c.projectId,
                                         summary: "requested termination of \(c.number)", after: ["kind": "termination"]))
        }
    }

    /// Files the GM's approval of a 退房 and marks the contract as waiting for it, inside the caller's transaction.
    static func fileTermination(_ c: Contract, reason: String, retained: Money, context: AuditContext, now: Date,
                                on tx: any Database) async throws -> UUID {
        let approval = try await ApprovalService.file(.init(kind: .termination, projectID: c.projectId, subjectType: "contract", subjectID: c.id,
                                                           title: "退房 \(c.number) \(c.unitCode) · 已收 \(c.collected) 元\(retained.fen > 0 ? " · 扣留 \(retained) 元" : "")",
                                                           amount: c.collected, permyriad: nil,
                                                           payload: try JSONEncoder().encode(TerminationPayload(reason: reason, retainedFen: retained.fen)).utf8String,
                                                           requiredRole: ApprovalPolicy.terminationApprover, reason: reason),
                                                      context: context, now: now, on: tx)
        let rows = try await tx.sql.update("contracts").set("pending_approval_id", to: approval).where("id", .equal, c.id)
            .where(SQLColumn("pending_approval_id"), .is, SQLLiteral.null).where("status", .equal, ContractStatus.signed.rawValue)
            .returning("id").all()
        guard !rows.isEmpty else { throw Problem.conflict("change_pending") }
        try await event(c.subscriptionId, "termination.request", "申请退房：\(reason)", context: context, now: now, on: tx)
        return approval
    }
}
