import EstateCore
import Plot
import Vapor

extension UnitsPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t, f = m.filter
        let names = Dictionary(m.buildings.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let canRelease = ctx.principal?.may(.salesControl, on: m.project.id) == true
        let exportQuery = m.query.filter { $0.key != "page" && !$0.value.isEmpty }.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return InventoryShell.page(ctx, project: m.project, projects: m.projects, tab: .units, title: t("inv.tab.units"), .group(
            .form(.class("filters"), .method(.get),
                .div(.class("field"), .label(.for("building"), .text(t("field.building"))),
                     .select(.field("building"), .choice("", t("list.all")),
                             .forEach(m.buildings) { .choice($0.id.uuidString, $0.name, selected: f.buildingID == $0.id) })),
                .div(.class("field"), .label(.for("status"), .text(t("field.status"))),
                     .select(.field("status"), .choice("", t("list.all")),
                             .forEach(UnitStatus.allCases) { .choice($0.rawValue, t($0.catalogKey), selected: f.statuses == [$0]) })),
                .div(.class("field"), .label(.for("layout"), .text(t("field.layout"))),
                     .select(.field("layout"), .choice("", t("list.all")), .forEach(m.layouts) { .choice($0, $0, selected: f.layout == $0) })),
                .div(.class("field short"), .label(.for("floorFrom"), .text(t("inv.floor_from"))),
                     .input(.type(.number), .id("floorFrom"), .name("floorFrom"), .value(f.floorFrom.map(String.init) ?? ""))),
                .div(.class("field short"), .label(.for("floorTo"), .text(t("inv.floor_to"))),
                     .input(.type(.number), .id("floorTo"), .name("floorTo"), .value(f.floorTo.map(String.init) ?? ""))),
                .div(.class("field"), .label(.for("code"), .text(t("field.unit_code"))),
                     .input(.type(.search), .id("code"), .name("code"), .value(f.code ?? ""))),
                .div(.class("field actions"), .label(.text(" ")),
                     .div(.button(.type(.submit), .class("primary"), .text(t("action.filter"))), .text(" "),
                          .a(.href("?"), .text(t("action.reset")))))),
            .div(.class("toolbar"),
                .a(.class("button"), .href("/projects/\(m.project.id)/units.xlsx?\(exportQuery)"), .text(t("inv.export"))),
                .if(ctx.principal?.may(.inventoryEdit, on: m.project.id) == true,
                    .a(.class("button"), .href("/projects/\(m.project.id)/import"), .text(t("inv.tab.import"))))),
            .form(.method(.post), .action("/projects/\(m.project.id)/releases"), .id("release-form"),
                Shell.csrfField(ctx),
                .table(.class("data units"),
                    .thead(.tr(
                        .if(canRelease, .th(.input(.type(.checkbox), .attribute(named: "data-check-all", value: "unitIds"),
                                                   .attribute(named: "aria-label", value: t("list.select_all"))))),
                        .th(.text(t("field.unit_code"))), .th(.text(t("field.building"))), .th(.class("num"), .text(t("field.floor"))),
                        .th(.text(t("field.layout"))), .th(.class("num"), .text(t("field.built_area"))),
                        .th(.class("num"), .text(t("field.unit_price"))), .th(.class("num"), .text(t("field.list_total"))),
                        .th(.class("num"), .text(t("field.floor_price"))), .th(.text(t("field.status"))))),
                    .tbody(.forEach(m.page.items) { u in
                        .tr(.if(canRelease, .td(.if(u.status == .unreleased,
                                .input(.type(.checkbox), .name("unitIds"), .value(u.id.uuidString),
                                       .attribute(named: "aria-label", value: u.code))))),
                            .td(.a(.href("/projects/\(m.project.id)/units/\(u.id)"), .text(u.code))),
                            .td(.text(names[u.buildingID] ?? "")), .td(.class("num"), .text("\(u.floor)")),
                            .td(.text(u.layout)), .td(.class("num"), .text(u.builtArea.description)),
                            .td(.class("num"), .text(u.listUnitPrice.description)), .td(.class("num"), .text(u.listTotal.description)),
                            .td(.class("num"), .text(u.floorPrice.description)),
                            .td(InventoryShell.statusBadge(t, u.status)))
                    })),
                .if(canRelease, .div(.class("inline-form"),
                    .label(.for("batch"), .text(t("inv.release_batch"))),
                    .input(.type(.text), .id("batch"), .name("name"), .placeholder(t("inv.release_batch_hint")), .required(true)),
                    .button(.type(.submit), .class("primary"), .text(t("inv.release_selected")))))),
            Shell.pager(ctx, m.page, query: m.query),
            .if(ctx.principal?.may(.inventoryEdit, on: m.project.id) == true, .section(.class("card"),
                .h2(.text(t("inv.new_unit"))),
                .unwrap(m.formError) { .div(.class("flash error"), .text(t("error.\($0)"))) },
                newUnit(ctx, m)))
        ))
    }

    static func newUnit(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, d = m.draft
        return .form(.method(.post), .action("/projects/\(m.project.id)/units"), .class("grid-form"), Shell.csrfField(ctx),
            .div(.class("field"), .label(.for("nb"), .text(t("field.building"))),
                 .select(.named("building", id: "nb"), .forEach(m.buildings) { .choice($0.name, $0.name, selected: d.building == $0.name) })),
            UsersPage.field(ctx, "entrance", t("field.entrance"), .number, d.entrance, m.errors),
            UsersPage.field(ctx, "floor", t("field.floor"), .number, d.floor, m.errors),
            UsersPage.field(ctx, "room", t("field.room"), .text, d.room, m.errors, hint: "01"),
            UsersPage.field(ctx, "code", t("field.unit_code"), .text, d.code, m.errors, hint: t("inv.code_hint"), required: false),
            .div(.class("field"), .label(.for("nl"), .text(t("field.layout"))),
                 .select(.named("layout", id: "nl"), .choice("", "—"), .forEach(m.layouts) { .choice($0, $0, selected: d.layout == $0) })),
            UsersPage.field(ctx, "orientation", t("field.orientation"), .text, d.orientation, m.errors, required: false),
            .div(.class("field"), .label(.for("nu"), .text(t("field.usage"))),
                 .select(.named("usage", id: "nu"), .forEach(UnitUsage.allCases) { .choice($0.rawValue, t($0.catalogKey), selected: UnitUsage(text: d.usage) == $0) })),
            UsersPage.field(ctx, "builtArea", t("field.built_area"), .text, d.builtArea, m.errors),
            UsersPage.field(ctx, "innerArea", t("field.inner_area"), .text, d.innerArea, m.errors, required: false),
            .div(.class("field"), .label(.for("np"), .text(t("field.pricing_basis"))),
                 .select(.named("pricingBasis", id: "np"), .forEach(PricingBasis.allCases) { .choice($0.rawValue, t("unit.basis.\($0.rawValue)"), selected: PricingBasis(text: d.pricingBasis) == $0) })),
            UsersPage.field(ctx, "unitPrice", t("field.unit_price"), .text, d.unitPrice, m.errors, hint: t("inv.unit_price_hint"), required: false, money: true),
            UsersPage.field(ctx, "listTotal", t("field.list_total"), .text, d.listTotal, m.errors, hint: t("inv.total_hint"), required: false, money: true),
            UsersPage.field(ctx, "floorPrice", t("field.floor_price"), .text, d.floorPrice, m.errors, required: false, money: true),
            .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("action.create")))))
    }
}
