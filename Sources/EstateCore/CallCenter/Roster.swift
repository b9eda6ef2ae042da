import Foundation

/// A shift template (班次): 早 / 中 / 晚 / 通宵, its hours and breaks. Times are minutes from the
/// start of its day; a shift may run past midnight (通宵 23:30 → 08:00 is start 1410, 510 minutes).
public struct ShiftTemplate: Sendable, Equatable, Codable {
    public struct Break: Sendable, Equatable, Codable {
        /// Minutes from the shift's start.
        public var offset: Int
        public var minutes: Int
        public init(offset: Int, minutes: Int) {
            self.offset = offset
            self.minutes = minutes
        }
    }

    public var code: String
    public var startMinute: Int
    public var minutes: Int
    public var breaks: [Break]

    public init(code: String, startMinute: Int, minutes: Int, breaks: [Break] = []) {
        self.code = code
        self.startMinute = startMinute
        self.minutes = minutes
        self.breaks = breaks
    }

    /// Paid time on duty: the shift less its breaks.
    public var paidMinutes: Int { minutes - breaks.reduce(0) { $0 + $1.minutes } }

    /// What can be wrong with a template (the supervisor's editor names each).
    public enum Problem: String, CaseIterable, Sendable, Equatable {
        /// The start is not a time of the day (00:00–23:59).
        case start
        /// Zero length (end = start), or outside 1–16 hours.
        case length
        /// A break of no length, or not wholly inside the shift (it must start after the shift starts
        /// and end before it ends).
        case breakOutside = "break_outside"
        /// Two breaks overlap.
        case breakOverlap = "break_overlap"
        public var catalogKey: String { "roster.template_problem.\(rawValue)" }
    }

    /// Everything wrong with it, in the order a person fixes it; empty: a valid template.
    public var problems: [Problem] {
        var out: [Problem] = []
        if !(0..<1440).contains(startMinute) { out.append(.start) }
        if !(60...960).contains(minutes) { out.append(.length) }
        if !breaks.allSatisfy({ $0.minutes > 0 && $0.offset > 0 && $0.offset + $0.minutes < minutes }) { out.append(.breakOutside) }
        let sorted = breaks.sorted { $0.offset < $1.offset }
        if zip(sorted, sorted.dropFirst()).contains(where: { $0.offset + $0.minutes > $1.offset }) { out.append(.breakOverlap) }
        return out
    }

    /// Start within the day, 1–16 hours, breaks inside it and apart.
    public var isValid: Bool { problems.isEmpty }

    /// A template from clock times as a person types them: `end` at or before `start` runs past
    /// midnight (22:00 → 06:00 is 8 hours); `end` equal to `start` is a zero-length shift (0 minutes,
    /// which `problems` names). Breaks are given as clock times too and kept as offsets.
    public static func fromClock(code: String, start: Int, end: Int, breaks: [(start: Int, end: Int)]) -> ShiftTemplate {
        let minutes = end == start ? 0 : (end - start + 1440) % 1440
        let bs = breaks.map { b -> Break in
            // A break before the shift's start on the clock is after midnight.
            let offset = (b.start - start + 1440) % 1440
            let length = (b.end - b.start + 1440) % 1440
            return Break(offset: offset, minutes: length)
        }
        return ShiftTemplate(code: code, startMinute: start, minutes: minutes, breaks: bs)
    }

    /// The four shifts of a 24-hour hotline: 早 07:30–16:00, 中 10:00–18:30, 晚 15:30–24:00,
    /// 通宵 23:30–08:00, each with a half-hour break (meal or night rest).
    public static let standard: [ShiftTemplate] = [
        ShiftTemplate(code: "early", startMinute: 450, minutes: 510, breaks: [Break(offset: 240, minutes: 30)]),
        ShiftTemplate(code: "middle", startMinute: 600, minutes: 510, breaks: [Break(offset: 180, minutes: 30)]),
        ShiftTemplate(code: "late", startMinute: 930, minutes: 510, breaks: [Break(offset: 180, minutes: 30)]),
        ShiftTemplate(code: "night", startMinute: 1410, minutes: 510, breaks: [Break(offset: 210, minutes: 30)]),
    ]
}

