import EstateCore
import Foundation
import Plot

/// A report page's request as typed: the form shows it again as it was, good or bad.
struct ReportQuery: Sendable {
    var from: String
    var to: String
    var granularity: String = ""
    var asOf: String = ""

    /// `from=…&to=…` (and the rest when set), for links that keep the period.
    var encoded: String {
        var items = [("from", from), ("to", to)]
        if !granularity.isEmpty { items.append(("granularity", granularity)) }
        if !asOf.isEmpty { items.append(("asOf", asOf)) }
        return items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
    }
}

/// The frame of the report pages: project, switcher, tabs (销售报表, 回款, 顾问排名, 销售目标).
enum ReportShell {
    enum Tab: String, CaseIterable {
        case sales, collections, consultants, targets
        var key: String { "report.tab.\(rawValue)" }
        func href(_ project: UUID) -> String { self == .sales ? "/projects/\(project)/reports" : "/projects/\(project)/reports/\(rawValue)" }
    }

    static func page(_ ctx: PageContext, project: InventoryShell.ProjectRef, projects: [InventoryShell.ProjectRef], tab: Tab,
                     _ content: Node<HTML.BodyContext>) -> HTML {
        let t = ctx.t
        return Shell.page(ctx, title: "\(t(tab.key)) · \(project.name)", .div(.class("report-page"),
            .div(.class("inv-head"),
                .h1(.text(project.name), .span(.class("muted code"), .text(" " + project.code)),
                    .span(.class("report-title"), .text(" · " + t(tab.key)))),
                ProjectSwitcher.view(t, current: project, projects: projects, home: "/reports", keep: [("tab", tab.rawValue)])),
            .nav(.class("tabs"), .attribute(named: "aria-label", value: t("nav.reports")),
                .group(Tab.allCases.map { tb in
                    Node<HTML.BodyContext>.a(.href(tb.href(project.id)), .class(tb == tab ? "current" : ""), .text(t(tb.key)))
                })),
            content))
    }

    // MARK: Figures as text

    static func money(_ m: Money) -> String { m.description }
    static func area(_ a: Area) -> String { a.description }
    static func percent(_ p: String?) -> String { p.map { "\($0)%" } ?? "—" }

    /// 环比: "+12.50%", "-3.00%", "—" when there was nothing before.
    static func change(_ now: Int64, _ before: Int64) -> String {
        guard let p = Ratio.percent(now - before, of: before) else { return "—" }
        return (now > before ? "+" : "") + p + "%"
    }

    static func consultantName(_ t: Localizer, key: String, name: String) -> String {
        key.isEmpty ? t("report.no_consultant") : name
    }

    static func num(_ s: String, strong: Bool = false) -> Node<HTML.TableRowContext> {
        .td(.class("num"), strong ? .strong(.text(s)) : .text(s))
    }

    static func head(_ s: String, num: Bool = true) -> Node<HTML.TableRowContext> {
        .th(.class(num ? "num" : ""), .text(s))
    }

    static func table(_ cls: String, _ head: Node<HTML.TableRowContext>, _ rows: [Node<HTML.TableContext>]) -> Node<HTML.BodyContext> {
        .div(.class("table-wrap"), .table(.class("data report \(cls)"), .thead(.tr(head)), .tbody(.group(rows))))
    }

    // MARK: The period form

    /// The GET form of a report: from, to, and the extra fields a report takes.
    static func periodForm(_ ctx: PageContext, action: String, query q: ReportQuery, failure: FormFailure?, granularity: Bool = false,
                           asOf: Bool = false) -> Node<HTML.BodyContext> {
        let t = ctx.t
        func date(_ name: String, _ label: String, _ value: String) -> Node<HTML.FormContext> {
            .div(.class(failure?.has(name) == true ? "field invalid" : "field"),
                .label(.for("rp-\(name)"), .text(t(label))),
                .input(.type(.date), .id("rp-\(name)"), .name(name), .value(value)))
        }
        return .form(.class("filters report-form"), .method(.get), .action(action),
            date("from", "report.from", q.from),
            date("to", "report.to", q.to),
            .if(granularity, .div(.class(failure?.has("granularity") == true ? "field invalid" : "field"),
                .label(.for("rp-granularity"), .text(t("report.granularity"))),
                .select(.named("granularity", id: "rp-granularity"),
                        .group(ReportGranularity.allCases.map { g in
                            Node<HTML.SelectContext>.choice(g.rawValue, t("report.granularity.\(g.rawValue)"), selected: g.rawValue == q.granularity)
                        })))),
            .if(asOf, date("asOf", "report.as_of", q.asOf)),
            .div(.class("field actions"), .label(.text(" ")), .button(.type(.submit), .class("primary"), .text(t("action.filter")))))
    }

    /// 今日, 昨日, 本周, 本月, 上月, 本年: links that set the period (and the rows that suit it).
    static func quickRanges(today: CalendarDay) -> [(key: String, from: CalendarDay, to: CalendarDay, granularity: ReportGranularity)] {
        let monday = today.adding(days: -ReportPeriod.weekdayIndex(today))
        let month = ReportPeriod.monthStart(today, plus: 0), next = ReportPeriod.monthStart(today, plus: 1)
        let last = ReportPeriod.monthStart(today, plus: -1)
        let year = CalendarDay(year: today.year, month: 1, day: 1)!, yearEnd = CalendarDay(year: today.year, month: 12, day: 31)!
        return [("today", today, today, .day), ("yesterday", today.adding(days: -1), today.adding(days: -1), .day),
                ("this_week", monday, monday.adding(days: 6), .day), ("this_month", month, next.adding(days: -1), .day),
                ("last_month", last, month.adding(days: -1), .day), ("this_year", year, yearEnd, .month)]
    }

    static func quickLinks(_ ctx: PageContext, base: String, today: CalendarDay, query q: ReportQuery, granularity: Bool) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .nav(.class("building-tabs quick-ranges"), .attribute(named: "aria-label", value: t("report.quick")),
            .group(quickRanges(today: today).map { r in
                var query = ReportQuery(from: r.from.description, to: r.to.description)
                if granularity { query.granularity = r.granularity.rawValue }
                query.asOf = q.asOf
                let current = q.from == query.from && q.to == query.to
                return Node<HTML.BodyContext>.a(.href("\(base)?\(query.encoded)"), .class(current ? "current" : ""),
                                                .text(t("report.quick.\(r.key)")))
            }))
    }

    /// "期间 2026-11-01 – 2026-11-30", what the printout says in place of the form.
    static func periodLine(_ t: Localizer, _ period: ReportPeriod, extra: String? = nil) -> Node<HTML.BodyContext> {
        .p(.class("report-period muted"),
           .text("\(t("report.period")) \(period.from) – \(period.to)" + (extra.map { " · " + $0 } ?? "")))
    }

    static func exportLink(_ t: Localizer, _ href: String) -> Node<HTML.BodyContext> {
        .a(.class("button report-export"), .href(href), .attribute(named: "download", value: ""), .text(t("sale.export_excel")))
    }
}

// MARK: - 销售报表

/// 销售日报 / 周报 / 月报: this period against the one before and since launch, the series as a
/// chart and a table, then buildings, layouts (with what is left to sell) and consultants.
enum SalesReportPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var query: ReportQuery
        var today: CalendarDay
        var report: ReportService.SalesReport?
        var failure: FormFailure?
    }

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
