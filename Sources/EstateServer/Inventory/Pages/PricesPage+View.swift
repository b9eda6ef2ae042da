import EstateCore
import Plot
import Vapor

extension PricesPage {
    static func ruleText(_ r: PricingService.Rule) -> String {
        if let p = r.ratePermyriad { return DecimalText.format(Int64(p), scale: 2, grouping: false) + "%" }
        return "−" + Money(fen: r.reductionFen ?? 0).description + " 元"
    }

    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)"
        let canPropose = ctx.principal?.may(.pricesPropose, on: m.project.id) == true
        return InventoryShell.page(ctx, project: m.project, projects: m.projects, tab: .prices, title: t("inv.tab.prices"), .group(
            .unwrap(m.formError) { .div(.class("flash error"), .text(t("error.\($0)"))) },
            .section(.class("card"),
                .h2(.text(t("inv.prices.lists"))),
                m.lists.isEmpty ? .p(.class("muted"), .text(t("inv.prices.none"))) :
                .table(.class("data"),
                    .thead(.tr(.th(.text(t("inv.prices.version"))), .th(.text(t("field.name"))), .th(.class("num"), .text(t("project.units"))),
                               .th(.class("num"), .text(t("inv.prices.total"))), .th(.text(t("field.status"))),
                               .th(.text(t("field.created"))), .th(.text(t("inv.prices.activated"))))),
                    .tbody(.forEach(m.lists) { l in
                        .tr(.td(.a(.href("\(base)/prices/\(l.id)"), .text("V\(l.version)"))), .td(.text(l.name)),
                            .td(.class("num"), .text("\(l.unitCount)")), .td(.class("num"), .text(l.total.description)),
                            .td(.span(.class("badge \(l.status == "active" ? "on" : l.status == "pending" ? "warn" : "off")"),
                                      .text(t("inv.prices.status.\(l.status)"))),
                                .unwrap(l.approvalID) { a in .if(l.status == "pending", .a(.class("small"), .href("/approvals/\(a)"), .text(" " + t("nav.approvals")))) }),
                            .td(.class("nowrap"), .text(Shell.dateTime(l.createdAt))), .td(.class("nowrap"), .text(Shell.dateTime(l.activatedAt))))
                    }))),
            .if(canPropose, .section(.class("card"),
                .h2(.text(t("inv.prices.adjust"))),
                .p(.class("muted small"), .text(t("inv.prices.adjust_hint"))),
                .form(.method(.post), .action("\(base)/prices/adjust"), .class("grid-form"), Shell.csrfField(ctx),
                    UsersPage.field(ctx, "name", t("field.name"), .text, "", m.errors, hint: t("inv.prices.name_hint")),
                    .div(.class("field"), .label(.for("buildingId"), .text(t("field.building"))),
                         .select(.field("buildingId"), .choice("", t("list.all")), .forEach(m.buildings) { .choice($0.id.uuidString, $0.name) })),
                    UsersPage.field(ctx, "floorFrom", t("inv.floor_from"), .number, "", m.errors, required: false),
                    UsersPage.field(ctx, "floorTo", t("inv.floor_to"), .number, "", m.errors, required: false),
                    UsersPage.field(ctx, "changePercent", t("inv.prices.change_percent"), .text, "", m.errors, hint: "2 / -1.5", required: false),
                    UsersPage.field(ctx, "changePerSquareMetre", t("inv.prices.change_per_m2"), .text, "", m.errors, hint: "200 / -100", required: false, money: true),
                    UsersPage.field(ctx, "floorRatio", t("inv.prices.floor_ratio"), .text, "", m.errors, hint: "95", required: false),
                    UsersPage.field(ctx, "note", t("field.note"), .text, "", m.errors, required: false),
                    .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("inv.prices.propose"))))))),
            .section(.class("card"),
                .h2(.text(t("inv.prices.rules"))),
                .p(.class("muted small"), .text(t("inv.prices.rules_hint"))),
                .table(.class("data"),
                    .thead(.tr(.th(.text(t("field.name"))), .th(.class("num"), .text(t("inv.prices.rule_effect"))), .th(.text(t("field.status"))),
                               .if(canPropose, .th(.text(""))))),
                    .tbody(.forEach(m.rules) { r in
                        .tr(.td(.text(r.name)), .td(.class("num"), .text(ruleText(r))),
                            .td(.span(.class("badge \(r.isActive ? "on" : "off")"), .text(t(r.isActive ? "inv.prices.rule_on" : "inv.prices.rule_off")))),
                            .if(canPropose, .td(.form(.class("inline"), .method(.post), .action("\(base)/discounts/\(r.id)/toggle"), Shell.csrfField(ctx),
                                .input(.type(.hidden), .name("active"), .value(r.isActive ? "false" : "true")),
                                .button(.type(.submit), .class("link"), .text(t(r.isActive ? "action.disable_rule" : "action.enable_rule")))))))
                    })),
                .if(canPropose, .form(.method(.post), .action("\(base)/discounts"), .class("grid-form top-gap"), Shell.csrfField(ctx),
                    UsersPage.field(ctx, "ruleName", t("field.name"), .text, "", m.errors, hint: "一次性付款"),
                    UsersPage.field(ctx, "rate", t("inv.prices.rate"), .text, "", m.errors, hint: "98折 / 0.98 / 98%", required: false),
                    UsersPage.field(ctx, "reduction", t("inv.prices.reduction"), .text, "", m.errors, hint: "10000", required: false, money: true),
                    .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("inv.prices.new_rule")))))))
        ))
    }

    static func list(_ ctx: PageContext, _ m: ListModel) -> HTML {
        let t = ctx.t, l = m.list
        return InventoryShell.page(ctx, project: m.project, projects: m.projects, tab: .prices, title: "V\(l.version)", .group(
            .div(.class("crumbs"), .a(.href("/projects/\(m.project.id)/prices"), .text(t("inv.tab.prices"))), .text(" / V\(l.version)")),
            .h1(.text("V\(l.version) \(l.name)"), .text(" "), .span(.class("badge"), .text(t("inv.prices.status.\(l.status)")))),
            .if(!l.note.isEmpty, .p(.text(l.note))),
            .table(.class("data"),
                .thead(.tr(.th(.text(t("field.unit_code"))), .th(.text(t("field.status"))), .th(.class("num"), .text(t("inv.prices.current_total"))),
                           .th(.class("num"), .text(t("field.unit_price"))), .th(.class("num"), .text(t("field.list_total"))),
                           .th(.class("num"), .text(t("inv.prices.change"))), .th(.class("num"), .text(t("field.floor_price"))))),
                .tbody(.forEach(m.items.items) { i in
                    let diff = Money(fen: i.listTotal - i.currentTotal)
                    return .tr(.td(.a(.href("/projects/\(m.project.id)/units/\(i.unitID)"), .text(i.code))),
                        .td(InventoryShell.statusBadge(t, UnitStatus(rawValue: i.status) ?? .unreleased)),
                        .td(.class("num"), .text(Money(fen: i.currentTotal).description)),
                        .td(.class("num"), .text(Money(fen: i.unitPrice).description)),
                        .td(.class("num"), .text(Money(fen: i.listTotal).description)),
                        .td(.class("num \(diff.fen > 0 ? "up" : diff.fen < 0 ? "down" : "")"), .text(diff.fen == 0 ? "—" : (diff.fen > 0 ? "+" : "") + diff.description)),
                        .td(.class("num"), .text(Money(fen: i.floorPrice).description)))
                })),
            Shell.pager(ctx, m.items, query: [:])
        ))
    }
}
