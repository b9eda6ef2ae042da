import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 报表: every figure is a SQL aggregate over the records themselves (no copies to drift), read
/// by the business day each fact carries (subscribed_on, signed_on, cancelled_on, terminated_on,
/// received_on, occurred_on) through (project, day) indexes. A report is a handful of grouped
/// queries whose rows are folded into buckets and breakdowns here; nothing is loaded per sale.
public struct ReportService: Sendable {
    let store: Store
    let now: @Sendable () -> Date

    var today: CalendarDay { CalendarDay(now()) }
    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    // MARK: - Ledger rows

    /// One kept row of `report_daily` (ReportLedger).
    struct LedgerRow: Decodable, Sendable {
        var day: String
        var dim: String
        var dimKey: String
        var calls: Int; var visitsFirst: Int; var visitsReturn: Int
        var subN: Int; var subArea: Int64; var subFen: Int64
        var conN: Int; var conArea: Int64; var conFen: Int64
        var canN: Int; var canArea: Int64; var canFen: Int64
        var terN: Int; var terArea: Int64; var terFen: Int64
        var recN: Int; var recFen: Int64

        var figures: SalesFigures {
            ReportLedger.Delta(calls: calls, visitsFirst: visitsFirst, visitsReturn: visitsReturn, subN: subN, subArea: subArea, subFen: subFen,
                               conN: conN, conArea: conArea, conFen: conFen, canN: canN, canArea: canArea, canFen: canFen,
                               terN: terN, terArea: terArea, terFen: terFen, recN: recN, recFen: recFen).figures
        }
    }

    static let sums = ReportLedger.Delta.columns.map { "CAST(COALESCE(SUM(\($0)), 0) AS BIGINT) AS \($0)" }.joined(separator: ", ")

    /// The kept rows of the days between `from` and `to`, for the cuts asked for.
    func rows(_ projectID: UUID, from: CalendarDay, to: CalendarDay, dims: [String]) async throws -> [LedgerRow] {
        try await store.sql.raw("""
            SELECT day, dim, dim_key, \(unsafeRaw: ReportLedger.Delta.columns.joined(separator: ", ")) FROM report_daily
            WHERE project_id = \(bind: projectID) AND dim IN \(SQLBind.group(dims)) AND day >= \(bind: from.description) AND day <= \(bind: to.description)
            """).all(decoding: LedgerRow.self, with: decoder)
    }

    /// Each building's, layout's and consultant's figures summed over the days between `from` and `to`.
    func cuts(_ projectID: UUID, from: CalendarDay, to: CalendarDay) async throws -> [LedgerRow] {
        try await store.sql.raw("""
            SELECT '' AS day, dim, dim_key, \(unsafeRaw: Self.sums) FROM report_daily
            WHERE project_id = \(bind: projectID) AND dim IN ('building', 'layout', 'consultant')
              AND day >= \(bind: from.description) AND day <= \(bind: to.description)
            GROUP BY dim, dim_key
            """).all(decoding: LedgerRow.self, with: decoder)
    }

    /// Everything up to a day: the "since launch" column, from the project's daily rows.
    func cumulative(projectID: UUID, to: CalendarDay) async throws -> SalesFigures {
        let r = try await store.sql.raw("""
            SELECT '' AS day, 'all' AS dim, '' AS dim_key, \(unsafeRaw: Self.sums) FROM report_daily
            WHERE project_id = \(bind: projectID) AND dim = 'all' AND day <= \(bind: to.description)
            """).first(decoding: LedgerRow.self, with: decoder)
        return r?.figures ?? SalesFigures()
    }

    // MARK: - Inventory

    public struct InventoryFigures: Sendable, Hashable {
        public var byStatus: [UnitStatus: Int] = [:]
        public var remainingArea = Area.zero
        public var remainingListTotal = Money.zero

        public var units: Int { byStatus.values.reduce(0, +) }
        public var released: Int { units - (byStatus[.unreleased] ?? 0) }
        public var sold: Int { UnitStatus.allCases.filter(\.isSold).reduce(0) { $0 + (byStatus[$1] ?? 0) } }
        /// 去化率 as the 销控 board counts it: sold (subscribed, signed, delivered) over released.
        public var sellThrough: String { Ratio.percent(Int64(sold), of: Int64(released)) ?? "0.00" }
        public func count(_ s: UnitStatus) -> Int { byStatus[s] ?? 0 }

        static func + (a: InventoryFigures, b: InventoryFigures) -> InventoryFigures { var c = a; c += b; return c }

        static func += (a: inout InventoryFigures, b: InventoryFigures) {
            a.byStatus.merge(b.byStatus, uniquingKeysWith: +)
            a.remainingArea += b.remainingArea; a.remainingListTotal += b.remainingListTotal
        }
    }

    struct InventoryRow: Decodable { var buildingId: UUID; var layout: String; var status: String; var n: Int; var area: Int64?; var amount: Int64? }

    func inventoryRows(_ projectID: UUID) async throws -> [InventoryRow] {
        try await store.sql.raw("""
            SELECT building_id, layout, status, COUNT(*) AS n, CAST(SUM(built_area) AS BIGINT) AS area,
                   CAST(SUM(list_total) AS BIGINT) AS amount
            FROM units WHERE project_id = \(bind: projectID) GROUP BY building_id, layout, status
            """).all(decoding: InventoryRow.self, with: decoder)
    }

    static func inventory(_ r: InventoryRow) -> InventoryFigures {
        var f = InventoryFigures()
        guard let s = UnitStatus(rawValue: r.status) else { return f }
        f.byStatus[s] = r.n
        if s == .available || s == .withheld || s == .reserved {
            f.remainingArea = Area(hundredths: Int(r.area ?? 0)); f.remainingListTotal = Money(fen: r.amount ?? 0)
        }
        return f
    }

