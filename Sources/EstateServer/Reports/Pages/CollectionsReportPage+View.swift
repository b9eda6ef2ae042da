import EstateCore
import Foundation
import Plot

extension CollectionsReportPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)/reports/collections"
        return ReportShell.page(ctx, project: m.project, projects: m.projects, tab: .collections, .group(
            ReportShell.periodForm(ctx, action: base, query: m.query, failure: m.failure, asOf: true),
            FormFailure.view(m.failure),
            .unwrap(m.report) { r in
                .group(
                    .div(.class("toolbar report-toolbar"),
                        ReportShell.periodLine(t, r.period, extra: "\(t("report.as_of")) \(r.asOf)"),
                        .div(.class("spacer")),
                        ReportShell.exportLink(t, "\(base).xlsx?\(m.query.encoded)")),
                    headline(t, r),
                    months(t, r),
                    kinds(t, r),
                    ageing(t, r))
            }))
    }

    static func headline(_ t: Localizer, _ r: ReportService.CollectionsReport) -> Node<HTML.BodyContext> {
        let items: [(String, String)] = [
            (t("report.planned"), r.planned.description), (t("report.collected_on_plan"), r.collectedOnPlan.description),
            (t("report.rate"), ReportShell.percent(r.rate)), (t("report.collected"), r.collected.description),
            (t("report.collected_ahead"), r.collectedAhead.description), (t("report.collected_overdue"), r.collectedOverdue.description),
            (t("report.overdue_total"), r.ageingTotal.total.description), (t("report.overdue_sales"), "\(r.overdueSales)"),
        ]
        return .group(
            .section(.class("kpis"), .group(items.map { label, value in
                Node<HTML.BodyContext>.div(.class("kpi"), .div(.class("kpi-label"), .text(label)), .div(.class("kpi-value"), .text(value)))
            })),
            .p(.class("muted small report-definition"), .text(t("report.rate_definition"))))
    }

    static func months(_ t: Localizer, _ r: ReportService.CollectionsReport) -> Node<HTML.BodyContext> {
        let chart = SVGChart.columns(
            id: "collections-chart", title: t("report.chart.collections"), labels: r.months.map(\.bucket.label),
            bars: [.init(name: t("report.planned_wan"), values: r.months.map { SVGChart.wan($0.planned) }, fill: .light),
                   .init(name: t("report.collected_on_plan_wan"), values: r.months.map { SVGChart.wan($0.collectedOnPlan) }, fill: .dark)],
            leftTitle: t("report.axis.wan"), barValues: r.months.count <= 6,
            notes: r.months.count <= 12 ? r.months.map { $0.rate.map { "\($0)%" } ?? "" } : nil)
        let rows = r.months.map { m in
            Node<HTML.TableContext>.tr(.th(.class("nowrap"), .text(m.bucket.label)), ReportShell.num(m.planned.description),
                                       ReportShell.num(m.collectedOnPlan.description), ReportShell.num(ReportShell.percent(m.rate)),
                                       ReportShell.num(m.collected.description))
        } + [.tr(.class("total"), .th(.text(t("report.total"))), ReportShell.num(r.planned.description, strong: true),
                 ReportShell.num(r.collectedOnPlan.description, strong: true), ReportShell.num(ReportShell.percent(r.rate), strong: true),
                 ReportShell.num(r.collected.description, strong: true))]
        return .section(.class("card report-section"),
            .h2(.text(t("report.sheet.collections"))),
            .div(.class("chart-box"), chart),
            ReportShell.table("compact", .group(ReportShell.head(t("report.month"), num: false), ReportShell.head(t("report.planned")),
                                               ReportShell.head(t("report.collected_on_plan")), ReportShell.head(t("report.rate")),
                                               ReportShell.head(t("report.collected"))), rows))
    }

    static func kinds(_ t: Localizer, _ r: ReportService.CollectionsReport) -> Node<HTML.BodyContext> {
        var byKind: [PlanItemKind: ReportService.KindFigures] = [:]
        for m in r.months {
            for (k, f) in m.byKind {
                byKind[k, default: .init()].planned += f.planned
                byKind[k, default: .init()].collected += f.collected
                byKind[k, default: .init()].collectedOnPlan += f.collectedOnPlan
            }
        }
        let kinds = PlanItemKind.allCases.filter { byKind[$0] != nil }
        let rows: [Node<HTML.TableContext>] = kinds.map { k -> Node<HTML.TableContext> in
            let f = byKind[k]!
            return Node<HTML.TableContext>.tr(.th(.text(t("sale.item.\(k.rawValue)"))), ReportShell.num(f.planned.description),
                                              ReportShell.num(f.collectedOnPlan.description), ReportShell.num(ReportShell.percent(f.rate)),
                                              ReportShell.num(f.collected.description))
        } + [.tr(.class("total"), .th(.text(t("report.total"))), ReportShell.num(r.planned.description, strong: true),
                 ReportShell.num(r.collectedOnPlan.description, strong: true), ReportShell.num(ReportShell.percent(r.rate), strong: true),
                 ReportShell.num(r.collected.description, strong: true))]
        return .section(.class("card report-section"),
            .h2(.text(t("report.sheet.by_kind"))),
            kinds.isEmpty ? .p(.class("muted"), .text(t("report.empty"))) :
                ReportShell.table("compact", .group(ReportShell.head(t("report.kind"), num: false), ReportShell.head(t("report.planned")),
                                                   ReportShell.head(t("report.collected_on_plan")), ReportShell.head(t("report.rate")),
                                                   ReportShell.head(t("report.collected"))), rows))
    }

    static let bandFills: [SVGChart.Fill] = [.light, .hatch, .mid, .dark]

    static func ageing(_ t: Localizer, _ r: ReportService.CollectionsReport) -> Node<HTML.BodyContext> {
        let bands = ReportService.AgeBand.allCases
        let names = bands.map { t("report.age.\($0)") }
        func line(_ a: ReportService.AgeingRow, total: Bool) -> Node<HTML.TableContext> {
            .tr(.class(total ? "total" : ""),
                .th(.text(a.kind.map { t("sale.item.\($0.rawValue)") } ?? t("report.total"))),
                ReportShell.num("\(a.items)", strong: total),
                .group(bands.map { ReportShell.num(a[$0].description, strong: total) }),
                ReportShell.num(a.total.description, strong: true))
        }
        let chart = SVGChart.bars(
            id: "ageing-chart", title: t("report.chart.ageing"),
            rows: r.ageing.map { a in
                SVGChart.Row(label: a.kind.map { t("sale.item.\($0.rawValue)") } ?? "", parts: bands.map { SVGChart.wan(a[$0]) },
                             value: a.total.description)
            },
            fills: bandFills, legend: names, partLabel: { SVGChart.number($0) + t("report.wan") })
        return .section(.class("card report-section"),
            .h2(.text(t("report.sheet.ageing")), .span(.class("count"), .text(" " + t("report.as_of_day", ["day": r.asOf.description])))),
            r.ageing.isEmpty ? .p(.class("muted"), .text(t("report.no_arrears"))) : .group(
                .div(.class("chart-box"), chart),
                ReportShell.table("ageing", .group(ReportShell.head(t("report.kind"), num: false), ReportShell.head(t("report.items")),
                                                   .group(names.map { ReportShell.head($0) }), ReportShell.head(t("report.total"))),
                                  r.ageing.map { line($0, total: false) } + [line(r.ageingTotal, total: true)])))
    }
}
