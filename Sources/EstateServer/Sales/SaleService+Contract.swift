import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 签约 and what follows it: the document file and its review, signing, 网签/备案, the
/// mortgage, handover with the area difference, delivery, 退房 and the title.
extension SaleService {
    public struct Document: Sendable, Decodable, Equatable {
        public var code: String
        public var received: Bool
        public var receivedOn: String?
        public var note: String
        public var required = true
        enum CodingKeys: String, CodingKey { case code, received, receivedOn, note }
    }

    public struct Mortgage: Sendable, Decodable, Equatable {
        public var bankId: UUID
        public var bankName: String
        public var loanType: String
        public var commercialFen: Int64
        public var providentFen: Int64
        public var termMonths: Int
        public var stage: String
        public var stageSince: String
        public var collectingOn: String
        public var submittedOn: String?
        public var approvedOn: String?
        public var disbursedOn: String?
        public var staffId: UUID?
        public var staffName: String?
        public var current: MortgageStage { MortgageStage(rawValue: stage) ?? .collecting }
    }

    public struct Contract: Sendable, Decodable, Equatable {
        public var id: UUID
        public var projectId: UUID
        public var subscriptionId: UUID
        public var number: String
        public var unitId: UUID
        public var unitCode: String
        public var status: String
        public var buyerKind: String
        public var paymentMethod: String
        public var totalFen: Int64
        public var unitPriceFen: Int64
        public var contractArea: Int64
        public var pricingBasis: String
        public var penaltyRate: Int
        public var clauses: String
        public var deliveryDueOn: String
        public var titleDays: Int
        public var reviewStatus: String
        public var reviewNote: String
        public var reviewedBy: String?
        public var reviewedAt: Date?
        public var signedOn: String?
        public var onlineSignNo: String
        public var onlineSignOn: String?
        public var filingNo: String
        public var filingOn: String?
        public var registeredArea: Int64?
        public var areaBand: String?
        public var areaRatioPpm: Int?
        public var areaBuyerPaysFen: Int64?
        public var areaDeveloperBearsFen: Int64?
        public var areaDecision: String?
        public var slotId: UUID?
        public var appointmentAt: Date?
        public var deliveredOn: String?
        public var titleStage: String
        public var titleDocsOn: String?
        public var titleTaxOn: String?
        public var titleAppliedOn: String?
        public var titleIssuedOn: String?
        public var titleHandedOn: String?
        public var titleCertificateNo: String
        public var titleDueOn: String?
        public var terminatedOn: String?
        public var terminationReason: String
        public var pendingApprovalId: UUID?
        public var consultantId: UUID?
        public var consultantName: String?
        public var createdAt: Date
        public var buyers: [Buyer] = []
        public var documents: [Document] = []
        public var plan: [PlanItem] = []
        public var mortgage: Mortgage?
        public var events: [Event] = []

        enum CodingKeys: String, CodingKey {
            case id, projectId, subscriptionId, number, unitId, unitCode, status, buyerKind, paymentMethod, totalFen, unitPriceFen,
                 contractArea, pricingBasis, penaltyRate, clauses, deliveryDueOn, titleDays, reviewStatus, reviewNote, reviewedBy,
                 reviewedAt, signedOn, onlineSignNo, onlineSignOn, filingNo, filingOn, registeredArea, areaBand, areaRatioPpm,
                 areaBuyerPaysFen, areaDeveloperBearsFen, areaDecision, slotId, appointmentAt, deliveredOn, titleStage, titleDocsOn,
                 titleTaxOn, titleAppliedOn, titleIssuedOn, titleHandedOn, titleCertificateNo, titleDueOn, terminatedOn,
                 terminationReason, pendingApprovalId, consultantId, consultantName, createdAt
        }

