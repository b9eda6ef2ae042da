import EstateCore
@testable import EstateServer
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// 话务报表 against its rows, on both engines: a random month of calls (and the days around it, other
/// projects, calls about no project, calls at the edges of Beijing days) summed by the report's SQL,
/// then every counter per agent, per team, per day, per month and in total compared with `CallKPI.counters`
/// over the rows, and occupancy's staffed time with the plain sum of the roster's shifts.
@Suite("Call centre: KPIs")
struct CallCentreKPITests {
    static let categories = ["repair", "complaint", "enquiry", nil]
    static let numbers = (0..<25).map { String(format: "1390000%04d", $0) }

    /// Inserts a month of random calls around `month` (plus 10 days either side) for the agents.
    static func generate(_ app: Application, seed: UInt64, project: UUID, other: UUID, agents: [UUID], month: CalendarDay) async throws -> Int {
        var rng = SplitMix(state: seed)
        var drafts: [CallService.Draft] = []
        let start = month.adding(days: -10).start, span = 50 * 86_400.0
        for _ in 0..<600 {
            var offered = start + Double.random(in: 0..<span, using: &rng).rounded()
            // Some calls on the stroke of a Beijing midnight, either side.
            if Int.random(in: 0..<20, using: &rng) == 0 { offered = CalendarDay(offered).start + (Bool.random(using: &rng) ? 0 : -1) }
            let outbound = Int.random(in: 0..<6, using: &rng) == 0
            let answered = outbound || Int.random(in: 0..<5, using: &rng) > 0
            // A quarter of the abandons within 5 s (excluded from abandonment and service level).
            let wait = !answered && Int.random(in: 0..<4, using: &rng) == 0 ? Int.random(in: 0...4, using: &rng) : Int.random(in: 0...60, using: &rng)
            let inProgress = !answered && Int.random(in: 0..<15, using: &rng) == 0
            let answeredAt: Date? = answered ? offered + Double(wait) : nil
            let endedAt: Date? = inProgress ? nil : (answeredAt.map { $0 + Double(Int.random(in: 20...600, using: &rng)) } ?? offered + Double(wait))
            let hold = answered && Bool.random(using: &rng) ? Int.random(in: 0...20, using: &rng) : 0
            let timing = try CallTiming(offeredAt: offered, answeredAt: answeredAt, endedAt: endedAt, holdSeconds: hold,
                                        wrapSeconds: answered ? Int.random(in: 0...90, using: &rng) : 0)
            let projectPick = Int.random(in: 0..<10, using: &rng)
            drafts.append(CallService.Draft(
                direction: outbound ? .outbound : .inbound, number: numbers.randomElement(using: &rng)!,
                projectID: projectPick < 6 ? project : projectPick < 8 ? nil : other,
                queue: Bool.random(using: &rng) ? "hotline" : "repairs",
                agentID: answered ? agents.randomElement(using: &rng)! : nil, timing: timing,
                category: answered ? categories.randomElement(using: &rng)! : nil,
                outcome: answered ? [CallOutcome.resolved, .callback, .ticketOpened, nil].randomElement(using: &rng)! : nil,
                satisfaction: answered && Bool.random(using: &rng) ? Int.random(in: 1...5, using: &rng) : nil, source: .import))
        }
        let store = app.services.store(app.db), all = drafts
        try await store.write { tx in
            for d in all { try await CallService.insert(d, id: UUID(), at: Date(), by: nil, on: tx as! any SQLDatabase) }
        }
        return drafts.count
    }

    struct ShiftRow { var project: UUID; var agent: UUID; var day: CalendarDay; var template: String }

    /// Random shifts on the roster from the week before `month` to the week after it (both
    /// projects), written as the roster stores them; returns each with its calendar day.
    static func rosterShifts(_ app: Application, seed: UInt64, project: UUID, other: UUID, agents: [UUID], month: CalendarDay) async throws -> [ShiftRow] {
        var rng = SplitMix(state: seed &+ 1)
        var out: [ShiftRow] = []
        var monday = StaffingService.monday(of: month.adding(days: -10))
        let codes = ShiftTemplate.standard.map(\.code)
        while monday <= month.adding(days: 40) {
            for a in agents.dropLast() {
                for d in 0..<7 where Int.random(in: 0..<3, using: &rng) > 0 {
                    out.append(ShiftRow(project: Int.random(in: 0..<8, using: &rng) == 0 ? other : project, agent: a, day: monday.adding(days: d),
                                        template: codes.randomElement(using: &rng)!))
                }
            }
            monday = monday.adding(days: 7)
        }
        let rows = out
        try await app.services.store(app.db).write { tx in
            let sql = tx as! any SQLDatabase
            for r in rows {
                let week = StaffingService.monday(of: r.day)
                try await sql.insert(into: "roster_shifts").columns("id", "project_id", "week", "agent_id", "day", "template", "source", "created_at")
                    .values(SQLBind(UUID()), SQLBind(r.project), SQLBind(week.description), SQLBind(r.agent), SQLBind(week.days(until: r.day)),
                            SQLBind(r.template), SQLBind("hand"), SQLBind(Date())).run()
            }
        }
        return out
    }

