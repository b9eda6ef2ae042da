import Foundation

/// The desk's complaint categories (商场客服岗位职责: 商品质量, 服务态度, 价格, 环境, 安全 …), made as
/// the mall project's ticket categories when the mall is set up.
public enum MallComplaintCategory: String, CaseIterable, Sendable, Codable {
    case quality, service, price, environment, safety, other

    /// The category's name as the desk says it (the ticket category's name).
    public var name: String {
        switch self {
        case .quality: "商品质量"
        case .service: "服务态度"
        case .price: "价格"
        case .environment: "环境"
        case .safety: "安全"
        case .other: "其他"
        }
    }
}

/// 24 小时处理时限 (issue 20 point 3): a complaint at the desk or by phone is resolved within 24 hours of
/// being taken, or it escalates to the desk supervisor (客服主管).
public enum ComplaintClock {
    public static let hours = 24

    public static func due(_ taken: Date) -> Date { taken.addingTimeInterval(TimeInterval(hours * 3600)) }

    /// Whether a complaint taken at `taken`, not resolved, must escalate at `now`.
    public static func mustEscalate(taken: Date, resolved: Bool, escalated: Bool, now: Date) -> Bool {
        !resolved && !escalated && now >= due(taken)
    }
}

/// 30 天无理由退换货 (issue 20 point 4): goods bought on `purchased` may be returned without a reason up to and
/// including the 30th day after it; on day 31 the request is refused naming this rule.
public enum ReturnRule {
    public static let days = 30
    public static let code = "return_window_30_days"

    /// Days from the purchase to `asked` (the purchase day is day 0).
    public static func day(purchased: CalendarDay, asked: CalendarDay) -> Int { purchased.days(until: asked) }

    public enum Refusal: String, Error, Equatable, Sendable {
        case outsideWindow = "return_window_30_days"
        case purchaseInFuture = "return_purchase_in_future"
        case amountInvalid = "return_amount_invalid"
    }

    public static func check(purchased: CalendarDay, asked: CalendarDay, amount: Money) -> Refusal? {
        if amount.fen <= 0 || amount > PointsRule.maxReceipt { return .amountInvalid }
        let d = day(purchased: purchased, asked: asked)
        if d < 0 { return .purchaseInFuture }
        if d > days { return .outsideWindow }
        return nil
    }
}

/// A return's approvals: the tenant agrees, the floor's manager approves, then the refund is recorded.
public enum ReturnStatus: String, CaseIterable, Sendable, Codable {
    /// 已受理: waiting for the tenant and the floor manager
    case requested
    case tenantAgreed = "tenant_agreed"
    /// Both agreed; the refund is due.
    case approved
    case refunded
    case rejected
}

public enum ReturnFlow {
    public enum Step: String, Sendable { case tenant, floorManager = "floor_manager", refund, reject }

    /// The status after `step`, or nil when the step is not allowed now. The floor manager approves only
    /// after the tenant agreed; the refund only after both.
    public static func after(_ status: ReturnStatus, _ step: Step) -> ReturnStatus? {
        switch (status, step) {
        case (.requested, .tenant): .tenantAgreed
        case (.tenantAgreed, .floorManager): .approved
        case (.approved, .refund): .refunded
        case (.requested, .reject), (.tenantAgreed, .reject): .rejected
        default: nil
        }
    }
}

/// 失物招领 (issue 20 point 5): a found item is kept for `keepDays` (default 30); unclaimed after that it is
/// handed over (to the police or the property office). A claim needs an ID document and a signature.
public enum LostItemRule {
    public static let keepDays = 30

    public static func handoverDue(found: CalendarDay, keepDays: Int = keepDays) -> CalendarDay { found.adding(days: keepDays) }

    public enum Refusal: String, Error, Equatable, Sendable {
        case idRequired = "lost_claim_id_required"
        case signatureRequired = "lost_claim_signature_required"
        case notYetDue = "lost_handover_not_due"
    }

    /// A claim: the claimant's identity document (checked as Customers checks one: a 身份证's check digit) and
    /// signature (their name as signed). `today` is yyyymmdd.
    public static func checkClaim(idKind: IdentityKind?, idNumber: String, signature: String, today: Int) -> Refusal? {
        guard let idKind, case .success = IdentityNumber.check(idNumber, kind: idKind, today: today) else { return .idRequired }
        if signature.trimmingCharacters(in: .whitespaces).isEmpty { return .signatureRequired }
        return nil
    }
}

public enum LostItemStatus: String, CaseIterable, Sendable, Codable { case held, claimed, handedOver = "handed_over" }

/// 广播 (寻人 / 寻物 / 移车 / 促销 / 闭店).
public enum BroadcastKind: String, CaseIterable, Sendable, Codable {
    case person, item, car, promotion, closing
}

/// 显示屏: what is showing on a screen at a moment — the messages whose window covers it, in their rotation
/// order (then oldest first).
public struct ScreenSlot: Sendable, Equatable {
    public var id: UUID
    public var startsAt: Date
    public var endsAt: Date
    public var rotation: Int
    public init(id: UUID, startsAt: Date, endsAt: Date, rotation: Int) {
        self.id = id; self.startsAt = startsAt; self.endsAt = endsAt; self.rotation = rotation
    }

    public func shows(at now: Date) -> Bool { startsAt <= now && now < endsAt }

    public static func showing(_ slots: [ScreenSlot], at now: Date) -> [ScreenSlot] {
        slots.filter { $0.shows(at: now) }.sorted { ($0.rotation, $0.startsAt) < ($1.rotation, $1.startsAt) }
    }
}

/// 回访 (issue 20 point 8): complainants and returners are called within 30 days; the pass rate is the share of
/// calls whose outcome is satisfied, against a goal of 98 %.
public enum FollowUpRule {
    public static let days = 30
    public static let goalPermille = 980

    /// Pass rate in per mille (rounded down), nil with no calls.
    public static func passRate(passed: Int, total: Int) -> Int? {
        total == 0 ? nil : passed * 1000 / total
    }

    public static func within(_ source: CalendarDay, _ call: CalendarDay) -> Bool {
        let d = source.days(until: call)
        return d >= 0 && d <= days
    }
}
