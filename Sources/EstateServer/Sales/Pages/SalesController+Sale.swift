import EstateCore
import EstateSheets
import Foundation
import Plot
import Vapor

extension SalesController {
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
}