    struct Row: Decodable {
        var agent_id: UUID?; var project_id: UUID?; var direction: String; var number: String; var offered_at: Date
        var answered_at: Date?; var abandoned: Bool; var wait_seconds: Int; var talk_seconds: Int; var hold_seconds: Int
        var wrap_seconds: Int; var category: String?; var outcome: String?; var satisfaction: Int?

        var call: CallKPI.Call {
            CallKPI.Call(direction: CallDirection(rawValue: direction)!, number: number, offeredAt: offered_at, answered: answered_at != nil,
                         abandoned: abandoned, waitSeconds: wait_seconds, handleSeconds: talk_seconds + hold_seconds + wrap_seconds,
                         category: category, outcome: outcome.flatMap(CallOutcome.init(rawValue:)), satisfaction: satisfaction)
        }
    }

    @Test func everyFigureEqualsAPlainRecomputationFromTheCallRows() async throws {
        try await withTestApp { app, clock in
            let f = Fixtures(app: app)
            let hxy = try await f.project("HXY"), other = try await f.project("XYZ")
            var agents: [UUID] = []
            for n in 1...4 { agents.append(try await f.user("kpi-agent-\(n)", roles: [(.csStaff, hxy)])) }
            var seedRng = SystemRandomNumberGenerator()
            let seed = UInt64.random(in: 1...UInt64.max, using: &seedRng)
            let month = CalendarDay(year: 2026, month: Int(seed % 12) + 1, day: 1)!
            let to = ReportPeriod.monthStart(month, plus: 1).adding(days: -1)
            _ = try await Self.generate(app, seed: seed, project: hxy, other: other, agents: agents, month: month)
            // Teams: two shift leads, agents 1–2 in the first's team, 3 in the second's, 4 in none.
            let leadA = try await f.user("kpi-lead-a", roles: [(.shiftLead, hxy)]), leadB = try await f.user("kpi-lead-b", roles: [(.shiftLead, hxy)])
            let teamOf: [UUID: UUID?] = [agents[0]: leadA, agents[1]: leadA, agents[2]: leadB, agents[3]: nil]
            for a in agents {
                try await app.services.rosters(app.db).saveAgent(a, skills: ["hotline"], unavailableDays: [], teamLead: teamOf[a]!, in: hxy,
                                                                 context: .system("test"))
            }
            let shiftRows = try await Self.rosterShifts(app, seed: seed, project: hxy, other: other, agents: agents, month: month)

            // MUT
            let report = try await app.services.callCentreKPIs(app.db).report(projectID: hxy, from: month, to: to)

            // validate: the plain recomputation, one call at a time.
            let rows = try await app.db.sql.raw("""
                SELECT agent_id, project_id, direction, number, offered_at, answered_at, abandoned, wait_seconds, talk_seconds,
                       hold_seconds, wrap_seconds, category, outcome, satisfaction FROM calls
                """).all(decoding: Row.self)
            let history = rows.map(\.call)
            let inPeriod = rows.filter { r in
                (r.project_id == hxy || r.project_id == nil) && r.offered_at >= month.start && r.offered_at < to.adding(days: 1).start
            }
            #expect(inPeriod.count > 200, "seed \(seed)")
            let total = CallKPI.counters(inPeriod.map(\.call), history: history)
            #expect(report.total == total, "seed \(seed)")
            #expect(total.abandoned > 0 && total.shortAbandoned > 0 && total.fcrEligible > total.fcrResolved && total.callbacksOnTime > 0,
                    "seed \(seed): the month does not exercise every counter: \(total)")
            let byAgent = Dictionary(grouping: inPeriod, by: \.agent_id).mapValues { CallKPI.counters($0.map(\.call), history: history) }
            #expect(Dictionary(uniqueKeysWithValues: report.agents.map { ($0.agentID, $0.counters) }) == byAgent, "seed \(seed)")
            let byDay = Dictionary(grouping: inPeriod) { CalendarDay($0.offered_at) }.mapValues { CallKPI.counters($0.map(\.call), history: history) }
            // A rostered day without a call is a row too (its staffed time, no calls): zero counters, which a grouping of
            // the calls cannot produce.
            let zero = CallKPI.counters([], history: history)
            let callless = report.days.filter { byDay[$0.day] == nil }
            #expect(callless.allSatisfy { $0.counters == zero && $0.staffedSeconds > 0 }, "seed \(seed): \(callless)")
            #expect(Dictionary(uniqueKeysWithValues: report.days.filter { byDay[$0.day] != nil }.map { ($0.day, $0.counters) }) == byDay, "seed \(seed)")
            #expect(report.days.allSatisfy { $0.day >= month && $0.day <= to })

            // validate: occupancy's staffed time is the plain sum of the roster's shifts that start in the period
            // (standard templates: 8.5 h less a 30-minute break), per agent, team, day and in total.
            let paid = Dictionary(uniqueKeysWithValues: ShiftTemplate.standard.map { ($0.code, $0.paidMinutes * 60) })
            let staffedRows = shiftRows.filter { $0.project == hxy && $0.day >= month && $0.day <= to }
            let staffedByAgent = Dictionary(grouping: staffedRows, by: \.agent).mapValues { $0.reduce(0) { $0 + paid[$1.template]! } }
            let staffedByDay = Dictionary(grouping: staffedRows, by: \.day).mapValues { $0.reduce(0) { $0 + paid[$1.template]! } }
            #expect(report.staffedSeconds == staffedRows.reduce(0) { $0 + paid[$1.template]! } && report.staffedSeconds > 0, "seed \(seed)")
            #expect(report.occupancy == CallKPI.occupancy(total, staffedSeconds: report.staffedSeconds))
            for a in report.agents {
                #expect(a.staffedSeconds == (a.agentID.flatMap { staffedByAgent[$0] } ?? 0), "seed \(seed) agent \(String(describing: a.name))")
                #expect(a.occupancy == CallKPI.occupancy(a.counters, staffedSeconds: a.staffedSeconds))
            }
            for d in report.days { #expect(d.staffedSeconds == (staffedByDay[d.day] ?? 0), "seed \(seed) day \(d.day)") }
            #expect(report.agents.contains { $0.occupancy != nil })

            // validate: teams are the calls of the agents under each lead, recomputed from the rows.
            let answeredRows = inPeriod.filter { $0.agent_id != nil }
            let byTeam = Dictionary(grouping: answeredRows) { teamOf[$0.agent_id!]! }.mapValues { CallKPI.counters($0.map(\.call), history: history) }
            #expect(Dictionary(uniqueKeysWithValues: report.teams.map { ($0.leadID, $0.counters) }) == byTeam, "seed \(seed)")
            #expect(Set(report.teams.map(\.leadID)) == [leadA, leadB, nil])
            for tm in report.teams {
                let members = agents.filter { teamOf[$0]! == tm.leadID }
                #expect(tm.agents == members.count && tm.staffedSeconds == members.reduce(0) { $0 + (staffedByAgent[$1] ?? 0) })
            }
            #expect(report.teams.first { $0.leadID == leadA }?.leadName == "KPI-LEAD-A")

            // validate: months over a period across three calendar months (10 days either side).
            let wideFrom = month.adding(days: -10), wideTo = to.adding(days: 9)
            let wide = try await app.services.callCentreKPIs(app.db).report(projectID: hxy, from: wideFrom, to: wideTo)
            let wideRows = rows.filter { r in
                (r.project_id == hxy || r.project_id == nil) && r.offered_at >= wideFrom.start && r.offered_at < wideTo.adding(days: 1).start
            }
            let monthOf = { (d: CalendarDay) in CalendarDay(year: d.year, month: d.month, day: 1)! }
            let byMonth = Dictionary(grouping: wideRows) { monthOf(CalendarDay($0.offered_at)) }.mapValues { CallKPI.counters($0.map(\.call), history: history) }
            #expect(wide.months.count == 3 && Dictionary(uniqueKeysWithValues: wide.months.map { ($0.month, $0.counters) }) == byMonth, "seed \(seed)")
            let wideStaffed = shiftRows.filter { $0.project == hxy && $0.day >= wideFrom && $0.day <= wideTo }
            let staffedByMonth = Dictionary(grouping: wideStaffed) { monthOf($0.day) }.mapValues { $0.reduce(0) { $0 + paid[$1.template]! } }
            #expect(wide.months.allSatisfy { $0.staffedSeconds == (staffedByMonth[$0.month] ?? 0) }, "seed \(seed)")
            #expect(wide.months.first { $0.month == month }?.counters == total)
            #expect(report.agents.filter { $0.agentID != nil }.allSatisfy { $0.name?.hasPrefix("KPI-AGENT-") == true })

            // The API answers the same figures to the supervisor; an agent may not read the report.
            _ = try await f.user("zhuguan", roles: [(.ccSupervisor, hxy)])
            let supervisor = try await f.token("zhuguan"), agent = try await f.token("kpi-agent-1")
            let path = "/api/v1/reports/call-centre?projectId=\(hxy)&from=\(month)&to=\(to)"
            let r = try await app.call(.GET, path, headers: .bearer(supervisor))
            #expect(r.status == .ok, "\(r.body.string)")
            struct Body: Decodable { struct F: Decodable { var offered: Int; var answered: Int; var serviceLevel: Double? }; var total: F }
            let body = try JSONDecoder().decode(Body.self, from: Data(r.body.readableBytesView))
            #expect(body.total.offered == total.offered && body.total.answered == total.answered && body.total.serviceLevel == CallKPI.serviceLevel(total))
            #expect(try await app.call(.GET, path, headers: .bearer(agent)).status == .forbidden)
            let x = try await app.call(.GET, "/api/v1/reports/call-centre/export?projectId=\(hxy)&from=\(month)&to=\(to)", headers: .bearer(supervisor))
            #expect(x.status == .ok && x.body.readableBytes > 1000)
        }
    }

