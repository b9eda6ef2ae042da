import EstateCore
import FluentKit
import Foundation
import SQLKit

extension SaleService {
    // MARK: 签约

    public struct ContractDraft: Sendable {
        public var subscriptionID: UUID
        public var number: String?
        public var buyerKind: BuyerKind
        public var firstPaymentDue: CalendarDay
        public var loan: Money = .zero
        public var providentLoan: Money = .zero
        public var loanDue: CalendarDay?
        public var instalments: [PaymentPlan.Line] = []
        public var maintenanceFund: Money = .zero
        public var maintenanceFundDue: CalendarDay?
        public var penaltyRatePer100k: Int = 50
        public var deliveryDue: CalendarDay
        public var titleDays: Int = 365
        public var clauses: String = ""
        public init(subscriptionID: UUID, buyerKind: BuyerKind, firstPaymentDue: CalendarDay, deliveryDue: CalendarDay) {
            self.subscriptionID = subscriptionID; self.buyerKind = buyerKind; self.firstPaymentDue = firstPaymentDue; self.deliveryDue = deliveryDue
        }
    }

    /// Drafts the contract of an active subscription: its number, the payment plan built from
    /// the schedule (the deposit counts towards the price) and the document checklist.
    public func createContract(_ d: ContractDraft, context: AuditContext) async throws -> Contract {
        let s = try await subscription(d.subscriptionID)
        guard s.state == .active else { throw Problem.conflict("subscription_not_active", ["status": s.status]) }
        if s.contractId != nil { throw Problem.conflict("contract_exists") }
        if s.pendingApprovalId != nil { throw Problem.conflict("change_pending") }
        var bad: [Problem.FieldError] = []
        if let n = d.number, !(1...32).contains(n.count) || !n.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) {
            bad.append(.init(field: "number", code: "contract_number_invalid"))
        }
        if d.firstPaymentDue < today { bad.append(.init(field: "downPaymentDueOn", code: "date_in_past")) }
        if let l = d.loanDue, l < d.firstPaymentDue { bad.append(.init(field: "loanDueOn", code: "date_before_first_payment")) }
        if d.deliveryDue < today { bad.append(.init(field: "deliveryDueOn", code: "date_in_past")) }
        if !(0...100).contains(d.penaltyRatePer100k) { bad.append(.init(field: "penaltyRatePer100k", code: "penalty_rate_invalid")) }
        if !(30...1095).contains(d.titleDays) { bad.append(.init(field: "titleDays", code: "title_days_invalid")) }
        if d.clauses.count > 4000 || d.clauses.contains("\u{0}") { bad.append(.init(field: "clauses", code: "text_invalid")) }
        if d.maintenanceFund.fen < 0 || (d.maintenanceFund.fen > 0 && d.maintenanceFundDue == nil) {
            bad.append(.init(field: "maintenanceFund", code: "amount_invalid"))
        }
        if d.instalments.contains(where: { $0.due < d.firstPaymentDue }) { bad.append(.init(field: "instalments", code: "date_before_first_payment")) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let deposit = PaymentPlan.Line(kind: .deposit, amount: s.deposit, due: CalendarDay(s.createdAt))
        let lines: [PaymentPlan.Line]
        do {
            lines = try PaymentPlan.make(method: s.method, total: s.finalTotal, deposit: deposit, firstPaymentDue: d.firstPaymentDue,
                                         loan: d.loan, providentLoan: d.providentLoan, loanDue: d.loanDue, instalments: d.instalments,
                                         maintenanceFund: d.maintenanceFund.fen > 0 ? .init(kind: .maintenanceFund, amount: d.maintenanceFund,
                                                                                            due: d.maintenanceFundDue ?? d.firstPaymentDue) : nil)
        } catch {
            let field = [.loanRequired, .loanNotAllowed, .loanDueRequired].contains(error) ? "loanAmount"
                : [.instalmentsNotAllowed, .instalmentsRequired].contains(error) ? "instalments" : "downPaymentDueOn"
            throw Problem.invalid(field, error.rawValue)
        }
        let unit = try await InventoryService(store: store, now: now, events: events).unit(s.unitId, in: s.projectId)
        let basis = PricingBasis(rawValue: unit.pricingBasis) ?? .builtArea
        let area = basis == .innerArea ? unit.innerArea : unit.builtArea
        // 成交单价: the deal price per m² of the basis, what an area difference is settled at.
        let unitPrice = basis == .perUnit || area.hundredths == 0 ? s.finalTotal
            : Money(fen: Rounding.halfUp(Int128(s.finalTotalFen) * 100, divisor: Int128(area.hundredths)))
        let id = UUID(), now = now()
        do {
            try await store.audited(context) { tx in
                let number: String
                if let given = d.number { number = given } else { number = try await Self.nextNumber("HT", projectID: s.projectId, avoiding: "contracts", on: tx) }
                try await tx.sql.insert(into: "contracts").columns(
                    "id", "project_id", "subscription_id", "number", "unit_id", "status", "buyer_kind", "payment_method", "total_fen",
                    "unit_price_fen", "contract_area", "pricing_basis", "penalty_rate", "clauses", "delivery_due_on", "title_days",
                    "review_status", "review_note", "online_sign_no", "filing_no", "title_stage", "title_certificate_no", "termination_reason",
                    "created_by", "created_at", "updated_at")
                    .values(SQLBind(id), SQLBind(s.projectId), SQLBind(s.id), SQLBind(number), SQLBind(s.unitId), SQLBind(ContractStatus.draft.rawValue),
                            SQLBind(d.buyerKind.rawValue), SQLBind(s.paymentMethod), SQLBind(s.finalTotalFen), SQLBind(unitPrice.fen),
                            SQLBind(area.hundredths), SQLBind(basis.rawValue), SQLBind(d.penaltyRatePer100k), SQLBind(d.clauses),
                            SQLBind(d.deliveryDue.description), SQLBind(d.titleDays), SQLBind(ReviewStatus.pending.rawValue), SQLBind(""),
                            SQLBind(""), SQLBind(""), SQLBind(TitleStage.none.rawValue), SQLBind(""), SQLBind(""),
                            SQLBind(context.actorID), SQLBind(now), SQLBind(now)).run()
                // The subscription must still be as it was read: active, on the same unit at the same price, no change
                // waiting (a 换房 or 退订 racing this loses here, or makes this lose); a second contract hits the unique index.
                let still = try await tx.sql.raw("""
                    UPDATE subscriptions SET updated_at = \(bind: now) WHERE id = \(bind: s.id) AND status = 'active' AND unit_id = \(bind: s.unitId)
                      AND final_total_fen = \(bind: s.finalTotalFen) AND pending_approval_id IS NULL RETURNING id
                    """).all()
                guard !still.isEmpty else { throw Problem.conflict("subscription_changed") }
                try await Self.insertItems(Array(lines.dropFirst()), sale: s.id, projectID: s.projectId, from: 2, on: tx)
                try await Self.event(s.id, "contract", "起草合同 \(number) · 总价 \(s.finalTotal) 元 · \(lines.count) 期付款", context: context, now: now, on: tx)
                return ((), AuditEntry(action: "sale.contract", entity: "contract", entityID: id.uuidString, projectID: s.projectId,
                                       summary: "contract \(number) drafted for \(s.number)",
                                       after: ["number": number, "total": s.finalTotal.plain, "items": "\(lines.count)"]))
            }
        } catch where error.isConstraintFailure {
            throw Problem.conflict(d.number != nil ? "contract_number_taken" : "contract_exists", ["number": d.number ?? ""])
        }
        return try await contract(id)
    }

