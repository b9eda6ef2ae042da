import EstateCore
import FluentKit
import Foundation
import SQLKit

extension ReportService {
    // MARK: - Collections (回款) and arrears ageing (欠款账龄)

    public struct KindFigures: Sendable, Hashable {
        /// 应收: what buyers owe on items due in the bucket (a refund the developer owes is no receivable).
        public var planned = Money.zero
        /// 到账: confirmed money received in the bucket, whatever it paid (cash view).
        public var collected = Money.zero
        /// 按期回款: of `planned`, what was confirmed by the end of the report's period, each item at most its amount.
        public var collectedOnPlan = Money.zero
        public var rate: String? { Ratio.percent(collectedOnPlan.fen, of: planned.fen) }
    }

    public struct CollectionsMonth: Sendable {
        public var bucket: ReportBucket
        public var planned = Money.zero
        public var collected = Money.zero
        public var collectedOnPlan = Money.zero
        public var byKind: [PlanItemKind: KindFigures] = [:]
        /// 回款率 = collectedOnPlan ÷ planned: never above 100 %.
        public var rate: String? { Ratio.percent(collectedOnPlan.fen, of: planned.fen) }
    }

    /// Days overdue: 1–30, 31–90, 91–180, more than 180.
    public enum AgeBand: Int, CaseIterable, Sendable {
        case upTo30, upTo90, upTo180, over180

        public init(daysOverdue d: Int) {
            self = d <= 30 ? .upTo30 : d <= 90 ? .upTo90 : d <= 180 ? .upTo180 : .over180
        }
    }

    public struct AgeingRow: Sendable, Hashable {
        public var kind: PlanItemKind?
        public var bands = Array(repeating: Money.zero, count: AgeBand.allCases.count)
        public var items = 0
        public var total: Money { bands.reduce(.zero, +) }

        public subscript(band: AgeBand) -> Money {
            get { bands[band.rawValue] }
            set { bands[band.rawValue] = newValue }
        }
    }

    public struct CollectionsReport: Sendable {
        public var projectID: UUID
        public var projectName: String
        public var period: ReportPeriod
        public var asOf: CalendarDay
        public var months: [CollectionsMonth]
        public var planned: Money
        public var collected: Money
        public var collectedOnPlan: Money
        /// Received in the period for items due after it (提前回款).
        public var collectedAhead: Money
        /// Received in the period for items due before it (收回欠款).
        public var collectedOverdue: Money
        /// 回款率 = collectedOnPlan ÷ planned: never above 100 %.
        public var rate: String? { Ratio.percent(collectedOnPlan.fen, of: planned.fen) }
        public var ageing: [AgeingRow]
        public var ageingTotal: AgeingRow
        public var overdueSales: Int
    }