/// One agent's shift in a week: `day` 0 = Monday … 6 = Sunday of the roster's week.
public struct RosterShift: Sendable, Equatable, Hashable {
    public var agent: UUID
    public var day: Int
    public var template: String
    public init(agent: UUID, day: Int, template: String) {
        self.agent = agent
        self.day = day
        self.template = template
    }
}

/// The rules a roster keeps (排班规则). A hand edit that breaks one is refused with the rule named;
/// the builder never breaks one.
public enum RosterRule: String, CaseIterable, Sendable, Codable, Error {
    /// Two shifts of one agent overlap in time.
    case overlap
    /// More than the weekly hours limit (paid time).
    case weeklyHours = "weekly_hours"
    /// On a day of approved leave (请假 / 年休).
    case onLeave = "on_leave"
    /// Less than the minimum rest between the end of one shift and the start of the next.
    case minimumRest = "minimum_rest"
    /// On a weekday the agent said they cannot work.
    case unavailable
    /// The shift needs a skill (技能组) the agent lacks.
    case skill
    public var catalogKey: String { "roster.rule.\(rawValue)" }
}

public enum RosterRules {
    /// What the rules need to know of an agent.
    public struct Agent: Sendable, Equatable {
        public var id: UUID
        /// Days of the week (0 = Monday) on approved leave.
        public var leaveDays: Set<Int>
        /// Days of the week the agent cannot work.
        public var unavailableDays: Set<Int>
        public var skills: Set<String>
        public init(id: UUID, leaveDays: Set<Int> = [], unavailableDays: Set<Int> = [], skills: Set<String> = []) {
            self.id = id
            self.leaveDays = leaveDays
            self.unavailableDays = unavailableDays
            self.skills = skills
        }
    }

    public struct Limits: Sendable, Equatable, Codable {
        public var weeklyMinutes: Int
        public var minimumRestMinutes: Int
        public init(weeklyMinutes: Int = 40 * 60, minimumRestMinutes: Int = 10 * 60) {
            self.weeklyMinutes = weeklyMinutes
            self.minimumRestMinutes = minimumRestMinutes
        }
    }

    /// [start, end) in minutes from the week's Monday 00:00.
    public static func span(_ s: RosterShift, _ t: ShiftTemplate) -> Range<Int> {
        let start = s.day * 1440 + t.startMinute
        return start..<(start + t.minutes)
    }

    /// The rules `shift` breaks when added to `existing` (the agent's other shifts that week), in
    /// the order a person fixes them. `requiredSkill` nil: any agent.
    public static func violations(adding shift: RosterShift, to existing: [RosterShift], agent: Agent,
                                  templates: [String: ShiftTemplate], limits: Limits, requiredSkill: String? = nil) -> [RosterRule] {
        guard let t = templates[shift.template] else { return [] }
        var out: [RosterRule] = []
        let mine = existing.filter { $0.agent == agent.id && $0 != shift }
        let span = Self.span(shift, t)
        if agent.leaveDays.contains(shift.day) { out.append(.onLeave) }
        if agent.unavailableDays.contains(shift.day) { out.append(.unavailable) }
        if let requiredSkill, !agent.skills.contains(requiredSkill) { out.append(.skill) }
        var overlap = false, rest = false
        for o in mine {
            guard let ot = templates[o.template] else { continue }
            let other = Self.span(o, ot)
            if other.overlaps(span) { overlap = true; continue }
            let gap = other.upperBound <= span.lowerBound ? span.lowerBound - other.upperBound : other.lowerBound - span.upperBound
            if gap < limits.minimumRestMinutes { rest = true }
        }
        if overlap { out.append(.overlap) }
        if rest { out.append(.minimumRest) }
        let paid = mine.reduce(t.paidMinutes) { $0 + (templates[$1.template]?.paidMinutes ?? 0) }
        if paid > limits.weeklyMinutes { out.append(.weeklyHours) }
        return out
    }

    /// Agents rostered per half hour of the week (336 intervals, Monday 00:00 first), compared with
    /// the requirement's *scheduled* agents. A shift counts in every interval it spans, its break
    /// included: the requirement already grossed the agents up for shrinkage, of which breaks are a
    /// part, and the shift lead staggers the breaks on the floor (counting them here too would ask
    /// for agents twice, and no template could cover the half hour every 晚班 breaks in).
    /// A Sunday night shift's hours past the week's end cover Monday morning: a roster is a pattern
    /// that repeats week on week.
    public static func coverage(_ shifts: [RosterShift], templates: [String: ShiftTemplate]) -> [Int] {
        var cov = [Int](repeating: 0, count: 7 * 48)
        for s in shifts { for i in slots(s, templates) { cov[i] += 1 } }
        return cov
    }

