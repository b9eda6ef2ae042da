import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Forecast, staffing and rosters (issue 16 points 5–6) on both engines: the half-hour aggregate
/// equals a plain recount of the rows; the API's forecast and requirement reproduce the textbook
/// Erlang C figures from a call history; holidays are forecast as Sundays; roster edits that break a
/// rule are refused with the rule named and change nothing, also when several arrive at once.
@Suite("Call centre: forecast, staffing and rosters")
struct StaffingRosterTests {
    struct Floor {
        var project: UUID
        var other: UUID
        var lead: String
        var agentToken: String
        var agents: [UUID]
    }

    /// The test clock's today is Monday 2026-09-21 (Beijing); history windows end there.
    static func floor(_ app: Application) async throws -> Floor {
        let f = Fixtures(app: app)
        let project = try await f.project("CC"), other = try await f.project("XX")
        try await f.user("banzhang", roles: [(.shiftLead, project)])
        var agents: [UUID] = []
        for i in 1...3 { agents.append(try await f.user("zuoxi\(i)", roles: [(.csStaff, project)])) }
        try await f.user("xiaoshou", roles: [(.consultant, project)])
        let rosters = app.services.rosters(app.db)
        for a in agents { try await rosters.saveAgent(a, skills: ["hotline"], unavailableDays: [], in: project, context: .system("test")) }
        return Floor(project: project, other: other, lead: try await f.token("banzhang"), agentToken: try await f.token("zuoxi1"), agents: agents)
    }

    /// `perMonday` answered calls (talk 180 s) in the 09:00 half hour of the four Mondays before
    /// 2026-09-21, one more at 09:30 on the first, and calls that must not count (another project,
    /// outbound) — written in one transaction.
    static func seedMondays(_ app: Application, project: UUID, other: UUID, perMonday: Int) async throws {
        let mondays = ["2026-08-24", "2026-08-31", "2026-09-07", "2026-09-14"].map { CalendarDay($0)! }
        var drafts: [CallService.Draft] = []
        for (w, d) in mondays.enumerated() {
            let nine = d.start.addingTimeInterval(9 * 3600)
            for i in 0..<perMonday {
                let at = nine.addingTimeInterval(Double(i * 1700 / max(perMonday, 1)))
                drafts.append(.init(direction: .inbound, number: "1390000\(String(format: "%04d", i))", projectID: project,
                                    timing: try CallTiming(offeredAt: at, answeredAt: at + 5, endedAt: at + 185), source: .telephony))
            }
            if w == 0 {
                drafts.append(.init(direction: .inbound, number: "13900009999", timing: try CallTiming(offeredAt: nine + 1800, answeredAt: nine + 1801,
                                                                                                        endedAt: nine + 1981), source: .telephony))
            }
            drafts.append(.init(direction: .inbound, number: "13900008888", projectID: other,
                                timing: try CallTiming(offeredAt: nine + 60, answeredAt: nine + 61, endedAt: nine + 241), source: .telephony))
            drafts.append(.init(direction: .outbound, number: "13900007777", projectID: project,
                                timing: try CallTiming(offeredAt: nine + 90, answeredAt: nine + 95, endedAt: nine + 275), source: .desk))
        }
        let list = drafts
        try await app.services.store(app.db).write { tx in
            for d in list { try await CallService.insert(try CallService.checked(d), id: UUID(), at: Date(), by: nil, on: tx as! any SQLDatabase) }
        }
    }

    static func textbookSettings() -> StaffingService.Settings {
        var s = StaffingService.Settings()
        s.historyWeeks = 4
        s.maxOccupancyPercent = 90
        s.shrinkagePercent = 30
        return s
    }

