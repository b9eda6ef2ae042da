import EstateCore
import Plot
import Vapor

/// 工作台: today's figures and the month's targets for the first projects, the signed-in user's
/// projects and roles; for auditors, the latest audit lines.
enum HomePage {
    struct Model {
        var projects: [ProjectService.ProjectSummary]
        var grants: [UserService.GrantSummary]
        var recentAudit: [AuditQuery.Line]?
        /// 工作台 figures for the first projects the user has a dashboard on.
        var dashboards: [DashboardPanel.Item] = []
    }
}
