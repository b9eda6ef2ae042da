import Foundation

/// 拓客 daily work of an outbound team in one area: calls (call客), flyers (派单), interceptions at
/// competitors (竞品拦截), 巡展 points staffed, and visits invited (邀约到访). A plan and its actuals
/// are both counts.
public struct OutreachCounts: Hashable, Codable, Sendable {
    public var calls: Int
    public var flyers: Int
    public var interceptions: Int
    public var points: Int
    public var visits: Int

    public init(calls: Int = 0, flyers: Int = 0, interceptions: Int = 0, points: Int = 0, visits: Int = 0) {
        self.calls = calls; self.flyers = flyers; self.interceptions = interceptions; self.points = points; self.visits = visits
    }

    /// The most of anything one team records for one area and day.
    public static let maximum = 100_000

    public var all: [Int] { [calls, flyers, interceptions, points, visits] }

    /// Stable codes of what is wrong; empty when usable.
    public var faults: [String] { all.allSatisfy { (0...Self.maximum).contains($0) } ? [] : ["outreach_count_invalid"] }

    public static func + (a: OutreachCounts, b: OutreachCounts) -> OutreachCounts {
        OutreachCounts(calls: a.calls + b.calls, flyers: a.flyers + b.flyers, interceptions: a.interceptions + b.interceptions,
                       points: a.points + b.points, visits: a.visits + b.visits)
    }
}

/// 拓客费用: staff, materials and fees (venue, platform), in fen.
public struct OutreachCosts: Hashable, Codable, Sendable {
    public var staff: Money
    public var materials: Money
    public var fees: Money
    public init(staff: Money = .zero, materials: Money = .zero, fees: Money = .zero) {
        self.staff = staff; self.materials = materials; self.fees = fees
    }
    public var total: Money { Money(fen: staff.fen + materials.fen + fees.fen) }
    public var faults: [String] {
        let most = Money(yuan: 10_000_000)
        return [staff, materials, fees].allSatisfy { $0.fen >= 0 && $0.isWithin(most) } ? [] : ["outreach_cost_invalid"]
    }
}

/// One channel's funnel over a period: 报备 → 到访 → 认购 → 签约, and what the outreach cost.
public struct ChannelFunnel: Hashable, Sendable {
    public var registrations: Int
    public var visits: Int
    public var subscriptions: Int
    public var contracts: Int
    public var cost: Money

    public init(registrations: Int = 0, visits: Int = 0, subscriptions: Int = 0, contracts: Int = 0, cost: Money = .zero) {
        self.registrations = registrations; self.visits = visits; self.subscriptions = subscriptions; self.contracts = contracts; self.cost = cost
    }

    /// Cost per one of `count`, rounded half-up to the fen; nil when there is none to divide by.
    public static func per(_ cost: Money, _ count: Int) -> Money? {
        guard count > 0 else { return nil }
        return Money(fen: Rounding.halfUp(Int128(cost.fen), divisor: Int128(count)))
    }

    public var perRegistration: Money? { Self.per(cost, registrations) }
    public var perVisit: Money? { Self.per(cost, visits) }
    /// Per deal: per 认购.
    public var perDeal: Money? { Self.per(cost, subscriptions) }

    public static func + (a: ChannelFunnel, b: ChannelFunnel) -> ChannelFunnel {
        ChannelFunnel(registrations: a.registrations + b.registrations, visits: a.visits + b.visits, subscriptions: a.subscriptions + b.subscriptions,
                      contracts: a.contracts + b.contracts, cost: Money(fen: a.cost.fen + b.cost.fen))
    }
}
