import Foundation

/// 价签 (issue 20 point 7): what a tenant asks the desk to print, checked against 明码标价 before it is
/// printed. 《明码标价和禁止价格欺诈规定》(国家市场监督管理总局令第56号, 2022) asks every tag to name the goods
/// (品名), the price and the unit it is priced by (计价单位); the mall's own rule (商场客服岗位职责) adds the
/// origin (产地) and the specification (规格); a tag showing a discount must show the original price beside
/// the price asked, and the original must be higher.
public struct PriceTag: Sendable, Equatable, Codable {
    public var item: String
    public var price: Money
    public var unit: String
    public var origin: String
    public var specification: String
    /// Set on a discount tag (折扣价签): the price before the discount.
    public var originalPrice: Money?

    public init(item: String, price: Money, unit: String, origin: String, specification: String, originalPrice: Money? = nil) {
        self.item = item; self.price = price; self.unit = unit; self.origin = origin
        self.specification = specification; self.originalPrice = originalPrice
    }

    public var isDiscount: Bool { originalPrice != nil }
}

public enum PriceTagRule: String, CaseIterable, Sendable, Equatable {
    case itemRequired = "price_tag_item_required"
    case priceInvalid = "price_tag_price_invalid"
    case unitRequired = "price_tag_unit_required"
    case originRequired = "price_tag_origin_required"
    case specificationRequired = "price_tag_specification_required"
    /// A discount tag without an original price above the price asked.
    case originalPriceInvalid = "price_tag_original_price_invalid"
    case textTooLong = "price_tag_text_too_long"

    /// The field the rule is about.
    public var field: String {
        switch self {
        case .itemRequired: "item"
        case .priceInvalid: "price"
        case .unitRequired: "unit"
        case .originRequired: "origin"
        case .specificationRequired: "specification"
        case .originalPriceInvalid: "originalPrice"
        case .textTooLong: "item"
        }
    }

    /// Every rule `tag` breaks, in the order the fields are printed; empty when it may be printed.
    public static func check(_ tag: PriceTag) -> [PriceTagRule] {
        var out: [PriceTagRule] = []
        func blank(_ s: String) -> Bool { s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        if blank(tag.item) { out.append(.itemRequired) }
        if tag.price.fen <= 0 || tag.price > PointsRule.maxReceipt { out.append(.priceInvalid) }
        if blank(tag.unit) { out.append(.unitRequired) }
        if blank(tag.origin) { out.append(.originRequired) }
        if blank(tag.specification) { out.append(.specificationRequired) }
        if let o = tag.originalPrice, o <= tag.price || o > PointsRule.maxReceipt { out.append(.originalPriceInvalid) }
        if [tag.item, tag.unit, tag.origin, tag.specification].contains(where: { $0.count > 40 || $0.contains("\n") || $0.contains("\u{0}") }) {
            out.append(.textTooLong)
        }
        return out
    }
}

/// 价签制作费: per tag, per the mall's price list (default ¥0.50 a tag, ¥1.00 a discount tag).
public enum PriceTagFee {
    public static let perTag = Money(fen: 50)
    public static let perDiscountTag = Money(fen: 100)

    public static func fee(_ tags: [PriceTag], copies: [Int]) -> Money {
        var total = Money.zero
        for (t, n) in zip(tags, copies) { total += Money(fen: (t.isDiscount ? perDiscountTag : perTag).fen * Int64(max(0, n))) }
        return total
    }
}
