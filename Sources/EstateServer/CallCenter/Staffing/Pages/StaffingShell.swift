import EstateCore
import Foundation
import Plot

/// The frame of the staffing pages (呼叫中心): project, switcher, the tabs 话务预测 / 排班 / 节假日.
enum StaffingShell {
    enum Tab: String, CaseIterable {
        case staffing, rosters, calendar
        var key: String { "staffing.tab.\(rawValue)" }
        func href(_ project: UUID) -> String {
            switch self {
            case .staffing: "/projects/\(project)/staffing"
            case .rosters: "/projects/\(project)/rosters"
            case .calendar: "/projects/\(project)/staffing/calendar"
            }
        }
    }

    static func page(_ ctx: PageContext, project: InventoryShell.ProjectRef, projects: [InventoryShell.ProjectRef], tab: Tab,
                     title: String, _ content: Node<HTML.BodyContext>) -> HTML {
        let t = ctx.t
        return Shell.page(ctx, title: "\(title) · \(project.name)", .div(.class("service-page staffing-page"),
            .div(.class("inv-head"),
                .h1(.text(project.name), .span(.class("muted code"), .text(" " + project.code)),
                    .span(.class("report-title"), .text(" · " + t("nav.callcenter")))),
                ProjectSwitcher.view(t, current: project, projects: projects, home: tab == .rosters ? "/rosters" : "/staffing", keep: [("tab", tab.rawValue)])),
            .nav(.class("tabs"), .attribute(named: "aria-label", value: t("nav.callcenter")),
                .group(Tab.allCases.map { tb in
                    Node<HTML.BodyContext>.a(.href(tb.href(project.id)), .class(tb == tab ? "current" : ""), .text(t(tb.key)))
                })),
            content))
    }

    /// A week picker: previous / this / next week links.
    static func weekNav(_ t: Localizer, base: String, monday: CalendarDay, param: String = "from") -> Node<HTML.BodyContext> {
        .div(.class("toolbar"),
            .a(.class("button"), .href("\(base)?\(param)=\(monday.adding(days: -7))"), .text(t("staffing.week_prev"))),
            .strong(.class("week-label"), .text(" " + t("staffing.week_of", ["from": monday.description, "to": monday.adding(days: 6).description]) + " ")),
            .a(.class("button"), .href("\(base)?\(param)=\(monday.adding(days: 7))"), .text(t("staffing.week_next"))))
    }

    static func weekdayName(_ t: Localizer, _ day: CalendarDay) -> String { t("staffing.weekday.\(day.isoWeekday)") }

    static func profileText(_ t: Localizer, _ d: CallForecast.Day) -> String {
        switch d.profile {
        case .weekday(let w): d.kind == .holiday ? t("staffing.profile.holiday") : t("staffing.profile.weekday", ["day": t("staffing.weekday.\(w)")])
        case .workdayMean: t("staffing.profile.workday")
        }
    }

    static func pct(_ share: Double) -> String { share.isFinite ? String(format: "%.1f%%", share * 100) : "—" }
    static func secs(_ s: Double) -> String { s.isFinite ? String(format: "%.1f", s) : "∞" }
    static func num(_ v: Double) -> String { String(format: "%.1f", v) }
}

/// Texts of the roster pages.
enum RosterText {
    /// "07:30"; a time past midnight wraps ("08:00" for 1920).
    static func clock(_ minutes: Int) -> String { String(format: "%02d:%02d", (minutes / 60) % 24, minutes % 60) }

    static func templateName(_ t: Localizer, _ tp: RosterService.Template) -> String {
        if !tp.name.isEmpty { return tp.name }
        let key = "roster.shift.\(tp.shift.code)"
        return t.catalog.has(key) ? t(key) : tp.shift.code
    }

    static func hours(_ minutes: Int) -> String {
        minutes % 60 == 0 ? "\(minutes / 60)" : String(format: "%.1f", Double(minutes) / 60)
    }
}
