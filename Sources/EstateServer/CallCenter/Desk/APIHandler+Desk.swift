import EstateCore
import Foundation
import OpenAPIRuntime
import SQLKit
import Vapor

/// `GET /api/v1/callers/{mobile}` (坐席工作台): the guard lets in whoever sees customers anywhere;
/// `DeskService` scopes each part to the projects where the reader may see it.
extension APIHandler {
    func getCaller(_ input: Operations.GetCaller.Input) async throws -> Operations.GetCaller.Output {
        let principal = try call.requirePrincipal()
        let caller = try await services.desk(database).lookup(input.path.mobile, by: principal, context: call.auditContext)
        return .ok(.init(body: .json(Self.callerSchema(caller, agents: caller.agentNames, now: services.now()))))
    }

    static func callerSchema(_ c: DeskService.Caller, agents: [UUID: String], now: Date) -> Schemas.Caller {
        Schemas.Caller(
            number: c.number,
            customers: c.records.map { customerSchema($0, c.access($0)) },
            projects: c.projectNames.sorted { $0.value < $1.value }.map { Schemas.CallerProject(id: $0.key.uuidString, name: $0.value) },
            purchases: c.purchases.map { p in
                Schemas.CallerPurchase(customerId: p.customerId.uuidString, projectId: p.projectId.uuidString, unitId: p.unitId.uuidString,
                                       unitCode: p.unitCode, subscriptionNumber: p.subscriptionNumber, contractNumber: p.contractNumber,
                                       stage: .init(rawValue: p.stage.rawValue)!, titleStage: p.titleStage, deliveredOn: p.deliveredOn,
                                       subscribedAt: p.subscribedAt)
            },
            tickets: c.tickets.map { Schemas.CallerTicket(projectId: $0.projectId.uuidString, ticket: summary($0, now: now)) },
            calls: c.calls.map { r in
                Schemas.CallerCall(id: r.id.uuidString, projectId: r.projectID?.uuidString, direction: .init(rawValue: r.direction) ?? .inbound,
                                   queue: r.queue, agentName: r.agentID.flatMap { agents[$0] }, offeredAt: r.offeredAt, answeredAt: r.answeredAt,
                                   waitSeconds: r.waitSeconds, talkSeconds: r.talkSeconds, abandoned: r.abandoned, category: r.category,
                                   outcome: r.outcome.flatMap { .init(rawValue: $0) }, note: r.note, ticketId: r.ticketID?.uuidString,
                                   source: .init(rawValue: r.source) ?? .desk)
            },
            contacts: c.contacts.map(contactSchema),
            lastCallback: c.lastCallback.map { k in
                Schemas.CallerCallback(ticketId: k.ticketId.uuidString, ticketNumber: k.ticketNumber, satisfaction: k.satisfaction,
                                       solved: k.solved, note: k.note, byName: k.byName, at: k.at)
            })
    }
}
