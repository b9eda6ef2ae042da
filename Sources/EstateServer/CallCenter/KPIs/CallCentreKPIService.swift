import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 话务报表: the KPI counters summed by SQL per agent and day (China Standard Time) over the calls
/// of a project and of no project; the rates come from `CallKPI`, defined once in EstateCore. A call's
/// QA score (质检, `CallQualityService`) counts on the call's agent and day. Occupancy's staffed time is
/// the roster's (`RosterService.staffedSeconds`); teams are the roster's shift leads' (班组); months
/// sum the days.
public struct CallCentreKPIService: Sendable {
    let store: Store
    let rosters: RosterService

    public struct AgentRow: Sendable, Equatable {
        public var agentID: UUID?
        public var name: String?
        public var counters: CallKPI.Counters
        /// Paid time rostered in the period (shifts less breaks): occupancy's denominator.
        public var staffedSeconds = 0
        public var occupancy: Double? { CallKPI.occupancy(counters, staffedSeconds: staffedSeconds) }
    }

    /// A shift lead's team (班组): the agents the roster puts under them.
    public struct TeamRow: Sendable, Equatable {
        /// nil: agents in no team (and calls nobody answered are in no row of this table).
        public var leadID: UUID?
        public var leadName: String?
        public var agents: Int
        public var counters: CallKPI.Counters
        public var staffedSeconds = 0
        public var occupancy: Double? { CallKPI.occupancy(counters, staffedSeconds: staffedSeconds) }
    }

    public struct DayRow: Sendable, Equatable {
        public var day: CalendarDay
        public var counters: CallKPI.Counters
        public var staffedSeconds = 0
        public var occupancy: Double? { CallKPI.occupancy(counters, staffedSeconds: staffedSeconds) }
    }

    /// A calendar month (its first day) cut to the period.
    public struct MonthRow: Sendable, Equatable {
        public var month: CalendarDay
        public var counters: CallKPI.Counters
        public var staffedSeconds = 0
        public var occupancy: Double? { CallKPI.occupancy(counters, staffedSeconds: staffedSeconds) }
        /// "2026-11"
        public var label: String { String(format: "%04d-%02d", month.year, month.month) }
    }

    public struct Report: Sendable, Equatable {
        public var from: CalendarDay
        public var to: CalendarDay
        public var total: CallKPI.Counters
        public var staffedSeconds = 0
        public var agents: [AgentRow]
        public var teams: [TeamRow] = []
        public var days: [DayRow]
        public var months: [MonthRow] = []
        public var occupancy: Double? { CallKPI.occupancy(total, staffedSeconds: staffedSeconds) }
    }

    /// One SQL group: an agent on a day.
    struct Group: Decodable {
        var agent_id: UUID?
        var day: Int
        var offered: Int, answered: Int, abandoned: Int, short_abandoned: Int, in_threshold: Int
        var answer_wait: Int, handle: Int, busy: Int, fcr_eligible: Int, fcr_resolved: Int
        var callbacks: Int, callbacks_on_time: Int, satisfaction_count: Int, satisfaction_sum: Int
        var qa_count: Int, qa_sum_tenths: Int

        var counters: CallKPI.Counters {
            var c = CallKPI.Counters()
            c.offered = offered; c.answered = answered; c.abandoned = abandoned; c.shortAbandoned = short_abandoned
            c.answeredInThreshold = in_threshold; c.answerWaitSeconds = answer_wait; c.handleSeconds = handle; c.busySeconds = busy
            c.fcrEligible = fcr_eligible; c.fcrResolved = fcr_resolved; c.callbacksPromised = callbacks; c.callbacksOnTime = callbacks_on_time
            c.satisfactionCount = satisfaction_count; c.satisfactionSum = satisfaction_sum
            c.qaCount = qa_count; c.qaSum = Double(qa_sum_tenths) / 10
            return c
        }
    }

    /// Seconds east of UTC of China Standard Time (no daylight saving), for day numbers in SQL.
    static let zoneOffset = 8 * 3600

    public func report(projectID: UUID, from: CalendarDay, to: CalendarDay) async throws -> Report {
        let groups = try await Self.groups(store, projectID: projectID, from: from, to: to)
        return try await report(groups, projectID: projectID, from: from, to: to)
    }

    /// The counters of the period summed (the wallboard's today: no roster read).
    static func total(_ store: Store, projectID: UUID, from: CalendarDay, to: CalendarDay) async throws -> CallKPI.Counters {
        try await groups(store, projectID: projectID, from: from, to: to).reduce(CallKPI.Counters()) { $0 + $1.counters }
    }

