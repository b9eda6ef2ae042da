import EstateCore
import FluentKit
import Foundation
import SQLKit

/// Rosters (排班, issue 16 point 6): shift templates, the roster's agents with their skills and
/// availability, leave (请假 / 年休) approved by the shift lead, the weekly roster built by
/// `RosterBuilder` or edited by hand within `RosterRules`, and shift swaps (换班) agents ask for and
/// the shift lead approves. Every change and its audit line commit together; a change that would
/// break a rule changes nothing and names the rule.
public struct RosterService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let staffing: StaffingService

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    // MARK: Templates

    public struct Template: Sendable, Equatable {
        public var shift: ShiftTemplate
        /// As the shift lead named it; empty: the catalogue's name for the code.
        public var name: String
    }

    /// The project's shift templates, or the standard four (早 / 中 / 晚 / 通宵) until it has its own.
    public func templates(_ projectID: UUID) async throws -> [Template] {
        struct Row: Decodable { var code: String; var name: String; var startMinute: Int; var minutes: Int; var breaks: String }
        let rows = try await store.sql.raw("""
            SELECT code, name, start_minute, minutes, breaks FROM shift_templates WHERE project_id = \(bind: projectID) ORDER BY position, code
            """).all(decoding: Row.self, with: decoder)
        guard !rows.isEmpty else { return ShiftTemplate.standard.map { Template(shift: $0, name: "") } }
        return rows.map { r in
            let pairs = (try? JSONDecoder().decode([[Int]].self, from: Data(r.breaks.utf8))) ?? []
            let breaks = pairs.compactMap { $0.count == 2 ? ShiftTemplate.Break(offset: $0[0], minutes: $0[1]) : nil }
            return Template(shift: ShiftTemplate(code: r.code, startMinute: r.startMinute, minutes: r.minutes, breaks: breaks), name: r.name)
        }
    }

    /// Replaces the project's templates. Codes are what shifts point at: a code still used by a shift
    /// this week or later cannot go.
    public func saveTemplates(_ list: [Template], for projectID: UUID, context: AuditContext) async throws {
        var bad: [Problem.FieldError] = []
        for (i, t) in list.enumerated() {
            // Each thing wrong is named, with the row (1…) and the template's code.
            let args = ["row": "\(i + 1)", "code": t.shift.code]
            for p in t.shift.problems { bad.append(.init(field: "templates[\(i)]", code: "roster_template_\(p.rawValue)", arguments: args)) }
            if t.shift.code.isEmpty || t.shift.code.count > 20 || t.name.count > 20
                || !t.shift.code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) {
                bad.append(.init(field: "templates[\(i)].code", code: "roster_template_code", arguments: args))
            }
        }
        if Set(list.map(\.shift.code)).count != list.count || list.isEmpty { bad.append(.init(field: "templates", code: "roster_template_invalid")) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let thisWeek = StaffingService.monday(of: CalendarDay(now())).description
        try await store.audited(context) { tx in
            let sql = tx as! any SQLDatabase
            struct C: Decodable { var template: String }
            let used = Set(try await sql.raw("""
                SELECT DISTINCT template FROM roster_shifts WHERE project_id = \(bind: projectID) AND week >= \(bind: thisWeek)
                """).all(decoding: C.self).map(\.template))
            let missing = used.subtracting(list.map(\.shift.code))
            if let code = missing.sorted().first { throw Problem.conflict("roster_template_in_use", ["code": code]) }
            try await sql.delete(from: "shift_templates").where("project_id", .equal, projectID).run()
            for (i, t) in list.enumerated() {
                let breaks = String(decoding: try JSONEncoder().encode(t.shift.breaks.map { [$0.offset, $0.minutes] }), as: UTF8.self)
                try await sql.insert(into: "shift_templates").columns("id", "project_id", "code", "name", "start_minute", "minutes", "breaks", "position")
                    .values(SQLBind(UUID()), SQLBind(projectID), SQLBind(t.shift.code), SQLBind(t.name), SQLBind(t.shift.startMinute),
                            SQLBind(t.shift.minutes), SQLBind(breaks), SQLBind(i)).run()
            }
            return ((), AuditEntry(action: "roster.templates", entity: "shift_template", entityID: projectID.uuidString, projectID: projectID,
                                   summary: "shift templates: \(list.map(\.shift.code).joined(separator: ", "))"))
        }
    }

    // MARK: Agents

    public struct Agent: Sendable, Equatable {
        public var id: UUID
        public var name: String
        public var username: String
        public var skills: [String]
        /// Weekdays (0 = Monday) the agent cannot work.
        public var unavailableDays: Set<Int>
        /// The shift lead (班长) whose team (班组) the agent is in.
        public var teamLeadID: UUID? = nil
    }

    public func agents(_ projectID: UUID) async throws -> [Agent] {
        struct Row: Decodable { var userId: UUID; var skills: String; var unavailableDays: String; var teamLeadId: UUID? }
        let rows = try await store.sql.raw("""
            SELECT user_id, skills, unavailable_days, team_lead_id FROM roster_agents WHERE project_id = \(bind: projectID)
            """).all(decoding: Row.self, with: decoder)
        let staff = try await StaffDirectory.holders(of: StaffDirectory.roles(allowing: [.callsHandle]), on: projectID, sql: store.sql)
        let byID = Dictionary(staff.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return rows.compactMap { r -> Agent? in
            // Someone who left the project (or was disabled) drops off the roster.
            guard let m = byID[r.userId] else { return nil }
            return Agent(id: r.userId, name: m.displayName, username: m.username,
                         skills: r.skills.split(separator: ",").map(String.init),
                         unavailableDays: Set(r.unavailableDays.split(separator: ",").compactMap { Int($0) }.filter { (0..<7).contains($0) }),
                         teamLeadID: r.teamLeadId)
        }.sorted { ($0.username, $0.id.uuidString) < ($1.username, $1.id.uuidString) }
    }

    /// Staff of the project who handle calls and are not on the roster yet.
    public func candidates(_ projectID: UUID) async throws -> [(id: UUID, name: String)] {
        let on = Set(try await agents(projectID).map(\.id))
        return try await StaffDirectory.holders(of: StaffDirectory.roles(allowing: [.callsHandle]), on: projectID, sql: store.sql)
            .filter { !on.contains($0.id) }.map { ($0.id, $0.displayName) }
    }

    /// The project's shift leads (班长): whose teams agents can be put in.
    public func teamLeads(_ projectID: UUID) async throws -> [(id: UUID, name: String)] {
        try await StaffDirectory.holders(of: [.shiftLead], on: projectID, sql: store.sql).map { ($0.id, $0.displayName) }
    }

    /// Puts an agent on the roster, or changes their skills, the weekdays they cannot work and
    /// their team (a shift lead of the project, or none).
    public func saveAgent(_ userID: UUID, skills: [String], unavailableDays: Set<Int>, teamLead: UUID? = nil, in projectID: UUID,
                          context: AuditContext) async throws {
        let skills = skills.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if skills.contains(where: { $0.count > 20 || $0.contains(",") }) || skills.count > 10 { throw Problem.invalid("skills", "roster_skills_invalid") }
        guard unavailableDays.allSatisfy({ (0..<7).contains($0) }) else { throw Problem.invalid("unavailableDays", "roster_days_invalid") }
        let staff = try await StaffDirectory.holders(of: StaffDirectory.roles(allowing: [.callsHandle]), on: projectID, only: userID, sql: store.sql)
        guard !staff.isEmpty else { throw Problem.invalid("userId", "roster_agent_not_staff") }
        if let teamLead, try await StaffDirectory.holders(of: [.shiftLead], on: projectID, only: teamLead, sql: store.sql).isEmpty {
            throw Problem.invalid("teamLeadId", "roster_team_lead_invalid")
        }
        let at = now()
        try await store.audited(context) { tx in
            let sql = tx as! any SQLDatabase
            try await sql.delete(from: "roster_agents").where("project_id", .equal, projectID).where("user_id", .equal, userID).run()
            try await sql.insert(into: "roster_agents").columns("project_id", "user_id", "skills", "unavailable_days", "team_lead_id", "created_at")
                .values(SQLBind(projectID), SQLBind(userID), SQLBind(skills.joined(separator: ",")),
                        SQLBind(unavailableDays.sorted().map(String.init).joined(separator: ",")), SQLBind(teamLead), SQLBind(at)).run()
            return ((), AuditEntry(action: "roster.agent", entity: "roster_agent", entityID: userID.uuidString, projectID: projectID,
                                   summary: "roster agent", after: ["skills": skills.joined(separator: ","),
                                                                     "unavailable": unavailableDays.sorted().map(String.init).joined(separator: ","),
                                                                     "team_lead": teamLead?.uuidString ?? ""]))
        }
    }

    // MARK: Staffed time (the KPI report's occupancy)

    /// Paid time rostered per agent and calendar day in [from, to]: each shift of the project's rosters
    /// less its breaks, counted on the day it starts (a 通宵 from 23:30 counts on its first day), with the
    /// project's templates as they are now.
    public func staffedSeconds(_ projectID: UUID, from: CalendarDay, to: CalendarDay) async throws -> [StaffedDay] {
        struct Row: Decodable { var agentId: UUID; var week: String; var day: Int; var template: String }
        let rows = try await store.sql.raw("""
            SELECT agent_id, week, day, template FROM roster_shifts WHERE project_id = \(bind: projectID)
              AND week >= \(bind: StaffingService.monday(of: from).description) AND week <= \(bind: to.description)
            """).all(decoding: Row.self, with: decoder)
        let paid = Dictionary(try await templates(projectID).map { ($0.shift.code, $0.shift.paidMinutes) }, uniquingKeysWith: { a, _ in a })
        var out: [StaffedDay] = []
        for r in rows {
            guard let monday = CalendarDay(r.week), let minutes = paid[r.template] else { continue }
            let day = monday.adding(days: r.day)
            guard day >= from, day <= to else { continue }
            out.append(StaffedDay(agentID: r.agentId, day: day, seconds: minutes * 60))
        }
        return out
    }

    public struct StaffedDay: Sendable, Equatable {
        public var agentID: UUID
        public var day: CalendarDay
        public var seconds: Int
    }

    // MARK: Leave

    public enum LeaveKind: String, CaseIterable, Sendable { case personal, annual
        public var catalogKey: String { "roster.leave.\(rawValue)" }
    }
    public enum RequestStatus: String, CaseIterable, Sendable { case pending, approved, rejected
        public var catalogKey: String { "roster.status.\(rawValue)" }
    }

    public struct Leave: Sendable, Decodable, Equatable {
        public var id: UUID
        public var agentId: UUID
        public var kind: String
        public var fromDay: String
        public var toDay: String
        public var reason: String
        public var status: String
        public var decidedBy: UUID?
        public var createdAt: Date
    }

    /// Leave of the project's agents that touches [from, to], and every request still pending, newest first.
    public func leaves(_ projectID: UUID, from: CalendarDay, to: CalendarDay, on sql: (any SQLDatabase)? = nil) async throws -> [Leave] {
        try await (sql ?? store.sql).raw("""
            SELECT id, agent_id, kind, from_day, to_day, reason, status, decided_by, created_at FROM roster_leaves
            WHERE project_id = \(bind: projectID)
              AND ((from_day <= \(bind: to.description) AND to_day >= \(bind: from.description)) OR status = 'pending')
            ORDER BY created_at DESC, id
            """).all(decoding: Leave.self, with: decoder)
    }

    /// An agent asks for leave (or the shift lead enters it for them): pending until decided.
    public func requestLeave(agent: UUID, kind: LeaveKind, from: CalendarDay, to: CalendarDay, reason raw: String, in projectID: UUID,
                             context: AuditContext) async throws -> UUID {
        let reason = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        var bad: [Problem.FieldError] = []
        if to < from || from.days(until: to) > 60 { bad.append(.init(field: "toDay", code: "roster_leave_days_invalid")) }
        if reason.count > 200 { bad.append(.init(field: "reason", code: "too_long", arguments: ["limit": "200"])) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        guard try await agents(projectID).contains(where: { $0.id == agent }) else { throw Problem.invalid("agentId", "roster_agent_not_staff") }
        let id = UUID(), at = now()
        try await store.audited(context) { tx in
            try await (tx as! any SQLDatabase).insert(into: "roster_leaves")
                .columns("id", "project_id", "agent_id", "kind", "from_day", "to_day", "reason", "status", "created_at")
                .values(SQLBind(id), SQLBind(projectID), SQLBind(agent), SQLBind(kind.rawValue), SQLBind(from.description), SQLBind(to.description),
                        SQLBind(reason), SQLBind(RequestStatus.pending.rawValue), SQLBind(at)).run()
            return ((), AuditEntry(action: "roster.leave_request", entity: "roster_leave", entityID: id.uuidString, projectID: projectID,
                                   summary: "\(kind.rawValue) leave \(from)…\(to)", after: ["agent": agent.uuidString, "kind": kind.rawValue]))
        }
        return id
    }

    /// The shift lead approves or rejects a pending request. Approving removes nothing by itself:
    /// the agent's shifts on those days show as broken (on leave) until the roster is rebuilt or edited.
    public func decideLeave(_ id: UUID, approve: Bool, in projectID: UUID, context: AuditContext) async throws {
        let at = now()
        let status = approve ? RequestStatus.approved : .rejected
        try await store.audited(context) { tx in
            let sql = tx as! any SQLDatabase
            struct N: Decodable { var id: UUID }
            let changed = try await sql.raw("""
                UPDATE roster_leaves SET status = \(bind: status.rawValue), decided_by = \(bind: context.actorID), decided_at = \(bind: at)
                WHERE id = \(bind: id) AND project_id = \(bind: projectID) AND status = 'pending' RETURNING id
                """).all(decoding: N.self)
            guard !changed.isEmpty else { throw Problem.conflict("roster_request_decided") }
            return ((), AuditEntry(action: "roster.leave_decide", entity: "roster_leave", entityID: id.uuidString, projectID: projectID,
                                   summary: "leave \(status.rawValue)", before: ["status": "pending"], after: ["status": status.rawValue]))
        }
    }

    // MARK: The week

    public struct Shift: Sendable, Decodable, Equatable {
        public var id: UUID
        public var agentId: UUID
        public var day: Int
        public var template: String
        public var source: String
        public func rosterShift() -> RosterShift { RosterShift(agent: agentId, day: day, template: template) }
    }

    public struct Week: Sendable {
        public var monday: CalendarDay
        public var templates: [Template]
        public var agents: [Agent]
        public var shifts: [Shift]
        public var leaves: [Leave]
        /// Scheduled agents needed per interval (336, Monday 00:00 first): the staffing requirement.
        public var required: [Int]
        public var coverage: [Int]
        public var paidMinutes: Int
        public var naivePaidMinutes: Int
        /// Agent-intervals short of the requirement.
        public var shortIntervals: Int
        /// Per queue (技能组): scheduled agents its own calls need per interval, and agents with
        /// that skill rostered.
        public var requiredBySkill: [String: [Int]] = [:]
        public var skillCoverage: [String: [Int]] = [:]
        /// Per queue: agent-intervals short of its requirement by agents with the skill.
        public var skillShortIntervals: [String: Int] {
            Dictionary(uniqueKeysWithValues: requiredBySkill.map { skill, need in
                (skill, zip(need, skillCoverage[skill] ?? []).reduce(0) { $0 + max(0, $1.0 - $1.1) })
            })
        }
        public var requirement: [StaffingService.Requirement]
        public var settings: StaffingService.Settings
        /// Rules each shift breaks as the roster stands (leave approved after it was built…).
        public var warnings: [UUID: [RosterRule]]

        public var byCode: [String: ShiftTemplate] { Dictionary(templates.map { ($0.shift.code, $0.shift) }, uniquingKeysWith: { a, _ in a }) }
        /// How much fewer agent-hours than the naive roster, 0…1.
        public var saving: Double { naivePaidMinutes > 0 ? 1 - Double(paidMinutes) / Double(naivePaidMinutes) : 0 }
    }

    static func check(week: CalendarDay) throws -> CalendarDay {
        guard week.isoWeekday == 1 else { throw Problem.invalid("week", "roster_week_invalid") }
        return week
    }

    func shifts(_ projectID: UUID, week: CalendarDay, on sql: any SQLDatabase) async throws -> [Shift] {
        try await sql.raw("""
            SELECT id, agent_id, day, template, source FROM roster_shifts WHERE project_id = \(bind: projectID) AND week = \(bind: week.description)
            ORDER BY day, template, agent_id
            """).all(decoding: Shift.self, with: decoder)
    }

    /// The rules' view of each agent for the week: approved leave as weekday indexes.
    static func ruleAgents(_ agents: [Agent], leaves: [Leave], week: CalendarDay) -> [RosterRules.Agent] {
        agents.map { a in
            var days = Set<Int>()
            for l in leaves where l.agentId == a.id && l.status == RequestStatus.approved.rawValue {
                guard let f = CalendarDay(l.fromDay), let t = CalendarDay(l.toDay) else { continue }
                for i in 0..<7 where (f...t).contains(week.adding(days: i)) { days.insert(i) }
            }
            return RosterRules.Agent(id: a.id, leaveDays: days, unavailableDays: a.unavailableDays, skills: Set(a.skills))
        }
    }

    public func week(_ projectID: UUID, monday raw: CalendarDay) async throws -> Week {
        let monday = try Self.check(week: raw)
        let settings = try await staffing.settings(projectID)
        let templates = try await self.templates(projectID)
        let agents = try await self.agents(projectID)
        let shifts = try await self.shifts(projectID, week: monday, on: store.sql)
        let leaves = try await self.leaves(projectID, from: monday, to: monday.adding(days: 6))
        let requirement = try await staffing.requirement(projectID, from: monday, days: 7, settings: settings)
        let required = requirement.flatMap { $0.slots.map(\.scheduled) }
        let requiredBySkill = try await staffing.requirementBySkill(projectID, monday: monday, settings: settings)
        let byCode = Dictionary(templates.map { ($0.shift.code, $0.shift) }, uniquingKeysWith: { a, _ in a })
        let rs = shifts.map { $0.rosterShift() }
        let coverage = RosterRules.coverage(rs, templates: byCode)
        let ruleAgents = Dictionary(Self.ruleAgents(agents, leaves: leaves, week: monday).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var warnings: [UUID: [RosterRule]] = [:]
        for s in shifts {
            let agent = ruleAgents[s.agentId] ?? RosterRules.Agent(id: s.agentId)
            let v = RosterRules.violations(adding: s.rosterShift(), to: rs, agent: agent, templates: byCode, limits: settings.limits)
            if !v.isEmpty { warnings[s.id] = v }
        }
        return Week(monday: monday, templates: templates, agents: agents, shifts: shifts, leaves: leaves, required: required, coverage: coverage,
                    paidMinutes: rs.reduce(0) { $0 + (byCode[$1.template]?.paidMinutes ?? 0) },
                    naivePaidMinutes: RosterBuilder.naivePaidMinutes(required: required, templates: templates.map(\.shift)),
                    shortIntervals: zip(required, coverage).reduce(0) { $0 + max(0, $1.0 - $1.1) },
                    requiredBySkill: requiredBySkill,
                    skillCoverage: Dictionary(uniqueKeysWithValues: requiredBySkill.keys.map { skill in
                        (skill, RosterBuilder.skillCoverage(rs, skill: skill, agents: Array(ruleAgents.values), templates: byCode))
                    }),
                    requirement: requirement, settings: settings, warnings: warnings)
    }

    /// Builds the week's roster for the requirement: the shifts made by hand stay (the builder
    /// works around them), the built ones are replaced.
    public func build(_ projectID: UUID, monday raw: CalendarDay, context: AuditContext) async throws -> Week {
        let w = try await week(projectID, monday: raw)
        let hand = w.shifts.filter { $0.source == "hand" }.map { $0.rosterShift() }
        let result = RosterBuilder.build(required: w.required, requiredBySkill: w.requiredBySkill, templates: w.templates.map(\.shift),
                                         agents: Self.ruleAgents(w.agents, leaves: w.leaves, week: w.monday), limits: w.settings.limits, fixed: hand)
        let added = result.shifts.filter { !hand.contains($0) }
        let at = now()
        try await store.audited(context) { tx in
            let sql = tx as! any SQLDatabase
            try await sql.delete(from: "roster_shifts").where("project_id", .equal, projectID).where("week", .equal, w.monday.description)
                .where("source", .equal, "built").run()
            for s in added {
                try await Self.insert(s, projectID: projectID, week: w.monday, source: "built", at: at, by: context.actorID, on: sql)
            }
            return ((), AuditEntry(action: "roster.build", entity: "roster", entityID: "\(projectID)/\(w.monday)", projectID: projectID,
                                   summary: "roster \(w.monday): \(added.count) shifts built, \(hand.count) kept",
                                   after: ["shifts": "\(result.shifts.count)", "paid_minutes": "\(result.paidMinutes)",
                                           "short_intervals": "\(result.shortIntervals)",
                                           "skill_short": result.skillShortIntervals.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                                               .joined(separator: ",")]))
        }
        return try await week(projectID, monday: w.monday)
    }

    static func insert(_ s: RosterShift, projectID: UUID, week: CalendarDay, source: String, at: Date, by: UUID?, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "roster_shifts").columns("id", "project_id", "week", "agent_id", "day", "template", "source", "created_by", "created_at")
            .values(SQLBind(UUID()), SQLBind(projectID), SQLBind(week.description), SQLBind(s.agent), SQLBind(s.day), SQLBind(s.template),
                    SQLBind(source), SQLBind(by), SQLBind(at)).run()
    }

    /// The rule a change breaks, as the problem a page or the API answers with (409, the rule named).
    static func refused(_ rules: [RosterRule]) -> Problem {
        Problem.conflict("roster_rule_broken", ["rule": rules.first?.rawValue ?? "", "rules": rules.map(\.rawValue).joined(separator: ",")])
    }

    /// Adds one shift by hand; refused with the rule named when it breaks one. Coverage warnings
    /// (an interval now over or still under the requirement) are the page's to show, not refusals.
    public func addShift(_ shift: RosterShift, monday raw: CalendarDay, in projectID: UUID, context: AuditContext) async throws {
        let monday = try Self.check(week: raw)
        guard (0..<7).contains(shift.day) else { throw Problem.invalid("day", "roster_day_invalid") }
        let templates = Dictionary(try await self.templates(projectID).map { ($0.shift.code, $0.shift) }, uniquingKeysWith: { a, _ in a })
        guard templates[shift.template] != nil else { throw Problem.invalid("template", "roster_template_unknown") }
        let agents = try await self.agents(projectID)
        guard agents.contains(where: { $0.id == shift.agent }) else { throw Problem.invalid("agentId", "roster_agent_not_staff") }
        let leaves = try await self.leaves(projectID, from: monday, to: monday.adding(days: 6))
        let limits = try await staffing.settings(projectID).limits
        let agent = Self.ruleAgents(agents, leaves: leaves, week: monday).first { $0.id == shift.agent }!
        let at = now()
        try await store.audited(context) { tx in
            let sql = tx as! any SQLDatabase
            // Read the agent's shifts inside the write, the agent's row locked on PostgreSQL (SQLite
            // writes one at a time): two edits at once cannot both pass the hours check.
            try await lockAgent(shift.agent, projectID, on: sql)
            let existing = try await shifts(projectID, week: monday, on: sql).map { $0.rosterShift() }
            if existing.contains(shift) { throw Problem.conflict("roster_shift_exists") }
            let broken = RosterRules.violations(adding: shift, to: existing, agent: agent, templates: templates, limits: limits)
            guard broken.isEmpty else { throw Self.refused(broken) }
            try await Self.insert(shift, projectID: projectID, week: monday, source: "hand", at: at, by: context.actorID, on: sql)
            return ((), AuditEntry(action: "roster.shift_add", entity: "roster_shift", entityID: "\(projectID)/\(monday)", projectID: projectID,
                                   summary: "shift \(shift.template) day \(shift.day)", after: ["agent": shift.agent.uuidString, "template": shift.template,
                                                                                               "day": "\(shift.day)"]))
        }
    }

    func lockAgent(_ agent: UUID, _ projectID: UUID, on sql: any SQLDatabase) async throws {
        guard store.engine == .postgres else { return }
        try await sql.raw("""
            SELECT user_id FROM roster_agents WHERE project_id = \(bind: projectID) AND user_id = \(bind: agent) FOR UPDATE
            """).run()
    }

    public func removeShift(_ id: UUID, in projectID: UUID, context: AuditContext) async throws {
        try await store.audited(context) { tx in
            let sql = tx as! any SQLDatabase
            guard let s = try await sql.raw("""
                SELECT id, agent_id, day, template, source FROM roster_shifts WHERE id = \(bind: id) AND project_id = \(bind: projectID)
                """).first(decoding: Shift.self, with: decoder) else { throw Problem.notFound }
            try await sql.delete(from: "roster_shifts").where("id", .equal, id).run()
            return ((), AuditEntry(action: "roster.shift_remove", entity: "roster_shift", entityID: id.uuidString, projectID: projectID,
                                   summary: "shift \(s.template) day \(s.day) removed", before: ["agent": s.agentId.uuidString, "template": s.template]))
        }
    }

    // MARK: Swaps

    public struct Swap: Sendable, Decodable, Equatable {
        public var id: UUID
        public var shiftId: UUID
        public var requestedBy: UUID
        public var toAgentId: UUID
        public var note: String
        public var status: String
        public var createdAt: Date
        /// Filled after the read: the shift asked about.
        public var week: String?
        public var day: Int?
        public var template: String?
    }

    public func swaps(_ projectID: UUID, limit: Int = 50) async throws -> [Swap] {
        let rows = try await store.sql.raw("""
            SELECT id, shift_id, requested_by, to_agent_id, note, status, created_at FROM roster_swaps WHERE project_id = \(bind: projectID)
            ORDER BY CASE WHEN status = 'pending' THEN 0 ELSE 1 END, created_at DESC LIMIT \(unsafeRaw: String(limit))
            """).all(decoding: Swap.self, with: decoder)
        guard !rows.isEmpty else { return [] }
        struct S: Decodable { var id: UUID; var week: String; var day: Int; var template: String }
        let shifts = try await store.sql.raw("""
            SELECT id, week, day, template FROM roster_shifts WHERE id IN \(SQLBind.group(rows.map(\.shiftId)))
            """).all(decoding: S.self)
        let byID = Dictionary(shifts.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return rows.map { r in
            var r = r
            r.week = byID[r.shiftId]?.week
            r.day = byID[r.shiftId]?.day
            r.template = byID[r.shiftId]?.template
            return r
        }
    }

    /// An agent asks to hand one of their own shifts to another agent of the roster (换班).
    public func requestSwap(shift shiftID: UUID, to other: UUID, note raw: String, by requester: UUID, in projectID: UUID,
                            context: AuditContext) async throws -> UUID {
        let note = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard note.count <= 200 else { throw Problem.invalid("note", "too_long") }
        guard let s = try await store.sql.raw("""
            SELECT id, agent_id, day, template, source FROM roster_shifts WHERE id = \(bind: shiftID) AND project_id = \(bind: projectID)
            """).first(decoding: Shift.self, with: decoder) else { throw Problem.notFound }
        guard s.agentId == requester else { throw Problem.forbidden }
        guard other != requester, try await agents(projectID).contains(where: { $0.id == other }) else {
            throw Problem.invalid("toAgentId", "roster_agent_not_staff")
        }
        let id = UUID(), at = now()
        try await store.audited(context) { tx in
            try await (tx as! any SQLDatabase).insert(into: "roster_swaps")
                .columns("id", "project_id", "shift_id", "requested_by", "to_agent_id", "note", "status", "created_at")
                .values(SQLBind(id), SQLBind(projectID), SQLBind(shiftID), SQLBind(requester), SQLBind(other), SQLBind(note),
                        SQLBind(RequestStatus.pending.rawValue), SQLBind(at)).run()
            return ((), AuditEntry(action: "roster.swap_request", entity: "roster_swap", entityID: id.uuidString, projectID: projectID,
                                   summary: "swap requested", after: ["shift": shiftID.uuidString, "to": other.uuidString]))
        }
        return id
    }

    /// The shift lead approves (the shift moves to the other agent, if the rules allow it for them)
    /// or rejects a pending swap.
    public func decideSwap(_ id: UUID, approve: Bool, in projectID: UUID, context: AuditContext) async throws {
        // Two shift leads deciding at once: the second waits for the first and finds it decided.
        let lockClause = store.engine == .postgres ? "FOR UPDATE" : ""
        let agents = try await self.agents(projectID)
        let templates = Dictionary(try await self.templates(projectID).map { ($0.shift.code, $0.shift) }, uniquingKeysWith: { a, _ in a })
        let limits = try await staffing.settings(projectID).limits
        let at = now()
        try await store.audited(context) { tx in
            let sql = tx as! any SQLDatabase
            guard let swap = try await sql.raw("""
                SELECT id, shift_id, requested_by, to_agent_id, note, status, created_at FROM roster_swaps
                WHERE id = \(bind: id) AND project_id = \(bind: projectID) \(unsafeRaw: lockClause)
                """).first(decoding: Swap.self, with: decoder) else { throw Problem.notFound }
            guard swap.status == RequestStatus.pending.rawValue else { throw Problem.conflict("roster_request_decided") }
            if approve {
                struct W: Decodable { var week: String }
                guard let week = try await sql.raw("SELECT week FROM roster_shifts WHERE id = \(bind: swap.shiftId)").first(decoding: W.self)
                    .flatMap({ CalendarDay($0.week) }) else { throw Problem.notFound }
                try await lockAgent(swap.toAgentId, projectID, on: sql)
                let all = try await shifts(projectID, week: week, on: sql)
                guard let s = all.first(where: { $0.id == swap.shiftId }) else { throw Problem.notFound }
                let leaves = try await self.leaves(projectID, from: week, to: week.adding(days: 6), on: sql)
                guard let agent = Self.ruleAgents(agents, leaves: leaves, week: week).first(where: { $0.id == swap.toAgentId }) else {
                    throw Problem.invalid("toAgentId", "roster_agent_not_staff")
                }
                let moved = RosterShift(agent: swap.toAgentId, day: s.day, template: s.template)
                let rest = all.filter { $0.id != s.id }.map { $0.rosterShift() }
                if rest.contains(moved) { throw Problem.conflict("roster_shift_exists") }
                let broken = RosterRules.violations(adding: moved, to: rest, agent: agent, templates: templates, limits: limits)
                guard broken.isEmpty else { throw Self.refused(broken) }
                try await sql.update("roster_shifts").set("agent_id", to: SQLBind(swap.toAgentId)).set("source", to: SQLBind("hand"))
                    .where("id", .equal, s.id).run()
            }
            let status = approve ? RequestStatus.approved : .rejected
            try await sql.update("roster_swaps").set("status", to: SQLBind(status.rawValue)).set("decided_by", to: SQLBind(context.actorID))
                .set("decided_at", to: SQLBind(at)).where("id", .equal, id).run()
            return ((), AuditEntry(action: "roster.swap_decide", entity: "roster_swap", entityID: id.uuidString, projectID: projectID,
                                   summary: "swap \(status.rawValue)", before: ["status": "pending"], after: ["status": status.rawValue]))
        }
    }
}
