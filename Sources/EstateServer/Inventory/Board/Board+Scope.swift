import EstateCore
import Foundation

extension Board {
    /// What a board page, its totals and its .xlsx show: one building, or every building of the
    /// project one after the other in building order (`?building=all`).
    enum Scope: Equatable, Sendable {
        case building(UUID)
        case all

        /// The `building` query value: "all", a building of this board, or (missing, unknown) the first building.
        static func resolve(_ value: String?, in board: Board) -> Scope {
            if value == "all" { return .all }
            if let id = value.flatMap(UUID.init(uuidString:)), board.buildings.contains(where: { $0.building.id == id }) {
                return .building(id)
            }
            return board.buildings.first.map { .building($0.building.id) } ?? .all
        }

        var queryValue: String {
            switch self {
            case .all: "all"
            case .building(let id): id.uuidString
            }
        }
    }

    /// The buildings a scope shows, in building order (the order `InventoryService.peopleOrder` lists units in).
    func buildings(in scope: Scope) -> [Building] {
        switch scope {
        case .all: buildings
        case .building(let id): buildings.filter { $0.building.id == id }
        }
    }

    /// A unit code as people type it, for comparing: half-width, upper case, letters, digits and
    /// dashes only, and leading zeros dropped from each dash-separated part, so "1-1-0101",
    /// "1-1-101" and "１－１－１０１" are the same room.
    static func codeKey(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            var v = s.value
            if (0xFF01...0xFF5E).contains(v) { v -= 0xFEE0 }           // full-width ASCII (IME input)
            if v == 0x2010 || v == 0x2011 || v == 0x2012 || v == 0x2013 || v == 0x2014 || v == 0x2212 { v = 0x2D }
            guard let c = Unicode.Scalar(v), c.isASCII, c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "-" else { continue }
            scalars.append(c)
        }
        return String(scalars).uppercased().split(separator: "-", omittingEmptySubsequences: true).map { part -> Substring in
            var p = part
            while p.count > 1, p.first == "0" { p = p.dropFirst() }
            return p
        }.joined(separator: "-")
    }

    /// The unit a typed code means. A whole code ("1-1-0101") first; then a room without its building
    /// and entrance ("0101", "1-0101"), preferring the building on screen; then a code containing the
    /// text. Nil when nothing matches.
    func find(_ text: String, near buildingID: UUID?) -> UnitRow? {
        let key = Board.codeKey(text)
        guard !key.isEmpty else { return nil }
        // Building on screen first, then building order; inside a building, floors bottom-up as people count.
        let ordered = buildings.sorted { a, b in (a.building.id == buildingID ? 0 : 1) < (b.building.id == buildingID ? 0 : 1) }
            .flatMap { b in b.units.sorted(by: Board.countingOrder) }
        let keyed = ordered.map { (unit: $0, key: Board.codeKey($0.code)) }
        if let u = keyed.first(where: { $0.key == key }) { return u.unit }
        if let u = keyed.first(where: { $0.key.hasSuffix("-" + key) }) { return u.unit }
        return keyed.first { $0.key.contains(key) }?.unit
    }

    /// Entrance, floor, room as numbers: the order people count a building's units in.
    static func countingOrder(_ a: UnitRow, _ b: UnitRow) -> Bool {
        if a.entrance != b.entrance { return a.entrance < b.entrance }
        if a.floor != b.floor { return a.floor < b.floor }
        if a.room != b.room { return roomOrder(a.room, b.room) }
        return a.code < b.code
    }

    /// Totals of the units a scope shows that pass `filter` (the "筛选" line; the project's own
    /// totals never depend on a view filter).
    func filteredTotals(_ scope: Scope, _ filter: UnitFilter) -> Totals {
        Totals(buildings(in: scope).lazy.flatMap(\.units).filter(filter.matches))
    }
}

extension UnitFilter {
    /// True when the filter narrows anything beyond the building.
    var narrows: Bool {
        var bare = self
        bare.buildingID = nil
        return bare != UnitFilter()
    }
}
