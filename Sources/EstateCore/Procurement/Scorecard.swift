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

    /// The weights for a period nobody rated the supplier's service in: service's weight is shared over the other three
    /// in proportion to their weights (largest remainder, ties to quality, delivery, price in that order; equal shares
    /// if all three are 0), so an unrated supplier is neither rewarded with a free 100 nor punished with a 0.
    public var withoutService: ScoreWeights {
        guard service > 0 else { return self }
        let others = [quality, delivery, price]
        let base = others.reduce(0, +)
        let shares = base == 0 ? [1, 1, 1] : others
        let whole = shares.reduce(0, +)
        var added = shares.map { $0 * service / whole }
        var left = service - added.reduce(0, +)
        let byRemainder = shares.indices.sorted { a, b in
            let ra = shares[a] * service % whole, rb = shares[b] * service % whole
            return ra != rb ? ra > rb : a < b
        }
        for i in byRemainder where left > 0 { added[i] += 1; left -= 1 }
        return ScoreWeights(quality: quality + added[0], delivery: delivery + added[1], price: price + added[2], service: 0)
    }
}

public struct ScoreCriteria: Sendable, Equatable, Codable {
    public var quality: Int
    public var delivery: Int
    public var price: Int
    /// nil when nobody rated the supplier's service in the period (see `ScoreWeights.withoutService`).
    public var service: Int?

    public init(quality: Int, delivery: Int, price: Int, service: Int?) {
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

    /// Σ weight × criterion / 100, rounded half up; without a service rating, over `weights.withoutService`.
    public static func total(_ c: ScoreCriteria, weights: ScoreWeights) -> Int {
        let w = applied(weights, to: c)
        let sum = w.quality * clamp(c.quality) + w.delivery * clamp(c.delivery) + w.price * clamp(c.price)
            + w.service * clamp(c.service ?? 0)
        return Int(Rounding.halfUp(Int128(sum), divisor: 100))
    }

    /// The weights a total is taken over: the manager's, or with service's shared out when it was not rated.
    public static func applied(_ weights: ScoreWeights, to c: ScoreCriteria) -> ScoreWeights {
        c.service == nil ? weights.withoutService : weights
    }

    /// Service (服务评价): 100 × the mean of the period's ratings (1–5 stars) ÷ 5, rounded half up; nil with none.
    public static func service(stars: [Int]) -> Int? {
        guard !stars.isEmpty else { return nil }
        return clamp(Int(Rounding.halfUp(Int128(stars.reduce(0) { $0 + min(5, max(1, $1)) }) * 100, divisor: Int128(stars.count * 5))))
    }

    /// A rating is 1–5 stars; 1 or 2 stars need a written reason (what went wrong is what the next buyer needs to know).
    public static let stars = 1...5
    public static func serviceRatingFault(stars: Int, comment: String) -> String? {
        guard Self.stars.contains(stars) else { return "service_stars_invalid" }
        if stars <= 2, comment.unicodeScalars.allSatisfy(Text.isEdgeBlank) { return "service_comment_required" }
        return nil
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
