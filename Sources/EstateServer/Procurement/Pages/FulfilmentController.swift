import EstateCore
import Foundation
import Vapor

/// 到货验收 and 发票结算: procurement records deliveries and enters invoices against approved orders; engineering
/// inspects deliveries; finance pays matched invoices.
enum FulfilmentController {
    static func register(_ app: Application) {
        let p = app.grouped("procurement", "projects", ":projectID")
        p.on(.GET, "deliveries", guard: .allowed(.projectView), use: DeliveryPages.listPage.respond)
        p.on(.GET, "invoices", guard: .allowed(.projectView), use: InvoicePages.listPage.respond)
        let o = app.grouped("procurement", "orders", ":orderID")
        o.on(.GET, "delivery", guard: .allowed(.procurementHandle), use: DeliveryPages.newPage.respond)
        o.on(.POST, "delivery", guard: .allowed(.procurementHandle), use: recordDelivery)
        o.on(.GET, "invoice", guard: .allowed(.procurementHandle), use: InvoicePages.newPage.respond)
        o.on(.POST, "invoice", guard: .allowed(.procurementHandle), use: enterInvoice)
        let d = app.grouped("procurement", "deliveries", ":deliveryID")
        d.on(.GET, guard: .allowed(.projectView), use: DeliveryPages.showPage.respond)
        d.on(.POST, "inspection", guard: .allowed(.projectView), use: inspect)
        let i = app.grouped("procurement", "invoices", ":invoiceID")
        i.on(.GET, guard: .allowed(.projectView), use: InvoicePages.showPage.respond)
        i.on(.POST, "payment", guard: .allowed(.paymentsConfirm), use: pay)
        i.on(.POST, "resolution", guard: .allowed(.procurementHandle), use: resolve)
        i.on(.GET, "replacement", guard: .allowed(.procurementHandle), use: InvoicePages.replacementPage.respond)
        i.on(.POST, "replacement", guard: .allowed(.procurementHandle), use: replace)
    }

    // MARK: 到货验收

    /// Lines with a quantity are delivered; units are typed as their codes (2-1-0101、2-1-0102), installed with one component.
    @Sendable static func recordDelivery(_ req: Request) async throws -> Response {
        let at = try await OrderAtHand.load(req)
        let order = at.order, p = at.principal, orderLines = at.lines
        var v = req.formFields(["deliveredOn", "batch", "storeId", "store", "units", "component"])
        var lines: [DeliveryService.NewLine] = []
        for l in orderLines {
            let q = req.formField("quantity_\(l.id)")
            v["quantity_\(l.id)"] = q
            if !q.isEmpty { lines.append(.init(orderLineID: l.id, quantity: q)) }
        }
        let ids = lines.map(\.orderLineID)
        return try await ProcurementController.form(req, name: DeliveryPages.recordForm, values: v,
                                                    rename: ProcurementShell.perLine(ids)) {
            let codes = (v["units"] ?? "").split(whereSeparator: { " ,，、;；\n\t".contains($0) }).map(String.init)
            var units: [(UUID, RepairComponent)] = []
            if !codes.isEmpty {
                guard let component = RepairComponent(rawValue: v["component"] ?? "") else { throw Problem.invalid("component", "repair_component_invalid") }
                let byCode = Dictionary(try await req.services.inventory(req.db).allUnits(order.projectId).map { ($0.code, $0.id) },
                                        uniquingKeysWith: { a, _ in a })
                for c in codes {
                    guard let id = byCode[c] else { throw Problem.invalid("units", "unit_not_found") }
                    units.append((id, component))
                }
            }
            let chosen = v["storeId"] ?? ""
            guard chosen.isEmpty || UUID(uuidString: chosen) != nil else { throw Problem.invalid("storeId", "site_store_not_found") }
            let d = try await req.services.deliveries(req.db).record(orderID: order.id, deliveredOn: v["deliveredOn"] ?? "", batch: v["batch"] ?? "",
                                                                     siteStore: v["store"] ?? "", siteStoreID: UUID(uuidString: chosen), lines: lines,
                                                                     units: units, by: p.userID, context: req.auditContext)
            return FormAction.Next.to("/procurement/deliveries/\(d.id)", notice: "pr.delivery_recorded")
        } page: { failure in
            try await DeliveryPages.newPage.draw(req, failure)
        }
    }

    /// Engineering's inspection: every line's accepted and rejected quantities, a reason for a rejection, returned or not.
    @Sendable static func inspect(_ req: Request) async throws -> Response {
        let svc = req.services.deliveries(req.db)
        guard let d = try await ifFound({ try await svc.delivery(try req.pathID("deliveryID")) }) else { throw Problem.notFound }
        let p = try ProcurementShell.check(req, .deliveries, d.projectId)
        guard ProcurementShell.inspects(p, on: d.projectId) else { throw Problem.forbidden }
        let current = try await svc.lines(d.id)
        var v: [String: String] = [:]
        var lines: [DeliveryService.Inspection] = []
        for l in current {
            for k in ["accepted", "rejected", "reason", "returned"] { v["\(k)_\(l.id)"] = req.formField("\(k)_\(l.id)") }
            lines.append(.init(lineID: l.id, accepted: v["accepted_\(l.id)"] ?? "", rejected: v["rejected_\(l.id)"] ?? "",
                               reason: v["reason_\(l.id)"] ?? "", returned: v["returned_\(l.id)"] == "1"))
        }
        let ids = current.map(\.id)
        return try await ProcurementController.form(req, name: DeliveryPages.inspectForm, values: v, rename: ProcurementShell.perLine(ids)) {
            _ = try await svc.inspect(d.id, lines: lines, by: p.userID, context: req.auditContext)
            return FormAction.Next.to("/procurement/deliveries/\(d.id)", notice: "pr.inspected")
        } page: { failure in
            try await DeliveryPages.showPage.draw(req, failure)
        }
    }

