import EstateCore
import Foundation
import Plot

/// The 工作台 cards: per project, today's figures, the month against its target and the last
/// 30 days of contract amount; a consultant sees their own ("我的").
enum DashboardPanel {
    struct Item: Sendable {
        var dashboard: ReportService.Dashboard
        /// The reader may open the project's reports.
        var reports: Bool
    }

    /// At most this many projects get a card.
    static let limit = 3

    static func view(_ ctx: PageContext, _ items: [Item]) -> Node<HTML.BodyContext> {
        guard !items.isEmpty else { return .empty }
        return .section(.class("dash-list"), .attribute(named: "aria-label", value: ctx.t("report.dash.title")),
                        .group(items.enumerated().map { i, item in card(ctx.t, item, index: i) }))
    }

    static func card(_ t: Localizer, _ item: Item, index: Int) -> Node<HTML.BodyContext> {
        let d = item.dashboard
        let today = d.todayFigures
        let stats: [(String, String)] = [
            (t("report.visits"), "\(today.visitsFirst + today.visitsReturn)"),
            (t("report.subscriptions.count"), "\(today.subscriptions.count)"),
            (t("report.contracts.amount"), today.contracts.amount.description),
            (t("report.collections.amount"), today.collections.amount.description),
        ]
        let progress = d.progress
        let month = d.monthFigures
        // A target of 0 is no target (the percent is nil then too).
        let goals: [(label: String, actual: String, target: String?, percent: String?)] = [
            (t("report.subscriptions.count"), "\(month.subscriptions.count)",
             d.target.flatMap { $0.subscriptions > 0 ? "\($0.subscriptions)" : nil }, progress.subscriptions),
            (t("report.contracts.amount"), month.contracts.amount.description,
             d.target.flatMap { $0.contractAmount.fen > 0 ? $0.contractAmount.description : nil }, progress.contractAmount),
            (t("report.collections.amount"), month.collections.amount.description,
             d.target.flatMap { $0.collections.fen > 0 ? $0.collections.description : nil }, progress.collections),
        ]
        let days = d.days.map { day in
            (label: String(day.day.description.dropFirst(5)), value: SVGChart.wan(day.contractAmount),
             tip: "\(day.day) \(t("report.contracts.amount")): \(day.contractAmount.description)")
        }
        return .article(.class("card dash"),
            .div(.class("dash-head"),
                .h2(.text(d.projectName)),
                .if(d.consultantID != nil, .span(.class("badge warn"), .text(t("report.dash.mine")))),
                .div(.class("spacer")),
                .if(item.reports, .a(.class("more"), .href("/projects/\(d.projectID)/reports"), .text(t("report.dash.open"))))),
            .div(.class("dash-body"),
                .div(.class("dash-today"),
                    .h3(.text(t("report.dash.today", ["day": d.today.description]))),
                    .dl(.class("dash-stats"), .group(stats.map { label, value in
                        Node<HTML.DescriptionListContext>.group(.dt(.text(label)), .dd(.text(value)))
                    }))),
                .div(.class("dash-month"),
                    .h3(.text(t("report.dash.month", ["month": d.month]))),
                    .group(goals.enumerated().map { k, g in
                        let pct = g.percent.flatMap(Double.init) ?? 0
                        return Node<HTML.BodyContext>.div(.class("goal"),
                            .div(.class("goal-line"),
                                .span(.class("goal-label"), .text(g.label)),
                                .span(.class("goal-figures"),
                                    .strong(.text(g.actual)),
                                    .unwrap(g.target) { .text(" / \($0)") })),
                            g.target == nil || g.percent == nil
                                ? .div(.class("goal-none muted small"), .text(t("report.dash.no_target")))
                                : .div(.class("goal-bar"),
                                       SVGChart.meter(id: "meter-\(index)-\(k)", percent: pct, label: "\(g.label) \(ReportShell.percent(g.percent))"),
                                       .span(.class(pct >= 100 ? "goal-pct done" : "goal-pct"), .text(ReportShell.percent(g.percent)))))
                    })),
                .div(.class("dash-spark"),
                    .h3(.text(t("report.dash.days"))),
                    SVGChart.spark(id: "spark-\(index)", title: t("report.dash.days"), days: days))))
    }
}