        public var total: Money { Money(fen: totalFen) }
        public var state: ContractStatus { ContractStatus(rawValue: status) ?? .draft }
        public var method: PaymentMethod { PaymentMethod(rawValue: paymentMethod) ?? .full }
        public var kind: BuyerKind { BuyerKind(rawValue: buyerKind) ?? .localIndividual }
        public var review: ReviewStatus { ReviewStatus(rawValue: reviewStatus) ?? .pending }
        public var title: TitleStage { TitleStage(rawValue: titleStage) ?? .none }
        public var missingDocuments: [DocumentCode] {
            DocumentChecklist.missing(method: method, buyer: kind,
                                      received: Set(documents.filter(\.received).compactMap { DocumentCode(rawValue: $0.code) }))
        }
        public var collected: Money { plan.reduce(.zero) { $0 + $1.collected } }
        public var outstanding: Money { plan.reduce(.zero) { $0 + max($1.outstanding, .zero) } }
        public var penalty: Money { plan.reduce(.zero) { $0 + $1.penaltyDue } }
        public var buyerNames: String { buyers.map(\.name).joined(separator: "、") }
        public var area: Area { Area(hundredths: Int(contractArea)) }
        public var unitPrice: Money { Money(fen: unitPriceFen) }
    }

    static let contractSelect = """
        SELECT c.id, c.project_id, c.subscription_id, c.number, c.unit_id, u.code AS unit_code, c.status, c.buyer_kind, c.payment_method,
               c.total_fen, c.unit_price_fen, c.contract_area, c.pricing_basis, c.penalty_rate, c.clauses, c.delivery_due_on, c.title_days,
               c.review_status, c.review_note, COALESCE(ru.display_name, c.reviewed_by) AS reviewed_by, c.reviewed_at, c.signed_on, c.online_sign_no, c.online_sign_on, c.filing_no,
               c.filing_on, c.registered_area, c.area_band, c.area_ratio_ppm, c.area_buyer_pays_fen, c.area_developer_bears_fen,
               c.area_decision, c.slot_id, ds.starts_at AS appointment_at, c.delivered_on, c.title_stage, c.title_docs_on, c.title_tax_on,
               c.title_applied_on, c.title_issued_on, c.title_handed_on, c.title_certificate_no, c.title_due_on, c.terminated_on,
               c.termination_reason, c.pending_approval_id, s.consultant_id, cu.display_name AS consultant_name, c.created_at
        FROM contracts c JOIN units u ON u.id = c.unit_id JOIN subscriptions s ON s.id = c.subscription_id
        LEFT JOIN users cu ON cu.id = s.consultant_id LEFT JOIN delivery_slots ds ON ds.id = c.slot_id
        LEFT JOIN users ru ON ru.username = c.reviewed_by
        """

    /// One contract with buyers, documents, plan (with penalties as of today), mortgage and timeline.
    public func contract(_ id: UUID) async throws -> Contract {
        guard var c = try await store.sql.raw("\(unsafeRaw: Self.contractSelect) WHERE c.id = \(bind: id)")
            .first(decoding: Contract.self, with: sqlDecoder)
        else { throw Problem.notFound }
        c.buyers = try await buyers(of: [c.subscriptionId], on: store.sql)[c.subscriptionId] ?? []
        let received = try await store.sql.raw("""
            SELECT code, received, received_on, note FROM contract_documents WHERE contract_id = \(bind: id)
            """).all(decoding: Document.self, with: sqlDecoder)
        c.documents = Self.checklist(c, received: received)
        // The contract's penalty binds from its signing.
        c.plan = try await plan(c.subscriptionId, rate: c.state == .signed ? c.penaltyRate : 0, from: c.signedOn.flatMap(CalendarDay.init))
        c.mortgage = try await store.sql.raw("""
            SELECT m.bank_id, b.name || ' ' || b.branch AS bank_name, m.loan_type, m.commercial_fen, m.provident_fen, m.term_months, m.stage,
                   m.stage_since, m.collecting_on, m.submitted_on, m.approved_on, m.disbursed_on, m.staff_id, su.display_name AS staff_name
            FROM mortgages m JOIN banks b ON b.id = m.bank_id LEFT JOIN users su ON su.id = m.staff_id WHERE m.contract_id = \(bind: id)
            """).first(decoding: Mortgage.self, with: sqlDecoder)
        c.events = try await store.sql.raw("""
            SELECT e.kind, e.summary, COALESCE(u.display_name, e.actor_name) AS actor_name, e.at
            FROM sale_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.subscription_id = \(bind: c.subscriptionId) ORDER BY e.seq
            """).all(decoding: Event.self, with: sqlDecoder)
        return c
    }

