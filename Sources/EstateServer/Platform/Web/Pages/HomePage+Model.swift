import EstateCore
import Plot
import Vapor

/// 工作台: what waits for the signed-in user, role by role (approvals to decide, tickets by their
/// SLA clock and 回访 due, repairs, receipts to confirm, follow-ups, stages past their deadline);
/// the sales figures for those who sell; one honest line for a module not built yet; the user's
/// projects and roles; for auditors, the latest audit lines.
enum HomePage {
    struct Model {
        var projects: [ProjectService.ProjectSummary]
        var grants: [UserService.GrantSummary]
        var recentAudit: [AuditQuery.Line]?
        var auditNames = AuditPage.Names()
        /// 工作台 figures for the first projects the user sells on.
        var dashboards: [DashboardPanel.Item] = []
        /// What waits for the user, from every capability that has work for them.
        var work: [WorkCard] = []
        /// Catalogue keys of the modules the user's roles belong to that are not built yet.
        var notLive: [String] = []
    }

    /// Roles whose 工作台 shows the sales figures (customer service reads reports too, but its
    /// day is tickets, not the sale).
    static let sellingRoles: Set<Role> = [.gm, .salesManager, .consultant, .finance]

    /// Projects whose work the 工作台 gathers (the rest are a click away in their modules).
    static let workProjectLimit = 5

    static func build(_ req: Request) async throws -> Model {
        let p = try req.requirePrincipal()
        let projects = try await req.services.projects(req.db).list(for: p, page: try PageRequest(page: 1, perPage: 200)).items
        let me = try await req.services.users(req.db).find(p.userID)
        var recent: [AuditQuery.Line]?
        if p.may(.auditRead) {
            recent = try await req.services.audit(req.db).list(.init(), for: p, page: try PageRequest(page: 1, perPage: 8)).items
        }
        var auditNames = AuditPage.Names()
        if let recent { auditNames = try await AuditPage.names(for: recent, req: req) }
        var dashboards: [DashboardPanel.Item] = []
        let reports = req.services.reports(req.db)
        for project in projects where dashboards.count < DashboardPanel.limit {
            guard !p.roles(on: project.id).isDisjoint(with: sellingRoles) else { continue }
            let scope = APIHandler.dashboardScope(p, projectID: project.id)
            guard scope.allowed else { continue }
            dashboards.append(.init(dashboard: try await reports.dashboard(project.id, consultant: scope.consultant),
                                    reports: p.may(.reportsView, on: project.id)))
        }
        let workProjects = projects.prefix(workProjectLimit).map { WorkProject(id: $0.id, name: $0.name) }
        var work: [WorkCard] = []
        for source in WorkSources.all {
            work += try await source.cards(req, for: p, projects: workProjects)
        }
        let notLive = Shell.modules.filter { $0.href == nil && $0.action.map { p.may($0) } == true }.map(\.key)
        return Model(projects: projects, grants: me?.grants ?? [], recentAudit: recent, auditNames: auditNames, dashboards: dashboards,
                     work: work, notLive: notLive)
    }
}