    /// The week's intervals a shift spans (those it fills at least half of).
    public static func slots(_ s: RosterShift, _ templates: [String: ShiftTemplate]) -> [Int] {
        guard let t = templates[s.template] else { return [] }
        let start = s.day * 1440 + t.startMinute
        var out: [Int] = []
        var m = (start / 30) * 30
        while m < start + t.minutes {
            if (m..<(m + 30)).clamped(to: start..<(start + t.minutes)).count >= 15 { out.append((m / 30) % (7 * 48)) }
            m += 30
        }
        return out
    }
}

/// The weekly roster builder (排班): covers the required agents per interval with the fewest
/// agent-hours and never breaks a rule.
///
/// Skills (技能组): besides the requirement of the whole floor, each queue may have its own
/// requirement per interval (`requiredBySkill`, the agents that queue's own traffic needs); only
/// agents with that skill count towards it. A multi-skilled agent counts towards each of their skills
/// and once towards the floor.
///
/// Method: greedy on the largest uncovered gap — take the interval short of the most agents (a
/// skill's gaps before the floor's), among the (day, shift) pairs that cover it pick the one that covers the
/// most still-uncovered agent-intervals of that demand per paid hour, and give it to the agent with
/// the fewest hours so far whom the rules allow (for a skill's gap: among agents with the skill).
/// Then local improvement: drop every shift whose intervals stay covered without it, for the floor
/// and for each of its agent's skills (the emptiest first). The naive roster it is measured against
/// staffs every shift of every day with the peak requirement of that shift's own hours.
public enum RosterBuilder {
    public struct Result: Sendable, Equatable {
        public var shifts: [RosterShift]
        public var coverage: [Int]
        /// Agent-intervals still short (Σ max(0, required − covered)).
        public var shortIntervals: Int
        /// Per skill: agent-intervals short of that queue's requirement by agents with the skill.
        public var skillShortIntervals: [String: Int] = [:]
        public var paidMinutes: Int
    }

    /// Agents with `skill` rostered per interval.
    public static func skillCoverage(_ shifts: [RosterShift], skill: String, agents: [RosterRules.Agent],
                                     templates: [String: ShiftTemplate]) -> [Int] {
        let skilled = Set(agents.filter { $0.skills.contains(skill) }.map(\.id))
        return RosterRules.coverage(shifts.filter { skilled.contains($0.agent) }, templates: templates)
    }

    static func padded(_ v: [Int]) -> [Int] { Array((v + [Int](repeating: 0, count: max(0, 336 - v.count))).prefix(336)) }

