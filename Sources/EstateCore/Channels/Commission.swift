import Foundation

/// 佣金结算节点: the event after which a deal's commission is payable.
public enum CommissionEvent: Hashable, Codable, Sendable {
    /// 认购: payable once subscribed.
    case subscription
    /// 签约: payable once the contract is signed.
    case contract
    /// 回款 ≥ x %: payable once the receipts reach x % of the final price (basis points, 1…10,000).
    case receipts(basisPoints: Int)

    /// "subscription", "contract", "receipts:3000".
    public var code: String {
        switch self {
        case .subscription: return "subscription"
        case .contract: return "contract"
        case .receipts(let bp): return "receipts:\(bp)"
        }
    }

    public init?(code: String) {
        switch code {
        case "subscription": self = .subscription
        case "contract": self = .contract
        default:
            let parts = code.split(separator: ":")
            guard parts.count == 2, parts[0] == "receipts", let bp = Int(parts[1]), (1...10_000).contains(bp) else { return nil }
            self = .receipts(basisPoints: bp)
        }
    }
}

/// 阶梯: from `minDeals` payable deals in the period, every deal of the period earns this rate
/// and fixed amount instead of the base ones (跳点, retroactive to the first deal).
public struct CommissionTier: Hashable, Codable, Sendable {
    public var minDeals: Int
    public var rateBasisPoints: Int
    public var fixedPerUnit: Money

    public init(minDeals: Int, rateBasisPoints: Int, fixedPerUnit: Money = .zero) {
        self.minDeals = minDeals
        self.rateBasisPoints = rateBasisPoints
        self.fixedPerUnit = fixedPerUnit
    }
}

/// 佣金规则 of a channel agreement: fixed per unit, a percentage of the final price, tiers by the
/// count of deals in the period, a bonus for a 老带新 referrer, payable on a chosen event.
public struct CommissionRule: Hashable, Codable, Sendable {
    public var fixedPerUnit: Money
    /// Of the final price, in basis points (100 = 1 %).
    public var rateBasisPoints: Int
    public var tiers: [CommissionTier]
    /// Added to each payable deal brought by a 老带新 referrer.
    public var referrerBonus: Money
    public var payableOn: CommissionEvent

    public init(fixedPerUnit: Money = .zero, rateBasisPoints: Int = 0, tiers: [CommissionTier] = [],
                referrerBonus: Money = .zero, payableOn: CommissionEvent = .contract) {
        self.fixedPerUnit = fixedPerUnit
        self.rateBasisPoints = rateBasisPoints
        self.tiers = tiers
        self.referrerBonus = referrerBonus
        self.payableOn = payableOn
    }

    /// The rule's faults as stable codes; empty when the rule is usable.
    public var faults: [String] {
        var out: [String] = []
        let maxFixed = Money(yuan: 10_000_000)
        if !fixedPerUnit.isWithin(maxFixed) || !referrerBonus.isWithin(maxFixed) { out.append("commission_amount_invalid") }
        if !(0...10_000).contains(rateBasisPoints) { out.append("commission_rate_invalid") }
        if tiers.contains(where: { !(0...10_000).contains($0.rateBasisPoints) || !$0.fixedPerUnit.isWithin(maxFixed) }) {
            out.append("commission_tier_invalid")
        } else if tiers.contains(where: { $0.minDeals < 2 }) || Set(tiers.map(\.minDeals)).count != tiers.count {
            out.append("commission_tier_invalid")
        }
        if case .receipts(let bp) = payableOn, !(1...10_000).contains(bp) { out.append("commission_event_invalid") }
        return out
    }

    /// The rate and fixed amount for `count` payable deals in the period: the tier with the
    /// largest `minDeals` ≤ count, else the base.
    public func terms(forDeals count: Int) -> (rateBasisPoints: Int, fixedPerUnit: Money, tier: Int?) {
        guard let tier = tiers.filter({ $0.minDeals <= count }).max(by: { $0.minDeals < $1.minDeals }) else {
            return (rateBasisPoints, fixedPerUnit, nil)
        }
        return (tier.rateBasisPoints, tier.fixedPerUnit, tier.minDeals)
    }
}

/// The facts of one attributed deal a statement needs (read from Sales through its service).
public struct CommissionDeal: Hashable, Sendable {
    public var reference: String
    public var finalPrice: Money
    public var subscribedAt: Date
    public var contractSignedAt: Date?
    /// Receipts so far (回款).
    public var received: Money
    public var byReferrer: Bool
    /// The 老带新 referrer named on the registration, who earns the bonus.
    public var referrer: String?
    /// 退订 / 退房: the attribution was clawed back.
    public var clawedBack: Bool
    /// What earlier statements already paid or owe for this deal (net).
    public var alreadyStated: Money