    /// Per month and item kind: 应收 (live items owed by buyers, by due day), 到账 (confirmed
    /// receipts by the day received) and 按期回款 (of the items due, what was confirmed by the
    /// period's end, each item at most its amount — so 回款率 cannot pass 100 %); for the period,
    /// money received early for later items and late for earlier ones apart; and what was overdue
    /// at `asOf` by age.
    public func collections(_ projectID: UUID, period: ReportPeriod, asOf: CalendarDay) async throws -> CollectionsReport {
        let name = try await projectName(projectID)
        let (f, t) = (period.from.description, period.to.description)
        var months = period.buckets(.month).map { CollectionsMonth(bucket: $0) }
        let index = Dictionary(months.enumerated().map { ($1.bucket.label, $0) }, uniquingKeysWith: { a, _ in a })
        struct Row: Decodable { var month: String; var kind: String; var amount: Int64? }
        let planned = try await store.sql.raw("""
            SELECT SUBSTR(due_on, 1, 7) AS month, kind, CAST(SUM(amount_fen) AS BIGINT) AS amount FROM payment_items
            WHERE project_id = \(bind: projectID) AND is_live AND amount_fen > 0 AND due_on >= \(bind: f) AND due_on <= \(bind: t)
            GROUP BY SUBSTR(due_on, 1, 7), kind
            """).all(decoding: Row.self, with: decoder)
        // Net confirmed money per item by the period's end (refunds take it back), each item at most its amount.
        let onPlan = try await store.sql.raw("""
            SELECT SUBSTR(i.due_on, 1, 7) AS month, i.kind,
                   CAST(SUM(CASE WHEN p.paid > i.amount_fen THEN i.amount_fen WHEN p.paid < 0 THEN 0 ELSE p.paid END) AS BIGINT) AS amount
            FROM payment_items i JOIN (
                SELECT item_id, SUM(amount_fen) AS paid FROM receipts
                WHERE project_id = \(bind: projectID) AND status = 'confirmed' AND received_on <= \(bind: t) GROUP BY item_id
            ) p ON p.item_id = i.id
            WHERE i.project_id = \(bind: projectID) AND i.is_live AND i.amount_fen > 0 AND i.due_on >= \(bind: f) AND i.due_on <= \(bind: t)
            GROUP BY SUBSTR(i.due_on, 1, 7), i.kind
            """).all(decoding: Row.self, with: decoder)
        struct Outside: Decodable { var ahead: Int64?; var overdue: Int64? }
        let outside = try await store.sql.raw("""
            SELECT CAST(SUM(CASE WHEN i.due_on > \(bind: t) THEN r.amount_fen ELSE 0 END) AS BIGINT) AS ahead,
                   CAST(SUM(CASE WHEN i.due_on < \(bind: f) THEN r.amount_fen ELSE 0 END) AS BIGINT) AS overdue
            FROM receipts r JOIN payment_items i ON i.id = r.item_id
            WHERE r.project_id = \(bind: projectID) AND r.status = 'confirmed' AND r.received_on >= \(bind: f) AND r.received_on <= \(bind: t)
            """).first(decoding: Outside.self, with: decoder)
        let collected = try await store.sql.raw("""
            SELECT SUBSTR(r.received_on, 1, 7) AS month, i.kind, CAST(SUM(r.amount_fen) AS BIGINT) AS amount
            FROM receipts r JOIN payment_items i ON i.id = r.item_id
            WHERE r.project_id = \(bind: projectID) AND r.status = 'confirmed' AND r.received_on >= \(bind: f) AND r.received_on <= \(bind: t)
            GROUP BY SUBSTR(r.received_on, 1, 7), i.kind
            """).all(decoding: Row.self, with: decoder)
        let figures: [([Row], WritableKeyPath<KindFigures, Money>)] = [(planned, \.planned), (collected, \.collected), (onPlan, \.collectedOnPlan)]
        for (rows, figure) in figures {
            for r in rows {
                guard let i = index[r.month], let kind = PlanItemKind(rawValue: r.kind) else { continue }
                months[i].byKind[kind, default: KindFigures()][keyPath: figure] += Money(fen: r.amount ?? 0)
            }
        }
        for i in months.indices {
            let kinds = months[i].byKind.values
            months[i].planned = kinds.reduce(.zero) { $0 + $1.planned }
            months[i].collected = kinds.reduce(.zero) { $0 + $1.collected }
            months[i].collectedOnPlan = kinds.reduce(.zero) { $0 + $1.collectedOnPlan }
        }
        let (ageing, total, sales) = try await ageing(projectID, asOf: asOf)
        return CollectionsReport(projectID: projectID, projectName: name, period: period, asOf: asOf, months: months,
                                 planned: months.reduce(.zero) { $0 + $1.planned }, collected: months.reduce(.zero) { $0 + $1.collected },
                                 collectedOnPlan: months.reduce(.zero) { $0 + $1.collectedOnPlan },
                                 collectedAhead: Money(fen: outside?.ahead ?? 0), collectedOverdue: Money(fen: outside?.overdue ?? 0),
                                 ageing: ageing, ageingTotal: total, overdueSales: sales)
    }

