import EstateCore
import Foundation
import Plot

/// 周报 / 月报 of the desk (issue 20 point 8): complaints by category, returns, the follow-up pass rate against the 98 %
/// goal, members joined, points earned and redeemed, found items recorded and claimed — charts drawn by `SVGChart`,
/// and the same period's .xlsx.
extension DeskPages {
    static func report(_ ctx: PageContext, _ m: ReportModel) -> HTML {
        let t = ctx.t
        let base = "/malls/\(m.mall.id)/report"
        let f = m.figures, r = m.report
        let labels = f.days.map { String($0.description.dropFirst(5)) }
        func ints(_ a: [Int]) -> [Double] { a.map(Double.init) }
        func longs(_ a: [Int64]) -> [Double] { a.map(Double.init) }
        let categories = MallComplaintCategory.allCases.map { ($0.rawValue, f.complaintsByCategory[$0.rawValue] ?? 0) }
        let complaints = categories.reduce(0) { $0 + $1.1 }
        let rate = r.passRate
        func kpi(_ label: String, _ value: String, _ sub: String = "", warn: Bool = false) -> Node<HTML.BodyContext> {
            .div(.class("kpi"), .div(.class("kpi-label"), .text(label)), .div(.class(warn ? "kpi-value sla-over" : "kpi-value"), .text(value)),
                 .if(!sub.isEmpty, .div(.class("kpi-sub"), .text(sub))))
        }
        func chart(_ id: String, _ title: String, _ bars: [SVGChart.Series], axis: String) -> Node<HTML.BodyContext> {
            .section(.class("card"), .id(id), .h2(.text(title)),
                     SVGChart.columns(id: id + "-chart", title: title, labels: labels, bars: bars, leftTitle: axis, integral: true))
        }
        return F.page(ctx, mall: m.mall, malls: m.malls, tab: .report, title: t("mall.tab.report"), .group(
            .section(.class("card"), .id("mrp-head"),
                .div(.class("toolbar"),
                    .h2(.text(t("mall.rep.title.\(m.period.rawValue)", ["from": m.from.description, "to": m.to.description]))),
                    .div(.class("spacer")),
                    .nav(.class("chips"),
                        .a(.class(m.period == .week ? "chip current" : "chip"), .href("\(base)?period=week&day=\(m.from)"), .text(t("mall.rep.week"))),
                        .a(.class(m.period == .month ? "chip current" : "chip"), .href("\(base)?period=month&day=\(m.from)"), .text(t("mall.rep.month")))),
                    .a(.class("button"), .href("\(base)?period=\(m.period.rawValue)&day=\(m.previous)"), .text(t("mall.rep.previous"))),
                    .a(.class("button"), .href("\(base)?period=\(m.period.rawValue)&day=\(m.next)"), .text(t("mall.rep.next"))),
                    .a(.class("button primary"), .href("/malls/\(m.mall.id)/report.xlsx?from=\(m.from)&to=\(m.to)"), .text(t("mall.day.xlsx")))),
                .div(.class("kpis top-gap"),
                    kpi(t("mall.rep.complaints"), "\(complaints)", t("mall.rep.overdue_sub", ["n": "\(r.overdueComplaints)"]), warn: r.overdueComplaints > 0),
                    kpi(t("mall.rep.returns"), "\(f.returnsTaken.reduce(0, +))",
                        t("mall.rep.refunded_sub", ["n": "\(f.returnsRefunded.reduce(0, +))", "amount": F.yuan(f.refundFen)])),
                    kpi(t("mall.rep.pass_rate"), rate.map { String(format: "%.1f%%", Double($0) / 10) } ?? "—", t("mall.rep.goal_sub"),
                        warn: (rate ?? 1000) < FollowUpRule.goalPermille),
                    kpi(t("mall.rep.members"), "\(f.membersApplied.reduce(0, +))", t("mall.rep.cards_sub", ["n": "\(f.cardsIssued.reduce(0, +))"])),
                    kpi(t("mall.rep.points"), "+\(f.pointsEarned.reduce(0, +))", t("mall.rep.redeemed_sub", ["n": "\(f.pointsRedeemed.reduce(0, +))"])),
                    kpi(t("mall.rep.lost"), "\(f.lostFound.reduce(0, +))", t("mall.rep.claimed_sub", ["n": "\(f.lostClaimed.reduce(0, +))"])),
                    kpi(t("mall.kind.desk_order"), "\(r.total["desk_order"] ?? 0)"))),
            .section(.class("card"), .id("mrp-complaints"),
                .h2(.text(t("mall.rep.by_category"))),
                SVGChart.bars(id: "mrp-cat", title: t("mall.rep.by_category"),
                              rows: categories.map { SVGChart.Row(label: t("mall.category.\($0.0)"), parts: [Double($0.1)], value: "\($0.1)") }, fills: [.dark])),
            .section(.class("card"), .id("mrp-follow"),
                .h2(.text(t("mall.rep.pass_rate")),
                    .span(.class("muted small"), .text(" " + t("mall.rep.rate", ["rate": rate.map { String(format: "%.1f%%", Double($0) / 10) } ?? "—",
                                                                                     "goal": "98%", "n": "\(r.satisfied + r.unsatisfied)"]))),
                    .if((rate ?? 1000) < FollowUpRule.goalPermille, .span(.class("badge warn"), .text(" " + t("mall.follow.below"))))),
                SVGChart.meter(id: "mrp-meter", percent: rate.map { Double($0) / 10 } ?? 0, label: t("mall.rep.pass_rate")),
                SVGChart.columns(id: "mrp-follow-chart", title: t("mall.rep.pass_rate"), labels: labels,
                                 bars: [.init(name: t("mall.follow.satisfied"), values: ints(r.rows.map(\.satisfied)), fill: .dark),
                                        .init(name: t("mall.follow.unsatisfied"), values: ints(r.rows.map(\.unsatisfied)), fill: .hatch)],
                                 leftTitle: t("mall.rep.calls"), integral: true)),
            chart("mrp-returns", t("mall.rep.returns_chart"), [.init(name: t("mall.rep.returns_taken"), values: ints(f.returnsTaken), fill: .dark),
                                                              .init(name: t("mall.rep.returns_refunded"), values: ints(f.returnsRefunded), fill: .light)],
                  axis: t("mall.rep.count")),
            chart("mrp-members", t("mall.rep.members_chart"), [.init(name: t("mall.kind.member_application"), values: ints(f.membersApplied), fill: .dark),
                                                               .init(name: t("mall.kind.card_issue"), values: ints(f.cardsIssued), fill: .light)],
                  axis: t("mall.rep.count")),
            chart("mrp-points", t("mall.rep.points_chart"), [.init(name: t("mall.rep.earned"), values: longs(f.pointsEarned), fill: .dark),
                                                             .init(name: t("mall.rep.redeemed"), values: longs(f.pointsRedeemed), fill: .hatch)],
                  axis: t("mall.rep.points_unit")),
            chart("mrp-lost", t("mall.rep.lost_chart"), [.init(name: t("mall.rep.found"), values: ints(f.lostFound), fill: .dark),
                                                         .init(name: t("mall.rep.claimed"), values: ints(f.lostClaimed), fill: .light)],
                  axis: t("mall.rep.count"))))
    }
}
