import EstateCore
import Plot
import Vapor

/// 用户管理: list, create, and one user's page with roles, status and password.
enum UsersPage {
    struct IndexModel {
        var page: Paged<UserService.UserSummary>
        var search: String
        var draft: (username: String, displayName: String, mobile: String) = ("", "", "")
        var errors: [Problem.FieldError] = []
        var formError: String?
    }

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
                      _ errors: [Problem.FieldError], hint: String? = nil, required: Bool = true) -> Node<HTML.FormContext> {
        let mine = errors.filter { $0.field == name }
        return .div(.class(mine.isEmpty ? "field" : "field invalid"),
            .label(.for(name), .text(label)),
            .input(.type(type), .id(name), .name(name), .value(value), .required(required),
                   .attribute(named: "aria-invalid", value: mine.isEmpty ? "false" : "true")),
            .forEach(mine) { .div(.class("error-text"), .text(ctx.t("error.\($0.code)"))) },
            .unwrap(hint) { .div(.class("hint"), .text($0)) })
    }

    struct ShowModel {
        var user: UserService.UserSummary
        var projects: [ProjectRecord]
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
                        .forEach(m.projects) { p in .choice(p.id!.uuidString, "\(p.code) \(p.name)") }),
                    .button(.type(.submit), .class("primary"), .text(t("action.grant")))))
        ))
    }
}

enum UsersController {
    struct CreateForm: Content { var username: String; var displayName: String; var password: String; var mobile: String? }
    /// The profile: name and mobile (an empty mobile removes it; a form without the field leaves it).
    struct NameForm: Content { var displayName: String; var mobile: String? }
    struct StatusForm: Content { var disabled: String }
    struct PasswordForm: Content { var password: String }
    struct GrantForm: Content { var role: String; var projectId: String? }

    @Sendable static func index(_ req: Request) async throws -> Response {
        let q = Text.withoutNUL((try? req.query.get(String.self, at: "q")) ?? "")
        let page = try PageRequest(page: try? req.query.get(Int.self, at: "page"), perPage: 50)
        let result = try await req.services.users(req.db).list(search: q, page: page)
        return Shell.response(UsersPage.index(PageContext(req), .init(page: result, search: q)))
    }

    @Sendable static func create(_ req: Request) async throws -> Response {
        let form = try req.content.decode(CreateForm.self)
        return try await FormAction.run(req) {
            let user = try await req.services.users(req.db).create(username: form.username.trimmingCharacters(in: .whitespaces),
                                                                  displayName: form.displayName.trimmingCharacters(in: .whitespacesAndNewlines),
                                                                  password: form.password,
                                                                  mobile: Self.mobile(form.mobile) ?? nil,
                                                                  context: req.auditContext)
            return .to("/admin/users/\(user.id)", notice: "users.created_notice")
        } failed: { p in
            let result = try await req.services.users(req.db).list(search: nil, page: try PageRequest(page: 1, perPage: 50))
            var model = UsersPage.IndexModel(page: result, search: "")
            model.draft = (form.username, form.displayName, form.mobile ?? "")
            model.errors = p.fields
            model.formError = p.fields.isEmpty ? p.code : nil
            return Shell.response(UsersPage.index(PageContext(req), model), status: p.status)
        }
    }

    /// A form's mobile field: nil when not sent, `.some(nil)` when left empty, else the number (spaces dropped).
    static func mobile(_ field: String?) -> String?? {
        guard let field else { return nil }
        let m = field.filter { !$0.isWhitespace }
        return .some(m.isEmpty ? nil : m)
    }

    static func userID(_ req: Request) throws -> UUID { try req.pathID("userID") }

    @Sendable static func show(_ req: Request) async throws -> Response {
        guard let user = try await req.services.users(req.db).find(try userID(req)) else { throw Problem.notFound }
        let projects = try await req.services.projects(req.db).all()
        return Shell.response(UsersPage.show(PageContext(req), .init(user: user, projects: projects)))
    }

    /// Runs a change and comes back to the user's page with a notice, or with the error's code.
    static func act(_ req: Request, notice: String, _ body: (UUID) async throws -> Void) async throws -> Response {
        let id = try userID(req)
        // A bad request (a malformed role) is shown as one line too.
        return try await FormAction.run(req, alsoCorrectable: [.badRequest]) {
            try await body(id)
            return .to("/admin/users/\(id)", notice: notice)
        } failed: { p in
            FormAction.back(req, to: "/admin/users/\(id)", p)
        }
    }

    @Sendable static func rename(_ req: Request) async throws -> Response {
        let form = try req.content.decode(NameForm.self)
        return try await act(req, notice: "notice.saved") {
            _ = try await req.services.users(req.db).update($0, .init(displayName: form.displayName.trimmingCharacters(in: .whitespacesAndNewlines),
                                                                      mobile: Self.mobile(form.mobile)),
                                                            context: req.auditContext)
        }
    }

    @Sendable static func setStatus(_ req: Request) async throws -> Response {
        let form = try req.content.decode(StatusForm.self)
        return try await act(req, notice: "notice.saved") {
            _ = try await req.services.users(req.db).update($0, .init(isDisabled: form.disabled == "true"), context: req.auditContext)
        }
    }

    @Sendable static func unlock(_ req: Request) async throws -> Response {
        try await act(req, notice: "notice.saved") {
            _ = try await req.services.users(req.db).update($0, .init(unlock: true), context: req.auditContext)
        }
    }

    @Sendable static func resetPassword(_ req: Request) async throws -> Response {
        let form = try req.content.decode(PasswordForm.self)
        return try await act(req, notice: "notice.password_reset") {
            try await req.services.users(req.db).resetPassword($0, to: form.password, context: req.auditContext)
        }
    }

    @Sendable static func grant(_ req: Request) async throws -> Response {
        let form = try req.content.decode(GrantForm.self)
        return try await act(req, notice: "notice.granted") {
            guard let role = Role(rawValue: form.role) else { throw Problem.invalid("role", "role_unknown") }
            let project: UUID? = if let p = form.projectId, !p.isEmpty {
                try UUID(uuidString: p) ?? { throw Problem.invalid("projectId", "project_unknown") }()
            } else { nil }
            _ = try await req.services.users(req.db).grant(role, to: $0, projectID: project, context: req.auditContext)
        }
    }

    @Sendable static func revoke(_ req: Request) async throws -> Response {
        guard let grantID = req.parameters.get("grantID").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound }
        return try await act(req, notice: "notice.revoked") {
            try await req.services.users(req.db).revoke(grantID: grantID, of: $0, context: req.auditContext)
        }
    }
}
