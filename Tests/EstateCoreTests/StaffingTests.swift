import EstateCore
import Foundation
import Testing

@Suite("Call centre: Erlang C staffing, forecast and the roster builder")
struct StaffingTests {
    static let target8020 = ErlangC.Target(serviceLevel: 0.8, thresholdSeconds: 20, asaLimitSeconds: nil, maxOccupancy: 0.9, shrinkage: 0.3)

    static func close(_ a: Double, _ b: Double, _ tol: Double) -> Bool { abs(a - b) <= tol }

    // The published calculators' example: 100 calls / 30 min, AHT 180 s → 10 erlangs.
    @Test func theTextbookExampleNeedsFourteenAgents() {
        let a = ErlangC.traffic(calls: 100, ahtSeconds: 180, intervalSeconds: 1800)
        #expect(a == 10)
        let o13 = ErlangC.outcome(agents: 13, traffic: a, ahtSeconds: 180, thresholdSeconds: 20)
        #expect(Self.close(o13.serviceLevel, 0.796, 0.0005), "\(o13.serviceLevel)")
        let o14 = ErlangC.outcome(agents: 14, traffic: a, ahtSeconds: 180, thresholdSeconds: 20)
        #expect(Self.close(o14.serviceLevel, 0.888, 0.0005), "\(o14.serviceLevel)")
        #expect(Self.close(o14.asaSeconds, 7.8, 0.05), "\(o14.asaSeconds)")
        #expect(Self.close(o14.occupancy, 0.714, 0.0005))
        #expect(Self.close(o14.probabilityOfWaiting, 0.1741, 0.0005), "\(o14.probabilityOfWaiting)")

        let r = ErlangC.requiredAgents(traffic: a, ahtSeconds: 180, target: Self.target8020)
        #expect(r.agents == 14)
        #expect(r == o14)
        #expect(ErlangC.scheduled(required: 14, shrinkage: 0.3) == 20)
    }

    @Test func theASALimitAndTheOccupancyCapCanEachAskForMore() {
        var t = Self.target8020
        // 14 agents answer in 7.8 s on average; a 5 s limit needs more.
        t.asaLimitSeconds = 5
        let r = ErlangC.requiredAgents(traffic: 10, ahtSeconds: 180, target: t)
        #expect(r.agents == 15)
        #expect(r.asaSeconds <= 5)
        #expect(ErlangC.outcome(agents: 14, traffic: 10, ahtSeconds: 180, thresholdSeconds: 20).asaSeconds > 5)
        // A loose SL but occupancy at most 70 %: 10 ÷ 0.7 = 14.3 → 15.
        let loose = ErlangC.Target(serviceLevel: 0.5, thresholdSeconds: 20, asaLimitSeconds: nil, maxOccupancy: 0.7, shrinkage: 0)
        #expect(ErlangC.requiredAgents(traffic: 10, ahtSeconds: 180, target: loose).agents == 15)
        #expect(ErlangC.requiredAgents(traffic: 10, ahtSeconds: 180, target: ErlangC.Target(serviceLevel: 0.5, maxOccupancy: 1, shrinkage: 0)).agents == 12)
    }