    /// A contract in one of `statuses` with the `parts` of its file a change needs, or 409 naming the status it is in.
    func contract(_ id: UUID, in statuses: Set<ContractStatus>, loading parts: ContractParts) async throws -> Contract {
        let c = try await contract(id, loading: parts)
        guard statuses.contains(c.state) else { throw Problem.conflict("contract_status_conflict", ["status": c.status]) }
        return c
    }

    /// The project, number and status of a contract in one of `statuses` (one row, not the whole file:
    /// a document ticked is the commonest change, six or more per contract), or 409 naming its status.
    func contractHeader(_ id: UUID, in statuses: Set<ContractStatus>) async throws -> (projectId: UUID, number: String) {
        struct Header: Decodable { var project_id: UUID; var number: String; var status: String }
        guard let h = try await store.sql.select().columns("project_id", "number", "status").from("contracts").where("id", .equal, id)
            .first(decoding: Header.self)
        else { throw Problem.notFound }
        guard let state = ContractStatus(rawValue: h.status), statuses.contains(state) else {
            throw Problem.conflict("contract_status_conflict", ["status": h.status])
        }
        return (h.project_id, h.number)
    }

    /// Marks one document of the file received (or not). A change after the review passed
    /// sends the file back to review.
    public func setDocument(_ id: UUID, code: DocumentCode, received: Bool, note: String, context: AuditContext) async throws -> Contract {
        guard note.isEmpty || Text.isCleanLine(note, maxLength: 200) else { throw Problem.invalid("note", "text_invalid") }
        let c = try await contractHeader(id, in: [.draft])
        let now = now(), today = today
        try await store.audited(context) { tx in
            try await tx.sql.delete(from: "contract_documents").where("contract_id", .equal, id).where("code", .equal, code.rawValue).run()
            try await tx.sql.insert(into: "contract_documents").columns("contract_id", "code", "received", "received_on", "note", "updated_by")
                .values(SQLBind(id), SQLBind(code.rawValue), SQLLiteral.boolean(received), SQLBind(received ? today.description : nil),
                        SQLBind(note), SQLBind(context.actorName)).run()
            // A passed file that loses a document goes back to review (whatever this request read).
            if !received {
                try await tx.sql.update("contracts").set("review_status", to: ReviewStatus.pending.rawValue).where("id", .equal, id)
                    .where("review_status", .equal, ReviewStatus.approved.rawValue).run()
            }
            try await tx.sql.update("contracts").set("updated_at", to: now).where("id", .equal, id).run()
            return ((), AuditEntry(action: "contract.document", entity: "contract", entityID: id.uuidString, projectID: c.projectId,
                                   summary: "contract \(c.number): \(code.rawValue) \(received ? "received" : "not received")",
                                   after: ["code": code.rawValue, "received": "\(received)"]))
        }
        return try await contract(id)
    }

