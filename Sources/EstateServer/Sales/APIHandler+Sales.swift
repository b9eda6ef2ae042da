import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// The sale in the JSON API: `/api/v1/subscriptions`, `/api/v1/contracts`, `/api/v1/receipts` and
/// the project's delivery batches, work lists and arrears. Paths name a record without its
/// project, so each handler loads it and checks the caller on its project: a project the caller
/// cannot see answers 404, an action the caller may not take there 403.
extension APIHandler {

    // MARK: Access

    /// The project exists, the caller sees it (else 404) and may take `action` there (else 403).
    func saleProject(_ projectID: UUID, _ action: Action) async throws {
        let p = try call.requirePrincipal()
        guard p.canSee(project: projectID) else { throw Problem.notFound }
        // A company-wide role "sees" any id; a project that does not exist is still 404.
        _ = try await services.projects(database).find(projectID, for: p)
        guard p.may(action, on: projectID) else { throw Problem.forbidden }
    }

    func loadSubscription(_ raw: String, _ action: Action = .salesView) async throws -> SaleService.Subscription {
        let s = try await services.sales(database).subscription(try Self.uuid(raw))
        try await saleProject(s.projectId, action)
        if action != .salesView { try SaleService.checkActor(try call.requirePrincipal(), projectID: s.projectId, consultantID: s.consultantId) }
        return s
    }

    func loadContract(_ raw: String, _ action: Action = .salesView) async throws -> SaleService.Contract {
        let c = try await services.sales(database).contract(try Self.uuid(raw))
        try await saleProject(c.projectId, action)
        if action != .salesView { try SaleService.checkActor(try call.requirePrincipal(), projectID: c.projectId, consultantID: c.consultantId) }
        return c
    }

    static func day(_ s: String, field: String) throws -> CalendarDay {
        guard let d = CalendarDay(s) else { throw Problem.invalid(field, "date_invalid") }
        return d
    }

    static func money(_ s: String?, field: String) throws -> Money {
        guard let s else { return .zero }
        guard let m = Money(yuanText: s), m.isWithin(Money.maxTotal) else { throw Problem.invalid(field, "money_not_number") }
        return m
    }

    static func buyers(_ input: [Schemas.BuyerInput]) throws -> [SaleService.BuyerDraft] {
        try input.enumerated().map { i, b in
            guard let share = BuyerShares.parse(b.share) else { throw Problem.invalid("buyers[\(i)].share", "share_invalid") }
            return SaleService.BuyerDraft(customerID: try uuid(b.customerId, field: "buyers[\(i)].customerId"), share: share)
        }
    }

    // MARK: Projections

    /// Buyers' names in full for roles that see every customer, the customer's own consultant and the
    /// sale's consultant; masked (张*) for everyone else, as on the pages.
    static func namer(_ projectID: UUID, consultant: UUID?) -> @Sendable (SaleService.Buyer) -> Schemas.Buyer {
        let p = APICall.current?.principal
        let all = p.map { $0.may(.customersViewAll, on: projectID) } ?? false
        let me = p?.userID
        return { b in buyerSchema(b, full: all || (me != nil && (b.ownerId == me || consultant == me))) }
    }

    static func subscriptionSchema(_ s: SaleService.Subscription) -> Schemas.Subscription {
        Schemas.Subscription(
            id: s.id.uuidString, projectId: s.projectId.uuidString, number: s.number, unitId: s.unitId.uuidString, unitCode: s.unitCode,
            status: .init(rawValue: s.status) ?? .active, buyers: s.buyers.map(namer(s.projectId, consultant: s.consultantId)), listTotal: s.listTotal.plain,
            finalTotal: s.finalTotal.plain, effectiveRate: DecimalText.format(Int64(s.effectivePermyriad), scale: 4, grouping: false),
            rules: s.ruleNames, specialRate: s.specialPermyriad, discountApprovalId: s.discountApprovalId?.uuidString,
            paymentMethod: .init(rawValue: s.paymentMethod) ?? .full, deposit: s.deposit.plain,
            depositInWords: ChineseAmount.capitals(s.deposit), finalTotalInWords: ChineseAmount.capitals(s.finalTotal),
            contractDeadline: s.contractDeadline, consultantId: s.consultantId?.uuidString, consultantName: s.consultantName ?? "",
            note: s.note, contractId: s.contractId?.uuidString, cancelledOn: s.cancelledOn, cancelReason: s.cancelReason,
            depositOutcome: s.depositOutcome.flatMap { .init(rawValue: $0) }, pendingApprovalId: s.pendingApprovalId?.uuidString,
            createdAt: s.createdAt, events: s.events.map(eventSchema))
    }

