import EstateCore
import Foundation
import Plot

extension TenantPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let tn = m.tenant
        let R = RegisterPages.self
        return MallShell.page(ctx, mall: m.mall, malls: m.malls, tab: .place, title: tn.shopName, .group(
            .section(.class("card"), .id("tn-card"),
                .h2(.text(tn.shopName), .span(.class("muted small"), .text(" \(m.floor) · \(tn.unitNo) · \(tn.category)")),
                    .if(!tn.leased(on: m.today), .span(.class("badge warn"), .text(" " + t("mall.lease_off"))))),
                .dl(.class("facts"),
                    .dt(.text(t("mall.contact"))), .dd(.text("\(tn.contactName) \(tn.contactMobile.map(Masking.mobile) ?? "")")),
                    .dt(.text(t("mall.lease"))), .dd(.text("\(tn.leaseStarts) – \(tn.leaseEnds)"))),
                .h3(.text(t("mall.tenant.edit"))),
                .form(.class("grid-form"), .method(.post), .action("/malls/\(m.mall.id)/tenants/\(tn.id)"), Shell.csrfField(ctx),
                    MallShell.field("te-contact", t("mall.contact"), MallShell.text("contactName", id: "te-contact", max: 40, value: tn.contactName)),
                    MallShell.field("te-mobile", t("field.mobile"), .input(.type(.text), .id("te-mobile"), .name("contactMobile"),
                                                                          .attribute(named: "maxlength", value: "20"),
                                                                          .attribute(named: "placeholder", value: tn.contactMobile.map(Masking.mobile) ?? ""))),
                    MallShell.field("te-from", t("mall.lease_starts"), .input(.type(.date), .id("te-from"), .name("leaseStarts"), .required(true), .value(tn.leaseStarts))),
                    MallShell.field("te-to", t("mall.lease_ends"), .input(.type(.date), .id("te-to"), .name("leaseEnds"), .required(true), .value(tn.leaseEnds))),
                    .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("action.save"))),
                         .span(.class("muted small"), .text(" " + t("mall.tenant.mobile_hint")))))),
            .section(.class("card"), .id("tn-records"),
                .h2(.text(t("mall.tenant.records"))),
                .h3(.text(t("mall.tab.complaints"))),
                R.table([t("mall.ticket"), t("mall.complaints.category"), t("mall.complaints.due")], m.complaints.map { c in
                    Node<HTML.TableContext>.tr(.td(.class("mono"), .a(.href("/tickets/\(c.ticketId)"), .text(c.ticketNumber)), .text(" " + (c.ticket?.title ?? ""))),
                                               .td(.text(t("mall.category.\(c.category)"))), .td(.class("nowrap"), .text(Shell.dateTime(c.dueAt))))
                }, empty: t("mall.none")),
                .h3(.text(t("mall.tab.returns"))),
                R.table([t("mall.number"), t("mall.returns.goods"), t("mall.returns.amount"), t("field.status")], m.returns.map { r in
                    Node<HTML.TableContext>.tr(.td(.class("mono"), .text(r.number)), .td(.text(r.goods)), .td(.class("num"), .text(MallShell.yuan(r.amountFen))),
                                               .td(.text(t("mall.return.\(r.status)"))))
                }, empty: t("mall.none")),
                .h3(.text(t("mall.tab.orders"))),
                R.table([t("mall.number"), t("desk_order.kind"), t("desk_order.details"), t("desk_order.due"), t("field.status")], m.orders.map { o in
                    Node<HTML.TableContext>.tr(.td(.class("mono"), .text(o.number)), .td(.class("nowrap"), .text(t("desk_order.kind.\(o.kind)"))),
                                               .td(.text(o.details)), .td(.class(o.overdue(today: m.today) ? "nowrap sla-over" : "nowrap"), .text(o.dueOn)),
                                               .td(.text(t("desk_order.status.\(o.status)"))))
                }, empty: t("mall.none")),
                .h3(.text(t("mall.tab.price-tags"))),
                R.table([t("mall.number"), t("mall.tags.count"), t("mall.tags.fee"), t("mall.tags.printed")], m.priceTags.map { p in
                    Node<HTML.TableContext>.tr(.td(.class("mono"), .a(.href("/price-tags/\(p.id)/sheet"), .text(p.number))), .td(.class("num"), .text("\(p.tagCount)")),
                                               .td(.class("num"), .text(MallShell.yuan(p.feeFen))),
                                               .td(.class("small"), .text(p.printedAt.map { Shell.dateTime($0) } ?? "—")))
                }, empty: t("mall.none")))))
    }
}
