import EstateCore
import Plot
import Vapor

extension StructurePage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let canEdit = ctx.principal?.may(.inventoryEdit, on: m.project.id) == true
        let base = "/projects/\(m.project.id)"
        return InventoryShell.page(ctx, project: m.project, projects: m.projects, tab: .structure, title: t("inv.tab.structure"), .group(
            .unwrap(m.formError) { .div(.class("flash error"), .text(t("error.\($0)"))) },
            .div(.class("columns"),
                .section(.class("card"),
                    .h2(.text(t("inv.buildings"))),
                    .table(.class("data"),
                        .thead(.tr(.th(.text(t("field.name"))), .th(.class("num"), .text(t("field.floors"))),
                                   .th(.class("num"), .text(t("field.entrances"))), .th(.class("num"), .text(t("project.units"))),
                                   .th(.class("num"), .text(t("field.sort_order"))), .if(canEdit, .th(.text(""))))),
                        .tbody(.forEach(m.buildings) { b in
                            .tr(.td(.a(.href("\(base)/board?building=\(b.id)"), .text(b.name))),
                                .td(.class("num"), .text("\(b.floors)")), .td(.class("num"), .text("\(b.entrances)")),
                                .td(.class("num"), .text("\(m.unitCounts[b.id] ?? 0)")), .td(.class("num"), .text("\(b.sortOrder)")),
                                .if(canEdit, .td(.element(named: "details", nodes: [
                                    .element(named: "summary", text: t("action.edit")),
                                    .form(.method(.post), .action("\(base)/buildings/\(b.id)"), .class("stack"), Shell.csrfField(ctx),
                                          .input(.type(.text), .name("name"), .value(b.name), .attribute(named: "aria-label", value: t("field.name"))),
                                          .input(.type(.number), .name("floors"), .value("\(b.floors)"), .attribute(named: "aria-label", value: t("field.floors"))),
                                          .input(.type(.number), .name("entrances"), .value("\(b.entrances)"), .attribute(named: "aria-label", value: t("field.entrances"))),
                                          .input(.type(.number), .name("sortOrder"), .value("\(b.sortOrder)"), .attribute(named: "aria-label", value: t("field.sort_order"))),
                                          .button(.type(.submit), .text(t("action.save")))),
                                ]))))
                        })),
                    .if(canEdit, .form(.method(.post), .action("\(base)/buildings"), .class("grid-form top-gap"), Shell.csrfField(ctx),
                        UsersPage.field(ctx, "name", t("field.name"), .text, "", m.errors, hint: t("inv.building_hint")),
                        UsersPage.field(ctx, "floors", t("field.floors"), .number, "", m.errors),
                        UsersPage.field(ctx, "entrances", t("field.entrances"), .number, "1", m.errors),
                        .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("inv.new_building"))))))),
                .section(.class("card"),
                    .h2(.text(t("inv.layouts"))),
                    .table(.class("data"),
                        .thead(.tr(.th(.text(t("field.name"))), .th(.text(t("field.description"))), .th(.class("num"), .text(t("project.units"))))),
                        .tbody(.forEach(m.layouts) { l in
                            .tr(.td(.text(l.name)), .td(.text(l.description)), .td(.class("num"), .text("\(l.unitCount)")))
                        })),
                    .if(canEdit, .form(.method(.post), .action("\(base)/layouts"), .class("grid-form top-gap"), Shell.csrfField(ctx),
                        UsersPage.field(ctx, "layoutName", t("field.name"), .text, "", m.errors, hint: "A1户型"),
                        UsersPage.field(ctx, "description", t("field.description"), .text, "", m.errors, hint: "3室2厅2卫 118㎡", required: false),
                        .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("inv.new_layout")))))))
            )
        ))
    }
}
