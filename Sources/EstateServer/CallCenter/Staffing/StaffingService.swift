import EstateCore
import FluentKit
import Foundation
import SQLKit

/// Forecast and staffing (话务预测与人力需求, issue 16 point 5): calls per half hour from the
/// history (`CallService.intervalLoads`, an SQL aggregate), the holiday calendar, planned
/// callbacks (`TicketService.callbacksDue`), and agents per interval by Erlang C (EstateCore).
public struct StaffingService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let calls: CallService
    let tickets: TicketService

    // MARK: Settings

    /// The project's service goals and roster limits (服务水平目标); defaults until someone saves them.
    public struct Settings: Sendable, Equatable, Decodable {
        /// 800 = 80.0 % answered within `thresholdSeconds`.
        public var slTargetPermille: Int = 800
        public var thresholdSeconds: Int = 20
        public var asaLimitSeconds: Int? = nil
        public var maxOccupancyPercent: Int = 85
        public var shrinkagePercent: Int = 30
        public var historyWeeks: Int = 8
        /// AHT where the history answered no call.
        public var defaultAhtSeconds: Int = 180
        /// Agent time one planned callback (回访) takes.
        public var outboundItemSeconds: Int = 240
        /// Agent time one planned follow-up (跟进) takes.
        public var followUpItemSeconds: Int = 300
        public var weeklyHours: Int = 40
        public var minimumRestHours: Int = 10

        public init() {}

        public var target: ErlangC.Target {
            ErlangC.Target(serviceLevel: Double(slTargetPermille) / 1000, thresholdSeconds: Double(thresholdSeconds),
                           asaLimitSeconds: asaLimitSeconds.map(Double.init), maxOccupancy: Double(maxOccupancyPercent) / 100,
                           shrinkage: Double(shrinkagePercent) / 100)
        }

        public var limits: RosterRules.Limits {
            RosterRules.Limits(weeklyMinutes: weeklyHours * 60, minimumRestMinutes: minimumRestHours * 60)
        }

        /// Each field and the range it must lie in (the page and the API say the same).
        static let ranges: [(field: String, range: ClosedRange<Int>, get: @Sendable (Settings) -> Int?)] = [
            ("slTargetPermille", 100...990, { $0.slTargetPermille }),
            ("thresholdSeconds", 1...600, { $0.thresholdSeconds }),
            ("asaLimitSeconds", 1...600, { $0.asaLimitSeconds }),
            ("maxOccupancyPercent", 50...100, { $0.maxOccupancyPercent }),
            ("shrinkagePercent", 0...60, { $0.shrinkagePercent }),
            ("historyWeeks", 1...26, { $0.historyWeeks }),
            ("defaultAhtSeconds", 10...3600, { $0.defaultAhtSeconds }),
            ("outboundItemSeconds", 10...3600, { $0.outboundItemSeconds }),
            ("followUpItemSeconds", 10...3600, { $0.followUpItemSeconds }),
            ("weeklyHours", 8...60, { $0.weeklyHours }),
            ("minimumRestHours", 0...24, { $0.minimumRestHours }),
        ]

        func checked() throws -> Settings {
            let bad = Self.ranges.compactMap { r -> Problem.FieldError? in
                guard let v = r.get(self), !r.range.contains(v) else { return nil }
                return .init(field: r.field, code: "staffing_setting_range", arguments: ["min": "\(r.range.lowerBound)", "max": "\(r.range.upperBound)"])
            }
            guard bad.isEmpty else { throw Problem.invalid(bad) }
            return self
        }

        enum CodingKeys: String, CodingKey {
            case slTargetPermille = "sl_target_permille", thresholdSeconds = "threshold_seconds", asaLimitSeconds = "asa_limit_seconds"
            case maxOccupancyPercent = "max_occupancy_percent", shrinkagePercent = "shrinkage_percent", historyWeeks = "history_weeks"
            case defaultAhtSeconds = "default_aht_seconds", outboundItemSeconds = "outbound_item_seconds", weeklyHours = "weekly_hours"
            case followUpItemSeconds = "followup_item_seconds"
            case minimumRestHours = "minimum_rest_hours"
        }
    }

    public func settings(_ projectID: UUID) async throws -> Settings {
        try await store.sql.raw("SELECT * FROM staffing_settings WHERE project_id = \(bind: projectID)").first(decoding: Settings.self) ?? Settings()
    }

    public func saveSettings(_ s: Settings, for projectID: UUID, context: AuditContext) async throws -> Settings {
        let s = try s.checked()
        let at = now()
        let before = try await settings(projectID)
        try await store.audited(context) { tx in
            let sql = tx as! any SQLDatabase
            try await sql.delete(from: "staffing_settings").where("project_id", .equal, projectID).run()
            try await sql.insert(into: "staffing_settings")
                .columns("project_id", "sl_target_permille", "threshold_seconds", "asa_limit_seconds", "max_occupancy_percent",
                         "shrinkage_percent", "history_weeks", "default_aht_seconds", "outbound_item_seconds", "weekly_hours",
                         "minimum_rest_hours", "followup_item_seconds", "updated_by", "updated_at")
                .values(SQLBind(projectID), SQLBind(s.slTargetPermille), SQLBind(s.thresholdSeconds), SQLBind(s.asaLimitSeconds),
                        SQLBind(s.maxOccupancyPercent), SQLBind(s.shrinkagePercent), SQLBind(s.historyWeeks), SQLBind(s.defaultAhtSeconds),
                        SQLBind(s.outboundItemSeconds), SQLBind(s.weeklyHours), SQLBind(s.minimumRestHours), SQLBind(s.followUpItemSeconds), SQLBind(context.actorID), SQLBind(at))
                .run()
            return ((), AuditEntry(action: "staffing.settings", entity: "staffing_settings", entityID: projectID.uuidString, projectID: projectID,
                                   summary: "staffing settings", before: Self.auditValues(before), after: Self.auditValues(s)))
        }
        return s
    }

    static func auditValues(_ s: Settings) -> [String: String] {
        ["sl": "\(s.slTargetPermille)", "threshold": "\(s.thresholdSeconds)", "asa": s.asaLimitSeconds.map(String.init) ?? "",
         "occupancy": "\(s.maxOccupancyPercent)", "shrinkage": "\(s.shrinkagePercent)", "weeks": "\(s.historyWeeks)",
         "callback_seconds": "\(s.outboundItemSeconds)", "followup_seconds": "\(s.followUpItemSeconds)"]
    }

    // MARK: Holiday calendar

    public struct CalendarEntry: Sendable, Equatable, Decodable {
        public var day: String
        public var kind: String
        public var name: String
        public var calendarDay: CalendarDay? { CalendarDay(day) }
        public var dayKind: StaffingDayKind? { StaffingDayKind(rawValue: kind) }
    }

    /// The calendar's days in [from, to], oldest first.
    public func calendar(from: CalendarDay, to: CalendarDay) async throws -> [CalendarEntry] {
        try await store.sql.raw("""
            SELECT day, kind, name FROM staffing_calendar WHERE day >= \(bind: from.description) AND day <= \(bind: to.description) ORDER BY day
            """).all(decoding: CalendarEntry.self)
    }

    func calendarMap(from: CalendarDay, to: CalendarDay) async throws -> [CalendarDay: StaffingDayKind] {
        var out: [CalendarDay: StaffingDayKind] = [:]
        for e in try await calendar(from: from, to: to) { if let d = e.calendarDay, let k = e.dayKind { out[d] = k } }
        return out
    }

    /// Marks a day a holiday or a 调休 working day (`kind` nil: an ordinary day again).
    public func setCalendarDay(_ day: CalendarDay, kind: StaffingDayKind?, name raw: String, context: AuditContext) async throws {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if kind != nil, name.isEmpty || name.count > 40 { throw Problem.invalid("name", "staffing_calendar_name_invalid") }
        let at = now()
        try await store.audited(context) { tx in
            let sql = tx as! any SQLDatabase
            try await sql.delete(from: "staffing_calendar").where("day", .equal, day.description).run()
            if let kind {
                try await sql.insert(into: "staffing_calendar").columns("day", "kind", "name", "updated_by", "updated_at")
                    .values(SQLBind(day.description), SQLBind(kind.rawValue), SQLBind(name), SQLBind(context.actorID), SQLBind(at)).run()
            }
            return ((), AuditEntry(action: "staffing.calendar", entity: "staffing_calendar", entityID: day.description,
                                   summary: "\(day) \(kind?.rawValue ?? "ordinary")", after: ["kind": kind?.rawValue ?? "", "name": name]))
        }
    }

    /// Loads a year's published holidays and 调休 days (`HolidayCalendar`) into the calendar; days
    /// already on it (entered or edited by the supervisor) are kept. Answers how many were added.
    public func loadHolidays(year: Int, context: AuditContext) async throws -> Int {
        let entries = HolidayCalendar.entries(year)
        guard !entries.isEmpty else { throw Problem.invalid("year", "staffing_calendar_year_unknown") }
        let at = now()
        return try await store.audited(context) { tx in
            let sql = tx as! any SQLDatabase
            struct D: Decodable { var day: String }
            let have = Set(try await sql.raw("""
                SELECT day FROM staffing_calendar WHERE day >= \(bind: "\(year)-01-01") AND day <= \(bind: "\(year)-12-31")
                """).all(decoding: D.self).map(\.day))
            let new = entries.filter { !have.contains($0.day.description) }
            for e in new {
                try await sql.insert(into: "staffing_calendar").columns("day", "kind", "name", "updated_by", "updated_at")
                    .values(SQLBind(e.day.description), SQLBind(e.kind.rawValue), SQLBind(e.name), SQLBind(context.actorID), SQLBind(at)).run()
            }
            return (new.count, AuditEntry(action: "staffing.calendar_load", entity: "staffing_calendar", entityID: "\(year)",
                                          summary: "\(year) holidays loaded: \(new.count) day(s)\(HolidayCalendar.isComplete(year) ? "" : " (fixed-date only)")",
                                          after: ["loaded": "\(new.count)"]))
        }
    }

    // MARK: Forecast and requirement

    /// The Monday of the week `day` falls in.
    public static func monday(of day: CalendarDay) -> CalendarDay { day.adding(days: 1 - day.isoWeekday) }

    /// The forecast of `days` days from `from`: the last `historyWeeks` full weeks before today,
    /// the calendar, and the planned outbound work (`planned`).
    public func forecast(_ projectID: UUID, from: CalendarDay, days: Int, settings given: Settings? = nil) async throws -> [CallForecast.Day] {
        let s = try await resolved(given, projectID)
        let today = CalendarDay(now())
        // Whole weeks ending yesterday, so every weekday has the same number of samples.
        let historyTo = today, historyFrom = today.adding(days: -7 * s.historyWeeks)
        let loads = try await calls.intervalLoads(from: historyFrom, to: historyTo, projects: [projectID])
        let to = from.adding(days: max(days, 1) - 1)
        let cal = try await calendarMap(from: min(historyFrom, from), to: max(historyTo, to))
        let planned = try await self.planned(projectID, from: from, to: to, settings: s)
        let targetDays = (0..<max(days, 1)).map { from.adding(days: $0) }
        return CallForecast.forecast(
            days: targetDays,
            history: loads.map { .init(day: $0.day, slot: $0.slot, offered: $0.offered, handled: $0.handled, handleSeconds: Double($0.handleSeconds)) },
            historyDays: (0..<(7 * s.historyWeeks)).map { historyFrom.adding(days: $0) },
            calendar: cal, defaultAHT: Double(s.defaultAhtSeconds),
            planned: planned)
    }

    /// Planned outbound work per day in [from, to] (none before today): callbacks due (回访 of
    /// resolved complaints and repairs, `TicketService.callbacksDue`; overdue ones on the first day)
    /// and follow-ups due (跟进 the call centre's agents planned on customer records,
    /// `CustomerDirectory.followUpsDue`), each at its own agent time per item.
    public func planned(_ projectID: UUID, from: CalendarDay, to: CalendarDay, settings given: Settings? = nil) async throws
        -> [CalendarDay: CallForecast.PlannedOutbound] {
        let s = try await resolved(given, projectID)
        let today = CalendarDay(now())
        let start = max(from, today)
        guard start <= to else { return [:] }
        let callbacks = try await tickets.callbacksDue(projectID, from: start, to: to.adding(days: 1))
        let agents = try await StaffDirectory.holders(of: [.csStaff, .shiftLead, .ccSupervisor], on: projectID, sql: store.sql).map(\.id)
        let followUps = try await CustomerDirectory.followUpsDue(projectID, from: start, to: to, plannedBy: agents, sql: store.sql)
        var out: [CalendarDay: CallForecast.PlannedOutbound] = [:]
        for d in Set(callbacks.keys).union(followUps.keys) where d >= start && d <= to {
            out[d] = CallForecast.PlannedOutbound(callbacks: callbacks[d] ?? 0, followUps: followUps[d] ?? 0,
                                                  callbackHandleSeconds: s.outboundItemSeconds, followUpHandleSeconds: s.followUpItemSeconds)
        }
        return out
    }

    public struct Requirement: Sendable {
        public var day: CallForecast.Day
        public var slots: [StaffingRequirement.Slot]
        public var agentHours: Double { Double(slots.reduce(0) { $0 + $1.scheduled }) / 2 }
    }

    public func requirement(_ projectID: UUID, from: CalendarDay, days: Int, settings given: Settings? = nil) async throws -> [Requirement] {
        let s = try await resolved(given, projectID)
        return try await forecast(projectID, from: from, days: days, settings: s).map {
            Requirement(day: $0, slots: StaffingRequirement.slots($0, target: s.target))
        }
    }

    /// Scheduled agents per interval of the week from `monday` (336, Monday 00:00 first) for each
    /// queue (技能组) of the history on its own: that queue's calls forecast as the floor's are and
    /// staffed by Erlang C at the same goals, without the planned outbound work (any agent makes
    /// those calls). The roster builder covers each with agents who have the skill of that name.
    public func requirementBySkill(_ projectID: UUID, monday: CalendarDay, settings given: Settings? = nil) async throws -> [String: [Int]] {
        let s = try await resolved(given, projectID)
        let today = CalendarDay(now())
        let historyFrom = today.adding(days: -7 * s.historyWeeks)
        let byQueue = try await calls.intervalLoadsByQueue(from: historyFrom, to: today, projects: [projectID])
        let cal = try await calendarMap(from: min(historyFrom, monday), to: max(today, monday.adding(days: 6)))
        let days = (0..<7).map { monday.adding(days: $0) }
        var out: [String: [Int]] = [:]
        for (queue, loads) in byQueue where !queue.isEmpty {
            let forecast = CallForecast.forecast(
                days: days,
                history: loads.map { .init(day: $0.day, slot: $0.slot, offered: $0.offered, handled: $0.handled, handleSeconds: Double($0.handleSeconds)) },
                historyDays: (0..<(7 * s.historyWeeks)).map { historyFrom.adding(days: $0) }, calendar: cal, defaultAHT: Double(s.defaultAhtSeconds))
            out[queue] = forecast.flatMap { StaffingRequirement.slots($0, target: s.target).map(\.scheduled) }
        }
        return out
    }

    func resolved(_ s: Settings?, _ projectID: UUID) async throws -> Settings {
        if let s { return s }
        return try await settings(projectID)
    }

    /// Longest span the API forecasts at once.
    public static let maxDays = 31
}
