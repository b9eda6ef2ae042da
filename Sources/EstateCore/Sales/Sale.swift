/// The vocabulary and rules of a sale (DOMAIN §3) as plain values: payment methods, buyer
/// shares, the document checklist, the stages of a contract, its mortgage and its title, the
/// payment plan and late-payment penalties. The server stores these; the rules live here.

/// 付款方式.
public enum PaymentMethod: String, CaseIterable, Sendable, Codable {
    /// 一次性付款
    case full
    /// 商业贷款
    case commercialLoan = "commercial_loan"
    /// 公积金贷款
    case providentLoan = "provident_loan"
    /// 组合贷款
    case combinedLoan = "combined_loan"
    /// 分期付款
    case instalment

    public var catalogKey: String { "sale.method.\(rawValue)" }
    public var usesLoan: Bool { self == .commercialLoan || self == .providentLoan || self == .combinedLoan }
}

/// Who buys: the document checklist depends on it.
public enum BuyerKind: String, CaseIterable, Sendable, Codable {
    /// 本地个人
    case localIndividual = "local_individual"
    /// 外地个人 (needs purchase qualification where the city restricts purchases)
    case nonlocalIndividual = "nonlocal_individual"
    /// 单位
    case company

    public var catalogKey: String { "sale.buyer_kind.\(rawValue)" }
}

/// A document of the contract file (签约资料).
public enum DocumentCode: String, CaseIterable, Sendable, Codable {
    case idDocument = "id_document"                       // 身份证明
    case householdRegister = "household_register"         // 户口簿
    case maritalStatus = "marital_status"                 // 婚姻状况证明
    case purchaseQualification = "purchase_qualification" // 购房资格证明 (社保/个税)
    case incomeProof = "income_proof"                     // 收入证明
    case bankStatement = "bank_statement"                 // 银行流水
    case providentFundRecord = "provident_fund_record"    // 公积金缴存证明
    case businessLicense = "business_license"             // 营业执照
    case legalRepresentativeID = "legal_representative_id" // 法定代表人身份证明
    case authorizationLetter = "authorization_letter"     // 授权委托书

    public var catalogKey: String { "sale.document.\(rawValue)" }
}

/// Which documents the file must hold before customer service passes it (签约审核).
public enum DocumentChecklist {
    public static func required(method: PaymentMethod, buyer: BuyerKind) -> [DocumentCode] {
        var codes: [DocumentCode]
        switch buyer {
        case .localIndividual: codes = [.idDocument, .householdRegister, .maritalStatus]
        case .nonlocalIndividual: codes = [.idDocument, .householdRegister, .maritalStatus, .purchaseQualification]
        case .company: codes = [.businessLicense, .legalRepresentativeID, .authorizationLetter]
        }
        if method.usesLoan { codes += [.incomeProof, .bankStatement] }
        if method == .providentLoan || method == .combinedLoan { codes.append(.providentFundRecord) }
        return codes
    }

    /// The required documents not yet received, in checklist order.
    public static func missing(method: PaymentMethod, buyer: BuyerKind, received: Set<DocumentCode>) -> [DocumentCode] {
        required(method: method, buyer: buyer).filter { !received.contains($0) }
    }
}

/// 共有人 shares, in hundredths of a percent: each above zero, together exactly 100 %.
public enum BuyerShares {
    public static let whole = 10_000

    public enum Problem: String, Sendable, Equatable {
        case none = "buyers_required"
        case tooMany = "too_many_buyers"
        case duplicate = "buyer_twice"
        case shareInvalid = "share_invalid"
        case notWhole = "shares_not_whole"
    }

    /// Parses "50", "33.33" into hundredths of a percent.
    public static func parse(_ text: String) -> Int? {
        guard let v = DecimalText.fixed(text, scale: 2), v > 0, v <= Int64(whole) else { return nil }
        return Int(v)
    }

    public static func check<ID: Hashable>(_ buyers: [(id: ID, share: Int)]) -> Problem? {
        if buyers.isEmpty { return Problem.none }
        if buyers.count > 5 { return .tooMany }
        if Set(buyers.map(\.id)).count != buyers.count { return .duplicate }
        if buyers.contains(where: { $0.share <= 0 || $0.share > whole }) { return .shareInvalid }
        return buyers.reduce(0) { $0 + $1.share } == whole ? nil : .notWhole
    }

    public static func text(_ share: Int) -> String { DecimalText.format(Int64(share), scale: 2, grouping: false) }
}

/// The contract's own stage. Registration, mortgage, handover and title run alongside, each
/// with its own order, and each only once the contract is signed.
public enum ContractStatus: String, CaseIterable, Sendable, Codable {
    /// 待签约: the file is being gathered and reviewed.
    case draft
    /// 已签约
    case signed
    /// 已退房: terminated, unit freed.
    case terminated

    public var catalogKey: String { "sale.contract.\(rawValue)" }
}