    /// What was owed at the end of `asOf` on items due before it: the amount less what is
    /// confirmed now, plus what was confirmed after `asOf` (it was still owed then). Items owed
    /// now come from a partial index; items paid since come from the receipts after `asOf`.
    func ageing(_ projectID: UUID, asOf: CalendarDay) async throws -> ([AgeingRow], AgeingRow, Int) {
        let day = asOf.description
        // Bands by due day: 1–30 days overdue is due on or after asOf − 30, and so on.
        let (d30, d90, d180) = (asOf.adding(days: -30).description, asOf.adding(days: -90).description, asOf.adding(days: -180).description)
        // Per item, owed at asOf; then summed by kind and band in the database (nothing per item comes back).
        let owed: SQLQueryString = """
            SELECT id, subscription_id, kind, due_on, SUM(owed) AS owed FROM (
                SELECT id, subscription_id, kind, due_on, amount_fen - confirmed_fen AS owed FROM payment_items
                WHERE project_id = \(bind: projectID) AND is_live AND confirmed_fen < amount_fen AND due_on < \(bind: day) AND amount_fen > 0
                UNION ALL
                SELECT i.id, i.subscription_id, i.kind, i.due_on, r.amount_fen AS owed
                FROM receipts r JOIN payment_items i ON i.id = r.item_id
                WHERE r.project_id = \(bind: projectID) AND r.status = 'confirmed' AND r.received_on > \(bind: day)
                  AND i.is_live AND i.due_on < \(bind: day) AND i.amount_fen > 0
            ) x GROUP BY id, subscription_id, kind, due_on HAVING SUM(owed) > 0
            """
        struct Band: Decodable { var kind: String; var band: Int; var n: Int; var owed: Int64 }
        // The band is named in a subquery: PostgreSQL takes two copies of a CASE with its own parameters as different expressions.
        let bands = try await store.sql.raw("""
            SELECT kind, band, COUNT(*) AS n, CAST(SUM(owed) AS BIGINT) AS owed FROM (
                SELECT kind, owed, CASE WHEN due_on >= \(bind: d30) THEN 0 WHEN due_on >= \(bind: d90) THEN 1
                                        WHEN due_on >= \(bind: d180) THEN 2 ELSE 3 END AS band
                FROM (\(owed)) o
            ) b GROUP BY kind, band
            """).all(decoding: Band.self, with: decoder)
        struct N: Decodable { var n: Int }
        let sales = try await store.sql.raw("SELECT COUNT(DISTINCT subscription_id) AS n FROM (\(owed)) o").first(decoding: N.self)?.n ?? 0
        var rows: [PlanItemKind: AgeingRow] = [:]
        var total = AgeingRow()
        for b in bands {
            guard let kind = PlanItemKind(rawValue: b.kind), let band = AgeBand(rawValue: b.band) else { continue }
            rows[kind, default: AgeingRow(kind: kind)][band] += Money(fen: b.owed)
            rows[kind]!.items += b.n
            total[band] += Money(fen: b.owed); total.items += b.n
        }
        return (PlanItemKind.allCases.compactMap { rows[$0] }, total, sales)
    }

    // MARK: - Consultant ranking (置业顾问排名)

    public struct ConsultantRow: Sendable {
        /// 1… in the ranking; 0 for the row of sales with no consultant, which is not ranked.
        public var rank = 0
        public var consultantID: UUID?
        public var name: String
        public var figures = SalesFigures()
        public var visits: Int { figures.visitsFirst + figures.visitsReturn }
        /// 认购 ÷ 首访.
        public var conversion: String? { Ratio.percent(Int64(figures.subscriptions.count), of: Int64(figures.visitsFirst)) }
    }

    /// Every consultant of the project (idle ones too) and anyone else with figures in the period,
    /// ranked by contract amount, then subscriptions, then collections; sales with no consultant
    /// last and unranked (`rank` 0), so "未指定顾问" is never #2.
    public func consultants(_ projectID: UUID, period: ReportPeriod) async throws -> [ConsultantRow] {
        _ = try await projectName(projectID)
        var byConsultant: [UUID?: ConsultantRow] = [:]
        for c in try await consultantsOf(projectID) { byConsultant[c.id] = ConsultantRow(consultantID: c.id, name: c.name) }
        for row in try await cuts(projectID, from: period.from, to: period.to) where row.dim == "consultant" {
            let id = UUID(uuidString: row.dimKey)
            byConsultant[id, default: ConsultantRow(consultantID: id, name: "")].figures += row.figures
        }
        let missing = byConsultant.values.filter { $0.name.isEmpty }.compactMap(\.consultantID)
        let names = try await userNames(missing)
        var list = byConsultant.values.map { r in
            var r = r
            if r.name.isEmpty { r.name = r.consultantID.flatMap { names[$0] } ?? "—" }
            return r
        }
        list.sort {
            ($1.figures.contracts.amount, $1.figures.subscriptions.count, $1.figures.collections.amount, $0.name)
                < ($0.figures.contracts.amount, $0.figures.subscriptions.count, $0.figures.collections.amount, $1.name)
        }
        // Sales with no consultant are shown apart, after the ranking, with no rank (0).
        list = list.filter { $0.consultantID != nil } + list.filter { $0.consultantID == nil }
        var rank = 0
        for i in list.indices where list[i].consultantID != nil { rank += 1; list[i].rank = rank }
        return list
    }

    struct Person: Decodable, Sendable { var id: UUID; var name: String }

