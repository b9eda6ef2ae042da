import EstateCore
import Foundation
import Plot

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
