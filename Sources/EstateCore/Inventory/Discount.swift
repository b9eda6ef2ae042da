/// A named discount rule (折扣), e.g. 一次性付款 98 折. Rates compose multiplicatively;
/// fixed reductions (直减) apply after all rates.
public struct DiscountRule: Hashable, Sendable, Codable {
    public enum Effect: Hashable, Sendable, Codable {
        /// Parts per ten thousand of the price kept: 9800 = 98 折.
        case rate(permyriad: Int)
        /// A fixed reduction.
        case reduction(Money)
    }

    public var name: String
    public var effect: Effect

    public init(name: String, effect: Effect) { self.name = name; self.effect = effect }

    /// "98折" → 9800, "9.5折" → 9500, "0.98" → 9800, "98%" → 9800.
    public static func permyriad(text: String) -> Int? {
        var t = text.trimmingSpaces
        if t.hasSuffix("折") {
            t.removeLast()
            guard let v = DecimalText.fixed(t, scale: 2) else { return nil }
            // 98折 and 9.8折 both mean 98%.
            let p = v >= 1000 ? v : v * 10
            return (1...10000).contains(p) ? Int(p) : nil
        }
        if t.hasSuffix("%") {
            t.removeLast()
            guard let v = DecimalText.fixed(t, scale: 2), (1...10000).contains(v) else { return nil }
            return Int(v)
        }
        guard let v = DecimalText.fixed(t, scale: 4), (1...10000).contains(v) else { return nil }
        return Int(v)
    }
}

/// A price after discounts, with every step shown, as the subscription agreement prints it.
public struct PriceQuote: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var rule: DiscountRule
        public var priceAfter: Money
    }
    public var listTotal: Money
    public var steps: [Step]
    public var finalTotal: Money
    /// finalTotal / listTotal in parts per ten thousand, rounded half up.
    public var effectivePermyriad: Int

    /// Applies `rules` in order. Rates compose as one product held to 20 decimal
    /// places (exact for up to five stacked rates, within 10⁻²⁰ beyond), applied to
    /// the list total once; reductions follow, then the project's rounding. The
    /// intermediate prices are rounded to the fen for display only.
    public static func make(listTotal: Money, rules: [DiscountRule], rounding: PriceRounding) -> PriceQuote {
        let one: Int128 = 100_000_000_000_000_000_000 // 10^20
        var factor = one
        var reductions = Money.zero
        var steps: [Step] = []
        func apply(_ factor: Int128) -> Money {
            Money(fen: Rounding.halfUp(Int128(listTotal.fen) * factor, divisor: one))
        }
        for rule in rules {
            switch rule.effect {
            case .rate(let p): factor = Int128(Rounding.halfUp(factor * Int128(p), divisor: 10_000, wide: true))
            case .reduction(let m): reductions = Money(fen: reductions.fen.addingReportingOverflow(m.fen).overflow ? .max : reductions.fen + m.fen)
            }
            steps.append(Step(rule: rule, priceAfter: apply(factor) - reductions))
        }
        // The final price is rounded once, from the exact value.
        let capped = Int128(min(reductions.fen, Money.maxTotal.fen * 100))
        let exact = Int128(listTotal.fen) * factor - capped * one // fen × 10²⁰
        let final: Money
        if exact <= 0 { final = .zero } else {
            switch rounding {
            case .fen: final = Money(fen: Rounding.halfUp(exact, divisor: one))
            case .yuan: final = Money(fen: Rounding.halfUp(exact, divisor: one * 100) * 100)
            }
        }
        let effective = listTotal.fen > 0
            ? Int(Rounding.halfUp(Int128(final.fen) * 10_000, divisor: Int128(listTotal.fen))) : 10_000
        return PriceQuote(listTotal: listTotal, steps: steps, finalTotal: final, effectivePermyriad: effective)
    }
}