/// 认购 status.
public enum SubscriptionStatus: String, CaseIterable, Sendable, Codable {
    /// 已认购: the unit is held, contract not yet signed.
    case active
    /// 已转签约
    case contracted
    /// 已退订
    case cancelled

    public var catalogKey: String { "sale.subscription.\(rawValue)" }
}

/// 签约审核 by customer service.
public enum ReviewStatus: String, CaseIterable, Sendable, Codable {
    case pending, approved, refused
    public var catalogKey: String { "sale.review.\(rawValue)" }
}

/// 按揭 loan type.
public enum LoanType: String, CaseIterable, Sendable, Codable {
    case commercial, provident, combined
    public var catalogKey: String { "sale.loan.\(rawValue)" }
    public var chineseName: String {
        switch self {
        case .commercial: "商业贷款"
        case .provident: "公积金贷款"
        case .combined: "组合贷款"
        }
    }

    public static func expected(for method: PaymentMethod) -> LoanType? {
        switch method {
        case .commercialLoan: .commercial
        case .providentLoan: .provident
        case .combinedLoan: .combined
        case .full, .instalment: nil
        }
    }
}

/// 按揭 stages, DOMAIN §3.6: 资料收集 → 已交银行 → 已审批 → 已放款, one step at a time.
public enum MortgageStage: String, CaseIterable, Sendable, Codable, Comparable {
    case collecting, submitted, approved, disbursed
    public var catalogKey: String { "sale.mortgage.\(rawValue)" }
    public var chineseName: String {
        switch self {
        case .collecting: "资料收集"
        case .submitted: "已交银行"
        case .approved: "已审批"
        case .disbursed: "已放款"
        }
    }

    public var next: MortgageStage? {
        switch self {
        case .collecting: .submitted
        case .submitted: .approved
        case .approved: .disbursed
        case .disbursed: nil
        }
    }

    /// Days a loan may sit in a stage before the work list calls it stuck.
    public var allowedDays: Int? {
        switch self {
        case .collecting: 15
        case .submitted: 20
        case .approved: 15
        case .disbursed: nil
        }
    }

    public static func < (a: Self, b: Self) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

/// 产权 (title) stages, DOMAIN §3.9, in order.
public enum TitleStage: String, CaseIterable, Sendable, Codable, Comparable {
    case none
    /// 资料收齐
    case documentsGathered = "documents_gathered"
    /// 契税已缴
    case deedTaxPaid = "deed_tax_paid"
    /// 已申办
    case applied
    /// 已出证
    case issued
    /// 已交付业主
    case handedOver = "handed_over"

    public var catalogKey: String { "sale.title.\(rawValue)" }
    public var chineseName: String {
        switch self {
        case .none: "未办理"
        case .documentsGathered: "资料收齐"
        case .deedTaxPaid: "契税已缴"
        case .applied: "已申办"
        case .issued: "已出证"
        case .handedOver: "已交业主"
        }
    }

    public var next: TitleStage? {
        let all = Self.allCases
        let i = all.firstIndex(of: self)!
        return i + 1 < all.count ? all[i + 1] : nil
    }

    public static func < (a: Self, b: Self) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

/// A line of the payment plan (付款计划).
public enum PlanItemKind: String, CaseIterable, Sendable, Codable {
    /// 定金 (counts towards the price once the contract is signed)
    case deposit
    /// 首付款
    case downPayment = "down_payment"
    /// 分期款
    case instalment
    /// 按揭款 (paid by the bank)
    case mortgage
    /// 公积金贷款
    case providentLoan = "provident_loan"
    /// 面积补差款 (negative: the developer refunds)
    case areaDifference = "area_difference"
    /// 专项维修资金 (collected with the price, not part of it)
    case maintenanceFund = "maintenance_fund"

    public var catalogKey: String { "sale.item.\(rawValue)" }
    /// For the sale's timeline, which is kept in Chinese as written.
    public var chineseName: String {
        switch self {
        case .deposit: "定金"
        case .downPayment: "首付款"
        case .instalment: "分期款"
        case .mortgage: "按揭款"
        case .providentLoan: "公积金贷款"
        case .areaDifference: "面积补差款"
        case .maintenanceFund: "专项维修资金"
        }
    }
    /// Paid by a lender, not by the buyer; keys may be handed over before it arrives.
    public var isLoan: Bool { self == .mortgage || self == .providentLoan }
    /// Part of the house price (the plan's price items add up to the contract total).
    public var isPrice: Bool { self != .maintenanceFund && self != .areaDifference }
}

/// The payment plan a contract starts with: the deposit already agreed, then the first
/// payment, instalments and loans, adding up to the total exactly.
public enum PaymentPlan {
    public struct Line: Sendable, Equatable {
        public var kind: PlanItemKind
        public var amount: Money
        public var due: CalendarDay
        public init(kind: PlanItemKind, amount: Money, due: CalendarDay) { self.kind = kind; self.amount = amount; self.due = due }
    }