    @Test func theCallListFiltersAndMasksNumbersByRole() async throws {
        try await withTestApp { app, clock in
            let f = Fixtures(app: app)
            let hxy = try await f.project("HXY"), other = try await f.project("XYZ")
            let a1 = try await f.user("agent.one", roles: [(.csStaff, hxy)])
            _ = try await f.user("zhuguan", roles: [(.ccSupervisor, hxy)])
            let calls = app.services.calls(app.db)
            let t0 = clock.now
            for (i, (number, project, agent)) in [("13900001111", Optional(hxy), Optional(a1)), ("13900002222", nil, nil),
                                                    ("13900003333", Optional(other), Optional(a1))].enumerated() {
                _ = try await calls.log(.init(direction: .inbound, number: number, projectID: project, queue: i == 0 ? "repairs" : "hotline",
                                              agentID: agent, timing: try CallTiming(offeredAt: t0 - Double(600 * (i + 1)), answeredAt: agent == nil ? nil : t0 - Double(600 * (i + 1) - 10),
                                                                                     endedAt: t0 - Double(600 * i + 100)), source: .desk),
                                        context: .system("test"))
            }
            struct Page: Decodable { struct Item: Decodable { var number: String; var queue: String; var agentName: String? }; var items: [Item]; var total: Int }
            func list(_ token: String, _ query: String = "") async throws -> Page {
                let r = try await app.call(.GET, "/api/v1/calls?projectId=\(hxy)\(query)", headers: .bearer(token))
                #expect(r.status == .ok, "\(r.body.string)")
                return try JSONDecoder().decode(Page.self, from: Data(r.body.readableBytesView))
            }
            let agentToken = try await f.token("agent.one"), supervisorToken = try await f.token("zhuguan")
            // The project's call and the hotline's call without a project; never the other project's. An agent
            // (cs_staff) may reveal personal data and reads whole numbers; the supervisor's are masked.
            let all = try await list(agentToken)
            #expect(all.total == 2 && Set(all.items.map(\.number)) == ["13900001111", "13900002222"])
            #expect(try await list(supervisorToken).items.map(\.number).sorted() == ["139****1111", "139****2222"])
            #expect(try await list(agentToken, "&queue=repairs").items.map(\.agentName) == ["AGENT.ONE"])
            #expect(try await list(agentToken, "&number=2222").items.map(\.number) == ["13900002222"])
            #expect(try await list(agentToken, "&number=139-0000-1111").total == 1)
            #expect(try await list(agentToken, "&agentId=\(a1)").total == 1)
            #expect(try await list(agentToken, "&direction=outbound").total == 0)
            let bad = try await app.call(.GET, "/api/v1/calls?projectId=\(hxy)&number=abcd", headers: .bearer(supervisorToken))
            #expect(bad.status == .unprocessableEntity)
            let x = try await app.call(.GET, "/api/v1/calls/export?projectId=\(hxy)", headers: .bearer(agentToken))
            #expect(x.status == .ok && x.body.readableBytes > 500)
        }
    }
}