    // MARK: 发票结算

    /// Lines with an invoiced quantity are entered; the amount defaults to quantity × price when left blank.
    @Sendable static func enterInvoice(_ req: Request) async throws -> Response {
        let at = try await OrderAtHand.load(req)
        let order = at.order, p = at.principal
        var v = req.formFields(["number", "invoicedOn"])
        let lines = Self.invoiceLines(req, at.lines, into: &v)
        let ids = lines.map(\.orderLineID)
        return try await ProcurementController.form(req, name: InvoicePages.form, values: v, rename: ProcurementShell.perLine(ids)) {
            let inv = try await req.services.invoices(req.db).record(orderID: order.id, number: v["number"] ?? "", invoicedOn: v["invoicedOn"] ?? "",
                                                                     lines: lines, by: p.userID, context: req.auditContext)
            return FormAction.Next.to("/procurement/invoices/\(inv.id)", notice: inv.status == "matched" ? "pr.invoice_matched" : "pr.invoice_mismatch")
        } page: { failure in
            try await InvoicePages.newPage.draw(req, failure)
        }
    }

    /// The mismatch queue: procurement rejects an invoice back to the supplier with the reason; the procurement manager
    /// may instead accept it with the reason (a tolerance override). Anyone else is refused 403 invoice_accept_forbidden.
    @Sendable static func resolve(_ req: Request) async throws -> Response {
        let svc = req.services.invoices(req.db)
        let inv = try await svc.invoice(try req.pathID("invoiceID"))
        let p = try ProcurementShell.check(req, .invoices, inv.projectId)
        guard p.may(.procurementHandle, on: inv.projectId) else { throw Problem.forbidden }
        let v = req.formFields(["reason", "outcome"])
        let accept = v["outcome"] == "accept"
        if accept && !p.may(.procurementApprove, on: inv.projectId) { throw Problem(.forbidden, "invoice_accept_forbidden") }
        return try await ProcurementController.form(req, name: InvoicePages.resolveForm, values: v) {
            if accept {
                _ = try await svc.accept(inv.id, reason: v["reason"] ?? "", by: p.userID, context: req.auditContext)
                return FormAction.Next.to("/procurement/invoices/\(inv.id)", notice: "pr.invoice_accepted")
            }
            _ = try await svc.reject(inv.id, reason: v["reason"] ?? "", by: p.userID, context: req.auditContext)
            return FormAction.Next.to("/procurement/invoices/\(inv.id)", notice: "pr.invoice_rejected")
        } page: { failure in
            try await InvoicePages.showPage.draw(req, failure)
        }
    }

    /// A credit note / corrected invoice replaces the mismatched one; the new one is matched as any invoice is.
    @Sendable static func replace(_ req: Request) async throws -> Response {
        let svc = req.services.invoices(req.db)
        let old = try await svc.invoice(try req.pathID("invoiceID"))
        let at = try await OrderAtHand.load(req, orderID: old.orderId)
        let p = at.principal
        var v = req.formFields(["number", "invoicedOn", "reason"])
        let lines = Self.invoiceLines(req, at.lines, into: &v)
        return try await ProcurementController.form(req, name: InvoicePages.form, values: v, rename: ProcurementShell.perLine(lines.map(\.orderLineID))) {
            let new = try await svc.replace(old.id, number: v["number"] ?? "", invoicedOn: v["invoicedOn"] ?? "", lines: lines, reason: v["reason"] ?? "",
                                            by: p.userID, context: req.auditContext)
            return FormAction.Next.to("/procurement/invoices/\(new.id)", notice: new.status == "matched" ? "pr.invoice_matched" : "pr.invoice_mismatch")
        } page: { failure in
            try await InvoicePages.replacementPage.draw(req, failure)
        }
    }

    /// The invoice form's lines: those with a quantity, price or amount; the amount defaults to quantity × price.
    static func invoiceLines(_ req: Request, _ orderLines: [PurchaseOrderService.Line], into v: inout [String: String]) -> [InvoiceService.NewLine] {
        var lines: [InvoiceService.NewLine] = []
        for l in orderLines {
            let q = req.formField("quantity_\(l.id)"), price = req.formField("unitPrice_\(l.id)"), amount = req.formField("amount_\(l.id)")
            v["quantity_\(l.id)"] = q; v["unitPrice_\(l.id)"] = price; v["amount_\(l.id)"] = amount
            guard !q.isEmpty || !price.isEmpty || !amount.isEmpty else { continue }
            var total = amount
            if total.isEmpty, let milli = PurchaseQuantity.parse(q), let unit = Money(yuanText: price) {
                total = PurchaseQuantity.amount(milli: milli, unitPrice: unit).plain
            }
            lines.append(.init(orderLineID: l.id, quantity: q, unitPrice: price, amount: total))
        }
        return lines
    }

    /// Finance pays what the matched invoice has due (到货款), once.
    @Sendable static func pay(_ req: Request) async throws -> Response {
        let svc = req.services.invoices(req.db)
        let inv = try await svc.invoice(try req.pathID("invoiceID"))
        let p = try ProcurementShell.check(req, .invoices, inv.projectId)
        guard p.may(.paymentsConfirm, on: inv.projectId) else { throw Problem.forbidden }
        let back = "/procurement/invoices/\(inv.id)"
        return try await FormAction.run(req) {
            _ = try await svc.pay(inv.id, by: p.userID, context: req.auditContext)
            return FormAction.Next.to(back, notice: "pr.paid")
        } failed: { problem in
            FormAction.back(req, to: back, problem)
        }
    }
}
