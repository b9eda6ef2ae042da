import FluentKit

/// Every migration, in the order it runs. Append only; never edit a shipped one.
enum Migrations {
    static let all: [any Migration] = [
        CreateUsers(),
        CreateProjects(),
        CreateRoleGrants(),
        CreateAuthSessions(),
        CreateAuditLog(),
        CreateBuildingsAndUnits(),
        CreateSalesControl(),
        CreatePricing(),
        CreateApprovals(),
        CreateLayouts(),
        CreateCustomers(),
        CreateSales(),
        CreateReports(),
        CreateNotifications(),
        CreateService(),
        CreateAuditActorIndex(),
        UpdateProjectsAddSeller(),
        AddReceiptRejectionReason(),
        UpdateProjectsAddHotline(),
        CreateCalls(),
        CreateOutages(),
        AddCustomerMobileIndex(),
        AddTicketContactMobileIndex(),
        UpdateTicketsAddSurveyAudit(),
        CreateDutyLogs(),
        CreateCallEvents(),
        CreateAgentStates(),
        CreateStaffing(),
        CreateChannels(),
        CreateOpenings(),
        CreateChannelCommissions(),
        UpdateChannelCommissionsAddApproval(),
        CreateOutreachPlans(),
        CreateChannelCommissionsReplaced(),
        CreateProcurement(),
        CreateProcurementFulfilment(),
        // The mall's customer-service desk (issue 20).
        CreateMall(),
        CreateMallDeskOrders(),
        // Call quality (质检, issue 16 point 8).
        CreateCallQuality(),
        // Call centre: teams on the roster (issue 16 point 8).
        UpdateRosterAgentsAddTeam(),
        UpdateStaffingSettingsAddFollowUps(),
        // Procurement follow-up (issue 19 review): settlement net of the prepayment.
        CreateProcurementSettlement(),
        CreateProcurementInvoiceResolutions(),
        // Procurement follow-up (issue 19 point 6): returns to the supplier, site stores and their ledger.
        CreateProcurementStores(),
        CreateProcurementAttachments(),
        // Procurement follow-up (issue 19 point 8): service ratings for the scorecard.
        CreateSupplierServiceRatings(),
        UpdatePurchaseDeliveriesAddStore(),
    ]
}
