import EstateCore
import Foundation
import Plot
import Vapor

/// 话务报表: the KPIs in total, per agent, per team (班组), per month and per day over a period, with the definitions written on
/// the page; the same figures as .xlsx and from `/api/v1/reports/call-centre`.
enum CallCentreReportPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var query: ReportQuery
        var today: CalendarDay
        var report: CallCentreKPIService.Report?
        var failure: FormFailure?
    }

    static func thisMonth(_ today: CalendarDay) -> (CalendarDay, CalendarDay) { ReportsController.thisMonth(today) }

    @Sendable static func show(_ req: Request) async throws -> Response {
        guard let (project, projects) = try await CallsController.project(req, .callCenterManage) else { return CallsController.noProjects(req) }
        let today = CalendarDay(req.services.now())
        let q = ReportsController.periodQuery(req, default: thisMonth(today))
        var m = Model(project: project, projects: projects, query: q, today: today)
        do {
            let period = try APIHandler.period(q.from, q.to)
            m.report = try await req.services.callCentreKPIs(req.db).report(projectID: project.id, from: period.from, to: period.to)
            return Shell.response(view(PageContext(req), m))
        } catch let p as Problem where ReportsController.isQueryError(p) {
            m.failure = ReportsController.failure(req.localizer, p)
            return Shell.response(view(PageContext(req), m), status: p.status)
        }
    }

    @Sendable static func export(_ req: Request) async throws -> Response {
        guard let (project, _) = try await CallsController.project(req, .callCenterManage) else { throw Problem.notFound }
        let q = ReportsController.periodQuery(req, default: thisMonth(CalendarDay(req.services.now())))
        let period = try APIHandler.period(q.from, q.to)
        let r = try await req.services.callCentreKPIs(req.db).report(projectID: project.id, from: period.from, to: period.to)
        return Response.workbook(try CallSheets.report(r, t: req.localizer),
                                 name: ReportSheets.fileName("callcentre", projectCode: project.code, period: period, t: req.localizer))
    }

    // MARK: View

    static func rate(_ r: Double?) -> String { r.map { String(format: "%.1f%%", $0 * 100) } ?? "—" }
    static func secs(_ s: Double?) -> String { s.map { CallsShell.duration(Int($0.rounded())) } ?? "—" }
    static func mean(_ s: Double?, _ digits: Int) -> String { s.map { String(format: "%.\(digits)f", $0) } ?? "—" }

    static func head(_ t: Localizer, first: String) -> Node<HTML.TableContext> {
        .thead(.tr(.th(.text(t(first))), .group(["kpi.offered", "kpi.answered", "kpi.abandoned", "kpi.abandonment", "kpi.service_level",
                                                "kpi.asa", "kpi.aht", "kpi.fcr", "kpi.callbacks_on_time", "kpi.satisfaction", "kpi.qa",
                                                "kpi.staffed", "kpi.occupancy"].map {
            Node<HTML.TableRowContext>.th(.class("num"), .text(t($0)))
        })))
    }

    /// Staffed hours, one decimal; "—" when nobody was rostered.
    static func hours(_ seconds: Int) -> String { seconds > 0 ? String(format: "%.1f", Double(seconds) / 3600) : "—" }

    static func cells(_ c: CallKPI.Counters, staffed: Int) -> Node<HTML.TableRowContext> {
        .group([String(c.offered), String(c.answered), String(c.abandoned), rate(CallKPI.abandonment(c)), rate(CallKPI.serviceLevel(c)),
                secs(CallKPI.asa(c)), secs(CallKPI.aht(c)), rate(CallKPI.fcr(c)), rate(CallKPI.callbacksOnTime(c)),
                mean(CallKPI.satisfaction(c), 2), mean(CallKPI.qaScore(c), 1), hours(staffed),
                rate(CallKPI.occupancy(c, staffedSeconds: staffed))].map { Node<HTML.TableRowContext>.td(.class("num"), .text($0)) })
    }

    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/callcentre/report"
        var keep = ReportQuery(from: m.query.from, to: m.query.to)
        keep.granularity = ""
        return CallsShell.page(ctx, project: m.project, projects: m.projects, tab: .report, title: t("calls.tab.report"), .group(
            .form(.class("filters report-form"), .method(.get), .action(base),
                .input(.type(.hidden), .name("project"), .value(m.project.id.uuidString)),
                .div(.class(m.failure?.has("from") == true ? "field invalid" : "field"), .label(.for("rp-from"), .text(t("report.from"))),
                     .input(.type(.date), .id("rp-from"), .name("from"), .value(m.query.from))),
                .div(.class(m.failure?.has("to") == true ? "field invalid" : "field"), .label(.for("rp-to"), .text(t("report.to"))),
                     .input(.type(.date), .id("rp-to"), .name("to"), .value(m.query.to))),
                .div(.class("field actions"), .label(.text(" ")), .button(.type(.submit), .class("primary"), .text(t("action.filter"))))),
            FormFailure.view(m.failure),
            .unwrap(m.report) { r in
                .group(
                    .div(.class("toolbar report-toolbar"),
                         .p(.class("report-period muted"), .text("\(t("report.period")) \(r.from) – \(r.to)")),
                         .div(.class("spacer")),
                         ReportShell.exportLink(t, "\(base).xlsx?project=\(m.project.id)&\(keep.encoded)")),
                    tiles(t, r.total, staffed: r.staffedSeconds),
                    .h2(.text(t("kpi.sheet.agents"))),
                    .div(.class("table-wrap"), .table(.class("data report kpi"), head(t, first: "kpi.agent"),
                        .tbody(.group(r.agents.map { a in
                            Node<HTML.TableContext>.tr(.td(.class("nowrap"), .text(a.name ?? t("kpi.no_agent"))), cells(a.counters, staffed: a.staffedSeconds))
                        })),
                        .tfoot(.tr(.th(.text(t("kpi.sheet.total"))), cells(r.total, staffed: r.staffedSeconds))))),
                    .h2(.text(t("kpi.sheet.teams"))),
                    .p(.class("muted small"), .text(t("kpi.teams_note"))),
                    .div(.class("table-wrap"), .table(.class("data report kpi"), head(t, first: "kpi.team"),
                        .tbody(.group(r.teams.map { tm in
                            Node<HTML.TableContext>.tr(.td(.class("nowrap"), .text(teamName(t, tm))), cells(tm.counters, staffed: tm.staffedSeconds))
                        })))),
                    .h2(.text(t("kpi.sheet.months"))),
                    .div(.class("table-wrap"), .table(.class("data report kpi"), head(t, first: "kpi.month"),
                        .tbody(.group(r.months.map { mo in
                            Node<HTML.TableContext>.tr(.td(.class("nowrap"), .text(mo.label)), cells(mo.counters, staffed: mo.staffedSeconds))
                        })))),
                    .h2(.text(t("kpi.sheet.days"))),
                    .div(.class("table-wrap"), .table(.class("data report kpi"), head(t, first: "kpi.day"),
                        .tbody(.group(r.days.map { d in
                            Node<HTML.TableContext>.tr(.td(.class("nowrap"), .text("\(d.day) \(t("kpi.weekday.\(ReportPeriod.weekdayIndex(d.day))"))")),
                                                       cells(d.counters, staffed: d.staffedSeconds))
                        })))),
                    definitions(t))
            }))
    }

    /// "班组 · 王班长" (the lead's name), or 未分组.
    static func teamName(_ t: Localizer, _ row: CallCentreKPIService.TeamRow) -> String {
        row.leadID == nil ? t("kpi.no_team") : t("kpi.team_of", ["lead": row.leadName ?? ""])
    }

    static func tiles(_ t: Localizer, _ c: CallKPI.Counters, staffed: Int) -> Node<HTML.BodyContext> {
        let tiles: [(String, String)] = [("kpi.offered", String(c.offered)), ("kpi.answered", String(c.answered)),
                                         ("kpi.service_level", rate(CallKPI.serviceLevel(c))), ("kpi.abandonment", rate(CallKPI.abandonment(c))),
                                         ("kpi.asa", secs(CallKPI.asa(c))), ("kpi.aht", secs(CallKPI.aht(c))), ("kpi.fcr", rate(CallKPI.fcr(c))),
                                         ("kpi.satisfaction", mean(CallKPI.satisfaction(c), 2)),
                                         ("kpi.occupancy", rate(CallKPI.occupancy(c, staffedSeconds: staffed)))]
        return .div(.class("kpi-tiles"), .group(tiles.map { k, v in
            Node<HTML.BodyContext>.div(.class("kpi-tile"), .span(.class("kpi-label muted small"), .text(t(k))), .strong(.class("kpi-value"), .text(v)))
        }))
    }

    /// The definitions, written where the figures are read.
    static func definitions(_ t: Localizer) -> Node<HTML.BodyContext> {
        .section(.class("kpi-definitions"),
            .h2(.text(t("kpi.definitions"))),
            .dl(.group(["offered", "answered", "abandonment", "service_level", "asa", "aht", "occupancy", "fcr", "callbacks_on_time",
                        "satisfaction", "qa"].map { k in
                Node<HTML.DescriptionListContext>.group(.dt(.text(t("kpi.\(k)"))),
                                             .dd(.text(t("kpi.def.\(k)", ["sl": "\(CallKPI.serviceLevelSeconds)", "short": "\(CallKPI.shortAbandonSeconds)"]))))
            })))
    }
}
