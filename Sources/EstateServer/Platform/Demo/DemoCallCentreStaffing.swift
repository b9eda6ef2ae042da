import EstateCore
import FluentKit
import Foundation
import SQLKit

/// The call centre's staffing on the demo (issue 16 points 5–6), told through `StaffingService` and
/// `RosterService` by the shift lead:
/// - service goals 80/20 with ASA ≤ 30 s, occupancy ≤ 90 %, shrinkage 20 %, 8 weeks of history;
/// - the 2026 holiday calendar as the State Council announced it and 2027's fixed-date holidays
///   (`HolidayCalendar`: its notice is not known here; the rest is added on the calendar page);
/// - the twelve agents on the roster (two cannot work Sundays, eight take the repairs queue too),
///   the standard 早 / 中 / 晚 / 通宵 shifts, rosters built for the eight past weeks of call history,
///   this week and next; eight agents in the shift lead's team (班组, the KPI report's team rows);
/// - a pending 年休 request, an approved 请假 next week (rebuilt around), and a swap request.
/// Call history: the calls story (another part of the demo) seeds eight weeks of calls before this
/// runs; when the project has none, this seeds a small hotline history of its own (07:00–23:00) so
/// the forecast has something to read.
struct DemoCallCentreStaffing {
    let services: AppServices
    let db: any Database
    let projectID: UUID

    init(_ services: AppServices, db: any Database, projectID: UUID) {
        self.services = services
        self.db = db
        self.projectID = projectID
    }

    /// Agents with the repairs skill besides the hotline (the first of `DemoCallCentreAgents.usernames`).
    static let repairAgents = 8
    /// Past weeks rostered, as many as the calls story's history (eight weeks).
    static let pastWeeks = 8

    func tell() async throws {
        let end = services.now()
        let clock = DemoClock(end)
        let demo = services.running(on: clock)
        let staffing = demo.staffing(db)
        let rosters = demo.rosters(db)
        let lead = try await DemoActor.named("shift-lead", services, db)

        try await seedCallsIfNone(end: end)

        clock.set(end.addingTimeInterval(-14 * 86_400))
        var s = StaffingService.Settings()
        s.slTargetPermille = 800
        s.thresholdSeconds = 20
        s.asaLimitSeconds = 30
        // Breaks and meetings are staggered on the floor; leave is planned on the roster itself.
        s.shrinkagePercent = 20
        s.maxOccupancyPercent = 90
        _ = try await staffing.saveSettings(s, for: projectID, context: lead.context)
        for year in HolidayCalendar.years { _ = try await staffing.loadHolidays(year: year, context: lead.context) }

        let templates = ShiftTemplate.standard.map { RosterService.Template(shift: $0, name: "") }
        try await rosters.saveTemplates(templates, for: projectID, context: lead.context)
        var agents: [DemoActor] = []
        for (i, username) in DemoCallCentreAgents.usernames.enumerated() {
            let a = try await DemoActor.named(username, services, db)
            agents.append(a)
            // Two cannot work Sundays (family); the first eight also take the repairs queue (about a third of
            // the calls: with four, the repairs queue was short all week); the first eight are the shift
            // lead's team (班组), the four hired last are in none yet.
            try await rosters.saveAgent(a.id, skills: i < Self.repairAgents ? ["hotline", "repairs"] : ["hotline"], unavailableDays: i >= 10 ? [6] : [],
                                        teamLead: i < 8 ? lead.id : nil, in: projectID, context: lead.context)
        }

        clock.set(end)
        let thisWeek = StaffingService.monday(of: CalendarDay(end)), nextWeek = thisWeek.adding(days: 7)
        // 请假 next Wednesday–Thursday for agent 03, approved; then the two weeks are built around it.
        let leave = try await rosters.requestLeave(agent: agents[2].id, kind: .personal, from: nextWeek.adding(days: 2), to: nextWeek.adding(days: 3),
                                                   reason: "家中有事", in: projectID, context: agents[2].context)
        try await rosters.decideLeave(leave, approve: true, in: projectID, context: lead.context)
        // The weeks of the call history had their rosters too: the KPI report's occupancy (handle time ÷
        // rostered time) reads them, so past periods are not blank.
        for back in stride(from: Self.pastWeeks, through: 1, by: -1) {
            _ = try await rosters.build(projectID, monday: thisWeek.adding(days: -7 * back), context: lead.context)
        }
        _ = try await rosters.build(projectID, monday: thisWeek, context: lead.context)
        let next = try await rosters.build(projectID, monday: nextWeek, context: lead.context)
        // 年休 asked for the week after, not decided yet.
        _ = try await rosters.requestLeave(agent: agents[6].id, kind: .annual, from: nextWeek.adding(days: 7), to: nextWeek.adding(days: 11),
                                           reason: "年休假", in: projectID, context: agents[6].context)
        // Agent 05 asks to hand a shift next week to agent 09.
        if let shift = next.shifts.first(where: { $0.agentId == agents[4].id }) {
            _ = try await rosters.requestSwap(shift: shift.id, to: agents[8].id, note: "孩子家长会，请帮忙顶班", by: agents[4].id,
                                              in: projectID, context: agents[4].context)
        }
    }