    /// The SQL's groups: an agent on a day.
    static func groups(_ store: Store, projectID: UUID, from: CalendarDay, to: CalendarDay) async throws -> [Group] {
        let sqlite = store.engine == .sqlite
        // Dates are seconds since 1970 on SQLite, timestamps on PostgreSQL.
        let epoch: (String) -> SQLQueryString = { col in sqlite ? "\(unsafeRaw: col)" : "EXTRACT(EPOCH FROM \(unsafeRaw: col))" }
        let plus: (String, Int) -> SQLQueryString = { col, s in
            sqlite ? "\(unsafeRaw: col) + \(unsafeRaw: String(s))" : "\(unsafeRaw: col) + INTERVAL '\(unsafeRaw: String(s)) seconds'"
        }
        // SQLite's CAST truncates, which is the floor for times after 1970 (its FLOOR needs the math extension).
        let shifted: SQLQueryString = "(\(epoch("c.offered_at")) + \(unsafeRaw: String(Self.zoneOffset))) / 86400"
        let day: SQLQueryString = sqlite ? "CAST(\(shifted) AS INTEGER)" : "CAST(FLOOR(\(shifted)) AS INTEGER)"
        let t = SQLLiteral.boolean(true)
        let answeredIn: SQLQueryString = "c.direction = 'inbound' AND c.answered_at IS NOT NULL"
        let short = String(CallKPI.shortAbandonSeconds), sl = String(CallKPI.serviceLevelSeconds)
        // Sums of BIGINT columns are NUMERIC on PostgreSQL: cast back to whole numbers.
        let groups = try await store.sql.raw("""
            SELECT c.agent_id, \(day) AS day,
              CAST(SUM(CASE WHEN c.direction = 'inbound' THEN 1 ELSE 0 END) AS BIGINT) AS offered,
              CAST(SUM(CASE WHEN \(answeredIn) THEN 1 ELSE 0 END) AS BIGINT) AS answered,
              CAST(SUM(CASE WHEN c.direction = 'inbound' AND c.answered_at IS NULL AND c.abandoned = \(t) AND c.wait_seconds >= \(unsafeRaw: short) THEN 1 ELSE 0 END) AS BIGINT) AS abandoned,
              CAST(SUM(CASE WHEN c.direction = 'inbound' AND c.answered_at IS NULL AND c.abandoned = \(t) AND c.wait_seconds < \(unsafeRaw: short) THEN 1 ELSE 0 END) AS BIGINT) AS short_abandoned,
              CAST(SUM(CASE WHEN \(answeredIn) AND c.wait_seconds <= \(unsafeRaw: sl) THEN 1 ELSE 0 END) AS BIGINT) AS in_threshold,
              CAST(SUM(CASE WHEN \(answeredIn) THEN c.wait_seconds ELSE 0 END) AS BIGINT) AS answer_wait,
              CAST(SUM(CASE WHEN \(answeredIn) THEN c.talk_seconds + c.hold_seconds + c.wrap_seconds ELSE 0 END) AS BIGINT) AS handle,
              CAST(SUM(CASE WHEN c.answered_at IS NOT NULL OR c.direction = 'outbound' THEN c.talk_seconds + c.hold_seconds + c.wrap_seconds ELSE 0 END) AS BIGINT) AS busy,
              CAST(SUM(CASE WHEN \(answeredIn) AND c.category IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS fcr_eligible,
              CAST(SUM(CASE WHEN \(answeredIn) AND c.category IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM calls r WHERE r.number = c.number AND r.direction = 'inbound' AND r.category = c.category
                      AND r.offered_at > c.offered_at AND r.offered_at <= \(plus("c.offered_at", Int(CallKPI.fcrWindow))))
                  THEN 1 ELSE 0 END) AS BIGINT) AS fcr_resolved,
              CAST(SUM(CASE WHEN c.outcome = 'callback' THEN 1 ELSE 0 END) AS BIGINT) AS callbacks,
              CAST(SUM(CASE WHEN c.outcome = 'callback' AND EXISTS (
                    SELECT 1 FROM calls r WHERE r.number = c.number AND r.direction = 'outbound'
                      AND r.offered_at > c.offered_at AND r.offered_at <= \(plus("c.offered_at", Int(CallKPI.callbackWindow))))
                  THEN 1 ELSE 0 END) AS BIGINT) AS callbacks_on_time,
              CAST(SUM(CASE WHEN c.satisfaction IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS satisfaction_count,
              CAST(SUM(COALESCE(c.satisfaction, 0)) AS BIGINT) AS satisfaction_sum,
              CAST(SUM(CASE WHEN q.id IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS qa_count,
              CAST(SUM(COALESCE(q.score_tenths, 0)) AS BIGINT) AS qa_sum_tenths
            FROM calls c LEFT JOIN qa_reviews q ON q.call_id = c.id
            WHERE (c.project_id = \(bind: projectID) OR c.project_id IS NULL)
              AND c.offered_at >= \(bind: from.start) AND c.offered_at < \(bind: to.adding(days: 1).start)
            GROUP BY c.agent_id, \(day)
            """).all(decoding: Group.self)
        return groups
    }