    public static func build(required: [Int], requiredBySkill: [String: [Int]] = [:], templates: [ShiftTemplate],
                             agents: [RosterRules.Agent], limits: RosterRules.Limits, fixed: [RosterShift] = []) -> Result {
        let byCode = Dictionary(templates.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        let skillOf = Dictionary(agents.map { ($0.id, $0.skills) }, uniquingKeysWith: { a, _ in a })
        var shifts = fixed
        // Demand 0 is the floor (any agent); 1… are the skills, in name order.
        let skills = requiredBySkill.keys.sorted()
        let need = [padded(required)] + skills.map { padded(requiredBySkill[$0]!) }
        var cov = [RosterRules.coverage(shifts, templates: byCode)]
            + skills.map { skillCoverage(shifts, skill: $0, agents: agents, templates: byCode) }
        let options: [(day: Int, template: ShiftTemplate, slots: [Int])] = (0..<7).flatMap { d in
            templates.map { t in (d, t, RosterRules.slots(RosterShift(agent: UUID(), day: d, template: t.code), byCode)) }
        }
        var hours = [UUID: Int]()
        for s in shifts { hours[s.agent, default: 0] += byCode[s.template]?.paidMinutes ?? 0 }
        // The demands an agent's shift counts towards.
        func demands(of agent: UUID) -> [Int] {
            [0] + skills.enumerated().filter { skillOf[agent]?.contains($0.element) == true }.map { $0.offset + 1 }
        }
        var blocked = Set<Int>()  // demand * 336 + interval

        while true {
            // The interval short of the most agents that something can still cover: the skills' gaps
            // first (only their agents can fill them, and what they fill counts for the floor too),
            // then the floor's; the earliest on a tie.
            var worst = -1, worstDemand = 0, worstGap = 0
            for k in Array(need.indices.dropFirst()) + [0] {
                if worst >= 0 && k == 0 { break }
                for i in 0..<336 where !blocked.contains(k * 336 + i) {
                    let g = need[k][i] - cov[k][i]
                    if g > worstGap { worst = i; worstDemand = k; worstGap = g }
                }
            }
            guard worst >= 0 else { break }
            let k = worstDemand
            let covering = options.filter { $0.slots.contains(worst) }
                .map { o in (o, Double(o.slots.filter { need[k][$0] > cov[k][$0] }.count) / Double(max(o.template.paidMinutes, 1))) }
                .sorted { $0.1 > $1.1 }
            let pool = k == 0 ? agents : agents.filter { $0.skills.contains(skills[k - 1]) }
            let candidates = pool.sorted { (hours[$0.id] ?? 0, $0.id.uuidString) < (hours[$1.id] ?? 0, $1.id.uuidString) }
            var placed = false
            for (o, _) in covering {
                for a in candidates {
                    let s = RosterShift(agent: a.id, day: o.day, template: o.template.code)
                    guard !shifts.contains(s) else { continue }
                    if RosterRules.violations(adding: s, to: shifts, agent: a, templates: byCode, limits: limits).isEmpty {
                        shifts.append(s)
                        for d in demands(of: a.id) { for i in o.slots { cov[d][i] += 1 } }
                        hours[a.id, default: 0] += o.template.paidMinutes
                        placed = true
                        break
                    }
                }
                if placed { break }
            }
            if !placed { blocked.insert(k * 336 + worst) }
        }

        // Local improvement: a shift whose every interval is over-covered, for the floor and for each
        // of its agent's skills, adds nothing.
        var improved = true
        while improved {
            improved = false
            let order = shifts.indices.filter { !fixed.contains(shifts[$0]) }.sorted { a, b in
                let ua = RosterRules.slots(shifts[a], byCode).filter { cov[0][$0] <= need[0][$0] }.count
                let ub = RosterRules.slots(shifts[b], byCode).filter { cov[0][$0] <= need[0][$0] }.count
                return ua < ub
            }
            for i in order {
                let slots = RosterRules.slots(shifts[i], byCode)
                let ds = demands(of: shifts[i].agent)
                if ds.allSatisfy({ d in slots.allSatisfy { cov[d][$0] - 1 >= need[d][$0] } }) {
                    for d in ds { for s in slots { cov[d][s] -= 1 } }
                    shifts.remove(at: i)
                    improved = true
                    break
                }
            }
        }
        var r = result(shifts, need: need[0], byCode: byCode)
        for (n, skill) in skills.enumerated() {
            r.skillShortIntervals[skill] = zip(need[n + 1], cov[n + 1]).reduce(0) { $0 + max(0, $1.0 - $1.1) }
        }
        return r
    }

    static func result(_ shifts: [RosterShift], need: [Int], byCode: [String: ShiftTemplate]) -> Result {
        let cov = RosterRules.coverage(shifts, templates: byCode)
        let short = zip(need, cov).reduce(0) { $0 + max(0, $1.0 - $1.1) }
        let paid = shifts.reduce(0) { $0 + (byCode[$1.template]?.paidMinutes ?? 0) }
        return Result(shifts: shifts.sorted { ($0.day, $0.template, $0.agent.uuidString) < ($1.day, $1.template, $1.agent.uuidString) },
                      coverage: cov, shortIntervals: short, skillShortIntervals: [:], paidMinutes: paid)
    }

    /// The naive roster's paid minutes: every shift of every day staffed with the peak requirement
    /// of its own hours.
    public static func naivePaidMinutes(required: [Int], templates: [ShiftTemplate]) -> Int {
        let byCode = Dictionary(templates.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        var total = 0
        for d in 0..<7 {
            for t in templates {
                let slots = RosterRules.slots(RosterShift(agent: UUID(), day: d, template: t.code), byCode)
                let peak = slots.map { $0 < required.count ? required[$0] : 0 }.max() ?? 0
                total += peak * t.paidMinutes
            }
        }
        return total
    }
}
