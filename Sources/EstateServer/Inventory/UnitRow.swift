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

    /// `SELECT <the unit columns>` — what every reader of `UnitRow` starts from.
    static func select(_ sql: any SQLDatabase) -> SQLSelectBuilder {
        sql.select().columns(columns.map { SQLColumn($0) })
    }

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
            // UPPER on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
            q = q.where(SQLBinaryExpression(SQLFunction("UPPER", args: SQLColumn("code")), .like, SQLBind("%\(c)%")))
        }
        return q
    }

    static func codeSearch(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }.map(Character.init)).uppercased()
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
        if let c = code.map(UnitFilter.codeSearch), !c.isEmpty, !u.code.uppercased().contains(c) { return false }
        return true
    }
}

import FluentKit
import PostgresNIO
import SQLiteNIO

extension UnitRow {
    /// Every unit of a project, read the fastest way the engine allows: through the driver, not
    /// SQLKit's Decodable rows (whose wrappers are private, so a cast cannot reach the values).
    /// The board's cold build reads 10,000 rows; the generic path cost ≈14 µs a row there
    /// (measured: 140 ms of a 300 ms build). `fast` says whether the driver path was taken.
    static func allOfProject(_ projectID: UUID, on db: any Database) async throws -> (units: [UnitRow], fast: Bool) {
        let sql = "SELECT " + columns.joined(separator: ", ") + " FROM units WHERE project_id = "
        if let lite = db as? any SQLiteDatabase {
            let rows = try await lite.query(sql + "?1", [.text(projectID.uuidString)])
            var units: [UnitRow] = []
            units.reserveCapacity(rows.count)
            for row in rows {
                guard let u = UnitRow(sqlite: row) else { return (try await generic(projectID, on: db), false) }
                units.append(u)
            }
            return (units, true)
        }
        if let pg = db as? any PostgresDatabase {
            let rows = try await pg.query(sql + "$1", [PostgresData(uuid: projectID)]).get().rows
            return (try rows.map(UnitRow.init(postgres:)), true)
        }
        return (try await generic(projectID, on: db), false)
    }

    private static func generic(_ projectID: UUID, on db: any Database) async throws -> [UnitRow] {
        try await select(db.sql).from("units")
            .where("project_id", .equal, projectID).all(decoding: UnitRow.self)
    }

    init?(sqlite r: SQLiteRow) {
        func uuid(_ name: String) -> UUID? {
            switch r.column(name) {
            case .text(let s): return UUIDText.parse(s)
            case .blob(let b) where b.readableBytes == 16:
                return b.withUnsafeReadableBytes { p in UUID(uuid: p.loadUnaligned(as: uuid_t.self)) }
            default: return nil
            }
        }
        func int(_ name: String) -> Int? { if case .integer(let i) = r.column(name) { return i }; return nil }
        func text(_ name: String) -> String? { if case .text(let s) = r.column(name) { return s }; return nil }
        func date(_ name: String) -> Date? { r.column(name).flatMap(Date.init(sqliteData:)) }
        guard let id = uuid("id"), let projectID = uuid("project_id"), let buildingID = uuid("building_id"),
              let entrance = int("entrance"), let floor = int("floor"), let room = text("room"), let code = text("code"),
              let layout = text("layout"), let orientation = text("orientation"), let usage = text("usage"),
              let built = int("built_area"), let inner = int("inner_area"), let basis = text("pricing_basis"),
              let unitPrice = int("list_unit_price"), let total = int("list_total"), let floorPrice = int("floor_price"),
              let status = text("status"), let updatedAt = date("updated_at") else { return nil }
        self.init(id: id, projectID: projectID, buildingID: buildingID, entrance: entrance, floor: floor, room: room, code: code,
                  layout: layout, orientation: orientation, usage: usage, builtArea: Area(hundredths: built),
                  innerArea: Area(hundredths: inner), pricingBasis: basis, listUnitPrice: Money(fen: Int64(unitPrice)),
                  listTotal: Money(fen: Int64(total)), floorPrice: Money(fen: Int64(floorPrice)),
                  status: UnitStatus(rawValue: status) ?? .unreleased, updatedAt: updatedAt)
    }

    init(postgres row: PostgresRow) throws {
        let r = row.makeRandomAccess()
        self.init(id: try r[0].decode(UUID.self), projectID: try r[1].decode(UUID.self), buildingID: try r[2].decode(UUID.self),
                  entrance: try r[3].decode(Int.self), floor: try r[4].decode(Int.self), room: try r[5].decode(String.self),
                  code: try r[6].decode(String.self), layout: try r[7].decode(String.self), orientation: try r[8].decode(String.self),
                  usage: try r[9].decode(String.self), builtArea: Area(hundredths: try r[10].decode(Int.self)),
                  innerArea: Area(hundredths: try r[11].decode(Int.self)), pricingBasis: try r[12].decode(String.self),
                  listUnitPrice: Money(fen: try r[13].decode(Int64.self)), listTotal: Money(fen: try r[14].decode(Int64.self)),
                  floorPrice: Money(fen: try r[15].decode(Int64.self)),
                  status: UnitStatus(rawValue: try r[16].decode(String.self)) ?? .unreleased, updatedAt: try r[17].decode(Date.self))
    }

    init(id: UUID, projectID: UUID, buildingID: UUID, entrance: Int, floor: Int, room: String, code: String, layout: String,
         orientation: String, usage: String, builtArea: Area, innerArea: Area, pricingBasis: String, listUnitPrice: Money,
         listTotal: Money, floorPrice: Money, status: UnitStatus, updatedAt: Date) {
        self.id = id; self.projectID = projectID; self.buildingID = buildingID; self.entrance = entrance; self.floor = floor
        self.room = room; self.code = code; self.layout = layout; self.orientation = orientation; self.usage = usage
        self.builtArea = builtArea; self.innerArea = innerArea; self.pricingBasis = pricingBasis; self.listUnitPrice = listUnitPrice
        self.listTotal = listTotal; self.floorPrice = floorPrice; self.status = status; self.updatedAt = updatedAt
    }
}

/// UUIDs as 36-character text, both ways, without Foundation's slower general paths (the
/// board reads and writes 30,000 of them on a cold build).
enum UUIDText {
    static func parse(_ s: String) -> UUID? {
        var s = s
        return s.withUTF8 { p -> UUID? in
            guard p.count == 36, p[8] == 45, p[13] == 45, p[18] == 45, p[23] == 45 else { return nil }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(16)
            var i = 0
            while i < 36 {
                if i == 8 || i == 13 || i == 18 || i == 23 { i += 1; continue }
                guard let hi = nibble(p[i]), let lo = nibble(p[i + 1]) else { return nil }
                bytes.append(hi << 4 | lo)
                i += 2
            }
            return bytes.withUnsafeBytes { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }
        }
    }

    @inline(__always) static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 65...70: c - 55
        case 97...102: c - 87
        default: nil
        }
    }

    private static let hex = Array("0123456789ABCDEF".utf8)

    /// Appends the upper-case 8-4-4-4-12 form (as `uuidString` writes it).
    static func append(_ id: UUID, to out: inout [UInt8]) {
        withUnsafeBytes(of: id.uuid) { b in
            for (i, byte) in b.enumerated() {
                if i == 4 || i == 6 || i == 8 || i == 10 { out.append(45) }
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
    }
}