    @Test func highLoadsStayFiniteAndMonotone() {
        // 300, 3 000 and 30 000 calls per half hour, AHT 300 s: 50, 500, 5 000 erlangs.
        for calls in [300.0, 3_000, 30_000] {
            let a = ErlangC.traffic(calls: calls, ahtSeconds: 300, intervalSeconds: 1800)
            let r = ErlangC.requiredAgents(traffic: a, ahtSeconds: 300, target: Self.target8020)
            #expect(r.serviceLevel.isFinite && r.asaSeconds.isFinite && r.probabilityOfWaiting.isFinite)
            #expect(r.serviceLevel >= 0.8)
            #expect(Double(r.agents) > a)
            let below = ErlangC.outcome(agents: r.agents - 1, traffic: a, ahtSeconds: 300, thresholdSeconds: 20)
            #expect(below.serviceLevel < 0.8 || below.occupancy > 0.9, "\(calls): \(r.agents - 1) agents would do")
            // More agents: never a worse SL, never a longer ASA.
            var last = ErlangC.outcome(agents: Int(a) + 1, traffic: a, ahtSeconds: 300, thresholdSeconds: 20)
            for n in (Int(a) + 2)...(Int(a) + 40) {
                let o = ErlangC.outcome(agents: n, traffic: a, ahtSeconds: 300, thresholdSeconds: 20)
                #expect(o.serviceLevel >= last.serviceLevel - 1e-12 && o.asaSeconds <= last.asaSeconds + 1e-9)
                last = o
            }
        }
        // 300 calls / 30 min with AHT 180 s (30 erlangs): the calculators give 35 agents for 80/20.
        let r = ErlangC.requiredAgents(traffic: 30, ahtSeconds: 180, target: Self.target8020)
        #expect(r.agents == 35, "\(r)")
        // B(n) with a thousand agents: the factorial form would overflow at 171!.
        #expect(ErlangC.erlangB(agents: 1_000, traffic: 950).isFinite)
        #expect(ErlangC.probabilityOfWaiting(agents: 1_000, traffic: 950) < 1)
    }

    @Test func overloadAndSilence() {
        let o = ErlangC.outcome(agents: 10, traffic: 10, ahtSeconds: 180, thresholdSeconds: 20)
        #expect(o.overloaded && o.serviceLevel == 0 && o.probabilityOfWaiting == 1)
        #expect(ErlangC.requiredAgents(traffic: 0, ahtSeconds: 180, target: Self.target8020).agents == 0)
        #expect(ErlangC.scheduled(required: 0, shrinkage: 0.3) == 0)
        #expect(ErlangC.scheduled(required: 7, shrinkage: 0) == 7)
        #expect(ErlangC.scheduled(required: 10, shrinkage: 0.35) == 16) // 15.38 → 16
    }

    // MARK: Forecast

    static func day(_ s: String) -> CalendarDay { CalendarDay(s)! }

    @Test func weekdaysAverageTheirOwnHistoryAndHolidaysAreSundays() {
        // Four weeks from Monday 2026-11-02; every Monday 09:00 had 40, 44, 36, 40 calls; Sundays 10.
        let historyDays = (0..<28).map { Self.day("2026-11-02").adding(days: $0) }
        #expect(historyDays[0].isoWeekday == 1 && historyDays[6].isoWeekday == 7)
        var cells: [CallForecast.HistoryCell] = []
        for (w, n) in [40, 44, 36, 40].enumerated() {
            cells.append(.init(day: historyDays[w * 7], slot: 18, offered: n, handled: n, handleSeconds: Double(n) * 200))
            cells.append(.init(day: historyDays[w * 7 + 6], slot: 18, offered: 10, handled: 10, handleSeconds: 10 * 100))
        }
        // The Tuesday of week 3 was a holiday: its quiet day counts as a Sunday sample.
        let calendar: [CalendarDay: StaffingDayKind] = [historyDays[15]: .holiday, Self.day("2026-12-07"): .holiday, Self.day("2026-12-12"): .workday]
        let f = CallForecast.forecast(days: [Self.day("2026-11-30"), Self.day("2026-12-07"), Self.day("2026-12-12")], history: cells,
                                      historyDays: historyDays, calendar: calendar, defaultAHT: 180)
        #expect(f[0].slots[18].calls == 40)
        #expect(f[0].slots[18].ahtSeconds == 200)
        #expect(f[0].profile == .weekday(1))
        // A holiday Monday is forecast from 5 Sunday samples (4 Sundays + the holiday Tuesday): 40 ÷ 5.
        #expect(f[1].profile == .weekday(7))
        #expect(f[1].slots[18].calls == 8)
        // A 调休 Saturday is the Monday–Friday mean: Mondays 40, others 0 → 8.
        #expect(f[2].profile == .workdayMean)
        #expect(f[2].slots[18].calls == 8)
        #expect(f[2].slots[3].ahtSeconds > 0)
    }

