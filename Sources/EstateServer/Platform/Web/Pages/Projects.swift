import EstateCore
import Plot
import Vapor

/// 项目管理: the projects a user can see; create and edit with the right role.
enum ProjectsPage {
    struct IndexModel {
        var page: Paged<ProjectService.ProjectSummary>
        var canCreate: Bool
        var draft = ProjectService.Draft()
        var errors: [Problem.FieldError] = []
        var formError: String?
    }

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
            .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(submit))))
    }

    struct EditModel {
        var project: ProjectService.ProjectSummary
        var draft: ProjectService.Draft
        var canEdit: Bool
        var errors: [Problem.FieldError] = []
        var formError: String?
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

enum ProjectsController {
    struct Form: Content {
        var code: String
        var name: String
        var city: String
        var priceRounding: String?
        var isActive: String?
        var customerProtectionDays: String?
        var draft: ProjectService.Draft {
            .init(code: code.trimmingCharacters(in: .whitespaces).uppercased(), name: name.trimmingCharacters(in: .whitespacesAndNewlines),
                  city: city.trimmingCharacters(in: .whitespacesAndNewlines),
                  priceRounding: priceRounding, isActive: isActive == "true",
                  // Not a number is out of range too: the service names the field.
                  customerProtectionDays: customerProtectionDays.map { Int($0.trimmingCharacters(in: .whitespaces)) ?? 0 })
        }
    }

    static func page(_ req: Request) throws -> PageRequest { try PageRequest(page: try? req.query.get(Int.self, at: "page"), perPage: 50) }

    @Sendable static func index(_ req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let result = try await req.services.projects(req.db).list(for: p, page: try page(req))
        return Shell.response(ProjectsPage.index(PageContext(req), .init(page: result, canCreate: p.may(.projectsCreate))))
    }

    @Sendable static func create(_ req: Request) async throws -> Response {
        let form = try req.content.decode(Form.self)
        do {
            let project = try await req.services.projects(req.db).create(form.draft, context: req.auditContext)
            return req.redirect(to: "/admin/projects/\(project.id)?notice=projects.created")
        } catch let problem as Problem where problem.status == .unprocessableEntity || problem.status == .conflict {
            let p = try req.requirePrincipal()
            let result = try await req.services.projects(req.db).list(for: p, page: try page(req))
            return Shell.response(ProjectsPage.index(PageContext(req), .init(page: result, canCreate: true, draft: form.draft,
                                                                           errors: problem.fields,
                                                                           formError: problem.fields.isEmpty ? problem.code : nil)),
                                  status: problem.status)
        }
    }

    static func projectID(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("projectID").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound }
        return id
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        let id = try projectID(req)
        let p = try await req.require(.projectView, on: id)
        let project = try await req.services.projects(req.db).find(id, for: p)
        let draft = ProjectService.Draft(code: project.code, name: project.name, city: project.city,
                                         priceRounding: project.priceRounding.rawValue, isActive: project.isActive,
                                         customerProtectionDays: project.customerProtectionDays)
        return Shell.response(ProjectsPage.edit(PageContext(req), .init(project: project, draft: draft, canEdit: p.may(.projectEdit, on: id))))
    }

    @Sendable static func update(_ req: Request) async throws -> Response {
        let id = try projectID(req)
        let p = try await req.require(.projectEdit, on: id)
        let form = try req.content.decode(Form.self)
        do {
            _ = try await req.services.projects(req.db).update(id, form.draft, context: req.auditContext)
            return req.redirect(to: "/admin/projects/\(id)?notice=notice.saved")
        } catch let problem as Problem where problem.status == .unprocessableEntity || problem.status == .conflict {
            let project = try await req.services.projects(req.db).find(id, for: p)
            return Shell.response(ProjectsPage.edit(PageContext(req), .init(project: project, draft: form.draft, canEdit: true,
                                                                          errors: problem.fields,
                                                                          formError: problem.fields.isEmpty ? problem.code : nil)),
                                  status: problem.status)
        }
    }
}
