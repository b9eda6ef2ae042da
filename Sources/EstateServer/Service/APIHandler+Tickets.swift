import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/tickets`, categories, SLA terms and the service analysis.
extension APIHandler {
    /// A ticket the caller may see (404 otherwise), with the right asked for on its project (403).
    @discardableResult
    func loadTicket(_ raw: String, _ action: Action = .ticketsView) async throws -> TicketService.Ticket {
        try await Self.loadTicket(raw, action, for: { try call.requirePrincipal() }, in: services.tickets(database))
    }

    /// The same for the service pages.
    @discardableResult
    static func loadTicket(_ req: Request, _ raw: String, _ action: Action = .ticketsView) async throws -> TicketService.Ticket {
        try await loadTicket(raw, action, for: req.requirePrincipal, in: req.services.tickets(req.db))
    }

    private static func loadTicket(_ raw: String, _ action: Action, for principal: () throws -> Principal, in tickets: TicketService) async throws
        -> TicketService.Ticket {
        let t = try await tickets.ticket(try uuid(raw))
        let p = try principal()
        guard p.canSee(project: t.projectId), p.may(.ticketsView, on: t.projectId) else { throw Problem.notFound }
        guard p.may(action, on: t.projectId) else { throw Problem.forbidden }
        return t
    }

    /// Handling a ticket: customer service, or repair staff on repairs.
    static func mayWork(_ p: Principal, on t: TicketService.Ticket) -> Bool {
        p.may(.ticketsHandle, on: t.projectId) || p.may(.ticketsManage, on: t.projectId) || (p.may(.repairsHandle, on: t.projectId) && t.ticketKind.isFieldWork)
    }

    static func sla(_ t: TicketService.Ticket, now: Date) -> Schemas.SLAState {
        Schemas.SLAState(responseDueAt: t.responseDueAt, resolveDueAt: t.resolveDueAt, responseBreached: t.responseBreached(at: now),
                   resolveBreached: t.resolveBreached(at: now), minutesLeft: t.minutesLeft(at: now))
    }

    static func summary(_ t: TicketService.Ticket, now: Date) -> Schemas.TicketSummary {
        Schemas.TicketSummary(id: t.id.uuidString, number: t.number, kind: Schemas.TicketKind(rawValue: t.kind)!, channel: Schemas.TicketChannel(rawValue: t.channel)!,
                        severity: Schemas.TicketSeverity(rawValue: t.severity)!, status: Schemas.TicketStatus(rawValue: t.status)!, title: t.title,
                        categoryPath: t.categoryPath, unitCode: t.unitCode, contactName: t.contactName,
                        department: t.department.flatMap(Schemas.Department.init(rawValue:)), assigneeName: t.assigneeName, sla: sla(t, now: now),
                        escalated: t.escalatedAt != nil, _repeat: t.repeatOf != nil, createdAt: t.createdAt)
    }

    /// Whether `p` sees the owner's full mobile on `t`: those who may reveal personal data, and the
    /// person the ticket is with (they call the owner); others see 138****1234.
    static func seesContact(_ p: Principal, on t: TicketService.Ticket) -> Bool {
        p.may(.personalDataReveal, on: t.projectId) || t.assigneeId == p.userID
    }

    static func ticket(_ d: TicketService.Detail, now: Date, reveal: Bool) -> Schemas.Ticket {
        let t = d.ticket
        return Schemas.Ticket(
            id: t.id.uuidString, projectId: t.projectId.uuidString, number: t.number, kind: Schemas.TicketKind(rawValue: t.kind)!,
            channel: Schemas.TicketChannel(rawValue: t.channel)!, severity: Schemas.TicketSeverity(rawValue: t.severity)!, status: Schemas.TicketStatus(rawValue: t.status)!,
            title: t.title, description: t.description, categoryId: t.categoryId?.uuidString, categoryPath: t.categoryPath,
            customerId: t.customerId?.uuidString, unitId: t.unitId?.uuidString, unitCode: t.unitCode, contactName: t.contactName,
            contactMobile: reveal || t.contactMobile.isEmpty ? t.contactMobile : Masking.mobile(t.contactMobile), department: t.department.flatMap(Schemas.Department.init(rawValue:)), assigneeId: t.assigneeId?.uuidString,
            assigneeName: t.assigneeName, sla: sla(t, now: now), escalated: t.escalatedAt != nil, escalatedAt: t.escalatedAt,
            escalationReason: t.escalationReason, _repeat: t.repeatOf != nil, repeatOf: t.repeatOf?.uuidString, repeatOfNumber: t.repeatOfNumber,
            respondedAt: t.respondedAt, resolvedAt: t.resolvedAt, closedAt: t.closedAt, location: t.location,
            component: t.component.flatMap(Schemas.RepairComponent.init(rawValue:)),
            warranty: t.warrantyStatus.flatMap(Schemas.WarrantyStatus.init(rawValue:)).map { Schemas.Warranty(status: $0, lastDay: t.warrantyLastDay, chargeable: t.chargeable) },
            contractor: t.contractor, cost: Money(fen: t.costFen).plain, cause: t.cause.flatMap(Schemas.TicketCause.init(rawValue:)), resolution: t.resolution,
            reopenCount: t.reopenCount, satisfaction: t.satisfaction, relatedTicketId: t.relatedTicketId?.uuidString,
            relatedTicketNumber: t.relatedTicketNumber, auditScore: t.auditScore, createdAt: t.createdAt, updatedAt: t.updatedAt,
            events: d.events.map { Schemas.TicketEvent(seq: $0.seq, action: $0.action, fromStatus: $0.fromStatus.flatMap(Schemas.TicketStatus.init(rawValue:)),
                                                 toStatus: $0.toStatus.flatMap(Schemas.TicketStatus.init(rawValue:)), note: $0.note,
                                                 visibleToOwner: $0.visibleToOwner, actorName: $0.actorName, at: $0.at) },
            attachments: d.attachments.map(attachment),
            callbacks: d.callbacks.map { Schemas.TicketCallback(satisfaction: $0.satisfaction, solved: $0.solved, note: $0.note, byName: $0.byName,
                                                          byOwner: $0.byOwner, at: $0.at) })
    }

    static func attachment(_ a: TicketService.Attachment) -> Schemas.TicketAttachment {
        Schemas.TicketAttachment(id: a.id.uuidString, fileName: a.fileName, contentType: a.contentType, size: Int(a.size), visibleToOwner: a.visibleToOwner,
                           uploadedBy: a.uploadedByName, at: a.at)
    }

    func ticketResponse(_ id: UUID) async throws -> Schemas.Ticket {
        let d = try await services.tickets(database).detail(id)
        return Self.ticket(d, now: services.now(), reveal: Self.seesContact(try call.requirePrincipal(), on: d.ticket))
    }

    func listTickets(_ input: Operations.ListTickets.Input) async throws -> Operations.ListTickets.Output {
        let project = try await reportProject(input.query.projectId, .ticketsView)
        var f = TicketService.Filter()
        f.queue = input.query.queue.flatMap { TicketService.Queue(rawValue: $0.rawValue) } ?? .all
        f.status = input.query.status.flatMap { TicketStatus(rawValue: $0.rawValue) }
        f.kind = input.query.kind.flatMap { TicketKind(rawValue: $0.rawValue) }
        f.severity = input.query.severity.flatMap { TicketSeverity(rawValue: $0.rawValue) }
        f.query = input.query.q
        let page = try PageRequest(page: input.query.page ?? 1, perPage: input.query.perPage ?? 50)
        let list = try await services.tickets(database).list(project.id, f, for: try call.requirePrincipal(), context: call.auditContext, page: page)
        let now = services.now()
        return .ok(.init(body: .json(Schemas.TicketPage(items: list.items.map { Self.summary($0, now: now) }, page: list.page, perPage: list.perPage,
                                                  total: list.total))))
    }

    func createTicket(_ input: Operations.CreateTicket.Input) async throws -> Operations.CreateTicket.Output {
        let b = switch input.body { case .json(let json): json }
        let project = try await reportProject(b.projectId, .ticketsHandle)
        var d = TicketService.Draft(kind: TicketKind(rawValue: b.kind.rawValue)!, channel: TicketChannel(rawValue: b.channel.rawValue)!,
                                    severity: TicketSeverity(rawValue: b.severity.rawValue)!, title: b.title)
        d.categoryID = try b.categoryId.map { try Self.uuid($0, field: "categoryId") }
        d.description = b.description ?? ""
        d.customerID = try b.customerId.map { try Self.uuid($0, field: "customerId") }
        d.unitID = try b.unitId.map { try Self.uuid($0, field: "unitId") }
        d.contactName = b.contactName ?? ""
        d.contactMobile = b.contactMobile ?? ""
        d.location = b.location ?? ""
        d.component = b.component.flatMap { RepairComponent(rawValue: $0.rawValue) }
        d.department = b.department.flatMap { TicketService.Department(rawValue: $0.rawValue) }
        d.assigneeID = try b.assigneeId.map { try Self.uuid($0, field: "assigneeId") }
        d.callID = try b.callId.map { try Self.uuid($0, field: "callId") }
        d.relatedTicketID = try b.relatedTicketId.map { try Self.uuid($0, field: "relatedTicketId") }
        let t = try await services.tickets(database).create(d, in: project.id, by: .staff(try call.requirePrincipal()), context: call.auditContext)
        return .created(.init(body: .json(try await ticketResponse(t.id))))
    }

    func getTicket(_ input: Operations.GetTicket.Input) async throws -> Operations.GetTicket.Output {
        let t = try await loadTicket(input.path.ticketId)
        return .ok(.init(body: .json(try await ticketResponse(t.id))))
    }

    func actOnTicket(_ input: Operations.ActOnTicket.Input) async throws -> Operations.ActOnTicket.Output {
        let b = switch input.body { case .json(let json): json }
        let t = try await loadTicket(input.path.ticketId)
        var a = TicketService.ActionInput()
        a.note = b.note ?? ""
        a.department = b.department.flatMap { TicketService.Department(rawValue: $0.rawValue) }
        a.assigneeID = try b.assigneeId.map { try Self.uuid($0, field: "assigneeId") }
        a.cause = b.cause.flatMap { TicketCause(rawValue: $0.rawValue) }
        a.contractor = b.contractor
        if let c = b.cost { a.cost = try Self.money(c, field: "cost") }
        a.chargeable = b.chargeable
        a.score = b.score
        _ = try await services.tickets(database).act(t.id, TicketAction(rawValue: b.action.rawValue)!, a, by: try call.requirePrincipal(),
                                                     context: call.auditContext)
        return .ok(.init(body: .json(try await ticketResponse(t.id))))
    }

    func commentOnTicket(_ input: Operations.CommentOnTicket.Input) async throws -> Operations.CommentOnTicket.Output {
        let b = switch input.body { case .json(let json): json }
        let t = try await loadTicket(input.path.ticketId)
        let p = try call.requirePrincipal()
        guard Self.mayWork(p, on: t) else { throw Problem.forbidden }
        _ = try await services.tickets(database).comment(t.id, note: b.note, visibleToOwner: b.visibleToOwner ?? false, by: .staff(p),
                                                         context: call.auditContext)
        return .created(.init(body: .json(try await ticketResponse(t.id))))
    }

    func recordCallback(_ input: Operations.RecordCallback.Input) async throws -> Operations.RecordCallback.Output {
        let b = switch input.body { case .json(let json): json }
        let t = try await loadTicket(input.path.ticketId, .ticketsHandle)
        _ = try await services.tickets(database).recordCallback(t.id, satisfaction: b.satisfaction, solved: b.solved, note: b.note ?? "",
                                                                by: .staff(try call.requirePrincipal()), context: call.auditContext)
        return .ok(.init(body: .json(try await ticketResponse(t.id))))
    }

    func uploadTicketAttachment(_ input: Operations.UploadTicketAttachment.Input) async throws -> Operations.UploadTicketAttachment.Output {
        let t = try await loadTicket(input.path.ticketId)
        let p = try call.requirePrincipal()
        guard Self.mayWork(p, on: t) else { throw Problem.forbidden }
        let body: HTTPBody = switch input.body { case .jpeg(let b), .png(let b), .imageWebp(let b), .pdf(let b): b }
        let data = try await Self.collect(body, upTo: TicketService.maxAttachmentBytes + 1, orThrow: Problem(
            .payloadTooLarge, "attachment_too_large", arguments: ["mb": "\(TicketService.maxAttachmentBytes / 1024 / 1024)"]))
        let a = try await services.tickets(database).attach(t.id, fileName: input.query.fileName, data: data,
                                                            visibleToOwner: input.query.visibleToOwner ?? false, by: .staff(p), context: call.auditContext)
        return .created(.init(body: .json(Self.attachment(a))))
    }

    func getTicketAttachment(_ input: Operations.GetTicketAttachment.Input) async throws -> Operations.GetTicketAttachment.Output {
        let t = try await loadTicket(input.path.ticketId)
        let (a, data) = try await services.tickets(database).attachment(try Self.uuid(input.path.attachmentId), of: t.id)
        let body = try download(data, as: a.fileName)
        switch a.contentType {
        case "image/jpeg": return .ok(.init(body: .jpeg(body)))
        case "image/png": return .ok(.init(body: .png(body)))
        case "image/webp": return .ok(.init(body: .imageWebp(body)))
        default: return .ok(.init(body: .pdf(body)))
        }
    }

    static func category(_ c: TicketService.Category, paths: [UUID: String]) -> Schemas.TicketCategory {
        Schemas.TicketCategory(id: c.id.uuidString, projectId: c.projectId?.uuidString, parentId: c.parentId?.uuidString, name: c.name,
                         sortOrder: c.sortOrder, active: c.active, path: paths[c.id] ?? c.name)
    }

    func listTicketCategories(_ input: Operations.ListTicketCategories.Input) async throws -> Operations.ListTicketCategories.Output {
        let project = try await reportProject(input.query.projectId, .ticketsView)
        let all = try await services.tickets(database).categories(project.id)
        let paths = TicketService.paths(all)
        return .ok(.init(body: .json(all.map { Self.category($0, paths: paths) })))
    }

    func createTicketCategory(_ input: Operations.CreateTicketCategory.Input) async throws -> Operations.CreateTicketCategory.Output {
        let b = switch input.body { case .json(let json): json }
        let p = try call.requirePrincipal()
        var projectID: UUID?
        if let raw = b.projectId {
            projectID = try await reportProject(raw, .ticketsManage).id
        } else {
            // The company's tree: managers of every project (the GM).
            guard p.may(.ticketsManage, on: nil), p.visibleProjectIDs == nil else { throw Problem.forbidden }
        }
        let tickets = services.tickets(database)
        let c = try await tickets.createCategory(name: b.name, parent: try b.parentId.map { try Self.uuid($0, field: "parentId") },
                                                 projectID: projectID, context: call.auditContext)
        let paths = TicketService.paths(try await tickets.categories(projectID ?? UUID()))
        return .created(.init(body: .json(Self.category(c, paths: paths))))
    }

    func updateTicketCategory(_ input: Operations.UpdateTicketCategory.Input) async throws -> Operations.UpdateTicketCategory.Output {
        let b = switch input.body { case .json(let json): json }
        let tickets = services.tickets(database)
        let c = try await tickets.category(try Self.uuid(input.path.categoryId))
        let p = try call.requirePrincipal()
        if let project = c.projectId {
            _ = try await reportProject(project.uuidString, .ticketsManage)
        } else {
            guard p.may(.ticketsManage, on: nil), p.visibleProjectIDs == nil else { throw Problem.forbidden }
        }
        let updated = try await tickets.updateCategory(c.id, name: b.name, active: b.active, context: call.auditContext)
        let paths = TicketService.paths(try await tickets.categories(c.projectId ?? UUID()))
        return .ok(.init(body: .json(Self.category(updated, paths: paths))))
    }

    static func termsRows(_ t: [String: (terms: SLATerms, standard: Bool)]) -> [Schemas.SLATermsRow] {
        TicketKind.allCases.flatMap { k in
            TicketSeverity.allCases.map { s in
                let row = t["\(k.rawValue)|\(s.rawValue)"]!
                return Schemas.SLATermsRow(kind: Schemas.TicketKind(rawValue: k.rawValue)!, severity: Schemas.TicketSeverity(rawValue: s.rawValue)!,
                                     responseMinutes: row.terms.responseMinutes, resolveMinutes: row.terms.resolveMinutes, standard: row.standard)
            }
        }
    }

    func listSLATerms(_ input: Operations.ListSLATerms.Input) async throws -> Operations.ListSLATerms.Output {
        let project = try await reportProject(input.query.projectId, .ticketsView)
        return .ok(.init(body: .json(Self.termsRows(try await services.tickets(database).terms(project.id)))))
    }

    func putSLATerms(_ input: Operations.PutSLATerms.Input) async throws -> Operations.PutSLATerms.Output {
        let b = switch input.body { case .json(let json): json }
        let project = try await reportProject(b.projectId, .ticketsManage)
        let tickets = services.tickets(database)
        try await tickets.setTerms(project.id, b.terms.map {
            (TicketKind(rawValue: $0.kind.rawValue)!, TicketSeverity(rawValue: $0.severity.rawValue)!,
             SLATerms(responseMinutes: $0.responseMinutes, resolveMinutes: $0.resolveMinutes))
        }, context: call.auditContext)
        return .ok(.init(body: .json(Self.termsRows(try await tickets.terms(project.id)))))
    }

    static func analysis(_ a: TicketService.Analysis, projectID: UUID, t: Localizer) -> Schemas.ServiceAnalysis {
        func rows(_ r: [TicketService.AnalysisRow], empty: String, cause: Bool = false) -> [Schemas.AnalysisRow] {
            r.map { Schemas.AnalysisRow(key: $0.key, name: $0.key.isEmpty ? t(empty) : cause ? t("ticket.cause.\($0.key)") : $0.name,
                                  tickets: $0.tickets, complaints: $0.complaints, repairs: $0.repairs) }
        }
        return Schemas.ServiceAnalysis(
            projectId: projectID.uuidString, from: a.period.from.description, to: a.period.to.description, complaints: a.complaints,
            byCategory: rows(a.byCategory, empty: "ticket.no_category"), byBuilding: rows(a.byBuilding, empty: "ticket.no_unit"),
            byCause: rows(a.byCause, empty: "ticket.no_cause", cause: true), byMonth: rows(a.byMonth, empty: ""),
            satisfaction: .init(callbacks: a.callbacks, satisfied: a.satisfied, rate: a.satisfactionRate, average: a.averageSatisfaction),
            sla: .init(tickets: a.slaTickets, responseMet: a.responseMet, resolveMet: a.resolveMet, responseRate: a.responseRate, resolveRate: a.resolveRate),
            repeatRepairs: .init(repairs: a.repairs, repeats: a.repeats.count, rate: a.repeatRate,
                                 rows: a.repeats.map { Schemas.RepeatRepairRow(ticketId: $0.ticketID.uuidString, number: $0.number, unitCode: $0.unitCode,
                                                                         component: Schemas.RepairComponent(rawValue: $0.component.rawValue)!,
                                                                         previousNumber: $0.previousNumber, daysBetween: $0.daysBetween) }))
    }

    func getServiceAnalysis(_ input: Operations.GetServiceAnalysis.Input) async throws -> Operations.GetServiceAnalysis.Output {
        let project = try await reportProject(input.query.projectId, .ticketsView)
        let a = try await services.tickets(database).analysis(project.id, period: try Self.period(input.query.from, input.query.to))
        return .ok(.init(body: .json(Self.analysis(a, projectID: project.id, t: try localizer))))
    }

    func exportServiceAnalysis(_ input: Operations.ExportServiceAnalysis.Input) async throws -> Operations.ExportServiceAnalysis.Output {
        let project = try await reportProject(input.query.projectId, .ticketsView)
        let period = try Self.period(input.query.from, input.query.to)
        let a = try await services.tickets(database).analysis(project.id, period: period)
        let t = try localizer
        return .ok(.init(body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(
            try download(ServiceSheets.analysis(a, t: t), as: ReportSheets.fileName("service", projectCode: project.code, period: period, t: t)))))
    }
}
