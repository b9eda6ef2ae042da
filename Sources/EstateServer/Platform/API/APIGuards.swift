import EstateCore
import HTTPTypes
import OpenAPIRuntime
import Vapor

/// The guard of every API operation, by operationId. An operation missing
/// here is refused at run time (fail closed) and fails the route-walk test.
enum APIGuards {
    static let table: [String: RouteGuard] = [
        "login": .open,
        "logout": .signedIn,
        "getMe": .signedIn,
        "listRoles": .signedIn,
        "listUsers": .allowed(.usersManage),
        "createUser": .allowed(.usersManage),
        "getUser": .allowed(.usersManage),
        "updateUser": .allowed(.usersManage),
        "resetPassword": .allowed(.usersManage),
        "grantRole": .allowed(.usersManage),
        "revokeRole": .allowed(.usersManage),
        "listProjects": .signedIn,
        "createProject": .allowed(.projectsCreate),
        "getProject": .allowed(.projectView),
        "updateProject": .allowed(.projectEdit),
        "listAudit": .allowed(.auditRead),
        // 楼盘表 and 销控.
        "listBuildings": .allowed(.inventoryView),
        "createBuilding": .allowed(.inventoryEdit),
        "updateBuilding": .allowed(.inventoryEdit),
        "listLayouts": .allowed(.inventoryView),
        "createLayout": .allowed(.inventoryEdit),
        "listUnits": .allowed(.inventoryView),
        "createUnit": .allowed(.inventoryEdit),
        "importUnits": .allowed(.inventoryEdit),
        "exportUnits": .allowed(.inventoryView),
        "unitTemplate": .allowed(.inventoryView),
        "getUnit": .allowed(.inventoryView),
        "updateUnit": .allowed(.inventoryEdit),
        "getUnitHistory": .allowed(.inventoryView),
        "moveUnit": .allowed(.salesControl),
        "releaseUnits": .allowed(.salesControl),
        "getBoard": .allowed(.inventoryView),
        "getBoardEvents": .allowed(.inventoryView),
        // Prices.
        "quoteUnit": .allowed(.inventoryView),
        "requestDiscount": .allowed(.salesCreate),
        "requestUnitPriceChange": .allowed(.pricesPropose),
        "listDiscountRules": .allowed(.inventoryView),
        "createDiscountRule": .allowed(.pricesPropose),
        "updateDiscountRule": .allowed(.pricesPropose),
        "listPriceLists": .allowed(.inventoryView),
        "createPriceList": .allowed(.pricesPropose),
        "adjustPrices": .allowed(.pricesPropose),
        "listPriceListItems": .allowed(.inventoryView),
        // Approvals: who may decide is checked per request against the routed role.
        "listApprovals": .signedIn,
        "getApproval": .signedIn,
        "decideApproval": .signedIn,
        "withdrawApproval": .signedIn,
        // Customers: the project comes from the record or the query; handlers check it (CustomerAccess).
        "listCustomers": .allowed(.customersView),
        "createCustomer": .allowed(.customersView),
        "getCustomer": .allowed(.customersView),
        "updateCustomer": .allowed(.customersView),
        "listCustomerContacts": .allowed(.customersView),
        "logVisit": .allowed(.customersView),
        "logCall": .allowed(.customersView),
        "revealCustomerData": .allowed(.customersView),
        "claimCustomer": .allowed(.customersEdit),
        "mergeCustomer": .allowed(.customersReassign),
        "reassignCustomers": .allowed(.customersReassign),
        "listFollowUps": .allowed(.customersView),
        "importCustomers": .allowed(.customersEdit),
        "exportCustomers": .allowed(.personalDataExport),
        "customerTemplate": .allowed(.customersEdit),
        // The sale: the project comes from the record or the body; handlers check the action on it.
        "listSubscriptions": .allowed(.salesView),
        "createSubscription": .allowed(.salesCreate),
        "getSubscription": .allowed(.salesView),
        "cancelSubscription": .allowed(.salesCreate),
        "changeSubscriptionUnit": .allowed(.salesCreate),
        "changeSubscriptionBuyers": .allowed(.salesCreate),
        "listContracts": .allowed(.salesView),
        "createContract": .allowed(.salesCreate),
        "getContract": .allowed(.salesView),
        "updateContractDocument": .allowed(.salesView),
        "reviewContract": .allowed(.contractsReview),
        "signContract": .allowed(.salesCreate),
        "recordContractRegistration": .allowed(.salesView),
        "setMortgage": .allowed(.salesView),
        "advanceMortgage": .allowed(.salesView),
        "requestPlanChange": .allowed(.salesCreate),
        "requestPenaltyWaiver": .allowed(.salesView),
        "recordHandover": .allowed(.salesView),
        "bookAppointment": .allowed(.salesView),
        "deliverContract": .allowed(.salesView),
        "terminateContract": .allowed(.salesCreate),
        "advanceTitle": .allowed(.salesView),
        "listReceipts": .allowed(.salesView),
        "createReceipt": .allowed(.salesView),
        "createRefund": .allowed(.salesView),
        "confirmReceipt": .allowed(.paymentsConfirm),
        "confirmReceipts": .allowed(.paymentsConfirm),
        "rejectReceipt": .allowed(.paymentsConfirm),
        "listBanks": .allowed(.salesView),
        "createBank": .allowed(.salesApprove),
        "updateBank": .allowed(.salesApprove),
        "listDeliveryBatches": .allowed(.salesView),
        "createDeliveryBatch": .allowed(.salesApprove),
        "getWorkList": .allowed(.salesView),
        "exportWorkList": .allowed(.salesView),
        "getArrears": .allowed(.salesView),
        // 报表.
        "getSalesReport": .allowed(.reportsView),
        "exportSalesReport": .allowed(.reportsView),
        "getCollectionsReport": .allowed(.reportsView),
        "exportCollectionsReport": .allowed(.reportsView),
        "getConsultantRanking": .allowed(.reportsView),
        "exportConsultantRanking": .allowed(.reportsView),
        // A consultant's dashboard shows their own figures; the handler decides the scope.
        "getDashboard": .signedIn,
        "getTargets": .allowed(.reportsView),
        "putTargets": .allowed(.targetsSet),
        // 客服: the handler checks the ticket's project and, for work on it, the assignee.
        "listTickets": .allowed(.ticketsView),
        // 抢修单: the handler checks the project; reporting done is also the acknowledger's (any role).
        // 坐席工作台: whoever sees customers; the desk scopes each part to the reader's projects.
        "getCaller": .allowed(.customersView),
        // 值班日志: read by the floor, written by the shift lead and supervisor; sign-off checked for 班长 by the service.
        "listDutyLogs": .allowed(.callsHandle),
        "createDutyLog": .allowed(.callCenterManage),
        "getDutyLog": .allowed(.callsHandle),
        "updateDutyLog": .allowed(.callCenterManage),
        "signOffDutyLog": .allowed(.callCenterManage),
        // 开盘 / 线上选房: the project comes from the opening; handlers check the right on it.
        "listOpenings": .allowed(.salesView),
        "createOpening": .allowed(.salesControl),
        "getOpening": .allowed(.salesView),
        "addOpeningUnits": .allowed(.salesControl),
        "listOpeningRegistrations": .allowed(.salesView),
        "createOpeningRegistration": .allowed(.salesCreate),
        "getOpeningLottery": .allowed(.salesView),
        "drawOpeningLottery": .allowed(.salesControl),
        "planOpeningBatches": .allowed(.salesControl),
        "actOnOpening": .allowed(.salesControl),
        "pauseOpening": .allowed(.salesControl),
        "resumeOpening": .allowed(.salesControl),
        "getOpeningResults": .allowed(.salesView),
        "listOutages": .allowed(.callsHandle),
        "createOutage": .allowed(.callCenterManage),
        "getOutage": .allowed(.callsHandle),
        "reportOutageDone": .signedIn,
        "recordOutageCallback": .allowed(.callsHandle),
        "closeOutage": .allowed(.callsHandle),
        // 通话记录 and 话务报表; the telephony system's events are signed, not signed in (TelephonyRoutes).
        "postCallEvent": .open,
        // 线上选房's buyers: their own token, checked by the handlers (OpeningSignIn).
        "requestBuyerCode": .open,
        "createBuyerSession": .open,
        "endBuyerSession": .open,
        "listBuyerOpenings": .open,
        "listBuyerOpeningUnits": .open,
        "createBuyerSelection": .open,
        "confirmBuyerSelection": .open,
        "listCalls": .allowed(.callsHandle),
        "logDeskCall": .allowed(.callsHandle),
        "exportCalls": .allowed(.callsHandle),
        "importCalls": .allowed(.callCenterManage),
        "callImportTemplate": .allowed(.callCenterManage),
        "getCallCentreReport": .allowed(.callCenterManage),
        "exportCallCentreReport": .allowed(.callCenterManage),
        "getStaffingForecast": .allowed(.callsHandle),
        "getStaffingRequirement": .allowed(.callsHandle),
        "getRoster": .allowed(.callsHandle),
        "buildRoster": .allowed(.callCenterManage),
        "addRosterShift": .allowed(.callCenterManage),
        "createTicket": .allowed(.ticketsHandle),
        "getTicket": .allowed(.ticketsView),
        "actOnTicket": .allowed(.ticketsView),
        "commentOnTicket": .allowed(.ticketsView),
        "recordCallback": .allowed(.ticketsHandle),
        "uploadTicketAttachment": .allowed(.ticketsView),
        "getTicketAttachment": .allowed(.ticketsView),
        "listTicketCategories": .allowed(.ticketsView),
        "createTicketCategory": .allowed(.ticketsManage),
        "updateTicketCategory": .allowed(.ticketsManage),
        "listSLATerms": .allowed(.ticketsView),
        "putSLATerms": .allowed(.ticketsManage),
        "getServiceAnalysis": .allowed(.ticketsView),
        "exportServiceAnalysis": .allowed(.ticketsView),
        // 渠道/拓客: set-up by the channel manager; registrations scoped by the handler (a broker sees only
        // their own, a consultant finds one by number to confirm its visit).
        "listChannels": .allowed(.channelLeadsRegister),
        "createChannel": .allowed(.channelsManage),
        "addChannelAgreement": .allowed(.channelsManage),
        "addChannelBroker": .allowed(.channelsManage),
        "listChannelRules": .allowed(.channelLeadsRegister),
        "createChannelRule": .allowed(.channelsManage),
        "listRegistrations": .signedIn,
        "createRegistration": .allowed(.channelLeadsRegister),
        "getRegistration": .signedIn,
        "confirmRegistrationVisit": .allowed(.salesCreate),
        "decideRegistration": .allowed(.channelsManage),
        "replayRegistration": .signedIn,
        // 佣金结算单: read by the channel manager, the sales manager and finance (checked per project in the handler).
        "listCommissionStatements": .signedIn,
        "createCommissionStatement": .allowed(.channelsManage),
        "getCommissionStatement": .signedIn,
        "submitCommissionStatement": .allowed(.channelsManage),
        "payCommissionStatement": .allowed(.paymentsConfirm),
        // 拓客: plans by the channel manager, actuals by channel staff (checked per project in the handler), the report.
        "listOutreachPlans": .allowed(.channelLeadsRegister),
        "putOutreachPlan": .allowed(.channelsManage),
        "putOutreachActuals": .allowed(.channelLeadsRegister),
        "getChannelReport": .allowed(.channelsManage),
        // 采购: the supplier directory is the company's (any project's procurement staff keep it); needs are raised by any
        // department on the project; plans and orders are procurement's (checked per project in the handler).
        "listSuppliers": .allowed(.procurementHandle),
        "createSupplier": .allowed(.procurementHandle),
        "getSupplier": .allowed(.procurementHandle),
        "addSupplierQualification": .allowed(.procurementHandle),
        "requestSupplierBlacklist": .allowed(.procurementHandle),
        "listExpiringQualifications": .allowed(.procurementHandle),
        "listPurchaseNeeds": .allowed(.procurementHandle),
        "createPurchaseNeed": .allowed(.projectView),
        "listPurchasePlans": .allowed(.procurementHandle),
        "createPurchasePlan": .allowed(.procurementHandle),
        "getPurchasePlan": .allowed(.procurementHandle),
        "listPurchaseOrders": .allowed(.procurementHandle),
        "createPurchaseOrder": .allowed(.procurementHandle),
        "getPurchaseOrder": .allowed(.procurementHandle),
        // 服务评价: procurement or the engineers who inspect (checked per project in the handler).
        "listServiceRatings": .allowed(.projectView),
        "rateSupplierService": .allowed(.projectView),
        // Deliveries are received by procurement and inspected by engineering (checked per project in the handler);
        // invoices are procurement's and paid by finance; tenders are procurement's.
        "listDeliveries": .allowed(.procurementHandle),
        "createDelivery": .allowed(.procurementHandle),
        "getDelivery": .allowed(.procurementHandle),
        "inspectDelivery": .allowed(.projectView),
        "listInvoices": .allowed(.procurementHandle),
        "createInvoice": .allowed(.procurementHandle),
        "getInvoice": .signedIn,
        "payInvoice": .allowed(.paymentsConfirm),
        "listTenders": .allowed(.procurementHandle),
        "createTender": .allowed(.procurementHandle),
        "getTender": .allowed(.procurementHandle),
        "listTenderBids": .allowed(.procurementHandle),
        "submitTenderBid": .allowed(.procurementHandle),
        "openTender": .allowed(.procurementHandle),
        "awardTender": .allowed(.procurementHandle),
        // 供应商评估: read by procurement; weights and overrides are the procurement manager's. The report: procurement.
        "getSupplierScorecard": .allowed(.procurementHandle),
        "overrideSupplierScore": .allowed(.procurementApprove),
        "putSupplierScoreWeights": .allowed(.procurementApprove),
        "getProcurementReport": .allowed(.procurementHandle),
        "exportProcurementReport": .allowed(.procurementHandle),
        // 商场客服 (issue 20): the desk's action on the mall's project, checked per mall in the handler; set-up and
        // decisions by the desk supervisor.
        "listMalls": .allowed(.mallDesk),
        "createMall": .allowed(.mallSupervise),
        "getMall": .allowed(.mallDesk),
        "setMallFloorManager": .allowed(.mallSupervise),
        "listMallTenants": .allowed(.mallDesk),
        "createMallTenant": .allowed(.mallDesk),
        "listMallGifts": .allowed(.mallDesk),
        "createMallGift": .allowed(.mallSupervise),
        "listMembers": .allowed(.mallDesk),
        "applyMember": .allowed(.mallDesk),
        "getMember": .allowed(.mallDesk),
        "decideMember": .allowed(.mallSupervise),
        "issueMemberCard": .allowed(.mallDesk),
        "earnMemberPoints": .allowed(.mallDesk),
        "redeemMemberPoints": .allowed(.mallDesk),
        "listMallComplaints": .allowed(.mallDesk),
        "takeMallComplaint": .allowed(.mallDesk),
        "listReturns": .allowed(.mallDesk),
        "requestReturn": .allowed(.mallDesk),
        "getReturn": .allowed(.mallDesk),
        "stepReturn": .allowed(.mallDesk),
        "listLostItems": .allowed(.mallDesk),
        "recordLostItem": .allowed(.mallDesk),
        "claimLostItem": .allowed(.mallDesk),
        "handOverLostItem": .allowed(.mallDesk),
        "listBroadcasts": .allowed(.mallDesk),
        "createBroadcast": .allowed(.mallDesk),
        "readBroadcast": .allowed(.mallDesk),
        "listScreenMessages": .allowed(.mallDesk),
        "scheduleScreenMessage": .allowed(.mallDesk),
        "listMail": .allowed(.mallDesk),
        "receiveMail": .allowed(.mallDesk),
        "pickUpMail": .allowed(.mallDesk),
        "listPriceTagRequests": .allowed(.mallDesk),
        "requestPriceTags": .allowed(.mallDesk),
        "printPriceTags": .allowed(.mallDesk),
        "listMallFollowUps": .allowed(.mallDesk),
        "recordMallFollowUp": .allowed(.mallDesk),
        "getMallDailyLog": .allowed(.mallDesk),
        "signMallDailyLog": .allowed(.mallSupervise),
        "getMallReport": .allowed(.mallDesk),
        "exportMallReport": .allowed(.mallDesk),
        "importMembers": .allowed(.mallSupervise),
        // 电话订货 / 团购 / 试机 taken for tenants, by the desk; the rota (早晚班) read by the desk, edited by the supervisor.
        "listDeskOrders": .allowed(.mallDesk),
        "takeDeskOrder": .allowed(.mallDesk),
        "getDeskOrder": .allowed(.mallDesk),
        "stepDeskOrder": .allowed(.mallDesk),
        "getMallRota": .allowed(.mallDesk),
        "setMallShift": .allowed(.mallSupervise),
        "assignMallShift": .allowed(.mallSupervise),
        "unassignMallShift": .allowed(.mallSupervise),
        "updateMallTenant": .allowed(.mallDesk),
        // Procurement follow-up (issue 19 review): the mismatch queue — accepting is the procurement manager's (GM too),
        // rejecting and replacing procurement's.
        "acceptInvoice": .allowed(.procurementApprove),
        "rejectInvoice": .allowed(.procurementHandle),
        "replaceInvoice": .allowed(.procurementHandle),
        // Procurement follow-up (issue 19 point 6): returns to the supplier, site stores and their ledger — procurement's,
        // checked per project in the handler.
        "listDeliveryReturns": .allowed(.procurementHandle),
        "createDeliveryReturn": .allowed(.procurementHandle),
        "stockInDelivery": .allowed(.procurementHandle),
        "listSiteStores": .allowed(.procurementHandle),
        "createSiteStore": .allowed(.procurementHandle),
        "getSiteStore": .allowed(.procurementHandle),
        "issueSiteStock": .allowed(.procurementHandle),
    ]
}