    /// Enabled users holding the consultant role on the project (or on every project).
    func consultantsOf(_ projectID: UUID) async throws -> [Person] {
        try await StaffDirectory.holders(of: [.consultant], on: projectID, sql: store.sql).map { Person(id: $0.id, name: $0.displayName) }
    }

    // MARK: - Targets (销售目标) and the dashboard (工作台)

    public struct Target: Sendable, Hashable {
        public var subscriptions: Int
        public var contractAmount: Money
        public var collections: Money

        public init(subscriptions: Int, contractAmount: Money, collections: Money) {
            self.subscriptions = subscriptions; self.contractAmount = contractAmount; self.collections = collections
        }

        public var isZero: Bool { subscriptions == 0 && contractAmount.fen == 0 && collections.fen == 0 }
    }

    public struct TargetSheet: Sendable {
        public var projectID: UUID
        public var month: String
        public var project: Target?
        public var consultants: [(id: UUID, name: String, target: Target?)]
    }

    /// "2026-11": a month as targets are kept.
    public static func month(_ text: String) -> CalendarDay? {
        guard text.count == 7 else { return nil }
        return CalendarDay(text + "-01")
    }

    struct TargetRecord: Decodable { var consultantId: UUID?; var subscriptions: Int; var contractFen: Int64; var collectionFen: Int64 }

    func targetRecords(_ projectID: UUID, month: String, consultant: UUID? = nil) async throws -> [TargetRecord] {
        var q = store.sql.select().columns("consultant_id", "subscriptions", "contract_fen", "collection_fen").from("sales_targets")
            .where("project_id", .equal, projectID).where("month", .equal, month)
        if let consultant { q = q.where("consultant_id", .equal, consultant) }
        return try await q.all(decoding: TargetRecord.self, with: decoder)
    }

    public func targets(_ projectID: UUID, month: String) async throws -> TargetSheet {
        _ = try await projectName(projectID)
        guard Self.month(month) != nil else { throw Problem.invalid("month", "month_invalid") }
        let records = try await targetRecords(projectID, month: month)
        func target(_ r: TargetRecord) -> Target {
            Target(subscriptions: r.subscriptions, contractAmount: Money(fen: r.contractFen), collections: Money(fen: r.collectionFen))
        }
        let byConsultant = Dictionary(records.compactMap { r in r.consultantId.map { ($0, target(r)) } }, uniquingKeysWith: { a, _ in a })
        var people = try await consultantsOf(projectID)
        // A consultant who left keeps the target they were given that month.
        let gone = byConsultant.keys.filter { id in !people.contains { $0.id == id } }
        let names = try await userNames(gone)
        people += gone.map { Person(id: $0, name: names[$0] ?? "—") }
        return TargetSheet(projectID: projectID, month: month, project: records.first { $0.consultantId == nil }.map(target),
                           consultants: people.map { ($0.id, $0.name, byConsultant[$0.id]) })
    }

    /// Sets the month's targets: the project's (nil removes it) and the consultants named
    /// (all three zero removes one); others keep theirs. One transaction, one audit line.
    public func setTargets(_ projectID: UUID, month: String, project: Target?, consultants: [(UUID, Target)],
                           context: AuditContext) async throws -> TargetSheet {
        _ = try await projectName(projectID)
        guard Self.month(month) != nil else { throw Problem.invalid("month", "month_invalid") }
        guard consultants.count <= 500, Set(consultants.map(\.0)).count == consultants.count else {
            throw Problem.invalid("consultants", "consultant_repeated")
        }
        let allowed = Set(try await consultantsOf(projectID).map(\.id))
        let existing = Set(try await targetRecords(projectID, month: month).compactMap(\.consultantId))
        var errors: [Problem.FieldError] = []
        for (i, c) in consultants.enumerated() where !allowed.contains(c.0) && !existing.contains(c.0) {
            errors.append(.init(field: "consultants[\(i)].consultantId", code: "target_not_consultant"))
        }
        for (i, t) in ([project].compactMap { $0 } + consultants.map(\.1)).enumerated()
        where t.subscriptions < 0 || t.subscriptions > 100_000 || t.contractAmount.fen < 0 || t.collections.fen < 0 {
            errors.append(.init(field: i == 0 && project != nil ? "project" : "consultants", code: "target_invalid"))
        }
        if !errors.isEmpty { throw Problem.invalid(errors) }
        let now = now()
        try await store.audited(context) { tx in
            let sql = tx as! any SQLDatabase
            try await sql.delete(from: "sales_targets").where("project_id", .equal, projectID).where("month", .equal, month)
                .where(SQLColumn("consultant_id"), .is, SQLLiteral.null).run()
            if let project, !project.isZero {
                try await Self.insertTarget(projectID, month: month, consultant: nil, project, actor: context.actorID, now: now, on: sql)
            }
            for (id, t) in consultants {
                try await sql.delete(from: "sales_targets").where("project_id", .equal, projectID).where("month", .equal, month)
                    .where("consultant_id", .equal, id).run()
                if !t.isZero { try await Self.insertTarget(projectID, month: month, consultant: id, t, actor: context.actorID, now: now, on: sql) }
            }
            var after = ["consultants": "\(consultants.count)"]
            if let project {
                after["subscriptions"] = "\(project.subscriptions)"; after["contractAmount"] = project.contractAmount.plain
                after["collections"] = project.collections.plain
            }
            return ((), AuditEntry(action: "report.targets", entity: "sales_target", entityID: month, projectID: projectID,
                                   summary: "sales targets for \(month)", after: after))
        }
        return try await targets(projectID, month: month)
    }

