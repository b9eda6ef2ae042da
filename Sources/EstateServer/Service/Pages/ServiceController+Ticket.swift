import EstateCore
import Foundation
import NIOCore
import Plot
import Vapor

extension ServiceController {
    // MARK: 工单详情

    static func ticket(_ req: Request, _ action: Action = .ticketsView) async throws -> TicketService.Ticket {
        try await APIHandler.loadTicket(req, req.parameters.get("ticketID") ?? "", action)
    }

    static func ticketModel(_ req: Request, _ id: UUID) async throws -> TicketPage.Model {
        let tickets = req.services.tickets(req.db)
        let detail = try await tickets.detail(id)
        let (project, projects) = try await refs(req, detail.ticket.projectId)
        return TicketPage.Model(project: project, projects: projects, detail: detail, handlers: try await tickets.handlers(detail.ticket.projectId),
                                principal: try req.requirePrincipal(), now: req.services.now(), failure: nil,
                                calls: try await req.services.calls(req.db).calls(ofTickets: [id]),
                                related: try await tickets.related(to: id))
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        let t = try await ticket(req)
        return Shell.response(TicketPage.view(PageContext(req), try await ticketModel(req, t.id)))
    }

    /// The ticket page again with a refused form's messages.
    static func ticketFailed(_ req: Request, _ id: UUID, _ p: Problem, form: String, values: [String: String],
                             label: (String) -> String? = { _ in nil }) async throws -> Response {
        var m = try await ticketModel(req, id)
        m.failure = failure(req.localizer, p, form: form, values: values, label: label)
        return Shell.response(TicketPage.view(PageContext(req), m), status: p.status)
    }

    static let actionKeys = ["note", "department", "assigneeId", "cause", "contractor", "cost", "chargeable", "score"]