    @Test func theHalfHourAggregateEqualsARecountOfTheRows() async throws {
        try await withTestApp { app, clock in
            let fl = try await Self.floor(app)
            try await Self.seedMondays(app, project: fl.project, other: fl.other, perMonday: 7)
            let calls = app.services.calls(app.db)
            let from = CalendarDay("2026-08-20")!, to = CalendarDay("2026-09-21")!
            let loads = try await calls.intervalLoads(from: from, to: to, projects: nil)
            // Recount from the rows, bucketed here in Beijing time.
            var expect: [String: (Int, Int, Int)] = [:]
            for o in try await calls.offered(from: from.start, to: to.start) {
                let day = CalendarDay(o.offeredAt)
                let slot = Int(o.offeredAt.timeIntervalSince(day.start) / 1800)
                var e = expect["\(day) \(slot)"] ?? (0, 0, 0)
                e.0 += 1
                if !o.abandoned { e.1 += 1; e.2 += o.handleSeconds }
                expect["\(day) \(slot)"] = e
            }
            #expect(loads.count == expect.count)
            for l in loads {
                let e = expect["\(l.day) \(l.slot)"]
                #expect(e?.0 == l.offered && e?.1 == l.handled && e?.2 == l.handleSeconds, "\(l)")
            }
            // Scoped to a project: its calls and those about no project; the other project's not.
            let scoped = try await calls.intervalLoads(from: from, to: to, projects: [fl.project])
            let scopedTotal = scoped.map(\.offered).reduce(0, +), allTotal = loads.map(\.offered).reduce(0, +)
            #expect(scopedTotal == 29)
            #expect(allTotal == 33)
            #expect(scoped.first { $0.day == CalendarDay("2026-08-24")! && $0.slot == 18 }?.offered == 7)
        }
    }

