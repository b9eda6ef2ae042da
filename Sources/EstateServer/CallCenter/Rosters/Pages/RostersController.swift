import EstateCore
import EstateSheets
import Foundation
import Plot
import Vapor

/// The roster pages (排班). Project routes have had the action checked by the route guard: agents
/// (calls.handle) read the roster, ask for leave for themselves and swaps of their own shifts; the
/// shift lead (callcenter.manage) builds, edits, decides.
enum RostersController {
    static func register(_ app: Application) {
        let p = app.grouped("projects", ":projectID")
        p.on(.GET, "rosters", guard: .allowed(.callsHandle), use: show)
        p.on(.GET, "rosters.xlsx", guard: .allowed(.callsHandle), use: export)
        let r = p.grouped("rosters")
        r.on(.POST, "build", guard: .allowed(.callCenterManage), use: build)
        r.on(.POST, "shifts", guard: .allowed(.callCenterManage), use: addShift)
        r.on(.POST, "shifts", ":shiftID", "delete", guard: .allowed(.callCenterManage), use: removeShift)
        r.on(.POST, "leave", guard: .allowed(.callsHandle), use: requestLeave)
        r.on(.POST, "leave", ":leaveID", "decide", guard: .allowed(.callCenterManage), use: decideLeave)
        r.on(.POST, "swaps", guard: .allowed(.callsHandle), use: requestSwap)
        r.on(.POST, "swaps", ":swapID", "decide", guard: .allowed(.callCenterManage), use: decideSwap)
        r.on(.POST, "agents", guard: .allowed(.callCenterManage), use: saveAgent)
        r.on(.POST, "templates", guard: .allowed(.callCenterManage), use: saveTemplates)
    }

    static func week(_ req: Request) -> CalendarDay {
        StaffingService.monday(of: CalendarDay(req.formField("week")) ?? CalendarDay(req.services.now()))
    }

    static func page(_ req: Request, _ projectID: UUID, _ monday: CalendarDay, anchor: String = "") -> String {
        "/projects/\(projectID)/rosters?week=\(monday)" + (anchor.isEmpty ? "" : "#" + anchor)
    }

    /// The roster again with the refusal shown by the form it came from.
    static func failed(_ req: Request, _ projectID: UUID, _ problem: Problem, form: String, values: [String: String] = [:]) async throws -> Response {
        let f = FormFailure(req.localizer, problem, form: form, values: values)
        return Shell.response(RosterPage.view(PageContext(req), try await RosterPage.Model.load(req, projectID, failure: f)), status: problem.status)
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        Shell.response(RosterPage.view(PageContext(req), try await RosterPage.Model.load(req, try req.projectID())))
    }

