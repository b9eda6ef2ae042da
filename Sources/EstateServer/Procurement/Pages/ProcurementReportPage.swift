import EstateCore
import Foundation
import Plot
import Vapor

/// 报表: the procurement report of a project for a period (spend by category, supplier and month; the spend of each
/// project the reader handles; tender savings; open orders; overdue deliveries; scorecards) with SVG charts, and the
/// same report as .xlsx.
enum ProcurementReportPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var query: ReportQuery
        var report: ProcurementReportService.Report?
        var byProject: [(InventoryShell.ProjectRef, Money)]
        var failure: FormFailure?
    }

    /// The last three months to today.
    static func defaultPeriod(_ today: CalendarDay) -> (CalendarDay, CalendarDay) { (ReportPeriod.monthStart(today, plus: -2), today) }

    static func load(_ req: Request) async throws -> Model {
        let (project, projects) = try await ProcurementShell.project(req, .report)
        let q = ReportsController.periodQuery(req, default: defaultPeriod(CalendarDay(req.services.now())))
        var m = Model(project: project, projects: projects, query: q, report: nil, byProject: [], failure: nil)
        do {
            let period = try APIHandler.period(q.from, q.to)
            let svc = ProcurementReportService(store: req.services.store(req.db), now: req.services.now)
            m.report = try await svc.report(projectID: project.id, from: period.from, to: period.to)
            for p in projects {
                m.byProject.append((p, p.id == project.id ? m.report!.total : try await svc.report(projectID: p.id, from: period.from, to: period.to).total))
            }
        } catch let p as Problem where ReportsController.isQueryError(p) {
            m.failure = ReportsController.failure(req.localizer, p)
        }
        return m
    }

    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = ProcurementShell.Tab.report.href(m.project.id)
        let query = "from=\(m.query.from)&to=\(m.query.to)"
        return ProcurementShell.page(ctx, tab: .report, project: m.project, projects: m.projects, title: t("pr.tab.report"), .group(
            .section(.class("card"), .id("pr-report-period"),
                .form(.class("inline"), .method(.get), .action(base),
                    .label(.for("pr-from"), .text(t("pr.from"))), .input(.type(.date), .id("pr-from"), .name("from"), .value(m.query.from)),
                    .label(.for("pr-to"), .text(t("pr.to"))), .input(.type(.date), .id("pr-to"), .name("to"), .value(m.query.to)),
                    .button(.type(.submit), .text(t("ch.filter"))),
                    .if(m.report != nil, .a(.class("button"), .href("/procurement/projects/\(m.project.id)/report.xlsx?\(query)"), .text(t("pr.download_xlsx"))))),
                FormFailure.view(m.failure)),
            .unwrap(m.report) { r in body(t, m, r) }))
    }

    static func spendBars(_ t: Localizer, id: String, title: String, rows: [(String, Int64, Int)]) -> Node<HTML.BodyContext> {
        let longest = rows.map { SVGChart.width($0.0) }.max() ?? 8
        return SVGChart.bars(id: id, title: title,
                             rows: rows.prefix(15).map { SVGChart.Row(label: $0.0, parts: [SVGChart.wan(Money(fen: $0.1))],
                                                                      value: t("pr.spend_value", ["amount": Money(fen: $0.1).description, "n": "\($0.2)"])) },
                             fills: [.dark], labelWidth: min(260, max(90, Double(longest) * 7 + 16)))
    }

    static func spendTable(_ t: Localizer, head: String, _ rows: [(String, Int64, Int)]) -> Node<HTML.BodyContext> {
        ProcurementShell.table([head, t("pr.report.amount"), t("pr.report.orders")], numeric: [1, 2],
            rows.map { Node<HTML.TableContext>.tr(.td(.text($0.0)), .td(.class("num mono"), .text(Money(fen: $0.1).description)), .td(.class("num mono"), .text("\($0.2)"))) })
    }

    static func body(_ t: Localizer, _ m: Model, _ r: ProcurementReportService.Report) -> Node<HTML.BodyContext> {
        let categories = r.byCategory.map { (ProcurementShell.category(t, $0.key), $0.amountFen, $0.orders) }
        let suppliers = r.bySupplier.map { ($0.1, $0.0.amountFen, $0.0.orders) }
        let months = r.byMonth
        return .group(
            .section(.class("card"), .id("pr-report-summary"),
                .h2(.text(t("pr.report_title", ["from": r.from.description, "to": r.to.description]))),
                .dl(.class("facts"),
                    .dt(.text(t("pr.report.spend"))), .dd(.class("mono"), .text(r.total.description)),
                    .dt(.text(t("pr.report.saved"))), .dd(.class("mono"), .text(r.saved.description)),
                    .dt(.text(t("pr.report.open_orders"))), .dd(.text(t("pr.open_orders_value", ["n": "\(r.openOrders)", "amount": r.openAmount.description]))),
                    .dt(.text(t("pr.report.overdue"))), .dd(.text("\(r.overdue.count)")))),
            .section(.class("card report-section"), .id("pr-report-month"),
                .h2(.text(t("pr.report.by_month"))),
                months.isEmpty ? ProcurementShell.empty(t("pr.no_spend")) : .group(
                    .div(.class("chart-box"), SVGChart.columns(id: "pr-month", title: t("pr.report.by_month"), labels: months.map(\.key),
                                                              bars: [.init(name: t("pr.report.spend"), values: months.map { SVGChart.wan(Money(fen: $0.amountFen)) }, fill: .dark)],
                                                              leftTitle: t("pr.wan_yuan"),
                                                              trend: .init(name: t("pr.report.orders"), values: months.map { Double($0.orders) }, fill: .black),
                                                              rightTitle: t("pr.report.orders"))),
                    spendTable(t, head: t("cm.month"), months.map { ($0.key, $0.amountFen, $0.orders) }))),
            .section(.class("card report-section"), .id("pr-report-category"),
                .h2(.text(t("pr.report.by_category"))),
                categories.isEmpty ? ProcurementShell.empty(t("pr.no_spend")) : .group(
                    .div(.class("chart-box"), spendBars(t, id: "pr-cat", title: t("pr.report.by_category"), rows: categories)),
                    spendTable(t, head: t("pr.category"), categories))),
            .section(.class("card report-section"), .id("pr-report-supplier"),
                .h2(.text(t("pr.report.by_supplier"))),
                suppliers.isEmpty ? ProcurementShell.empty(t("pr.no_spend")) : .group(
                    .div(.class("chart-box"), spendBars(t, id: "pr-sup", title: t("pr.report.by_supplier"), rows: suppliers)),
                    spendTable(t, head: t("pr.supplier"), suppliers))),
            .if(m.byProject.count > 1, .section(.class("card report-section"), .id("pr-report-project"),
                .h2(.text(t("pr.report.by_project"))),
                .div(.class("chart-box"), spendBars(t, id: "pr-proj", title: t("pr.report.by_project"), rows: m.byProject.map { ($0.0.name, $0.1.fen, 0) })))),
            .section(.class("card report-section"), .id("pr-report-savings"),
                .h2(.text(t("pr.report.savings")), .span(.class("muted small"), .text(" " + r.saved.description))),
                r.savings.isEmpty ? ProcurementShell.empty(t("pr.no_savings")) : ProcurementShell.table(
                    [t("pr.report.tender"), t("pr.report.estimate"), t("pr.report.awarded"), t("pr.report.saved")], numeric: [1, 2, 3],
                    r.savings.map { s in
                        Node<HTML.TableContext>.tr(.td(.text(s.title)), .td(.class("num mono"), .text(Money(fen: s.estimateFen).description)),
                                                   .td(.class("num mono"), .text(Money(fen: s.awardedFen).description)),
                                                   .td(.class("num mono"), .text(Money(fen: s.estimateFen - s.awardedFen).description)))
                    })),
            .section(.class("card report-section"), .id("pr-report-overdue"),
                .h2(.text(t("pr.report.overdue")), .span(.class("muted small"), .text(" \(r.overdue.count)"))),
                r.overdue.isEmpty ? ProcurementShell.empty(t("pr.no_overdue")) : ProcurementShell.table(
                    [t("pr.order_number"), t("pr.report.material"), t("pr.report.due_on"), t("pr.report.outstanding")], numeric: [3],
                    r.overdue.map { o in
                        Node<HTML.TableContext>.tr(.class("pr-flagged"), .td(.class("mono"), .text(o.number)), .td(.text(o.material)),
                                                   .td(.class("nowrap mono"), .text(o.dueOn)),
                                                   .td(.class("num mono"), .text(ProcurementShell.qty(o.quantityMilli - o.deliveredMilli))))
                    })),
            .section(.class("card report-section"), .id("pr-report-scores"),
                .h2(.text(t("pr.report.scores"))),
                r.cards.isEmpty ? ProcurementShell.empty(t("pr.no_spend")) : ProcurementShell.table(
                    [t("pr.supplier"), t("pr.score.total"), t("pr.score.quality"), t("pr.score.delivery"), t("pr.score.price"), t("pr.score.service"),
                     t("pr.score.repairs"), t("pr.score.standing")], numeric: [1, 2, 3, 4, 5, 6],
                    r.cards.map { name, c in
                        Node<HTML.TableContext>.tr(.td(.text(name)), .td(.class("num mono"), .strong(.text("\(c.total)"))),
                                                   .td(.class("num mono"), .text("\(c.criteria.quality)")), .td(.class("num mono"), .text("\(c.criteria.delivery)")),
                                                   .td(.class("num mono"), .text("\(c.criteria.price)")), .td(.class("num mono"), .text(c.criteria.service.map { "\($0)" } ?? "—")),
                                                   .td(.class("num mono"), .text("\(c.repairTickets)")),
                                                   .td(.span(.class("ch-st pr-score-\(c.standing.rawValue)"), .text(t("pr.score.standing.\(c.standing.rawValue)")))))
                    })))
    }
}

enum ProcurementReportController {
    static func register(_ app: Application) {
        let p = app.grouped("procurement", "projects", ":projectID")
        p.on(.GET, "report", guard: .allowed(.procurementHandle), use: page)
        p.on(.GET, "report.xlsx", guard: .allowed(.procurementHandle), use: export)
    }

    @Sendable static func page(_ req: Request) async throws -> Response {
        let m = try await ProcurementReportPage.load(req)
        return Shell.response(ProcurementReportPage.view(PageContext(req), m), status: m.failure == nil ? .ok : .unprocessableEntity)
    }

    @Sendable static func export(_ req: Request) async throws -> Response {
        let (project, _) = try await ProcurementShell.project(req, .report)
        let q = ReportsController.periodQuery(req, default: ProcurementReportPage.defaultPeriod(CalendarDay(req.services.now())))
        let period = try APIHandler.period(q.from, q.to)
        let r = try await ProcurementReportService(store: req.services.store(req.db), now: req.services.now).report(projectID: project.id, from: period.from,
                                                                                                                     to: period.to)
        return Response.workbook(try ProcurementSheets.workbook(r, t: req.localizer),
                                 name: ProcurementSheets.fileName(r, projectCode: project.code, t: req.localizer))
    }
}