    static func buyerSchema(_ b: SaleService.Buyer, full: Bool) -> Schemas.Buyer {
        // Mobiles stay masked here (the customer's record reveals them, with its log line).
        Schemas.Buyer(customerId: b.customerId.uuidString, name: full ? b.name : Masking.name(b.name), mobile: Masking.mobile(b.mobile),
                share: BuyerShares.text(b.share))
    }

    static func eventSchema(_ e: SaleService.Event) -> Schemas.SaleEvent {
        Schemas.SaleEvent(kind: e.kind, summary: e.summary, actorName: e.actorName, at: e.at)
    }

    static func contractSchema(_ c: SaleService.Contract) -> Schemas.Contract {
        let area: Schemas.AreaSettlement? = c.registeredArea.map { reg in
            Schemas.AreaSettlement(registeredArea: Area(hundredths: Int(reg)).description, contractArea: c.area.description,
                             band: .init(rawValue: c.areaBand ?? "") ?? .within,
                             ratio: DecimalText.format(Rounding.halfUp(Int128(c.areaRatioPpm ?? 0), divisor: 100), scale: 2, grouping: false),
                             buyerPays: Money(fen: c.areaBuyerPaysFen ?? 0).plain, developerBears: Money(fen: c.areaDeveloperBearsFen ?? 0).plain,
                             buyerMayReturn: c.areaBand == AreaDifference.Band.above.rawValue || c.areaBand == AreaDifference.Band.below.rawValue,
                             decision: c.areaDecision.flatMap { .init(rawValue: $0) })
        }
        let mortgage = c.mortgage.map { m in
            Schemas.Mortgage(bankId: m.bankId.uuidString, bankName: m.bankName, loanType: .init(rawValue: m.loanType) ?? .commercial,
                       commercialAmount: Money(fen: m.commercialFen).plain, providentAmount: Money(fen: m.providentFen).plain,
                       termMonths: m.termMonths, stage: .init(rawValue: m.stage) ?? .collecting, collectingOn: m.collectingOn,
                       submittedOn: m.submittedOn, approvedOn: m.approvedOn, disbursedOn: m.disbursedOn, staffId: m.staffId?.uuidString,
                       staffName: m.staffName ?? "", stageSince: m.stageSince)
        }
        return Schemas.Contract(
            id: c.id.uuidString, projectId: c.projectId.uuidString, subscriptionId: c.subscriptionId.uuidString, number: c.number,
            unitId: c.unitId.uuidString, unitCode: c.unitCode, status: .init(rawValue: c.status) ?? .draft, buyers: c.buyers.map(namer(c.projectId, consultant: c.consultantId)),
            buyerKind: .init(rawValue: c.buyerKind) ?? .localIndividual, paymentMethod: .init(rawValue: c.paymentMethod) ?? .full,
            total: c.total.plain, totalInWords: ChineseAmount.capitals(c.total), unitPrice: c.unitPrice.plain, contractArea: c.area.description,
            pricingBasis: c.pricingBasis, penaltyRatePer100k: c.penaltyRate, clauses: c.clauses, deliveryDueOn: c.deliveryDueOn,
            titleDays: c.titleDays, reviewStatus: .init(rawValue: c.reviewStatus) ?? .pending, reviewNote: c.reviewNote,
            missingDocuments: c.missingDocuments.compactMap { .init(rawValue: $0.rawValue) }, reviewedBy: c.reviewedBy, reviewedAt: c.reviewedAt,
            signedOn: c.signedOn, onlineSignNo: c.onlineSignNo, onlineSignOn: c.onlineSignOn, filingNo: c.filingNo, filingOn: c.filingOn,
            documents: c.documents.compactMap { d in
                Schemas.DocumentCode(rawValue: d.code).map {
                    Schemas.ContractDocument(code: $0, required: d.required, received: d.received, receivedOn: d.receivedOn, note: d.note)
                }
            },
            plan: c.plan.filter(\.isLive).map(planItemSchema), collected: c.collected.plain, outstanding: c.outstanding.plain,
            penalty: c.penalty.plain, mortgage: mortgage, area: area, appointmentAt: c.appointmentAt, deliveredOn: c.deliveredOn,
            title: Schemas.Title(stage: Schemas.TitleStage(rawValue: c.titleStage) ?? Schemas.TitleStage.none, documentsGatheredOn: c.titleDocsOn,
                           deedTaxPaidOn: c.titleTaxOn, appliedOn: c.titleAppliedOn, issuedOn: c.titleIssuedOn, handedOverOn: c.titleHandedOn,
                           certificateNo: c.titleCertificateNo, dueOn: c.titleDueOn),
            terminatedOn: c.terminatedOn, terminationReason: c.terminationReason, pendingApprovalId: c.pendingApprovalId?.uuidString,
            consultantName: c.consultantName ?? "", createdAt: c.createdAt, events: c.events.map(eventSchema))
    }