    /// The file as the checklist wants it: every required document (received or not), then any other on record.
    static func checklist(_ c: Contract, received: [Document]) -> [Document] {
        let required = DocumentChecklist.required(method: c.method, buyer: c.kind)
        return required.map { code in received.first { $0.code == code.rawValue } ?? Document(code: code.rawValue, received: false, note: "") }
            + received.filter { d in !required.contains { $0.rawValue == d.code } }.map { var d = $0; d.required = false; return d }
    }

    public struct ContractFilter: Sendable {
        public var status: ContractStatus?
        public var q: String?
        public init(status: ContractStatus? = nil, q: String? = nil) { self.status = status; self.q = q }
    }

    public func contracts(_ projectID: UUID, filter: ContractFilter, page: PageRequest) async throws -> Paged<Contract> {
        var whereClause: SQLQueryString = "WHERE c.project_id = \(bind: projectID)"
        if let s = filter.status { whereClause = whereClause + " AND c.status = \(bind: s.rawValue)" }
        if let q = filter.q?.trimmed, !q.isEmpty {
            let like = "%" + q.lowercased().replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            whereClause = whereClause + """
                 AND (LOWER(c.number) LIKE \(bind: like) OR LOWER(u.code) LIKE \(bind: like) OR EXISTS (SELECT 1 FROM sale_buyers b JOIN customers bc
                 ON bc.id = b.customer_id WHERE b.subscription_id = c.subscription_id AND b.is_current AND bc.name LIKE \(bind: like)))
                """
        }
        struct N: Decodable { var n: Int }
        let total = try await store.sql.raw("SELECT COUNT(*) AS n FROM contracts c JOIN units u ON u.id = c.unit_id \(whereClause)")
            .first(decoding: N.self)?.n ?? 0
        var items = try await store.sql.raw("""
            \(unsafeRaw: Self.contractSelect) \(whereClause) ORDER BY c.created_at DESC, c.number DESC
            LIMIT \(unsafeRaw: String(page.perPage)) OFFSET \(unsafeRaw: String(page.offset))
            """).all(decoding: Contract.self, with: sqlDecoder)
        // Buyers, files and plans of the page in bulk, so every item carries what one contract does (but its timeline).
        let buyers = try await buyers(of: items.map(\.subscriptionId), on: store.sql)
        var documents: [UUID: [Document]] = [:]
        if !items.isEmpty {
            struct R: Decodable { var contractId: UUID; var code: String; var received: Bool; var receivedOn: String?; var note: String }
            for r in try await store.sql.raw("""
                SELECT contract_id, code, received, received_on, note FROM contract_documents WHERE contract_id IN \(SQLBind.group(items.map(\.id)))
                """).all(decoding: R.self, with: sqlDecoder) {
                documents[r.contractId, default: []].append(Document(code: r.code, received: r.received, receivedOn: r.receivedOn, note: r.note))
            }
        }
        let signed = items.filter { $0.state == .signed }
        let plans = try await Self.plans(Dictionary(items.map { ($0.subscriptionId, $0.state == .signed ? $0.penaltyRate : 0) }, uniquingKeysWith: { a, _ in a }),
                                         from: Dictionary(signed.compactMap { c in c.signedOn.flatMap(CalendarDay.init).map { (c.subscriptionId, $0) } },
                                                          uniquingKeysWith: { a, _ in a }),
                                         today: today, on: store.sql)
        for i in items.indices {
            items[i].buyers = buyers[items[i].subscriptionId] ?? []
            items[i].documents = Self.checklist(items[i], received: documents[items[i].id] ?? [])
            items[i].plan = plans[items[i].subscriptionId] ?? []
        }
        return Paged(items: items, page: page.page, perPage: page.perPage, total: total)
    }

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

