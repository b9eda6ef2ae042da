/// Which actions each role allows. This table is the one statement of policy;
/// `AccessPolicy` in the server answers every "may this user…" from it.
public enum AccessMatrix {
    public static func actions(of role: Role) -> Set<Action> {
        switch role {
        case .admin:
            // Runs the system, not the business: no customer or money data.
            [.usersManage, .projectsCreate, .auditRead, .projectView, .projectEdit, .rolesGrant,
             .inventoryView, .pricesView, .inventoryEdit, .reportsView]
        case .gm:
            // Approves above every threshold and sees everything; user admin stays with admin.
            Set(Action.allCases).subtracting([.usersManage, .rolesGrant, .projectsCreate])
        case .csManager:
            [.auditRead, .projectView, .inventoryView, .pricesView, .inventoryEdit,
             .customersView, .customersViewAll, .customersEdit, .customersReassign,
             .personalDataReveal, .personalDataExport,
             .salesView, .salesApprove, .contractsReview, .refundsApprove,
             .ticketsView, .ticketsHandle, .ticketsManage, .repairsHandle, .callsHandle, .reportsView]
        case .csStaff:
            [.projectView, .inventoryView, .pricesView, .inventoryEdit,
             .customersView, .customersViewAll, .customersEdit, .personalDataReveal,
             .salesView, .contractsReview, .ticketsView, .ticketsHandle, .repairsHandle, .callsHandle,
             .reportsView]
        case .salesManager:
            [.projectView, .inventoryView, .pricesView, .salesControl, .pricesPropose,
             .customersView, .customersViewAll, .customersEdit, .customersReassign, .personalDataReveal,
             .personalDataExport, .salesView, .salesCreate, .salesApprove, .reportsView, .targetsSet]
        case .consultant:
            // Full customer data only for own customers (customersView without viewAll).
            [.projectView, .inventoryView, .pricesView, .customersView, .customersEdit, .salesView, .salesCreate]
        case .finance:
            [.projectView, .inventoryView, .pricesView, .customersView, .customersViewAll, .personalDataReveal,
             .salesView, .paymentsConfirm, .reportsView]
        case .channelManager:
            [.projectView, .inventoryView, .pricesView, .channelLeadsRegister, .channelsManage, .reportsView]
        case .channelStaff:
            [.projectView, .inventoryView, .channelLeadsRegister]
        case .agent:
            // An outside broker (issues 13, 17): registers customers for their channel and sees only
            // their own registrations (the channels capability scopes every read); no customer, ticket or call.
            [.projectView, .channelLeadsRegister]
        case .shiftLead:
            [.projectView, .customersView, .ticketsView, .ticketsHandle, .callsHandle, .callCenterManage]
        case .ccSupervisor:
            [.projectView, .customersView, .customersViewAll, .ticketsView, .ticketsHandle, .ticketsManage,
             .callsHandle, .callCenterManage, .reportsView]
        case .engineer:
            [.projectView, .ticketsView, .repairsHandle]
        case .property:
            [.projectView, .inventoryView, .customersView, .ticketsView, .ticketsHandle, .repairsHandle]
        case .legal:
            [.projectView, .customersView, .customersViewAll, .personalDataReveal, .salesView]
        case .procurementStaff:
            [.projectView, .procurementHandle]
        case .procurementManager:
            [.projectView, .procurementHandle, .procurementApprove, .reportsView]
        case .mallCS:
            // The desk's complaints are the service module's tickets on the mall's project (issue 20).
            [.projectView, .mallDesk, .ticketsView, .ticketsHandle]
        case .mallSupervisor:
            [.projectView, .mallDesk, .mallSupervise, .ticketsView, .ticketsHandle, .ticketsManage]
        }
    }

    /// True when any of `roles` allows `action`.
    public static func allows(_ roles: some Sequence<Role>, _ action: Action) -> Bool {
        roles.contains { actions(of: $0).contains(action) }
    }
}