    static func planItemSchema(_ i: SaleService.PlanItem) -> Schemas.PlanItem {
        Schemas.PlanItem(id: i.id.uuidString, kind: .init(rawValue: i.kind.rawValue) ?? .downPayment, seq: i.seq, amount: i.amount.plain,
                   dueOn: i.due.description, collected: i.collected.plain, pending: i.pending.plain, outstanding: i.outstanding.plain,
                   overdueDays: i.overdueDays, penalty: i.penalty.plain, penaltyWaived: i.waived.plain)
    }

    static func receiptSchema(_ r: SaleService.Receipt) -> Schemas.Receipt {
        Schemas.Receipt(id: r.id.uuidString, projectId: r.projectId.uuidString, number: r.number, kind: .init(rawValue: r.kind) ?? .receipt,
                  subscriptionId: r.subscriptionId.uuidString, contractId: r.contractId?.uuidString, itemId: r.itemId.uuidString,
                  itemKind: .init(rawValue: r.itemKind) ?? .downPayment, unitCode: r.unitCode, amount: r.amount.plain,
                  amountInWords: ChineseAmount.capitals(Money(fen: abs(r.amountFen))), method: .init(rawValue: r.method) ?? .transfer,
                  receivedOn: r.receivedOn, payer: r.payer, reference: r.reference, status: .init(rawValue: r.status) ?? .pending,
                  approvalId: r.approvalId?.uuidString, confirmedBy: r.confirmedByName, confirmedAt: r.confirmedAt,
                  rejectionReason: r.rejectionReason, createdBy: r.createdByName,
                  createdAt: r.createdAt)
    }

    // MARK: 认购

    func listSubscriptions(_ input: Operations.ListSubscriptions.Input) async throws -> Operations.ListSubscriptions.Output {
        let projectID = try Self.uuid(input.query.projectId)
        try await saleProject(projectID, .salesView)
        let page = try await services.sales(database).subscriptions(
            projectID, filter: .init(status: input.query.status.flatMap { SubscriptionStatus(rawValue: $0.rawValue) }, q: input.query.q,
                                     searcher: .init(CustomerAccess(try call.requirePrincipal(), project: projectID), call.auditContext)),
            page: try PageRequest(page: input.query.page, perPage: input.query.perPage))
        return .ok(.init(body: .json(.init(items: page.items.map(Self.subscriptionSchema), page: page.page, perPage: page.perPage, total: page.total))))
    }

    func createSubscription(_ input: Operations.CreateSubscription.Input) async throws -> Operations.CreateSubscription.Output {
        let b = switch input.body { case .json(let json): json }
        let projectID = try Self.uuid(b.projectId, field: "projectId")
        try await saleProject(projectID, .salesCreate)
        let draft = SaleService.SubscriptionDraft(
            unitID: try Self.uuid(b.unitId, field: "unitId"), buyers: try Self.buyers(b.buyers), ruleIDs: try Self.ids(b.ruleIds, field: "ruleIds"),
            special: b.specialRate, discountApprovalID: try b.discountApprovalId.map { try Self.uuid($0, field: "discountApprovalId") },
            method: PaymentMethod(rawValue: b.paymentMethod.rawValue) ?? .full, deposit: try Self.money(b.deposit, field: "deposit"),
            contractDeadline: try Self.day(b.contractDeadline, field: "contractDeadline"), note: b.note ?? "")
        let s = try await services.sales(database).subscribe(draft, in: projectID, principal: try call.requirePrincipal(), context: call.auditContext)
        return .created(.init(body: .json(Self.subscriptionSchema(s))))
    }

    func getSubscription(_ input: Operations.GetSubscription.Input) async throws -> Operations.GetSubscription.Output {
        return .ok(.init(body: .json(Self.subscriptionSchema(try await loadSubscription(input.path.subscriptionId)))))
    }

    func cancelSubscription(_ input: Operations.CancelSubscription.Input) async throws -> Operations.CancelSubscription.Output {
        let b = switch input.body { case .json(let json): json }
        let s = try await loadSubscription(input.path.subscriptionId, .salesCreate)
        let id = try await services.sales(database).requestCancellation(s.id, outcome: .init(rawValue: b.depositOutcome.rawValue) ?? .refund,
                                                                            reason: b.reason, context: call.auditContext)
        return .accepted(.init(body: .json(.init(approvalId: id.uuidString))))
    }

    func changeSubscriptionUnit(_ input: Operations.ChangeSubscriptionUnit.Input) async throws -> Operations.ChangeSubscriptionUnit.Output {
        let b = switch input.body { case .json(let json): json }
        let s = try await loadSubscription(input.path.subscriptionId, .salesCreate)
        let changed = try await services.sales(database).changeUnit(
            s.id, to: try Self.uuid(b.unitId, field: "unitId"), ruleIDs: try Self.ids(b.ruleIds, field: "ruleIds"), special: b.specialRate,
            discountApprovalID: try b.discountApprovalId.map { try Self.uuid($0, field: "discountApprovalId") }, reason: b.reason,
            principal: try call.requirePrincipal(), context: call.auditContext)
        return .ok(.init(body: .json(Self.subscriptionSchema(changed))))
    }