    @Sendable static func build(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), monday = week(req)
        return try await FormAction.run(req) {
            _ = try await req.services.rosters(req.db).build(projectID, monday: monday, context: req.auditContext)
            return .to("/projects/\(projectID)/rosters?week=\(monday)", notice: "roster.built_notice")
        } failed: { try await failed(req, projectID, $0, form: "roster") }
    }

    @Sendable static func addShift(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), monday = week(req)
        let v = req.formFields(["agentId", "day", "template"])
        return try await FormAction.run(req) {
            guard let agent = UUID(uuidString: v["agentId"] ?? "") else { throw Problem.invalid("agentId", "roster_agent_not_staff") }
            guard let day = Int(v["day"] ?? "") else { throw Problem.invalid("day", "roster_day_invalid") }
            try await req.services.rosters(req.db).addShift(RosterShift(agent: agent, day: day, template: v["template"] ?? ""), monday: monday,
                                                            in: projectID, context: req.auditContext)
            return .to("/projects/\(projectID)/rosters?week=\(monday)", notice: "roster.added_notice", anchor: "shift")
        } failed: { try await failed(req, projectID, $0, form: "shift", values: v) }
    }

    @Sendable static func removeShift(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), monday = week(req), id = try req.pathID("shiftID")
        return try await FormAction.run(req) {
            try await req.services.rosters(req.db).removeShift(id, in: projectID, context: req.auditContext)
            return .to("/projects/\(projectID)/rosters?week=\(monday)", notice: "roster.removed_notice")
        } failed: { try await failed(req, projectID, $0, form: "roster") }
    }

    @Sendable static func requestLeave(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), monday = week(req)
        let v = req.formFields(["agentId", "kind", "fromDay", "toDay", "reason"])
        return try await FormAction.run(req) {
            let p = try req.requirePrincipal()
            guard let agent = UUID(uuidString: v["agentId"] ?? "") else { throw Problem.invalid("agentId", "roster_agent_not_staff") }
            // An agent asks for themselves; the shift lead may enter anyone's.
            guard agent == p.userID || p.may(.callCenterManage, on: projectID) else { throw Problem.forbidden }
            guard let kind = RosterService.LeaveKind(rawValue: v["kind"] ?? "") else { throw Problem.invalid("kind", "roster_leave_kind_invalid") }
            guard let from = CalendarDay(v["fromDay"] ?? ""), let to = CalendarDay(v["toDay"] ?? "") else {
                throw Problem.invalid("toDay", "roster_leave_days_invalid")
            }
            _ = try await req.services.rosters(req.db).requestLeave(agent: agent, kind: kind, from: from, to: to, reason: v["reason"] ?? "",
                                                                   in: projectID, context: req.auditContext)
            return .to("/projects/\(projectID)/rosters?week=\(monday)", notice: "roster.leave_notice", anchor: "leave")
        } failed: { try await failed(req, projectID, $0, form: "leave", values: v) }
    }

    @Sendable static func decideLeave(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), monday = week(req), id = try req.pathID("leaveID")
        let approve = req.formField("approve") == "1"
        return try await FormAction.run(req) {
            try await req.services.rosters(req.db).decideLeave(id, approve: approve, in: projectID, context: req.auditContext)
            return .to("/projects/\(projectID)/rosters?week=\(monday)", notice: "notice.saved", anchor: "leave")
        } failed: { try await failed(req, projectID, $0, form: "leave") }
    }

    @Sendable static func requestSwap(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), monday = week(req)
        let v = req.formFields(["shiftId", "toAgentId", "note"])
        return try await FormAction.run(req) {
            guard let shift = UUID(uuidString: v["shiftId"] ?? "") else { throw Problem.invalid("shiftId", "roster_shift_invalid") }
            guard let to = UUID(uuidString: v["toAgentId"] ?? "") else { throw Problem.invalid("toAgentId", "roster_agent_not_staff") }
            _ = try await req.services.rosters(req.db).requestSwap(shift: shift, to: to, note: v["note"] ?? "", by: try req.requirePrincipal().userID,
                                                                  in: projectID, context: req.auditContext)
            return .to("/projects/\(projectID)/rosters?week=\(monday)", notice: "roster.swap_notice", anchor: "swaps")
        } failed: { try await failed(req, projectID, $0, form: "swap", values: v) }
    }

    @Sendable static func decideSwap(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), monday = week(req), id = try req.pathID("swapID")
        let approve = req.formField("approve") == "1"
        return try await FormAction.run(req) {
            try await req.services.rosters(req.db).decideSwap(id, approve: approve, in: projectID, context: req.auditContext)
            return .to("/projects/\(projectID)/rosters?week=\(monday)", notice: "notice.saved", anchor: "swaps")
        } failed: { try await failed(req, projectID, $0, form: "swap") }
    }

    /// "07:30" → 450; nil when it is not a time of the day.
    static func minute(_ raw: String) -> Int? {
        let parts = raw.split(separator: ":")
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m) else { return nil }
        return h * 60 + m
    }

    /// The template editor's rows (`code_i`, `name_i`, `start_i`, `end_i`, `breaks_i` as "12:00-12:30, 18:00-18:30");
    /// a row with no code is left out (the blank row for a new template, or one cleared to remove it).
    static func templates(_ v: [String: String], rows: Int) throws -> [RosterService.Template] {
        var out: [RosterService.Template] = [], bad: [Problem.FieldError] = []
        for i in 0..<rows {
            let code = v["code_\(i)"] ?? ""
            guard !code.isEmpty else { continue }
            let args = ["row": "\(out.count + 1)", "code": code]
            guard let start = minute(v["start_\(i)"] ?? ""), let end = minute(v["end_\(i)"] ?? "") else {
                bad.append(.init(field: "templates[\(out.count)]", code: "roster_template_time", arguments: args)); continue
            }
            var breaks: [(start: Int, end: Int)] = [], ok = true
            for item in (v["breaks_\(i)"] ?? "").split(whereSeparator: { $0 == "," || $0 == "，" || $0 == ";" }) {
                let ends = item.split(whereSeparator: { $0 == "-" || $0 == "–" || $0 == "~" }).map { String($0).trimmingCharacters(in: .whitespaces) }
                guard ends.count == 2, let a = minute(ends[0]), let b = minute(ends[1]) else { ok = false; break }
                breaks.append((a, b))
            }
            guard ok else { bad.append(.init(field: "templates[\(out.count)]", code: "roster_template_time", arguments: args)); continue }
            out.append(RosterService.Template(shift: ShiftTemplate.fromClock(code: code, start: start, end: end, breaks: breaks), name: v["name_\(i)"] ?? ""))
        }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        return out
    }

    @Sendable static func saveTemplates(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), monday = week(req)
        let rows = min(Int(req.formField("rows")) ?? 0, 20)
        let v = req.formFields((0..<rows).flatMap { i in ["code_\(i)", "name_\(i)", "start_\(i)", "end_\(i)", "breaks_\(i)"] })
        return try await FormAction.run(req) {
            try await req.services.rosters(req.db).saveTemplates(try templates(v, rows: rows), for: projectID, context: req.auditContext)
            return .to("/projects/\(projectID)/rosters?week=\(monday)", notice: "notice.saved", anchor: "templates")
        } failed: { try await failed(req, projectID, $0, form: "templates", values: v) }
    }

    /// The form's team: empty is none, anything else must be an id.
    static func teamLead(_ raw: String?) throws -> UUID? {
        guard let raw, !raw.isEmpty else { return nil }
        guard let id = UUID(uuidString: raw) else { throw Problem.invalid("teamLeadId", "roster_team_lead_invalid") }
        return id
    }

    @Sendable static func saveAgent(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), monday = week(req)
        let v = req.formFields(["userId", "skills", "teamLeadId"])
        let days = Set(req.formList("unavailable").compactMap(Int.init))
        return try await FormAction.run(req) {
            guard let user = UUID(uuidString: v["userId"] ?? "") else { throw Problem.invalid("userId", "roster_agent_not_staff") }
            try await req.services.rosters(req.db).saveAgent(user, skills: (v["skills"] ?? "").split(whereSeparator: { $0 == "," || $0 == "，" }).map(String.init),
                                                             unavailableDays: days, teamLead: try teamLead(v["teamLeadId"]), in: projectID,
                                                             context: req.auditContext)
            return .to("/projects/\(projectID)/rosters?week=\(monday)", notice: "notice.saved", anchor: "agents")
        } failed: { try await failed(req, projectID, $0, form: "agent", values: v) }
    }

    @Sendable static func export(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, _) = try await ProjectSwitcher.refs(req, projectID, any: [.callsHandle])
        let monday = StaffingService.monday(of: req.queryText("week").flatMap(CalendarDay.init) ?? CalendarDay(req.services.now()))
        let w = try await req.services.rosters(req.db).week(projectID, monday: monday)
        let t = req.localizer
        let templates = Dictionary(w.templates.map { ($0.shift.code, $0) }, uniquingKeysWith: { a, _ in a })
        // Sheet 1: agents × days, as the floor prints it.
        let gridColumns = [SheetColumn(t("roster.col.agent"), width: 14, format: .text), SheetColumn(t("roster.col.hours"), format: .area)]
            + (0..<7).map { i in SheetColumn("\(StaffingShell.weekdayName(t, monday.adding(days: i))) \(monday.adding(days: i))", width: 20, format: .text) }
        let gridRows: [[SheetCell]] = w.agents.map { a in
            let mine = w.shifts.filter { $0.agentId == a.id }
            let minutes = mine.reduce(0) { $0 + (templates[$1.template]?.shift.paidMinutes ?? 0) }
            return [.text(a.name), .decimal(Int64(minutes * 100 / 60), scale: 2)]
                + (0..<7).map { i in .text(mine.filter { $0.day == i }.map { RosterPage.shiftLabel(t, templates[$0.template]) }.joined(separator: "; ")) }
        }
        // Sheet 2: coverage per half hour.
        let covColumns = [SheetColumn(t("staffing.col.day"), width: 12, format: .text), SheetColumn(t("staffing.col.interval"), format: .text),
                          SheetColumn(t("staffing.col.scheduled_required"), format: .integer), SheetColumn(t("roster.col.rostered"), format: .integer)]
        let covRows: [[SheetCell]] = (0..<(7 * 48)).map { i in
            [.text(monday.adding(days: i / 48).description), .text(StaffingInterval.label(i % 48)),
             .integer(Int64(i < w.required.count ? w.required[i] : 0)), .integer(Int64(w.coverage[i]))]
        }
        let data = try XLSXWriter.data([Sheet(name: t("staffing.tab.rosters"), columns: gridColumns, rows: gridRows),
                                        Sheet(name: t("roster.coverage"), columns: covColumns, rows: covRows)])
        return Response.workbook(data, name: "\(t("roster.file"))-\(project.code)-\(monday).xlsx")
    }
}
