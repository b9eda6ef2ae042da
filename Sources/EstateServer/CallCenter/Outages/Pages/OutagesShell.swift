import EstateCore
import Foundation
import Plot

/// The frame of the 抢修单 pages (呼叫中心): project, switcher, the tabs 抢修单 / 值班表, and the badges they share.
enum OutagesShell {
    enum Tab: String, CaseIterable {
        case outages, oncall
        var key: String { "outage.tab.\(rawValue)" }
        func href(_ project: UUID) -> String {
            switch self {
            case .outages: "/projects/\(project)/outages"
            case .oncall: "/projects/\(project)/outages/on-call"
            }
        }
    }

    static func page(_ ctx: PageContext, project: InventoryShell.ProjectRef, projects: [InventoryShell.ProjectRef], tab: Tab?,
                     title: String, _ content: Node<HTML.BodyContext>) -> HTML {
        let t = ctx.t
        return Shell.page(ctx, title: "\(title) · \(project.name)", .div(.class("service-page outage-page"),
            .div(.class("inv-head"),
                .h1(.text(project.name), .span(.class("muted code"), .text(" " + project.code)),
                    .span(.class("report-title"), .text(" · " + t("nav.callcenter")))),
                ProjectSwitcher.view(t, current: project, projects: projects, home: "/outages", keep: [("tab", (tab ?? .outages).rawValue)])),
            .nav(.class("tabs"), .attribute(named: "aria-label", value: t("nav.callcenter")),
                .group(Tab.allCases.map { tb in
                    Node<HTML.BodyContext>.a(.href(tb.href(project.id)), .class(tb == tab ? "current" : ""), .text(t(tb.key)))
                })),
            content))
    }

    static func statusBadge(_ t: Localizer, _ s: OutageStatus) -> Node<HTML.BodyContext> {
        .span(.class("og-st og-st-\(s.rawValue)"), .text(t(s.catalogKey)))
    }

    /// 值班第 2 位 / 主管: who the current level is.
    static func levelText(_ t: Localizer, level: Int, onCallCount: Int) -> String {
        switch OutageEscalation.target(level: level, onCallCount: onCallCount) {
        case .onCall(let i): t("outage.level.oncall", ["n": "\(i + 1)"])
        case .supervisors: t("outage.level.supervisors")
        case nil: t("outage.level.supervisors")
        }
    }

    static func levelBadge(_ t: Localizer, _ o: OutageService.Outage, onCallCount: Int) -> Node<HTML.BodyContext> {
        .span(.class(o.level == 0 ? "og-level" : "og-level og-level-up"), .attribute(named: "title", value: t("outage.level_hint")),
              .text(o.level == 0 ? levelText(t, level: 0, onCallCount: onCallCount) : t("outage.escalated_n", ["n": "\(o.level)", "who": levelText(t, level: o.level, onCallCount: onCallCount)])))
    }

    /// A timeline line in the reader's language: its catalogue entry filled with its values, the
    /// department named, lists of names set with the language's separator, then whoever was unreachable.
    static func eventLine(_ t: Localizer, _ e: OutageService.Event) -> String {
        var values = e.values
        let line = values.removeValue(forKey: "line") ?? e.action
        let separator = t("list.separator")
        for (k, v) in values where v.contains("\n") { values[k] = v.split(separator: "\n").joined(separator: separator) }
        if let d = values["department"] { values["department"] = department(t, d) }
        let key = "outage.line.\(line)"
        var text = t.catalog.has(key) ? t(key, values) : t("outage.event.\(e.action)")
        if let u = values["unreachable"] { text += t("outage.line.unreachable", ["people": u]) }
        return text
    }

    static func actor(_ t: Localizer, _ e: OutageService.Event) -> String { e.actorName.isEmpty ? t("outage.actor.system") : e.actorName }

    static func department(_ t: Localizer, _ d: String) -> String {
        t.catalog.has("ticket.department.\(d)") ? t("ticket.department.\(d)") : d
    }
}
