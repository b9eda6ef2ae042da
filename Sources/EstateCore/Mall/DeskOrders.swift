import Foundation

/// 电话预约定货, 团体购物 and 大件商品试机 (issue 20 point 6; 商场客服岗位职责: "负责顾客电话预约定货，团体购物的接待",
/// "为大件家电购买者检测、试机"): a request the desk takes from a customer and passes to the tenant (the shop).
public enum DeskOrderKind: String, CaseIterable, Sendable, Codable {
    /// 电话预约定货: goods ordered by phone, to be set aside or delivered.
    case phoneOrder = "phone_order"
    /// 团体购物: a group's purchase (a company, a school), with its head count or quantity.
    case groupPurchase = "group_purchase"
    /// 大件商品试机: a large appliance tested before the customer takes it.
    case applianceTest = "appliance_test"
}

/// A desk order's states: taken at the desk → passed to the tenant → the tenant confirms or declines → done /
/// cancelled. The tenant's answer is recorded with the confirmation or the refusal.
public enum DeskOrderStatus: String, CaseIterable, Sendable, Codable {
    case taken
    case passed
    case confirmed
    case declined
    case done
    case cancelled

    /// Still waiting for someone (the desk, the tenant or the customer).
    public var isOpen: Bool { self == .taken || self == .passed || self == .confirmed }
}

public enum DeskOrderFlow {
    public enum Step: String, CaseIterable, Sendable {
        /// 转商户: the desk passed it to the tenant (naming who at the shop took it).
        case pass
        /// 商户确认 / 商户拒绝: the tenant's answer.
        case confirm, decline
        /// 完成: the customer was served (goods collected, the appliance tested).
        case done
        /// 取消: by the customer, or closing a declined one.
        case cancel
    }

    /// The status after `step`, nil when the step is not allowed from `status`.
    public static func after(_ status: DeskOrderStatus, _ step: Step) -> DeskOrderStatus? {
        switch (status, step) {
        case (.taken, .pass): .passed
        case (.passed, .confirm): .confirmed
        case (.passed, .decline): .declined
        case (.confirmed, .done): .done
        case (.taken, .cancel), (.passed, .cancel), (.confirmed, .cancel), (.declined, .cancel): .cancelled
        default: nil
        }
    }

    /// Steps that must carry a text: who at the shop took it (pass), the tenant's answer (confirm, decline), the
    /// reason (cancel).
    public static func needsText(_ step: Step) -> Bool { step != .done }

    /// The latest due day the desk accepts, counted from the day it is taken.
    public static let maxDueDays = 180

    /// Past its due day and still open.
    public static func overdue(_ status: DeskOrderStatus, due: CalendarDay, today: CalendarDay) -> Bool {
        status.isOpen && due < today
    }
}

/// 早晚班 (issue 20 point 8; the supervisor's "制定客服员工排班表"): the desk's two shifts a day with their times, the
/// staff on each. One person is never on two shifts whose times overlap.
public enum ShiftKind: String, CaseIterable, Sendable, Codable {
    case early, late

    /// The mall's usual times (minutes from midnight): 早班 09:00–15:30, 晚班 15:00–22:00 (half an hour of hand-over).
    public var defaultTimes: (starts: Int, ends: Int) {
        switch self {
        case .early: (9 * 60, 15 * 60 + 30)
        case .late: (15 * 60, 22 * 60)
        }
    }
}

public enum RotaRule {
    public static let overlapCode = "rota_shift_overlap"

    /// A time of day "HH:mm" as minutes from midnight, nil when it is not one.
    public static func minutes(_ s: String) -> Int? {
        let p = s.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard p.count == 2, p[0].count == 2, p[1].count == 2, p.allSatisfy({ $0.allSatisfy(\.isASCII) }),
              let h = Int(p[0]), let m = Int(p[1]), (0...23).contains(h), (0...59).contains(m) else { return nil }
        return h * 60 + m
    }

    public static func text(_ minutes: Int) -> String { String(format: "%02d:%02d", minutes / 60, minutes % 60) }

    /// A shift's window on a day: it starts before it ends, within the day (the mall closes before midnight), and
    /// lasts at most 12 hours.
    public static func validWindow(starts: Int, ends: Int) -> Bool {
        starts >= 0 && ends <= 24 * 60 && starts < ends && ends - starts <= 12 * 60
    }

    /// Two shifts on the same day overlap when each starts before the other ends (touching ends do not).
    public static func overlaps(_ a: (starts: Int, ends: Int), _ b: (starts: Int, ends: Int)) -> Bool {
        a.starts < b.ends && b.starts < a.ends
    }
}
