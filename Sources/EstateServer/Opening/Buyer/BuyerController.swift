import EstateCore
import Foundation
import Plot
import Vapor

/// 线上选房: the buyer's phone page (issue 18 point 4), outside the staff sign-in like the owner
/// pages: the `xf_session` cookie (a random token kept hashed), one live session per buyer, a CSRF
/// token derived from it on every POST (a double-submit cookie before sign-in). Each page render
/// gives every unit's 选 button its own idempotency key, so a second tap or a retry on a poor
/// network replays the first answer and never takes two units.
enum BuyerController {
    static let sessionCookie = "xf_session"
    static let preSignInCookie = "xf_csrf"
    static let csrfField = "xf_csrf"
    static let cookiePath = "/xf"

    static func register(_ app: Application) {
        let x = app.grouped("xf")
        x.on(.GET, guard: .open, use: home)
        x.on(.POST, "code", guard: .open, use: requestCode)
        x.on(.POST, "login", guard: .open, use: signIn)
        x.on(.POST, "logout", guard: .open, use: signOut)
        x.on(.GET, ":eventID", guard: .open, use: event)
        x.on(.GET, ":eventID", "live", guard: .open, use: live)
        x.on(.POST, ":eventID", "choose", guard: .open, use: choose)
        x.on(.POST, ":eventID", "favourites", guard: .open, use: favourite)
        x.on(.GET, ":eventID", "selections", ":selectionID", guard: .open, use: selection)
        x.on(.POST, ":eventID", "selections", ":selectionID", "confirm", guard: .open, use: confirm)
    }

    // MARK: Helpers

    static func access(_ req: Request) -> OpeningSignIn { OpeningSignIn(store: req.store, keyring: req.services.keyring, now: req.services.now) }

    static func session(_ req: Request) async throws -> OwnerSignIn.Session? {
        guard let token = req.cookies[sessionCookie]?.string else { return nil }
        return try await access(req).session(token: token)
    }

    static func context(_ req: Request, _ mobile: String) -> AuditContext {
        AuditContext(actorID: nil, actorName: OpeningSignIn.actorName(mobile), requestID: req.id, ip: req.origin.ip)
    }

