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
                        .td(.a(.href("/approvals/\(a.id)"), .text(a.title)),
                            .unwrap(m.prices[a.id]) { .div(.class("small muted"), .text(priceLine(t, a.kind, $0))) }),
                        .td(.text(m.applicants[a.id] ?? a.requestedByName)),
                        .td(.text(t(a.requiredRole.catalogKey))),
                        .td(badge(t, a.status)))
                })),
            Shell.pager(ctx, m.page, query: ["box": m.box.rawValue])
        ))
    }

    /// "表价 2,365,272.00 · 底价 2,247,008.40 · 申请 2,290,000.00（96.82%）", or a price change's before → after.
    static func priceLine(_ t: Localizer, _ kind: ApprovalKind, _ p: Prices) -> String {
        if let newFloor = p.newFloor {
            return t("approvals.price_change_line", ["old": p.listTotal.description, "new": p.asked.description, "rate": Format.percent(p.permyriad),
                                                     "oldFloor": p.floorPrice.description, "newFloor": newFloor.description])
        }
        return t("approvals.discount_line", ["list": p.listTotal.description, "floor": p.floorPrice.description, "asked": p.asked.description,
                                             "rate": Format.percent(p.permyriad)])
            + (p.belowFloor ? " · " + t("approvals.below_floor_by", ["amount": (p.floorPrice - p.asked).description]) : "")
    }

    static func prices(_ t: Localizer, _ p: Prices) -> Node<HTML.BodyContext> {
        if let newFloor = p.newFloor {
            return .dl(.class("wide"),
                .dt(.text(t("field.list_total"))), .dd(.text("\(p.listTotal.description) → \(p.asked.description) 元"),
                                                      .span(.class("muted"), .text("（\(Format.percent(p.permyriad))）"))),
                .dt(.text(t("field.floor_price"))), .dd(.text("\(p.floorPrice.description) → \(newFloor.description) 元")))
        }
        return .dl(.class("wide"),
            .dt(.text(t("field.list_total"))), .dd(.text("\(p.listTotal.description) 元")),
            .dt(.text(t("field.floor_price"))), .dd(.text("\(p.floorPrice.description) 元")),
            .dt(.text(t("approvals.asked_price"))), .dd(.strong(.text("\(p.asked.description) 元"))),
            .dt(.text(t("approvals.resulting_discount"))), .dd(.text(Format.percent(p.permyriad))),
            .if(p.belowFloor, .group(.dt(.text(t("approvals.below_floor"))),
                                     .dd(.class("late"), .text(t("approvals.below_floor_by", ["amount": (p.floorPrice - p.asked).description]))))))
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
                    .if(m.prices == nil, .group(
                        .unwrap(a.amount) { .group(.dt(.text(t("approvals.amount"))), .dd(.text("\($0.description) 元"))) },
                        .unwrap(a.permyriad) { .group(.dt(.text(t("inv.effective_rate"))), .dd(.text(Format.percent($0)))) })),
                    .dt(.text(t("field.reason"))), .dd(.text(a.reason)),
                    .dt(.text(t("approvals.requester"))), .dd(.text("\(m.applicant) · \(Shell.dateTime(a.requestedAt))")),
                    .dt(.text(t("approvals.approver"))), .dd(.text(t(a.requiredRole.catalogKey))),
                    .unwrap(a.decidedByName) { .group(.dt(.text(t("approvals.decided_by"))), .dd(.text("\($0) · \(Shell.dateTime(a.decidedAt))"))) },
                    .unwrap(a.comment) { .group(.dt(.text(t("approvals.comment"))), .dd(.text($0.isEmpty ? "—" : $0))) }),
                .unwrap(m.prices) { p in .group(.h2(.text(t("approvals.prices"))), prices(t, p)) },
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