    /// Eight weeks of hotline calls, 07:00–23:00, a weekday and a weekend shape, written in bulk —
    /// only when the project has no call yet (the calls story's history wins when it ran).
    func seedCallsIfNone(end: Date) async throws {
        struct N: Decodable { var n: Int }
        let sql = db as! any SQLDatabase
        let have = try await sql.raw("SELECT COUNT(*) AS n FROM calls").first(decoding: N.self)?.n ?? 0
        guard have == 0 else { return }
        var rng = SplitMix(seed: 20_261_207)
        func uniform() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        let agentIDs = try await DemoCallCentreAgents.usernames.asyncMap { try await DemoActor.named($0, services, db).id }
        // Calls per half hour from 07:00 (slot 14) to 23:00 (slot 46), a weekday's shape.
        let weekday: [Double] = [2, 4, 7, 10, 12, 13, 12, 10, 8, 7, 8, 10, 11, 12, 11, 10, 9, 8, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 2, 1, 1]
        let today = CalendarDay(end)
        var rows: [[any Encodable & Sendable]] = []
        for back in 1...(8 * 7) {
            let day = today.adding(days: -back)
            let factor = day.isoWeekday >= 6 ? 0.6 : (day.isoWeekday == 1 ? 1.15 : 1.0)
            for (i, mean) in weekday.enumerated() {
                let slotStart = day.start.addingTimeInterval(Double(14 + i) * 1800)
                // Poisson by counting exponential gaps.
                var t = 0.0
                while true {
                    t += -log(max(uniform(), 1e-12)) * 1800 / (mean * factor)
                    guard t < 1800 else { break }
                    let offered = slotStart.addingTimeInterval(t.rounded())
                    let abandoned = uniform() < 0.05
                    let wait = abandoned ? 5 + Int(uniform() * 60) : Int(uniform() * 25)
                    let talk = abandoned ? 0 : 60 + Int(-log(max(uniform(), 1e-12)) * 120)
                    let wrap = abandoned ? 0 : 15 + Int(uniform() * 30)
                    let answered: Date? = abandoned ? nil : offered.addingTimeInterval(Double(wait))
                    let ended = offered.addingTimeInterval(Double(wait + talk))
                    let number = String(format: "138%08d", Int(uniform() * 99_999_999))
                    let agent: UUID? = abandoned ? nil : agentIDs[Int(uniform() * Double(agentIDs.count))]
                    let row: [any Encodable & Sendable] = [UUID(), "inbound", number, String(number.suffix(4)), CallService.defaultQueue,
                                                           agent, offered, answered, ended, wait, talk, 0, wrap, abandoned, "", "telephony", end]
                    rows.append(row)
                }
            }
        }
        let columns = ["id", "direction", "number", "number_suffix", "queue", "agent_id", "offered_at", "answered_at", "ended_at", "wait_seconds",
                       "talk_seconds", "hold_seconds", "wrap_seconds", "abandoned", "note", "source", "created_at"]
        for chunk in stride(from: 0, to: rows.count, by: 400) {
            let part = rows[chunk..<min(chunk + 400, rows.count)]
            let insert = sql.insert(into: "calls").columns(columns)
            for r in part { insert.values(r.map { SQLBind($0) }) }
            try await insert.run()
        }
    }
}

extension Sequence {
    fileprivate func asyncMap<T>(_ f: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await f(e)) }
        return out
    }
}
