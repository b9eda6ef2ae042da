import EstateCore
import Plot
import Vapor

extension ApprovalsPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        return Shell.page(ctx, title: t("nav.approvals"), .group(
            .h1(.text(t("nav.approvals"))),
            .nav(.class("tabs"), .forEach(ApprovalService.Box.allCases) { b in
                .a(.href("/approvals?box=\(b.rawValue)"), .class(b == m.box ? "current" : ""), .text(t("approvals.box.\(b.rawValue)")))
            }),
            m.page.items.isEmpty ? .p(.class("muted card"), .text(t("approvals.empty"))) :
            .table(.class("data"),
                .thead(.tr(.th(.text(t("field.time"))), .th(.text(t("field.project"))), .th(.text(t("approvals.kind"))),
                           .th(.text(t("approvals.subject"))), .th(.text(t("approvals.requester"))), .th(.text(t("approvals.approver"))),
                           .th(.text(t("field.status"))))),
                .tbody(.forEach(m.page.items) { a in
                    .tr(.td(.class("nowrap"), .text(Shell.dateTime(a.requestedAt))),
                        .td(.text(m.projectNames[a.projectID] ?? "")),
                        .td(.text(t(a.kind.catalogKey))),
                        .td(.a(.href("/approvals/\(a.id)"), .text(a.title))),
                        .td(.text(a.requestedByName)),
                        .td(.text(t(a.requiredRole.catalogKey))),
                        .td(badge(t, a.status)))
                })),
            Shell.pager(ctx, m.page, query: ["box": m.box.rawValue])
        ))
    }

    static func badge(_ t: Localizer, _ s: ApprovalStatus) -> Node<HTML.BodyContext> {
        .span(.class("badge \(s == .approved ? "on" : s == .pending ? "warn" : "off")"), .text(t(s.catalogKey)))
    }

    static func show(_ ctx: PageContext, _ m: ShowModel) -> HTML {
        let t = ctx.t, a = m.approval
        return Shell.page(ctx, title: t("nav.approvals"), .group(
            .div(.class("crumbs"), .a(.href("/approvals"), .text(t("nav.approvals"))), .text(" / " + t(a.kind.catalogKey))),
            .h1(.text(a.title), .text(" "), badge(t, a.status)),
            .section(.class("card"),
                .dl(.class("wide"),
                    .dt(.text(t("field.project"))), .dd(.text(m.projectName)),
                    .dt(.text(t("approvals.kind"))), .dd(.text(t(a.kind.catalogKey))),
                    .unwrap(a.amount) { .group(.dt(.text(t("approvals.amount"))), .dd(.text("\($0.description) 元"))) },
                    .unwrap(a.permyriad) { .group(.dt(.text(t("inv.effective_rate"))), .dd(.text(Format.percent($0)))) },
                    .dt(.text(t("field.reason"))), .dd(.text(a.reason)),
                    .dt(.text(t("approvals.requester"))), .dd(.text("\(a.requestedByName) · \(Shell.dateTime(a.requestedAt))")),
                    .dt(.text(t("approvals.approver"))), .dd(.text(t(a.requiredRole.catalogKey))),
                    .unwrap(a.decidedByName) { .group(.dt(.text(t("approvals.decided_by"))), .dd(.text("\($0) · \(Shell.dateTime(a.decidedAt))"))) },
                    .unwrap(a.comment) { .group(.dt(.text(t("approvals.comment"))), .dd(.text($0.isEmpty ? "—" : $0))) }),
                .unwrap(m.subjectLink) { .p(.a(.href($0), .text(t("approvals.open_subject")))) }),
            .if(m.mayDecide, .section(.class("card"),
                .h2(.text(t("approvals.decide"))),
                .form(.method(.post), .action("/approvals/\(a.id)/decision"), .class("stack"), Shell.csrfField(ctx),
                    .textarea(.name("comment"), .attribute(named: "rows", value: "2"), .attribute(named: "aria-label", value: t("approvals.comment")),
                              .attribute(named: "placeholder", value: t("approvals.comment_hint"))),
                    .div(.class("actions row"),
                        .button(.type(.submit), .name("approve"), .value("true"), .class("primary"), .text(t("approvals.approve"))),
                        .button(.type(.submit), .name("approve"), .value("false"), .class("danger"), .text(t("approvals.reject"))))))),
            .if(m.isRequester && a.status == .pending, .form(.method(.post), .action("/approvals/\(a.id)/withdraw"), Shell.csrfField(ctx),
                .button(.type(.submit), .class("danger"), .attribute(named: "data-confirm", value: t("approvals.withdraw_confirm")),
                        .text(t("approvals.withdraw")))))
        ))
    }
}
