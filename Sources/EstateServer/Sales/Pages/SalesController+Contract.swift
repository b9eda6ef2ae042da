import EstateCore
import EstateSheets
import Foundation
import Plot
import Vapor

extension SalesController {
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
}
