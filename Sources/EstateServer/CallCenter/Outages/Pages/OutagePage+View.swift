import EstateCore
import Foundation
import Plot

extension OutagePage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t, o = m.outage, s = o.outageStatus
        let pending = m.detail.callbacks.filter { !$0.state.isFinal }.count
        return OutagesShell.page(ctx, project: m.project, projects: m.projects, tab: .outages, title: o.number, .group(
            .div(.class("crumbs"), .a(.href("/projects/\(o.projectId)/outages"), .text(t("outage.tab.outages"))), .text(" / \(o.number)")),
            .unwrap(m.failure) { FormFailure.view($0, form: $0.form) },
            .div(.class("ticket-head"),
                .h2(.span(.class("mono"), .text(o.number)), .text(" "), .text(o.areaLabel + " · " + o.title), .text(" "),
                    OutagesShell.statusBadge(t, s))),
            clock(t, m),
            .div(.class("columns"),
                .section(.class("card"), .h2(.text(t("outage.facts"))), facts(t, m)),
                .section(.class("card"), .h2(.text(t("outage.oncall_chain"))), chain(t, m))),
            actions(ctx, m, pending: pending),
            .section(.class("card"), .attribute(named: "id", value: "timeline"),
                .h2(.text(t("outage.timeline"))),
                .ol(.class("og-timeline"), .group(m.detail.events.map { e in
                    Node<HTML.ListContext>.li(.class("og-ev og-ev-\(e.action)"),
                        .span(.class("og-time mono"), .text(ServiceShell.clock(e.at))),
                        .span(.class("og-act"), .text(t.catalog.has("outage.event.\(e.action)") ? t("outage.event.\(e.action)") : e.action)),
                        .span(.class("og-note"), .text(OutagesShell.eventLine(t, e) + (e.note.isEmpty ? "" : t("outage.line.note", ["note": e.note])))),
                        .span(.class("og-who muted"), .text(OutagesShell.actor(t, e))))
                })))))
    }

    /// While waiting: when the window ends and who is next; else when it was taken.
    static func clock(_ t: Localizer, _ m: Model) -> Node<HTML.BodyContext> {
        let o = m.outage
        let elapsed = ServiceShell.duration(t, minutes: o.elapsedMinutes(at: m.now))
        if let due = o.ackDueAt {
            let left = Int((due.timeIntervalSince(m.now) / 60).rounded(.down))
            let last = OutageEscalation.lastLevel(onCallCount: m.detail.onCall.count)
            let next = o.level < last ? OutagesShell.levelText(t, level: o.level + 1, onCallCount: m.detail.onCall.count) : nil
            return .div(.class("sla-box og-clock"),
                .span(.text(t("outage.elapsed", ["time": elapsed]))),
                OutagesShell.levelBadge(t, o, onCallCount: m.detail.onCall.count),
                .unwrap(next) { n in
                    .span(.class(left < 0 ? "sla-over" : "sla-soon"),
                          .text(left < 0 ? t("outage.next_due_now", ["who": n]) : t("outage.next_in", ["time": ServiceShell.duration(t, minutes: left), "who": n])))
                })
        }
        return .div(.class("sla-box og-clock"), .span(.text(t(o.outageStatus == .closed ? "outage.took" : "outage.elapsed", ["time": elapsed]))),
                    .unwrap(o.acknowledgedByName) { n in .span(.text(t("outage.taken_by", ["name": n]) + " · " + ServiceShell.clock(o.acknowledgedAt))) })
    }

    static func facts(_ t: Localizer, _ m: Model) -> Node<HTML.BodyContext> {
        let o = m.outage
        func row(_ label: String, _ value: Node<HTML.BodyContext>) -> Node<HTML.DescriptionListContext> { .group(.dt(.text(t(label))), .dd(value)) }
        let shown = m.detail.unitCodes.prefix(40)
        return .dl(.class("wide ticket-facts"),
            row("outage.field.department", .text(OutagesShell.department(t, o.department))),
            row("outage.field.scope", .text(t(o.outageScope.catalogKey) + " · " + o.areaLabel)),
            row("outage.field.units", .group(.text(t("outage.units_n", ["n": "\(o.unitCount)"]) + t("list.colon")),
                                             .span(.class("mono small"), .text(shown.joined(separator: "、") + (m.detail.unitCodes.count > shown.count ? " …" : ""))))),
            row("outage.field.restore", .text(ServiceShell.clock(o.expectedRestoreAt))),
            row("outage.field.opened", .text(ServiceShell.clock(o.createdAt) + " · " + (o.createdByName ?? "—"))),
            .if(!o.description.isEmpty, row("outage.field.description", .span(.class("pre"), .text(o.description)))),
            .unwrap(o.doneAt) { d in row("outage.field.done", .text(ServiceShell.clock(d) + (o.doneNote.isEmpty ? "" : " · " + o.doneNote))) },
            .if(o.round > 1, row("outage.field.round", .text(t("outage.round_n", ["n": "\(o.round)"])))),
            .unwrap(o.closedAt) { d in row("outage.field.closed", .text(ServiceShell.clock(d))) })
    }

    /// The order people are told in, the current level marked.
    static func chain(_ t: Localizer, _ m: Model) -> Node<HTML.BodyContext> {
        let o = m.outage
        let steps = m.detail.onCall.map { "\($0.name)" } + [m.detail.supervisors.isEmpty ? t("outage.no_supervisor") : m.detail.supervisors.joined(separator: "、")]
        return .group(
            .p(.class("muted small"), .text(t("outage.window", ["n": "\(o.ackMinutes)"]))),
            .ol(.class("og-chain"), .group(steps.enumerated().map { i, name in
                let label = i < m.detail.onCall.count ? t("outage.level.oncall", ["n": "\(i + 1)"]) : t("outage.level.supervisors")
                let cls = i < o.level ? "done" : (i == o.level && o.outageStatus == .notifying ? "current" : "")
                return Node<HTML.ListContext>.li(.class(cls), .span(.class("muted"), .text(label + t("list.colon"))), .text(name))
            })))
    }

    static func actions(_ ctx: PageContext, _ m: Model, pending: Int) -> Node<HTML.BodyContext> {
        let t = ctx.t, o = m.outage, s = o.outageStatus
        let done = m.mayReportDone && (s == .notifying || s == .inRepair)
        let callbacks = m.mayCall && (s == .callback || !m.detail.callbacks.isEmpty)
        let close = m.mayCall && s == .callback
        guard done || callbacks || close else { return .empty }
        return .section(.class("card ticket-actions"), .h2(.text(t("outage.handle"))),
            .div(.class("action-forms"),
                .if(done, .form(.method(.post), .action("/outages/\(o.id)/done"), Shell.csrfField(ctx),
                    .label(.for("done-note"), .text(t("outage.done_note"))),
                    .input(.type(.text), .id("done-note"), .name("note"), .attribute(named: "maxlength", value: "500"), .placeholder(t("outage.done_placeholder"))),
                    .button(.type(.submit), .class("primary"), .text(t("outage.report_done"))),
                    .p(.class("hint"), .text(t("outage.done_hint"))))),
                .if(callbacks, .div(
                    .a(.class("button"), .href("/outages/\(o.id)/callbacks"),
                       .text(t("outage.callback_list") + (s == .callback ? " · " + t("outage.pending_n", ["n": "\(pending)"]) : ""))))),
                .if(close, .form(.method(.post), .action("/outages/\(o.id)/close"), Shell.csrfField(ctx),
                    .button(.type(.submit), .text(t("outage.close"))),
                    .p(.class("hint"), .text(t(pending > 0 ? "outage.close_blocked" : "outage.close_hint", ["n": "\(pending)"])))))))
    }
}
