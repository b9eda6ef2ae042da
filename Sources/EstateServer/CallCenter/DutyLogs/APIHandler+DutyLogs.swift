import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/duty-logs` (值班日志): read by whoever handles calls on the project, written by the
/// shift lead and the supervisor, signed off by the shift lead only (the service checks it).
extension APIHandler {
    /// A log the caller may read (404 otherwise), with `action` on its project (403).
    func loadDutyLog(_ raw: String, _ action: Action = .callsHandle) async throws -> DutyLogService.DutyLog {
        let l = try await services.dutyLogs(database).log(try Self.uuid(raw))
        let p = try call.requirePrincipal()
        guard p.canSee(project: l.projectId), p.may(.callsHandle, on: l.projectId) else { throw Problem.notFound }
        guard p.may(action, on: l.projectId) else { throw Problem.forbidden }
        return l
    }

    func dutyLogSchema(_ l: DutyLogService.DutyLog) async throws -> Schemas.DutyLog {
        let outages = try await services.dutyLogs(database).outageLines(l)
        return Schemas.DutyLog(id: l.id.uuidString, projectId: l.projectId.uuidString, shiftDate: l.shiftDate, shiftName: l.shiftName,
                               startsAt: l.startsAt, endsAt: l.endsAt, onDuty: l.onDuty, incidents: l.incidents, complaints: l.complaints,
                               handover: l.handover, outages: outages, status: .init(rawValue: l.status) ?? .open,
                               signedByName: l.signedByName, signedAt: l.signedAt, createdByName: l.createdByName,
                               createdAt: l.createdAt, updatedAt: l.updatedAt)
    }

    func listDutyLogs(_ input: Operations.ListDutyLogs.Input) async throws -> Operations.ListDutyLogs.Output {
        let project = try await reportProject(input.query.projectId, .callsHandle)
        var f = DutyLogService.Filter()
        f.q = input.query.q
        f.status = input.query.status.flatMap { DutyLogStatus(rawValue: $0.rawValue) }
        f.from = input.query.from
        f.to = input.query.to
        for (field, day) in [("from", f.from), ("to", f.to)] where day.map({ CalendarDay($0) == nil }) ?? false {
            throw Problem.invalid(field, "date_invalid")
        }
        let page = try PageRequest(page: input.query.page ?? 1, perPage: input.query.perPage ?? 50)
        let list = try await services.dutyLogs(database).list(project.id, f, page: page)
        var items: [Schemas.DutyLog] = []
        for l in list.items { items.append(try await dutyLogSchema(l)) }
        return .ok(.init(body: .json(Schemas.DutyLogPage(items: items, page: list.page, perPage: list.perPage, total: list.total))))
    }

    func createDutyLog(_ input: Operations.CreateDutyLog.Input) async throws -> Operations.CreateDutyLog.Output {
        let b = switch input.body { case .json(let json): json }
        let project = try await reportProject(b.projectId, .callCenterManage)
        var d = DutyLogService.Draft(shiftDate: b.shiftDate, shiftName: b.shiftName, startsAt: b.startsAt, endsAt: b.endsAt)
        d.onDuty = b.onDuty ?? ""
        d.incidents = b.incidents ?? ""
        d.complaints = b.complaints ?? ""
        d.handover = b.handover ?? ""
        let l = try await services.dutyLogs(database).create(d, in: project.id, by: try call.requirePrincipal(), context: call.auditContext)
        return .created(.init(body: .json(try await dutyLogSchema(l))))
    }

    func getDutyLog(_ input: Operations.GetDutyLog.Input) async throws -> Operations.GetDutyLog.Output {
        .ok(.init(body: .json(try await dutyLogSchema(try await loadDutyLog(input.path.dutyLogId)))))
    }

    func updateDutyLog(_ input: Operations.UpdateDutyLog.Input) async throws -> Operations.UpdateDutyLog.Output {
        let l = try await loadDutyLog(input.path.dutyLogId, .callCenterManage)
        let b = switch input.body { case .json(let json): json }
        var p = DutyLogService.Patch()
        p.onDuty = b.onDuty
        p.incidents = b.incidents
        p.complaints = b.complaints
        p.handover = b.handover
        let updated = try await services.dutyLogs(database).update(l.id, p, context: call.auditContext)
        return .ok(.init(body: .json(try await dutyLogSchema(updated))))
    }

    func signOffDutyLog(_ input: Operations.SignOffDutyLog.Input) async throws -> Operations.SignOffDutyLog.Output {
        let l = try await loadDutyLog(input.path.dutyLogId, .callCenterManage)
        let signed = try await services.dutyLogs(database).signOff(l.id, by: try call.requirePrincipal(), context: call.auditContext)
        return .ok(.init(body: .json(try await dutyLogSchema(signed))))
    }
}