    @Test func outboundWorkAddsAgentsInCallingHours() {
        let d = Self.day("2026-12-08")
        let f = CallForecast.forecast(days: [d], history: [], historyDays: [], calendar: [:], defaultAHT: 180,
                                      outboundSeconds: [d: 18 * 1800], outboundSlots: 18..<36)
        let r = StaffingRequirement.slots(f[0], target: Self.target8020)
        // One erlang per calling-hours interval ÷ 90 % occupancy → 2 agents; none at night.
        #expect(r[20].outboundAgents == 2 && r[20].required == 2 && r[20].scheduled == 3)
        #expect(r[2].required == 0)
    }

    @Test func plannedCallbacksAndFollowUpsAreAgentTimeEachAtItsOwnHandleTime() {
        let d = Self.day("2026-12-08"), e = Self.day("2026-12-09")
        // 27 callbacks × 240 s + 18 follow-ups × 600 s = 6,480 + 10,800 = 17,280 agent-seconds over 18 calling intervals:
        // 960 s = 0.533 erlang each ÷ 90 % occupancy → 1 agent.
        let planned = CallForecast.PlannedOutbound(callbacks: 27, followUps: 18, callbackHandleSeconds: 240, followUpHandleSeconds: 600)
        #expect(planned.callbackSeconds == 6_480 && planned.followUpSeconds == 10_800 && planned.seconds == 17_280)
        let f = CallForecast.forecast(days: [d, e], history: [], historyDays: [], calendar: [:], defaultAHT: 180, planned: [d: planned])
        #expect(f[0].planned == planned && f[1].planned == CallForecast.PlannedOutbound())
        #expect(f[0].slots[18].outboundSeconds == 960 && f[0].slots[35].outboundSeconds == 960 && f[0].slots[36].outboundSeconds == 0)
        #expect(f[0].slots.reduce(0) { $0 + $1.outboundSeconds } == 17_280 && f[1].slots.allSatisfy { $0.outboundSeconds == 0 })
        let r = StaffingRequirement.slots(f[0], target: Self.target8020)
        #expect(r[20].outboundAgents == 1 && r[20].required == 1 && r[17].required == 0)
    }

    // MARK: Roster

    static let templates = Dictionary(uniqueKeysWithValues: ShiftTemplate.standard.map { ($0.code, $0) })

    @Test func rosterRulesAreNamed() {
        let a = UUID()
        let agent = RosterRules.Agent(id: a, leaveDays: [3], unavailableDays: [5])
        let limits = RosterRules.Limits(weeklyMinutes: 40 * 60, minimumRestMinutes: 10 * 60)
        func check(_ s: RosterShift, _ existing: [RosterShift]) -> [RosterRule] {
            RosterRules.violations(adding: s, to: existing, agent: agent, templates: Self.templates, limits: limits)
        }
        #expect(check(RosterShift(agent: a, day: 0, template: "early"), []).isEmpty)
        // 早 and 中 the same day overlap.
        #expect(check(RosterShift(agent: a, day: 0, template: "middle"), [RosterShift(agent: a, day: 0, template: "early")]) == [.overlap])
        // 晚 ends at 24:00, 早 starts 07:30 the next day: 7.5 h rest.
        #expect(check(RosterShift(agent: a, day: 1, template: "early"), [RosterShift(agent: a, day: 0, template: "late")]) == [.minimumRest])
        #expect(check(RosterShift(agent: a, day: 3, template: "early"), []) == [.onLeave])
        #expect(check(RosterShift(agent: a, day: 5, template: "early"), []) == [.unavailable])
        // Five 8-hour shifts fill 40 h; a sixth is over.
        let five = [0, 1, 2, 4, 6].map { RosterShift(agent: a, day: $0, template: "middle") }
        #expect(five.indices.allSatisfy { check(five[$0], Array(five[..<$0])).isEmpty })
        #expect(check(RosterShift(agent: UUID(), day: 4, template: "middle"), []).isEmpty)
        let sixth = RosterRules.violations(adding: RosterShift(agent: a, day: 5, template: "middle"), to: five,
                                           agent: RosterRules.Agent(id: a), templates: Self.templates, limits: limits)
        #expect(sixth == [.weeklyHours])
        // Another agent's shifts are not this agent's.
        #expect(check(RosterShift(agent: a, day: 0, template: "early"), [RosterShift(agent: UUID(), day: 0, template: "early")]).isEmpty)
    }

