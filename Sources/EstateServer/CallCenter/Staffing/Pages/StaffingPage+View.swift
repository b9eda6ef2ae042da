import EstateCore
import Foundation
import Plot

extension StaffingPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)/staffing"
        let s = m.settings
        let goal = t("staffing.goal", ["sl": String(format: "%g", Double(s.slTargetPermille) / 10), "t": "\(s.thresholdSeconds)",
                                       "occ": "\(s.maxOccupancyPercent)", "shrink": "\(s.shrinkagePercent)", "weeks": "\(s.historyWeeks)"])
            + (s.asaLimitSeconds.map { t("staffing.goal_asa", ["asa": "\($0)"]) } ?? "")
        return StaffingShell.page(ctx, project: m.project, projects: m.projects, tab: .staffing, title: t("staffing.tab.staffing"), .group(
            StaffingShell.weekNav(t, base: base, monday: m.monday),
            .p(.class("muted small"), .text(goal)),
            .p(.class("muted small"), .text(t("staffing.rule_text"))),
            weekTable(t, m, base: base),
            dayDetail(t, m, base: base),
            .p(.a(.class("button"), .href("/projects/\(m.project.id)/staffing.xlsx?from=\(m.monday)"), .text(t("staffing.export")))),
            settingsForm(ctx, m)))
    }

    static func weekTable(_ t: Localizer, _ m: Model, base: String) -> Node<HTML.BodyContext> {
        .div(.class("table-wrap"), .table(.class("data staffing-week"),
            .thead(.tr(.th(.text(t("staffing.col.day"))), .th(.text(t("staffing.col.profile"))), .th(.class("num"), .text(t("staffing.col.calls"))),
                       .th(.class("num"), .text(t("staffing.col.peak_required"))), .th(.class("num"), .text(t("staffing.col.peak_scheduled"))),
                       .th(.class("num"), .text(t("staffing.col.callbacks_due"))), .th(.class("num"), .text(t("staffing.col.followups_due"))),
                       .th(.class("num"), .text(t("staffing.col.planned_hours"))),
                       .th(.class("num"), .text(t("staffing.col.agent_hours"))))),
            .tbody(.group(m.days.enumerated().map { i, d in
                Node<HTML.TableContext>.tr(.class(i == m.dayIndex ? "current" : ""),
                    .td(.class("nowrap"), .a(.href("\(base)?from=\(m.monday)&day=\(i)"),
                                             .text("\(d.day.day.description) \(StaffingShell.weekdayName(t, d.day.day))"))),
                    .td(.text(StaffingShell.profileText(t, d.day))),
                    .td(.class("num"), .text(StaffingShell.num(d.day.calls))),
                    .td(.class("num"), .text("\(d.slots.map(\.required).max() ?? 0)")),
                    .td(.class("num"), .text("\(d.slots.map(\.scheduled).max() ?? 0)")),
                    .td(.class("num"), .text("\(d.day.planned.callbacks)")),
                    .td(.class("num"), .text("\(d.day.planned.followUps)")),
                    .td(.class("num"), .text(StaffingShell.num(d.day.planned.seconds / 3600))),
                    .td(.class("num"), .text(StaffingShell.num(d.agentHours))))
            }))))
    }

    static func dayDetail(_ t: Localizer, _ m: Model, base: String) -> Node<HTML.BodyContext> {
        guard m.dayIndex < m.days.count else { return .empty }
        let d = m.days[m.dayIndex]
        let labels = (0..<48).map { StaffingInterval.label($0) }
        let chart = SVGChart.columns(
            id: "staffing-day", title: t("staffing.chart_title", ["day": d.day.day.description]), labels: labels,
            bars: [SVGChart.Series(name: t("staffing.col.required"), values: d.slots.map { Double($0.required) }, fill: .light),
                   SVGChart.Series(name: t("staffing.col.scheduled"), values: d.slots.map { Double($0.scheduled) }, fill: .dark)],
            leftTitle: t("staffing.axis.agents"),
            trend: SVGChart.Series(name: t("staffing.col.calls"), values: d.slots.map(\.calls), fill: .black), rightTitle: t("staffing.axis.calls"),
            barValues: false)
        return .section(.class("card"),
            .h2(.text("\(d.day.day.description) \(StaffingShell.weekdayName(t, d.day.day)) · \(StaffingShell.profileText(t, d.day))")),
            .div(.class("chart-box"), chart),
            .p(.class("planned-outbound"), .text(d.day.planned.seconds > 0
                ? t("staffing.planned_line", ["callbacks": "\(d.day.planned.callbacks)", "cbs": "\(m.settings.outboundItemSeconds)",
                                              "followups": "\(d.day.planned.followUps)", "fus": "\(m.settings.followUpItemSeconds)",
                                              "hours": StaffingShell.num(d.day.planned.seconds / 3600)])
                : t("staffing.planned_none"))),
            .div(.class("table-wrap"), .table(.class("data staffing-intervals"),
                .thead(.tr(.th(.text(t("staffing.col.interval"))), .th(.class("num"), .text(t("staffing.col.calls"))),
                           .th(.class("num"), .text(t("staffing.col.aht"))), .th(.class("num"), .text(t("staffing.col.erlangs"))),
                           .th(.class("num"), .text(t("staffing.col.inbound"))), .th(.class("num"), .text(t("staffing.col.outbound"))),
                           .th(.class("num"), .text(t("staffing.col.required"))), .th(.class("num"), .text(t("staffing.col.scheduled"))),
                           .th(.class("num"), .text(t("staffing.col.sl"))), .th(.class("num"), .text(t("staffing.col.asa"))),
                           .th(.class("num"), .text(t("staffing.col.occupancy"))))),
                .tbody(.group(d.slots.filter { $0.required > 0 || $0.calls > 0 }.map { r in
                    Node<HTML.TableContext>.tr(
                        .td(.class("nowrap"), .text("\(StaffingInterval.label(r.slot))–\(StaffingInterval.label((r.slot + 1) % 48))")),
                        .td(.class("num"), .text(StaffingShell.num(r.calls))),
                        .td(.class("num"), .text(String(format: "%.0f", r.ahtSeconds))),
                        .td(.class("num"), .text(String(format: "%.2f", r.inbound.traffic))),
                        .td(.class("num"), .text("\(r.inbound.agents)")),
                        .td(.class("num"), .text("\(r.outboundAgents)")),
                        .td(.class("num"), .strong(.text("\(r.required)"))),
                        .td(.class("num"), .strong(.text("\(r.scheduled)"))),
                        .td(.class("num"), .text(r.inbound.agents == 0 ? "—" : StaffingShell.pct(r.inbound.serviceLevel))),
                        .td(.class("num"), .text(r.inbound.agents == 0 ? "—" : StaffingShell.secs(r.inbound.asaSeconds))),
                        .td(.class("num"), .text(r.inbound.agents == 0 ? "—" : StaffingShell.pct(r.inbound.occupancy))))
                })))),
            .p(.class("muted small"), .text(t("staffing.definitions"))))
    }

    static func settingsForm(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, form = "settings"
        let values = m.failure?.form == form ? m.values : formValues(m.settings)
        return .section(.class("card"), .attribute(named: "id", value: form),
            .h2(.text(t("staffing.settings"))),
            FormFailure.view(m.failure, form: form),
            m.mayEdit
                ? .form(.class("staffing-settings"), .method(.post), .action("/projects/\(m.project.id)/staffing/settings"),
                    Shell.csrfField(ctx),
                    .div(.class("form-grid"), .group(settingKeys.map { k in
                        .div(.class(ServiceShell.fieldClass(m.failure, form: form, [k == "slTarget" ? "slTargetPermille" : k, k])),
                            .label(.for("st-\(k)"), .text(t("staffing.setting.\(k)"))),
                            .input(.type(.text), .id("st-\(k)"), .name(k), .value(values[k] ?? ""),
                                   .attribute(named: "inputmode", value: "decimal"), .attribute(named: "size", value: "6")))
                    })),
                    .div(.class("field actions"), .button(.type(.submit), .class("primary"), .text(t("action.save")))))
                : .ul(.group(settingKeys.map { k in Node<HTML.ListContext>.li(.text("\(t("staffing.setting.\(k)")): \(values[k].flatMap { $0.isEmpty ? nil : $0 } ?? "—")")) })))
    }
}