    public enum Problem: String, Error, Sendable, Equatable {
        case loanNotAllowed = "loan_not_allowed"
        case loanRequired = "loan_required"
        case instalmentsNotAllowed = "instalments_not_allowed"
        case instalmentsRequired = "instalments_required"
        case amountInvalid = "amount_invalid"
        case exceedsTotal = "plan_exceeds_total"
        case loanDueRequired = "loan_due_required"
    }

    /// The lines in due order. The first payment is what is left of the total once the
    /// deposit, the loans and the instalments are taken away; it must be positive.
    public static func make(method: PaymentMethod, total: Money, deposit: Line, firstPaymentDue: CalendarDay,
                            loan: Money, providentLoan: Money, loanDue: CalendarDay?, instalments: [Line],
                            maintenanceFund: Line?) throws(Problem) -> [Line] {
        if loan.fen < 0 || providentLoan.fen < 0 || instalments.contains(where: { $0.amount.fen <= 0 }) { throw .amountInvalid }
        switch method {
        case .full, .instalment:
            if loan.fen > 0 || providentLoan.fen > 0 { throw .loanNotAllowed }
        case .commercialLoan:
            if loan.fen <= 0 { throw .loanRequired }
            if providentLoan.fen > 0 { throw .loanNotAllowed }
        case .providentLoan:
            if providentLoan.fen <= 0 { throw .loanRequired }
            if loan.fen > 0 { throw .loanNotAllowed }
        case .combinedLoan:
            if loan.fen <= 0 || providentLoan.fen <= 0 { throw .loanRequired }
        }
        if method == .instalment, instalments.isEmpty { throw .instalmentsRequired }
        if method != .instalment, !instalments.isEmpty { throw .instalmentsNotAllowed }
        if method.usesLoan, loanDue == nil { throw .loanDueRequired }
        let rest = total - deposit.amount - loan - providentLoan - instalments.reduce(Money.zero) { $0 + $1.amount }
        guard rest.fen > 0 else { throw .exceedsTotal }
        var lines = [deposit, Line(kind: .downPayment, amount: rest, due: firstPaymentDue)]
        lines += instalments.map { Line(kind: .instalment, amount: $0.amount, due: $0.due) }
        if loan.fen > 0, let d = loanDue { lines.append(Line(kind: .mortgage, amount: loan, due: d)) }
        if providentLoan.fen > 0, let d = loanDue { lines.append(Line(kind: .providentLoan, amount: providentLoan, due: d)) }
        if let m = maintenanceFund, m.amount.fen > 0 { lines.append(m) }
        return lines
    }
}

public extension LatePenalty {
    /// A payment made against a plan item, on a day.
    struct Payment: Sendable, Equatable {
        public var day: CalendarDay
        public var amount: Money
        public init(day: CalendarDay, amount: Money) { self.day = day; self.amount = amount }
    }

    /// The penalty accrued on one item up to `asOf`: each day after the due day, the
    /// rate on what was still unpaid at the end of the day before. Money paid on a day
    /// stops the penalty on that part from that day. Each stretch of days with the
    /// same unpaid amount is rounded once.
    static func accrued(amount: Money, due: CalendarDay, payments: [Payment], asOf: CalendarDay, ratePer100k: Int) -> Money {
        guard amount.fen > 0, ratePer100k > 0, due < asOf else { return .zero }
        var unpaid = amount
        var from = due
        var total = Money.zero
        // Paid on or before the due day: never late.
        for p in payments.sorted(by: { $0.day < $1.day }) {
            if p.day <= due { unpaid -= p.amount; continue }
            if p.day > asOf { break }
            if p.day > from, unpaid.fen > 0 {
                total += Self.amount(overdue: unpaid, days: from.days(until: p.day), ratePer100k: ratePer100k)
            }
            from = max(from, p.day)
            unpaid -= p.amount
        }
        if unpaid.fen > 0, asOf > from { total += Self.amount(overdue: unpaid, days: from.days(until: asOf), ratePer100k: ratePer100k) }
        return total
    }
}

/// Who must approve the money decisions of a sale (DOMAIN §1: the GM above every threshold).
public extension ApprovalPolicy {
    /// 退订 and plan changes: the sales manager.
    static let saleChangeApprover: Role = .salesManager
    /// 更名: the customer-service manager (DOMAIN §1: approves renames and refunds).
    static let renameApprover: Role = .csManager
    /// 退房: the GM.
    static let terminationApprover: Role = .gm
    /// Refunds up to ¥50,000 by the customer-service manager, larger ones by the GM.
    static func refundApprover(_ amount: Money) -> Role { amount.fen <= 5_000_000 ? .csManager : .gm }
    /// Penalty waivers up to ¥10,000 by the sales manager, larger ones by the GM.
    static func waiverApprover(_ amount: Money) -> Role { amount.fen <= 1_000_000 ? .salesManager : .gm }
}
