/// 审批权限表 (authority matrix) for purchases: who approves a plan or an order by its amount. Versioned, so an
/// approval records the version it was routed by and a later change of limits never re-routes what was filed
/// (the seed: 采购经理审批 3 万以下, 总经理审批 3 万以上采购费用).
public struct AuthorityMatrix: Sendable, Equatable {
    /// "2026-01": the version's name, stored on each purchase order and its approval.
    public var version: String
    /// Amounts strictly below this go to the procurement manager; this and above to the GM.
    public var managerBelow: Money

    public init(version: String, managerBelow: Money) {
        self.version = version
        self.managerBelow = managerBelow
    }

    /// The role that approves a purchase of `amount`.
    public func approver(for amount: Money) -> Role {
        amount < managerBelow ? .procurementManager : .gm
    }

    /// Every version there has been, oldest first; the last one is in force.
    public static let versions: [AuthorityMatrix] = [
        AuthorityMatrix(version: "2026-01", managerBelow: Money(yuan: 30_000)),
    ]

    public static var current: AuthorityMatrix { versions[versions.count - 1] }

    public static func version(_ name: String) -> AuthorityMatrix? { versions.first { $0.version == name } }
}

/// 必须招标的工程项目规定 (国家发改委令 2018 第 16 号) art. 5: a single contract at or above these estimates
/// must be tendered publicly (公开招标) — works ¥4,000,000, important goods (equipment, materials) ¥2,000,000,
/// services (survey, design, supervision) ¥1,000,000.
public enum PublicTenderRule {
    public static func threshold(for category: SupplierCategory) -> Money {
        switch category {
        case .construction, .decoration, .landscaping: Money(yuan: 4_000_000)
        case .materials, .equipment, .office: Money(yuan: 2_000_000)
        case .services: Money(yuan: 1_000_000)
        }
    }

    public static func needsPublicTender(_ amount: Money, category: SupplierCategory) -> Bool {
        amount >= threshold(for: category)
    }
}

/// The categories of the supplier directory (供应商分类).
public enum SupplierCategory: String, CaseIterable, Sendable, Codable {
    /// 建材
    case materials
    /// 设备
    case equipment
    /// 装修
    case decoration
    /// 园林
    case landscaping
    /// 办公
    case office
    /// 工程施工
    case construction
    /// 服务 (勘察、设计、监理、物业…)
    case services

    public var catalogKey: String { "pr.category.\(rawValue)" }
}

/// Quantities are integer thousandths (three decimals: 1.250 t of rebar is 1250); prices are fen per unit.
public enum PurchaseQuantity {
    public static let scale = 3
    /// The largest quantity accepted on a line: 10,000,000 units.
    public static let maxMilli: Int64 = 10_000_000_000

    /// "12.5" → 12500; nil when malformed, negative, beyond three decimals or too large.
    public static func parse(_ text: String) -> Int64? {
        guard let v = DecimalText.fixed(text.trimmingCharacters(in: .whitespaces), scale: scale), v >= 0, v <= maxMilli else { return nil }
        return v
    }

    public static func format(_ milli: Int64) -> String {
        var s = DecimalText.format(milli, scale: scale, grouping: false)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// quantity × unit price, rounded half up to the fen; exact in 128 bits.
    public static func amount(milli: Int64, unitPrice: Money) -> Money {
        Money(fen: Rounding.halfUp(Int128(milli) * Int128(unitPrice.fen), divisor: 1000))
    }
}

/// 资质 (qualification) standing on a day: valid, expiring within the reminder window, or expired (from the day
/// after its last valid day).
public enum QualificationStanding: String, Sendable, Equatable, CaseIterable {
    case valid, expiring, expired

    public static let reminderDays = 30

    public static func of(expiresOn: CalendarDay, on day: CalendarDay) -> QualificationStanding {
        if day > expiresOn { return .expired }
        return day.days(until: expiresOn) <= reminderDays ? .expiring : .valid
    }
}

extension CreditCode {
    /// The full code for its first 17 characters, with the check character appended (registration forms, fixtures);
    /// nil when those 17 are not of the alphabet.
    public static func completing(_ first17: String) -> String? {
        let c = Array(normalized(first17))
        guard c.count == 17 else { return nil }
        var sum = 0
        for (ch, w) in zip(c, weights) {
            guard let v = alphabet.firstIndex(of: ch) else { return nil }
            sum += v * w
        }
        return String(c) + String(alphabet[(31 - sum % 31) % 31])
    }
}
