import EstateCore
import Foundation
import OpenAPIRuntime

/// `/api/v1/calls` (通话记录): the list and its .xlsx.
extension APIHandler {
    /// The filter of a list or export: the last 7 days unless a period is given (at most a year).
    static func callFilter(project: UUID, from: String?, to: String?, agentId: String?, queue: String?, direction: String?,
                           number: String?, today: CalendarDay) throws -> CallService.Filter {
        let t = try to.map { try day($0, field: "to") } ?? today
        let f = try from.map { try day($0, field: "from") } ?? t.adding(days: -6)
        guard f <= t else { throw Problem.invalid("to", "period_reversed") }
        guard f.days(until: t) <= 366 else { throw Problem.invalid([.init(field: "to", code: "period_too_long", arguments: ["days": "367"])]) }
        return CallService.Filter(projectID: project, from: f, to: t, agentID: try agentId.map { try uuid($0, field: "agentId") },
                                  queue: queue, direction: direction.flatMap(CallDirection.init(rawValue:)), number: number)
    }

    static func callRow(_ c: CallService.Record, names: [UUID: String], seesNumbers: Bool) -> Schemas.CallRow {
        Schemas.CallRow(id: c.id.uuidString, externalId: c.externalID, projectId: c.projectID?.uuidString,
                        direction: .init(rawValue: c.direction) ?? .inbound, number: seesNumbers ? c.number : CallerNumber.masked(c.number),
                        queue: c.queue, agentId: c.agentID?.uuidString, agentName: c.agentID.flatMap { names[$0] }, offeredAt: c.offeredAt,
                        answeredAt: c.answeredAt, endedAt: c.endedAt, waitSeconds: c.waitSeconds, talkSeconds: c.talkSeconds,
                        holdSeconds: c.holdSeconds, wrapSeconds: c.wrapSeconds, abandoned: c.abandoned, category: c.category,
                        outcome: c.outcome, ticketId: c.ticketID?.uuidString, satisfaction: c.satisfaction,
                        source: .init(rawValue: c.source) ?? .desk)
    }

    func listCalls(_ input: Operations.ListCalls.Input) async throws -> Operations.ListCalls.Output {
        let q = input.query
        let project = try await reportProject(q.projectId, .callsHandle)
        let filter = try Self.callFilter(project: project.id, from: q.from, to: q.to, agentId: q.agentId, queue: q.queue,
                                         direction: q.direction?.rawValue, number: q.number, today: CalendarDay(services.now()))
        let calls = services.calls(database)
        let page = try await calls.list(filter, page: try PageRequest(page: q.page, perPage: q.perPage))
        let names = try await calls.agentNames(page.items)
        let sees = try call.requirePrincipal().may(.personalDataReveal, on: project.id)
        return .ok(.init(body: .json(Schemas.CallPage(items: page.items.map { Self.callRow($0, names: names, seesNumbers: sees) },
                                                      page: page.page, perPage: page.perPage, total: page.total))))
    }

    /// 登记通话 through the API: the desk page's form, same rules (`DeskService.logCall`).
    func logDeskCall(_ input: Operations.LogDeskCall.Input) async throws -> Operations.LogDeskCall.Output {
        guard case .json(let body) = input.body else { throw Problem.invalid("body", "field_invalid") }
        let p = try call.requirePrincipal()
        var n = DeskService.CallNote(number: body.number)
        var bad: [Problem.FieldError] = []
        if let raw = body.projectId {
            if let id = UUID(uuidString: raw) { n.projectID = id } else { bad.append(.init(field: "projectId", code: "field_invalid")) }
        }
        n.direction = CallDirection(rawValue: body.direction?.rawValue ?? "inbound") ?? .inbound
        n.category = body.category
        n.outcome = body.outcome.flatMap { CallOutcome(rawValue: $0.rawValue) }
        n.note = body.note ?? ""
        if let at = body.startedAt {
            let now = services.now()
            if at > now.addingTimeInterval(60) || at < now.addingTimeInterval(-86_400) {
                bad.append(.init(field: "startedAt", code: "call_started_invalid"))
            } else {
                n.startedAt = at
            }
        }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let logged = try await services.desk(database).logCall(n, by: p, context: call.auditContext)
        let names = try await services.calls(database).agentNames([logged])
        let sees = logged.projectID.map { p.may(.personalDataReveal, on: $0) } ?? p.may(.personalDataReveal)
        return .created(.init(body: .json(Self.callRow(logged, names: names, seesNumbers: sees))))
    }

    func exportCalls(_ input: Operations.ExportCalls.Input) async throws -> Operations.ExportCalls.Output {
        let q = input.query
        let project = try await reportProject(q.projectId, .callsHandle)
        let filter = try Self.callFilter(project: project.id, from: q.from, to: q.to, agentId: q.agentId, queue: q.queue,
                                         direction: q.direction?.rawValue, number: q.number, today: CalendarDay(services.now()))
        let calls = services.calls(database)
        let rows = try await calls.all(filter)
        let names = try await calls.agentNames(rows)
        let sees = try call.requirePrincipal().may(.personalDataExport, on: project.id)
        let t = try localizer
        return .ok(.init(body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(
            try download(try CallSheets.calls(rows, names: names, seesNumbers: sees, t: t),
                         as: "\(t("calls.file"))-\(project.code)-\(filter.from)\(t("report.file.to"))\(filter.to).xlsx"))))
    }
}

/// `/api/v1/calls/import` (话单导入).
extension APIHandler {
    func importCalls(_ input: Operations.ImportCalls.Input) async throws -> Operations.ImportCalls.Output {
        let body: HTTPBody = switch input.body { case .csv(let b), .binary(let b): b }
        let project = try await reportProject(input.query.projectId, .callCenterManage)
        let data = try await upload(body)
        let outcome = try await services.imports.run {
            try await services.cdrImports(database).importFile(data, projectID: project.id, fileName: input.query.fileName ?? "upload",
                                                               context: call.auditContext)
        }
        return .ok(.init(body: .json(.init(layout: .init(rawValue: outcome.layout.rawValue)!, encoding: .init(rawValue: outcome.encoding) ?? .utf8,
                                           rows: outcome.rows, imported: outcome.imported, skipped: outcome.skipped))))
    }

    func callImportTemplate(_ input: Operations.CallImportTemplate.Input) async throws -> Operations.CallImportTemplate.Output {
        let zh = try call.language == .zh
        return .ok(.init(body: .csv(try download(CDRImportService.template(zh: zh), as: zh ? "话单导入模板.csv" : "call-import-template.csv"))))
    }
}
