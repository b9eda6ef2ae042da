import EstateCore
import Foundation
import Plot
import SQLKit
import Vapor

extension OwnerController {
    // MARK: - A ticket

    /// The ticket when it is the signed-in owner's; nil (→ 404) otherwise.
    static func ownedTicket(_ req: Request, _ s: OwnerSignIn.Session) async throws -> UUID? {
        guard let id = ticketID(req), try await directory(req).owns(ticket: id, s.mobile) else { return nil }
        return id
    }

    static func projectName(_ req: Request, _ id: UUID) async throws -> String? {
        try await InventoryService.projectName(id, sql: req.store.sql)
    }

    static func ticketPage(_ req: Request, _ s: OwnerSignIn.Session, _ id: UUID, error: (String, [String: String])? = nil,
                           values: [String: String] = [:], status: HTTPResponseStatus = .ok) async throws -> Response {
        let detail = try await req.services.tickets(req.db).detail(id, forOwner: true)
        var ctx = context(req, s)
        if let error { ctx.error = error.0; ctx.errorArguments = error.1; ctx.notice = nil }
        let name = try await projectName(req, detail.ticket.projectId)
        return html(OwnerPages.ticket(ctx, .init(detail: detail, projectName: name, values: values)), status: status)
    }

    @Sendable static func ticket(_ req: Request) async throws -> Response {
        guard let s = try await session(req) else { return redirect(req, "/owner") }
        guard let id = try await ownedTicket(req, s) else { return notFound(req, s) }
        return try await ticketPage(req, s, id)
    }

    @Sendable static func comment(_ req: Request) async throws -> Response {
        guard let s = try await session(req) else { return redirect(req, "/owner") }
        guard let id = try await ownedTicket(req, s) else { return notFound(req, s) }
        guard csrfOK(req, s) else { return expired(req, s) }
        let note = field(req, "note")
        guard !note.isEmpty else { return try await ticketPage(req, s, id, error: ("owner.error.note_required", [:]), status: .unprocessableEntity) }
        do {
            _ = try await req.services.tickets(req.db).comment(id, note: note, visibleToOwner: true, by: .owner(mobile: s.mobile),
                                                               context: context(req, s.mobile))
        } catch let p as Problem {
            return try await ticketPage(req, s, id, error: message(p, req.services.catalog), values: ["comment": note], status: p.status)
        }
        return redirect(req, "/owner/tickets/\(id)?notice=owner.notice.comment_added#log")
    }

    /// 回访 by the owner: not solved reopens the ticket (the service does that).
    @Sendable static func callback(_ req: Request) async throws -> Response {
        guard let s = try await session(req) else { return redirect(req, "/owner") }
        guard let id = try await ownedTicket(req, s) else { return notFound(req, s) }
        guard csrfOK(req, s) else { return expired(req, s) }
        let values = ["satisfaction": field(req, "satisfaction"), "solved": field(req, "solved"), "note": field(req, "note")]
        guard let satisfaction = Int(values["satisfaction"]!), (1...5).contains(satisfaction) else {
            return try await ticketPage(req, s, id, error: ("owner.error.satisfaction_invalid", [:]), values: values, status: .unprocessableEntity)
        }
        guard ["yes", "no"].contains(values["solved"]!) else {
            return try await ticketPage(req, s, id, error: ("owner.error.solved_required", [:]), values: values, status: .unprocessableEntity)
        }
        let solved = values["solved"] == "yes"
        do {
            _ = try await req.services.tickets(req.db).recordCallback(id, satisfaction: satisfaction, solved: solved, note: values["note"]!,
                                                                      by: .owner(mobile: s.mobile), context: context(req, s.mobile))
        } catch let p as Problem {
            return try await ticketPage(req, s, id, error: message(p, req.services.catalog), values: values, status: p.status)
        }
        return redirect(req, "/owner/tickets/\(id)?notice=owner.notice.\(solved ? "survey_closed" : "survey_reopened")")
    }

    /// A photo of the owner's ticket, only if it is one the owner may see.
    @Sendable static func attachment(_ req: Request) async throws -> Response {
        guard let s = try await session(req) else { return redirect(req, "/owner") }
        guard let id = try await ownedTicket(req, s),
              let aid = req.parameters.get("attachmentID").flatMap(UUID.init(uuidString:)) else { return notFound(req, s) }
        let found: (TicketService.Attachment, Data)
        do { found = try await req.services.tickets(req.db).attachment(aid, of: id) } catch let p as Problem where p.status == .notFound {
            return notFound(req, s)
        }
        let (a, data) = found
        guard a.visibleToOwner else { return notFound(req, s) }
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: a.contentType)
        headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        headers.replaceOrAdd(name: .contentDisposition, value: "inline")
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }
}
