import EstateCore
import EstateSheets
import Foundation
import Plot
import Vapor

/// The sales pages' handlers. Routes under a project have had the action checked on it by the
/// route guard; `/sales/:id` and `/contracts/:id` name no project, so each handler loads the
/// record and checks the user on its project (404 for a project they cannot see, 403 without
/// the action). A refused form is drawn again with its messages; a refused button on a list
/// comes back as a flash.
enum SalesController {
    static func register(_ app: Application) {
        app.on(.GET, "sales", guard: .allowed(.salesView), use: home)
        app.on(.GET, "sales", "print.css", guard: .signedIn, use: printCSS)
        app.on(.GET, "sales", "print.js", guard: .signedIn, use: printJS)

        let p = app.grouped("projects", ":projectID")
        p.on(.GET, "sales", guard: .allowed(.salesView), use: register)
        p.on(.GET, "units", ":unitID", "subscribe", guard: .allowed(.salesCreate), use: subscribeForm)
        p.on(.POST, "units", ":unitID", "subscribe", guard: .allowed(.salesCreate), use: subscribe)
        p.on(.GET, "receipts", guard: .allowed(.salesView), use: receiptsDesk)
        p.on(.POST, "receipts", ":receiptID", "confirm", guard: .allowed(.paymentsConfirm), use: confirmReceipt)
        p.on(.GET, "work-lists", guard: .allowed(.salesView), use: workListHome)
        p.on(.GET, "work-lists", ":list", guard: .allowed(.salesView), use: workList)
        p.on(.GET, "work-lists", ":list", "export", guard: .allowed(.salesView), use: exportWorkList)
        p.on(.GET, "delivery", guard: .allowed(.salesView), use: delivery)
        p.on(.POST, "delivery", guard: .allowed(.salesView), use: createBatch)
        p.on(.GET, "banks", guard: .allowed(.salesView), use: banks)
        p.on(.POST, "banks", guard: .allowed(.salesApprove), use: createBank)
        p.on(.POST, "banks", ":bankID", guard: .allowed(.salesApprove), use: updateBank)

        let s = app.grouped("sales", ":subscriptionID")
        s.on(.GET, guard: .allowed(.salesView), use: sale)
        s.on(.GET, "agreement", guard: .allowed(.salesView), use: agreement)
        s.on(.POST, "cancel", guard: .allowed(.salesCreate), use: cancel)
        s.on(.POST, "change-unit", guard: .allowed(.salesCreate), use: changeUnit)
        s.on(.POST, "change-buyers", guard: .allowed(.salesCreate), use: changeBuyers)
        s.on(.POST, "contract", guard: .allowed(.salesCreate), use: draftContract)
        s.on(.POST, "receipts", guard: .allowed(.salesView), use: postSaleReceipt)

        let c = app.grouped("contracts", ":contractID")
        c.on(.GET, guard: .allowed(.salesView), use: contract)
        c.on(.GET, "print", guard: .allowed(.salesView), use: contractPrint)
        c.on(.POST, "documents", guard: .allowed(.salesView), use: document)
        c.on(.POST, "review", guard: .allowed(.contractsReview), use: review)
        c.on(.POST, "sign", guard: .allowed(.salesCreate), use: sign)
        c.on(.POST, "registration", guard: .allowed(.salesView), use: registration)
        c.on(.POST, "mortgage", guard: .allowed(.salesView), use: mortgage)
        c.on(.POST, "mortgage", "advance", guard: .allowed(.salesView), use: advanceMortgage)
        c.on(.POST, "receipts", guard: .allowed(.salesView), use: postReceipt)
        c.on(.POST, "refunds", guard: .allowed(.salesView), use: refund)
        c.on(.POST, "waivers", guard: .allowed(.salesView), use: waiver)
        c.on(.POST, "plan-change", guard: .allowed(.salesCreate), use: planChange)
        c.on(.POST, "handover", guard: .allowed(.salesView), use: handover)
        c.on(.POST, "appointment", guard: .allowed(.salesView), use: book)
        c.on(.POST, "deliver", guard: .allowed(.salesView), use: deliver)
        c.on(.POST, "terminate", guard: .allowed(.salesCreate), use: terminate)
        c.on(.POST, "title", guard: .allowed(.salesView), use: title)
    }

    // MARK: Helpers

    static func projects(_ req: Request) async throws -> [InventoryShell.ProjectRef] {
        try await ProjectSwitcher.projects(req, any: [.salesView])
    }

    static func refs(_ req: Request, _ projectID: UUID) async throws -> (InventoryShell.ProjectRef, [InventoryShell.ProjectRef]) {
        try await ProjectSwitcher.refs(req, projectID, any: [.salesView])
    }

    static func today(_ req: Request) -> CalendarDay { CalendarDay(req.services.now()) }

    static func access(_ req: Request, _ projectID: UUID) throws -> SaleAccess {
        SaleAccess(principal: try req.requirePrincipal(), projectID: projectID)
    }

    /// The user on a project: 404 when they cannot see it, 403 (audited) when none of `actions` is theirs.
    @discardableResult
    static func require(_ req: Request, _ actions: [Action], on projectID: UUID) async throws -> Principal {
        let p = try req.requirePrincipal()
        if p.canSee(project: projectID), actions.contains(where: { p.may($0, on: projectID) }) { return p }
        return try await req.require(actions[0], on: projectID)
    }

    static let handling: [Action] = [.salesCreate, .contractsReview]
    /// Handover, appointments, delivery, title: customer service and the sales manager.
    static let handingOver: [Action] = [.contractsReview, .salesApprove]

    static func loadSale(_ req: Request, _ actions: [Action] = [.salesView]) async throws -> SaleService.Subscription {
        let s = try await req.services.sales(req.db).subscription(try req.pathID("subscriptionID"))
        try await require(req, [.salesView], on: s.projectId)
        if actions != [.salesView] {
            let p = try await require(req, actions, on: s.projectId)
            if !actions.contains(where: { [.contractsReview, .salesApprove].contains($0) && p.may($0, on: s.projectId) }) {
                try SaleService.checkActor(p, projectID: s.projectId, consultantID: s.consultantId)
            }
        }
        return s
    }

