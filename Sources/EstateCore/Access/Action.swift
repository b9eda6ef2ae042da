/// Something a user may be allowed to do. Company actions concern the whole
/// company (users, creating projects); project actions are checked against
/// the project the record belongs to.
public enum Action: String, CaseIterable, Codable, Sendable, Hashable {
    // Company-wide administration.
    case usersManage = "users.manage"
    case projectsCreate = "projects.create"
    /// Company-wide holders read every line; project holders read their projects' lines.
    case auditRead = "audit.read"

    // Project set-up.
    case projectView = "project.view"
    case projectEdit = "project.edit"
    case rolesGrant = "roles.grant"

    // 楼盘表 and 销控.
    case inventoryView = "inventory.view"
    /// List and floor prices on the board and its exports (表价、成交金额): not for 物业 or
    /// 拓客专员, who see what is for sale but quote nothing.
    case pricesView = "prices.view"
    case inventoryEdit = "inventory.edit"
    case salesControl = "sales.control"
    case pricesPropose = "prices.propose"
    case pricesApprove = "prices.approve"

    // Customers and personal data.
    case customersView = "customers.view"
    case customersViewAll = "customers.view_all"
    case customersEdit = "customers.edit"
    case customersReassign = "customers.reassign"
    case personalDataReveal = "personal_data.reveal"
    case personalDataExport = "personal_data.export"

    // The sale.
    case salesView = "sales.view"
    case salesCreate = "sales.create"
    case salesApprove = "sales.approve"
    case contractsReview = "contracts.review"
    case paymentsConfirm = "payments.confirm"
    case refundsApprove = "refunds.approve"

    // Customer service.
    case ticketsView = "tickets.view"
    case ticketsHandle = "tickets.handle"
    case ticketsManage = "tickets.manage"
    case repairsHandle = "repairs.handle"

    // Call centre, channels, procurement, mall.
    case callsHandle = "calls.handle"
    case callCenterManage = "callcenter.manage"
    case channelLeadsRegister = "channel_leads.register"
    case channelsManage = "channels.manage"
    case procurementHandle = "procurement.handle"
    case procurementApprove = "procurement.approve"
    case mallDesk = "mall.desk"
    /// The desk supervisor's: approve VIP cards, gifts and tiers, sign off the daily log, take escalations.
    case mallSupervise = "mall.supervise"

    // Reports.
    case reportsView = "reports.view"
    /// 销售目标: set each month's targets for the project and its consultants.
    case targetsSet = "reports.targets"

    public enum Scope: Sendable { case company, project }

    public var scope: Scope {
        switch self {
        case .usersManage, .projectsCreate: .company
        default: .project
        }
    }
}
