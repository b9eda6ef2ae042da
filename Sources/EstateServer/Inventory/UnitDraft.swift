import EstateCore
import Foundation

/// A unit as a person types it (form, API body or spreadsheet row), before it is
/// checked. Text fields stay text so every reason can be reported per field.
public struct UnitDraft: Sendable, Equatable {
    public var building: String
    public var entrance: String
    public var floor: String
    public var room: String
    public var code: String
    public var layout: String
    public var orientation: String
    public var usage: String
    public var builtArea: String
    public var innerArea: String
    public var pricingBasis: String
    public var unitPrice: String
    public var listTotal: String
    public var floorPrice: String

    public init(building: String = "", entrance: String = "1", floor: String = "", room: String = "", code: String = "",
                layout: String = "", orientation: String = "", usage: String = "住宅", builtArea: String = "",
                innerArea: String = "", pricingBasis: String = "按建筑面积", unitPrice: String = "", listTotal: String = "",
                floorPrice: String = "") {
        self.building = building; self.entrance = entrance; self.floor = floor; self.room = room; self.code = code
        self.layout = layout; self.orientation = orientation; self.usage = usage; self.builtArea = builtArea
        self.innerArea = innerArea; self.pricingBasis = pricingBasis; self.unitPrice = unitPrice
        self.listTotal = listTotal; self.floorPrice = floorPrice
    }

    /// The spreadsheet columns, in template order, with the draft field each fills.
    public static let columns: [(field: String, zh: String, en: String, path: WritableKeyPath<UnitDraft, String>)] = [
        ("building", "楼栋", "Building", \.building),
        ("entrance", "单元", "Entrance", \.entrance),
        ("floor", "楼层", "Floor", \.floor),
        ("room", "房号", "Room", \.room),
        ("code", "房间编码", "Unit code", \.code),
        ("layout", "户型", "Layout", \.layout),
        ("orientation", "朝向", "Orientation", \.orientation),
        ("usage", "用途", "Use", \.usage),
        ("builtArea", "建筑面积", "Built-up area", \.builtArea),
        ("innerArea", "套内面积", "Inner area", \.innerArea),
        ("pricingBasis", "计价方式", "Pricing basis", \.pricingBasis),
        ("unitPrice", "表价单价", "List unit price", \.unitPrice),
        ("listTotal", "表价总价", "List total", \.listTotal),
        ("floorPrice", "底价", "Floor price", \.floorPrice),
    ]
}

/// A unit that passed every check, ready to write.
public struct ValidUnit: Sendable, Equatable {
    public var buildingName: String
    public var entrance: Int
    public var floor: Int
    public var room: String
    public var code: String
    public var layout: String
    public var orientation: String
    public var usage: UnitUsage
    public var builtArea: Area
    public var innerArea: Area
    public var basis: PricingBasis
    public var unitPrice: Money
    public var listTotal: Money
    public var floorPrice: Money
}

public enum Checked: Sendable, Equatable {
    case valid(ValidUnit)
    case invalid([Problem.FieldError])
}

/// Checks a draft against DOMAIN §2 and the project's layouts; every failure names
/// the field and a catalogue code, so forms and import reports say what is wrong.
public struct UnitValidator: Sendable {
    public var layouts: Set<String>
    public var rounding: PriceRounding

    public init(layouts: Set<String>, rounding: PriceRounding) { self.layouts = layouts; self.rounding = rounding }