    @Test func theAPIReproducesTheTextbookRequirementFromTheHistory() async throws {
        try await withTestApp { app, clock in
            let fl = try await Self.floor(app)
            try await Self.seedMondays(app, project: fl.project, other: fl.other, perMonday: 100)
            let staffing = app.services.staffing(app.db)
            _ = try await staffing.saveSettings(Self.textbookSettings(), for: fl.project, context: .system("test"))
            try await staffing.setCalendarDay(CalendarDay("2026-10-05")!, kind: .holiday, name: "国庆节", context: .system("test"))

            // 100 calls in the 09:00 half hour of every Monday, AHT 180 s.
            let f = try await app.call(.GET, "/api/v1/staffing/forecast?projectId=\(fl.project)&from=2026-09-28&days=8",
                                       headers: .bearer(fl.agentToken))
            #expect(f.status == .ok, "\(f.body.string)")
            let forecast = try f.decode(Schemas.StaffingForecast.self)
            #expect(forecast.days.count == 8 && forecast.days.allSatisfy { $0.intervals.count == 48 })
            let monday = forecast.days[0]
            #expect(monday.profile == .monday && monday.intervals[18].start == "09:00")
            #expect(monday.intervals[18].calls == "100.00" && monday.intervals[18].ahtSeconds == "180.00")
            // The one 09:30 call of four Mondays.
            #expect(monday.intervals[19].calls == "0.25")
            // Monday 10-05 is a holiday: forecast as a Sunday, which had no calls.
            #expect(forecast.days[7].profile == .sunday && forecast.days[7].calendar == "holiday" && forecast.days[7].calls == "0.00")

            let r = try await app.call(.GET, "/api/v1/staffing/requirement?projectId=\(fl.project)&from=2026-09-28&days=1",
                                       headers: .bearer(fl.agentToken))
            #expect(r.status == .ok, "\(r.body.string)")
            let req = try r.decode(Schemas.StaffingRequirement.self)
            let nine = req.days[0].intervals[18]
            #expect(nine.erlangs == "10.00" && nine.inboundAgents == 14 && nine.required == 14 && nine.scheduled == 20)
            #expect(nine.serviceLevel == "88.84" && nine.asaSeconds == "7.84" && nine.occupancy == "71.43")
            #expect(req.days[0].intervals[3].required == 0 && req.days[0].intervals[3].asaSeconds == "0.00")
            #expect(req.serviceLevelTarget == "80.00" && req.shrinkage == "30.00")

            // Bad input, and a role without the call centre.
            let tooLong = try await app.call(.GET, "/api/v1/staffing/requirement?projectId=\(fl.project)&from=2026-09-28&days=40",
                                             headers: .bearer(fl.agentToken))
            #expect([.badRequest, .unprocessableEntity].contains(tooLong.status), "\(tooLong.status)")
            #expect(try await app.call(.GET, "/api/v1/staffing/forecast?projectId=\(fl.project)&from=2026-13-01",
                                       headers: .bearer(fl.agentToken)).status == .unprocessableEntity)
            let sales = try await Fixtures(app: app).token("xiaoshou")
            #expect(try await app.call(.GET, "/api/v1/staffing/forecast?projectId=\(fl.project)&from=2026-09-28",
                                       headers: .bearer(sales)).status == .forbidden)
        }
    }

    @Test func badSettingsChangeNothing() async throws {
        try await withTestApp { app, clock in
            let fl = try await Self.floor(app)
            let staffing = app.services.staffing(app.db)
            var s = Self.textbookSettings()
            s.shrinkagePercent = 80
            s.historyWeeks = 0
            do {
                _ = try await staffing.saveSettings(s, for: fl.project, context: .system("test"))
                Issue.record("accepted")
            } catch let p as Problem {
                #expect(Set(p.fields.map(\.field)) == ["shrinkagePercent", "historyWeeks"])
            }
            #expect(try await staffing.settings(fl.project) == StaffingService.Settings())
            #expect(try await Fixtures(app: app).auditCount(action: "staffing.settings") == 0)
        }
    }

    static func addShift(_ app: Application, _ fl: Floor, agent: Int, day: Int, _ template: String, token: String? = nil) async throws -> TestingHTTPResponse {
        try await app.call(.POST, "/api/v1/rosters/shifts", headers: .bearer(token ?? fl.lead),
                           json: ["projectId": .s(fl.project.uuidString), "week": "2026-09-28", "agentId": .s(fl.agents[agent].uuidString),
                                  "day": .i(day), "template": .s(template)] as J)
    }

    static func shiftCount(_ app: Application) async throws -> Int {
        struct N: Decodable { var n: Int }
        return try await app.db.sql.raw("SELECT COUNT(*) AS n FROM roster_shifts").first(decoding: N.self)?.n ?? -1
    }

    /// The refusal names the rule (in the reader's language) and changes nothing.
    static func expectRefused(_ app: Application, _ r: TestingHTTPResponse, _ rule: RosterRule, shifts: Int) async throws {
        #expect(r.status == .conflict, "\(rule): \(r.status) \(r.body.string)")
        let p = try r.problem()
        #expect(p.code == "roster_rule_broken")
        #expect(p.detail.contains(app.services.catalog.text(rule.catalogKey, .zh)), "\(p.detail)")
        #expect(try await shiftCount(app) == shifts)
    }

    @Test func handEditsThatBreakARuleAreRefusedWithTheRuleNamed() async throws {
        try await withTestApp { app, clock in
            let fl = try await Self.floor(app)
            var s = Self.textbookSettings()
            s.weeklyHours = 16
            s.minimumRestHours = 10
            let rosters = app.services.rosters(app.db)
            _ = try await app.services.staffing(app.db).saveSettings(s, for: fl.project, context: .system("test"))
            let leave = try await rosters.requestLeave(agent: fl.agents[1], kind: .annual, from: CalendarDay("2026-10-02")!, to: CalendarDay("2026-10-02")!,
                                                       reason: "", in: fl.project, context: .system("test"))

            var r = try await Self.addShift(app, fl, agent: 0, day: 0, "early")
            #expect(r.status == .created, "\(r.body.string)")
            try await Self.expectRefused(app, try await Self.addShift(app, fl, agent: 0, day: 0, "middle"), .overlap, shifts: 1)
            r = try await Self.addShift(app, fl, agent: 0, day: 1, "late")
            #expect(r.status == .created)
            // 晚 ends at midnight, 早 starts at 07:30: 7.5 h rest; and 16 h are used up.
            try await Self.expectRefused(app, try await Self.addShift(app, fl, agent: 0, day: 2, "early"), .minimumRest, shifts: 2)
            try await Self.expectRefused(app, try await Self.addShift(app, fl, agent: 0, day: 4, "early"), .weeklyHours, shifts: 2)
            // Leave counts once approved.
            #expect(try await Self.addShift(app, fl, agent: 1, day: 4, "early").status == .created)
            try await rosters.decideLeave(leave, approve: true, in: fl.project, context: .system("test"))
            try await Self.expectRefused(app, try await Self.addShift(app, fl, agent: 1, day: 4, "middle"), .onLeave, shifts: 3)
            // The shift made before the leave stands, flagged.
            let roster = try await app.call(.GET, "/api/v1/rosters?projectId=\(fl.project)&week=2026-09-28", headers: .bearer(fl.agentToken))
                .decode(Schemas.Roster.self)
            #expect(roster.shifts.count == 3)
            #expect(roster.shifts.first { $0.agentId == fl.agents[1].uuidString }?.warnings == [.onLeave])
            #expect(roster.coverage.count == 336)
            #expect(try await Fixtures(app: app).auditCount(action: "roster.shift_add") == 3)
            // Agents read the roster, only the shift lead edits it; a week starts on a Monday.
            #expect(try await Self.addShift(app, fl, agent: 2, day: 3, "early", token: fl.agentToken).status == .forbidden)
            #expect(TicketTests.code(try await app.call(.GET, "/api/v1/rosters?projectId=\(fl.project)&week=2026-09-29",
                                                        headers: .bearer(fl.lead))) == "roster_week_invalid")
            // A deciding twice is refused.
            await #expect(throws: Problem.self) { try await rosters.decideLeave(leave, approve: false, in: fl.project, context: .system("test")) }
        }
    }

    @Test func concurrentEditsCannotPassTheWeeklyLimitTogether() async throws {
        try await withTestApp { app, clock in
            let fl = try await Self.floor(app)
            var s = Self.textbookSettings()
            s.weeklyHours = 16
            s.minimumRestHours = 0
            _ = try await app.services.staffing(app.db).saveSettings(s, for: fl.project, context: .system("test"))
            // Five 8-hour shifts on five days at once for one agent: exactly two fit in 16 h.
            let statuses = try await withThrowingTaskGroup(of: HTTPResponseStatus.self) { group in
                for day in 0..<5 { group.addTask { try await Self.addShift(app, fl, agent: 0, day: day, "middle").status } }
                var out: [HTTPResponseStatus] = []
                for try await s in group { out.append(s) }
                return out
            }
            #expect(statuses.filter { $0 == .created }.count == 2, "\(statuses)")
            #expect(statuses.filter { $0 == .conflict }.count == 3)
            #expect(try await Self.shiftCount(app) == 2)
        }
    }

    @Test func theBuilderCoversTheRequirementKeepsHandShiftsAndSwapsKeepTheRules() async throws {
        try await withTestApp { app, clock in
            let fl = try await Self.floor(app)
            try await Self.seedMondays(app, project: fl.project, other: fl.other, perMonday: 5)
            _ = try await app.services.staffing(app.db).saveSettings(Self.textbookSettings(), for: fl.project, context: .system("test"))
            #expect(try await Self.addShift(app, fl, agent: 2, day: 3, "night").status == .created)
            let r = try await app.call(.POST, "/api/v1/rosters", headers: .bearer(fl.lead),
                                       json: ["projectId": .s(fl.project.uuidString), "week": "2026-09-28"] as J)
            #expect(r.status == .ok, "\(r.body.string)")
            let roster = try r.decode(Schemas.Roster.self)
            #expect(roster.shortIntervals == 0)
            #expect(roster.coverage.allSatisfy { $0.scheduled >= $0.required })
            #expect(roster.coverage[18].required > 0)
            #expect(roster.shifts.contains { $0.source == .hand && $0.template == "night" && $0.day == 3 })
            #expect(roster.shifts.allSatisfy { $0.warnings.isEmpty })
            // The built shifts (the hand-made night shift aside) take no more hours than the naive roster.
            #expect(Double(roster.paidHours)! - 8 <= Double(roster.naivePaidHours)!, "\(roster.paidHours) vs \(roster.naivePaidHours)")

            // A swap: the agent asks, the shift lead approves, the shift moves; one that breaks a rule is refused by name.
            let rosters = app.services.rosters(app.db)
            #expect(try await Self.addShift(app, fl, agent: 0, day: 1, "middle").status == .created)
            let week = try await rosters.week(fl.project, monday: CalendarDay("2026-09-28")!)
            let tuesday = try #require(week.shifts.first { $0.day == 1 && $0.source == "hand" })
            let taker = fl.agents[1]
            await #expect(throws: Problem.self) {
                _ = try await rosters.requestSwap(shift: tuesday.id, to: taker, note: "", by: taker, in: fl.project, context: .system("test"))
            }
            let swap = try await rosters.requestSwap(shift: tuesday.id, to: taker, note: "家长会", by: fl.agents[0], in: fl.project, context: .system("test"))
            try await rosters.decideSwap(swap, approve: true, in: fl.project, context: .system("test"))
            let after = try await rosters.week(fl.project, monday: CalendarDay("2026-09-28")!)
            #expect(after.shifts.first { $0.id == tuesday.id }?.agentId == taker)
            // Handing 3's hand-made night shift to the taker, on approved leave that day, is refused.
            let night = try #require(after.shifts.first { $0.template == "night" })
            let leave = try await rosters.requestLeave(agent: taker, kind: .personal, from: CalendarDay("2026-10-01")!, to: CalendarDay("2026-10-01")!,
                                                       reason: "", in: fl.project, context: .system("test"))
            try await rosters.decideLeave(leave, approve: true, in: fl.project, context: .system("test"))
            let bad = try await rosters.requestSwap(shift: night.id, to: taker, note: "", by: fl.agents[2], in: fl.project, context: .system("test"))
            do {
                try await rosters.decideSwap(bad, approve: true, in: fl.project, context: .system("test"))
                Issue.record("a swap onto leave was approved")
            } catch let p as Problem {
                #expect(p.code == "roster_rule_broken" && p.arguments["rule"] == "on_leave")
            }
            #expect(try await rosters.week(fl.project, monday: CalendarDay("2026-09-28")!).shifts.first { $0.id == night.id }?.agentId == fl.agents[2])
            #expect(try await rosters.swaps(fl.project).first { $0.id == bad }?.status == "pending")
        }
    }

    @Test func theSupervisorEditsShiftTemplatesAndBadOnesChangeNothing() async throws {
        try await withTestApp { app, clock in
            // setup
            let fl = try await Self.floor(app)
            _ = try await Fixtures(app: app).user("zhuguan", roles: [(.ccSupervisor, fl.project)])
            var boss = Browser(app: app)
            #expect(try await boss.signIn("zhuguan").status == .seeOther)
            let page = try await boss.get("/projects/\(fl.project)/rosters?week=2026-09-28")
            #expect(page.status == .ok && page.body.string.contains("name=\"breaks_4\""), "the editor shows the four standard shifts and a blank row")
            let csrf = try #require(Browser.csrf(in: page.body.string))
            func templateRows() async throws -> Int {
                struct N: Decodable { var n: Int }
                return try await app.db.sql.raw("SELECT COUNT(*) AS n FROM shift_templates").first(decoding: N.self)?.n ?? -1
            }
            var form = ["_csrf": csrf, "week": "2026-09-28", "rows": "3",
                        "code_0": "early", "name_0": "早班", "start_0": "08:00", "end_0": "16:30", "breaks_0": "06:00-06:30",
                        "code_1": "zero", "name_1": "空班", "start_1": "09:00", "end_1": "09:00", "breaks_1": "",
                        "code_2": "night", "name_2": "通宵", "start_2": "23:30", "end_2": "08:00", "breaks_2": "03:00-03:30, 03:15-03:45"]

            // MUT 1: a break before the shift, a zero-length shift, overlapping breaks: each named, nothing written.
            let refused = try await boss.post("/projects/\(fl.project)/rosters/templates", form: form)
            #expect(refused.status == .unprocessableEntity)
            let body = refused.body.string
            #expect(body.contains("第 1 行（early）：休息须有时长且完全在班次之内") && body.contains("第 2 行（zero）：班次时长须为 1–16 小时")
                    && body.contains("第 3 行（night）：两段休息时间重叠"), "\(body.prefix(400))")
            #expect(body.contains("value=\"06:00-06:30\""), "what was typed is kept")
            #expect(try await templateRows() == 0)

            // MUT 2: fixed — the zero-length row cleared (removed), the night shift past midnight.
            form["breaks_0"] = "12:00-12:30"; form["code_1"] = ""; form["breaks_2"] = "03:00-03:30"
            let saved = try await boss.post("/projects/\(fl.project)/rosters/templates", form: form)
            #expect(saved.status == .seeOther, "\(saved.body.string.prefix(300))")

            // validate
            let templates = try await app.services.rosters(app.db).templates(fl.project)
            #expect(templates.map(\.shift) == [ShiftTemplate(code: "early", startMinute: 480, minutes: 510, breaks: [.init(offset: 240, minutes: 30)]),
                                                ShiftTemplate(code: "night", startMinute: 1410, minutes: 510, breaks: [.init(offset: 210, minutes: 30)])])
            #expect(templates.map(\.name) == ["早班", "通宵"])
            // An agent may not edit them.
            var agent = Browser(app: app)
            #expect(try await agent.signIn("zuoxi1").status == .seeOther)
            let agentPage = try await agent.get("/projects/\(fl.project)/rosters?week=2026-09-28")
            #expect(agentPage.status == .ok && !agentPage.body.string.contains("name=\"code_0\""))
            let agentCsrf = try #require(Browser.csrf(in: agentPage.body.string))
            var theirs = form; theirs["_csrf"] = agentCsrf; theirs["start_0"] = "06:00"
            #expect(try await agent.post("/projects/\(fl.project)/rosters/templates", form: theirs).status == .forbidden)
            #expect(try await app.services.rosters(app.db).templates(fl.project).first?.shift.startMinute == 480)
        }
    }

    @Test func theBuilderCoversEachQueueOnlyWithAgentsOfThatSkill() async throws {
        try await withTestApp { app, clock in
            // setup: the hotline history of the textbook Mondays, and one repairs call at 14:00 on each of those
            // Mondays; only agent 3 takes repairs. No shrinkage, so one repairs agent is the requirement.
            let fl = try await Self.floor(app)
            try await Self.seedMondays(app, project: fl.project, other: fl.other, perMonday: 5)
            var drafts: [CallService.Draft] = []
            for d in ["2026-08-24", "2026-08-31", "2026-09-07", "2026-09-14"] {
                let at = CalendarDay(d)!.start.addingTimeInterval(14 * 3600 + 300)
                drafts.append(.init(direction: .inbound, number: "13900005555", projectID: fl.project, queue: "repairs",
                                    timing: try CallTiming(offeredAt: at, answeredAt: at + 5, endedAt: at + 185), source: .telephony))
            }
            let list = drafts
            try await app.services.store(app.db).write { tx in
                for d in list { try await CallService.insert(try CallService.checked(d), id: UUID(), at: Date(), by: nil, on: tx as! any SQLDatabase) }
            }
            var settings = Self.textbookSettings()
            settings.shrinkagePercent = 0
            _ = try await app.services.staffing(app.db).saveSettings(settings, for: fl.project, context: .system("test"))
            let rosters = app.services.rosters(app.db)
            let repairsAgent = fl.agents[2]
            try await rosters.saveAgent(repairsAgent, skills: ["hotline", "repairs"], unavailableDays: [], in: fl.project, context: .system("test"))

            // MUT
            let week = try await rosters.build(fl.project, monday: CalendarDay("2026-09-28")!, context: .system("test"))

            // validate: the repairs queue needs one agent at Monday 14:00 (slot 28) and only then; the built roster has
            // agent 3 on at that time, the floor and both queues are covered, with fewer hours than the naive roster.
            let repairs = try #require(week.requiredBySkill["repairs"])
            #expect(repairs[28] == 1 && repairs.reduce(0, +) == 1, "\(repairs.enumerated().filter { $0.element > 0 }.map(\.offset))")
            #expect(week.skillShortIntervals == ["hotline": 0, "repairs": 0] && week.shortIntervals == 0)
            let templates = week.byCode
            #expect(week.shifts.contains { $0.agentId == repairsAgent && RosterRules.slots($0.rosterShift(), templates).contains(28) })
            #expect(week.paidMinutes < week.naivePaidMinutes && week.saving > 0)
            // Without an agent with the skill, the queue stays short and the page says so by name.
            try await rosters.saveAgent(repairsAgent, skills: ["hotline"], unavailableDays: [], in: fl.project, context: .system("test"))
            let without = try await rosters.build(fl.project, monday: CalendarDay("2026-09-28")!, context: .system("test"))
            #expect(without.skillShortIntervals["repairs"] == 1 && without.shortIntervals == 0)
            var lead = Browser(app: app)
            #expect(try await lead.signIn("banzhang").status == .seeOther)
            let page = try await lead.get("/projects/\(fl.project)/rosters?week=2026-09-28")
            #expect(page.body.string.contains("技能组 repairs：仍有 1 个坐席·半小时未由具备该技能的坐席覆盖"), "\(page.status)")
        }
    }

    @Test func plannedFollowUpsAddTheirAgentTimeToTheirDayShownApart() async throws {
        try await withTestApp { app, clock in
            // setup: three customer records; agent 1 plans follow-ups for Tuesday 29th on two of them, a consultant plans
            // one (sales' work, not the call centre's); agent 2 then moves one of agent 1's to Wednesday (it supersedes).
            let fl = try await Self.floor(app)
            let consultant = try await Fixtures(app: app).user("guwen", roles: [(.consultant, fl.project)])
            var settings = Self.textbookSettings()
            settings.outboundItemSeconds = 240
            settings.followUpItemSeconds = 1080
            _ = try await app.services.staffing(app.db).saveSettings(settings, for: fl.project, context: .system("test"))
            let customers = app.services.customers(app.db)
            var records: [UUID] = []
            for i in 0..<3 {
                records.append(try await customers.create(.init(name: "客户\(i)", mobile: "1380000000\(i)"), in: fl.project, owner: nil,
                                                          context: .system("test")).id)
            }
            func plan(_ record: Int, _ day: String, by: UUID) async throws {
                _ = try await customers.logContact(records[record], in: fl.project, .init(kind: .call, direction: .outbound, nextStep: "回访确认",
                                                                                          nextFollowUpOn: day), by: by, context: .system("test"))
            }
            try await plan(0, "2026-09-29", by: fl.agents[0])
            try await plan(1, "2026-09-29", by: fl.agents[0])
            try await plan(2, "2026-09-29", by: consultant)
            try await plan(1, "2026-09-30", by: fl.agents[1])

            // MUT
            let days = try await app.services.staffing(app.db).forecast(fl.project, from: CalendarDay("2026-09-28")!, days: 7)

            // validate: Tuesday one follow-up (1,080 s), Wednesday one, the rest none; spread over 09:00–18:00.
            #expect(days.map(\.planned.followUps) == [0, 1, 1, 0, 0, 0, 0])
            #expect(days[1].planned.followUpSeconds == 1080 && days[1].planned.callbacks == 0 && days[1].planned.seconds == 1080)
            #expect(days[1].slots.reduce(0) { $0 + $1.outboundSeconds } == 1080 && days[1].slots[18].outboundSeconds == 60
                    && days[1].slots[17].outboundSeconds == 0)
            #expect(days[0].slots.allSatisfy { $0.outboundSeconds == 0 })
            // The requirement puts an outbound agent in Tuesday's calling hours; the page shows the work apart.
            let r = try await app.call(.GET, "/api/v1/staffing/requirement?projectId=\(fl.project)&from=2026-09-28&days=7", headers: .bearer(fl.lead))
            let req = try r.decode(Schemas.StaffingRequirement.self)
            #expect(req.days[1].intervals[18].outboundAgents == 1 && req.days[0].intervals[18].outboundAgents == 0)
            var lead = Browser(app: app)
            #expect(try await lead.signIn("banzhang").status == .seeOther)
            let page = try await lead.get("/projects/\(fl.project)/staffing?from=2026-09-28&day=1")
            #expect(page.body.string.contains("回访 0 件 × 240 秒 + 跟进 1 件 × 1080 秒 = 0.3 坐席小时"), "\(page.status)")
        }
    }

    @Test func the2027CalendarIsLoadedAndEditedOnThePageAndTheForecastReadsIt() async throws {
        try await withTestApp { app, clock in
            // setup
            let fl = try await Self.floor(app)
            try await Self.seedMondays(app, project: fl.project, other: fl.other, perMonday: 5)
            _ = try await app.services.staffing(app.db).saveSettings(Self.textbookSettings(), for: fl.project, context: .system("test"))
            _ = try await Fixtures(app: app).user("zhuguan", roles: [(.ccSupervisor, fl.project)])
            var boss = Browser(app: app)
            #expect(try await boss.signIn("zhuguan").status == .seeOther)
            let base = "/projects/\(fl.project)/staffing/calendar"
            let page = try await boss.get("\(base)?year=2027")
            #expect(page.body.string.contains("载入 2027 年固定日期节假日") && page.body.string.contains("尚未收录"))
            let csrf = try #require(Browser.csrf(in: page.body.string))
            let staffing = app.services.staffing(app.db)

            // MUT 1: load 2027 (twice: the second adds nothing), then the supervisor adds a 调休 Sunday and a bridge Monday.
            #expect(try await boss.post("\(base)/load", form: ["_csrf": csrf, "year": "2027"]).status == .seeOther)
            #expect(try await staffing.loadHolidays(year: 2027, context: .system("test")) == 0)
            for (day, kind, name) in [("2027-09-26", "workday", "国庆节调休"), ("2027-10-04", "holiday", "国庆节")] {
                #expect(try await boss.post(base, form: ["_csrf": csrf, "day": day, "kind": kind, "name": name, "year": "2027"]).status == .seeOther)
            }
            let edit = try await boss.get("\(base)?year=2027&edit=2027-10-04")
            #expect(edit.body.string.contains("value=\"2027-10-04\""), "修改 starts the form from the day")

            // validate: the fixed-date holidays and the two days added.
            let cal = try await staffing.calendar(from: CalendarDay("2027-01-01")!, to: CalendarDay("2027-12-31")!)
            #expect(cal.map(\.day) == ["2027-01-01", "2027-05-01", "2027-05-02", "2027-09-26", "2027-10-01", "2027-10-02", "2027-10-03", "2027-10-04"])
            #expect(cal.filter { $0.kind == "workday" }.map(\.day) == ["2027-09-26"])

            // MUT 2: the week around 国庆 2027 from the Mondays' history (5 calls at 09:00, one more at 09:30 once).
            let days = try await staffing.forecast(fl.project, from: CalendarDay("2027-09-26")!, days: 9)

            // validate: the 调休 Sunday is a working day (the Monday–Friday mean: 5 ÷ 5), the ordinary Monday its Mondays,
            // the holidays (Friday 1st, the bridge Monday 4th) Sundays: no calls.
            #expect(days[0].profile == .workdayMean && days[0].slots[18].calls == 1)
            #expect(days[1].profile == .weekday(1) && days[1].slots[18].calls == 5 && days[1].slots[19].calls == 0.25)
            #expect(days[5].day == CalendarDay("2027-10-01")! && days[5].profile == .weekday(7) && days[5].calls == 0)
            #expect(days[8].day == CalendarDay("2027-10-04")! && days[8].profile == .weekday(7) && days[8].calls == 0)

            // A holiday in the history is left out of its weekday: with 2026-09-14 off, three Mondays remain.
            try await staffing.setCalendarDay(CalendarDay("2026-09-14")!, kind: .holiday, name: "测试", context: .system("test"))
            let again = try await staffing.forecast(fl.project, from: CalendarDay("2027-09-27")!, days: 1)
            #expect(abs(again[0].slots[19].calls - 1.0 / 3) < 1e-9 && again[0].slots[18].calls == 5)
        }
    }

    /// The demo's floor (issue 16's demo): this week's built roster covers the repairs queue far better
    /// (eight of the twelve agents take it, not four), and the eight weeks of call history have their
    /// rosters, so last month's occupancy in the KPI report is not blank.
    @Test func theDemoRosterCoversRepairsAndThePastWeeksAreRostered() async throws {
        try await withTestApp(.demo) { app, clock in
            // setup
            let hxy = try #require(try await app.services.projects(app.db).id(code: "HXY"))
            let thisWeek = StaffingService.monday(of: CalendarDay(clock.now))
            let rosters = app.services.rosters(app.db)
            // MUT
            let week = try await rosters.week(hxy, monday: thisWeek)
            var pastShifts: [Int] = []
            for back in 1...8 { pastShifts.append(try await rosters.week(hxy, monday: thisWeek.adding(days: -7 * back)).shifts.count) }
            let month = CalendarDay(clock.now).adding(days: -35)
            let report = try await app.services.callCentreKPIs(app.db).report(projectID: hxy, from: month, to: month.adding(days: 27))
            // validate
            print("demo roster: short \(week.shortIntervals), by skill \(week.skillShortIntervals), past shifts \(pastShifts), occupancy \(report.occupancy ?? -1)")
            #expect(week.agents.filter { $0.skills.contains("repairs") }.count == 8)
            // With four repair agents the repairs queue was 228 agent-half-hours short; with eight, what is
            // left (27–41 in the runs when written) is the floor's size: twelve agents near the weekly limit
            // leave the total requirement short too (30–35), so every queue cannot be covered in full.
            #expect((week.skillShortIntervals["repairs"] ?? 0) < 60, "\(week.skillShortIntervals)")
            #expect(week.agents.allSatisfy { a in week.shifts.filter { $0.agentId == a.id }.count >= 4 }, "the short intervals are not for want of rostering")
            #expect(pastShifts.allSatisfy { $0 > 0 }, "\(pastShifts)")
            #expect(report.staffedSeconds > 0 && (report.occupancy ?? 0) > 0)
        }
    }
}
