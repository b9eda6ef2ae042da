import EstateCore
import Foundation
import SQLKit

/// One unit as lists, the board and exports read it: decoded straight from SQL
/// rows (PERFORMANCE.md: no Fluent models on the board's path).
public struct UnitRow: Sendable, Decodable, Equatable {
    public var id: UUID
    public var projectID: UUID
    public var buildingID: UUID
    public var entrance: Int
    public var floor: Int
    public var room: String
    public var code: String
    public var layout: String
    public var orientation: String
    public var usage: String
    public var builtArea: Area
    public var innerArea: Area
    public var pricingBasis: String
    public var listUnitPrice: Money
    public var listTotal: Money
    public var floorPrice: Money
    public var status: UnitStatus
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, entrance, floor, room, code, layout, orientation, usage, status
        case projectID = "project_id", buildingID = "building_id", builtArea = "built_area", innerArea = "inner_area"
        case pricingBasis = "pricing_basis", listUnitPrice = "list_unit_price", listTotal = "list_total"
        case floorPrice = "floor_price", updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(UUID.self, forKey: .id)
        projectID = try c.decode(UUID.self, forKey: .projectID)
        buildingID = try c.decode(UUID.self, forKey: .buildingID)
        entrance = try c.decode(Int.self, forKey: .entrance)
        floor = try c.decode(Int.self, forKey: .floor)
        room = try c.decode(String.self, forKey: .room)
        code = try c.decode(String.self, forKey: .code)
        layout = try c.decode(String.self, forKey: .layout)
        orientation = try c.decode(String.self, forKey: .orientation)
        usage = try c.decode(String.self, forKey: .usage)
        builtArea = Area(hundredths: try c.decode(Int.self, forKey: .builtArea))
        innerArea = Area(hundredths: try c.decode(Int.self, forKey: .innerArea))
        pricingBasis = try c.decode(String.self, forKey: .pricingBasis)
        listUnitPrice = Money(fen: try c.decode(Int64.self, forKey: .listUnitPrice))
        listTotal = Money(fen: try c.decode(Int64.self, forKey: .listTotal))
        floorPrice = Money(fen: try c.decode(Int64.self, forKey: .floorPrice))
        status = UnitStatus(rawValue: try c.decode(String.self, forKey: .status)) ?? .unreleased
        updatedAt = try c.decode(Date.self, forKey: .updatedAt)
    }

    static let columns = ["id", "project_id", "building_id", "entrance", "floor", "room", "code", "layout", "orientation",
                          "usage", "built_area", "inner_area", "pricing_basis", "list_unit_price", "list_total",
                          "floor_price", "status", "updated_at"]

    public var usageKind: UnitUsage? { UnitUsage(rawValue: usage) }
    public var basis: PricingBasis { PricingBasis(rawValue: pricingBasis) ?? .builtArea }
}

/// A building with its unit count, for pickers and the board's tabs.
public struct BuildingRow: Sendable, Decodable, Equatable {
    public var id: UUID
    public var projectID: UUID
    public var name: String
    public var sortOrder: Int
    public var floors: Int
    public var entrances: Int

    enum CodingKeys: String, CodingKey {
        case id, name, floors, entrances
        case projectID = "project_id", sortOrder = "sort_order"
    }
}

/// A unit's filter, as lists, the board and exports take it.
public struct UnitFilter: Sendable, Equatable {
    public var buildingID: UUID?
    public var statuses: Set<UnitStatus> = []
    public var layout: String?
    public var floorFrom: Int?
    public var floorTo: Int?
    public var priceFrom: Money?
    public var priceTo: Money?
    /// Matches the unit code (e.g. "1201" finds 3-1-1201).
    public var code: String?

    public init() {}

    func apply(to query: SQLSelectBuilder) -> SQLSelectBuilder {
        var q = query
        if let b = buildingID { q = q.where("building_id", .equal, b) }
        if !statuses.isEmpty { q = q.where("status", .in, statuses.map(\.rawValue).sorted()) }
        if let l = layout, !l.isEmpty { q = q.where("layout", .equal, l) }
        if let f = floorFrom { q = q.where("floor", .greaterThanOrEqual, f) }
        if let t = floorTo { q = q.where("floor", .lessThanOrEqual, t) }
        if let p = priceFrom { q = q.where("list_total", .greaterThanOrEqual, p.fen) }
        if let p = priceTo { q = q.where("list_total", .lessThanOrEqual, p.fen) }
        // Unit codes are letters, digits and dashes, so LIKE needs no escaping once others are dropped.
        if let c = code.map(UnitFilter.codeSearch), !c.isEmpty {
            q = q.where(SQLBinaryExpression(SQLColumn("code"), .like, SQLBind("%\(c)%")))
        }
        return q
    }

    static func codeSearch(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }.map(Character.init))
    }

    /// True when a unit passes the filter (the board filters in memory from its cache).
    public func matches(_ u: UnitRow) -> Bool {
        if let b = buildingID, u.buildingID != b { return false }
        if !statuses.isEmpty, !statuses.contains(u.status) { return false }
        if let l = layout, !l.isEmpty, u.layout != l { return false }
        if let f = floorFrom, u.floor < f { return false }
        if let t = floorTo, u.floor > t { return false }
        if let p = priceFrom, u.listTotal < p { return false }
        if let p = priceTo, u.listTotal > p { return false }
        if let c = code, !c.isEmpty, !u.code.contains(c) { return false }
        return true
    }
}