    func changeSubscriptionBuyers(_ input: Operations.ChangeSubscriptionBuyers.Input) async throws -> Operations.ChangeSubscriptionBuyers.Output {
        let b = switch input.body { case .json(let json): json }
        let s = try await loadSubscription(input.path.subscriptionId, .salesCreate)
        let id = try await services.sales(database).requestBuyerChange(s.id, buyers: try Self.buyers(b.buyers), reason: b.reason,
                                                                           principal: try call.requirePrincipal(), context: call.auditContext)
        return .accepted(.init(body: .json(.init(approvalId: id.uuidString))))
    }

    // MARK: 签约

    func listContracts(_ input: Operations.ListContracts.Input) async throws -> Operations.ListContracts.Output {
        let projectID = try Self.uuid(input.query.projectId)
        try await saleProject(projectID, .salesView)
        let page = try await services.sales(database).contracts(
            projectID, filter: .init(status: input.query.status.flatMap { ContractStatus(rawValue: $0.rawValue) }, q: input.query.q),
            page: try PageRequest(page: input.query.page, perPage: input.query.perPage))
        // Each item carries its plan and file; the timeline comes with the one contract.
        return .ok(.init(body: .json(.init(items: page.items.map(Self.contractSchema), page: page.page, perPage: page.perPage, total: page.total))))
    }

    func createContract(_ input: Operations.CreateContract.Input) async throws -> Operations.CreateContract.Output {
        let b = switch input.body { case .json(let json): json }
        let s = try await loadSubscription(b.subscriptionId, .salesCreate)
        var d = SaleService.ContractDraft(subscriptionID: s.id, buyerKind: BuyerKind(rawValue: b.buyerKind.rawValue) ?? .localIndividual,
                                          firstPaymentDue: try Self.day(b.downPaymentDueOn, field: "downPaymentDueOn"),
                                          deliveryDue: try Self.day(b.deliveryDueOn, field: "deliveryDueOn"))
        d.number = b.number
        d.loan = try Self.money(b.loanAmount, field: "loanAmount")
        d.providentLoan = try Self.money(b.providentAmount, field: "providentAmount")
        d.loanDue = try b.loanDueOn.map { try Self.day($0, field: "loanDueOn") }
        d.instalments = try b.instalments.enumerated().map { i, l in
            PaymentPlan.Line(kind: .instalment, amount: try Self.money(l.amount, field: "instalments[\(i)].amount"),
                             due: try Self.day(l.dueOn, field: "instalments[\(i)].dueOn"))
        }
        d.maintenanceFund = try Self.money(b.maintenanceFund, field: "maintenanceFund")
        d.maintenanceFundDue = try b.maintenanceFundDueOn.map { try Self.day($0, field: "maintenanceFundDueOn") }
        d.penaltyRatePer100k = b.penaltyRatePer100k
        d.titleDays = b.titleDays
        d.clauses = b.clauses ?? ""
        let c = try await services.sales(database).createContract(d, context: call.auditContext)
        return .created(.init(body: .json(Self.contractSchema(c))))
    }

    func getContract(_ input: Operations.GetContract.Input) async throws -> Operations.GetContract.Output {
        return .ok(.init(body: .json(Self.contractSchema(try await loadContract(input.path.contractId)))))
    }

    func updateContractDocument(_ input: Operations.UpdateContractDocument.Input) async throws -> Operations.UpdateContractDocument.Output {
        let b = switch input.body { case .json(let json): json }
        let c = try await loadContract(input.path.contractId)
        try mayHandleLoan(c)
        guard let code = DocumentCode(rawValue: input.path.documentCode.rawValue) else { throw Problem.notFound }
        let updated = try await services.sales(database).setDocument(c.id, code: code, received: b.received, note: b.note ?? "",
                                                                     context: call.auditContext)
        return .ok(.init(body: .json(Self.contractSchema(updated))))
    }

    func reviewContract(_ input: Operations.ReviewContract.Input) async throws -> Operations.ReviewContract.Output {
        let b = switch input.body { case .json(let json): json }
        let c = try await loadContract(input.path.contractId, .contractsReview)
        let updated = try await services.sales(database).review(c.id, approve: b.approve, note: b.note ?? "", context: call.auditContext)
        return .ok(.init(body: .json(Self.contractSchema(updated))))
    }

