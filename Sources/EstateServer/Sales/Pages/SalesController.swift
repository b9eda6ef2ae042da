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
        app.on(.GET, "sales", "voucher.css", guard: .signedIn, use: voucherCSS)

        let p = app.grouped("projects", ":projectID")
        p.on(.GET, "sales", guard: .allowed(.salesView), use: register)
        p.on(.GET, "sales", "export.xlsx", guard: .allowed(.salesView), use: exportRegister)
        p.on(.GET, "units", ":unitID", "subscribe", guard: .allowed(.salesCreate), use: subscribeForm)
        p.on(.POST, "units", ":unitID", "subscribe", guard: .allowed(.salesCreate), use: subscribe)
        p.on(.GET, "receipts", guard: .allowed(.salesView), use: receiptsDesk)
        p.on(.POST, "receipts", ":receiptID", "confirm", guard: .allowed(.paymentsConfirm), use: confirmReceipt)
        p.on(.POST, "receipts", ":receiptID", "reject", guard: .allowed(.paymentsConfirm), use: rejectReceipt)
        p.on(.POST, "receipts", "confirm", guard: .allowed(.paymentsConfirm), use: confirmReceipts)
        p.on(.GET, "receipts", "export", guard: .allowed(.salesView), use: exportReceipts)
        p.on(.GET, "receipts", ":receiptID", "print", guard: .allowed(.salesView), use: receiptVoucher)
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
        try await check(req, actions, on: s.projectId, consultant: s.consultantId)
        return s
    }

    static func loadContract(_ req: Request, _ actions: [Action] = [.salesView]) async throws -> SaleService.Contract {
        let c = try await req.services.sales(req.db).contract(try req.pathID("contractID"))
        try await check(req, actions, on: c.projectId, consultant: c.consultantId)
        return c
    }

    /// A sale's or contract's page is the project's (404 elsewhere); acting on it needs one of
    /// `actions`, and a consultant acts only on their own sales unless a reviewer or approver.
    static func check(_ req: Request, _ actions: [Action], on projectID: UUID, consultant: UUID?) async throws {
        try await require(req, [.salesView], on: projectID)
        guard actions != [.salesView] else { return }
        let p = try await require(req, actions, on: projectID)
        if !actions.contains(where: { [.contractsReview, .salesApprove].contains($0) && p.may($0, on: projectID) }) {
            try SaleService.checkActor(p, projectID: projectID, consultantID: consultant)
        }
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
}
