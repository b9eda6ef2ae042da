import EstateCore
import Foundation

extension UnitStatus {
    /// Position in `allCases`, for per-status arrays.
    var ordinal: Int {
        switch self {
        case .unreleased: 0
        case .available: 1
        case .withheld: 2
        case .reserved: 3
        case .subscribed: 4
        case .signed: 5
        case .delivered: 6
        }
    }
}

/// The 销控 board of a project: every building's units with the totals staff
/// read all day (counts per status, sold area and amount, 去化率).
public struct Board: Sendable {
    public struct Project: Sendable { public var id: UUID; public var code: String; public var name: String }

    public struct Building: Sendable {
        public var building: BuildingRow
        /// Floors top-down, then entrance and room left to right.
        public var units: [UnitRow]
        public var totals: Totals
    }

    public struct StatusTotal: Sendable, Equatable {
        public var count = 0
        public var area = Area.zero
        public var amount = Money.zero
    }

    public struct Totals: Sendable, Equatable {
        public var byStatus: [UnitStatus: StatusTotal] = [:]
        public var units = 0
        public var released = 0
        public var sold = 0
        public var soldArea = Area.zero
        /// Until sales land this is the list total of sold units.
        public var soldAmount = Money.zero
        public var availableAmount = Money.zero

        /// 去化率 = sold units / released units, in parts per ten thousand.
        public var sellThroughPermyriad: Int {
            released == 0 ? 0 : Int(Rounding.halfUp(Int128(sold) * 10_000, divisor: Int128(released)))
        }

        public init() {}

        /// One pass with a counter per status in an array (a dictionary update per unit was a
        /// measurable part of a 10,000-unit board).
        public init(_ units: some Sequence<UnitRow>) {
            let statuses = UnitStatus.allCases
            var per = Array(repeating: StatusTotal(), count: statuses.count)
            for u in units {
                let i = u.status.ordinal
                per[i].count += 1
                per[i].area += u.builtArea
                per[i].amount += u.listTotal
                self.units += 1
                if u.status.isReleased { released += 1 }
                if u.status.isSold { sold += 1; soldArea += u.builtArea; soldAmount += u.listTotal }
                if u.status == .available { availableAmount += u.listTotal }
            }
            for (i, s) in statuses.enumerated() where per[i].count > 0 { byStatus[s] = per[i] }
        }

    }

    public var project: Project
    public var rounding: PriceRounding
    public var buildings: [Building]
    public var totals: Totals
    public var generatedAt: Date

    /// Orders units as the board draws them.
    static func boardOrder(_ a: UnitRow, _ b: UnitRow) -> Bool {
        if a.floor != b.floor { return a.floor > b.floor }
        if a.entrance != b.entrance { return a.entrance < b.entrance }
        return roomOrder(a.room, b.room)
    }

    /// Sorts indices, not the rows: a unit row is a large value, and moving 10,000 of them
    /// around was most of a sort's time.
    static func inBoardOrder(_ units: [UnitRow]) -> [UnitRow] {
        let order = units.indices.sorted { boardOrder(units[$0], units[$1]) }
        return order.map { units[$0] }
    }

    /// "2" < "10" < "10A" without `localizedStandardCompare` (≈1 µs a call: 10,000 units made it
    /// most of a cold board's time). Room numbers are short digit strings, sometimes with a letter.
    static func roomOrder(_ a: String, _ b: String) -> Bool {
        let ad = a.utf8.prefix { $0 >= 48 && $0 <= 57 }.count, bd = b.utf8.prefix { $0 >= 48 && $0 <= 57 }.count
        if ad != bd { return ad < bd }
        return a < b
    }

    init(project: Project, rounding: PriceRounding, buildings: [BuildingRow], units: [UnitRow], generatedAt: Date) {
        var byBuilding: [UUID: [UnitRow]] = [:]
        for u in units { byBuilding[u.buildingID, default: []].append(u) }
        self.project = project
        self.rounding = rounding
        self.buildings = buildings.map { b in
            let us = Board.inBoardOrder(byBuilding[b.id] ?? [])
            return Building(building: b, units: us, totals: Totals(us))
        }
        self.totals = Totals(units)
        self.generatedAt = generatedAt
    }

    /// The same board with only the units `filter` matches (totals recomputed).
    public func filtered(_ filter: UnitFilter) -> Board {
        var copy = self
        copy.buildings = buildings.compactMap { b in
            if let id = filter.buildingID, b.building.id != id { return nil }
            let us = b.units.filter(filter.matches)
            return Building(building: b.building, units: us, totals: Totals(us))
        }
        copy.totals = Totals(copy.buildings.lazy.flatMap(\.units))
        return copy
    }

    /// A short digest of what the board shows (units, statuses, prices, buildings). Every server
    /// process computes the same one from the same data, so a page and its event stream can tell
    /// whether a change slipped in between them, whichever processes served them.
    public var fingerprint: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ v: UInt64) { h = (h ^ v) &* 0x100_0000_01b3 }
        for b in buildings {
            withUnsafeBytes(of: b.building.id.uuid) { for x in $0 { mix(UInt64(x)) } }
            mix(UInt64(b.building.floors))
            for u in b.units {
                withUnsafeBytes(of: u.id.uuid) { for x in $0 { mix(UInt64(x)) } }
                mix(UInt64(u.status.ordinal))
                mix(UInt64(bitPattern: u.listTotal.fen))
                mix(UInt64(u.builtArea.hundredths))
            }
        }
        return String(h, radix: 36)
    }

    /// Replaces changed units in place (their building may have changed too).
    mutating func patch(_ rows: [UnitRow], now: Date) -> Bool {
        let byID = Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        var found = Set<UUID>()
        for bi in buildings.indices {
            var changed = false
            for ui in buildings[bi].units.indices {
                if let new = byID[buildings[bi].units[ui].id] {
                    if new.buildingID != buildings[bi].building.id || new.floor != buildings[bi].units[ui].floor { return false }
                    buildings[bi].units[ui] = new
                    found.insert(new.id)
                    changed = true
                }
            }
            if changed { buildings[bi].totals = Totals(buildings[bi].units) }
        }
        // A unit new to the board, or moved, needs a rebuild.
        guard found.count == byID.count else { return false }
        totals = Totals(buildings.lazy.flatMap(\.units))
        generatedAt = now
        return true
    }
}
