/// An amount of renminbi in fen (分). Never floating point: every figure a buyer
/// signs for must add up to the fen.
public struct Money: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var fen: Int64

    public init(fen: Int64) { self.fen = fen }
    public init(yuan: Int64) { self.fen = yuan * 100 }

    public static let zero = Money(fen: 0)
    /// The largest list unit price accepted: 1 亿元/m².
    public static let maxUnitPrice = Money(fen: 10_000_000_000)
    /// The largest unit total accepted: 1000 亿元. With areas ≤ 100,000 m² no product overflows.
    public static let maxTotal = Money(fen: 10_000_000_000_000)

    /// Within 0…`limit`.
    public func isWithin(_ limit: Money) -> Bool { fen >= 0 && fen <= limit.fen }

    /// Parses "1234.56", "1,234.56", "¥1234.5", "-12" as yuan; at most two decimals
    /// (see `DecimalText` for spreadsheet float artefacts). Nil for anything else.
    public init?(yuanText: String) {
        var text = yuanText.trimmingSpaces
        if text.hasPrefix("¥") || text.hasPrefix("￥") { text.removeFirst() }
        text = text.replacingOccurrences(of: ",", with: "")
        guard let value = DecimalText.fixed(text, scale: 2) else { return nil }
        self.fen = value
    }

    /// "1,234,567.89" — thousands separators, always two decimals.
    public var description: String { DecimalText.format(fen, scale: 2, grouping: true) }
    /// "1234567.89" — for forms and files.
    public var plain: String { DecimalText.format(fen, scale: 2, grouping: false) }

    public static func + (a: Money, b: Money) -> Money { Money(fen: a.fen + b.fen) }
    public static func - (a: Money, b: Money) -> Money { Money(fen: a.fen - b.fen) }
    public static prefix func - (a: Money) -> Money { Money(fen: -a.fen) }
    public static func += (a: inout Money, b: Money) { a.fen += b.fen }
    public static func -= (a: inout Money, b: Money) { a.fen -= b.fen }
    public static func < (a: Money, b: Money) -> Bool { a.fen < b.fen }

    /// Rounded to whole yuan or kept at the fen, per the project's rule.
    public func rounded(_ rule: PriceRounding) -> Money {
        switch rule {
        case .fen: self
        case .yuan: Money(fen: Rounding.halfUp(Int128(fen), divisor: 100) * 100)
        }
    }

    /// `self × numerator / denominator`, rounded half up to the fen; exact in 128 bits.
    public func scaled(by numerator: Int64, over denominator: Int64) -> Money {
        Money(fen: Rounding.halfUp(Int128(fen) * Int128(numerator), divisor: Int128(denominator)))
    }
}

/// How a project rounds a unit's total (总价取整): to the fen (default) or to the yuan.
public enum PriceRounding: String, CaseIterable, Sendable, Codable {
    case fen, yuan
}

/// 四舍五入: halves go away from zero, as Chinese pricing and finance expect.
public enum Rounding {
    /// Saturates instead of trapping: inputs are range-checked before pricing (see `Money.maxUnitPrice`),
    /// and a server must not stop on a number it was handed.
    public static func halfUp(_ value: Int128, divisor: Int128) -> Int64 {
        Int64(clamping: halfUp(value, divisor: divisor, wide: true))
    }

    /// The same, keeping 128 bits.
    public static func halfUp(_ value: Int128, divisor: Int128, wide: Bool) -> Int128 {
        precondition(divisor > 0)
        let magnitude = value.magnitude
        let q = magnitude / UInt128(divisor), r = magnitude % UInt128(divisor)
        let rounded = r * 2 >= UInt128(divisor) ? q + 1 : q
        return value < 0 ? -Int128(rounded) : Int128(rounded)
    }
}

extension String {
    /// Trimmed of ASCII and full-width spaces (what Excel users paste).
    var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\u{3000}" || c == "\u{A0}" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\u{3000}" || c == "\u{A0}" { s.removeLast() }
        return String(s)
    }
}
