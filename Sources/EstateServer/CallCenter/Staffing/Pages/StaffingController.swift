import EstateCore
import EstateSheets
import Foundation
import Plot
import Vapor

/// The staffing pages (话务预测 / 人力需求 / 节假日): each project route has had its action checked
/// by the route guard; the services check values.
enum StaffingController {
    static func register(_ app: Application) {
        app.on(.GET, "staffing", guard: .allowed(.callsHandle)) { req in try await home(req, tab: .staffing) }
        app.on(.GET, "rosters", guard: .allowed(.callsHandle)) { req in try await home(req, tab: .rosters) }
        let p = app.grouped("projects", ":projectID")
        p.on(.GET, "staffing", guard: .allowed(.callsHandle), use: show)
        p.on(.GET, "staffing.xlsx", guard: .allowed(.callsHandle), use: export)
        p.on(.POST, "staffing", "settings", guard: .allowed(.callCenterManage), use: saveSettings)
        p.on(.GET, "staffing", "calendar", guard: .allowed(.callsHandle), use: calendar)
        p.on(.POST, "staffing", "calendar", guard: .allowed(.callCenterManage), use: saveCalendarDay)
        p.on(.POST, "staffing", "calendar", "load", guard: .allowed(.callCenterManage), use: loadCalendarYear)
    }

    static func home(_ req: Request, tab: StaffingShell.Tab) async throws -> Response {
        let projects = try await ProjectSwitcher.projects(req, any: [.callsHandle])
        let chosenTab = req.queryText("tab").flatMap(StaffingShell.Tab.init(rawValue:)) ?? tab
        if let chosen = req.queryText("project").flatMap(UUID.init(uuidString:)), projects.contains(where: { $0.id == chosen }) {
            return req.redirect(to: chosenTab.href(chosen))
        }
        if let first = projects.first { return req.redirect(to: chosenTab.href(first.id)) }
        let ctx = PageContext(req), t = ctx.t
        return Shell.response(Shell.page(ctx, title: t(chosenTab.key), .group(.h1(.text(t(chosenTab.key))), .p(.class("muted"), .text(t("inv.no_projects"))))))
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        Shell.response(StaffingPage.view(PageContext(req), try await StaffingPage.Model.load(req, try req.projectID())))
    }

    @Sendable static func saveSettings(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let v = req.formFields(StaffingPage.settingKeys)
        return try await FormAction.run(req) {
            _ = try await req.services.staffing(req.db).saveSettings(try StaffingPage.parse(v), for: projectID, context: req.auditContext)
            return .to("/projects/\(projectID)/staffing", notice: "notice.saved", anchor: "settings")
        } failed: { problem in
            let t = req.localizer
            let f = FormFailure(t, problem, form: "settings", values: v, label: { k in
                let key = "staffing.setting.\(k == "slTargetPermille" ? "slTarget" : k)"
                return t.catalog.has(key) ? t(key) : nil
            })
            return Shell.response(StaffingPage.view(PageContext(req), try await StaffingPage.Model.load(req, projectID, failure: f, values: v)),
                                  status: problem.status)
        }
    }

    @Sendable static func calendar(_ req: Request) async throws -> Response {
        Shell.response(StaffingCalendarPage.view(PageContext(req), try await StaffingCalendarPage.Model.load(req, try req.projectID())))
    }

    @Sendable static func saveCalendarDay(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let v = req.formFields(["day", "kind", "name", "year"])
        return try await FormAction.run(req) {
            guard let day = CalendarDay(v["day"] ?? "") else { throw Problem.invalid("day", "staffing_day_invalid") }
            let kind = (v["kind"] ?? "").isEmpty ? nil : StaffingDayKind(rawValue: v["kind"] ?? "")
            if kind == nil, !(v["kind"] ?? "").isEmpty { throw Problem.invalid("kind", "staffing_day_invalid") }
            try await req.services.staffing(req.db).setCalendarDay(day, kind: kind, name: v["name"] ?? "", context: req.auditContext)
            return .to("/projects/\(projectID)/staffing/calendar?year=\(day.year)", notice: "notice.saved")
        } failed: { problem in
            let f = FormFailure(req.localizer, problem, form: "calendar", values: v)
            return Shell.response(StaffingCalendarPage.view(PageContext(req), try await StaffingCalendarPage.Model.load(req, projectID, failure: f)),
                                  status: problem.status)
        }
    }

    /// The supervisor loads a year of published holidays (kept days stay as they are).
    @Sendable static func loadCalendarYear(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let year = Int(req.formField("year")) ?? 0
        return try await FormAction.run(req) {
            _ = try await req.services.staffing(req.db).loadHolidays(year: year, context: req.auditContext)
            return .to("/projects/\(projectID)/staffing/calendar?year=\(year)", notice: "staffing.calendar_loaded_notice")
        } failed: { problem in
            let f = FormFailure(req.localizer, problem, form: "calendar")
            return Shell.response(StaffingCalendarPage.view(PageContext(req), try await StaffingCalendarPage.Model.load(req, projectID, failure: f)),
                                  status: problem.status)
        }
    }

    @Sendable static func export(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, _) = try await ProjectSwitcher.refs(req, projectID, any: [.callsHandle])
        let monday = StaffingService.monday(of: req.queryText("from").flatMap(CalendarDay.init) ?? CalendarDay(req.services.now()))
        let days = try await req.services.staffing(req.db).requirement(projectID, from: monday, days: 7)
        let t = req.localizer
        let columns = [SheetColumn(t("staffing.col.day"), width: 12, format: .text), SheetColumn(t("staffing.col.interval"), width: 8, format: .text),
                       SheetColumn(t("staffing.col.calls"), format: .area), SheetColumn(t("staffing.col.aht"), format: .integer),
                       SheetColumn(t("staffing.col.erlangs"), format: .area), SheetColumn(t("staffing.col.inbound"), format: .integer),
                       SheetColumn(t("staffing.col.outbound"), format: .integer), SheetColumn(t("staffing.col.required"), format: .integer),
                       SheetColumn(t("staffing.col.scheduled"), format: .integer), SheetColumn(t("staffing.col.sl"), format: .percent),
                       SheetColumn(t("staffing.col.asa"), format: .area), SheetColumn(t("staffing.col.occupancy"), format: .percent)]
        func dec(_ v: Double, _ scale: Int = 2) -> SheetCell {
            v.isFinite ? .decimal(Int64((v * pow(10, Double(scale))).rounded()), scale: scale) : .empty
        }
        let rows: [[SheetCell]] = days.flatMap { d in
            d.slots.map { r in
                [.text(d.day.day.description), .text(StaffingInterval.label(r.slot)), dec(r.calls), .integer(Int64(r.ahtSeconds.rounded())),
                 dec(r.inbound.traffic), .integer(Int64(r.inbound.agents)), .integer(Int64(r.outboundAgents)), .integer(Int64(r.required)),
                 .integer(Int64(r.scheduled)), r.inbound.agents == 0 ? .empty : dec(r.inbound.serviceLevel, 4),
                 r.inbound.agents == 0 ? .empty : dec(r.inbound.asaSeconds, 1), r.inbound.agents == 0 ? .empty : dec(r.inbound.occupancy, 4)]
            }
        }
        let data = try XLSXWriter.data([Sheet(name: t("staffing.tab.staffing"), columns: columns, rows: rows)])
        return Response.workbook(data, name: "\(t("staffing.file"))-\(project.code)-\(monday).xlsx")
    }
}