    func signContract(_ input: Operations.SignContract.Input) async throws -> Operations.SignContract.Output {
        let b = switch input.body { case .json(let json): json }
        let c = try await loadContract(input.path.contractId, .salesCreate)
        let updated = try await services.sales(database).sign(c.id, on: try Self.day(b.signedOn, field: "signedOn"), context: call.auditContext)
        return .ok(.init(body: .json(Self.contractSchema(updated))))
    }

    func recordContractRegistration(_ input: Operations.RecordContractRegistration.Input) async throws -> Operations.RecordContractRegistration.Output {
        let b = switch input.body { case .json(let json): json }
        let c = try await loadContract(input.path.contractId)
        try mayHandleLoan(c)
        let updated = try await services.sales(database).recordRegistration(
            c.id, onlineSignNo: b.onlineSignNo, onlineSignOn: try b.onlineSignOn.map { try Self.day($0, field: "onlineSignOn") },
            filingNo: b.filingNo, filingOn: try b.filingOn.map { try Self.day($0, field: "filingOn") }, context: call.auditContext)
        return .ok(.init(body: .json(Self.contractSchema(updated))))
    }

    // MARK: 按揭

    /// The contract's paperwork (documents, 网签/备案, the mortgage, waivers): its consultant, customer service, the managers.
    func mayHandleLoan(_ c: SaleService.Contract) throws {
        let p = try call.requirePrincipal()
        guard p.may(.salesCreate, on: c.projectId) || p.may(.contractsReview, on: c.projectId) else { throw Problem.forbidden }
        try SaleService.checkActor(p, projectID: c.projectId, consultantID: c.consultantId)
    }

    /// Handover, appointments, delivery and title: customer service and the sales manager (DOMAIN §3.8–3.9).
    func mayHandOver(_ c: SaleService.Contract) throws {
        let p = try call.requirePrincipal()
        guard p.may(.contractsReview, on: c.projectId) || p.may(.salesApprove, on: c.projectId) else { throw Problem.forbidden }
    }

    func setMortgage(_ input: Operations.SetMortgage.Input) async throws -> Operations.SetMortgage.Output {
        let b = switch input.body { case .json(let json): json }
        let c = try await loadContract(input.path.contractId)
        try mayHandleLoan(c)
        let updated = try await services.sales(database).setMortgage(c.id, .init(
            bankID: try Self.uuid(b.bankId, field: "bankId"), loanType: LoanType(rawValue: b.loanType.rawValue) ?? .commercial,
            commercial: try Self.money(b.commercialAmount, field: "commercialAmount"),
            provident: try Self.money(b.providentAmount, field: "providentAmount"), termMonths: b.termMonths,
            staffID: try b.staffId.map { try Self.uuid($0, field: "staffId") }), context: call.auditContext)
        return .ok(.init(body: .json(Self.contractSchema(updated))))
    }

    func advanceMortgage(_ input: Operations.AdvanceMortgage.Input) async throws -> Operations.AdvanceMortgage.Output {
        let b = switch input.body { case .json(let json): json }
        let c = try await loadContract(input.path.contractId)
        try mayHandleLoan(c)
        let updated = try await services.sales(database).advanceMortgage(
            c.id, to: MortgageStage(rawValue: b.stage.rawValue) ?? .submitted, on: try Self.day(b.on, field: "on"),
            idempotencyKey: input.headers.idempotencyKey, principal: try call.requirePrincipal(), context: call.auditContext)
        return .ok(.init(body: .json(Self.contractSchema(updated))))
    }

    // MARK: Plan, penalties, handover, delivery, 退房, title

    func requestPlanChange(_ input: Operations.RequestPlanChange.Input) async throws -> Operations.RequestPlanChange.Output {
        let b = switch input.body { case .json(let json): json }
        let c = try await loadContract(input.path.contractId, .salesCreate)
        let lines = try b.items.enumerated().map { i, l in
            SaleService.PlanLine(id: try l.id.map { try Self.uuid($0, field: "items[\(i)].id") }, kind: PlanItemKind(rawValue: l.kind.rawValue) ?? .instalment,
                                 amount: try Self.money(l.amount, field: "items[\(i)].amount"), due: try Self.day(l.dueOn, field: "items[\(i)].dueOn"))
        }
        let id = try await services.sales(database).requestPlanChange(c.id, lines: lines, reason: b.reason, context: call.auditContext)
        return .accepted(.init(body: .json(.init(approvalId: id.uuidString))))
    }

    func requestPenaltyWaiver(_ input: Operations.RequestPenaltyWaiver.Input) async throws -> Operations.RequestPenaltyWaiver.Output {
        let b = switch input.body { case .json(let json): json }
        let c = try await loadContract(input.path.contractId)
        try mayHandleLoan(c)
        let id = try await services.sales(database).requestPenaltyWaiver(c.id, item: try Self.uuid(b.itemId, field: "itemId"),
                                                                            amount: try Self.money(b.amount, field: "amount"), reason: b.reason,
                                                                            context: call.auditContext)
        return .accepted(.init(body: .json(.init(approvalId: id.uuidString))))
    }

