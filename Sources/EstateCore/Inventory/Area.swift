/// An area in hundredths of a square metre: the precision of a survey report
/// (测绘报告), kept as an integer so sums and ratios are exact.
public struct Area: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var hundredths: Int

    public init(hundredths: Int) { self.hundredths = hundredths }
    public static let zero = Area(hundredths: 0)

    /// "89.12" or "89.12㎡"; at most two decimals.
    public init?(text: String) {
        var t = text.trimmingSpaces
        for suffix in ["㎡", "m²", "m2", "平方米", "平米"] where t.hasSuffix(suffix) { t.removeLast(suffix.count) }
        guard let v = DecimalText.fixed(t.trimmingSpaces, scale: 2), let i = Int(exactly: v) else { return nil }
        self.hundredths = i
    }

    /// "89.12"
    public var description: String { DecimalText.format(Int64(hundredths), scale: 2, grouping: false) }

    public static func + (a: Area, b: Area) -> Area { Area(hundredths: a.hundredths + b.hundredths) }
    public static func - (a: Area, b: Area) -> Area { Area(hundredths: a.hundredths - b.hundredths) }
    public static func += (a: inout Area, b: Area) { a.hundredths += b.hundredths }
    public static func < (a: Area, b: Area) -> Bool { a.hundredths < b.hundredths }
}

/// What a unit's price is counted on (计价方式).
public enum PricingBasis: String, CaseIterable, Sendable, Codable {
    /// 按建筑面积
    case builtArea = "built_area"
    /// 按套内面积
    case innerArea = "inner_area"
    /// 按套: a fixed price per unit (parking spaces, some shops).
    case perUnit = "per_unit"
}

/// Unit price × area = total, the one price formula of DOMAIN §2.
public enum UnitPricing {
    /// Total for `area` at `unitPrice` yuan-per-m² (held in fen), rounded per `rounding`.
    /// Area is in hundredths, so the exact product is in hundredths of a fen.
    /// Rounded once from the exact product (rounding to the fen first and then to the yuan
    /// would turn …150.495 元 into …151).
    public static func total(area: Area, unitPrice: Money, rounding: PriceRounding) -> Money {
        let exact = Int128(area.hundredths) * Int128(unitPrice.fen) // hundredths of a fen
        switch rounding {
        case .fen: return Money(fen: Rounding.halfUp(exact, divisor: 100))
        case .yuan: return Money(fen: Rounding.halfUp(exact, divisor: 10_000).multipliedReportingOverflow(by: 100).partialValue)
        }
    }

    /// The unit price a total implies, to the fen (for lists priced by total).
    public static func unitPrice(total: Money, area: Area) -> Money {
        guard area.hundredths > 0 else { return .zero }
        return Money(fen: Rounding.halfUp(Int128(total.fen) * 100, divisor: Int128(area.hundredths)))
    }

    /// The area a basis prices on; nil for per-unit pricing.
    public static func pricedArea(basis: PricingBasis, built: Area, inner: Area) -> Area? {
        switch basis {
        case .builtArea: built
        case .innerArea: inner
        case .perUnit: nil
        }
    }
}

/// What a unit is for (用途).
public enum UnitUsage: String, CaseIterable, Sendable, Codable {
    /// 住宅
    case residential
    /// 商铺
    case shop
    /// 车位
    case parking
    /// 办公
    case office

    public var catalogKey: String { "unit.usage.\(rawValue)" }

    /// The Chinese word staff write in spreadsheets.
    public var chinese: String {
        switch self {
        case .residential: "住宅"
        case .shop: "商铺"
        case .parking: "车位"
        case .office: "办公"
        }
    }

    /// From "住宅" or "residential".
    public init?(text: String) {
        let t = text.trimmingSpaces
        guard let u = UnitUsage(rawValue: t) ?? UnitUsage.allCases.first(where: { $0.chinese == t }) else { return nil }
        self = u
    }
}

public extension PricingBasis {
    var chinese: String {
        switch self {
        case .builtArea: "按建筑面积"
        case .innerArea: "按套内面积"
        case .perUnit: "按套"
        }
    }

    /// From "按建筑面积", "建筑面积", "built_area" and so on.
    init?(text: String) {
        let t = text.trimmingSpaces
        if let b = PricingBasis(rawValue: t) { self = b; return }
        switch t {
        case "按建筑面积", "建筑面积", "建面": self = .builtArea
        case "按套内面积", "套内面积", "套内": self = .innerArea
        case "按套", "套", "整套": self = .perUnit
        default: return nil
        }
    }
}
