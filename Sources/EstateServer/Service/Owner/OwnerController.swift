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
        let o = app.grouped("owner").grouped(OwnerHotlines())
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
                                maskedMobile: mobile.map(Masking.mobile), path: req.url.path, notice: notice,
                                hotlines: req.storage[OwnerHotlines.Key.self] ?? [])
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
}
