import EstateCore
import Foundation
import Plot

extension ServiceAnalysisPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)/service/analysis"
        return ServiceShell.page(ctx, project: m.project, projects: m.projects, tab: .analysis, title: t("service.tab.analysis"), printable: true,
                                 .group(
            quickLinks(ctx, base: base, today: m.today, query: m.query),
            ReportShell.periodForm(ctx, action: base, query: m.query, failure: m.failure),
            FormFailure.view(m.failure),
            .unwrap(m.analysis) { a in
                .group(
                    .div(.class("toolbar report-toolbar"),
                        ReportShell.periodLine(t, a.period),
                        .div(.class("spacer")),
                        ReportShell.exportLink(t, "/projects/\(m.project.id)/service/analysis.xlsx?\(m.query.encoded)")),
                    summary(t, a),
                    months(t, a),
                    breakdown(t, "category", a.byCategory, empty: "ticket.no_category"),
                    breakdown(t, "building", a.byBuilding, empty: "ticket.no_unit"),
                    breakdown(t, "cause", a.byCause, empty: "ticket.no_cause", cause: true),
                    repeats(t, a))
            }))
    }

    /// 本月, 上月, 本年, 上年.
    static func quickLinks(_ ctx: PageContext, base: String, today: CalendarDay, query q: ReportQuery) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let month = ReportPeriod.monthStart(today, plus: 0), next = ReportPeriod.monthStart(today, plus: 1), last = ReportPeriod.monthStart(today, plus: -1)
        let year = CalendarDay(year: today.year, month: 1, day: 1)!
        let ranges: [(String, CalendarDay, CalendarDay)] = [
            ("report.quick.this_month", month, next.adding(days: -1)),
            ("report.quick.last_month", last, month.adding(days: -1)),
            ("report.quick.this_year", year, CalendarDay(year: today.year, month: 12, day: 31)!),
            ("service.quick.last_year", CalendarDay(year: today.year - 1, month: 1, day: 1)!, year.adding(days: -1)),
        ]
        return .nav(.class("building-tabs quick-ranges"), .attribute(named: "aria-label", value: t("report.quick")),
            .group(ranges.map { key, from, to in
                let r = ReportQuery(from: from.description, to: to.description)
                return Node<HTML.BodyContext>.a(.href("\(base)?\(r.encoded)"), .class(q.from == r.from && q.to == r.to ? "current" : ""), .text(t(key)))
            }))
    }

    static func name(_ t: Localizer, _ r: TicketService.AnalysisRow, empty: String, cause: Bool) -> String {
        r.key.isEmpty ? t(empty) : cause ? t("ticket.cause.\(r.key)") : r.name
    }

    // MARK: Summary

    static func summary(_ t: Localizer, _ a: TicketService.Analysis) -> Node<HTML.BodyContext> {
        func kpi(_ label: String, _ value: String, _ subs: [String]) -> Node<HTML.BodyContext> {
            .div(.class("kpi"),
                .div(.class("kpi-label"), .text(t(label))),
                .div(.class("kpi-value"), .text(value)),
                .group(subs.map { Node<HTML.BodyContext>.div(.class("kpi-sub"), .text($0)) }))
        }
        let tickets = a.byMonth.reduce(0) { $0 + $1.tickets }
        return .section(.class("kpis"), .attribute(named: "aria-label", value: t("service.sheet.summary")),
            kpi("service.tickets", "\(tickets)", [t("service.complaints") + " \(a.complaints) · " + t("service.repairs") + " \(a.repairs)"]),
            kpi("service.complaints", "\(a.complaints)", [t("service.complaint_share", ["rate": ReportShell.percent(Ratio.percent(Int64(a.complaints), of: Int64(tickets)))])]),
            kpi("service.satisfaction", ReportShell.percent(a.satisfactionRate),
                [t("service.satisfied_of", ["n": "\(a.satisfied)", "of": "\(a.callbacks)"]),
                 t("service.average", ["avg": a.averageSatisfaction ?? "—"])]),
            kpi("service.response_met", ReportShell.percent(a.responseRate), [t("service.met_of", ["n": "\(a.responseMet)", "of": "\(a.slaTickets)"])]),
            kpi("service.resolve_met", ReportShell.percent(a.resolveRate), [t("service.met_of", ["n": "\(a.resolveMet)", "of": "\(a.slaTickets)"])]),
            kpi("service.repeat_repairs", ReportShell.percent(a.repeatRate), [t("service.repeat_of", ["n": "\(a.repeats.count)", "of": "\(a.repairs)"])]))
    }

    static func heads(_ t: Localizer, _ first: String) -> Node<HTML.TableRowContext> {
        .group(ReportShell.head(t(first), num: false), ReportShell.head(t("service.tickets")), ReportShell.head(t("service.complaints")),
               ReportShell.head(t("service.repairs")), ReportShell.head(t("service.others")))
    }

    static func cells(_ r: TicketService.AnalysisRow, strong: Bool = false) -> Node<HTML.TableRowContext> {
        .group(["\(r.tickets)", "\(r.complaints)", "\(r.repairs)", "\(r.tickets - r.complaints - r.repairs)"].map { ReportShell.num($0, strong: strong) })
    }

    static func total(_ rows: [TicketService.AnalysisRow]) -> TicketService.AnalysisRow {
        var s = TicketService.AnalysisRow(key: "total", name: "")
        for r in rows { s.tickets += r.tickets; s.complaints += r.complaints; s.repairs += r.repairs }
        return s
    }

    // MARK: By month

    static func months(_ t: Localizer, _ a: TicketService.Analysis) -> Node<HTML.BodyContext> {
        let rows = a.byMonth
        let chart = SVGChart.columns(
            id: "svc-months", title: t("service.chart.months"), labels: rows.map { monthLabel(t, $0.key, span: rows.count) },
            bars: [.init(name: t("service.tickets"), values: rows.map { Double($0.tickets) }, fill: .light),
                   .init(name: t("service.complaints"), values: rows.map { Double($0.complaints) }, fill: .dark)],
            leftTitle: t("service.axis.count"), integral: true)
        let body = rows.map { r in Node<HTML.TableContext>.tr(.th(.class("nowrap"), .text(r.key)), cells(r)) }
            + [.tr(.class("total"), .th(.text(t("report.total"))), cells(total(rows), strong: true))]
        return .section(.class("card report-section"),
            .h2(.text(t("service.sheet.month"))),
            .if(rows.count > 1, .div(.class("chart-box"), chart)),
            ReportShell.table("breakdown compact", heads(t, "service.by.month"), body))
    }

    /// "2026-03" → "3月" within one year, "26-03" across years.
    static func monthLabel(_ t: Localizer, _ key: String, span: Int) -> String {
        let parts = key.split(separator: "-")
        guard parts.count == 2, let month = Int(parts[1]) else { return key }
        guard span <= 12, (1...12).contains(month) else { return "\(parts[0].suffix(2))-\(parts[1])" }
        return t.language == .zh ? t("service.month_n", ["n": "\(month)"])
            : ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][month - 1]
    }

    // MARK: Breakdowns

    static func breakdown(_ t: Localizer, _ key: String, _ rows: [TicketService.AnalysisRow], empty: String, cause: Bool = false) -> Node<HTML.BodyContext> {
        let shown = Array(rows.prefix(15))
        let longest = shown.map { SVGChart.width(name(t, $0, empty: empty, cause: cause)) }.max() ?? 8
        let chart = SVGChart.bars(
            id: "svc-\(key)", title: t("service.chart.\(key)"),
            rows: shown.map { r in
                SVGChart.Row(label: name(t, r, empty: empty, cause: cause),
                             parts: [Double(r.complaints), Double(r.repairs), Double(r.tickets - r.complaints - r.repairs)],
                             value: t("service.bar_value", ["n": "\(r.tickets)", "c": "\(r.complaints)"]))
            },
            fills: [.dark, .hatch, .light], legend: [t("service.complaints"), t("service.repairs"), t("service.others")],
            partLabel: { SVGChart.number($0) }, labelWidth: min(260, max(90, Double(longest) * 7 + 16)))
        let body = rows.map { r in Node<HTML.TableContext>.tr(.th(.text(name(t, r, empty: empty, cause: cause))), cells(r)) }
            + [.tr(.class("total"), .th(.text(t("report.total"))), cells(total(rows), strong: true))]
        return .section(.class("card report-section"),
            .h2(.text(t("service.sheet.\(key)"))),
            rows.isEmpty ? .p(.class("muted"), .text(t("report.empty"))) : .group(
                .div(.class("chart-box"), chart),
                .if(rows.count > shown.count, .p(.class("muted small"), .text(t("service.chart_top", ["n": "\(shown.count)"])))),
                ReportShell.table("breakdown compact", heads(t, "service.by.\(key)"), body)))
    }

    // MARK: Repeat repairs

    static func repeats(_ t: Localizer, _ a: TicketService.Analysis) -> Node<HTML.BodyContext> {
        .section(.class("card report-section"),
            .h2(.text(t("service.sheet.repeats")), .span(.class("count"), .text(" \(a.repeats.count)"))),
            .p(.class("muted small"), .text(t("service.repeats_hint", ["days": "\(RepeatRepair.windowDays)"]))),
            a.repeats.isEmpty ? .p(.class("muted"), .text(t("service.no_repeats"))) :
            ReportShell.table("compact", .group(ReportShell.head(t("service.number"), num: false), ReportShell.head(t("service.unit"), num: false),
                                                ReportShell.head(t("service.component"), num: false), ReportShell.head(t("service.previous"), num: false),
                                                ReportShell.head(t("service.days_between"))),
                a.repeats.map { r in
                    Node<HTML.TableContext>.tr(
                        .td(.a(.class("mono"), .href("/tickets/\(r.ticketID)"), .text(r.number))),
                        .td(.class("mono"), .text(r.unitCode)),
                        .td(.text(t(r.component.catalogKey))),
                        .td(.class("mono"), .text(r.previousNumber)),
                        ReportShell.num("\(r.daysBetween)"))
                }))
    }
}
