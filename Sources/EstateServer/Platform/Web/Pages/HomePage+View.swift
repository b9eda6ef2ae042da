import EstateCore
import Plot
import Vapor

extension HomePage {
    static func build(_ req: Request) async throws -> Model {
        let p = try req.requirePrincipal()
        let projects = try await req.services.projects(req.db).list(for: p, page: try PageRequest(page: 1, perPage: 200)).items
        let me = try await req.services.users(req.db).find(p.userID)
        var recent: [AuditQuery.Line]?
        if p.may(.auditRead) {
            recent = try await req.services.audit(req.db).list(.init(), for: p, page: try PageRequest(page: 1, perPage: 8)).items
        }
        var dashboards: [DashboardPanel.Item] = []
        let reports = req.services.reports(req.db)
        for project in projects where dashboards.count < DashboardPanel.limit {
            let scope = APIHandler.dashboardScope(p, projectID: project.id)
            guard scope.allowed else { continue }
            dashboards.append(.init(dashboard: try await reports.dashboard(project.id, consultant: scope.consultant),
                                    reports: p.may(.reportsView, on: project.id)))
        }
        return Model(projects: projects, grants: me?.grants ?? [], recentAudit: recent, dashboards: dashboards)
    }

    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        return Shell.page(ctx, title: t("nav.home"), .group(
            .h1(.text(t("home.greeting", ["name": ctx.principal?.displayName ?? ""]))),
            DashboardPanel.view(ctx, m.dashboards),
            .section(.class("grid"),
                .forEach(m.projects) { p in
                    .a(.class("card project"), .href("/admin/projects/\(p.id)"),
                       .div(.class("muted"), .text("\(p.code) · \(p.city)")),
                       .h2(.text(p.name)),
                       .div(.class("stats"),
                            .span(.strong(.text("\(p.buildingCount)")), .text(" " + t("project.buildings"))),
                            .span(.strong(.text("\(p.unitCount)")), .text(" " + t("project.units")))))
                },
                .if(m.projects.isEmpty, .div(.class("card muted"), .text(t("home.no_projects"))))
            ),
            .h2(.text(t("home.my_roles"))),
            .div(.class("chips"),
                .forEach(m.grants) { g in
                    .span(.class("chip"), .text(t(g.role.catalogKey)), .span(.class("muted"), .text(" · " + (g.projectName ?? t("project.all")))))
                }),
            .unwrap(m.recentAudit) { lines in
                .group(
                    .h2(.text(t("home.recent_audit")), .a(.class("more"), .href("/admin/audit"), .text(t("list.more")))),
                    AuditPage.table(ctx, lines)
                )
            }
        ))
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        Shell.response(view(PageContext(req), try await build(req)))
    }
}
