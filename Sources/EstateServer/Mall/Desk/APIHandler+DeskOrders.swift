import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/desk-orders` (phone orders, group purchases, appliance tests; issue 20 point 6) and
/// `/api/v1/malls/{mallId}/rota` (早晚班; point 8).
extension APIHandler {
    static func deskOrderSchema(_ o: DeskOrderService.Order, today: CalendarDay) -> Schemas.DeskOrder {
        Schemas.DeskOrder(id: o.id.uuidString, mallId: o.mallId.uuidString, number: o.number, kind: .init(rawValue: o.kind) ?? .phoneOrder,
                          tenantId: o.tenantId.uuidString, customerName: o.customerName, customerMobile: Masking.mobile(o.customerMobile),
                          organisation: o.organisation, details: o.details, quantity: o.quantity, dueOn: o.dueOn,
                          status: .init(rawValue: o.status) ?? .taken, overdue: o.overdue(today: today), tenantContact: o.tenantContact,
                          tenantAnswer: o.tenantAnswer, passedAt: o.passedAt, answeredAt: o.answeredAt, closedAt: o.closedAt, closeNote: o.closeNote,
                          takenAt: o.takenAt)
    }

    var deskToday: CalendarDay { CalendarDay(services.now()) }

    func deskOrder(_ raw: String) async throws -> DeskOrderService.Order {
        let p = try call.requirePrincipal()
        guard let o = try await ifFound({ try await services.deskOrders(database).get(try Self.uuid(raw)) }), let m = try await ifFound({ try await services.malls(database).mall(o.mallId) }),
              p.canSee(project: m.projectId) else { throw Problem.notFound }
        try await require(.mallDesk, on: m.projectId)
        return o
    }

    func listDeskOrders(_ input: Operations.ListDeskOrders.Input) async throws -> Operations.ListDeskOrders.Output {
        let m = try await mall(input.query.mallId, .mallDesk)
        var f = DeskOrderService.Filter()
        f.kind = input.query.kind.flatMap { DeskOrderKind(rawValue: $0.rawValue) }
        f.status = input.query.status.flatMap { DeskOrderStatus(rawValue: $0.rawValue) }
        f.open = input.query.open == true
        let d = deskToday
        return .ok(.init(body: .json(.init(items: try await services.deskOrders(database).list(m.id, f).map { Self.deskOrderSchema($0, today: d) }))))
    }

    func takeDeskOrder(_ input: Operations.TakeDeskOrder.Input) async throws -> Operations.TakeDeskOrder.Output {
        let b = switch input.body { case .json(let json): json }
        let m = try await mall(b.mallId, .mallDesk)
        var d = DeskOrderService.Draft(kind: DeskOrderKind(rawValue: b.kind.rawValue) ?? .phoneOrder, tenantID: try Self.uuid(b.tenantId, field: "tenantId"),
                                       customerName: b.customerName, customerMobile: b.customerMobile, details: b.details, dueOn: b.dueOn)
        d.organisation = b.organisation ?? ""
        d.quantity = b.quantity
        let o = try await services.deskOrders(database).take(d, mall: m, by: try call.requirePrincipal().userID, context: call.auditContext)
        return .created(.init(body: .json(Self.deskOrderSchema(o, today: deskToday))))
    }

    func getDeskOrder(_ input: Operations.GetDeskOrder.Input) async throws -> Operations.GetDeskOrder.Output {
        .ok(.init(body: .json(Self.deskOrderSchema(try await deskOrder(input.path.orderId), today: deskToday))))
    }

    func stepDeskOrder(_ input: Operations.StepDeskOrder.Input) async throws -> Operations.StepDeskOrder.Output {
        let b = switch input.body { case .json(let json): json }
        let o = try await deskOrder(input.path.orderId)
        let step = DeskOrderFlow.Step(rawValue: b.step.rawValue) ?? .pass
        let after = try await services.deskOrders(database).step(o.id, step, text: b.text ?? "", by: try call.requirePrincipal().userID,
                                                                 context: call.auditContext)
        return .ok(.init(body: .json(Self.deskOrderSchema(after, today: deskToday))))
    }

    // MARK: The rota

    static func shiftSchema(_ s: RotaService.Shift) -> Schemas.MallShift {
        Schemas.MallShift(day: s.day.description, kind: .init(rawValue: s.kind.rawValue) ?? .early, startsAt: RotaRule.text(s.startsMin),
                          endsAt: RotaRule.text(s.endsMin), staff: s.staff.map { .init(id: $0.id.uuidString, name: $0.name) })
    }

    func rotaDay(_ raw: String) throws -> CalendarDay {
        guard let d = CalendarDay(raw) else { throw Problem.invalid("day", "date_invalid") }
        return d
    }

    func getMallRota(_ input: Operations.GetMallRota.Input) async throws -> Operations.GetMallRota.Output {
        let m = try await mall(input.path.mallId, .mallDesk)
        guard let from = CalendarDay(input.query.from) else { throw Problem.invalid("from", "date_invalid") }
        guard let to = CalendarDay(input.query.to) else { throw Problem.invalid("to", "date_invalid") }
        let shifts = try await services.rota(database).shifts(m, from: from, to: to)
        return .ok(.init(body: .json(.init(from: from.description, to: to.description, shifts: shifts.map(Self.shiftSchema)))))
    }

    func setMallShift(_ input: Operations.SetMallShift.Input) async throws -> Operations.SetMallShift.Output {
        let b = switch input.body { case .json(let json): json }
        let m = try await mall(input.path.mallId, .mallSupervise)
        let s = try await services.rota(database).setTimes(m, day: try rotaDay(input.path.day), kind: ShiftKind(rawValue: input.path.shift.rawValue) ?? .early,
                                                           starts: b.startsAt, ends: b.endsAt, by: try call.requirePrincipal().userID,
                                                           context: call.auditContext)
        return .ok(.init(body: .json(Self.shiftSchema(s))))
    }

    func assignMallShift(_ input: Operations.AssignMallShift.Input) async throws -> Operations.AssignMallShift.Output {
        let b = switch input.body { case .json(let json): json }
        let m = try await mall(input.path.mallId, .mallSupervise)
        let s = try await services.rota(database).assign(m, day: try rotaDay(input.path.day), kind: ShiftKind(rawValue: input.path.shift.rawValue) ?? .early,
                                                         userID: try Self.uuid(b.userId, field: "userId"), by: try call.requirePrincipal().userID,
                                                         context: call.auditContext)
        return .ok(.init(body: .json(Self.shiftSchema(s))))
    }

    func unassignMallShift(_ input: Operations.UnassignMallShift.Input) async throws -> Operations.UnassignMallShift.Output {
        let m = try await mall(input.path.mallId, .mallSupervise)
        guard let user = UUID(uuidString: input.path.userId) else { throw Problem.notFound }
        let s = try await services.rota(database).unassign(m, day: try rotaDay(input.path.day), kind: ShiftKind(rawValue: input.path.shift.rawValue) ?? .early,
                                                           userID: user, context: call.auditContext)
        return .ok(.init(body: .json(Self.shiftSchema(s))))
    }

    // MARK: A tenant's contact and lease

    func updateMallTenant(_ input: Operations.UpdateMallTenant.Input) async throws -> Operations.UpdateMallTenant.Output {
        let b = switch input.body { case .json(let json): json }
        let m = try await mall(input.path.mallId, .mallDesk)
        guard let id = UUID(uuidString: input.path.tenantId) else { throw Problem.notFound }
        let svc = services.malls(database)
        let t = try await svc.updateTenant(id, of: m, contactName: b.contactName, contactMobile: b.contactMobile ?? "", leaseStarts: b.leaseStarts,
                                           leaseEnds: b.leaseEnds, context: call.auditContext)
        let labels = Dictionary(try await svc.floors(m.id).map { ($0.id, $0.label) }, uniquingKeysWith: { a, _ in a })
        return .ok(.init(body: .json(Self.tenantSchema(t, floors: labels, today: deskToday))))
    }
}