    func recordHandover(_ input: Operations.RecordHandover.Input) async throws -> Operations.RecordHandover.Output {
        let b = switch input.body { case .json(let json): json }
        let c = try await loadContract(input.path.contractId)
        try mayHandOver(c)
        guard let area = Area(text: b.registeredArea) else { throw Problem.invalid("registeredArea", "area_invalid") }
        let updated = try await services.sales(database).recordHandover(c.id, registered: area, decision: b.decision?.rawValue, context: call.auditContext)
        return .ok(.init(body: .json(Self.contractSchema(updated))))
    }

    func bookAppointment(_ input: Operations.BookAppointment.Input) async throws -> Operations.BookAppointment.Output {
        let b = switch input.body { case .json(let json): json }
        let c = try await loadContract(input.path.contractId)
        try mayHandOver(c)
        let updated = try await services.sales(database).book(c.id, slot: try Self.uuid(b.slotId, field: "slotId"), context: call.auditContext)
        return .ok(.init(body: .json(Self.contractSchema(updated))))
    }

    func deliverContract(_ input: Operations.DeliverContract.Input) async throws -> Operations.DeliverContract.Output {
        let b = switch input.body { case .json(let json): json }
        let c = try await loadContract(input.path.contractId)
        try mayHandOver(c)
        let updated = try await services.sales(database).deliver(c.id, on: try Self.day(b.deliveredOn, field: "deliveredOn"), note: b.note ?? "",
                                                                 context: call.auditContext)
        return .ok(.init(body: .json(Self.contractSchema(updated))))
    }

    func terminateContract(_ input: Operations.TerminateContract.Input) async throws -> Operations.TerminateContract.Output {
        let b = switch input.body { case .json(let json): json }
        let c = try await loadContract(input.path.contractId, .salesCreate)
        let id = try await services.sales(database).requestTermination(c.id, reason: b.reason, retained: try Self.money(b.retained, field: "retained"),
                                                                       context: call.auditContext)
        return .accepted(.init(body: .json(.init(approvalId: id.uuidString))))
    }

    func advanceTitle(_ input: Operations.AdvanceTitle.Input) async throws -> Operations.AdvanceTitle.Output {
        let b = switch input.body { case .json(let json): json }
        let c = try await loadContract(input.path.contractId)
        try mayHandOver(c)
        let updated = try await services.sales(database).advanceTitle(c.id, to: TitleStage(rawValue: b.stage.rawValue) ?? .documentsGathered,
                                                                      on: try Self.day(b.on, field: "on"), certificateNo: b.certificateNo,
                                                                      context: call.auditContext)
        return .ok(.init(body: .json(Self.contractSchema(updated))))
    }

    // MARK: 回款

    /// The sale a receipt request names: by contract or by subscription (before a contract exists).
    func receiptSale(contractId: String?, subscriptionId: String?) async throws -> SaleService.Subscription {
        if let c = contractId {
            let contract = try await loadContract(c, .salesView)
            return try await loadSubscription(contract.subscriptionId.uuidString, .salesView)
        }
        guard let s = subscriptionId else { throw Problem.invalid("subscriptionId", "required") }
        return try await loadSubscription(s, .salesView)
    }

    func listReceipts(_ input: Operations.ListReceipts.Input) async throws -> Operations.ListReceipts.Output {
        let projectID = try Self.uuid(input.query.projectId)
        try await saleProject(projectID, .salesView)
        var sale: UUID?
        if let c = input.query.contractId {
            // A contract of another project (or none) has no receipts in this one.
            let contractID = try Self.uuid(c, field: "contractId")
            guard let contract = try await ifFound({ try await services.sales(database).contract(contractID) }), contract.projectId == projectID
            else { return .ok(.init(body: .json(.init(items: [], page: input.query.page ?? 1, perPage: input.query.perPage ?? 50, total: 0)))) }
            sale = contract.subscriptionId
        }
        let page = try await services.sales(database).receipts(projectID, status: input.query.status.flatMap { SaleService.ReceiptStatus(rawValue: $0.rawValue) },
                                                               sale: sale, page: try PageRequest(page: input.query.page, perPage: input.query.perPage))
        return .ok(.init(body: .json(.init(items: page.items.map(Self.receiptSchema), page: page.page, perPage: page.perPage, total: page.total))))
    }