    static func act(_ req: Request, _ action: TicketAction) async throws -> Response {
        let t = try await ticket(req)
        var v = req.formFields(actionKeys)
        v["note"] = ((try? req.content.get(String.self, at: "note")) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return try await FormAction.run(req) {
            var bad: [Problem.FieldError] = []
            var input = TicketService.ActionInput()
            input.note = v["note"] ?? ""
            switch action {
            case .assign:
                if let d = v["department"], !d.isEmpty {
                    input.department = TicketService.Department(rawValue: d)
                    if input.department == nil { bad.append(.init(field: "department", code: "field_invalid")) }
                }
                input.assigneeID = SalesController.uuid(v["assigneeId"], "assigneeId", required: false, into: &bad)
            case .resolve:
                if let c = v["cause"], !c.isEmpty {
                    input.cause = TicketCause(rawValue: c)
                    if input.cause == nil { bad.append(.init(field: "cause", code: "field_invalid")) }
                }
                if let c = v["contractor"], !c.isEmpty { input.contractor = c }
                if let c = v["cost"], !c.isEmpty {
                    input.cost = Money(yuanText: c)
                    if input.cost == nil { bad.append(.init(field: "cost", code: "cost_invalid")) }
                }
                switch v["chargeable"] ?? "" {
                case "yes": input.chargeable = true
                case "no": input.chargeable = false
                default: break
                }
                if let s = v["score"], !s.isEmpty {
                    input.score = Int(s)
                    if input.score == nil { bad.append(.init(field: "score", code: "audit_score_invalid")) }
                }
            case .start, .startCallback, .close, .reopen: break
            }
            guard bad.isEmpty else { throw Problem.invalid(bad) }
            _ = try await req.services.tickets(req.db).act(t.id, action, input, by: try req.requirePrincipal(), context: req.auditContext)
            return .to("/tickets/\(t.id)", notice: "ticket.notice.\(action.rawValue)")
        } failed: { p in
            // The note is the resolution when resolving and the reason when reopening.
            let noteLabel = action == .resolve ? "ticket.field.resolution" : action == .reopen ? "ticket.field.reason" : "ticket.field.note"
            return try await ticketFailed(req, t.id, p, form: action.rawValue, values: v,
                                          label: { $0 == "note" ? req.localizer(noteLabel) : nil })
        }
    }

    @Sendable static func callback(_ req: Request) async throws -> Response {
        let t = try await ticket(req, .ticketsHandle)
        // Recorded from the 回访工作台's row: back to the workbench, with its outcome or its one-line reason.
        let workbench = req.formField("return") == "callbacks" ? "/projects/\(t.projectId)/tickets/callbacks" : nil
        var v = req.formFields(["satisfaction", "solved"])
        v["note"] = ((try? req.content.get(String.self, at: "note")) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return try await FormAction.run(req) {
            var bad: [Problem.FieldError] = []
            let satisfaction = Int(v["satisfaction"] ?? "")
            if satisfaction == nil { bad.append(.init(field: "satisfaction", code: "satisfaction_invalid")) }
            let solved: Bool? = v["solved"] == "yes" ? true : v["solved"] == "no" ? false : nil
            if solved == nil { bad.append(.init(field: "solved", code: "required")) }
            guard bad.isEmpty, let satisfaction, let solved else { throw Problem.invalid(bad) }
            let after = try await req.services.tickets(req.db).recordCallback(t.id, satisfaction: satisfaction, solved: solved, note: v["note"] ?? "",
                                                                              by: .staff(try req.requirePrincipal()), context: req.auditContext)
            return .to(workbench ?? "/tickets/\(t.id)",
                       notice: after.ticketStatus == .closed ? "ticket.notice.callback_closed" : "ticket.notice.callback_reopened")
        } failed: { p in
            if let workbench { return FormAction.back(req, to: workbench, p) }
            return try await ticketFailed(req, t.id, p, form: "callback", values: v)
        }
    }

    @Sendable static func comment(_ req: Request) async throws -> Response {
        let t = try await ticket(req)
        let note = ((try? req.content.get(String.self, at: "note")) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let owner = req.formField("visibleToOwner") == "true"
        let v = ["note": note, "visibleToOwner": owner ? "true" : ""]
        return try await FormAction.run(req) {
            let p = try req.requirePrincipal()
            guard APIHandler.mayWork(p, on: t) else { throw Problem.forbidden }
            _ = try await req.services.tickets(req.db).comment(t.id, note: note, visibleToOwner: owner, by: .staff(p), context: req.auditContext)
            return .to("/tickets/\(t.id)", notice: "ticket.notice.comment")
        } failed: { p in
            return try await ticketFailed(req, t.id, p, form: "comment", values: v)
        }
    }

    @Sendable static func attach(_ req: Request) async throws -> Response {
        let t = try await ticket(req)
        struct Upload: Content { var file: File?; var visibleToOwner: String? }
        var v: [String: String] = [:]
        return try await FormAction.run(req, alsoCorrectable: [.payloadTooLarge, .unsupportedMediaType]) {
            let p = try req.requirePrincipal()
            guard APIHandler.mayWork(p, on: t) else { throw Problem.forbidden }
            guard req.headers.contentType?.type == "multipart", let upload = try? req.content.decode(Upload.self) else {
                throw Problem.invalid("file", "attachment_missing")
            }
            v["visibleToOwner"] = upload.visibleToOwner == "true" ? "true" : ""
            guard let file = upload.file, file.data.readableBytes > 0 || !file.filename.isEmpty else {
                throw Problem.invalid("file", "attachment_missing")
            }
            guard file.data.readableBytes <= TicketService.maxAttachmentBytes else {
                throw Problem(.payloadTooLarge, "attachment_too_large", arguments: ["mb": "\(TicketService.maxAttachmentBytes / 1024 / 1024)"])
            }
            _ = try await req.services.tickets(req.db).attach(t.id, fileName: file.filename, data: Data(buffer: file.data),
                                                              visibleToOwner: upload.visibleToOwner == "true", by: .staff(p),
                                                              context: req.auditContext)
            return .to("/tickets/\(t.id)", notice: "ticket.notice.attachment")
        } failed: { p in
            try await ticketFailed(req, t.id, p, form: "attachment", values: v)
        }
    }

    /// The file itself: images shown in the page (inline), PDFs downloaded; the type is the one
    /// the bytes were found to be when uploaded, never the client's claim.
    @Sendable static func download(_ req: Request) async throws -> Response {
        let t = try await ticket(req)
        let (a, data) = try await req.services.tickets(req.db).attachment(try req.pathID("attachmentID"), of: t.id)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: a.contentType)
        let disposition = APIHandler.attachment(a.fileName)
        headers.replaceOrAdd(name: "Content-Disposition",
                             value: a.contentType.hasPrefix("image/") ? "inline" + disposition.dropFirst("attachment".count) : disposition)
        headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'none'; img-src 'self'; sandbox")
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }
}
