/// 面积差 settlement at handover, 商品房销售管理办法 第20条 (DOMAIN §3.8), unless the contract says
/// otherwise. The ratio is (registered − contract) / contract on the area the price is based on:
/// - within ±3 %: settled at the contract unit price either way;
/// - above +3 %: the buyer may return the unit (everything paid refunded with interest); keeping it,
///   the buyer pays for the part up to 3 % and the developer bears the rest;
/// - below −3 %: the buyer may return the unit too (第20条 gives the right when the absolute error
///   exceeds 3 %, either way); keeping it, the developer refunds the part up to 3 % once and the
///   part beyond 3 % twice.
/// All arithmetic is in integers: areas in 1/10,000 m², money in fen, rounded half-up once per amount.
public struct AreaDifference: Sendable, Equatable {
    public enum Band: String, Sendable { case within, above, below, notApplicable = "not_applicable" }

    public var band: Band
    /// Registered minus contract area.
    public var difference: Area
    /// The ratio in millionths (30_000 is 3 %), rounded half-up, for display.
    public var ratioPPM: Int
    /// What the buyer pays (negative: what the buyer is refunded), if the buyer keeps the unit.
    public var buyerPays: Money
    /// Above +3 %: the value of the area beyond 3 % that the developer bears.
    public var developerBears: Money
    /// Beyond ±3 %: the buyer may instead return the unit.
    public var buyerMayReturn: Bool

    /// The settlement for one unit. `unitPrice` is per m² of the pricing basis; a unit priced per
    /// unit (按套) has no area settlement.
    public static func settle(contract: Area, registered: Area, unitPrice: Money, basis: PricingBasis) -> AreaDifference {
        let diff = registered.hundredths - contract.hundredths
        guard basis != .perUnit, contract.hundredths > 0 else {
            return AreaDifference(band: .notApplicable, difference: Area(hundredths: diff), ratioPPM: 0, buyerPays: Money(fen: 0),
                                  developerBears: Money(fen: 0), buyerMayReturn: false)
        }
        // In 1/10,000 m²: the difference, and 3 % of the contract area (exact).
        let diff4 = Int128(diff) * 100
        let cap4 = Int128(contract.hundredths) * 3
        let price = Int128(unitPrice.fen)
        // fen = (1/10,000 m²) × (fen per m²) / 10,000
        func value(_ area4: Int128) -> Money { Money(fen: Rounding.halfUp(area4 * price, divisor: 10_000)) }
        let ppm = Int(Rounding.halfUp(Int128(diff) * 1_000_000, divisor: Int128(contract.hundredths)))
        let d = Area(hundredths: diff)
        if diff4 <= cap4 && diff4 >= -cap4 {
            return AreaDifference(band: .within, difference: d, ratioPPM: ppm, buyerPays: value(diff4), developerBears: Money(fen: 0),
                                  buyerMayReturn: false)
        }
        if diff4 > 0 {
            let pays = value(cap4)
            return AreaDifference(band: .above, difference: d, ratioPPM: ppm, buyerPays: pays, developerBears: value(diff4) - pays,
                                  buyerMayReturn: true)
        }
        // Below −3 %: the first 3 % once, the rest twice, each valued then added (so rounding happens per part).
        let refund = value(cap4) + value((-diff4 - cap4) * 2)
        return AreaDifference(band: .below, difference: d, ratioPPM: ppm, buyerPays: Money(fen: 0) - refund, developerBears: Money(fen: 0),
                              buyerMayReturn: true)
    }
}

/// 定金 under 民法典 第586条: at most 20 % of the price of the main contract; an agreed amount above
/// that is, for the part beyond, not a deposit. Subscription refuses it.
public enum DepositRule {
    /// The largest deposit for a price: 20 %, rounded down to the fen (never above the limit).
    public static func maximum(for price: Money) -> Money { Money(fen: price.fen / 5) }

    public static func isAllowed(_ deposit: Money, price: Money) -> Bool { deposit.fen > 0 && deposit.fen <= maximum(for: price).fen }
}

/// 违约金 for late payment: the contract's daily rate (in parts per 100,000: 万分之五 is 50) on the
/// overdue amount for each day late, rounded half-up to the fen once.
public enum LatePenalty {
    public static func amount(overdue: Money, days: Int, ratePer100k: Int) -> Money {
        guard overdue.fen > 0, days > 0, ratePer100k > 0 else { return Money(fen: 0) }
        return Money(fen: Rounding.halfUp(Int128(overdue.fen) * Int128(days) * Int128(ratePer100k), divisor: 100_000))
    }
}
