import EstateCore
import Foundation
import Plot

extension OutageCallbacksPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t, o = m.outage
        let open = o.outageStatus == .callback
        return OutagesShell.page(ctx, project: m.project, projects: m.projects, tab: .outages, title: t("outage.callback_list"), .group(
            .div(.class("crumbs"), .a(.href("/projects/\(o.projectId)/outages"), .text(t("outage.tab.outages"))), .text(" / "),
                 .a(.href("/outages/\(o.id)"), .text(o.number)), .text(" / " + t("outage.callback_list"))),
            .unwrap(m.failure) { FormFailure.view($0, form: $0.form) },
            .div(.class("toolbar"),
                .h2(.text(o.areaLabel + " · " + o.title), .text(" "), OutagesShell.statusBadge(t, o.outageStatus)),
                .div(.class("spacer")),
                .if(open && m.pending == 0, .form(.class("inline"), .method(.post), .action("/outages/\(o.id)/close"), Shell.csrfField(ctx),
                                                  .button(.type(.submit), .class("primary"), .text(t("outage.close")))))),
            .p(.class("muted small"), .text(open ? t("outage.callbacks_hint", ["n": "\(m.pending)", "total": "\(m.detail.callbacks.count)"])
                                                 : t("outage.callbacks_round", ["n": "\(o.round)"]))),
            m.detail.callbacks.isEmpty ? .p(.class("muted empty"), .text(t(o.doneAt == nil ? "outage.callbacks_not_yet" : "outage.callbacks_none")))
                : .div(.class("table-wrap"), .table(.class("data og-callbacks"),
                    .thead(.tr(.th(.text(t("outage.field.owner"))), .th(.text(t("outage.field.mobile"))), .th(.text(t("outage.field.units"))),
                               .th(.text(t("outage.field.attempts"))), .th(.text(t("outage.field.outcome"))), .th(.text(t("outage.field.last_call"))),
                               .th(.text(t("outage.field.record"))))),
                    .tbody(.group(m.detail.callbacks.map { c in row(ctx, o, c, open: open) }))))))
    }

    static func row(_ ctx: PageContext, _ o: OutageService.Outage, _ c: OutageService.Callback, open: Bool) -> Node<HTML.TableContext> {
        let t = ctx.t, st = c.state
        return .tr(.class(st.isFinal ? "og-done" : ""),
            .td(.text(c.name)),
            .td(.class("nowrap"), .a(.class("mono"), .href("tel:\(c.mobile)"), .text(c.mobile))),
            .td(.class("mono small"), .text(c.unitCodes)),
            .td(.class("num"), .text("\(c.attempts)/\(OutageCallbackState.maxAttempts)")),
            .td(.class("nowrap"), .unwrap(st.outcome, { .span(.class("og-out og-out-\($0.rawValue)"), .text(t($0.catalogKey))) },
                                          else: .span(.class("muted"), .text(t("outage.outcome.pending"))))),
            .td(.class("small"), .text(c.lastCallAt.map { ServiceShell.clock($0) + " " + c.lastByName } ?? "—"),
                .if(!c.note.isEmpty, .div(.class("muted"), .text(c.note)))),
            .td(.if(open && !st.isFinal, .form(.class("inline-callback"), .method(.post), .action("/outages/\(o.id)/callbacks/\(c.id)"),
                Shell.csrfField(ctx),
                .select(.named("outcome", id: "cb-\(c.id)"), .attribute(named: "aria-label", value: t("outage.field.outcome")),
                        .attribute(named: "required", value: "required"),
                        Node<HTML.SelectContext>.choice("", t("outage.field.outcome")),
                        .group(OutageCallbackOutcome.allCases.map { Node<HTML.SelectContext>.choice($0.rawValue, t($0.catalogKey)) })),
                .input(.type(.text), .name("note"), .attribute(named: "maxlength", value: "500"), .placeholder(t("outage.note")),
                       .attribute(named: "aria-label", value: t("outage.note"))),
                .button(.type(.submit), .text(t("outage.record")))))))
    }
}