    static func field(_ req: Request, _ key: String) -> String {
        ((try? req.content.get(String.self, at: key)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func pageContext(_ req: Request, csrf: String, mobile: String?) -> BuyerPages.Context {
        BuyerPages.Context(t: req.localizer, csrf: csrf, staffCSRF: req.authenticated?.viaCookie == true ? req.authenticated?.session.csrfToken : nil,
                           maskedMobile: mobile.map(Masking.mobile), path: req.url.path,
                           error: req.queryText("error", max: 60).flatMap { req.services.catalog.has("error.\($0)") ? "error.\($0)" : nil })
    }

    static func context(_ req: Request, _ s: OwnerSignIn.Session) -> BuyerPages.Context {
        pageContext(req, csrf: access(req).csrfToken(forSession: s.token), mobile: s.mobile)
    }

    static func html(_ page: HTML, status: HTTPResponseStatus = .ok) -> Response {
        let response = Shell.response(page, status: status)
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

    static func csrfOK(_ req: Request, _ s: OwnerSignIn.Session) -> Bool {
        let sent = field(req, csrfField)
        return !sent.isEmpty && CSRFMiddleware.equal(sent, access(req).csrfToken(forSession: s.token))
    }

    static func preSignInCSRFOK(_ req: Request) -> Bool {
        guard let cookie = req.cookies[preSignInCookie]?.string, !cookie.isEmpty else { return false }
        let sent = field(req, csrfField)
        return !sent.isEmpty && CSRFMiddleware.equal(sent, cookie)
    }

    /// The signed-in buyer's registration in the engine's event behind `:eventID` (404 otherwise).
    struct Seat { var session: OwnerSignIn.Session; var event: OpeningService.Event; var engine: OpeningService.Event
                  var registration: OpeningService.Registration; var real: OpeningService.Registration }

    static func seat(_ req: Request) async throws -> Seat? {
        guard let s = try await session(req) else { return nil }
        guard let id = req.parameters.get("eventID").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound }
        let seat = try await req.services.openings(req.db).seat(event: id, mobile: s.mobile)
        return Seat(session: s, event: seat.event, engine: seat.engine, registration: seat.registration, real: seat.real)
    }

    static func signInPage(_ req: Request, stage: BuyerPages.SignInStage, mobile: String = "", notice: String? = nil, error: String? = nil,
                           arguments: [String: String] = [:], status: HTTPResponseStatus = .ok) -> Response {
        let existing = req.cookies[preSignInCookie]?.string
        let token = existing.flatMap { $0.count >= 32 && $0.count < 100 ? $0 : nil } ?? AuthService.newSecret()
        var ctx = pageContext(req, csrf: token, mobile: nil)
        ctx.notice = notice
        ctx.error = error ?? ctx.error
        ctx.errorArguments = arguments
        let response = html(BuyerPages.signIn(ctx, stage: stage, mobile: mobile), status: status)
        response.cookies[preSignInCookie] = cookie(req, token, maxAge: 3600, sameSite: .strict)
        return response
    }

    // MARK: Signing in

    @Sendable static func home(_ req: Request) async throws -> Response {
        guard let s = try await session(req) else { return signInPage(req, stage: .mobile) }
        let events = try await req.services.openings(req.db).buyerEvents(mobile: s.mobile)
        if events.count == 1 { return redirect(req, "/xf/\(events[0].id)") }
        return html(BuyerPages.home(context(req, s), events: events))
    }

    @Sendable static func requestCode(_ req: Request) async throws -> Response {
        let raw = field(req, "mobile")
        guard preSignInCSRFOK(req) else { return signInPage(req, stage: .mobile, mobile: raw, error: "owner.error.expired", status: .forbidden) }
        guard let mobile = MobileNumber.normalized(raw) else {
            return signInPage(req, stage: .mobile, mobile: String(raw.prefix(20)), error: "owner.error.mobile_invalid", status: .unprocessableEntity)
        }
        switch try await access(req).requestCode(mobile: mobile, context: context(req, mobile)) {
        case .accepted: return signInPage(req, stage: .code, mobile: mobile, notice: "xf.code_sent")
        case .tooSoon(let seconds):
            return signInPage(req, stage: .code, mobile: mobile, error: "owner.error.code_too_soon", arguments: ["seconds": "\(seconds)"], status: .tooManyRequests)
        case .hourlyLimit:
            return signInPage(req, stage: .code, mobile: mobile, error: "owner.error.code_hourly", arguments: ["max": "\(OwnerSignIn.perHour)"], status: .tooManyRequests)
        case .addressLimit:
            return signInPage(req, stage: .code, mobile: mobile, error: "owner.error.code_address", status: .tooManyRequests)
        }
    }

    @Sendable static func signIn(_ req: Request) async throws -> Response {
        let raw = field(req, "mobile")
        guard preSignInCSRFOK(req) else { return signInPage(req, stage: .mobile, mobile: raw, error: "owner.error.expired", status: .forbidden) }
        guard let mobile = MobileNumber.normalized(raw) else {
            return signInPage(req, stage: .mobile, error: "owner.error.mobile_invalid", status: .unprocessableEntity)
        }
        switch try await access(req).signIn(mobile: mobile, code: field(req, "code"), context: context(req, mobile)) {
        case .signedIn(let token, _):
            let response = redirect(req, "/xf")
            response.cookies[sessionCookie] = cookie(req, token, maxAge: Int(OpeningSignIn.sessionLifetime), sameSite: .lax)
            response.cookies[preSignInCookie] = cookie(req, "", maxAge: 0, sameSite: .strict)
            return response
        case .wrong(let left):
            return signInPage(req, stage: .code, mobile: mobile, error: "owner.error.code_wrong", arguments: ["left": "\(left)"], status: .unprocessableEntity)
        case .tooManyTries:
            return signInPage(req, stage: .code, mobile: mobile, error: "owner.error.code_dead", status: .tooManyRequests)
        case .noCode:
            return signInPage(req, stage: .code, mobile: mobile, error: "owner.error.code_expired", status: .unprocessableEntity)
        }
    }

    @Sendable static func signOut(_ req: Request) async throws -> Response {
        if let s = try await session(req) {
            guard csrfOK(req, s) else { return signInPage(req, stage: .mobile, error: "owner.error.expired", status: .forbidden) }
            try await access(req).signOut(s, context: context(req, s.mobile))
        }
        let response = redirect(req, "/xf")
        response.cookies[sessionCookie] = cookie(req, "", maxAge: 0, sameSite: .lax)
        return response
    }

    // MARK: Choosing

    @Sendable static func event(_ req: Request) async throws -> Response {
        guard let seat = try await seat(req) else { return signInPage(req, stage: .mobile, error: "error.opening_session_replaced") }
        let svc = req.services.openings(req.db)
        let model = BuyerPages.EventModel(event: seat.event, engine: seat.engine, registration: seat.registration,
                                          batches: try await svc.batches(seat.engine.id), slots: try await svc.slots(seat.engine.id),
                                          favourites: try await svc.favourites(seat.real.id), selections: try await svc.selections(registration: seat.registration.id),
                                          now: req.services.now(), pageKey: String(AuthService.newSecret().filter { $0.isLetter || $0.isNumber }.prefix(16)))
        return html(BuyerPages.event(context(req, seat.session), model))
    }

    /// One compact availability update per change, shared by every viewer (`OpeningHub`).
    @Sendable static func live(_ req: Request) async throws -> Response {
        guard let seat = try await seat(req) else { throw Problem.unauthenticated }
        let svc = req.services.openings(req.db)
        let hub = req.services.openingEvents
        let eventID = seat.engine.id
        return ServerSentEvents.response { writer in
            let updates = hub.subscribe(eventID)
            do {
                let first = try await svc.availabilityJSON(eventID)
                try await writer.write(.buffer(ByteBuffer(string: "retry: 2000\nevent: avail\ndata: \(first)\n\n")))
                try await ServerSentEvents.withHeartbeat(updates, buffering: 1) { merged in
                    for await item in merged {
                        switch item {
                        case .heartbeat:
                            try await writer.write(.buffer(ByteBuffer(string: ": ping\n\n")))
                        case .value:
                            let json = try await svc.availabilityJSON(eventID)
                            try await writer.write(.buffer(ByteBuffer(string: "event: avail\ndata: \(json)\n\n")))
                        }
                    }
                }
                try await writer.write(.end)
            } catch {
                try? await writer.write(.error(error))
            }
        }
    }

    @Sendable static func choose(_ req: Request) async throws -> Response {
        let svc = req.services.openings(req.db)
        // Admitted before the session is read, as the API does; turned away, the page asks the buyer to tap again.
        do {
            return try await svc.gate.admit { try await choose(req, svc) }
        } catch let p as Problem where p.code == "opening_busy" {
            guard let event = req.parameters.get("eventID").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound }
            return redirect(req, "/xf/\(event)?error=opening_busy")
        }
    }

    static func choose(_ req: Request, _ svc: OpeningService) async throws -> Response {
        guard let seat = try await seat(req) else { return signInPage(req, stage: .mobile, error: "error.opening_session_replaced") }
        guard csrfOK(req, seat.session) else { return redirect(req, "/xf/\(seat.event.id)?error=csrf_failed") }
        guard let unit = UUID(uuidString: field(req, "unit")) else { return redirect(req, "/xf/\(seat.event.id)?error=unit_not_in_opening") }
        do {
            let s = try await svc.choose(event: seat.engine.id, registration: seat.registration.id, unit: unit,
                                         key: field(req, "key"), context: context(req, seat.session.mobile))
            return redirect(req, "/xf/\(seat.event.id)/selections/\(s.id)")
        } catch let p as Problem where [.conflict, .unprocessableEntity, .tooManyRequests, .serviceUnavailable].contains(p.status) {
            return redirect(req, "/xf/\(seat.event.id)?error=\(p.fields.first?.code ?? p.code)")
        }
    }

    @Sendable static func favourite(_ req: Request) async throws -> Response {
        guard let seat = try await seat(req) else { return signInPage(req, stage: .mobile, error: "error.opening_session_replaced") }
        guard csrfOK(req, seat.session) else { return redirect(req, "/xf/\(seat.event.id)?error=csrf_failed") }
        guard let unit = UUID(uuidString: field(req, "unit")) else { return redirect(req, "/xf/\(seat.event.id)?error=unit_not_in_opening") }
        do { _ = try await req.services.openings(req.db).toggleFavourite(seat.real, unit: unit, context: context(req, seat.session.mobile)) }
        catch let p as Problem where p.status == .conflict { return redirect(req, "/xf/\(seat.event.id)?error=\(p.code)") }
        return redirect(req, "/xf/\(seat.event.id)#u-\(unit)")
    }

    @Sendable static func selection(_ req: Request) async throws -> Response {
        guard let seat = try await seat(req) else { return signInPage(req, stage: .mobile, error: "error.opening_session_replaced") }
        guard let id = req.parameters.get("selectionID").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound }
        let s = try await req.services.openings(req.db).selection(id)
        guard s.registrationId == seat.registration.id else { throw Problem.notFound }
        return html(BuyerPages.selection(context(req, seat.session), event: seat.event, selection: s, now: req.services.now()))
    }

    @Sendable static func confirm(_ req: Request) async throws -> Response {
        guard let seat = try await seat(req) else { return signInPage(req, stage: .mobile, error: "error.opening_session_replaced") }
        guard csrfOK(req, seat.session) else { return redirect(req, "/xf/\(seat.event.id)?error=csrf_failed") }
        guard let id = req.parameters.get("selectionID").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound }
        do {
            _ = try await req.services.openings(req.db).confirm(event: seat.engine.id, registration: seat.registration.id, selection: id,
                                                                context: context(req, seat.session.mobile))
            return redirect(req, "/xf/\(seat.event.id)/selections/\(id)")
        } catch let p as Problem where p.status == .conflict {
            return redirect(req, "/xf/\(seat.event.id)?error=\(p.code)")
        }
    }
}