    static func loadContract(_ req: Request, _ actions: [Action] = [.salesView]) async throws -> SaleService.Contract {
        let c = try await req.services.sales(req.db).contract(try req.pathID("contractID"))
        try await require(req, [.salesView], on: c.projectId)
        if actions != [.salesView] {
            let p = try await require(req, actions, on: c.projectId)
            if !actions.contains(where: { [.contractsReview, .salesApprove].contains($0) && p.may($0, on: c.projectId) }) {
                try SaleService.checkActor(p, projectID: c.projectId, consultantID: c.consultantId)
            }
        }
        return c
    }

    static func day(_ text: String?, _ field: String, into bad: inout [Problem.FieldError]) -> CalendarDay? {
        guard let text, !text.isEmpty else { bad.append(.init(field: field, code: "required")); return nil }
        guard let d = CalendarDay(text) else { bad.append(.init(field: field, code: "date_invalid")); return nil }
        return d
    }

    static func optionalDay(_ text: String?, _ field: String, into bad: inout [Problem.FieldError]) -> CalendarDay? {
        guard let text, !text.isEmpty else { return nil }
        return day(text, field, into: &bad)
    }

    static func money(_ text: String?, _ field: String, required: Bool = false, into bad: inout [Problem.FieldError]) -> Money? {
        guard let text, !text.isEmpty else {
            if required { bad.append(.init(field: field, code: "required")) }
            return nil
        }
        guard let m = Money(yuanText: text), m.isWithin(Money.maxTotal) else { bad.append(.init(field: field, code: "money_not_number")); return nil }
        return m
    }

    static func uuid(_ text: String?, _ field: String, required: Bool = true, into bad: inout [Problem.FieldError]) -> UUID? {
        guard let text, !text.isEmpty else {
            if required { bad.append(.init(field: field, code: "required")) }
            return nil
        }
        guard let id = UUID(uuidString: text) else { bad.append(.init(field: field, code: "id_invalid")); return nil }
        return id
    }

    /// "99.5" (percent) → 9950; nil when empty.
    static func special(_ text: String?, into bad: inout [Problem.FieldError]) -> Int? {
        guard let text, !text.isEmpty else { return nil }
        guard let v = DecimalText.fixed(text.replacingOccurrences(of: "%", with: ""), scale: 2), v > 0, v <= 10_000 else {
            bad.append(.init(field: "special", code: "rate_invalid")); return nil
        }
        return Int(v)
    }

    // MARK: Messages

    /// A problem's arguments in the user's language: statuses and stages of the sale, roles.
    static func arguments(_ t: Localizer, _ code: String, _ args: [String: String]) -> [String: String] {
        var out = ProblemMiddleware.localized(args, t.catalog, t.language)
        func map(_ key: String, _ prefix: String) {
            if let v = args[key], t.catalog.has(prefix + v) { out[key] = t(prefix + v) }
        }
        switch code {
        case "subscription_not_active": map("status", "sale.subscription.")
        case "contract_status_conflict", "contract_signed": map("status", "sale.contract.")
        case "receipt_not_pending": map("status", "sale.receipt_status.")
        case "discount_not_approved": map("status", "approval.status.")
        case "mortgage_stage_conflict", "mortgage_submitted": map("stage", "sale.mortgage."); map("move", "sale.mortgage.")
        case "title_stage_conflict": map("stage", "sale.title."); map("move", "sale.title.")
        case "review_not_passed": map("review", "sale.review.")
        case "loan_type_mismatch": map("limit", "sale.loan.")
        default: break
        }
        return out
    }

    static func fieldLabel(_ t: Localizer, _ field: String) -> String? {
        if field.hasPrefix("buyers[") {
            let n = Int(field.dropFirst(7).prefix { $0.isNumber }) ?? 0
            return t("sale.buyer_n", ["n": "\(n + 1)"])
        }
        if field.hasPrefix("documents.") { return t("sale.document.\(field.dropFirst(10))") }
        return t.catalog.has("sale.field.\(field)") ? t("sale.field.\(field)") : nil
    }

    static func failure(_ req: Request, _ p: Problem, form: String, values: [String: String]) -> FormFailure {
        let t = req.localizer
        return FormFailure(t, p, form: form, values: values, label: { fieldLabel(t, $0) }, arguments: { arguments(t, $0, $1) })
    }

    // MARK: Home and register

    @Sendable static func home(_ req: Request) async throws -> Response {
        let projects = try await projects(req)
        if let chosen = (try? req.query.get(String.self, at: "project")).flatMap(UUID.init(uuidString:)), projects.contains(where: { $0.id == chosen }) {
            return req.redirect(to: "/projects/\(chosen)/sales")
        }
        if let first = projects.first, projects.count == 1 { return req.redirect(to: "/projects/\(first.id)/sales") }
        let ctx = PageContext(req), t = ctx.t
        return Shell.response(Shell.page(ctx, title: t("nav.sales"), .group(
            .h1(.text(t("nav.sales"))),
            projects.isEmpty ? .p(.class("muted"), .text(t("inv.no_projects"))) :
            .div(.class("grid"), .group(projects.map { p in
                Node<HTML.BodyContext>.a(.class("card project"), .href("/projects/\(p.id)/sales"), .h2(.text(p.name)), .span(.class("muted"), .text(p.code)))
            })))))
    }