    public init(reference: String, finalPrice: Money, subscribedAt: Date, contractSignedAt: Date? = nil, received: Money = .zero,
                byReferrer: Bool = false, referrer: String? = nil, clawedBack: Bool = false, alreadyStated: Money = .zero) {
        self.reference = reference
        self.finalPrice = finalPrice
        self.subscribedAt = subscribedAt
        self.contractSignedAt = contractSignedAt
        self.received = received
        self.byReferrer = byReferrer
        self.referrer = referrer
        self.clawedBack = clawedBack
        self.alreadyStated = alreadyStated
    }
}

public struct CommissionLine: Hashable, Sendable {
    public enum Kind: String, Sendable { case commission, bonus, clawBack = "claw_back" }
    public var reference: String
    public var kind: Kind
    public var amount: Money
    /// e.g. "2.50 % × 1,000,000.00 + 5,000.00 (阶梯 ≥ 5)".
    public var explanation: String
}

public struct CommissionStatementDraft: Hashable, Sendable {
    public var lines: [CommissionLine]
    public var payableDeals: Int
    public var tier: Int?
    public var total: Money { Money(fen: lines.reduce(0) { $0 + $1.amount.fen }) }
}

public enum CommissionCalculator {
    /// Whether `deal` reached the rule's event by `asOf`.
    public static func isPayable(_ deal: CommissionDeal, on event: CommissionEvent, asOf: Date) -> Bool {
        if deal.clawedBack { return false }
        switch event {
        case .subscription: return deal.subscribedAt <= asOf
        case .contract: return deal.contractSignedAt.map { $0 <= asOf } ?? false
        case .receipts(let bp):
            guard deal.finalPrice.fen > 0 else { return false }
            // received / price ≥ bp / 10,000, in integers.
            return Int128(deal.received.fen) * 10_000 >= Int128(deal.finalPrice.fen) * Int128(bp)
        }
    }

    /// The commission of one deal under the given terms, rounded half-up to the fen.
    public static func amount(price: Money, rateBasisPoints: Int, fixedPerUnit: Money) -> Money {
        Money(fen: Rounding.halfUp(Int128(price.fen) * Int128(rateBasisPoints), divisor: 10_000) + fixedPerUnit.fen)
    }

    /// A statement for the period: each payable deal earns under the tier its count of payable
    /// deals reached (clawed-back deals do not count); a deal already stated is only topped up
    /// or reduced to its due; a clawed-back deal already stated gets a negative line.
    public static func statement(rule: CommissionRule, deals: [CommissionDeal], asOf: Date) -> CommissionStatementDraft {
        let payable = deals.filter { isPayable($0, on: rule.payableOn, asOf: asOf) }
        let terms = rule.terms(forDeals: payable.count)
        var lines: [CommissionLine] = []
        let tierText = terms.tier.map { " (阶梯 ≥ \($0))" } ?? ""
        for deal in deals.sorted(by: { $0.reference < $1.reference }) {
            if deal.clawedBack {
                if deal.alreadyStated.fen != 0 {
                    lines.append(.init(reference: deal.reference, kind: .clawBack, amount: Money(fen: -deal.alreadyStated.fen),
                                       explanation: "退订/退房 追回 \(deal.alreadyStated)"))
                }
                continue
            }
            guard payable.contains(deal) else { continue }
            let base = amount(price: deal.finalPrice, rateBasisPoints: terms.rateBasisPoints, fixedPerUnit: terms.fixedPerUnit)
            let bonus = deal.byReferrer ? rule.referrerBonus : .zero
            let due = base.fen + bonus.fen - deal.alreadyStated.fen
            guard due != 0 else { continue }
            if deal.alreadyStated.fen == 0 {
                lines.append(.init(reference: deal.reference, kind: .commission, amount: base,
                                   explanation: "\(DecimalText.format(Int64(terms.rateBasisPoints), scale: 2, grouping: false)) % × \(deal.finalPrice) + \(terms.fixedPerUnit)\(tierText)"))
                if bonus.fen > 0 {
                    lines.append(.init(reference: deal.reference, kind: .bonus, amount: bonus, explanation: deal.referrer.map { "老带新奖励 · 推荐人 \($0)" } ?? "老带新奖励"))
                }
            } else {
                lines.append(.init(reference: deal.reference, kind: .commission, amount: Money(fen: due),
                                   explanation: "调整: 应得 \(Money(fen: base.fen + bonus.fen)) − 已结 \(deal.alreadyStated)\(tierText)"))
            }
        }
        return CommissionStatementDraft(lines: lines, payableDeals: payable.count, tier: terms.tier)
    }
}