    public func check(_ d: UnitDraft) -> Checked {
        var bad: [Problem.FieldError] = []
        func fail(_ field: String, _ code: String) { bad.append(.init(field: field, code: code)) }
        let building = d.building.trimmed
        if building.isEmpty { fail("building", "required") }
        else if !Text.isCleanLine(building, maxLength: 30) { fail("building", "building_name_invalid") }
        let entrance = Int(d.entrance.trimmed.isEmpty ? "1" : d.entrance.trimmed)
        if entrance == nil || !(1...99).contains(entrance!) { fail("entrance", "entrance_invalid") }
        let floor = Int(d.floor.trimmed)
        if d.floor.trimmed.isEmpty { fail("floor", "required") }
        else if floor == nil || floor == 0 || !(-9...200).contains(floor!) { fail("floor", "floor_invalid") }
        let room = d.room.trimmed
        if room.isEmpty { fail("room", "required") }
        else if !UnitValidator.isCodeText(room, max: 8) { fail("room", "room_invalid") }
        var code = d.code.trimmed
        if code.isEmpty, let floor, let entrance, !room.isEmpty {
            code = UnitValidator.defaultCode(building: building, entrance: entrance, floor: floor, room: room)
        }
        if !UnitValidator.isCodeText(code, max: 32) { fail("code", "unit_code_invalid") }
        let usage = UnitUsage(text: d.usage.trimmed.isEmpty ? "住宅" : d.usage)
        if usage == nil { fail("usage", "usage_invalid") }
        let layout = d.layout.trimmed
        if layout.isEmpty {
            if usage == .residential { fail("layout", "required") }
        } else if !layouts.contains(layout) { fail("layout", "layout_unknown") }
        let orientation = d.orientation.trimmed
        if !orientation.isEmpty, !Text.isCleanLine(orientation, maxLength: 20) { fail("orientation", "orientation_invalid") }
        let built = Area(text: d.builtArea)
        if d.builtArea.trimmed.isEmpty { fail("builtArea", "required") }
        else if built == nil { fail("builtArea", "area_not_number") }
        else if built!.hundredths <= 0 || built!.hundredths > 10_000_000 { fail("builtArea", "area_out_of_range") }
        let inner = d.innerArea.trimmed.isEmpty ? Area.zero : Area(text: d.innerArea)
        if inner == nil { fail("innerArea", "area_not_number") }
        else if inner!.hundredths < 0 || (built != nil && inner! > built!) { fail("innerArea", "inner_area_exceeds_built") }
        let basis = PricingBasis(text: d.pricingBasis.trimmed.isEmpty ? "按建筑面积" : d.pricingBasis)
        if basis == nil { fail("pricingBasis", "pricing_basis_invalid") }
        if basis == .innerArea, inner == .zero { fail("innerArea", "required") }
        let unitPrice = d.unitPrice.trimmed.isEmpty ? nil : Money(yuanText: d.unitPrice)
        if !d.unitPrice.trimmed.isEmpty, unitPrice == nil { fail("unitPrice", "money_not_number") }
        if let p = unitPrice, !p.isWithin(Money.maxUnitPrice) { fail("unitPrice", "money_out_of_range") }
        let givenTotal = d.listTotal.trimmed.isEmpty ? nil : Money(yuanText: d.listTotal)
        if !d.listTotal.trimmed.isEmpty, givenTotal == nil { fail("listTotal", "money_not_number") }
        if let t = givenTotal, !t.isWithin(Money.maxTotal) { fail("listTotal", "money_out_of_range") }
        var total: Money?
        // Price only numbers in range (the product of two huge ones would not fit).
        let inRange = bad.allSatisfy { !["builtArea", "innerArea", "unitPrice", "listTotal"].contains($0.field) }
        if inRange, let basis, let built, let inner {
            if let area = UnitPricing.pricedArea(basis: basis, built: built, inner: inner) {
                if let unitPrice {
                    total = UnitPricing.total(area: area, unitPrice: unitPrice, rounding: rounding)
                    // A total typed next to the unit price must agree with it — within what rounding the
                    // unit price to the fen explains (a list priced by total, exported with its
                    // derived unit price): then the total is the price.
                    if let givenTotal, let computed = total, givenTotal != computed {
                        let slack = Int64(area.hundredths / 200 + 1)
                        if (givenTotal.fen - computed.fen).magnitude <= UInt64(slack) { total = givenTotal }
                        else { fail("listTotal", "total_mismatch") }
                    }
                } else if let givenTotal {
                    total = givenTotal
                } else { fail("unitPrice", "required") }
            } else if let givenTotal {
                total = givenTotal
            } else { fail("listTotal", "required") }
        }
        if let t = total, !t.isWithin(Money.maxTotal) { fail("listTotal", "money_out_of_range") }
        let floorPrice = d.floorPrice.trimmed.isEmpty ? total : Money(yuanText: d.floorPrice)
        if !d.floorPrice.trimmed.isEmpty, floorPrice == nil { fail("floorPrice", "money_not_number") }
        else if let f = floorPrice, let t = total, f.fen < 0 || f > t { fail("floorPrice", "floor_price_above_total") }
        guard bad.isEmpty, let entrance, let floor, let usage, let built, let inner, let basis, let total, let floorPrice else {
            return .invalid(bad)
        }
        let unitPriceFinal = unitPrice ?? UnitPricing.pricedArea(basis: basis, built: built, inner: inner)
            .map { UnitPricing.unitPrice(total: total, area: $0) } ?? .zero
        return .valid(ValidUnit(buildingName: building, entrance: entrance, floor: floor, room: room, code: code,
                                  layout: layout, orientation: orientation, usage: usage, builtArea: built,
                                  innerArea: inner, basis: basis, unitPrice: unitPriceFinal, listTotal: total,
                                  floorPrice: floorPrice))
    }

    /// Letters, digits and dashes: what room numbers and unit codes are made of.
    static func isCodeText(_ s: String, max: Int) -> Bool {
        !s.isEmpty && s.count <= max && s.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-")
        }
    }

    /// "3号楼", entrance 1, floor 12, room "01" → "3-1-1201".
    static func defaultCode(building: String, entrance: Int, floor: Int, room: String) -> String {
        var b = building
        for suffix in ["号楼", "栋", "幢", "座", "号", "楼"] where b.hasSuffix(suffix) { b.removeLast(suffix.count); break }
        let prefix = isCodeText(b, max: 8) ? b : String(b.unicodeScalars.filter { $0.isASCII && $0.properties.isAlphabetic || ("0"..."9").contains($0) }.map(Character.init))
        let roomPart = room.hasPrefix("\(floor)") && room.count > 2 ? room : "\(floor < 0 ? "B\(-floor)" : "\(floor)")\(room)"
        return "\(prefix.isEmpty ? "X" : prefix)-\(entrance)-\(roomPart)"
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: CharacterSet(charactersIn: " \t\r\n\u{3000}\u{00A0}")) }
}
