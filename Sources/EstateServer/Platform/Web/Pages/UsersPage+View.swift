import EstateCore
import Plot
import Vapor

extension UsersPage {
    static func index(_ ctx: PageContext, _ m: IndexModel) -> HTML {
        let t = ctx.t
        return Shell.page(ctx, title: t("nav.users"), .group(
            .h1(.text(t("nav.users"))),
            .div(.class("toolbar"),
                .form(.method(.get), .action("/admin/users"), .class("inline"),
                    .input(.type(.search), .name("q"), .value(m.search), .placeholder(t("users.search")),
                           .attribute(named: "aria-label", value: t("users.search"))),
                    .button(.type(.submit), .text(t("action.search"))))),
            .table(.class("data"),
                .thead(.tr(.th(.text(t("field.username"))), .th(.text(t("field.display_name"))), .th(.text(t("users.roles"))),
                           .th(.text(t("field.status"))), .th(.text(t("users.last_login"))))),
                .tbody(.forEach(m.page.items) { u in
                    .tr(.td(.a(.href("/admin/users/\(u.id)"), .text(u.username))),
                        .td(.text(u.displayName)),
                        .td(.class("roles"), .text(u.grants.map { t($0.role.catalogKey) + "·" + ($0.projectName ?? t("project.all")) }
                            .joined(separator: "，"))),
                        .td(status(ctx, u)),
                        .td(.class("num"), .text(Shell.dateTime(u.lastLoginAt))))
                })),
            Shell.pager(ctx, m.page, query: ["q": m.search]),
            .section(.class("card"),
                .h2(.text(t("users.new"))),
                .unwrap(m.formError) { .div(.class("flash error"), .text(t("error.\($0)"))) },
                .form(.method(.post), .action("/admin/users"), .class("grid-form"),
                    Shell.csrfField(ctx),
                    field(ctx, "username", t("field.username"), .text, m.draft.username, m.errors, hint: t("users.username_hint")),
                    field(ctx, "displayName", t("field.display_name"), .text, m.draft.displayName, m.errors),
                    field(ctx, "mobile", t("field.mobile"), .tel, m.draft.mobile, m.errors, required: false),
                    field(ctx, "password", t("field.password"), .password, "", m.errors, hint: t("users.password_hint")),
                    .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("action.create"))))))
        ))
    }

    static func status(_ ctx: PageContext, _ u: UserService.UserSummary) -> Node<HTML.BodyContext> {
        if u.isDisabled { return .span(.class("badge off"), .text(ctx.t("users.disabled"))) }
        if let until = u.lockedUntil, until > Date() { return .span(.class("badge warn"), .text(ctx.t("users.locked"))) }
        return .span(.class("badge on"), .text(ctx.t("users.active")))
    }

    /// A labelled input with its validation messages.
    static func field(_ ctx: PageContext, _ name: String, _ label: String, _ type: HTMLInputType, _ value: String,
                      _ errors: [Problem.FieldError], hint: String? = nil, required: Bool = true, wide: Bool = false,
                      money: Bool = false) -> Node<HTML.FormContext> {
        let mine = errors.filter { $0.field == name }
        return .div(.class((mine.isEmpty ? "field" : "field invalid") + (wide ? " wide" : "")),
            .label(.for(name), .text(label)),
            // A money box (see `SaleShell.moneyInput`): wide enough for any amount, a decimal keypad.
            .input(.type(type), .id(name), .name(name), .value(value), .required(required),
                   money ? .class("money") : .empty, money ? .attribute(named: "inputmode", value: "decimal") : .empty,
                   .attribute(named: "aria-invalid", value: mine.isEmpty ? "false" : "true")),
            .forEach(mine) { .div(.class("error-text"), .text(ctx.t("error.\($0.code)"))) },
            .unwrap(hint) { .div(.class("hint"), .text($0)) })
    }

    static func show(_ ctx: PageContext, _ m: ShowModel) -> HTML {
        let t = ctx.t, u = m.user
        let base = "/admin/users/\(u.id)"
        return Shell.page(ctx, title: u.displayName, .group(
            .div(.class("crumbs"), .a(.href("/admin/users"), .text(t("nav.users"))), .text(" / " + u.username)),
            .h1(.text(u.displayName), .text(" "), status(ctx, u)),
            .div(.class("columns"),
                .section(.class("card"),
                    .h2(.text(t("users.profile"))),
                    .dl(.dt(.text(t("field.username"))), .dd(.text(u.username)),
                        .dt(.text(t("field.mobile"))), .dd(.text(u.mobile ?? "—")),
                        .dt(.text(t("users.created"))), .dd(.text(Shell.dateTime(u.createdAt))),
                        .dt(.text(t("users.last_login"))), .dd(.text(Shell.dateTime(u.lastLoginAt)))),
                    .form(.method(.post), .action(base), .class("grid-form"),
                        Shell.csrfField(ctx),
                        field(ctx, "displayName", t("field.display_name"), .text, u.displayName, []),
                        field(ctx, "mobile", t("field.mobile"), .tel, u.mobile ?? "", [], required: false),
                        .div(.class("actions"), .button(.type(.submit), .text(t("action.save"))))),
                    .div(.class("actions row"),
                        .form(.method(.post), .action(base + "/status"), .class("inline"),
                            Shell.csrfField(ctx),
                            .input(.type(.hidden), .name("disabled"), .value(u.isDisabled ? "false" : "true")),
                            .button(.type(.submit), .class(u.isDisabled ? "" : "danger"),
                                    .attribute(named: "data-confirm", value: u.isDisabled ? "" : t("users.disable_confirm")),
                                    .text(t(u.isDisabled ? "action.enable" : "action.disable")))),
                        .if((u.lockedUntil ?? .distantPast) > Date(),
                            .form(.method(.post), .action(base + "/unlock"), .class("inline"),
                                Shell.csrfField(ctx),
                                .button(.type(.submit), .text(t("action.unlock"))))))),
                .section(.class("card"),
                    .h2(.text(t("users.reset_password"))),
                    .p(.class("muted"), .text(t("users.reset_hint"))),
                    .form(.method(.post), .action(base + "/password"), .class("grid-form"),
                        Shell.csrfField(ctx),
                        field(ctx, "password", t("field.new_password"), .password, "", [], hint: t("users.password_hint")),
                        .div(.class("actions"), .button(.type(.submit), .text(t("action.reset_password"))))))),
            .section(.class("card"),
                .h2(.text(t("users.roles"))),
                .table(.class("data"),
                    .thead(.tr(.th(.text(t("field.role"))), .th(.text(t("field.project"))), .th())),
                    .tbody(.forEach(u.grants) { g in
                        .tr(.td(.text(t(g.role.catalogKey))),
                            .td(.text(g.projectName ?? t("project.all"))),
                            .td(.class("num"), .form(.method(.post), .action(base + "/grants/\(g.id)/revoke"), .class("inline"),
                                Shell.csrfField(ctx),
                                .button(.type(.submit), .class("link danger"), .text(t("action.revoke"))))))
                    })),
                .form(.method(.post), .action(base + "/grants"), .class("inline-form"),
                    Shell.csrfField(ctx),
                    .label(.for("role"), .text(t("field.role"))),
                    .select(.field("role"), .forEach(Role.allCases) { .choice($0.rawValue, t($0.catalogKey)) }),
                    .label(.for("projectId"), .text(t("field.project"))),
                    .select(.field("projectId"),
                        .choice("", t("project.all")),
                        .forEach(m.projects) { p in .choice(p.id.uuidString, "\(p.code) \(p.name)") }),
                    .button(.type(.submit), .class("primary"), .text(t("action.grant")))))
        ))
    }
}