    /// A contract in one of `statuses`, or 409 naming the status it is in.
    func contract(_ id: UUID, in statuses: Set<ContractStatus>) async throws -> Contract {
        let c = try await contract(id)
        guard statuses.contains(c.state) else { throw Problem.conflict("contract_status_conflict", ["status": c.status]) }
        return c
    }

    /// Marks one document of the file received (or not). A change after the review passed
    /// sends the file back to review.
    public func setDocument(_ id: UUID, code: DocumentCode, received: Bool, note: String, context: AuditContext) async throws -> Contract {
        guard note.isEmpty || Text.isCleanLine(note, maxLength: 200) else { throw Problem.invalid("note", "text_invalid") }
        let c = try await contract(id, in: [.draft])
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
        let c = try await contract(id, in: [.draft])
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
        let c = try await contract(id, in: [.draft])
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
        let c = try await contract(id, in: [.signed])
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

    // MARK: 按揭

    public struct MortgageDraft: Sendable {
        public var bankID: UUID
        public var loanType: LoanType
        public var commercial: Money
        public var provident: Money
        public var termMonths: Int
        public var staffID: UUID?
        public init(bankID: UUID, loanType: LoanType, commercial: Money, provident: Money, termMonths: Int, staffID: UUID? = nil) {
            self.bankID = bankID; self.loanType = loanType; self.commercial = commercial; self.provident = provident
            self.termMonths = termMonths; self.staffID = staffID
        }
    }

    /// The loan of a signed contract: the type its payment method names and the amounts its plan
    /// holds. It can be changed until the file is handed to the bank.
    public func setMortgage(_ id: UUID, _ m: MortgageDraft, context: AuditContext) async throws -> Contract {
        let c = try await contract(id, in: [.signed])
        guard let expected = LoanType.expected(for: c.method) else { throw Problem.conflict("no_loan_in_plan") }
        var bad: [Problem.FieldError] = []
        if m.loanType != expected { bad.append(.init(field: "loanType", code: "loan_type_mismatch", arguments: ["limit": expected.rawValue])) }
        let planLoan = c.plan.filter { $0.kind == .mortgage }.reduce(Money.zero) { $0 + $1.amount }
        let planProvident = c.plan.filter { $0.kind == .providentLoan }.reduce(Money.zero) { $0 + $1.amount }
        if m.commercial != planLoan { bad.append(.init(field: "commercialAmount", code: "loan_amount_mismatch", arguments: ["limit": planLoan.description])) }
        if m.provident != planProvident { bad.append(.init(field: "providentAmount", code: "loan_amount_mismatch", arguments: ["limit": planProvident.description])) }
        if !(12...360).contains(m.termMonths) { bad.append(.init(field: "termMonths", code: "term_invalid")) }
        struct B: Decodable { var active: Bool }
        if try await store.sql.select().column("active").from("banks").where("id", .equal, m.bankID).first(decoding: B.self)?.active != true {
            bad.append(.init(field: "bankId", code: "bank_unknown"))
        }
        let staffKnown: Bool
        if let staff = m.staffID { staffKnown = try await StaffCheck.isProjectStaff(staff, project: c.projectId, on: store.sql) } else { staffKnown = true }
        if !staffKnown {
            bad.append(.init(field: "staffId", code: "staff_unknown"))
        }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        if let existing = c.mortgage, existing.current != .collecting { throw Problem.conflict("mortgage_submitted", ["stage": existing.stage]) }
        let now = now(), today = today
        do { try await store.audited(context) { tx in
            if c.mortgage == nil {
                try await tx.sql.insert(into: "mortgages").columns("contract_id", "project_id", "bank_id", "loan_type", "commercial_fen", "provident_fen",
                                                                   "term_months", "stage", "stage_since", "collecting_on", "staff_id")
                    .values(SQLBind(id), SQLBind(c.projectId), SQLBind(m.bankID), SQLBind(m.loanType.rawValue), SQLBind(m.commercial.fen),
                            SQLBind(m.provident.fen), SQLBind(m.termMonths), SQLBind(MortgageStage.collecting.rawValue), SQLBind(today.description),
                            SQLBind(today.description), SQLBind(m.staffID)).run()
            } else {
                let rows = try await tx.sql.update("mortgages").set("bank_id", to: m.bankID).set("term_months", to: m.termMonths)
                    .set("staff_id", to: m.staffID).where("contract_id", .equal, id)
                    .where("stage", .equal, MortgageStage.collecting.rawValue).returning("contract_id").all()
                if rows.isEmpty { throw Problem.conflict("mortgage_submitted") }
            }
            try await Self.event(c.subscriptionId, "mortgage", "按揭资料收集：\(m.loanType.chineseName) \(m.commercial + m.provident) 元 · \(m.termMonths) 期",
                                 context: context, now: now, on: tx)
            return ((), AuditEntry(action: "mortgage.set", entity: "contract", entityID: id.uuidString, projectID: c.projectId,
                                   summary: "mortgage of \(c.number) recorded", after: ["loanType": m.loanType.rawValue, "term": "\(m.termMonths)"]))
        } } catch where error.isConstraintFailure {
            // Two first recordings at once: the other one is on record.
            throw Problem.conflict("mortgage_changed")
        }
        return try await contract(id)
    }

    /// Moves the loan one stage on. 已放款 posts the bank's money as receipts against the loan
    /// items (to be confirmed by finance), once: the call takes an idempotency key.
    public func advanceMortgage(_ id: UUID, to stage: MortgageStage, on day: CalendarDay, idempotencyKey: String, principal: Principal,
                                context: AuditContext) async throws -> Contract {
        let c = try await contract(id, in: [.signed])
        guard let m = c.mortgage else { throw Problem.conflict("no_mortgage") }
        let fingerprint = "\(id)|\(stage.rawValue)|\(day)"
        let replay: Idempotent.Outcome<String>? = try await Idempotent.replay(key: idempotencyKey, actor: principal.userID,
                                                                             operation: "advanceMortgage", fingerprint: fingerprint, on: store.sql)
        if replay != nil { return try await contract(id) }
        guard m.current.next == stage else { throw Problem.conflict("mortgage_stage_conflict", ["stage": m.stage, "move": stage.rawValue]) }
        let since = CalendarDay(m.stageSince) ?? today
        guard day >= since, day <= today else { throw Problem.invalid("on", "date_invalid") }
        let column = "\(stage.rawValue)_on"
        let now = now()
        _ = try await Idempotent.run(key: idempotencyKey, actor: principal.userID, operation: "advanceMortgage", fingerprint: fingerprint,
                                     store: store, context: context, now: now) { tx in
            let rows = try await tx.sql.update("mortgages").set("stage", to: stage.rawValue).set(SQLIdentifier(column), to: SQLBind(day.description))
                .set("stage_since", to: day.description).where("contract_id", .equal, id).where("stage", .equal, m.stage)
                .returning("contract_id").all()
            guard !rows.isEmpty else { throw Problem.conflict("mortgage_stage_conflict", ["stage": m.stage, "move": stage.rawValue]) }
            var posted: [String] = []
            if stage == .disbursed {
                for item in c.plan where item.kind.isLoan && item.isLive && item.receivable.fen > 0 {
                    let r = try await Self.insertReceipt(.init(itemID: item.id, amount: item.receivable, method: .loanDisbursement, receivedOn: day,
                                                               payer: m.bankName, reference: "放款"),
                                                         kind: .receipt, status: .pending, sale: c.subscriptionId, projectID: c.projectId,
                                                         approval: nil, context: context, now: now, on: tx)
                    posted.append(r)
                }
            }
            try await Self.event(c.subscriptionId, "mortgage.\(stage.rawValue)",
                                 "按揭：\(stage.chineseName) · \(day)\(posted.isEmpty ? "" : " · 放款收款单 \(posted.joined(separator: "、"))")",
                                 context: context, now: now, on: tx)
            return ("ok", AuditEntry(action: "mortgage.\(stage.rawValue)", entity: "contract", entityID: id.uuidString, projectID: c.projectId,
                                     summary: "mortgage of \(c.number): \(m.stage) → \(stage.rawValue)",
                                     before: ["stage": m.stage], after: ["stage": stage.rawValue, "on": day.description, "receipts": posted.joined(separator: ",")]))
        }
        return try await contract(id)
    }

    // MARK: 交付

    /// Records the registered (measured) area and settles the difference per 第20条: the result is
    /// a plan item (positive: the buyer pays; negative: the developer refunds). Beyond ±3 % the
    /// buyer decides: keep (settled as 第20条 says) or return the unit (退房, which needs the GM).
    public func recordHandover(_ id: UUID, registered: Area, decision: String?, context: AuditContext) async throws -> Contract {
        let c = try await contract(id, in: [.signed])
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
        let c = try await contract(id, in: [.signed])
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
        let c = try await contract(id, in: [.signed])
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

    // MARK: 产权

    /// Moves the title one stage on, in order, from delivery; the certificate number comes with 出证.
    public func advanceTitle(_ id: UUID, to stage: TitleStage, on day: CalendarDay, certificateNo: String?, context: AuditContext) async throws -> Contract {
        let c = try await contract(id, in: [.signed])
        guard let delivered = c.deliveredOn.flatMap(CalendarDay.init) else { throw Problem.conflict("not_delivered") }
        guard c.title.next == stage else { throw Problem.conflict("title_stage_conflict", ["stage": c.titleStage, "move": stage.rawValue]) }
        let previous = [c.titleDocsOn, c.titleTaxOn, c.titleAppliedOn, c.titleIssuedOn].compactMap { $0.flatMap(CalendarDay.init) }.max() ?? delivered
        guard day >= previous, day <= today else { throw Problem.invalid("on", "date_invalid") }
        if stage == .issued {
            guard let n = certificateNo, Text.isCleanLine(n, maxLength: 40), !n.trimmed.isEmpty else {
                throw Problem.invalid("certificateNo", "certificate_number_required")
            }
        }
        let column = switch stage {
        case .documentsGathered: "title_docs_on"
        case .deedTaxPaid: "title_tax_on"
        case .applied: "title_applied_on"
        case .issued: "title_issued_on"
        case .handedOver, .none: "title_handed_on"
        }
        let now = now()
        try await store.audited(context) { tx in
            var values: [String: any Encodable & Sendable] = ["title_stage": stage.rawValue, column: day.description, "updated_at": now]
            if stage == .issued, let n = certificateNo { values["title_certificate_no"] = n }
            try await Self.conditional("contracts", id, set: values, where: "title_stage", is: c.titleStage, conflict: "title_stage_conflict", on: tx)
            try await Self.event(c.subscriptionId, "title.\(stage.rawValue)", "产权：\(stage.chineseName) · \(day)\(certificateNo.map { " · \($0)" } ?? "")",
                                 context: context, now: now, on: tx)
            return ((), AuditEntry(action: "title.\(stage.rawValue)", entity: "contract", entityID: id.uuidString, projectID: c.projectId,
                                   summary: "title of \(c.number): \(c.titleStage) → \(stage.rawValue)", before: ["stage": c.titleStage],
                                   after: ["stage": stage.rawValue, "on": day.description]))
        }
        return try await contract(id)
    }
}

struct TerminationPayload: Codable { var reason: String; var retainedFen: Int64 }

/// Who may be named as the staff member of a sale's step.
enum StaffCheck {
    static func isProjectStaff(_ userID: UUID, project: UUID, on db: any SQLDatabase) async throws -> Bool {
        try await StaffDirectory.isStaff(userID, on: project, sql: db)
    }
}
