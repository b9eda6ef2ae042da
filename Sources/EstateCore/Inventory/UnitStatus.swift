/// A unit's sales-control status (销控状态), DOMAIN §2.
public enum UnitStatus: String, CaseIterable, Sendable, Codable {
    /// 未推: not yet released to sale.
    case unreleased
    /// 可售
    case available
    /// 销控/保留: held back by the sales manager, with a reason.
    case withheld
    /// 预留: held for a named customer until an expiry time.
    case reserved
    /// 已认购
    case subscribed
    /// 已签约: sold.
    case signed
    /// 已交付
    case delivered

    public var catalogKey: String { "unit.status.\(rawValue)" }

    /// Counted as sold for 去化率 and sold area/amount.
    public var isSold: Bool { self == .subscribed || self == .signed || self == .delivered }
    /// Released to the market (the denominator of 去化率).
    public var isReleased: Bool { self != .unreleased }
}

/// The only moves a unit's status can make. Each names why it happens, so the
/// history reads as the business does ("退订", not "subscribed → available").
public enum UnitMove: String, CaseIterable, Sendable, Codable {
    /// 推盘
    case release
    /// 销控
    case withhold
    /// 解除销控
    case unwithhold
    /// 预留
    case reserve
    /// 预留取消 or 到期释放
    case unreserve
    /// 认购 (from available or from the customer's reservation)
    case subscribe
    /// 退订
    case cancelSubscription = "cancel_subscription"
    /// 签约
    case sign
    /// 退房: contract terminated
    case terminate
    /// 交付
    case deliver

    public var catalogKey: String { "unit.move.\(rawValue)" }

    /// The statuses this move starts from.
    public var from: Set<UnitStatus> {
        switch self {
        case .release: [.unreleased]
        case .withhold: [.available]
        case .unwithhold: [.withheld]
        case .reserve: [.available]
        case .unreserve: [.reserved]
        case .subscribe: [.available, .reserved]
        case .cancelSubscription: [.subscribed]
        case .sign: [.subscribed]
        case .terminate: [.signed]
        case .deliver: [.signed]
        }
    }

    public var to: UnitStatus {
        switch self {
        case .release, .unwithhold, .unreserve, .cancelSubscription, .terminate: .available
        case .withhold: .withheld
        case .reserve: .reserved
        case .subscribe: .subscribed
        case .sign: .signed
        case .deliver: .delivered
        }
    }

    /// Moves that must say why (销控, its release, 取消预留 by hand, 退订, 退房). A reservation that
    /// lapses is released by the system with the reason "expired".
    public var needsReason: Bool {
        switch self {
        case .withhold, .unwithhold, .unreserve, .cancelSubscription, .terminate: true
        default: false
        }
    }

    /// Made by the sales-control desk directly; the others belong to a sale (issue: sales).
    public var isSalesControl: Bool {
        switch self {
        case .release, .withhold, .unwithhold, .reserve, .unreserve: true
        default: false
        }
    }
}

public extension UnitStatus {
    /// The move that takes a unit from `self` to `target`, if the domain allows one.
    func move(to target: UnitStatus) -> UnitMove? {
        UnitMove.allCases.first { $0.from.contains(self) && $0.to == target }
    }

    func allows(_ move: UnitMove) -> Bool { move.from.contains(self) }
}
