import EstateCore
import Foundation
import Plot
import SQLKit
import Vapor

/// 业主自助: the owner's own pages. They sit outside the staff sign-in (every route is `.open`
/// to the staff guard) and check their own session instead: the `owner_session` cookie, a
/// random token kept hashed in `owner_sessions`. Every page and action checks that the ticket
/// or unit is the signed-in owner's (404 otherwise); every POST carries a CSRF token — derived
/// from the session token once signed in, a double-submit cookie before.
enum OwnerController {
    static let sessionCookie = "owner_session"
    static let preSignInCookie = "owner_csrf"
    static let csrfField = "owner_csrf"
    static let cookiePath = "/owner"
    static let maxPhotos = 6
    /// Six photos of at most 10 MB and the form around them.
    static let uploadLimit = ByteCount(value: maxPhotos * TicketService.maxAttachmentBytes + 1024 * 1024)
    static let photoTypes: Set<String> = ["image/jpeg", "image/png", "image/webp"]

    static func register(_ app: Application) {
        let o = app.grouped("owner")
        o.on(.GET, guard: .open, use: home)
        o.on(.POST, "code", guard: .open, use: requestCode)
        o.on(.POST, "login", guard: .open, use: signIn)
        o.on(.POST, "logout", guard: .open, use: signOut)
        o.on(.GET, "repairs", "new", guard: .open, use: repairForm)
        o.on(.POST, "repairs", "new", guard: .open, body: .collect(maxSize: uploadLimit), use: fileRepair)
        o.on(.GET, "complaints", "new", guard: .open, use: complaintForm)
        o.on(.POST, "complaints", "new", guard: .open, body: .collect(maxSize: uploadLimit), use: fileComplaint)
        o.on(.GET, "tickets", ":ticketID", guard: .open, use: ticket)
        o.on(.POST, "tickets", ":ticketID", "comments", guard: .open, use: comment)
        o.on(.POST, "tickets", ":ticketID", "callback", guard: .open, use: callback)
        o.on(.GET, "tickets", ":ticketID", "attachments", ":attachmentID", guard: .open, use: attachment)
    }

    // MARK: - Helpers

    static func access(_ req: Request) -> OwnerSignIn {
        OwnerSignIn(store: req.store, keyring: req.services.keyring, now: req.services.now)
    }

    static func directory(_ req: Request) -> OwnerDirectory { OwnerDirectory(store: req.store) }

    static func session(_ req: Request) async throws -> OwnerSignIn.Session? {
        guard let token = req.cookies[sessionCookie]?.string else { return nil }
        return try await access(req).session(token: token)
    }

    /// The audit line's actor: the masked mobile, never the full one.
    static func context(_ req: Request, _ mobile: String) -> AuditContext {
        AuditContext(actorID: nil, actorName: OwnerSignIn.actorName(mobile), requestID: req.id, ip: req.origin.ip)
    }