    @Test func aShiftCoversItsIntervalsAndSundayNightCoversMonday() {
        let a = UUID()
        let early = RosterRules.slots(RosterShift(agent: a, day: 0, template: "early"), Self.templates)
        // 07:30–16:00 is 17 intervals; its break is paid time off (8 h paid) but staggered on the floor.
        #expect(early == Array(15...31))
        #expect(Self.templates["early"]!.paidMinutes == 480)
        let night = RosterRules.slots(RosterShift(agent: a, day: 6, template: "night"), Self.templates)
        #expect(night.contains(335) && night.contains(0) && night.contains(15) && !night.contains(16))
    }

    /// A working week's shape: quiet nights, a morning and an afternoon peak, a quieter weekend.
    static func weekRequirement() -> [Int] {
        (0..<336).map { i in
            let day = i / 48, s = i % 48
            let base = switch s {
            case 0..<14: 1
            case 14..<18: 2
            case 18..<24: 5
            case 24..<28: 4
            case 28..<36: 6
            case 36..<44: 3
            default: 1
            }
            return day >= 5 ? max(1, base - 2) : base
        }
    }

    @Test func theBuilderCoversTheWeekWithFewerHoursThanTheNaiveRoster() {
        let need = Self.weekRequirement()
        let agents = (0..<20).map { _ in RosterRules.Agent(id: UUID()) }
        let limits = RosterRules.Limits()
        let r = RosterBuilder.build(required: need, templates: ShiftTemplate.standard, agents: agents, limits: limits)
        #expect(r.shortIntervals == 0, "short at \((0..<336).filter { need[$0] > r.coverage[$0] }.map { "\($0 / 48):\($0 % 48) \(need[$0])/\(r.coverage[$0])" })")
        let naive = RosterBuilder.naivePaidMinutes(required: need, templates: ShiftTemplate.standard)
        #expect(r.paidMinutes < naive, "built \(r.paidMinutes) naive \(naive)")
        // It keeps every rule it is given.
        for s in r.shifts {
            let others = r.shifts.filter { $0 != s }
            #expect(RosterRules.violations(adding: s, to: others, agent: agents.first { $0.id == s.agent }!, templates: Self.templates,
                                           limits: limits).isEmpty)
        }
        // And no shift could be dropped.
        for s in r.shifts {
            let without = RosterRules.coverage(r.shifts.filter { $0 != s }, templates: Self.templates)
            #expect(zip(need, without).contains { $0.1 < $0.0 })
        }
    }

    @Test func theBuilderRespectsLeaveAndSaysWhatStaysShort() {
        let need = Self.weekRequirement()
        let a = UUID(), b = UUID()
        // Two agents on leave Monday–Wednesday cannot cover the week: it says how short it is and breaks nothing.
        let agents = [RosterRules.Agent(id: a, leaveDays: [0, 1, 2]), RosterRules.Agent(id: b, leaveDays: [0, 1, 2])]
        let r = RosterBuilder.build(required: need, templates: ShiftTemplate.standard, agents: agents, limits: RosterRules.Limits())
        #expect(r.shortIntervals > 0)
        #expect(!r.shifts.contains { $0.day < 3 })
        #expect(r.paidMinutes <= 2 * 40 * 60)
    }

    @Test func aSkillsRequirementIsCoveredOnlyByAgentsWithThatSkill() {
        let need = Self.weekRequirement()
        // The repairs queue needs one agent 10:00–16:00 on weekdays; two of twenty agents take it (their ids
        // sort last, so the plain builder, which breaks ties by id, reaches for them last).
        let repairs = (0..<336).map { i in i / 48 < 5 && (20..<32).contains(i % 48) ? 1 : 0 }
        let agents = (0..<20).map { n in
            n < 2 ? RosterRules.Agent(id: UUID(uuidString: "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFF\(n)")!, skills: ["hotline", "repairs"])
                  : RosterRules.Agent(id: UUID(), skills: ["hotline"])
        }
        let skilled = Set(agents.prefix(2).map(\.id))
        let limits = RosterRules.Limits()
        let plain = RosterBuilder.build(required: need, templates: ShiftTemplate.standard, agents: agents, limits: limits)
        let plainRepairs = RosterBuilder.skillCoverage(plain.shifts, skill: "repairs", agents: agents, templates: Self.templates)
        // Without the skill's requirement nothing makes the builder pick a repairs agent in those hours.
        #expect(zip(repairs, plainRepairs).contains { $0.1 < $0.0 }, "the plain roster happens to cover repairs: the test shows nothing")

        // MUT
        let r = RosterBuilder.build(required: need, requiredBySkill: ["repairs": repairs], templates: ShiftTemplate.standard,
                                    agents: agents, limits: limits)

        // validate: both the floor and the repairs queue are covered, repairs only by the four with the skill.
        #expect(r.shortIntervals == 0 && r.skillShortIntervals == ["repairs": 0])
        let repairsCov = RosterBuilder.skillCoverage(r.shifts, skill: "repairs", agents: agents, templates: Self.templates)
        #expect(zip(repairs, repairsCov).allSatisfy { $0.1 >= $0.0 })
        #expect(r.shifts.contains { skilled.contains($0.agent) })
        // Still fewer hours than the naive roster, and no shift could be dropped (floor or skill).
        #expect(r.paidMinutes < RosterBuilder.naivePaidMinutes(required: need, templates: ShiftTemplate.standard))
        for s in r.shifts {
            let rest = r.shifts.filter { $0 != s }
            let floorShort = zip(need, RosterRules.coverage(rest, templates: Self.templates)).contains { $0.1 < $0.0 }
            let skillShort = zip(repairs, RosterBuilder.skillCoverage(rest, skill: "repairs", agents: agents, templates: Self.templates)).contains { $0.1 < $0.0 }
            #expect(floorShort || skillShort)
        }

        // A queue nobody has the skill for stays short, and says so; the floor is still covered.
        let none = RosterBuilder.build(required: need, requiredBySkill: ["legal": repairs], templates: ShiftTemplate.standard,
                                       agents: agents, limits: limits)
        #expect(none.skillShortIntervals["legal"] == repairs.reduce(0, +) && none.shortIntervals == 0)
    }

    @Test func shiftTemplatesNameWhatIsWrong() {
        // 通宵 22:00 → 06:00 typed on the clock: 8 hours past midnight, the break at 02:00 after midnight.
        let night = ShiftTemplate.fromClock(code: "night", start: 22 * 60, end: 6 * 60, breaks: [(2 * 60, 2 * 60 + 30)])
        #expect(night.minutes == 480 && night.breaks == [.init(offset: 240, minutes: 30)] && night.problems.isEmpty && night.paidMinutes == 450)
        // Zero length: end = start.
        #expect(ShiftTemplate.fromClock(code: "x", start: 480, end: 480, breaks: []).problems == [.length])
        // A break outside the shift (before its start, after its end, or across its end).
        #expect(ShiftTemplate.fromClock(code: "x", start: 480, end: 1020, breaks: [(420, 450)]).problems == [.breakOutside])
        #expect(ShiftTemplate.fromClock(code: "x", start: 480, end: 1020, breaks: [(1000, 1030)]).problems == [.breakOutside])
        #expect(ShiftTemplate.fromClock(code: "x", start: 480, end: 1020, breaks: [(480, 510)]).problems == [.breakOutside])
        #expect(ShiftTemplate.fromClock(code: "x", start: 480, end: 1020, breaks: [(720, 720)]).problems == [.breakOutside])
        // Two breaks that overlap; then a start outside the day and a 17-hour shift.
        #expect(ShiftTemplate.fromClock(code: "x", start: 480, end: 1020, breaks: [(720, 780), (750, 800)]).problems == [.breakOverlap])
        #expect(ShiftTemplate(code: "x", startMinute: 1440, minutes: 480).problems == [.start])
        #expect(ShiftTemplate(code: "x", startMinute: 0, minutes: 17 * 60).problems == [.length])
        #expect(ShiftTemplate.standard.allSatisfy { $0.isValid })
    }
}
