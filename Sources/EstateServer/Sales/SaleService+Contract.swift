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
        /// Platform's, filled after the read (issue 14).
        public var staffName: String?
        public var current: MortgageStage { MortgageStage(rawValue: stage) ?? .collecting }
    }

    public struct Contract: Sendable, Decodable, Equatable {
        public var id: UUID
        public var projectId: UUID
        public var subscriptionId: UUID
        public var number: String
        public var unitId: UUID
        /// Inventory's, filled after the read (issue 14).
        public var unitCode: String = ""
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
        /// Platform's, filled after the read.
        public var consultantName: String? = nil
        public var createdAt: Date
        public var buyers: [Buyer] = []
        public var documents: [Document] = []
        public var plan: [PlanItem] = []
        public var mortgage: Mortgage?
        public var events: [Event] = []

        enum CodingKeys: String, CodingKey {
            case id, projectId, subscriptionId, number, unitId, status, buyerKind, paymentMethod, totalFen, unitPriceFen,
                 contractArea, pricingBasis, penaltyRate, clauses, deliveryDueOn, titleDays, reviewStatus, reviewNote, reviewedBy,
                 reviewedAt, signedOn, onlineSignNo, onlineSignOn, filingNo, filingOn, registeredArea, areaBand, areaRatioPpm,
                 areaBuyerPaysFen, areaDeveloperBearsFen, areaDecision, slotId, appointmentAt, deliveredOn, titleStage, titleDocsOn,
                 titleTaxOn, titleAppliedOn, titleIssuedOn, titleHandedOn, titleCertificateNo, titleDueOn, terminatedOn,
                 terminationReason, pendingApprovalId, consultantId, createdAt
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
        SELECT c.id, c.project_id, c.subscription_id, c.number, c.unit_id, c.status, c.buyer_kind, c.payment_method,
               c.total_fen, c.unit_price_fen, c.contract_area, c.pricing_basis, c.penalty_rate, c.clauses, c.delivery_due_on, c.title_days,
               c.review_status, c.review_note, c.reviewed_by, c.reviewed_at, c.signed_on, c.online_sign_no, c.online_sign_on, c.filing_no,
               c.filing_on, c.registered_area, c.area_band, c.area_ratio_ppm, c.area_buyer_pays_fen, c.area_developer_bears_fen,
               c.area_decision, c.slot_id, ds.starts_at AS appointment_at, c.delivered_on, c.title_stage, c.title_docs_on, c.title_tax_on,
               c.title_applied_on, c.title_issued_on, c.title_handed_on, c.title_certificate_no, c.title_due_on, c.terminated_on,
               c.termination_reason, c.pending_approval_id, s.consultant_id, c.created_at
        FROM contracts c JOIN subscriptions s ON s.id = c.subscription_id
        LEFT JOIN delivery_slots ds ON ds.id = c.slot_id
        """

    /// Unit codes (Inventory's), consultants' and reviewers' names (Platform's) of a page, one
    /// query each (issue 14). A reviewer no longer a user keeps the username on record.
    func labelled(_ items: [Contract], on db: any SQLDatabase) async throws -> [Contract] {
        guard !items.isEmpty else { return items }
        let codes = try await InventoryService.unitCodes(items.map(\.unitId), sql: db)
        let names = try await StaffDirectory.displayNames(items.compactMap(\.consultantId), sql: db)
        let reviewers = try await StaffDirectory.displayNames(usernames: items.compactMap(\.reviewedBy), sql: db)
        return items.map { c in
            var c = c
            c.unitCode = codes[c.unitId] ?? ""
            c.consultantName = c.consultantId.flatMap { names[$0] }
            c.reviewedBy = c.reviewedBy.map { reviewers[$0] ?? $0 }
            return c
        }
    }

    /// What of a contract's file a read loads besides its row. A change checks its contract's state
    /// and uses a few parts of it; the whole file (about fourteen queries) is for pages and answers.
    struct ContractParts: OptionSet, Sendable {
        let rawValue: Int
        /// The unit's code and the consultant's and reviewer's names.
        static let labels = ContractParts(rawValue: 1 << 0)
        static let buyers = ContractParts(rawValue: 1 << 1)
        static let documents = ContractParts(rawValue: 1 << 2)
        /// The payment plan with penalties as of today.
        static let plan = ContractParts(rawValue: 1 << 3)
        static let mortgage = ContractParts(rawValue: 1 << 4)
        static let timeline = ContractParts(rawValue: 1 << 5)
        static let all: ContractParts = [.labels, .buyers, .documents, .plan, .mortgage, .timeline]
    }

    /// One contract with buyers, documents, plan (with penalties as of today), mortgage and timeline.
    public func contract(_ id: UUID) async throws -> Contract { try await contract(id, loading: .all) }

    /// One contract with the `parts` of its file asked for (the rest left empty).
    func contract(_ id: UUID, loading parts: ContractParts) async throws -> Contract {
        guard var c = try await store.sql.raw("\(unsafeRaw: Self.contractSelect) WHERE c.id = \(bind: id)")
            .first(decoding: Contract.self, with: sqlDecoder)
        else { throw Problem.notFound }
        if parts.contains(.labels) { c = try await labelled([c], on: store.sql)[0] }
        if parts.contains(.buyers) { c.buyers = try await buyers(of: [c.subscriptionId], on: store.sql)[c.subscriptionId] ?? [] }
        if parts.contains(.documents) {
            let received = try await store.sql.raw("""
                SELECT code, received, received_on, note FROM contract_documents WHERE contract_id = \(bind: id)
                """).all(decoding: Document.self, with: sqlDecoder)
            c.documents = Self.checklist(c, received: received)
        }
        // The contract's penalty binds from its signing.
        if parts.contains(.plan) {
            c.plan = try await plan(c.subscriptionId, rate: c.state == .signed ? c.penaltyRate : 0, from: c.signedOn.flatMap(CalendarDay.init))
        }
        if parts.contains(.mortgage) {
            c.mortgage = try await store.sql.raw("""
                SELECT m.bank_id, b.name || ' ' || b.branch AS bank_name, m.loan_type, m.commercial_fen, m.provident_fen, m.term_months, m.stage,
                       m.stage_since, m.collecting_on, m.submitted_on, m.approved_on, m.disbursed_on, m.staff_id
                FROM mortgages m JOIN banks b ON b.id = m.bank_id WHERE m.contract_id = \(bind: id)
                """).first(decoding: Mortgage.self, with: sqlDecoder)
            if let staff = c.mortgage?.staffId {
                c.mortgage?.staffName = try await StaffDirectory.displayNames([staff], sql: store.sql)[staff]
            }
        }
        if parts.contains(.timeline) { c.events = try await timeline(of: c.subscriptionId, on: store.sql) }
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
                 AND (LOWER(c.number) LIKE \(bind: like) OR c.unit_id IN (\(InventoryService.unitIDs(codeLike: like, in: projectID)))
                 OR EXISTS (SELECT 1 FROM sale_buyers b WHERE b.subscription_id = c.subscription_id AND b.is_current
                 AND b.customer_id IN (\(CustomerDirectory.ids(nameLike: like)))))
                """
        }
        struct N: Decodable { var n: Int }
        let total = try await store.sql.raw("SELECT COUNT(*) AS n FROM contracts c \(whereClause)")
            .first(decoding: N.self)?.n ?? 0
        var items = try await store.sql.raw("""
            \(unsafeRaw: Self.contractSelect) \(whereClause) ORDER BY c.created_at DESC, c.number DESC
            LIMIT \(unsafeRaw: String(page.perPage)) OFFSET \(unsafeRaw: String(page.offset))
            """).all(decoding: Contract.self, with: sqlDecoder)
        items = try await labelled(items, on: store.sql)
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
}

struct TerminationPayload: Codable { var reason: String; var retainedFen: Int64 }

/// Who may be named as the staff member of a sale's step.
enum StaffCheck {
    static func isProjectStaff(_ userID: UUID, project: UUID, on db: any SQLDatabase) async throws -> Bool {
        try await StaffDirectory.isStaff(userID, on: project, sql: db)
    }
}
