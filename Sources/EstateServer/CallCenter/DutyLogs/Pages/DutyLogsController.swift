import EstateCore
import Foundation
import Vapor

/// 值班日志 pages. Project routes had the action checked by the route guard; `/duty-logs/:id`
/// names no project, so its handlers load the log and check its project here.
enum DutyLogsController {
    static func register(_ app: Application) {
        app.on(.GET, "duty-logs", guard: .allowed(.callsHandle), use: home)
        let p = app.grouped("projects", ":projectID", "duty-logs")
        p.on(.GET, guard: .allowed(.callsHandle), use: list)
        p.on(.POST, guard: .allowed(.callCenterManage), use: create)
        let l = app.grouped("duty-logs", ":logID")
        l.on(.GET, guard: .allowed(.callsHandle), use: show)
        l.on(.POST, guard: .allowed(.callCenterManage), use: update)
        l.on(.POST, "sign-off", guard: .allowed(.callCenterManage), use: signOff)
    }

    static let keys = ["shiftDate", "shiftName", "startsAt", "endsAt", "onDuty", "incidents", "complaints", "handover"]

    static func load(_ req: Request, _ action: Action = .callsHandle) async throws -> DutyLogService.DutyLog {
        let l = try await req.services.dutyLogs(req.db).log(try req.pathID("logID"))
        let p = try req.requirePrincipal()
        guard p.canSee(project: l.projectId), p.may(.callsHandle, on: l.projectId) else { throw Problem.notFound }
        guard p.may(action, on: l.projectId) else { throw Problem.forbidden }
        return l
    }

    @Sendable static func home(_ req: Request) async throws -> Response {
        let projects = try await ProjectSwitcher.projects(req, any: [.callsHandle])
        if let chosen = req.queryText("project").flatMap(UUID.init(uuidString:)), projects.contains(where: { $0.id == chosen }) {
            return req.redirect(to: "/projects/\(chosen)/duty-logs")
        }
        guard let first = projects.first else { throw Problem.notFound }
        return req.redirect(to: "/projects/\(first.id)/duty-logs")
    }

    @Sendable static func list(_ req: Request) async throws -> Response {
        Shell.response(DutyLogListPage.view(PageContext(req), try await DutyLogListPage.Model.load(req, try req.projectID())))
    }

    /// "2026-12-06" and "08:00" as the form sends them, in Beijing time.
    static func time(_ day: String?, _ clock: String?) -> Date? {
        guard let day = day.flatMap(CalendarDay.init), let clock, clock.count == 5, let h = Int(clock.prefix(2)), let m = Int(clock.suffix(2)),
              (0...23).contains(h), (0...59).contains(m) else { return nil }
        return day.start.addingTimeInterval(Double(h * 3600 + m * 60))
    }

    @Sendable static func create(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        var v = req.formFields(keys)
        for k in ["onDuty", "incidents", "complaints", "handover"] { v[k] = (try? req.content.get(String.self, at: k)) ?? "" }
        return try await FormAction.run(req) {
            guard let starts = time(v["shiftDate"], v["startsAt"]), var ends = time(v["shiftDate"], v["endsAt"]) else {
                throw Problem.invalid("startsAt", "duty_shift_times_invalid")
            }
            // A shift that ends at or before it starts runs past midnight (通宵 22:00–08:00).
            if ends <= starts { ends += 86_400 }
            var d = DutyLogService.Draft(shiftDate: v["shiftDate"] ?? "", shiftName: v["shiftName"] ?? "", startsAt: starts, endsAt: ends)
            d.onDuty = v["onDuty"] ?? ""
            d.incidents = v["incidents"] ?? ""
            d.complaints = v["complaints"] ?? ""
            d.handover = v["handover"] ?? ""
            let l = try await req.services.dutyLogs(req.db).create(d, in: projectID, by: try req.requirePrincipal(), context: req.auditContext)
            return .to("/duty-logs/\(l.id)", notice: "duty.created_notice")
        } failed: { problem in
            FormAction.back(req, to: "/projects/\(projectID)/duty-logs", problem)
        }
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        let l = try await load(req)
        return Shell.response(DutyLogPage.view(PageContext(req), try await DutyLogPage.Model.load(req, l)))
    }

    @Sendable static func update(_ req: Request) async throws -> Response {
        let l = try await load(req, .callCenterManage)
        var p = DutyLogService.Patch()
        p.onDuty = (try? req.content.get(String.self, at: "onDuty")) ?? l.onDuty
        p.incidents = (try? req.content.get(String.self, at: "incidents")) ?? l.incidents
        p.complaints = (try? req.content.get(String.self, at: "complaints")) ?? l.complaints
        p.handover = (try? req.content.get(String.self, at: "handover")) ?? l.handover
        return try await FormAction.run(req) {
            _ = try await req.services.dutyLogs(req.db).update(l.id, p, context: req.auditContext)
            return .to("/duty-logs/\(l.id)", notice: "notice.saved")
        } failed: { problem in
            FormAction.back(req, to: "/duty-logs/\(l.id)", problem)
        }
    }

    @Sendable static func signOff(_ req: Request) async throws -> Response {
        let l = try await load(req, .callCenterManage)
        return try await FormAction.run(req) {
            _ = try await req.services.dutyLogs(req.db).signOff(l.id, by: try req.requirePrincipal(), context: req.auditContext)
            return .to("/duty-logs/\(l.id)", notice: "duty.signed_notice")
        } failed: { problem in
            FormAction.back(req, to: "/duty-logs/\(l.id)", problem)
        }
    }
}