    func createReceipt(_ input: Operations.CreateReceipt.Input) async throws -> Operations.CreateReceipt.Output {
        let b = switch input.body { case .json(let json): json }
        let s = try await receiptSale(contractId: b.contractId, subscriptionId: b.subscriptionId)
        let p = try call.requirePrincipal()
        guard p.may(.salesCreate, on: s.projectId) || p.may(.paymentsConfirm, on: s.projectId) else { throw Problem.forbidden }
        try SaleService.checkActor(p, projectID: s.projectId, consultantID: s.consultantId)
        let draft = SaleService.ReceiptDraft(itemID: try Self.uuid(b.itemId, field: "itemId"), amount: try Self.money(b.amount, field: "amount"),
                                             method: .init(rawValue: b.method.rawValue) ?? .transfer,
                                             receivedOn: try Self.day(b.receivedOn, field: "receivedOn"), payer: b.payer, reference: b.reference ?? "")
        let (r, replayed) = try await services.sales(database).postReceipt(draft, sale: s.id, idempotencyKey: input.headers.idempotencyKey,
                                                                            principal: p, context: call.auditContext)
        return .created(.init(headers: .init(idempotentReplayed: replayed ? true : nil), body: .json(Self.receiptSchema(r))))
    }

    func createRefund(_ input: Operations.CreateRefund.Input) async throws -> Operations.CreateRefund.Output {
        let b = switch input.body { case .json(let json): json }
        let s = try await receiptSale(contractId: b.contractId, subscriptionId: b.subscriptionId)
        let p = try call.requirePrincipal()
        guard p.may(.salesCreate, on: s.projectId) || p.may(.paymentsConfirm, on: s.projectId) else { throw Problem.forbidden }
        try SaleService.checkActor(p, projectID: s.projectId, consultantID: s.consultantId)
        let draft = SaleService.ReceiptDraft(itemID: try Self.uuid(b.itemId, field: "itemId"), amount: try Self.money(b.amount, field: "amount"),
                                             method: .init(rawValue: b.method.rawValue) ?? .transfer, receivedOn: CalendarDay(services.now()),
                                             payer: b.payee, reference: "")
        let (r, _) = try await services.sales(database).requestRefund(draft, sale: s.id, reason: b.reason, idempotencyKey: input.headers.idempotencyKey,
                                                                       principal: p, context: call.auditContext)
        return .accepted(.init(body: .json(Self.receiptSchema(r))))
    }

    func confirmReceipt(_ input: Operations.ConfirmReceipt.Input) async throws -> Operations.ConfirmReceipt.Output {
        let sales = services.sales(database)
        let r = try await sales.receipt(try Self.uuid(input.path.receiptId))
        try await saleProject(r.projectId, .paymentsConfirm)
        let confirmed = try await sales.confirm(r.id, principal: try call.requirePrincipal(), context: call.auditContext)
        return .ok(.init(body: .json(Self.receiptSchema(confirmed))))
    }

    /// 批量核实 (see `SaleService.confirmMany`).
    func confirmReceipts(_ input: Operations.ConfirmReceipts.Input) async throws -> Operations.ConfirmReceipts.Output {
        let b = switch input.body { case .json(let json): json }
        let projectID = try Self.uuid(b.projectId, field: "projectId")
        try await saleProject(projectID, .paymentsConfirm)
        let ids = try b.receiptIds.map { try Self.uuid($0, field: "receiptIds") }
        let done = try await services.sales(database).confirmMany(ids, projectID: projectID, principal: try call.requirePrincipal(),
                                                                 context: call.auditContext)
        return .ok(.init(body: .json(.init(
            confirmed: done.confirmed.map(Self.receiptSchema), confirmedTotal: done.confirmedTotal.plain,
            skipped: done.skipped.map { .init(receiptId: $0.id.uuidString, code: .init(rawValue: $0.code) ?? .notFound) }))))
    }

    func rejectReceipt(_ input: Operations.RejectReceipt.Input) async throws -> Operations.RejectReceipt.Output {
        let b = switch input.body { case .json(let json): json }
        let sales = services.sales(database)
        let r = try await sales.receipt(try Self.uuid(input.path.receiptId))
        try await saleProject(r.projectId, .paymentsConfirm)
        let rejected = try await sales.reject(r.id, reason: b.reason, principal: try call.requirePrincipal(), context: call.auditContext)
        return .ok(.init(body: .json(Self.receiptSchema(rejected))))
    }

    // MARK: Banks, delivery batches, work lists, arrears

    func listBanks(_ input: Operations.ListBanks.Input) async throws -> Operations.ListBanks.Output {
        let banks = try await services.sales(database).banks()
        return .ok(.init(body: .json(banks.map { Schemas.Bank(id: $0.id.uuidString, name: $0.name, branch: $0.branch, active: $0.active) })))
    }

    func createBank(_ input: Operations.CreateBank.Input) async throws -> Operations.CreateBank.Output {
        let b = switch input.body { case .json(let json): json }
        let bank = try await services.sales(database).createBank(name: b.name, branch: b.branch ?? "", context: call.auditContext)
        return .created(.init(body: .json(Schemas.Bank(id: bank.id.uuidString, name: bank.name, branch: bank.branch, active: bank.active))))
    }