    static func field(_ req: Request, _ key: String) -> String {
        ((try? req.content.get(String.self, at: key)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func pageContext(_ req: Request, csrf: String, mobile: String?) -> OwnerPageContext {
        let notice = (try? req.query.get(String.self, at: "notice")).flatMap { notices.contains($0) ? $0 : nil }
        return OwnerPageContext(t: req.localizer, csrf: csrf,
                                staffCSRF: req.authenticated?.viaCookie == true ? req.authenticated?.session.csrfToken : nil,
                                maskedMobile: mobile.map(Masking.mobile), path: req.url.path, notice: notice)
    }

    static func context(_ req: Request, _ s: OwnerSignIn.Session) -> OwnerPageContext {
        pageContext(req, csrf: access(req).csrfToken(forSession: s.token), mobile: s.mobile)
    }

    /// Only these may come back in `?notice=`.
    static let notices: Set<String> = ["owner.notice.repair_filed", "owner.notice.complaint_filed", "owner.notice.comment_added",
                                       "owner.notice.survey_closed", "owner.notice.survey_reopened"]

    static func html(_ page: HTML, status: HTTPResponseStatus = .ok) -> Response {
        let response = Shell.response(page, status: status)
        // Owner pages hold personal data: never cached.
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    static func redirect(_ req: Request, _ to: String) -> Response {
        let response = req.redirect(to: to, redirectType: .normal)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    static func cookie(_ req: Request, _ value: String, maxAge: Int, sameSite: HTTPCookies.SameSitePolicy) -> HTTPCookies.Value {
        HTTPCookies.Value(string: value, expires: maxAge == 0 ? Date(timeIntervalSince1970: 0) : nil, maxAge: maxAge, path: cookiePath,
                          isSecure: req.secureCookies, isHTTPOnly: true, sameSite: sameSite)
    }

    static func notFound(_ req: Request, _ s: OwnerSignIn.Session?) -> Response {
        let ctx = s.map { context(req, $0) } ?? pageContext(req, csrf: "", mobile: nil)
        return html(OwnerPages.message(ctx, title: req.localizer("owner.not_found.title"), text: req.localizer("owner.not_found.text")),
                    status: .notFound)
    }

    static func expired(_ req: Request, _ s: OwnerSignIn.Session) -> Response {
        html(OwnerPages.message(context(req, s), title: req.localizer("owner.expired.title"), text: req.localizer("owner.error.expired")),
             status: .forbidden)
    }

    /// The signed-in owner's POST carries the session's token.
    static func csrfOK(_ req: Request, _ s: OwnerSignIn.Session) -> Bool {
        let sent = field(req, csrfField)
        return !sent.isEmpty && CSRFMiddleware.equal(sent, access(req).csrfToken(forSession: s.token))
    }

    /// A service refusal in the owner's words: `owner.error.<code>`, else the app's message.
    static func message(_ p: Problem, _ catalog: Catalog) -> (String, [String: String]) {
        let code = p.fields.first?.code ?? p.code
        let args = p.fields.first?.arguments ?? p.arguments
        for key in ["owner.error.\(code)", "error.\(code)"] where catalog.has(key) { return (key, args) }
        return ("owner.error.generic", [:])
    }

    static func ticketID(_ req: Request) -> UUID? { req.parameters.get("ticketID").flatMap(UUID.init(uuidString:)) }

    // MARK: - Signing in

    /// The sign-in page with a double-submit token (the cookie is kept if it is there).
    static func signInPage(_ req: Request, stage: OwnerPages.SignInStage, mobile: String = "", notice: String? = nil,
                           error: String? = nil, arguments: [String: String] = [:], status: HTTPResponseStatus = .ok) -> Response {
        let existing = req.cookies[preSignInCookie]?.string
        let token = existing.flatMap { $0.count >= 32 && $0.count < 100 ? $0 : nil } ?? AuthService.newSecret()
        var ctx = pageContext(req, csrf: token, mobile: nil)
        ctx.notice = notice
        ctx.error = error
        ctx.errorArguments = arguments
        let response = html(OwnerPages.signIn(ctx, stage: stage, mobile: mobile), status: status)
        response.cookies[preSignInCookie] = cookie(req, token, maxAge: 3600, sameSite: .strict)
        return response
    }

    static func preSignInCSRFOK(_ req: Request) -> Bool {
        guard let cookie = req.cookies[preSignInCookie]?.string, !cookie.isEmpty else { return false }
        let sent = field(req, csrfField)
        return !sent.isEmpty && CSRFMiddleware.equal(sent, cookie)
    }

    @Sendable static func home(_ req: Request) async throws -> Response {
        guard let s = try await session(req) else { return signInPage(req, stage: .mobile) }
        let dir = directory(req)
        let units = try await dir.units(s.mobile)
        let tickets = try await dir.tickets(s.mobile)
        return html(OwnerPages.home(context(req, s), units: units, tickets: tickets))
    }

    /// Always the same answer for a well-formed mobile, owner or not (no enumeration).
    @Sendable static func requestCode(_ req: Request) async throws -> Response {
        let raw = field(req, "mobile")
        guard preSignInCSRFOK(req) else {
            return signInPage(req, stage: .mobile, mobile: raw, error: "owner.error.expired", status: .forbidden)
        }
        guard let mobile = MobileNumber.normalized(raw) else {
            return signInPage(req, stage: .mobile, mobile: String(raw.prefix(20)), error: "owner.error.mobile_invalid", status: .unprocessableEntity)
        }
        let isOwner = try await directory(req).isOwner(mobile)
        switch try await access(req).requestCode(mobile: mobile, isOwner: isOwner, context: context(req, mobile)) {
        case .accepted:
            return signInPage(req, stage: .code, mobile: mobile, notice: "owner.signin.sent")
        case .tooSoon(let seconds):
            return signInPage(req, stage: .code, mobile: mobile, error: "owner.error.code_too_soon", arguments: ["seconds": "\(seconds)"],
                              status: .tooManyRequests)
        case .hourlyLimit:
            return signInPage(req, stage: .code, mobile: mobile, error: "owner.error.code_hourly", arguments: ["max": "\(OwnerSignIn.perHour)"],
                              status: .tooManyRequests)
        case .addressLimit:
            return signInPage(req, stage: .code, mobile: mobile, error: "owner.error.code_address", status: .tooManyRequests)
        }
    }

    @Sendable static func signIn(_ req: Request) async throws -> Response {
        let raw = field(req, "mobile")
        guard preSignInCSRFOK(req) else {
            return signInPage(req, stage: .mobile, mobile: raw, error: "owner.error.expired", status: .forbidden)
        }
        guard let mobile = MobileNumber.normalized(raw) else {
            return signInPage(req, stage: .mobile, error: "owner.error.mobile_invalid", status: .unprocessableEntity)
        }
        let access = access(req)
        let isOwner = try await directory(req).isOwner(mobile)
        switch try await access.signIn(mobile: mobile, code: field(req, "code"), isOwner: isOwner, context: context(req, mobile)) {
        case .signedIn(let token, _):
            // A fresh session at sign-in: any earlier one of this browser ends.
            if let old = try await session(req) { try? await access.signOut(old, context: context(req, old.mobile)) }
            let response = redirect(req, "/owner")
            response.cookies[sessionCookie] = cookie(req, token, maxAge: Int(OwnerSignIn.sessionLifetime), sameSite: .lax)
            response.cookies[preSignInCookie] = cookie(req, "", maxAge: 0, sameSite: .strict)
            return response
        case .wrong(let left):
            return signInPage(req, stage: .code, mobile: mobile, error: "owner.error.code_wrong", arguments: ["left": "\(left)"],
                              status: .unprocessableEntity)
        case .tooManyTries:
            return signInPage(req, stage: .code, mobile: mobile, error: "owner.error.code_dead", status: .tooManyRequests)
        case .noCode:
            return signInPage(req, stage: .code, mobile: mobile, error: "owner.error.code_expired", status: .unprocessableEntity)
        }
    }

    @Sendable static func signOut(_ req: Request) async throws -> Response {
        if let s = try await session(req) {
            guard csrfOK(req, s) else { return expired(req, s) }
            try await access(req).signOut(s, context: context(req, s.mobile))
        }
        let response = redirect(req, "/owner")
        response.cookies[sessionCookie] = cookie(req, "", maxAge: 0, sameSite: .lax)
        return response
    }

    // MARK: - Filing a repair or a complaint

    static func filingModel(_ req: Request, _ s: OwnerSignIn.Session, kind: TicketKind, values: [String: String] = [:]) async throws
        -> OwnerPages.FilingModel {
        let units = try await directory(req).units(s.mobile)
        var m = OwnerPages.FilingModel(kind: kind, units: units, values: values)
        if !kind.isRepair, let project = units.first?.projectId {
            // The company's tree (usable in every project), active branches only.
            let all = try await req.services.tickets(req.db).categories(project).filter { $0.active && $0.projectId == nil }
            let paths = TicketService.paths(all)
            let parents = Set(all.compactMap(\.parentId))
            let byID = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
            // Leaves only ("工程质量 / 渗漏"; "产权办理" has no children), in the tree's order.
            m.categories = all.filter { c in !parents.contains(c.id) && (c.parentId.map { byID[$0]?.active ?? false } ?? true) }
                .map { ($0.id, paths[$0.id] ?? $0.name) }
            let order = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0.sortOrder) })
            m.categories.sort { a, b in
                let ca = byID[a.id]!, cb = byID[b.id]!
                let pa = ca.parentId.flatMap { order[$0] } ?? ca.sortOrder, pb = cb.parentId.flatMap { order[$0] } ?? cb.sortOrder
                return pa != pb ? pa < pb : ca.sortOrder < cb.sortOrder
            }
        }
        return m
    }

    @Sendable static func repairForm(_ req: Request) async throws -> Response {
        guard let s = try await session(req) else { return redirect(req, "/owner") }
        return html(OwnerPages.filing(context(req, s), try await filingModel(req, s, kind: .repair)))
    }

    @Sendable static func complaintForm(_ req: Request) async throws -> Response {
        guard let s = try await session(req) else { return redirect(req, "/owner") }
        return html(OwnerPages.filing(context(req, s), try await filingModel(req, s, kind: .complaint)))
    }

    @Sendable static func fileRepair(_ req: Request) async throws -> Response { try await file(req, kind: .repair) }
    @Sendable static func fileComplaint(_ req: Request) async throws -> Response { try await file(req, kind: .complaint) }

    struct Photo { var name: String; var data: Data }

    /// The photos of a multipart form (`photos[]`), empty parts (nothing chosen) left out.
    static func photos(_ req: Request) -> [Photo] {
        guard req.headers.contentType?.type == "multipart" else { return [] }
        struct Upload: Decodable { var photos: [File]? }
        let files = (try? req.content.decode(Upload.self))?.photos ?? []
        return files.compactMap { f in
            let data = Data(buffer: f.data)
            return data.isEmpty ? nil : Photo(name: f.filename, data: data)
        }
    }

    /// A name the service accepts: the last path component, trimmed; else "照片N.jpg".
    static func photoName(_ raw: String, _ i: Int, type: String) -> String {
        let base = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        if !base.isEmpty, base.count <= 100, Text.isCleanLine(base, maxLength: 100) { return base }
        let ext = type == "image/png" ? "png" : type == "image/webp" ? "webp" : "jpg"
        return "photo-\(i + 1).\(ext)"
    }

    static func file(_ req: Request, kind: TicketKind) async throws -> Response {
        guard let s = try await session(req) else { return redirect(req, "/owner") }
        guard csrfOK(req, s) else { return expired(req, s) }
        let repair = kind.isRepair
        let keys = repair ? ["unit", "component", "location", "description"] : ["unit", "category", "title", "description"]
        let values = Dictionary(uniqueKeysWithValues: keys.map { ($0, field(req, $0)) })
        let model = try await filingModel(req, s, kind: kind, values: values)
        func refuse(_ key: String, _ args: [String: String] = [:], _ status: HTTPResponseStatus = .unprocessableEntity) -> Response {
            var ctx = context(req, s)
            ctx.error = key
            ctx.errorArguments = args
            return html(OwnerPages.filing(ctx, model), status: status)
        }
        guard let unit = model.units.first(where: { $0.unitId.uuidString == values["unit"]?.uppercased() }) else {
            return refuse("owner.error.unit_required")
        }
        var component: RepairComponent?
        var category: UUID?
        if repair {
            guard let c = RepairComponent(rawValue: values["component"] ?? "") else { return refuse("owner.error.component_required") }
            component = c
        } else {
            if let raw = values["category"], !raw.isEmpty {
                guard let id = UUID(uuidString: raw), model.categories.contains(where: { $0.id == id }) else {
                    return refuse("owner.error.category_unknown")
                }
                category = id
            }
            if (values["title"] ?? "").isEmpty { return refuse("owner.error.title_required") }
        }
        let description = values["description"] ?? ""
        if description.isEmpty { return refuse("owner.error.description_required") }
        // Every photo is checked before anything is written: a refused photo leaves no ticket behind.
        let photos = photos(req)
        if photos.count > maxPhotos { return refuse("owner.error.too_many_photos", ["max": "\(maxPhotos)"]) }
        var typed: [(Photo, String)] = []
        for p in photos {
            if p.data.count > TicketService.maxAttachmentBytes {
                return refuse("owner.error.photo_too_large", ["name": String(p.name.prefix(60)), "mb": "\(TicketService.maxAttachmentBytes / 1024 / 1024)"],
                              .payloadTooLarge)
            }
            guard let type = TicketService.sniff(p.data), photoTypes.contains(type) else {
                return refuse("owner.error.photo_type", ["name": String(p.name.prefix(60))], .unsupportedMediaType)
            }
            typed.append((p, type))
        }

        let catalog = req.services.catalog
        var draft: TicketService.Draft
        if let component {
            let location = values["location"] ?? ""
            let label = catalog.text("owner.component.\(component.rawValue)", .zh)
            draft = TicketService.Draft(kind: .repair, channel: .ownerPage, severity: .normal,
                                        title: String((location.isEmpty ? label : "\(label) · \(location)").prefix(100)))
            draft.component = component
            draft.location = location
        } else {
            draft = TicketService.Draft(kind: .complaint, channel: .ownerPage, severity: .normal, title: values["title"] ?? "")
            draft.categoryID = category
        }
        draft.description = description
        draft.unitID = unit.unitId
        draft.customerID = unit.customerId
        draft.contactName = unit.customerName
        draft.contactMobile = s.mobile
        let tickets = req.services.tickets(req.db)
        let audit = context(req, s.mobile)
        let created: TicketService.Ticket
        do {
            created = try await tickets.create(draft, in: unit.projectId, by: .owner(mobile: s.mobile), context: audit)
        } catch let p as Problem {
            let (key, args) = message(p, catalog)
            return refuse(key, args, p.status)
        }
        var failed: [String] = []
        for (i, (p, type)) in typed.enumerated() {
            do {
                _ = try await tickets.attach(created.id, fileName: photoName(p.name, i, type: type), data: p.data, visibleToOwner: true,
                                             by: .owner(mobile: s.mobile), context: audit)
            } catch {
                req.logger.warning("owner photo not attached", metadata: ["ticket": "\(created.number)", "error": "\(error)"])
                failed.append(photoName(p.name, i, type: type))
            }
        }
        if !failed.isEmpty {
            // The ticket stands; the page says which photos did not make it.
            var ctx = context(req, s)
            ctx.error = "owner.error.attach_failed"
            ctx.errorArguments = ["name": failed.joined(separator: "、")]
            let detail = try await tickets.detail(created.id, forOwner: true)
            return html(OwnerPages.ticket(ctx, .init(detail: detail, projectName: unit.projectName)), status: .created)
        }
        return redirect(req, "/owner/tickets/\(created.id)?notice=owner.notice.\(repair ? "repair" : "complaint")_filed")
    }

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