    // MARK: - Sales report

    public struct Breakdown: Sendable, Hashable {
        public var key: String
        public var name: String
        public var figures = SalesFigures()
        public var inventory: InventoryFigures?
    }

    public struct SalesReport: Sendable {
        public var projectID: UUID
        public var projectName: String
        public var period: ReportPeriod
        public var granularity: ReportGranularity
        public var today: CalendarDay
        public var previous: ReportPeriod
        public var buckets: [(bucket: ReportBucket, figures: SalesFigures)]
        public var total: SalesFigures
        public var previousTotal: SalesFigures
        public var cumulative: SalesFigures
        public var inventory: InventoryFigures
        public var byBuilding: [Breakdown]
        public var byLayout: [Breakdown]
        public var byConsultant: [Breakdown]
    }

    /// The project's name, or 404 for a project that does not exist.
    func projectName(_ projectID: UUID) async throws -> String {
        struct P: Decodable { var name: String }
        guard let p = try await store.sql.select().column("name").from("projects").where("id", .equal, projectID).first(decoding: P.self) else {
            throw Problem.notFound
        }
        return p.name
    }

    public func sales(_ projectID: UUID, period: ReportPeriod, granularity: ReportGranularity) async throws -> SalesReport {
        let name = try await projectName(projectID)
        let previous = period.previous
        let buckets = period.buckets(granularity)
        // Day → bucket, over the report and the period before it.
        var slot: [String: Int] = [:]
        for (i, b) in buckets.enumerated() {
            var d = b.from
            while d <= b.to { slot[d.description] = i; d = d.adding(days: 1) }
        }
        let prevFirst = previous.from.description, prevLast = previous.to.description
        var series = Array(repeating: SalesFigures(), count: buckets.count)
        var total = SalesFigures(), previousTotal = SalesFigures()
        var buildings: [UUID: Breakdown] = [:], layouts: [String: Breakdown] = [:], consultants: [String: Breakdown] = [:]
        // The project's days (this period and the one before), then each cut summed over the period in
        // the database: a year's report reads about 730 rows, not one per day and cut.
        for row in try await rows(projectID, from: previous.from, to: period.to, dims: ["all"]) {
            let f = row.figures
            if let i = slot[row.day] { series[i] += f; total += f }
            else if row.day >= prevFirst, row.day <= prevLast { previousTotal += f }
        }
        for row in try await cuts(projectID, from: period.from, to: period.to) {
            let f = row.figures
            switch row.dim {
            case "building":
                if let b = UUID(uuidString: row.dimKey) { buildings[b, default: Breakdown(key: b.uuidString, name: "")].figures += f }
            case "layout": layouts[row.dimKey, default: Breakdown(key: row.dimKey, name: row.dimKey)].figures += f
            default: consultants[row.dimKey, default: Breakdown(key: row.dimKey, name: "")].figures += f
            }
        }
        // Inventory as it stands, per building and layout; every building and layout shows, sold or not.
        var inventory = InventoryFigures()
        for r in try await inventoryRows(projectID) {
            let f = Self.inventory(r)
            inventory += f
            var b = buildings[r.buildingId] ?? Breakdown(key: r.buildingId.uuidString, name: "")
            b.inventory = (b.inventory ?? InventoryFigures()) + f
            buildings[r.buildingId] = b
            var l = layouts[r.layout] ?? Breakdown(key: r.layout, name: r.layout)
            l.inventory = (l.inventory ?? InventoryFigures()) + f
            layouts[r.layout] = l
        }
        struct Named: Decodable { var id: UUID; var name: String; var sortOrder: Int? }
        let buildingNames = try await store.sql.raw("""
            SELECT id, name, sort_order FROM buildings WHERE project_id = \(bind: projectID)
            """).all(decoding: Named.self, with: decoder)
        let order = Dictionary(buildingNames.map { ($0.id, ($0.sortOrder ?? 0, $0.name)) }, uniquingKeysWith: { a, _ in a })
        for (id, var b) in buildings { b.name = order[id]?.1 ?? "—"; buildings[id] = b }
        let users = try await userNames(consultants.keys.compactMap(UUID.init(uuidString:)))
        for (key, var c) in consultants { c.name = UUID(uuidString: key).flatMap { users[$0] } ?? "—"; consultants[key] = c }
        return SalesReport(
            projectID: projectID, projectName: name, period: period, granularity: granularity, today: today, previous: previous,
            buckets: zip(buckets, series).map { ($0, $1) }, total: total, previousTotal: previousTotal,
            cumulative: try await cumulative(projectID: projectID, to: period.to), inventory: inventory,
            byBuilding: buildings.sorted { (order[$0.key]?.0 ?? .max, $0.value.name) < (order[$1.key]?.0 ?? .max, $1.value.name) }.map(\.value),
            byLayout: layouts.values.sorted { $0.name < $1.name },
            byConsultant: consultants.values.sorted { ($1.figures.contracts.amount, $1.figures.subscriptions.count, $0.name)
                < ($0.figures.contracts.amount, $0.figures.subscriptions.count, $1.name) })
    }

    func userNames(_ ids: [UUID]) async throws -> [UUID: String] {
        guard !ids.isEmpty else { return [:] }
        struct U: Decodable { var id: UUID; var displayName: String }
        let rows = try await store.sql.select().column("id").column("display_name").from("users")
            .where(SQLColumn("id"), .in, SQLBind.group(ids)).all(decoding: U.self, with: decoder)
        return Dictionary(rows.map { ($0.id, $0.displayName) }, uniquingKeysWith: { a, _ in a })
    }
}
