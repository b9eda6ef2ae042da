import EstateCore
import Foundation
import Plot

extension SalesReportPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)/reports"
        return ReportShell.page(ctx, project: m.project, projects: m.projects, tab: .sales, .group(
            ReportShell.quickLinks(ctx, base: base, today: m.today, query: m.query, granularity: true),
            ReportShell.periodForm(ctx, action: base, query: m.query, failure: m.failure, granularity: true),
            FormFailure.view(m.failure),
            .unwrap(m.report) { r in
                .group(
                    .div(.class("toolbar report-toolbar"),
                        ReportShell.periodLine(t, r.period, extra: "\(t("report.previous_period")) \(r.previous.from) – \(r.previous.to)"),
                        .div(.class("spacer")),
                        ReportShell.exportLink(t, "\(base)/sales.xlsx?\(m.query.encoded)")),
                    headline(t, r),
                    series(t, r),
                    breakdown(t, "building", r.byBuilding, inventory: r.inventory),
                    breakdown(t, "layout", r.byLayout, inventory: r.inventory),
                    consultants(t, r))
            }))
    }

    // MARK: Headline

    static func headline(_ t: Localizer, _ r: ReportService.SalesReport) -> Node<HTML.BodyContext> {
        typealias Metric = (key: String, get: (SalesFigures) -> Int64, money: Bool)
        let metrics: [Metric] = [
            ("report.visits", { Int64($0.visitsFirst + $0.visitsReturn) }, false),
            ("report.subscriptions.count", { Int64($0.subscriptions.count) }, false),
            ("report.subscriptions.amount", { $0.subscriptions.amount.fen }, true),
            ("report.contracts.count", { Int64($0.contracts.count) }, false),
            ("report.contracts.amount", { $0.contracts.amount.fen }, true),
            ("report.collections.count", { Int64($0.collections.count) }, false),
            ("report.collections.amount", { $0.collections.amount.fen }, true),
        ]
        func text(_ v: Int64, _ money: Bool) -> String { money ? Money(fen: v).description : "\(v)" }
        return .section(.class("kpis"), .attribute(named: "aria-label", value: t("report.this_period")),
            .group(metrics.map { m in
                let now = m.get(r.total), before = m.get(r.previousTotal), all = m.get(r.cumulative)
                let trend = before == 0 || now == before ? "kpi-flat" : now > before ? "kpi-up" : "kpi-down"
                return Node<HTML.BodyContext>.div(.class("kpi"),
                    .div(.class("kpi-label"), .text(t(m.key))),
                    .div(.class("kpi-value"), .text(text(now, m.money))),
                    .div(.class("kpi-sub"), .text(t("report.change") + " "), .span(.class(trend), .text(ReportShell.change(now, before)))),
                    .div(.class("kpi-sub"), .text("\(t("report.previous_period")) \(text(before, m.money))")),
                    .div(.class("kpi-sub"), .text("\(t("report.cumulative")) \(text(all, m.money))")))
            }))
    }

    // MARK: Series

    static func bucketLabel(_ label: String, _ g: ReportGranularity) -> String {
        switch g {
        case .day, .week: String(label.dropFirst(5))
        case .month: label
        }
    }

    static func figureHeads(_ t: Localizer, contacts: Bool = true) -> Node<HTML.TableRowContext> {
        var keys: [String] = contacts ? ["report.calls", "report.visits_first", "report.visits_return"] : []
        for deal in ["subscriptions", "contracts", "cancellations", "terminations"] {
            keys += ["report.\(deal).count", "report.\(deal).area", "report.\(deal).amount"]
        }
        keys += ["report.collections.count", "report.collections.amount"]
        return .group(keys.map { ReportShell.head(t($0)) })
    }

    static func figureCells(_ f: SalesFigures, contacts: Bool = true, strong: Bool = false) -> Node<HTML.TableRowContext> {
        var cells: [String] = contacts ? ["\(f.calls)", "\(f.visitsFirst)", "\(f.visitsReturn)"] : []
        for d in [f.subscriptions, f.contracts, f.cancellations, f.terminations] {
            cells += ["\(d.count)", ReportShell.area(d.area), ReportShell.money(d.amount)]
        }
        cells += ["\(f.collections.count)", ReportShell.money(f.collections.amount)]
        return .group(cells.map { ReportShell.num($0, strong: strong) })
    }

    static func series(_ t: Localizer, _ r: ReportService.SalesReport) -> Node<HTML.BodyContext> {
        let labels = r.buckets.map { bucketLabel($0.bucket.label, r.granularity) }
        let chart = SVGChart.columns(
            id: "sales-chart", title: t("report.chart.sales"), labels: labels,
            bars: [.init(name: t("report.contracts.amount_wan"), values: r.buckets.map { SVGChart.wan($0.figures.contracts.amount) }, fill: .dark)],
            leftTitle: t("report.axis.wan"),
            trend: .init(name: t("report.subscriptions.count"), values: r.buckets.map { Double($0.figures.subscriptions.count) }, fill: .black),
            rightTitle: t("report.axis.units"))
        let rows = r.buckets.map { b in
            Node<HTML.TableContext>.tr(.th(.class("nowrap"), .text(b.bucket.label)), figureCells(b.figures))
        } + [.tr(.class("total"), .th(.text(t("report.total"))), figureCells(r.total, strong: true))]
        return .section(.class("card report-section"),
            .h2(.text(t("report.sheet.\(r.granularity.rawValue)"))),
            // One bucket (a day's report) needs no chart: the headline says it all.
            .if(r.buckets.count > 1, .div(.class("chart-box"), chart)),
            ReportShell.table("series", .group(ReportShell.head(t("report.bucket.\(r.granularity.rawValue)"), num: false), figureHeads(t)), rows))
    }

    // MARK: Breakdowns

    /// The columns a building, layout or consultant row shows (the .xlsx has every one).
    static func dealHeads(_ t: Localizer) -> Node<HTML.TableRowContext> {
        .group(["report.subscriptions.count", "report.subscriptions.amount", "report.contracts.count", "report.contracts.area",
                "report.contracts.amount", "report.cancellations.count", "report.terminations.count", "report.collections.amount"]
            .map { ReportShell.head(t($0)) })
    }

    static func dealCells(_ f: SalesFigures, strong: Bool = false) -> Node<HTML.TableRowContext> {
        .group(["\(f.subscriptions.count)", ReportShell.money(f.subscriptions.amount), "\(f.contracts.count)", ReportShell.area(f.contracts.area),
                ReportShell.money(f.contracts.amount), "\(f.cancellations.count)", "\(f.terminations.count)",
                ReportShell.money(f.collections.amount)].map { ReportShell.num($0, strong: strong) })
    }

    static func inventoryCells(_ i: ReportService.InventoryFigures?, strong: Bool = false) -> Node<HTML.TableRowContext> {
        guard let i else { return .group(Array(repeating: ReportShell.num("—"), count: 4)) }
        let remaining = i.count(.available) + i.count(.withheld) + i.count(.reserved)
        return .group(["\(remaining)", ReportShell.area(i.remainingArea), ReportShell.money(i.remainingListTotal),
                       ReportShell.percent(i.sellThrough)].map { ReportShell.num($0, strong: strong) })
    }

    static func breakdown(_ t: Localizer, _ key: String, _ rows: [ReportService.Breakdown],
                          inventory: ReportService.InventoryFigures) -> Node<HTML.BodyContext> {
        var total = SalesFigures()
        for b in rows { total += b.figures }
        let heads: Node<HTML.TableRowContext> = .group(
            ReportShell.head(t("report.by.\(key)"), num: false), dealHeads(t),
            .group(["report.inv.remaining", "report.inv.remaining_area", "report.inv.remaining_total", "report.inv.sell_through"]
                .map { ReportShell.head(t($0)) }))
        let body = rows.map { b in
            Node<HTML.TableContext>.tr(.th(.text(b.name)), dealCells(b.figures), inventoryCells(b.inventory))
        } + [.tr(.class("total"), .th(.text(t("report.total"))), dealCells(total, strong: true), inventoryCells(inventory, strong: true))]
        return .section(.class("card report-section"),
            .h2(.text(t("report.sheet.\(key)"))),
            rows.isEmpty ? .p(.class("muted"), .text(t("report.empty"))) : ReportShell.table("breakdown", heads, body))
    }

    static func consultants(_ t: Localizer, _ r: ReportService.SalesReport) -> Node<HTML.BodyContext> {
        let heads: Node<HTML.TableRowContext> = .group(
            ReportShell.head(t("report.by.consultant"), num: false),
            .group(["report.calls", "report.visits_first", "report.visits_return"].map { ReportShell.head(t($0)) }),
            dealHeads(t))
        func contacts(_ f: SalesFigures, strong: Bool = false) -> Node<HTML.TableRowContext> {
            .group(["\(f.calls)", "\(f.visitsFirst)", "\(f.visitsReturn)"].map { ReportShell.num($0, strong: strong) })
        }
        let body = r.byConsultant.map { b in
            Node<HTML.TableContext>.tr(.th(.text(ReportShell.consultantName(t, key: b.key, name: b.name))), contacts(b.figures), dealCells(b.figures))
        } + [.tr(.class("total"), .th(.text(t("report.total"))), contacts(r.total, strong: true), dealCells(r.total, strong: true))]
        return .section(.class("card report-section"),
            .h2(.text(t("report.sheet.consultant"))),
            r.byConsultant.isEmpty ? .p(.class("muted"), .text(t("report.empty"))) : ReportShell.table("breakdown", heads, body))
    }
}
