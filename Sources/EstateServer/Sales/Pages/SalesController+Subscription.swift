import EstateCore
import EstateSheets
import Foundation
import Plot
import Vapor

extension SalesController {
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
        var values = ["share1": "100", "method": PaymentMethod.commercialLoan.rawValue,
                      "contractDeadline": today(req).adding(days: 7).description]
        // From a reserved unit the buyer is the customer it is reserved for (the reservation made
        // sure the record exists); a sale to anyone else is refused anyway.
        if let claim = try await req.services.salesControl(req.db).liveClaim(unitID), claim.kind == "reservation" {
            values["mobile1"] = claim.customerMobile
        }
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
}
