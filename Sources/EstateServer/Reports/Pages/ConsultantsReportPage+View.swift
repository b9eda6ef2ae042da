import EstateCore
import Foundation
import Plot

extension ConsultantsReportPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)/reports/consultants"
        return ReportShell.page(ctx, project: m.project, projects: m.projects, tab: .consultants, .group(
            ReportShell.quickLinks(ctx, base: base, today: m.today, query: m.query, granularity: false),
            ReportShell.periodForm(ctx, action: base, query: m.query, failure: m.failure),
            FormFailure.view(m.failure),
            .unwrap(m.period) { period in
                .group(
                    .div(.class("toolbar report-toolbar"),
                        ReportShell.periodLine(t, period),
                        .div(.class("spacer")),
                        ReportShell.exportLink(t, "\(base).xlsx?\(m.query.encoded)")),
                    m.rows.isEmpty ? .p(.class("muted"), .text(t("report.empty"))) : .group(chart(t, m.rows), table(t, m.rows)))
            }))
    }

    static func name(_ t: Localizer, _ r: ReportService.ConsultantRow) -> String {
        r.consultantID == nil ? t("report.no_consultant") : r.name
    }

    static func chart(_ t: Localizer, _ rows: [ReportService.ConsultantRow]) -> Node<HTML.BodyContext> {
        .section(.class("card report-section"),
            .h2(.text(t("report.chart.consultants"))),
            .div(.class("chart-box"), SVGChart.bars(
                id: "ranking-chart", title: t("report.chart.consultants"),
                rows: rows.filter { $0.rank > 0 }.map { r in
                    SVGChart.Row(label: "\(r.rank). \(name(t, r))", parts: [SVGChart.wan(r.figures.contracts.amount)],
                                 value: r.figures.contracts.amount.description)
                },
                fills: [.dark])))
    }

    static func table(_ t: Localizer, _ rows: [ReportService.ConsultantRow]) -> Node<HTML.BodyContext> {
        var total = SalesFigures()
        for r in rows { total += r.figures }
        func cells(_ f: SalesFigures, visits: Int, conversion: String?, strong: Bool) -> Node<HTML.TableRowContext> {
            .group(["\(f.calls)", "\(visits)", "\(f.visitsFirst)", ReportShell.percent(conversion), "\(f.subscriptions.count)",
                    f.subscriptions.amount.description, "\(f.contracts.count)", f.contracts.area.description, f.contracts.amount.description,
                    f.collections.amount.description].map { ReportShell.num($0, strong: strong) })
        }
        let heads: Node<HTML.TableRowContext> = .group(
            ReportShell.head(t("report.rank")), ReportShell.head(t("report.by.consultant"), num: false),
            .group(["report.calls", "report.visits", "report.visits_first", "report.conversion", "report.subscriptions.count",
                    "report.subscriptions.amount", "report.contracts.count", "report.contracts.area", "report.contracts.amount",
                    "report.collections.amount"].map { ReportShell.head(t($0)) }))
        // Sales with no consultant come after the ranking, unranked.
        let body = rows.map { r in
            Node<HTML.TableContext>.tr(.class(r.rank > 0 ? "" : "unranked"), ReportShell.num(r.rank > 0 ? "\(r.rank)" : "—"),
                                       .th(.text(r.rank > 0 ? name(t, r) : t("report.no_consultant_unranked"))),
                                       cells(r.figures, visits: r.visits, conversion: r.conversion, strong: false))
        } + [.tr(.class("total"), .td(), .th(.text(t("report.total"))),
                 cells(total, visits: total.visitsFirst + total.visitsReturn,
                       conversion: Ratio.percent(Int64(total.subscriptions.count), of: Int64(total.visitsFirst)), strong: true))]
        return .section(.class("card report-section"),
            .h2(.text(t("report.tab.consultants"))),
            ReportShell.table("ranking", heads, body))
    }
}