/// Enforces `APIGuards` before the operation's handler runs.
struct OperationGuardMiddleware: ServerMiddleware {
    /// The handler the operations run on: its services and database check a guard (and audit a denial).
    let api: APIHandler

    func intercept(
        _ request: HTTPTypes.HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPTypes.HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPTypes.HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPTypes.HTTPResponse, HTTPBody?) {
        let call = try APICall.get()
        guard let routeGuard = APIGuards.table[operationID] else {
            call.logger.critical("API operation without a guard refused", metadata: ["operation": "\(operationID)"])
            throw Problem.forbidden
        }
        try await routeGuard.check(project: metadata.pathParameters["projectId"].map(String.init), principal: call.requirePrincipal,
                                   require: { try await api.require($0, on: $1) })
        return try await next(request, body, metadata)
    }
}

/// Enforces the contract's parameter and JSON body schemas (see `ContractValidator`).
/// Runs after the guard: who may not call an operation learns nothing about its input rules.
struct ContractValidationMiddleware: ServerMiddleware {
    /// JSON bodies are read whole to be checked; none the contract allows comes near this.
    static let maxJSONBody = 4 << 20

    let validator: ContractValidator

    func intercept(
        _ request: HTTPTypes.HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPTypes.HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPTypes.HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPTypes.HTTPResponse, HTTPBody?) {
        let query = request.path.flatMap { p in p.firstIndex(of: "?").map { String(p[p.index(after: $0)...]) } }
        do {
            try validator.checkParameters(operationID: operationID, path: metadata.pathParameters, query: query)
            guard validator.takesJSONBody(operationID), let body,
                  request.headerFields[.contentType].map({ $0.lowercased().hasPrefix("application/json") }) ?? false
            else { return try await next(request, body, metadata) }
            let bytes: [UInt8]
            do { bytes = try await [UInt8](collecting: body, upTo: Self.maxJSONBody) } catch {
                throw Problem(.payloadTooLarge, "payload_too_large")
            }
            try validator.checkBody(operationID: operationID, bytes: bytes)
            // Kept for the handlers that tell an explicit null from an absent property (see `jsonBodySets`).
            var call = try APICall.get()
            call.jsonBody = bytes
            return try await APICall.$current.withValue(call) { try await next(request, HTTPBody(bytes), metadata) }
        } catch let v as ContractValidator.Violations {
            if v.inPath { throw Problem.notFound }
            // The same shape as every other field check: validation_failed, one line per field.
            var problem = Problem.invalid(v.all.map { .init(field: $0.field, code: "schema_\($0.keyword)", arguments: $0.limit.map { ["limit": $0] } ?? [:]) })
            problem.status = .init(statusCode: validator.violationStatus(operationID))
            throw problem
        }
    }
}