    func updateBank(_ input: Operations.UpdateBank.Input) async throws -> Operations.UpdateBank.Output {
        let b = switch input.body { case .json(let json): json }
        let bank = try await services.sales(database).updateBank(try Self.uuid(input.path.bankId), name: b.name, branch: b.branch, active: b.active,
                                                                 context: call.auditContext)
        return .ok(.init(body: .json(Schemas.Bank(id: bank.id.uuidString, name: bank.name, branch: bank.branch, active: bank.active))))
    }

    static func batchSchema(_ b: SaleService.Batch) -> Schemas.DeliveryBatch {
        Schemas.DeliveryBatch(id: b.id.uuidString, name: b.name, firstDay: b.firstDay, lastDay: b.lastDay,
                        slots: b.slots.map { Schemas.DeliverySlot(id: $0.id.uuidString, startsAt: $0.startsAt, capacity: $0.capacity, booked: $0.booked) })
    }

    func listDeliveryBatches(_ input: Operations.ListDeliveryBatches.Input) async throws -> Operations.ListDeliveryBatches.Output {
        try await saleProject(try Self.uuid(input.path.projectId), .salesView)
        let batches = try await services.sales(database).batches(try Self.uuid(input.path.projectId))
        return .ok(.init(body: .json(batches.map(Self.batchSchema))))
    }

    func createDeliveryBatch(_ input: Operations.CreateDeliveryBatch.Input) async throws -> Operations.CreateDeliveryBatch.Output {
        try await saleProject(try Self.uuid(input.path.projectId), .salesApprove)
        let b = switch input.body { case .json(let json): json }
        let batch = try await services.sales(database).createBatch(
            try Self.uuid(input.path.projectId), name: b.name, first: try Self.day(b.firstDay, field: "firstDay"),
            last: try Self.day(b.lastDay, field: "lastDay"), times: b.times, capacity: b.capacity, context: call.auditContext)
        return .created(.init(body: .json(Self.batchSchema(batch))))
    }

    func getWorkList(_ input: Operations.GetWorkList.Input) async throws -> Operations.GetWorkList.Output {
        try await saleProject(try Self.uuid(input.path.projectId), .salesView)
        guard let list = SaleService.WorkList(rawValue: input.path.workList.rawValue) else { throw Problem.notFound }
        let page = try await services.sales(database).workList(list, projectID: try Self.uuid(input.path.projectId),
                                                               consultantID: try input.query.consultantId.map { try Self.uuid($0, field: "consultantId") },
                                                               page: try PageRequest(page: input.query.page, perPage: input.query.perPage))
        return .ok(.init(body: .json(.init(items: page.items.map { r in
            Schemas.WorkListRow(subscriptionId: r.subscriptionId.uuidString, contractId: r.contractId?.uuidString, number: r.number, unitCode: r.unitCode,
                          buyers: r.buyers, consultantName: r.consultantName ?? "", stage: r.stage, dueOn: r.dueOn, days: r.days,
                          amount: r.amountFen.map { Money(fen: $0).plain }, penalty: r.penaltyFen.map { Money(fen: $0).plain })
        }, page: page.page, perPage: page.perPage, total: page.total))))
    }

    func exportWorkList(_ input: Operations.ExportWorkList.Input) async throws -> Operations.ExportWorkList.Output {
        guard let list = SaleService.WorkList(rawValue: input.path.workList.rawValue) else { throw Problem.notFound }
        let projectID = try Self.uuid(input.path.projectId)
        let project = try await services.projects(database).find(projectID, for: try call.requirePrincipal())
        let data = try await SaleSheets.workList(list, projectID: projectID,
                                                 consultantID: try input.query.consultantId.map { try Self.uuid($0, field: "consultantId") },
                                                 sales: services.sales(database), t: localizer)
        let name = SaleSheets.fileName(list, projectCode: project.code, day: CalendarDay(services.now()), t: try localizer)
        return .ok(.init(body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(try download(data, as: name))))
    }

    func getArrears(_ input: Operations.GetArrears.Input) async throws -> Operations.GetArrears.Output {
        try await saleProject(try Self.uuid(input.path.projectId), .salesView)
        let (rows, total) = try await services.sales(database).arrears(try Self.uuid(input.path.projectId))
        func row(_ r: SaleService.ArrearsRow) -> Schemas.ArrearsRow {
            Schemas.ArrearsRow(consultantId: r.consultantID?.uuidString, consultantName: r.consultantName, contracts: r.contracts,
                         outstanding: r.outstanding.plain, overdue: r.overdue.plain, overduePending: r.overduePending.plain, penalty: r.penalty.plain)
        }
        return .ok(.init(body: .json(.init(rows: rows.map(row), total: row(total)))))
    }
}
