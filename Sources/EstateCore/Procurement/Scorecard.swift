/// 供应商评估: a supplier's score per period from four criteria (each 0–100), weighted by weights the procurement
/// manager sets (they add up to 100). Below `warnBelow` a new order warns; below `blockBelow` it is refused until
/// the manager overrides with a reason.
public struct ScoreWeights: Sendable, Equatable, Codable {
    public var quality: Int
    public var delivery: Int
    public var price: Int
    public var service: Int

    public init(quality: Int, delivery: Int, price: Int, service: Int) {
        self.quality = quality; self.delivery = delivery; self.price = price; self.service = service
    }

    public static let standard = ScoreWeights(quality: 40, delivery: 30, price: 20, service: 10)

    public var fault: String? {
        let all = [quality, delivery, price, service]
        if all.contains(where: { $0 < 0 || $0 > 100 }) { return "score_weights_invalid" }
        return all.reduce(0, +) == 100 ? nil : "score_weights_not_whole"
    }
}

public struct ScoreCriteria: Sendable, Equatable, Codable {
    public var quality: Int
    public var delivery: Int
    public var price: Int
    public var service: Int

    public init(quality: Int, delivery: Int, price: Int, service: Int) {
        self.quality = quality; self.delivery = delivery; self.price = price; self.service = service
    }
}

public enum ScoreStanding: String, Sendable, Equatable, Codable {
    case good, warn, block
}

public enum Scorecard {
    public static let warnBelow = 70
    public static let blockBelow = 50

    static func clamp(_ v: Int) -> Int { min(100, max(0, v)) }

    /// Σ weight × criterion / 100, rounded half up.
    public static func total(_ c: ScoreCriteria, weights: ScoreWeights) -> Int {
        let sum = weights.quality * clamp(c.quality) + weights.delivery * clamp(c.delivery) + weights.price * clamp(c.price)
            + weights.service * clamp(c.service)
        return Int(Rounding.halfUp(Int128(sum), divisor: 100))
    }

    public static func standing(_ score: Int) -> ScoreStanding {
        score < blockBelow ? .block : score < warnBelow ? .warn : .good
    }

    /// Quality: 100, less 2 points per percent of the delivered quantity rejected at inspection, less 10 points per
    /// repair ticket on a unit the supplier's batch went into per 10 such units (at least one unit counted).
    public static func quality(deliveredMilli: Int64, rejectedMilli: Int64, repairTickets: Int, unitsInstalled: Int) -> Int {
        var score = 100
        if deliveredMilli > 0 {
            // percent rejected, rounded half up
            let pct = Int(Rounding.halfUp(Int128(rejectedMilli) * 100, divisor: Int128(deliveredMilli)))
            score -= 2 * pct
        }
        if repairTickets > 0 {
            score -= Int(Rounding.halfUp(Int128(repairTickets) * 100, divisor: Int128(max(1, unitsInstalled))))
        }
        return clamp(score)
    }

    /// Delivery: the share of delivered lines on time and in full, in percent (100 with nothing due).
    public static func delivery(lines: Int, onTimeInFull: Int) -> Int {
        guard lines > 0 else { return 100 }
        return clamp(Int(Rounding.halfUp(Int128(onTimeInFull) * 100, divisor: Int128(lines))))
    }

    /// Price: 100 at or below the market median, less one point per percent above it.
    public static func price(paid: Money, market: Money) -> Int {
        guard market.fen > 0, paid > market else { return 100 }
        let over = Int(Rounding.halfUp(Int128(paid.fen - market.fen) * 100, divisor: Int128(market.fen)))
        return clamp(100 - over)
    }
}

/// 市场行情: the median of a material's recorded unit prices over the last 90 days, and whether a new price is
/// more than `flagPermyriad` above it (the approver sees the flag; the order needs a reason).
public enum MarketPrice {
    public static let windowDays = 90
    /// 10 %.
    public static let flagPermyriad = 1_000

    /// The median (the lower middle's and upper middle's mean, half up, on an even count); nil for none.
    public static func median(_ prices: [Money]) -> Money? {
        guard !prices.isEmpty else { return nil }
        let s = prices.map(\.fen).sorted()
        let mid = s.count / 2
        if s.count % 2 == 1 { return Money(fen: s[mid]) }
        return Money(fen: Rounding.halfUp(Int128(s[mid - 1]) + Int128(s[mid]), divisor: 2))
    }

    /// Strictly more than `flagPermyriad` above the median.
    public static func isFlagged(_ price: Money, median: Money?) -> Bool {
        guard let median, median.fen > 0 else { return false }
        return Int128(price.fen) * 10_000 > Int128(median.fen) * Int128(10_000 + flagPermyriad)
    }
}