    /// 签约审核 by customer service: passes only a complete file; a refusal lists what is missing.
    public func review(_ id: UUID, approve: Bool, note: String, context: AuditContext) async throws -> Contract {
        guard note.isEmpty || Text.isCleanLine(note, maxLength: 200) else { throw Problem.invalid("note", "text_invalid") }
        let c = try await contract(id, in: [.draft], loading: [.documents])
        let missing = c.missingDocuments
        if approve, !missing.isEmpty {
            var p = Problem.conflict("documents_missing", ["count": "\(missing.count)"])
            p.fields = missing.map { .init(field: "documents.\($0.rawValue)", code: "document_missing") }
            throw p
        }
        if !approve, note.trimmed.isEmpty, missing.isEmpty { throw Problem.invalid("note", "reason_required") }
        let status: ReviewStatus = approve ? .approved : .refused
        let now = now()
        let summary = approve ? "签约审核通过" : "签约审核退回：\(note.isEmpty ? "" : note + "；")\(missing.isEmpty ? "" : "缺 \(missing.count) 项资料")"
        try await store.audited(context) { tx in
            try await Self.conditional("contracts", id, set: ["review_status": status.rawValue, "review_note": note, "reviewed_by": context.actorName,
                                                             "reviewed_at": now, "updated_at": now],
                                       where: "status", is: ContractStatus.draft.rawValue, conflict: "contract_status_conflict", on: tx)
            // The file as it is now, after our row lock: a document unticked meanwhile refuses the pass.
            if approve {
                struct D: Decodable { var code: String }
                let received = try await tx.sql.select().column("code").from("contract_documents").where("contract_id", .equal, id)
                    .where(SQLColumn("received"), .equal, SQLLiteral.boolean(true)).all(decoding: D.self)
                if !DocumentChecklist.missing(method: c.method, buyer: c.kind, received: Set(received.compactMap { DocumentCode(rawValue: $0.code) })).isEmpty {
                    throw Problem.conflict("documents_missing", ["count": "1"])
                }
            }
            try await Self.event(c.subscriptionId, "review.\(status.rawValue)", summary, context: context, now: now, on: tx)
            return ((), AuditEntry(action: "contract.review", entity: "contract", entityID: id.uuidString, projectID: c.projectId,
                                   summary: "contract \(c.number) review \(status.rawValue)",
                                   after: ["review": status.rawValue, "missing": missing.map(\.rawValue).joined(separator: ",")]))
        }
        return try await contract(id)
    }

