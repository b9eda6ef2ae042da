import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/returns`: 30-day no-reason returns (issue 20 point 4).
extension APIHandler {
    static func returnSchema(_ r: ReturnService.Return) -> Schemas.MallReturn {
        Schemas.MallReturn(id: r.id.uuidString, number: r.number, tenantId: r.tenantId.uuidString, managerId: r.managerId?.uuidString,
                           receiptNo: r.receiptNo, purchasedOn: r.purchasedOn, goods: r.goods, amount: Money(fen: r.amountFen).plain, reason: r.reason,
                           customerName: r.customerName, customerMobile: Masking.mobile(r.customerMobile), status: .init(rawValue: r.status) ?? .requested,
                           requestedAt: r.requestedAt, tenantContact: r.tenantContact, tenantAgreedAt: r.tenantAgreedAt, approvedAt: r.approvedAt,
                           refund: r.refundFen.map { Money(fen: $0).plain }, refundMethod: r.refundMethod, refundedAt: r.refundedAt, note: r.note)
    }

    func mallReturn(_ raw: String) async throws -> ReturnService.Return {
        let p = try call.requirePrincipal()
        guard let r = try await ifFound({ try await services.returns(database).get(try Self.uuid(raw)) }), let m = try await ifFound({ try await services.malls(database).mall(r.mallId) }),
              p.canSee(project: m.projectId) else { throw Problem.notFound }
        try await require(.mallDesk, on: m.projectId)
        return r
    }

    func listReturns(_ input: Operations.ListReturns.Input) async throws -> Operations.ListReturns.Output {
        let m = try await mall(input.query.mallId, .mallDesk)
        let items = try await services.returns(database).list(m.id, status: input.query.status.flatMap { ReturnStatus(rawValue: $0.rawValue) })
        return .ok(.init(body: .json(.init(items: items.map(Self.returnSchema)))))
    }

    func requestReturn(_ input: Operations.RequestReturn.Input) async throws -> Operations.RequestReturn.Output {
        let b = switch input.body { case .json(let json): json }
        let m = try await mall(b.mallId, .mallDesk)
        guard let amount = Money(yuanText: b.amount) else { throw Problem.invalid("amount", "return_amount_invalid") }
        let d = ReturnService.Draft(tenantID: try Self.uuid(b.tenantId, field: "tenantId"), receiptNo: b.receiptNo, purchasedOn: b.purchasedOn,
                                    goods: b.goods, amount: amount, reason: b.reason ?? "", customerName: b.customerName, customerMobile: b.customerMobile)
        let r = try await services.returns(database).request(d, mall: m, by: try call.requirePrincipal().userID, context: call.auditContext)
        return .created(.init(body: .json(Self.returnSchema(r))))
    }

    func getReturn(_ input: Operations.GetReturn.Input) async throws -> Operations.GetReturn.Output {
        .ok(.init(body: .json(Self.returnSchema(try await mallReturn(input.path.returnId)))))
    }

    func stepReturn(_ input: Operations.StepReturn.Input) async throws -> Operations.StepReturn.Output {
        let b = switch input.body { case .json(let json): json }
        let r = try await mallReturn(input.path.returnId)
        var s = ReturnService.StepInput()
        s.tenantContact = b.tenantContact ?? ""
        s.note = b.note ?? ""
        s.method = b.method?.rawValue ?? ""
        if let raw = b.refund {
            guard let m = Money(yuanText: raw) else { throw Problem.invalid("refund", "return_refund_invalid") }
            s.refund = m
        }
        let step = ReturnFlow.Step(rawValue: b.step.rawValue) ?? .tenant
        let after = try await services.returns(database).step(r.id, step, s, by: try call.requirePrincipal(), context: call.auditContext)
        return .ok(.init(body: .json(Self.returnSchema(after))))
    }
}
