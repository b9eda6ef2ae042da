import EstateCore
import Plot
import Vapor

extension ProjectsPage {
    static func index(_ ctx: PageContext, _ m: IndexModel) -> HTML {
        let t = ctx.t
        return Shell.page(ctx, title: t("nav.projects"), .group(
            .h1(.text(t("nav.projects"))),
            .table(.class("data"),
                .thead(.tr(.th(.text(t("field.code"))), .th(.text(t("field.name"))), .th(.text(t("field.city"))),
                           .th(.class("num"), .text(t("project.buildings"))), .th(.class("num"), .text(t("project.units"))),
                           .th(.text(t("field.price_rounding"))), .th(.text(t("field.status"))))),
                .tbody(.forEach(m.page.items) { p in
                    .tr(.td(.a(.href("/admin/projects/\(p.id)"), .text(p.code))), .td(.text(p.name)), .td(.text(p.city)),
                        .td(.class("num"), .text("\(p.buildingCount)")), .td(.class("num"), .text("\(p.unitCount)")),
                        .td(.text(t("rounding.\(p.priceRounding.rawValue)"))),
                        .td(.span(.class(p.isActive ? "badge on" : "badge off"), .text(t(p.isActive ? "project.active" : "project.inactive")))))
                })),
            Shell.pager(ctx, m.page, query: [:]),
            .if(m.canCreate, .section(.class("card"),
                .h2(.text(t("projects.new"))),
                .unwrap(m.formError) { .div(.class("flash error"), .text(t("error.\($0)"))) },
                form(ctx, action: "/admin/projects", m.draft, m.errors, submit: t("action.create"))))
        ))
    }

    static func form(_ ctx: PageContext, action: String, _ d: ProjectService.Draft, _ errors: [Problem.FieldError], submit: String) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .form(.method(.post), .action(action), .class("grid-form"),
            Shell.csrfField(ctx),
            UsersPage.field(ctx, "code", t("field.code"), .text, d.code ?? "", errors, hint: t("projects.code_hint")),
            UsersPage.field(ctx, "name", t("field.name"), .text, d.name ?? "", errors),
            UsersPage.field(ctx, "city", t("field.city"), .text, d.city ?? "", errors),
            .div(.class("field"),
                .label(.for("priceRounding"), .text(t("field.price_rounding"))),
                .select(.field("priceRounding"),
                    .forEach(ProjectService.PriceRounding.allCases) { r in
                        .choice(r.rawValue, t("rounding.\(r.rawValue)"), selected: d.priceRounding == r.rawValue)
                    })),
            UsersPage.field(ctx, "customerProtectionDays", t("field.protection_days"), .number,
                            d.customerProtectionDays.map(String.init) ?? "30", errors, hint: t("projects.protection_hint")),
            .div(.class("field"),
                .label(.input(.type(.checkbox), .name("isActive"), .value("true"), .checked(d.isActive ?? true)), .text(" " + t("project.active")))),
            UsersPage.field(ctx, "serviceHotline", t("field.service_hotline"), .tel, d.serviceHotline ?? "", errors,
                            hint: t("projects.hotline_hint"), required: false),
            .div(.class("form-section"), .text(t("projects.seller"))),
            .p(.class("hint full"), .text(t("projects.seller_hint"))),
            UsersPage.field(ctx, "sellerName", t("field.seller_name"), .text, d.sellerName ?? "", errors, required: false, wide: true),
            UsersPage.field(ctx, "sellerCreditCode", t("field.seller_credit_code"), .text, d.sellerCreditCode ?? "", errors,
                            hint: t("projects.credit_code_hint"), required: false),
            UsersPage.field(ctx, "presaleLicense", t("field.presale_license"), .text, d.presaleLicense ?? "", errors,
                            hint: t("projects.presale_license_hint"), required: false),
            UsersPage.field(ctx, "sellerAddress", t("field.seller_address"), .text, d.sellerAddress ?? "", errors, required: false, wide: true),
            .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(submit))))
    }

    static func edit(_ ctx: PageContext, _ m: EditModel) -> HTML {
        let t = ctx.t, p = m.project
        return Shell.page(ctx, title: p.name, .group(
            .div(.class("crumbs"), .a(.href("/admin/projects"), .text(t("nav.projects"))), .text(" / " + p.code)),
            .h1(.text(p.name)),
            .div(.class("stats card"),
                .span(.strong(.text("\(p.buildingCount)")), .text(" " + t("project.buildings"))),
                .span(.strong(.text("\(p.unitCount)")), .text(" " + t("project.units"))),
                .span(.class("muted"), .text(t("users.created") + " " + Shell.dateTime(p.createdAt)))),
            .if(m.canEdit, .section(.class("card"),
                .h2(.text(t("projects.edit"))),
                .unwrap(m.formError) { .div(.class("flash error"), .text(t("error.\($0)"))) },
                form(ctx, action: "/admin/projects/\(p.id)", m.draft, m.errors, submit: t("action.save")))),
            .if(ctx.principal?.may(.auditRead, on: p.id) == true,
                .p(.a(.href("/admin/audit?projectId=\(p.id)"), .text(t("projects.history")))))
        ))
    }
}