    /// 签约: only after the review passed, while the subscription holds the unit; the unit becomes signed.
    public func sign(_ id: UUID, on day: CalendarDay, context: AuditContext) async throws -> Contract {
        let c = try await contract(id, in: [.draft], loading: [.labels])
        guard c.review == .approved else { throw Problem.conflict("review_not_passed", ["review": c.reviewStatus]) }
        if c.pendingApprovalId != nil { throw Problem.conflict("change_pending") }
        guard day <= today, day >= today.adding(days: -30) else { throw Problem.invalid("signedOn", "date_invalid") }
        let now = now()
        try await store.audited(context, announcing: events) { tx in
            try await Self.conditional("contracts", id, set: ["status": ContractStatus.signed.rawValue, "signed_on": day.description, "updated_at": now],
                                       where: "review_status", is: ReviewStatus.approved.rawValue, conflict: "review_not_passed", on: tx)
            let taken = try await tx.sql.raw("""
                UPDATE subscriptions SET status = 'contracted', updated_at = \(bind: now)
                WHERE id = \(bind: c.subscriptionId) AND status = 'active' AND pending_approval_id IS NULL RETURNING id
                """).all()
            guard !taken.isEmpty else { throw Problem.conflict("change_pending") }
            try await ReportLedger.signing(id, projectID: c.projectId, on: tx.sql)
            _ = try await SalesControlService.transition(.sign, unit: c.unitId, in: c.projectId, reason: "签约 \(c.number)", claimID: nil,
                                                         batchID: nil, context: context, now: now, on: tx)
            try await SalesControlService.convertLiveClaim(unitID: c.unitId, to: "contract", on: tx)
            try await Self.event(c.subscriptionId, "sign", "签约 \(c.number) · \(day)", context: context, now: now, on: tx)
            return ((), AuditEntry(action: "contract.sign", entity: "contract", entityID: id.uuidString, projectID: c.projectId,
                                   summary: "contract \(c.number) signed for unit \(c.unitCode)", after: ["signedOn": day.description]),
                    UnitChange(projectID: c.projectId, unitIDs: [c.unitId]))
        }
        return try await contract(id)
    }

    /// 网签 and 备案: numbers and dates from the housing authority's system; 备案 only after 网签.
    public func recordRegistration(_ id: UUID, onlineSignNo: String?, onlineSignOn: CalendarDay?, filingNo: String?, filingOn: CalendarDay?,
                                   context: AuditContext) async throws -> Contract {
        let c = try await contract(id, in: [.signed], loading: [])
        func valid(_ s: String) -> Bool { (1...40).contains(s.count) && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") } }
        var bad: [Problem.FieldError] = []
        if (onlineSignNo == nil) != (onlineSignOn == nil) { bad.append(.init(field: "onlineSignOn", code: "number_and_date_required")) }
        if (filingNo == nil) != (filingOn == nil) { bad.append(.init(field: "filingOn", code: "number_and_date_required")) }
        if onlineSignNo == nil, filingNo == nil { bad.append(.init(field: "onlineSignNo", code: "required")) }
        if let n = onlineSignNo, !valid(n) { bad.append(.init(field: "onlineSignNo", code: "registration_number_invalid")) }
        if let n = filingNo, !valid(n) { bad.append(.init(field: "filingNo", code: "registration_number_invalid")) }
        let signed = c.signedOn.flatMap(CalendarDay.init) ?? today
        for (field, day) in [("onlineSignOn", onlineSignOn), ("filingOn", filingOn)] {
            if let day, day < signed || day > today { bad.append(.init(field: field, code: "date_invalid")) }
        }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let signNo = onlineSignNo ?? c.onlineSignNo
        let signOn = onlineSignOn ?? c.onlineSignOn.flatMap(CalendarDay.init)
        if filingNo != nil {
            // 备案 follows 网签, never the other way round.
            guard !signNo.isEmpty, let signOn else { throw Problem.conflict("online_signing_first") }
            if let f = filingOn, f < signOn { throw Problem.invalid("filingOn", "date_before_online_signing") }
        }
        let now = now()
        try await store.audited(context) { tx in
            var values: [String: any Encodable & Sendable] = ["updated_at": now]
            if let n = onlineSignNo, let d = onlineSignOn { values["online_sign_no"] = n; values["online_sign_on"] = d.description }
            if let n = filingNo, let d = filingOn { values["filing_no"] = n; values["filing_on"] = d.description }
            try await Self.conditional("contracts", id, set: values, where: "status", is: ContractStatus.signed.rawValue,
                                       conflict: "contract_status_conflict", on: tx)
            try await Self.event(c.subscriptionId, "registration",
                                 [onlineSignNo.map { "网签 \($0) · \(onlineSignOn!)" }, filingNo.map { "备案 \($0) · \(filingOn!)" }]
                                    .compactMap { $0 }.joined(separator: "；"), context: context, now: now, on: tx)
            return ((), AuditEntry(action: "contract.registration", entity: "contract", entityID: id.uuidString, projectID: c.projectId,
                                   summary: "contract \(c.number) registration recorded",
                                   after: ["onlineSignNo": onlineSignNo ?? "", "filingNo": filingNo ?? ""].filter { !$0.value.isEmpty }))
        }
        return try await contract(id)
    }
}
