import EstateCore
import Foundation
import Plot

extension OutageListPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)/outages"
        return OutagesShell.page(ctx, project: m.project, projects: m.projects, tab: .outages, title: t("outage.tab.outages"), .group(
            .div(.class("toolbar service-toolbar"),
                .nav(.class("building-tabs queue-tabs"), .attribute(named: "aria-label", value: t("outage.filter")),
                    .group(OutageService.Filter.allCases.map { f in
                        Node<HTML.BodyContext>.a(.href(f == .open ? base : "\(base)?status=\(f.rawValue)"), .class(f == m.filter ? "current" : ""),
                                                 .text(t(f.catalogKey)))
                    })),
                .div(.class("spacer")),
                .if(m.mayOpen, .a(.class("button primary-button"), .href("\(base)/new"), .text(t("outage.new"))))),
            m.page.items.isEmpty ? .p(.class("muted empty"), .text(t("outage.none"))) : table(t, m),
            .if(m.page.total > m.page.perPage, Shell.pager(ctx, m.page, query: m.filter == .open ? [:] : ["status": m.filter.rawValue]))))
    }

    static func table(_ t: Localizer, _ m: Model) -> Node<HTML.BodyContext> {
        .div(.class("table-wrap"), .table(.class("data outages"),
            .thead(.tr(.th(.text(t("outage.field.number"))), .th(.text(t("outage.field.area"))), .th(.text(t("outage.field.title"))),
                       .th(.text(t("outage.field.department"))), .th(.text(t("field.status"))), .th(.text(t("outage.field.level"))),
                       .th(.text(t("outage.field.elapsed"))), .th(.text(t("outage.field.restore"))), .th(.text(t("outage.field.callbacks"))))),
            .tbody(.group(m.page.items.map { o in
                let s = o.outageStatus
                let late = s.isOpen && s != .callback && o.expectedRestoreAt < m.now
                return Node<HTML.TableContext>.tr(.class(s == .closed ? "closed" : (s == .notifying ? "og-waiting" : "")),
                    .td(.class("nowrap"), .a(.class("mono"), .href("/outages/\(o.id)"), .text(o.number))),
                    .td(.text(o.areaLabel), .span(.class("muted small"), .text(" · " + t("outage.units_n", ["n": "\(o.unitCount)"])))),
                    .td(.text(o.title)),
                    .td(.class("nowrap"), .text(OutagesShell.department(t, o.department))),
                    .td(.class("nowrap"), OutagesShell.statusBadge(t, s)),
                    .td(.class("nowrap"), s == .notifying ? OutagesShell.levelBadge(t, o, onCallCount: m.onCallCounts[o.department] ?? 0)
                        : .span(.class("muted"), .text(o.acknowledgedByName.map { t("outage.taken_by", ["name": $0]) } ?? "—"))),
                    .td(.class("nowrap"), .text(ServiceShell.duration(t, minutes: o.elapsedMinutes(at: m.now)))),
                    .td(.class(late ? "nowrap sla-over" : "nowrap"), .text(ServiceShell.clock(o.expectedRestoreAt))),
                    .td(.class("nowrap"), s == .callback
                        ? .a(.href("/outages/\(o.id)/callbacks"), .text(t("outage.pending_n", ["n": "\(m.pending[o.id] ?? 0)"])))
                        : .span(.class("muted"), .text("—"))))
            }))))
    }
}
