import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/outages` (抢修单).
extension APIHandler {
    /// A 抢修单 the caller may see: those who handle calls on its project, and the one who acknowledged
    /// it (404 otherwise); each action is checked by the service (403).
    func loadOutage(_ raw: String) async throws -> OutageService.Outage {
        let o = try await services.outages(database).outage(try Self.uuid(raw))
        let p = try call.requirePrincipal()
        guard p.canSee(project: o.projectId), p.may(.callsHandle, on: o.projectId) || o.acknowledgedBy == p.userID else { throw Problem.notFound }
        return o
    }

    static func target(_ o: OutageService.Outage, onCallCount: Int) -> String {
        OutageEscalation.target(level: o.level, onCallCount: onCallCount) == .supervisors ? "supervisors" : "oncall"
    }

    static func outageSummary(_ o: OutageService.Outage, pending: Int, onCallCount: Int, now: Date) -> Schemas.OutageSummary {
        Schemas.OutageSummary(id: o.id.uuidString, number: o.number, department: Schemas.Department(rawValue: o.department)!,
                              scope: Schemas.OutageScope(rawValue: o.scope)!, areaLabel: o.areaLabel, title: o.title,
                              status: Schemas.OutageStatus(rawValue: o.status)!, level: o.level,
                              escalationTarget: .init(rawValue: target(o, onCallCount: onCallCount))!, unitCount: o.unitCount,
                              expectedRestoreAt: o.expectedRestoreAt, ackDueAt: o.ackDueAt, elapsedMinutes: o.elapsedMinutes(at: now),
                              pendingCallbacks: pending, createdAt: o.createdAt)
    }

    func outageResponse(_ id: UUID) async throws -> Schemas.Outage {
        let d = try await services.outages(database).detail(id)
        let o = d.outage, now = services.now()
        return Schemas.Outage(
            id: o.id.uuidString, projectId: o.projectId.uuidString, number: o.number, department: Schemas.Department(rawValue: o.department)!,
            scope: Schemas.OutageScope(rawValue: o.scope)!, buildingId: o.buildingId?.uuidString, entrance: o.entrance, areaLabel: o.areaLabel,
            title: o.title, description: o.description, expectedRestoreAt: o.expectedRestoreAt, status: Schemas.OutageStatus(rawValue: o.status)!,
            level: o.level, escalationTarget: .init(rawValue: Self.target(o, onCallCount: d.onCall.count))!, ackMinutes: o.ackMinutes,
            ackDueAt: o.ackDueAt, acknowledgedAt: o.acknowledgedAt, acknowledgedByName: o.acknowledgedByName, doneAt: o.doneAt,
            doneNote: o.doneNote, closedAt: o.closedAt, round: o.round, unitCount: o.unitCount, unitCodes: d.unitCodes,
            elapsedMinutes: o.elapsedMinutes(at: now), createdAt: o.createdAt, updatedAt: o.updatedAt,
            events: d.events.map { e in
                var values = e.values
                let line = values.removeValue(forKey: "line") ?? e.action
                return Schemas.OutageEvent(seq: e.seq, action: .init(rawValue: e.action)!, line: line, params: .init(additionalProperties: values),
                                           level: e.level, note: e.note, actorName: e.actorName, at: e.at)
            },
            callbacks: d.callbacks.map { c in
                Schemas.OutageCallback(id: c.id.uuidString, customerId: c.customerId.uuidString, name: c.name, mobile: c.mobile,
                                       unitCodes: c.unitCodes, attempts: c.attempts, outcome: c.outcome, note: c.note,
                                       lastCallAt: c.lastCallAt, lastByName: c.lastByName)
            })
    }

    func listOutages(_ input: Operations.ListOutages.Input) async throws -> Operations.ListOutages.Output {
        let project = try await reportProject(input.query.projectId, .callsHandle)
        let filter = input.query.status.flatMap { OutageService.Filter(rawValue: $0.rawValue) } ?? .open
        let page = try PageRequest(page: input.query.page ?? 1, perPage: input.query.perPage ?? 50)
        let outages = services.outages(database)
        let list = try await outages.list(project.id, filter, page: page)
        let pending = try await outages.pendingCallbacks(list.items.map(\.id))
        var counts: [String: Int] = [:]
        for d in Set(list.items.map(\.dept)) { counts[d.rawValue] = try await outages.onCallList(project.id, d).members.count }
        let now = services.now()
        return .ok(.init(body: .json(Schemas.OutagePage(
            items: list.items.map { Self.outageSummary($0, pending: pending[$0.id] ?? 0, onCallCount: counts[$0.department] ?? 0, now: now) },
            page: list.page, perPage: list.perPage, total: list.total))))
    }

    func createOutage(_ input: Operations.CreateOutage.Input) async throws -> Operations.CreateOutage.Output {
        let b = switch input.body { case .json(let json): json }
        let project = try await reportProject(b.projectId, .callCenterManage)
        var d = OutageService.Draft(department: TicketService.Department(rawValue: b.department.rawValue)!,
                                    scope: OutageScope(rawValue: b.scope.rawValue)!, title: b.title)
        d.buildingID = try b.buildingId.map { try Self.uuid($0, field: "buildingId") }
        d.entrance = b.entrance
        d.unitCodes = (b.unitCodes ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        d.description = b.description ?? ""
        d.expectedRestoreAt = b.expectedRestoreAt
        let o = try await services.outages(database).open(d, in: project.id, by: try call.requirePrincipal(), context: call.auditContext)
        return .created(.init(body: .json(try await outageResponse(o.id))))
    }

    func getOutage(_ input: Operations.GetOutage.Input) async throws -> Operations.GetOutage.Output {
        let o = try await loadOutage(input.path.outageId)
        return .ok(.init(body: .json(try await outageResponse(o.id))))
    }

    func reportOutageDone(_ input: Operations.ReportOutageDone.Input) async throws -> Operations.ReportOutageDone.Output {
        let b = switch input.body { case .json(let json): json }
        let o = try await loadOutage(input.path.outageId)
        _ = try await services.outages(database).reportDone(o.id, note: b.note ?? "", by: try call.requirePrincipal(), context: call.auditContext)
        return .ok(.init(body: .json(try await outageResponse(o.id))))
    }

    func recordOutageCallback(_ input: Operations.RecordOutageCallback.Input) async throws -> Operations.RecordOutageCallback.Output {
        let b = switch input.body { case .json(let json): json }
        let o = try await loadOutage(input.path.outageId)
        _ = try await services.outages(database).recordCallback(o.id, callback: try Self.uuid(input.path.callbackId),
                                                                outcome: OutageCallbackOutcome(rawValue: b.outcome.rawValue)!, note: b.note ?? "",
                                                                by: try call.requirePrincipal(), context: call.auditContext)
        return .ok(.init(body: .json(try await outageResponse(o.id))))
    }

    func closeOutage(_ input: Operations.CloseOutage.Input) async throws -> Operations.CloseOutage.Output {
        let o = try await loadOutage(input.path.outageId)
        _ = try await services.outages(database).close(o.id, by: try call.requirePrincipal(), context: call.auditContext)
        return .ok(.init(body: .json(try await outageResponse(o.id))))
    }
}
