import Foundation

/// 会员 (issue 20 point 2): who may hold a VIP card, its tiers and the points rules.
public enum MemberKind: String, CaseIterable, Sendable, Codable {
    /// 个人会员
    case person
    /// 团体会员 (an organisation: a company's card, one contact mobile)
    case organisation
}

/// A card's life: applied → approved → issued; an application may be rejected; an issued card may be
/// cancelled (挂失/注销). Moves are conditional updates on the state read.
public enum MemberStatus: String, CaseIterable, Sendable, Codable {
    case applied, approved, rejected, issued, cancelled

    /// The states that hold the member's mobile (one live membership per mobile and mall).
    public static let live: [MemberStatus] = [.applied, .approved, .issued]
}

/// 会员等级: reached by the points earned in the last 12 months (not the balance: redeeming keeps the tier).
public enum MemberTier: String, CaseIterable, Sendable, Codable, Comparable {
    /// 普卡
    case standard
    /// 银卡
    case silver
    /// 金卡
    case gold
    /// 钻石卡
    case diamond

    /// Points earned (12 months) from which a tier applies.
    public var threshold: Int64 {
        switch self {
        case .standard: 0
        case .silver: 5_000
        case .gold: 20_000
        case .diamond: 50_000
        }
    }

    /// Points per yuan spent, in tenths: gold earns 1.2 points per yuan, diamond 1.5.
    public var earnTenths: Int64 {
        switch self {
        case .standard, .silver: 10
        case .gold: 12
        case .diamond: 15
        }
    }

    /// The tier that `earned` points reach.
    public static func reached(by earned: Int64) -> MemberTier {
        allCases.last { earned >= $0.threshold } ?? .standard
    }

    public static func < (a: MemberTier, b: MemberTier) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// 积分规则: points from a receipt (小票) entered at the desk.
public enum PointsRule {
    /// Receipts older than this are not entered (小票 30 天内有效).
    public static let receiptDays = 30
    /// The largest receipt the desk enters by hand (¥1,000,000); larger ones go through the supervisor.
    public static let maxReceipt = Money(yuan: 1_000_000)

    /// Points for `amount` at `tier`: whole yuan × the tier's rate, rounded down (no points for fen).
    public static func points(for amount: Money, tier: MemberTier) -> Int64 {
        guard amount.fen > 0 else { return 0 }
        return (amount.fen / 100) * tier.earnTenths / 10
    }

    public enum Refusal: String, Error, Equatable, Sendable {
        case amountInvalid = "mall_receipt_amount_invalid"
        case receiptTooOld = "mall_receipt_too_old"
        case receiptInFuture = "mall_receipt_in_future"
    }

    /// Whether a receipt of `day` for `amount` may earn points on `today`.
    public static func check(amount: Money, day: CalendarDay, today: CalendarDay) -> Refusal? {
        if amount.fen <= 0 || amount > maxReceipt { return .amountInvalid }
        if day > today { return .receiptInFuture }
        if day.days(until: today) > receiptDays { return .receiptTooOld }
        return nil
    }
}

/// 会员卡号: the desk types the number printed on the card stock (pre-numbered cards), or the system
/// draws the next one. A typed number is 6–20 letters and digits.
public enum CardNumber {
    public static func normalized(_ raw: String) -> String? {
        let s = raw.trimmingCharacters(in: .whitespaces).uppercased()
        guard (6...20).contains(s.count), s.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || ("A"..."Z").contains($0) }) else { return nil }
        return s
    }
}