    @Sendable static func register(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, projects) = try await refs(req, projectID)
        var query: [String: String] = [:]
        let status = (try? req.query.get(String.self, at: "status")).flatMap(SubscriptionStatus.init(rawValue:))
        if let status { query["status"] = status.rawValue }
        let q = String(((try? req.query.get(String.self, at: "q")) ?? "").trimmed.prefix(40)).replacingOccurrences(of: "\u{0}", with: "")
        if !q.isEmpty { query["q"] = q }
        let pageNumber = (try? req.query.get(Int.self, at: "page")).map { max(1, min($0, 100_000)) }
        let sales = req.services.sales(req.db)
        let searcher = CustomerService.Searcher(CustomerAccess(try req.requirePrincipal(), project: projectID), req.auditContext)
        let page = try await sales.subscriptions(projectID, filter: .init(status: status, q: q.isEmpty ? nil : q, searcher: searcher),
                                                 page: try PageRequest(page: pageNumber, perPage: 50))
        let contracts = Dictionary(page.items.compactMap { s in s.contractId.map { ($0, s.contractNumber ?? "") } }, uniquingKeysWith: { a, _ in a })
        return Shell.response(SalesRegisterPage.view(PageContext(req), .init(
            project: project, projects: projects, page: page, contracts: contracts, access: try access(req, projectID), status: status,
            q: q, query: query, today: today(req))))
    }

    // MARK: 认购

    static let subscribeKeys = (1...5).flatMap { ["mobile\($0)", "share\($0)"] }
        + ["special", "approvalId", "method", "deposit", "contractDeadline", "note"]

    static func subscribeModel(_ req: Request, _ projectID: UUID, _ unitID: UUID, values: [String: String],
                               chosen: [String]) async throws -> SubscribePage.Model {
        let (project, projects) = try await refs(req, projectID)
        let inv = req.services.inventory(req.db)
        let unit = try await inv.unit(unitID, in: projectID)
        let building = try await inv.buildings(projectID).first { $0.id == unit.buildingID }?.name ?? ""
        let rules = try await req.services.pricing(req.db).rules(projectID, activeOnly: true)
        return SubscribePage.Model(project: project, projects: projects, unit: unit, building: building, rules: rules, values: values,
                                   chosenRules: Set(chosen), quote: nil, failure: nil)
    }

    /// The price with the chosen rules, for the form's side panel; nothing when it cannot be quoted.
    static func quote(_ req: Request, _ projectID: UUID, _ unitID: UUID, rules: [String], special: Int?) async -> PricingService.Quote? {
        guard let p = req.principal else { return nil }
        return try? await req.services.pricing(req.db).quote(unit: unitID, in: projectID, ruleIDs: rules.compactMap(UUID.init(uuidString:)),
                                                             special: special, requesterRoles: p.roles(on: projectID))
    }

    @Sendable static func subscribeForm(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), unitID = try req.pathID("unitID")
        let values = ["share1": "100", "method": PaymentMethod.commercialLoan.rawValue,
                      "contractDeadline": today(req).adding(days: 7).description]
        var m = try await subscribeModel(req, projectID, unitID, values: values, chosen: [])
        m.quote = await quote(req, projectID, unitID, rules: [], special: nil)
        return Shell.response(SubscribePage.view(PageContext(req), m))
    }

    /// The buyer rows of a form: each mobile names a customer of the project (a merged-away record
    /// stands for the one it went into), each share a percentage.
    static func buyerDrafts(_ req: Request, _ projectID: UUID, _ v: [String: String]) async throws -> [SaleService.BuyerDraft] {
        let customers = req.services.customers(req.db)
        var out: [SaleService.BuyerDraft] = []
        var bad: [Problem.FieldError] = []
        for i in 1...5 {
            let mobile = v["mobile\(i)"] ?? "", share = v["share\(i)"] ?? ""
            if mobile.isEmpty { continue }
            let field = "buyers[\(i - 1)]"
            guard let number = MobileNumber.normalized(mobile) else { bad.append(.init(field: field, code: "mobile_invalid")); continue }
            guard let r = try await customers.find(mobile: number, in: projectID, includingMerged: true) else {
                bad.append(.init(field: field, code: "customer_unknown")); continue
            }
            guard let s = BuyerShares.parse(share) else { bad.append(.init(field: field, code: "share_invalid")); continue }
            out.append(.init(customerID: r.mergedInto ?? r.id, share: s))
        }
        if out.isEmpty && bad.isEmpty { bad.append(.init(field: "buyers", code: BuyerShares.Problem.none.rawValue)) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        return out
    }

    @Sendable static func subscribe(_ req: Request) async throws -> Response {
        let projectID = try req.projectID(), unitID = try req.pathID("unitID")
        var v = req.formFields(subscribeKeys)
        let rules = req.formList("rule")
        v["rules"] = rules.joined(separator: ",")
        var bad: [Problem.FieldError] = []
        let special = special(v["special"], into: &bad)
        if req.formField("preview") == "1" {
            var m = try await subscribeModel(req, projectID, unitID, values: v, chosen: rules)
            m.quote = await quote(req, projectID, unitID, rules: rules, special: special)
            if !bad.isEmpty { m.failure = failure(req, Problem.invalid(bad), form: "subscribe", values: v) }
            return Shell.response(SubscribePage.view(PageContext(req), m))
        }
        return try await FormAction.run(req) {
            let approval = uuid(v["approvalId"], "approvalId", required: false, into: &bad)
            let method = PaymentMethod(rawValue: v["method"] ?? "")
            if method == nil { bad.append(.init(field: "method", code: "field_invalid")) }
            let deposit = money(v["deposit"], "deposit", required: true, into: &bad)
            let deadline = day(v["contractDeadline"], "contractDeadline", into: &bad)
            let buyers: [SaleService.BuyerDraft]
            do { buyers = try await buyerDrafts(req, projectID, v) } catch let p as Problem { bad += p.fields; buyers = [] }
            guard bad.isEmpty, let method, let deposit, let deadline else { throw Problem.invalid(bad) }
            let draft = SaleService.SubscriptionDraft(unitID: unitID, buyers: buyers, ruleIDs: rules.compactMap(UUID.init(uuidString:)),
                                                      special: special, discountApprovalID: approval, method: method, deposit: deposit,
                                                      contractDeadline: deadline, note: v["note"] ?? "")
            let s = try await req.services.sales(req.db).subscribe(draft, in: projectID, principal: try req.requirePrincipal(),
                                                                   context: req.auditContext)
            return .to("/sales/\(s.id)", notice: "sale.subscribed_notice")
        } failed: { p in
            var m = try await subscribeModel(req, projectID, unitID, values: v, chosen: rules)
            m.quote = await quote(req, projectID, unitID, rules: rules, special: special)
            m.failure = failure(req, p, form: "subscribe", values: v)
            return Shell.response(SubscribePage.view(PageContext(req), m), status: p.status)
        }
    }

    // MARK: The sale

    static func saleModel(_ req: Request, _ s: SaleService.Subscription) async throws -> SalePage.Model {
        let (project, projects) = try await refs(req, s.projectId)
        let sales = req.services.sales(req.db)
        let a = try access(req, s.projectId)
        let contract: SaleService.Contract?
        if let c = s.contractId { contract = try await sales.contract(c) } else { contract = nil }
        let receipts = try await sales.receipts(s.projectId, status: nil, sale: s.id, page: try PageRequest(page: 1, perPage: 200)).items
        var mobiles: [String: String] = [:]
        for (i, b) in s.buyers.enumerated() where i < 5 {
            if b.ownerId != nil && b.ownerId == a.principal.userID { mobiles["mobile\(i + 1)"] = b.mobile }
            mobiles["share\(i + 1)"] = BuyerShares.text(b.share)
        }
        var m = SalePage.Model(project: project, projects: projects, sale: s, contract: contract, receipts: receipts,
                               rules: try await req.services.pricing(req.db).rules(s.projectId, activeOnly: true), access: a,
                               today: today(req), failure: nil, buyerMobiles: mobiles)
        if contract == nil { m.plan = try await sales.plan(s.id, rate: 0) }
        return m
    }

    @Sendable static func sale(_ req: Request) async throws -> Response {
        let s = try await loadSale(req)
        return Shell.response(SalePage.view(PageContext(req), try await saleModel(req, s)))
    }

    /// Draws the sale page again with a refused form's messages.
    static func saleFailed(_ req: Request, _ s: SaleService.Subscription, _ p: Problem, form: String,
                           values: [String: String]) async throws -> Response {
        var m = try await saleModel(req, try await req.services.sales(req.db).subscription(s.id))
        m.failure = failure(req, p, form: form, values: values)
        return Shell.response(SalePage.view(PageContext(req), m), status: p.status)
    }

    @Sendable static func cancel(_ req: Request) async throws -> Response {
        let s = try await loadSale(req, [.salesCreate])
        let v = req.formFields(["outcome", "reason"])
        return try await FormAction.run(req) {
            guard let outcome = SaleService.DepositOutcome(rawValue: v["outcome"] ?? "") else { throw Problem.invalid("outcome", "field_invalid") }
            _ = try await req.services.sales(req.db).requestCancellation(s.id, outcome: outcome, reason: v["reason"] ?? "", context: req.auditContext)
            return .to("/sales/\(s.id)", notice: "sale.cancel_requested_notice")
        } failed: { p in
            return try await saleFailed(req, s, p, form: "cancel", values: v)
        }
    }

    @Sendable static func changeUnit(_ req: Request) async throws -> Response {
        let s = try await loadSale(req, [.salesCreate])
        var v = req.formFields(["unitCode", "special", "approvalId", "reason"])
        let rules = req.formList("rule")
        v["rules"] = rules.joined(separator: ",")
        return try await FormAction.run(req) {
            var bad: [Problem.FieldError] = []
            let special = special(v["special"], into: &bad)
            let approval = uuid(v["approvalId"], "approvalId", required: false, into: &bad)
            let code = (v["unitCode"] ?? "").uppercased()
            var target: UUID?
            if code.isEmpty { bad.append(.init(field: "unitCode", code: "required")) } else {
                var f = UnitFilter()
                f.code = code
                target = try await req.services.inventory(req.db).allUnits(s.projectId, filter: f).first { $0.code.uppercased() == code }?.id
                if target == nil { bad.append(.init(field: "unitCode", code: "unit_unknown")) }
            }
            guard bad.isEmpty, let target else { throw Problem.invalid(bad) }
            _ = try await req.services.sales(req.db).changeUnit(s.id, to: target, ruleIDs: rules.compactMap(UUID.init(uuidString:)), special: special,
                                                                discountApprovalID: approval, reason: v["reason"] ?? "",
                                                                principal: try req.requirePrincipal(), context: req.auditContext)
            return .to("/sales/\(s.id)", notice: "sale.unit_changed_notice")
        } failed: { p in
            return try await saleFailed(req, s, p, form: "unit", values: v)
        }
    }

    @Sendable static func changeBuyers(_ req: Request) async throws -> Response {
        let s = try await loadSale(req, [.salesCreate])
        let v = req.formFields((1...5).flatMap { ["mobile\($0)", "share\($0)"] } + ["reason"])
        return try await FormAction.run(req) {
            let buyers = try await buyerDrafts(req, s.projectId, v)
            _ = try await req.services.sales(req.db).requestBuyerChange(s.id, buyers: buyers, reason: v["reason"] ?? "",
                                                                        principal: try req.requirePrincipal(), context: req.auditContext)
            return .to("/sales/\(s.id)", notice: "sale.buyers_change_requested_notice")
        } failed: { p in
            return try await saleFailed(req, s, p, form: "buyers", values: v)
        }
    }

    static let contractKeys = ["number", "buyerKind", "firstPaymentDue", "loan", "providentLoan", "loanDue", "maintenanceFund",
                               "maintenanceFundDue", "penaltyRate", "deliveryDue", "titleDays", "clauses"]
        + (1...4).flatMap { ["instalment\($0)", "instalmentDue\($0)"] }

    @Sendable static func draftContract(_ req: Request) async throws -> Response {
        let s = try await loadSale(req, [.salesCreate])
        var v = req.formFields(contractKeys)
        v["clauses"] = (try? req.content.get(String.self, at: "clauses")) ?? ""
        return try await FormAction.run(req) {
            var bad: [Problem.FieldError] = []
            let kind = BuyerKind(rawValue: v["buyerKind"] ?? "")
            if kind == nil { bad.append(.init(field: "buyerKind", code: "field_invalid")) }
            let first = day(v["firstPaymentDue"], "downPaymentDueOn", into: &bad)
            let delivery = day(v["deliveryDue"], "deliveryDueOn", into: &bad)
            let loan = money(v["loan"], "loanAmount", into: &bad)
            let provident = money(v["providentLoan"], "providentAmount", into: &bad)
            let loanDue = optionalDay(v["loanDue"], "loanDueOn", into: &bad)
            let fund = money(v["maintenanceFund"], "maintenanceFund", into: &bad)
            let fundDue = optionalDay(v["maintenanceFundDue"], "maintenanceFundDue", into: &bad)
            let rate = Int(v["penaltyRate"] ?? "")
            if rate == nil { bad.append(.init(field: "penaltyRatePer100k", code: "rate_invalid")) }
            let titleDays = Int(v["titleDays"] ?? "")
            if titleDays == nil { bad.append(.init(field: "titleDays", code: "title_days_invalid")) }
            var instalments: [PaymentPlan.Line] = []
            for i in 1...4 {
                let amount = v["instalment\(i)"] ?? "", due = v["instalmentDue\(i)"] ?? ""
                if amount.isEmpty && due.isEmpty { continue }
                let a = money(amount, "instalments", required: true, into: &bad), d = day(due, "instalments", into: &bad)
                if let a, let d { instalments.append(.init(kind: .instalment, amount: a, due: d)) }
            }
            let number = v["number"] ?? ""
            guard bad.isEmpty, let kind, let first, let delivery, let rate, let titleDays else { throw Problem.invalid(bad) }
            var d = SaleService.ContractDraft(subscriptionID: s.id, buyerKind: kind, firstPaymentDue: first, deliveryDue: delivery)
            d.number = number.isEmpty ? nil : number
            d.loan = loan ?? .zero
            d.providentLoan = provident ?? .zero
            d.loanDue = loanDue
            d.instalments = instalments
            d.maintenanceFund = fund ?? .zero
            d.maintenanceFundDue = fundDue
            d.penaltyRatePer100k = rate
            d.titleDays = titleDays
            d.clauses = v["clauses"] ?? ""
            let c = try await req.services.sales(req.db).createContract(d, context: req.auditContext)
            return .to("/contracts/\(c.id)", notice: "sale.contract_drafted_notice")
        } failed: { p in
            return try await saleFailed(req, s, p, form: "contract", values: v)
        }
    }

    // MARK: The contract

    static func contractModel(_ req: Request, _ c: SaleService.Contract) async throws -> ContractPage.Model {
        let (project, projects) = try await refs(req, c.projectId)
        let sales = req.services.sales(req.db)
        return ContractPage.Model(
            project: project, projects: projects, contract: c, sale: try await sales.subscription(c.subscriptionId),
            receipts: try await sales.receipts(c.projectId, status: nil, sale: c.subscriptionId, page: try PageRequest(page: 1, perPage: 200)).items,
            banks: try await sales.banks(), batches: try await sales.batches(c.projectId), access: try access(req, c.projectId),
            today: today(req), now: req.services.now(), failure: nil)
    }

    @Sendable static func contract(_ req: Request) async throws -> Response {
        let c = try await loadContract(req)
        return Shell.response(ContractPage.view(PageContext(req), try await contractModel(req, c)))
    }

    static func contractFailed(_ req: Request, _ c: SaleService.Contract, _ p: Problem, form: String,
                               values: [String: String]) async throws -> Response {
        var m = try await contractModel(req, try await req.services.sales(req.db).contract(c.id))
        m.failure = failure(req, p, form: form, values: values)
        return Shell.response(ContractPage.view(PageContext(req), m), status: p.status)
    }

    /// One contract action: load, check, run; back to the page with a notice, or the page again with the problem.
    static func contractAction(_ req: Request, _ actions: [Action], form: String, keys: [String], notice: String = "notice.saved",
                               _ run: (SaleService.Contract, [String: String], SaleService) async throws -> String?) async throws -> Response {
        let c = try await loadContract(req, actions)
        let v = req.formFields(keys)
        return try await FormAction.run(req) {
            let target = try await run(c, v, req.services.sales(req.db))
            return .to(target ?? "/contracts/\(c.id)", notice: notice)
        } failed: { p in
            return try await contractFailed(req, c, p, form: form, values: v)
        }
    }

    @Sendable static func document(_ req: Request) async throws -> Response {
        try await contractAction(req, handling, form: "documents", keys: ["code", "received"]) { c, v, sales in
            guard let code = DocumentCode(rawValue: v["code"] ?? "") else { throw Problem.invalid("code", "field_invalid") }
            _ = try await sales.setDocument(c.id, code: code, received: v["received"] == "true", note: "", context: req.auditContext)
            return nil
        }
    }

    @Sendable static func review(_ req: Request) async throws -> Response {
        let approve = req.formField("decision") == "approve"
        return try await contractAction(req, [.contractsReview], form: "review", keys: ["decision", "note"],
                                        notice: approve ? "sale.review_approved_notice" : "sale.review_refused_notice") { c, v, sales in
            _ = try await sales.review(c.id, approve: approve, note: v["note"] ?? "", context: req.auditContext)
            return nil
        }
    }

    @Sendable static func sign(_ req: Request) async throws -> Response {
        try await contractAction(req, [.salesCreate], form: "sign", keys: ["signedOn"], notice: "sale.signed_notice") { c, v, sales in
            var bad: [Problem.FieldError] = []
            guard let d = day(v["signedOn"], "signedOn", into: &bad) else { throw Problem.invalid(bad) }
            _ = try await sales.sign(c.id, on: d, context: req.auditContext)
            return nil
        }
    }

    @Sendable static func registration(_ req: Request) async throws -> Response {
        try await contractAction(req, handling, form: "registration", keys: ["onlineSignNo", "onlineSignOn", "filingNo", "filingOn"]) { c, v, sales in
            var bad: [Problem.FieldError] = []
            let signOn = optionalDay(v["onlineSignOn"], "onlineSignOn", into: &bad)
            let filingOn = optionalDay(v["filingOn"], "filingOn", into: &bad)
            guard bad.isEmpty else { throw Problem.invalid(bad) }
            func text(_ k: String) -> String? { (v[k] ?? "").isEmpty ? nil : v[k] }
            _ = try await sales.recordRegistration(c.id, onlineSignNo: text("onlineSignNo"), onlineSignOn: signOn, filingNo: text("filingNo"),
                                                   filingOn: filingOn, context: req.auditContext)
            return nil
        }
    }

    @Sendable static func mortgage(_ req: Request) async throws -> Response {
        try await contractAction(req, handling, form: "mortgage", keys: ["bankId", "loanType", "commercial", "provident", "termMonths"]) { c, v, sales in
            var bad: [Problem.FieldError] = []
            let bank = uuid(v["bankId"], "bankId", into: &bad)
            let type = LoanType(rawValue: v["loanType"] ?? "")
            if type == nil { bad.append(.init(field: "loanType", code: "field_invalid")) }
            let commercial = money(v["commercial"], "commercialAmount", into: &bad) ?? .zero
            let provident = money(v["provident"], "providentAmount", into: &bad) ?? .zero
            let term = Int(v["termMonths"] ?? "")
            if term == nil { bad.append(.init(field: "termMonths", code: "term_invalid")) }
            guard bad.isEmpty, let bank, let type, let term else { throw Problem.invalid(bad) }
            _ = try await sales.setMortgage(c.id, .init(bankID: bank, loanType: type, commercial: commercial, provident: provident, termMonths: term),
                                            context: req.auditContext)
            return nil
        }
    }

    @Sendable static func advanceMortgage(_ req: Request) async throws -> Response {
        let principal = try req.requirePrincipal()
        return try await contractAction(req, handling, form: "advance", keys: ["stage", "on", "idempotencyKey"]) { c, v, sales in
            var bad: [Problem.FieldError] = []
            let on = day(v["on"], "on", into: &bad)
            guard let stage = MortgageStage(rawValue: v["stage"] ?? "") else { throw Problem.invalid("stage", "field_invalid") }
            guard bad.isEmpty, let on else { throw Problem.invalid(bad) }
            _ = try await sales.advanceMortgage(c.id, to: stage, on: on, idempotencyKey: v["idempotencyKey"] ?? "", principal: principal,
                                                context: req.auditContext)
            return nil
        }
    }

    static let receiptKeys = ["itemId", "amount", "method", "receivedOn", "payer", "reference", "idempotencyKey"]

    /// A receipt against the sale's plan before a contract exists (the deposit).
    @Sendable static func postSaleReceipt(_ req: Request) async throws -> Response {
        let s = try await loadSale(req, [.salesCreate, .paymentsConfirm])
        let v = req.formFields(receiptKeys)
        return try await FormAction.run(req) {
            let replayed = try await receipt(req, sale: s.id, v)
            return .to("/sales/\(s.id)", notice: replayed ? "sale.receipt_replayed_notice" : "sale.receipt_recorded_notice")
        } failed: { p in
            return try await saleFailed(req, s, p, form: "receipt", values: v)
        }
    }

    @Sendable static func postReceipt(_ req: Request) async throws -> Response {
        let c = try await loadContract(req, [.salesCreate, .paymentsConfirm])
        let v = req.formFields(receiptKeys)
        return try await FormAction.run(req) {
            let replayed = try await receipt(req, sale: c.subscriptionId, v)
            return .to("/contracts/\(c.id)", notice: replayed ? "sale.receipt_replayed_notice" : "sale.receipt_recorded_notice")
        } failed: { p in
            return try await contractFailed(req, c, p, form: "receipt", values: v)
        }
    }

    /// Records a receipt from a form; true when the key was seen before (nothing recorded again).
    static func receipt(_ req: Request, sale: UUID, _ v: [String: String]) async throws -> Bool {
        var bad: [Problem.FieldError] = []
        let item = uuid(v["itemId"], "itemId", into: &bad)
        let amount = money(v["amount"], "amount", required: true, into: &bad)
        let method = SaleService.ReceiptMethod(rawValue: v["method"] ?? "")
        if method == nil { bad.append(.init(field: "method", code: "field_invalid")) }
        let on = day(v["receivedOn"], "receivedOn", into: &bad)
        if (v["payer"] ?? "").isEmpty { bad.append(.init(field: "payer", code: "required")) }
        guard bad.isEmpty, let item, let amount, let method, let on else { throw Problem.invalid(bad) }
        return try await req.services.sales(req.db).postReceipt(
            .init(itemID: item, amount: amount, method: method, receivedOn: on, payer: v["payer"] ?? "", reference: v["reference"] ?? ""),
            sale: sale, idempotencyKey: v["idempotencyKey"] ?? "", principal: try req.requirePrincipal(), context: req.auditContext).replayed
    }

    @Sendable static func refund(_ req: Request) async throws -> Response {
        let principal = try req.requirePrincipal()
        return try await contractAction(req, handling, form: "refund", keys: ["itemId", "amount", "method", "payee", "reason", "idempotencyKey"],
                                        notice: "approvals.filed") { c, v, sales in
            var bad: [Problem.FieldError] = []
            let item = uuid(v["itemId"], "itemId", into: &bad)
            let amount = money(v["amount"], "amount", required: true, into: &bad)
            let method = SaleService.ReceiptMethod(rawValue: v["method"] ?? "")
            if method == nil { bad.append(.init(field: "method", code: "field_invalid")) }
            if (v["payee"] ?? "").isEmpty { bad.append(.init(field: "payee", code: "required")) }
            guard bad.isEmpty, let item, let amount, let method else { throw Problem.invalid(bad) }
            let today = today(req)
            _ = try await sales.requestRefund(.init(itemID: item, amount: amount, method: method, receivedOn: today, payer: v["payee"] ?? ""),
                                              sale: c.subscriptionId, reason: v["reason"] ?? "", idempotencyKey: v["idempotencyKey"] ?? "",
                                              principal: principal, context: req.auditContext)
            return nil
        }
    }

    @Sendable static func waiver(_ req: Request) async throws -> Response {
        try await contractAction(req, handling, form: "waiver", keys: ["itemId", "amount", "reason"], notice: "approvals.filed") { c, v, sales in
            var bad: [Problem.FieldError] = []
            let item = uuid(v["itemId"], "itemId", into: &bad)
            let amount = money(v["amount"], "amount", required: true, into: &bad)
            guard bad.isEmpty, let item, let amount else { throw Problem.invalid(bad) }
            _ = try await sales.requestPenaltyWaiver(c.id, item: item, amount: amount, reason: v["reason"] ?? "", context: req.auditContext)
            return nil
        }
    }

    @Sendable static func planChange(_ req: Request) async throws -> Response {
        let c0 = try await loadContract(req, [.salesCreate])
        var keys = ["newKind", "newAmount", "newDue", "reason"]
        for i in c0.plan where i.isLive { keys += ["amount_\(i.id)", "due_\(i.id)"] }
        return try await contractAction(req, [.salesCreate], form: "plan", keys: keys, notice: "approvals.filed") { c, v, sales in
            var bad: [Problem.FieldError] = []
            var lines: [SaleService.PlanLine] = []
            for i in c.plan where i.isLive {
                let amount = money(v["amount_\(i.id)"], "amount_\(i.id)", required: true, into: &bad)
                let due = day(v["due_\(i.id)"], "due_\(i.id)", into: &bad)
                if let amount, let due, amount.fen != 0 || i.kind == .areaDifference { lines.append(.init(id: i.id, kind: i.kind, amount: amount, due: due)) }
            }
            if let text = v["newAmount"], !text.isEmpty {
                let amount = money(text, "newAmount", required: true, into: &bad)
                let due = day(v["newDue"], "newDue", into: &bad)
                let kind = PlanItemKind(rawValue: v["newKind"] ?? "") ?? .instalment
                if let amount, let due { lines.append(.init(id: nil, kind: kind, amount: amount, due: due)) }
            }
            guard bad.isEmpty else { throw Problem.invalid(bad) }
            _ = try await sales.requestPlanChange(c.id, lines: lines, reason: v["reason"] ?? "", context: req.auditContext)
            return nil
        }
    }

    @Sendable static func handover(_ req: Request) async throws -> Response {
        try await contractAction(req, handingOver, form: "handover", keys: ["registeredArea", "decision"]) { c, v, sales in
            guard let area = Area(text: v["registeredArea"] ?? "") else { throw Problem.invalid("registeredArea", "area_invalid") }
            let decision = (v["decision"] ?? "").isEmpty ? nil : v["decision"]
            _ = try await sales.recordHandover(c.id, registered: area, decision: decision, context: req.auditContext)
            return nil
        }
    }

    @Sendable static func book(_ req: Request) async throws -> Response {
        try await contractAction(req, handingOver, form: "book", keys: ["slotId"]) { c, v, sales in
            var bad: [Problem.FieldError] = []
            guard let slot = uuid(v["slotId"], "slotId", into: &bad) else { throw Problem.invalid(bad) }
            _ = try await sales.book(c.id, slot: slot, context: req.auditContext)
            return nil
        }
    }

    @Sendable static func deliver(_ req: Request) async throws -> Response {
        try await contractAction(req, handingOver, form: "deliver", keys: ["deliveredOn", "note"], notice: "sale.delivered_notice") { c, v, sales in
            var bad: [Problem.FieldError] = []
            guard let d = day(v["deliveredOn"], "deliveredOn", into: &bad) else { throw Problem.invalid(bad) }
            _ = try await sales.deliver(c.id, on: d, note: v["note"] ?? "", context: req.auditContext)
            return nil
        }
    }

    @Sendable static func terminate(_ req: Request) async throws -> Response {
        try await contractAction(req, [.salesCreate], form: "terminate", keys: ["reason", "retained"], notice: "approvals.filed") { c, v, sales in
            var bad: [Problem.FieldError] = []
            let retained = money(v["retained"], "retained", into: &bad) ?? .zero
            guard bad.isEmpty else { throw Problem.invalid(bad) }
            _ = try await sales.requestTermination(c.id, reason: v["reason"] ?? "", retained: retained, context: req.auditContext)
            return nil
        }
    }

    @Sendable static func title(_ req: Request) async throws -> Response {
        try await contractAction(req, handingOver, form: "title", keys: ["stage", "on", "certificateNo"]) { c, v, sales in
            var bad: [Problem.FieldError] = []
            let on = day(v["on"], "on", into: &bad)
            guard let stage = TitleStage(rawValue: v["stage"] ?? "") else { throw Problem.invalid("stage", "field_invalid") }
            guard bad.isEmpty, let on else { throw Problem.invalid(bad) }
            let cert = v["certificateNo"] ?? ""
            _ = try await sales.advanceTitle(c.id, to: stage, on: on, certificateNo: cert.isEmpty ? nil : cert, context: req.auditContext)
            return nil
        }
    }

    // MARK: Printables

    static func unitAndBuilding(_ req: Request, _ unitID: UUID, _ projectID: UUID) async throws -> (UnitRow, String) {
        let inv = req.services.inventory(req.db)
        let unit = try await inv.unit(unitID, in: projectID)
        return (unit, try await inv.buildings(projectID).first { $0.id == unit.buildingID }?.name ?? "")
    }

    @Sendable static func agreement(_ req: Request) async throws -> Response {
        let s = try await loadSale(req)
        let (project, _) = try await refs(req, s.projectId)
        let (unit, building) = try await unitAndBuilding(req, s.unitId, s.projectId)
        let a = try access(req, s.projectId)
        return Shell.response(SalePrint.agreement(PageContext(req), project: project, sale: s, unit: unit, building: building,
                                                  names: s.buyers.map { a.name($0, consultant: s.consultantId) }))
    }

    @Sendable static func contractPrint(_ req: Request) async throws -> Response {
        let c = try await loadContract(req)
        let (project, _) = try await refs(req, c.projectId)
        let (unit, building) = try await unitAndBuilding(req, c.unitId, c.projectId)
        let s = try await req.services.sales(req.db).subscription(c.subscriptionId)
        let a = try access(req, c.projectId)
        return Shell.response(SalePrint.contract(PageContext(req), project: project, contract: c, unit: unit, building: building,
                                                 names: c.buyers.map { a.name($0, consultant: s.consultantId) }))
    }

    @Sendable static func printCSS(_ req: Request) async throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .css
        return Response(status: .ok, headers: headers, body: .init(string: SalePrint.css))
    }

    @Sendable static func printJS(_ req: Request) async throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "application", subType: "javascript")
        return Response(status: .ok, headers: headers, body: .init(string: SalePrint.js))
    }

    // MARK: 收款核实

    @Sendable static func receiptsDesk(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, projects) = try await refs(req, projectID)
        let raw = (try? req.query.get(String.self, at: "status")) ?? "pending"
        let status = raw == "all" ? nil : SaleService.ReceiptStatus(rawValue: raw) ?? .pending
        let pageNumber = (try? req.query.get(Int.self, at: "page")).map { max(1, min($0, 100_000)) }
        let page = try await req.services.sales(req.db).receipts(projectID, status: status, sale: nil, page: try PageRequest(page: pageNumber, perPage: 50))
        return Shell.response(ReceiptsDeskPage.view(PageContext(req), .init(
            project: project, projects: projects, page: page, status: status, access: try access(req, projectID),
            query: ["status": status?.rawValue ?? "all"])))
    }

    @Sendable static func confirmReceipt(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let back = SaleService.ReceiptStatus(rawValue: req.formField("back"))?.rawValue ?? "all"
        let path = "/projects/\(projectID)/receipts?status=\(back)"
        let sales = req.services.sales(req.db)
        let r = try await sales.receipt(try req.pathID("receiptID"))
        guard r.projectId == projectID else { throw Problem.notFound }
        return try await FormAction.run(req) {
            _ = try await sales.confirm(r.id, principal: try req.requirePrincipal(), context: req.auditContext)
            return .to(path, notice: "sale.confirmed_notice")
        } failed: { p in
            return FormAction.redirect(req, to: path, error: p)
        }
    }

    // MARK: 工作清单

    @Sendable static func workListHome(_ req: Request) async throws -> Response {
        req.redirect(to: "/projects/\(try req.projectID())/work-lists/\(SaleService.WorkList.subscriptionsOverdue.rawValue)")
    }

    static func workListParameter(_ req: Request) throws -> SaleService.WorkList {
        guard let list = req.parameters.get("list").flatMap(SaleService.WorkList.init(rawValue:)) else { throw Problem.notFound }
        return list
    }

    @Sendable static func workList(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let list = try workListParameter(req)
        let (project, projects) = try await refs(req, projectID)
        let sales = req.services.sales(req.db)
        let pageNumber = (try? req.query.get(Int.self, at: "page")).map { max(1, min($0, 100_000)) }
        let page = try await sales.workList(list, projectID: projectID, page: try PageRequest(page: pageNumber, perPage: 50))
        let arrears = list == .paymentsOverdue ? try await sales.arrears(projectID) : nil
        return Shell.response(WorkListsPage.view(PageContext(req), .init(project: project, projects: projects, list: list, page: page,
                                                                        arrears: arrears, today: today(req))))
    }

    @Sendable static func exportWorkList(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let list = try workListParameter(req)
        let (project, _) = try await refs(req, projectID)
        let consultant = (try? req.query.get(String.self, at: "consultantId")).flatMap(UUID.init(uuidString:))
        let data = try await SaleSheets.workList(list, projectID: projectID, consultantID: consultant, sales: req.services.sales(req.db),
                                                 t: req.localizer)
        return Response.workbook(data, name: SaleSheets.fileName(list, projectCode: project.code, day: today(req), t: req.localizer))
    }

    // MARK: 交付批次

    static func deliveryModel(_ req: Request, _ projectID: UUID) async throws -> DeliveryPage.Model {
        let (project, projects) = try await refs(req, projectID)
        return DeliveryPage.Model(project: project, projects: projects, batches: try await req.services.sales(req.db).batches(projectID),
                                  access: try access(req, projectID), today: today(req), failure: nil)
    }

    @Sendable static func delivery(_ req: Request) async throws -> Response {
        Shell.response(DeliveryPage.view(PageContext(req), try await deliveryModel(req, try req.projectID())))
    }

    @Sendable static func createBatch(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        try await require(req, [.salesApprove, .contractsReview], on: projectID)
        let v = req.formFields(["name", "firstDay", "lastDay", "times", "capacity"])
        return try await FormAction.run(req) {
            var bad: [Problem.FieldError] = []
            let first = day(v["firstDay"], "firstDay", into: &bad), last = day(v["lastDay"], "lastDay", into: &bad)
            let times = (v["times"] ?? "").split(whereSeparator: { ",，、; ".contains($0) }).map(String.init)
            let capacity = Int(v["capacity"] ?? "")
            if capacity == nil { bad.append(.init(field: "capacity", code: "capacity_invalid")) }
            guard bad.isEmpty, let first, let last, let capacity else { throw Problem.invalid(bad) }
            _ = try await req.services.sales(req.db).createBatch(projectID, name: v["name"] ?? "", first: first, last: last, times: times,
                                                                 capacity: capacity, context: req.auditContext)
            return .to("/projects/\(projectID)/delivery", notice: "sale.batch_created_notice")
        } failed: { p in
            var m = try await deliveryModel(req, projectID)
            m.failure = failure(req, p, form: "batch", values: v)
            return Shell.response(DeliveryPage.view(PageContext(req), m), status: p.status)
        }
    }
}
