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
    var decoder: SQLRowDecoder { SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase) }

    // MARK: - Facts

    /// One grouped row of facts: a day, where it happened and whose it was, and how much.
    struct Fact: Decodable, Sendable {
        var day: String
        var buildingId: UUID?
        var layout: String?
        var consultantId: UUID?
        var kind: String?
        var n: Int
        var area: Int64?
        var amount: Int64?
    }

    enum Source: CaseIterable { case subscriptions, cancellations, contracts, terminations, collections, contacts }

    /// The rows of one source between two days, grouped by day, building, layout and consultant.
    func facts(_ source: Source, projectID: UUID, from: CalendarDay, to: CalendarDay) async throws -> [Fact] {
        let (f, t) = (from.description, to.description)
        let query: SQLQueryString
        switch source {
        case .subscriptions:
            query = """
                SELECT s.subscribed_on AS day, u.building_id, u.layout, s.consultant_id, COUNT(*) AS n,
                       CAST(SUM(u.built_area) AS BIGINT) AS area, CAST(SUM(s.final_total_fen) AS BIGINT) AS amount
                FROM subscriptions s JOIN units u ON u.id = s.unit_id
                WHERE s.project_id = \(bind: projectID) AND s.subscribed_on >= \(bind: f) AND s.subscribed_on <= \(bind: t)
                GROUP BY s.subscribed_on, u.building_id, u.layout, s.consultant_id
                """
        case .cancellations:
            query = """
                SELECT s.cancelled_on AS day, u.building_id, u.layout, s.consultant_id, COUNT(*) AS n,
                       CAST(SUM(u.built_area) AS BIGINT) AS area, CAST(SUM(s.final_total_fen) AS BIGINT) AS amount
                FROM subscriptions s JOIN units u ON u.id = s.unit_id
                WHERE s.project_id = \(bind: projectID) AND s.cancelled_on >= \(bind: f) AND s.cancelled_on <= \(bind: t)
                  AND s.status = 'cancelled'
                GROUP BY s.cancelled_on, u.building_id, u.layout, s.consultant_id
                """
        case .contracts:
            query = """
                SELECT c.signed_on AS day, u.building_id, u.layout, s.consultant_id, COUNT(*) AS n,
                       CAST(SUM(u.built_area) AS BIGINT) AS area, CAST(SUM(c.total_fen) AS BIGINT) AS amount
                FROM contracts c JOIN subscriptions s ON s.id = c.subscription_id JOIN units u ON u.id = c.unit_id
                WHERE c.project_id = \(bind: projectID) AND c.signed_on >= \(bind: f) AND c.signed_on <= \(bind: t)
                GROUP BY c.signed_on, u.building_id, u.layout, s.consultant_id
                """
        case .terminations:
            query = """
                SELECT c.terminated_on AS day, u.building_id, u.layout, s.consultant_id, COUNT(*) AS n,
                       CAST(SUM(u.built_area) AS BIGINT) AS area, CAST(SUM(c.total_fen) AS BIGINT) AS amount
                FROM contracts c JOIN subscriptions s ON s.id = c.subscription_id JOIN units u ON u.id = c.unit_id
                WHERE c.project_id = \(bind: projectID) AND c.terminated_on >= \(bind: f) AND c.terminated_on <= \(bind: t)
                  AND c.status = 'terminated'
                GROUP BY c.terminated_on, u.building_id, u.layout, s.consultant_id
                """
        case .collections:
            query = """
                SELECT r.received_on AS day, u.building_id, u.layout, s.consultant_id, COUNT(*) AS n,
                       CAST(SUM(r.amount_fen) AS BIGINT) AS amount
                FROM receipts r JOIN subscriptions s ON s.id = r.subscription_id JOIN units u ON u.id = s.unit_id
                WHERE r.project_id = \(bind: projectID) AND r.status = 'confirmed'
                  AND r.received_on >= \(bind: f) AND r.received_on <= \(bind: t)
                GROUP BY r.received_on, u.building_id, u.layout, s.consultant_id
                """
        case .contacts:
            query = """
                SELECT k.occurred_on AS day, k.consultant_id, CASE WHEN k.kind = 'call' THEN 'call' ELSE k.visit_kind END AS kind,
                       COUNT(*) AS n
                FROM customer_contacts k
                WHERE k.project_id = \(bind: projectID) AND k.occurred_on >= \(bind: f) AND k.occurred_on <= \(bind: t)
                GROUP BY k.occurred_on, k.consultant_id, CASE WHEN k.kind = 'call' THEN 'call' ELSE k.visit_kind END
                """
        }
        return try await store.sql.raw(query).all(decoding: Fact.self, with: decoder)
    }

    /// Everything up to a day, ungrouped: the "since launch" column. Each is one range over a
    /// (project, day) index.
    func cumulative(projectID: UUID, to: CalendarDay) async throws -> SalesFigures {
        struct Sum: Decodable { var n: Int; var area: Int64?; var amount: Int64? }
        let t = to.description
        func deal(_ q: SQLQueryString) async throws -> Deal {
            let r = try await store.sql.raw(q).first(decoding: Sum.self, with: decoder)
            return Deal(count: r?.n ?? 0, area: Area(hundredths: Int(r?.area ?? 0)), amount: Money(fen: r?.amount ?? 0))
        }
        var out = SalesFigures()
        out.subscriptions = try await deal("""
            SELECT COUNT(*) AS n, CAST(SUM(u.built_area) AS BIGINT) AS area, CAST(SUM(s.final_total_fen) AS BIGINT) AS amount
            FROM subscriptions s JOIN units u ON u.id = s.unit_id
            WHERE s.project_id = \(bind: projectID) AND s.subscribed_on <= \(bind: t)
            """)
        out.cancellations = try await deal("""
            SELECT COUNT(*) AS n, CAST(SUM(u.built_area) AS BIGINT) AS area, CAST(SUM(s.final_total_fen) AS BIGINT) AS amount
            FROM subscriptions s JOIN units u ON u.id = s.unit_id
            WHERE s.project_id = \(bind: projectID) AND s.cancelled_on <= \(bind: t) AND s.status = 'cancelled'
            """)
        out.contracts = try await deal("""
            SELECT COUNT(*) AS n, CAST(SUM(u.built_area) AS BIGINT) AS area, CAST(SUM(c.total_fen) AS BIGINT) AS amount
            FROM contracts c JOIN units u ON u.id = c.unit_id
            WHERE c.project_id = \(bind: projectID) AND c.signed_on <= \(bind: t)
            """)
        out.terminations = try await deal("""
            SELECT COUNT(*) AS n, CAST(SUM(u.built_area) AS BIGINT) AS area, CAST(SUM(c.total_fen) AS BIGINT) AS amount
            FROM contracts c JOIN units u ON u.id = c.unit_id
            WHERE c.project_id = \(bind: projectID) AND c.terminated_on <= \(bind: t) AND c.status = 'terminated'
            """)
        let money = try await deal("""
            SELECT COUNT(*) AS n, CAST(SUM(amount_fen) AS BIGINT) AS amount FROM receipts
            WHERE project_id = \(bind: projectID) AND status = 'confirmed' AND received_on <= \(bind: t)
            """)
        out.collections = Collected(count: money.count, amount: money.amount)
        struct C: Decodable { var kind: String?; var n: Int }
        let contacts = try await store.sql.raw("""
            SELECT CASE WHEN kind = 'call' THEN 'call' ELSE visit_kind END AS kind, COUNT(*) AS n FROM customer_contacts
            WHERE project_id = \(bind: projectID) AND occurred_on <= \(bind: t)
            GROUP BY CASE WHEN kind = 'call' THEN 'call' ELSE visit_kind END
            """).all(decoding: C.self, with: decoder)
        for c in contacts { Self.addContact(c.kind, c.n, to: &out) }
        return out
    }

    static func addContact(_ kind: String?, _ n: Int, to f: inout SalesFigures) {
        switch kind {
        case "call": f.calls += n
        case "first": f.visitsFirst += n
        case "return": f.visitsReturn += n
        default: break
        }
    }

    static func add(_ fact: Fact, _ source: Source, to f: inout SalesFigures) {
        let deal = Deal(count: fact.n, area: Area(hundredths: Int(fact.area ?? 0)), amount: Money(fen: fact.amount ?? 0))
        switch source {
        case .subscriptions: f.subscriptions += deal
        case .cancellations: f.cancellations += deal
        case .contracts: f.contracts += deal
        case .terminations: f.terminations += deal
        case .collections: f.collections += Collected(count: fact.n, amount: deal.amount)
        case .contacts: addContact(fact.kind, fact.n, to: &f)
        }
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
        var rows = Array(repeating: SalesFigures(), count: buckets.count)
        var total = SalesFigures(), previousTotal = SalesFigures()
        var buildings: [UUID: Breakdown] = [:], layouts: [String: Breakdown] = [:], consultants: [String: Breakdown] = [:]
        for source in Source.allCases {
            for fact in try await facts(source, projectID: projectID, from: previous.from, to: period.to) {
                if let i = slot[fact.day] {
                    Self.add(fact, source, to: &rows[i])
                    Self.add(fact, source, to: &total)
                    if let b = fact.buildingId { Self.add(fact, source, to: &buildings[b, default: Breakdown(key: b.uuidString, name: "")].figures) }
                    if let l = fact.layout { Self.add(fact, source, to: &layouts[l, default: Breakdown(key: l, name: l)].figures) }
                    let c = fact.consultantId?.uuidString ?? ""
                    Self.add(fact, source, to: &consultants[c, default: Breakdown(key: c, name: "")].figures)
                } else if fact.day >= prevFirst, fact.day <= prevLast {
                    Self.add(fact, source, to: &previousTotal)
                }
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
            buckets: zip(buckets, rows).map { ($0, $1) }, total: total, previousTotal: previousTotal,
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