    func report(_ groups: [Group], projectID: UUID, from: CalendarDay, to: CalendarDay) async throws -> Report {
        var total = CallKPI.Counters()
        var byAgent: [UUID?: CallKPI.Counters] = [:], byDay: [Int: CallKPI.Counters] = [:]
        for g in groups {
            let c = g.counters
            total = total + c
            byAgent[g.agent_id] = (byAgent[g.agent_id] ?? CallKPI.Counters()) + c
            byDay[g.day] = (byDay[g.day] ?? CallKPI.Counters()) + c
        }
        // Staffed time from the roster (shifts less breaks): agent status keeps only the state now.
        let staffed = try await rosters.staffedSeconds(projectID, from: from, to: to)
        var staffedByAgent: [UUID: Int] = [:], staffedByDay: [CalendarDay: Int] = [:]
        for s in staffed {
            staffedByAgent[s.agentID, default: 0] += s.seconds
            staffedByDay[s.day, default: 0] += s.seconds
            if byAgent[s.agentID] == nil { byAgent[s.agentID] = CallKPI.Counters() }
        }
        let rosterAgents = try await rosters.agents(projectID)
        let leadOf = Dictionary(rosterAgents.map { ($0.id, $0.teamLeadID) }, uniquingKeysWith: { a, _ in a })
        let leads = Set(rosterAgents.compactMap(\.teamLeadID))
        let names = try await StaffDirectory.displayNames(Array(Set(byAgent.keys.compactMap { $0 }).union(leads)), sql: store.sql)
        let agents = byAgent.map { AgentRow(agentID: $0.key, name: $0.key.flatMap { names[$0] }, counters: $0.value,
                                            staffedSeconds: $0.key.flatMap { staffedByAgent[$0] } ?? 0) }
            .sorted { ($0.agentID == nil ? 1 : 0, $0.name ?? "", $0.agentID?.uuidString ?? "") < ($1.agentID == nil ? 1 : 0, $1.name ?? "", $1.agentID?.uuidString ?? "") }
        // Teams: each answering agent's row under their lead; calls nobody answered belong to no team.
        var teams: [UUID?: TeamRow] = [:]
        for a in agents {
            guard let id = a.agentID else { continue }
            let lead = leadOf[id] ?? nil
            var row = teams[lead] ?? TeamRow(leadID: lead, leadName: lead.flatMap { names[$0] }, agents: 0, counters: CallKPI.Counters())
            row.agents += 1
            row.counters = row.counters + a.counters
            row.staffedSeconds += a.staffedSeconds
            teams[lead] = row
        }
        var dayRows: [CalendarDay: DayRow] = [:]
        for (n, c) in byDay { let d = Self.day(n); dayRows[d] = DayRow(day: d, counters: c, staffedSeconds: staffedByDay[d] ?? 0) }
        for (d, secs) in staffedByDay where dayRows[d] == nil { dayRows[d] = DayRow(day: d, counters: CallKPI.Counters(), staffedSeconds: secs) }
        let days = dayRows.values.sorted { $0.day < $1.day }
        var months: [CalendarDay: MonthRow] = [:]
        for d in days {
            let m = CalendarDay(year: d.day.year, month: d.day.month, day: 1)!
            var row = months[m] ?? MonthRow(month: m, counters: CallKPI.Counters())
            row.counters = row.counters + d.counters
            row.staffedSeconds += d.staffedSeconds
            months[m] = row
        }
        return Report(from: from, to: to, total: total, staffedSeconds: staffed.reduce(0) { $0 + $1.seconds }, agents: agents,
                      teams: teams.values.sorted { ($0.leadID == nil ? 1 : 0, $0.leadName ?? "") < ($1.leadID == nil ? 1 : 0, $1.leadName ?? "") },
                      days: days, months: months.values.sorted { $0.month < $1.month })
    }

    /// The calendar day of a day number (days since 1970 in China Standard Time).
    static func day(_ n: Int) -> CalendarDay {
        CalendarDay(Date(timeIntervalSince1970: TimeInterval(n * 86_400 - zoneOffset)))
    }
}

extension AppServices {
    public func callCentreKPIs(_ db: any Database) -> CallCentreKPIService { CallCentreKPIService(store: store(db), rosters: rosters(db)) }
}