    static func insertTarget(_ projectID: UUID, month: String, consultant: UUID?, _ t: Target, actor: UUID?, now: Date,
                             on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "sales_targets")
            .columns("id", "project_id", "month", "consultant_id", "subscriptions", "contract_fen", "collection_fen", "updated_by", "updated_at")
            .values(SQLBind(UUID()), SQLBind(projectID), SQLBind(month), SQLBind(consultant), SQLBind(t.subscriptions),
                    SQLBind(t.contractAmount.fen), SQLBind(t.collections.fen), SQLBind(actor), SQLBind(now)).run()
    }

    public struct DashboardDay: Sendable, Hashable {
        public var day: CalendarDay
        public var subscriptions = 0
        public var contractAmount = Money.zero
        public var collections = Money.zero
    }

    public struct Dashboard: Sendable {
        public var projectID: UUID
        public var projectName: String
        public var today: CalendarDay
        public var month: String
        /// Nil: the whole project; else one consultant's own figures.
        public var consultantID: UUID?
        public var todayFigures: SalesFigures
        public var monthFigures: SalesFigures
        public var target: Target?
        public var days: [DashboardDay]

        public var progress: (subscriptions: String?, contractAmount: String?, collections: String?) {
            guard let target else { return (nil, nil, nil) }
            return (Ratio.percent(Int64(monthFigures.subscriptions.count), of: Int64(target.subscriptions)),
                    Ratio.percent(monthFigures.contracts.amount.fen, of: target.contractAmount.fen),
                    Ratio.percent(monthFigures.collections.amount.fen, of: target.collections.fen))
        }
    }

    /// Today, this month against its target, and the last 30 days, for the project or for one
    /// consultant's own sales and contacts.
    public func dashboard(_ projectID: UUID, consultant: UUID?) async throws -> Dashboard {
        let name = try await projectName(projectID)
        let today = today
        let monthStart = CalendarDay(year: today.year, month: today.month, day: 1)!
        let first = today.adding(days: -29)
        var days = (0..<30).map { DashboardDay(day: first.adding(days: $0)) }
        let dayIndex = Dictionary(days.enumerated().map { ($1.day.description, $0) }, uniquingKeysWith: { a, _ in a })
        var todayFigures = SalesFigures(), monthFigures = SalesFigures()
        let (t, m) = (today.description, monthStart.description)
        let dims = consultant == nil ? ["all"] : ["consultant"]
        for row in try await rows(projectID, from: min(first, monthStart), to: today, dims: dims)
        where consultant == nil || row.dimKey == consultant!.uuidString {
            let f = row.figures
            if row.day == t { todayFigures += f }
            if row.day >= m { monthFigures += f }
            if let i = dayIndex[row.day] {
                days[i].subscriptions += f.subscriptions.count
                days[i].contractAmount += f.contracts.amount
                days[i].collections += f.collections.amount
            }
        }
        let month = String(m.prefix(7))
        let record: TargetRecord?
        if let consultant {
            record = try await targetRecords(projectID, month: month, consultant: consultant).first
        } else {
            record = try await targetRecords(projectID, month: month).first { $0.consultantId == nil }
        }
        return Dashboard(projectID: projectID, projectName: name, today: today, month: month, consultantID: consultant,
                         todayFigures: todayFigures, monthFigures: monthFigures,
                         target: record.map { Target(subscriptions: $0.subscriptions, contractAmount: Money(fen: $0.contractFen),
                                                     collections: Money(fen: $0.collectionFen)) },
                         days: days)
    }
}
