import EstateCore
import Foundation
import Plot

extension MallDeskPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/malls/\(m.mall.id)"
        return MallShell.page(ctx, mall: m.mall, malls: m.malls, tab: .place, title: t("mall.tab.place"), .group(
            .section(.class("card"), .id("mall-floors"),
                .h2(.text(t("mall.floors")), .span(.class("muted small"), .text(" \(m.floors.count) · \(t("mall.tenant_count", ["n": "\(m.tenants.count)"]))"))),
                .div(.class("table-wrap"), .table(.class("data"),
                    .thead(.tr(.th(.text(t("mall.floor"))), .th(.text(t("mall.zones"))), .th(.class("num"), .text(t("mall.tenants"))),
                               .th(.text(t("mall.floor_manager"))))),
                    .tbody(.group(m.floors.map { f in
                        Node<HTML.TableContext>.tr(.td(.strong(.text(f.label))), .td(.text(f.zones.map(\.name).joined(separator: "、"))),
                            .td(.class("num"), .text("\(m.tenants.filter { $0.floorId == f.id }.count)")),
                            .td(m.mayManage
                                ? Node<HTML.BodyContext>.form(.class("inline"), .method(.post), .action("\(base)/floors/\(f.id)/manager"), Shell.csrfField(ctx),
                                        .select(.attribute(named: "name", value: "managerId"), .attribute(named: "aria-label", value: t("mall.floor_manager")),
                                                .choice("", "—"), .group(m.staff.map { s in Node<HTML.SelectContext>.choice(s.id.uuidString, s.displayName, selected: s.id == f.managerId) })),
                                        .button(.type(.submit), .text(t("action.save"))))
                                : Node<HTML.BodyContext>.text(f.managerName ?? "—")))
                    }))))),
            .section(.class("card"), .id("mall-tenants"),
                .h2(.text(t("mall.tenants"))),
                m.tenants.isEmpty ? .p(.class("muted empty"), .text(t("mall.no_tenants"))) : .div(.class("table-wrap"), .table(.class("data"),
                    .thead(.tr(.th(.text(t("mall.floor"))), .th(.text(t("mall.unit_no"))), .th(.text(t("mall.shop_name"))), .th(.text(t("mall.category"))),
                               .th(.text(t("mall.contact"))), .th(.text(t("mall.lease"))))),
                    .tbody(.group(m.tenants.map { tn in
                        Node<HTML.TableContext>.tr(.td(.text(m.floorLabel(tn.floorId))), .td(.class("mono"), .text(tn.unitNo)), .td(.a(.href("\(base)/tenants/\(tn.id)"), .text(tn.shopName))),
                            .td(.text(tn.category)), .td(.text("\(tn.contactName) \(tn.contactMobile.map(Masking.mobile) ?? "")")),
                            .td(.class("nowrap"), .text("\(tn.leaseStarts) – \(tn.leaseEnds)"),
                                .if(!tn.leased(on: m.today), .span(.class("badge warn"), .text(" " + t("mall.lease_off"))))))
                    })))),
                .h3(.text(t("mall.add_tenant"))),
                .form(.class("grid-form"), .method(.post), .action("\(base)/tenants"), Shell.csrfField(ctx),
                    MallShell.field("tn-floor", t("mall.floor"), .select(.named("floorId", id: "tn-floor"),
                        .group(m.floors.map { f in Node<HTML.SelectContext>.choice(f.id.uuidString, f.label) }))),
                    MallShell.field("tn-unit", t("mall.unit_no"), MallShell.text("unitNo", id: "tn-unit", max: 20)),
                    MallShell.field("tn-shop", t("mall.shop_name"), MallShell.text("shopName", id: "tn-shop", max: 60)),
                    MallShell.field("tn-cat", t("mall.category"), MallShell.text("category", id: "tn-cat", max: 30)),
                    MallShell.field("tn-contact", t("mall.contact"), MallShell.text("contactName", id: "tn-contact", max: 40)),
                    MallShell.field("tn-mobile", t("field.mobile"), MallShell.text("contactMobile", id: "tn-mobile", max: 20, required: false)),
                    MallShell.field("tn-from", t("mall.lease_starts"), .input(.type(.date), .id("tn-from"), .name("leaseStarts"), .required(true))),
                    MallShell.field("tn-to", t("mall.lease_ends"), .input(.type(.date), .id("tn-to"), .name("leaseEnds"), .required(true))),
                    .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("mall.add_tenant"))))))))
    }

    static func setupView(_ ctx: PageContext, _ s: Setup) -> HTML {
        let t = ctx.t
        return Shell.page(ctx, title: t("nav.mall"), .div(.class("service-page mall-page"),
            .h1(.text(t("nav.mall"))),
            .section(.class("card"),
                .p(.class("muted"), .text(t("mall.none_yet"))),
                .if(!s.projects.isEmpty, .form(.class("grid-form"), .method(.post), .action("/mall"), Shell.csrfField(ctx),
                    MallShell.field("ml-project", t("field.project"), .select(.named("projectId", id: "ml-project"),
                        .group(s.projects.map { p in Node<HTML.SelectContext>.choice(p.id.uuidString, "\(p.code) \(p.name)") }))),
                    MallShell.field("ml-name", t("mall.name"), MallShell.text("name", id: "ml-name", max: 60)),
                    MallShell.field("ml-floors", t("mall.floor_labels"), MallShell.text("floors", id: "ml-floors", max: 200, value: "B1,1F,2F,3F")),
                    .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("mall.create")))))))))
    }
}
