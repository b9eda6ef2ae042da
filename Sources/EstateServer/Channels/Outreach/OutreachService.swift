import EstateCore
import EstateSheets
import Foundation
import SQLKit

/// 拓客计划 vs 实绩 (issue 17 point 6): plans per outbound team (a channel of the project), area and day; actuals and
/// costs entered from the field or imported from .xlsx (all rows or none); and the channel report — cost per
/// registration, visit and deal, and the funnel 报备 → 到访 → 认购 → 签约 by channel, aggregated in SQL (签约 asked of Sales).
public struct OutreachService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let channels: ChannelService
    let sales: SaleService

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    public struct Plan: Decodable, Sendable {
        public var id: UUID
        public var projectId: UUID
        public var channelId: UUID
        public var area: String
        public var day: String
        public var planCalls: Int, planFlyers: Int, planInterceptions: Int, planPoints: Int, planVisits: Int
        public var actualCalls: Int?, actualFlyers: Int?, actualInterceptions: Int?, actualPoints: Int?, actualVisits: Int?
        public var costStaffFen: Int64, costMaterialsFen: Int64, costFeesFen: Int64
        public var createdAt: Date
        public var updatedAt: Date

        public var plan: OutreachCounts {
            OutreachCounts(calls: planCalls, flyers: planFlyers, interceptions: planInterceptions, points: planPoints, visits: planVisits)
        }
        /// Nil until the actuals are entered.
        public var actual: OutreachCounts? {
            actualCalls.map { OutreachCounts(calls: $0, flyers: actualFlyers ?? 0, interceptions: actualInterceptions ?? 0,
                                             points: actualPoints ?? 0, visits: actualVisits ?? 0) }
        }
        public var costs: OutreachCosts {
            OutreachCosts(staff: Money(fen: costStaffFen), materials: Money(fen: costMaterialsFen), fees: Money(fen: costFeesFen))
        }
    }

    /// One row of actuals, as entered or imported.
    public struct Actuals: Sendable {
        public var channelID: UUID
        public var area: String
        public var day: CalendarDay
        public var counts: OutreachCounts
        public var costs: OutreachCosts
    }

    static func checkArea(_ area: String) throws -> String {
        let a = area.trimmingCharacters(in: .whitespaces)
        guard !a.isEmpty, Text.isCleanLine(a, maxLength: 40) else { throw Problem.invalid("area", "outreach_area_invalid") }
        return a
    }

    /// The team must be a channel working on the project (an agreement there).
    func checkTeam(_ channelID: UUID, projectID: UUID) async throws {
        guard try await !channels.agreements(channelIDs: [channelID], projectID: projectID).isEmpty else {
            throw Problem.invalid("channelId", "channel_not_found")
        }
    }

    /// Sets the plan of a team, area and day (a second plan for the same replaces the counts).
    public func putPlan(projectID: UUID, channelID: UUID, area: String, day: String, plan: OutreachCounts, by actor: UUID?,
                        context: AuditContext) async throws -> Plan {
        let area = try Self.checkArea(area)
        guard let d = CalendarDay(day) else { throw Problem.invalid("day", "date_invalid") }
        if let f = plan.faults.first { throw Problem.invalid("plan", f) }
        try await checkTeam(channelID, projectID: projectID)
        let at = now(), id = UUID()
        let saved = try await store.audited(context) { tx -> (UUID, AuditEntry) in
            struct I: Decodable { var id: UUID }
            let existing = try await tx.sql.raw("""
                SELECT id FROM outreach_plans WHERE project_id = \(bind: projectID) AND channel_id = \(bind: channelID) AND area = \(bind: area)
                AND day = \(bind: d.description)
                """).first(decoding: I.self)
            if let existing {
                try await tx.sql.raw("""
                    UPDATE outreach_plans SET plan_calls = \(bind: plan.calls), plan_flyers = \(bind: plan.flyers),
                    plan_interceptions = \(bind: plan.interceptions), plan_points = \(bind: plan.points), plan_visits = \(bind: plan.visits),
                    updated_at = \(bind: at) WHERE id = \(bind: existing.id)
                    """).run()
            } else {
                try await Self.insert(id: id, projectID: projectID, channelID: channelID, area: area, day: d, plan: plan, by: actor, at: at, on: tx.sql)
            }
            let planID = existing?.id ?? id
            return (planID, AuditEntry(action: "outreach_plan.put", entity: "outreach_plan", entityID: planID.uuidString, projectID: projectID,
                                       summary: "拓客计划 \(d) \(area)", after: ["calls": "\(plan.calls)", "visits": "\(plan.visits)"]))
        }
        return try await self.plan(saved)
    }

    static func insert(id: UUID, projectID: UUID, channelID: UUID, area: String, day: CalendarDay, plan: OutreachCounts, by actor: UUID?, at: Date,
                       on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO outreach_plans (id, project_id, channel_id, area, day, plan_calls, plan_flyers, plan_interceptions, plan_points, plan_visits,
            cost_staff_fen, cost_materials_fen, cost_fees_fen, created_by, created_at, updated_at) VALUES (\(bind: id), \(bind: projectID),
            \(bind: channelID), \(bind: area), \(bind: day.description), \(bind: plan.calls), \(bind: plan.flyers), \(bind: plan.interceptions),
            \(bind: plan.points), \(bind: plan.visits), 0, 0, 0, \(bind: actor), \(bind: at), \(bind: at))
            """).run()
    }

    /// Records actuals and costs: on the plan of the team, area and day, or on a new unplanned row (plan 0).
    static func record(_ a: Actuals, projectID: UUID, by actor: UUID?, at: Date, on sql: any SQLDatabase) async throws -> UUID {
        struct I: Decodable { var id: UUID }
        let existing = try await sql.raw("""
            SELECT id FROM outreach_plans WHERE project_id = \(bind: projectID) AND channel_id = \(bind: a.channelID) AND area = \(bind: a.area)
            AND day = \(bind: a.day.description)
            """).first(decoding: I.self)
        let id = existing?.id ?? UUID()
        if existing == nil {
            try await insert(id: id, projectID: projectID, channelID: a.channelID, area: a.area, day: a.day, plan: OutreachCounts(), by: actor, at: at, on: sql)
        }
        let c = a.counts
        try await sql.raw("""
            UPDATE outreach_plans SET actual_calls = \(bind: c.calls), actual_flyers = \(bind: c.flyers), actual_interceptions = \(bind: c.interceptions),
            actual_points = \(bind: c.points), actual_visits = \(bind: c.visits), cost_staff_fen = \(bind: a.costs.staff.fen),
            cost_materials_fen = \(bind: a.costs.materials.fen), cost_fees_fen = \(bind: a.costs.fees.fen), updated_at = \(bind: at) WHERE id = \(bind: id)
            """).run()
        return id
    }

    /// Enters the actuals and costs of one plan.
    public func enterActuals(_ planID: UUID, counts: OutreachCounts, costs: OutreachCosts, by actor: UUID?, context: AuditContext) async throws -> Plan {
        let p = try await plan(planID)
        if let f = counts.faults.first { throw Problem.invalid("actual", f) }
        if let f = costs.faults.first { throw Problem.invalid("costs", f) }
        guard let day = CalendarDay(p.day) else { throw Problem.notFound }
        let at = now()
        try await store.audited(context) { tx -> ((), AuditEntry) in
            _ = try await Self.record(Actuals(channelID: p.channelId, area: p.area, day: day, counts: counts, costs: costs), projectID: p.projectId,
                                      by: actor, at: at, on: tx.sql)
            return ((), AuditEntry(action: "outreach_plan.actuals", entity: "outreach_plan", entityID: planID.uuidString, projectID: p.projectId,
                                   summary: "拓客实绩 \(p.day) \(p.area)", after: ["calls": "\(counts.calls)", "visits": "\(counts.visits)",
                                                                               "cost": costs.total.plain]))
        }
        return try await plan(planID)
    }

    public func plan(_ id: UUID) async throws -> Plan {
        guard let p = try await store.sql.raw("SELECT * FROM outreach_plans WHERE id = \(bind: id)").first(decoding: Plan.self, with: decoder) else {
            throw Problem.notFound
        }
        return p
    }

    /// Plans of a project between two days (inclusive), by day, team and area.
    public func plans(projectID: UUID, from: CalendarDay, to: CalendarDay, channelID: UUID? = nil) async throws -> [Plan] {
        var q: SQLQueryString = """
            SELECT * FROM outreach_plans WHERE project_id = \(bind: projectID) AND day >= \(bind: from.description) AND day <= \(bind: to.description)
            """
        if let channelID { q = q + " AND channel_id = \(bind: channelID)" }
        q = q + " ORDER BY day DESC, channel_id, area LIMIT 2000"
        return try await store.sql.raw(q).all(decoding: Plan.self, with: decoder)
    }

    // MARK: Import

    /// The import's columns, in order.
    public static let columns = ["日期", "团队", "区域", "电话", "派单", "拦截", "巡展点", "邀约到访", "人员费用", "物料费用", "其他费用"]

    /// Imports actuals from an .xlsx: every row is checked first, and any bad row refuses the whole file (each bad row
    /// named, nothing changed); else every row is recorded in one transaction.
    public func importActuals(_ data: Data, projectID: UUID, by actor: UUID?, context: AuditContext) async throws -> Int {
        let rows: [SheetRow]
        do { rows = try XLSXReader.rows(data, limits: SheetLimits(maxRows: 5_001)) } catch {
            throw Problem(.unprocessableEntity, "import_unreadable", arguments: ["reason": "\(error)"])
        }
        guard let header = rows.first, Array(header.cells.prefix(Self.columns.count)) == Self.columns else {
            throw Problem(.unprocessableEntity, "outreach_import_header", arguments: ["columns": Self.columns.joined(separator: " ")])
        }
        let teams = try await channels.list(projectID: projectID)
        let byName = Dictionary(teams.map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a })
        var good: [Actuals] = [], bad: [Problem.FieldError] = []
        for r in rows.dropFirst() where !r.cells.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            var c = r.cells.map { $0.trimmingCharacters(in: .whitespaces) }
            while c.count < Self.columns.count { c.append("") }
            func fail(_ code: String) { bad.append(.init(field: "row \(r.number)", code: code, arguments: ["row": "\(r.number)"])) }
            guard let day = CalendarDay(c[0]) else { fail("outreach_row_day"); continue }
            guard let team = byName[c[1]] else { fail("outreach_row_team"); continue }
            guard let area = try? Self.checkArea(c[2]) else { fail("outreach_area_invalid"); continue }
            let n = c[3...7].map { Int($0) ?? (($0.isEmpty) ? 0 : -1) }
            let counts = OutreachCounts(calls: n[0], flyers: n[1], interceptions: n[2], points: n[3], visits: n[4])
            guard counts.faults.isEmpty else { fail("outreach_count_invalid"); continue }
            let m = c[8...10].map { $0.isEmpty ? Money.zero : (Money(yuanText: $0) ?? Money(fen: -1)) }
            let costs = OutreachCosts(staff: m[0], materials: m[1], fees: m[2])
            guard costs.faults.isEmpty else { fail("outreach_cost_invalid"); continue }
            good.append(Actuals(channelID: team, area: area, day: day, counts: counts, costs: costs))
        }
        if !bad.isEmpty { throw Problem.invalid(bad) }
        guard !good.isEmpty else { throw Problem(.unprocessableEntity, "import_empty") }
        let at = now(), all = good
        try await store.audited(context) { tx -> ((), AuditEntry) in
            for a in all { _ = try await Self.record(a, projectID: projectID, by: actor, at: at, on: tx.sql) }
            return ((), AuditEntry(action: "outreach_plan.import", entity: "outreach_plan", projectID: projectID,
                                   summary: "拓客实绩导入 \(all.count) 行", after: ["rows": "\(all.count)"]))
        }
        return good.count
    }

    // MARK: The channel report

    public struct ChannelRow: Sendable {
        public var channelID: UUID
        public var name: String
        public var kind: String
        public var funnel: ChannelFunnel
        public var planned: OutreachCounts
        public var actual: OutreachCounts
    }

    public struct Report: Sendable {
        public var from: CalendarDay
        public var to: CalendarDay
        public var rows: [ChannelRow]
        public var total: ChannelFunnel { rows.reduce(ChannelFunnel()) { $0 + $1.funnel } }
    }

    struct Count: Decodable { var channelId: UUID; var n: Int }

    /// Registrations (not refused) made, visits confirmed and 认购 attributed between two days (inclusive, China time), by
    /// channel; 签约 are those 认购 whose contract is signed (asked of Sales); costs and counts from the outreach rows.
    public func report(projectID: UUID, from: CalendarDay, to: CalendarDay) async throws -> Report {
        let start = from.start, end = to.adding(days: 1).start
        let sql = store.sql
        let regs = try await sql.raw("""
            SELECT channel_id, COUNT(*) AS n FROM channel_registrations WHERE project_id = \(bind: projectID) AND created_at >= \(bind: start)
            AND created_at < \(bind: end) AND status <> 'refused' GROUP BY channel_id
            """).all(decoding: Count.self, with: decoder)
        let visits = try await sql.raw("""
            SELECT channel_id, COUNT(*) AS n FROM channel_registrations WHERE project_id = \(bind: projectID) AND visited_at >= \(bind: start)
            AND visited_at < \(bind: end) GROUP BY channel_id
            """).all(decoding: Count.self, with: decoder)
        struct A: Decodable { var channelId: UUID; var subscriptionNumber: String }
        let deals = try await sql.raw("""
            SELECT channel_id, subscription_number FROM channel_attributions WHERE project_id = \(bind: projectID) AND status = 'attributed'
            AND subscribed_at >= \(bind: start) AND subscribed_at < \(bind: end)
            """).all(decoding: A.self, with: decoder)
        let signed = Set(try await sales.commissionFacts(projectID: projectID, subscriptionNumbers: deals.map(\.subscriptionNumber))
            .filter { $0.signedOn != nil }.map(\.subscriptionNumber))
        struct C: Decodable {
            var channelId: UUID; var cost: Int64?
            var pc: Int?; var pf: Int?; var pi: Int?; var pp: Int?; var pv: Int?
            var ac: Int?; var af: Int?; var ai: Int?; var ap: Int?; var av: Int?
        }
        let costs = try await sql.raw("""
            SELECT channel_id, CAST(SUM(cost_staff_fen + cost_materials_fen + cost_fees_fen) AS BIGINT) AS cost,
            CAST(SUM(plan_calls) AS BIGINT) AS pc, CAST(SUM(plan_flyers) AS BIGINT) AS pf, CAST(SUM(plan_interceptions) AS BIGINT) AS pi,
            CAST(SUM(plan_points) AS BIGINT) AS pp, CAST(SUM(plan_visits) AS BIGINT) AS pv,
            CAST(SUM(actual_calls) AS BIGINT) AS ac, CAST(SUM(actual_flyers) AS BIGINT) AS af, CAST(SUM(actual_interceptions) AS BIGINT) AS ai,
            CAST(SUM(actual_points) AS BIGINT) AS ap, CAST(SUM(actual_visits) AS BIGINT) AS av
            FROM outreach_plans WHERE project_id = \(bind: projectID) AND day >= \(bind: from.description) AND day <= \(bind: to.description)
            GROUP BY channel_id
            """).all(decoding: C.self, with: decoder)
        let list = try await channels.list(projectID: projectID)
        let r = Dictionary(regs.map { ($0.channelId, $0.n) }, uniquingKeysWith: +)
        let v = Dictionary(visits.map { ($0.channelId, $0.n) }, uniquingKeysWith: +)
        let c = Dictionary(costs.map { ($0.channelId, $0) }, uniquingKeysWith: { a, _ in a })
        let rows = list.map { ch in
            let mine = deals.filter { $0.channelId == ch.id }
            let k = c[ch.id]
            return ChannelRow(channelID: ch.id, name: ch.name, kind: ch.kind,
                              funnel: ChannelFunnel(registrations: r[ch.id] ?? 0, visits: v[ch.id] ?? 0, subscriptions: mine.count,
                                                    contracts: mine.filter { signed.contains($0.subscriptionNumber) }.count,
                                                    cost: Money(fen: k?.cost ?? 0)),
                              planned: OutreachCounts(calls: k?.pc ?? 0, flyers: k?.pf ?? 0, interceptions: k?.pi ?? 0, points: k?.pp ?? 0, visits: k?.pv ?? 0),
                              actual: OutreachCounts(calls: k?.ac ?? 0, flyers: k?.af ?? 0, interceptions: k?.ai ?? 0, points: k?.ap ?? 0, visits: k?.av ?? 0))
        }
        return Report(from: from, to: to, rows: rows)
    }
}
