import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/deliveries`, `/api/v1/invoices` and `/api/v1/tenders` (+ `/bids`, `/opening`, `/award`): after the order,
/// and the tenders before it.
extension APIHandler {
    /// A record of a project `p` handles procurement on, else 404.
    func procurementRecord(_ projectID: UUID, _ action: Action = .procurementHandle) throws -> Principal {
        let p = try call.requirePrincipal()
        guard p.canSee(project: projectID), p.may(action, on: projectID) else { throw Problem.notFound }
        return p
    }

    func deliverySchema(_ d: DeliveryService.Delivery) async throws -> Schemas.Delivery {
        let svc = services.deliveries(database)
        let lines = try await svc.lines(d.id), units = try await svc.installed(d.id)
        var out = Schemas.Delivery(
            id: d.id.uuidString, projectId: d.projectId.uuidString, orderId: d.orderId.uuidString, supplierId: d.supplierId.uuidString,
            number: d.number, batch: d.batch, deliveredOn: d.deliveredOn, store: d.store, status: d.status == "inspected" ? .inspected : .received,
            lines: lines.map { l in
                .init(id: l.id.uuidString, orderLineId: l.orderLineId.uuidString, delivered: PurchaseQuantity.format(l.deliveredMilli),
                      accepted: PurchaseQuantity.format(l.acceptedMilli), rejected: PurchaseQuantity.format(l.rejectedMilli),
                      returned: PurchaseQuantity.format(l.returnedMilli), reason: l.reason, onTime: l.onTime)
            },
            units: units.map { .init(unitId: $0.unitId.uuidString, component: Schemas.RepairComponent(rawValue: $0.component) ?? .other) })
        out.inspectedAt = d.inspectedAt
        out.storeId = d.storeId?.uuidString
        return out
    }

    func listDeliveries(_ input: Operations.ListDeliveries.Input) async throws -> Operations.ListDeliveries.Output {
        let project = try await procurementProject(input.query.projectId)
        let order = try input.query.orderId.map { try Self.uuid($0, field: "orderId") }
        var items: [Schemas.Delivery] = []
        for d in try await services.deliveries(database).deliveries(projectID: project, orderID: order) { items.append(try await deliverySchema(d)) }
        return .ok(.init(body: .json(.init(items: items))))
    }

    func createDelivery(_ input: Operations.CreateDelivery.Input) async throws -> Operations.CreateDelivery.Output {
        let b = switch input.body { case .json(let json): json }
        let orderID = try Self.uuid(b.orderId, field: "orderId")
        guard let order = try await ifFound({ try await services.purchaseOrders(database).order(orderID) }) else { throw Problem.invalid("orderId", "purchase_order_not_found") }
        let p = try procurementRecord(order.projectId)
        var units: [(UUID, RepairComponent)] = []
        for (i, u) in (b.units ?? []).enumerated() {
            units.append((try Self.uuid(u.unitId, field: "units[\(i)].unitId"), RepairComponent(rawValue: u.component.rawValue) ?? .other))
        }
        var lines: [DeliveryService.NewLine] = []
        for (i, l) in b.lines.enumerated() {
            lines.append(.init(orderLineID: try Self.uuid(l.orderLineId, field: "lines[\(i)].orderLineId"), quantity: l.quantity))
        }
        let storeID = try b.storeId.map { try Self.uuid($0, field: "storeId") }
        let d = try await services.deliveries(database).record(orderID: orderID, deliveredOn: b.deliveredOn, batch: b.batch, siteStore: b.store ?? "",
                                                               siteStoreID: storeID, lines: lines, units: units, by: p.userID, context: call.auditContext)
        return .created(.init(body: .json(try await deliverySchema(d))))
    }

    func getDelivery(_ input: Operations.GetDelivery.Input) async throws -> Operations.GetDelivery.Output {
        let d = try await services.deliveries(database).delivery(try Self.uuid(input.path.deliveryId))
        _ = try procurementRecord(d.projectId)
        return .ok(.init(body: .json(try await deliverySchema(d))))
    }

    func inspectDelivery(_ input: Operations.InspectDelivery.Input) async throws -> Operations.InspectDelivery.Output {
        let b = switch input.body { case .json(let json): json }
        let svc = services.deliveries(database)
        let d = try await svc.delivery(try Self.uuid(input.path.deliveryId))
        let p = try call.requirePrincipal()
        guard p.canSee(project: d.projectId) else { throw Problem.notFound }
        // Engineering inspects (工程部质量检验); procurement and the GM may record it too.
        guard p.may(.procurementHandle, on: d.projectId) || p.roles(on: d.projectId).contains(.engineer) else { throw Problem.forbidden }
        var lines: [DeliveryService.Inspection] = []
        for (i, l) in b.lines.enumerated() {
            lines.append(.init(lineID: try Self.uuid(l.lineId, field: "lines[\(i)].lineId"), accepted: l.accepted, rejected: l.rejected,
                               reason: l.reason ?? "", returned: l.returned ?? false))
        }
        let done = try await svc.inspect(d.id, lines: lines, by: p.userID, context: call.auditContext)
        return .ok(.init(body: .json(try await deliverySchema(done))))
    }

    func invoiceSchema(_ i: InvoiceService.Invoice) async throws -> Schemas.Invoice {
        let svc = services.invoices(database)
        let lines = try await svc.lines(i.id)
        let payments = try await svc.payments(orderID: i.orderId).filter { $0.invoiceId == i.id }
        let settled = try await svc.settlement(invoiceID: i.id)
        var schema = Schemas.Invoice(
            id: i.id.uuidString, projectId: i.projectId.uuidString, orderId: i.orderId.uuidString, supplierId: i.supplierId.uuidString, number: i.number,
            invoicedOn: i.invoicedOn, total: Money(fen: i.totalFen).plain, status: .init(rawValue: i.status) ?? .mismatch, problems: i.problemCodes,
            lines: lines.map { l in
                .init(orderLineId: l.orderLineId.uuidString, quantity: PurchaseQuantity.format(l.quantityMilli), unitPrice: Money(fen: l.unitPriceFen).plain,
                      amount: Money(fen: l.amountFen).plain,
                      problems: l.problems.split(separator: ",").map(String.init))
            },
            payments: payments.map { p in
                var out = Schemas.PurchasePayment(id: p.id.uuidString, event: .init(rawValue: p.event) ?? .invoice, amount: Money(fen: p.amountFen).plain,
                                                  dueOn: p.dueOn, status: p.status == "paid" ? .paid : .scheduled)
                out.paidAt = p.paidAt
                return out
            })
        schema.prepaymentCredited = settled.map { Money(fen: $0.creditedFen).plain }
        schema.uncovered = settled.map { Money(fen: $0.uncoveredFen).plain }
        if let r = try await svc.resolution(invoiceID: i.id) {
            schema.resolution = .init(outcome: .init(rawValue: r.outcome) ?? .rejected, reason: r.reason, replacedBy: r.replacedBy?.uuidString,
                                      decidedAt: r.decidedAt)
        }
        return schema
    }

    func listInvoices(_ input: Operations.ListInvoices.Input) async throws -> Operations.ListInvoices.Output {
        let project = try await procurementProject(input.query.projectId)
        var items: [Schemas.Invoice] = []
        for i in try await services.invoices(database).invoices(projectID: project, status: input.query.status?.rawValue) {
            items.append(try await invoiceSchema(i))
        }
        return .ok(.init(body: .json(.init(items: items))))
    }

    func createInvoice(_ input: Operations.CreateInvoice.Input) async throws -> Operations.CreateInvoice.Output {
        let b = switch input.body { case .json(let json): json }
        let orderID = try Self.uuid(b.orderId, field: "orderId")
        guard let order = try await ifFound({ try await services.purchaseOrders(database).order(orderID) }) else { throw Problem.invalid("orderId", "purchase_order_not_found") }
        let p = try procurementRecord(order.projectId)
        var lines: [InvoiceService.NewLine] = []
        for (i, l) in b.lines.enumerated() {
            lines.append(.init(orderLineID: try Self.uuid(l.orderLineId, field: "lines[\(i)].orderLineId"), quantity: l.quantity, unitPrice: l.unitPrice,
                               amount: l.amount))
        }
        let inv = try await services.invoices(database).record(orderID: orderID, number: b.number, invoicedOn: b.invoicedOn, lines: lines,
                                                               by: p.userID, context: call.auditContext)
        return .created(.init(body: .json(try await invoiceSchema(inv))))
    }

    func getInvoice(_ input: Operations.GetInvoice.Input) async throws -> Operations.GetInvoice.Output {
        let inv = try await services.invoices(database).invoice(try Self.uuid(input.path.invoiceId))
        let p = try call.requirePrincipal()
        guard p.canSee(project: inv.projectId), p.may(.procurementHandle, on: inv.projectId) || p.may(.paymentsConfirm, on: inv.projectId)
        else { throw Problem.notFound }
        return .ok(.init(body: .json(try await invoiceSchema(inv))))
    }

    func payInvoice(_ input: Operations.PayInvoice.Input) async throws -> Operations.PayInvoice.Output {
        let svc = services.invoices(database)
        let inv = try await svc.invoice(try Self.uuid(input.path.invoiceId))
        let p = try procurementRecord(inv.projectId, .paymentsConfirm)
        _ = try await svc.pay(inv.id, by: p.userID, context: call.auditContext)
        return .ok(.init(body: .json(try await invoiceSchema(try await svc.invoice(inv.id)))))
    }

    // MARK: the mismatch queue (issue 19 review)

    func acceptInvoice(_ input: Operations.AcceptInvoice.Input) async throws -> Operations.AcceptInvoice.Output {
        let b = switch input.body { case .json(let json): json }
        let svc = services.invoices(database)
        let inv = try await svc.invoice(try Self.uuid(input.path.invoiceId))
        let p = try procurementRecord(inv.projectId, .procurementHandle)
        guard p.may(.procurementApprove, on: inv.projectId) else { throw Problem(.forbidden, "invoice_accept_forbidden") }
        let done = try await svc.accept(inv.id, reason: b.reason, by: p.userID, context: call.auditContext)
        return .ok(.init(body: .json(try await invoiceSchema(done))))
    }

    func rejectInvoice(_ input: Operations.RejectInvoice.Input) async throws -> Operations.RejectInvoice.Output {
        let b = switch input.body { case .json(let json): json }
        let svc = services.invoices(database)
        let inv = try await svc.invoice(try Self.uuid(input.path.invoiceId))
        let p = try procurementRecord(inv.projectId)
        let done = try await svc.reject(inv.id, reason: b.reason, by: p.userID, context: call.auditContext)
        return .ok(.init(body: .json(try await invoiceSchema(done))))
    }

    func replaceInvoice(_ input: Operations.ReplaceInvoice.Input) async throws -> Operations.ReplaceInvoice.Output {
        let b = switch input.body { case .json(let json): json }
        let svc = services.invoices(database)
        let inv = try await svc.invoice(try Self.uuid(input.path.invoiceId))
        let p = try procurementRecord(inv.projectId)
        var lines: [InvoiceService.NewLine] = []
        for (i, l) in b.lines.enumerated() {
            lines.append(.init(orderLineID: try Self.uuid(l.orderLineId, field: "lines[\(i)].orderLineId"), quantity: l.quantity, unitPrice: l.unitPrice,
                               amount: l.amount))
        }
        let new = try await svc.replace(inv.id, number: b.number, invoicedOn: b.invoicedOn, lines: lines, reason: b.reason, by: p.userID,
                                        context: call.auditContext)
        return .created(.init(body: .json(try await invoiceSchema(new))))
    }

    func tenderSchema(_ t: TenderService.Tender) async throws -> Schemas.Tender {
        var out = Schemas.Tender(id: t.id.uuidString, projectId: t.projectId.uuidString, planLineId: t.planLineId.uuidString, title: t.title,
                                 estimate: Money(fen: t.estimateFen).plain, publicTender: t.publicTender, opensAt: t.opensAt,
                                 status: .init(rawValue: t.status) ?? .open, firstOpenerPresent: t.firstOpener != nil,
                                 invited: try await services.tenders(database).invited(t.id).map(\.uuidString))
        out.openedAt = t.openedAt
        out.awardedBidId = t.awardedBidId?.uuidString
        out.awardReason = t.awardReason
        out.orderId = t.orderId?.uuidString
        return out
    }

    func loadTender(_ raw: String) async throws -> (TenderService.Tender, Principal) {
        let t = try await services.tenders(database).tender(try Self.uuid(raw))
        return (t, try procurementRecord(t.projectId))
    }

    func listTenders(_ input: Operations.ListTenders.Input) async throws -> Operations.ListTenders.Output {
        let project = try await procurementProject(input.query.projectId)
        var items: [Schemas.Tender] = []
        for t in try await services.tenders(database).tenders(projectID: project) { items.append(try await tenderSchema(t)) }
        return .ok(.init(body: .json(.init(items: items))))
    }

    func createTender(_ input: Operations.CreateTender.Input) async throws -> Operations.CreateTender.Output {
        let b = switch input.body { case .json(let json): json }
        let project = try await procurementProject(b.projectId)
        var invited: [UUID] = []
        for (i, s) in b.supplierIds.enumerated() { invited.append(try Self.uuid(s, field: "supplierIds[\(i)]")) }
        let t = try await services.tenders(database).create(projectID: project, planLineID: try Self.uuid(b.planLineId, field: "planLineId"),
                                                            title: b.title, opensAt: b.opensAt, invited: invited,
                                                            by: try call.requirePrincipal().userID, context: call.auditContext)
        return .created(.init(body: .json(try await tenderSchema(t))))
    }

    func getTender(_ input: Operations.GetTender.Input) async throws -> Operations.GetTender.Output {
        let (t, _) = try await loadTender(input.path.tenderId)
        return .ok(.init(body: .json(try await tenderSchema(t))))
    }

    func listTenderBids(_ input: Operations.ListTenderBids.Input) async throws -> Operations.ListTenderBids.Output {
        let (t, _) = try await loadTender(input.path.tenderId)
        let bids = try await services.tenders(database).bids(t.id, context: call.auditContext)
        let names = try await services.suppliers(database).names(bids.map(\.supplierId))
        var items: [Schemas.TenderBid] = []
        for b in bids {
            let name = names[b.supplierId] ?? ""
            items.append(.init(id: b.id.uuidString, supplierId: b.supplierId.uuidString, supplierName: name, unitPrice: Money(fen: b.unitPriceFen ?? 0).plain,
                               total: Money(fen: b.totalFen ?? 0).plain, deliveryDays: b.deliveryDays ?? 0, terms: b.terms ?? "", submittedAt: b.submittedAt))
        }
        return .ok(.init(body: .json(.init(items: items))))
    }

    func submitTenderBid(_ input: Operations.SubmitTenderBid.Input) async throws -> Operations.SubmitTenderBid.Output {
        let b = switch input.body { case .json(let json): json }
        let (t, p) = try await loadTender(input.path.tenderId)
        let id = try await services.tenders(database).submitBid(t.id, supplierID: try Self.uuid(b.supplierId, field: "supplierId"), unitPrice: b.unitPrice,
                                                                deliveryDays: b.deliveryDays, terms: b.terms ?? "", by: p.userID, context: call.auditContext)
        return .created(.init(body: .json(.init(bidId: id.uuidString))))
    }

    func openTender(_ input: Operations.OpenTender.Input) async throws -> Operations.OpenTender.Output {
        let (t, p) = try await loadTender(input.path.tenderId)
        let done = try await services.tenders(database).open(t.id, by: p.userID, context: call.auditContext)
        return .ok(.init(body: .json(try await tenderSchema(done))))
    }

    func awardTender(_ input: Operations.AwardTender.Input) async throws -> Operations.AwardTender.Output {
        let b = switch input.body { case .json(let json): json }
        let (t, p) = try await loadTender(input.path.tenderId)
        let (done, order) = try await services.tenders(database).award(t.id, bidID: try Self.uuid(b.bidId, field: "bidId"), reason: b.reason, by: p,
                                                                       context: call.auditContext)
        let svc = services.purchaseOrders(database)
        return .created(.init(body: .json(.init(tender: try await tenderSchema(done), order: try await purchaseOrderSchema(order, lines: try await svc.lines(order.id))))))
    }
}
