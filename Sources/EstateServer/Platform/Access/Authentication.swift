import EstateCore
import Vapor

/// The signed-in user of a request and the session behind it.
struct Authenticated: Sendable {
    let principal: Principal
    let sessionID: UUID
    let session: SessionInfo
    /// The principal's grants as lists show them (`/api/v1/me`), read with it.
    let grants: [UserService.GrantSummary]
    /// Cookie sessions need a CSRF token on unsafe requests; bearer tokens do not
    /// (a browser never attaches them by itself).
    let viaCookie: Bool
}

enum SessionCookie {
    static let name = "estate_session"
    static let preLoginCSRF = "estate_csrf"

    /// Clears the pre-login CSRF cookie: a cookie is only replaced by one with its own path.
    static let expiredPreLoginCSRF = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: "/login",
                                                       isHTTPOnly: true, sameSite: .strict)

    static func make(_ value: String, maxAge: Int?, secure: Bool) -> HTTPCookies.Value {
        HTTPCookies.Value(string: value, maxAge: maxAge, path: "/", isSecure: secure, isHTTPOnly: true, sameSite: .lax)
    }
}

extension Request {
    private struct AuthKey: StorageKey { typealias Value = Authenticated }

    var authenticated: Authenticated? {
        get { storage[AuthKey.self] }
        set { storage[AuthKey.self] = newValue }
    }

    var principal: Principal? { authenticated?.principal }

    /// Whether cookies should carry `Secure`: configured, or decided by TLS / a TLS-terminating proxy.
    var secureCookies: Bool {
        if let configured = services.config.secureCookies { return configured }
        return url.scheme == "https" || headers.first(name: "X-Forwarded-Proto")?.lowercased() == "https"
    }

    /// The client's address: the socket peer, or what trusted proxies say it is (`TrustedProxies`).
    var clientAddress: String? {
        services.config.trustedProxies.clientAddress(peer: remoteAddress?.ipAddress, forwardedFor: headers[.xForwardedFor])
    }

    var auditContext: AuditContext {
        AuditContext(actorID: principal?.userID, actorName: principal?.username ?? "anonymous", requestID: id,
                     ip: clientAddress, sessionID: authenticated?.sessionID)
    }

    var origin: AuthService.Origin {
        AuthService.Origin(ip: clientAddress, userAgent: headers.first(name: .userAgent), requestID: id)
    }

    /// The signed-in principal or 401.
    func requirePrincipal() throws -> Principal {
        guard let principal else { throw Problem.unauthenticated }
        return principal
    }

    /// The one gate for "may this user do this action (on this project)": 401
    /// when not signed in, 404 when the project is not theirs to see, 403 (and
    /// an audit line) when they see it but lack the action.
    @discardableResult
    func require(_ action: Action, on projectID: UUID? = nil) async throws -> Principal {
        try await AccessGate.require(action, on: projectID, principal: principal, route: "\(method.rawValue) \(url.path)",
                                     context: auditContext, store: store)
    }
}

/// "May this user do this action (on this project)", for pages (`Request.require`) and the API
/// (`APICall.require`) alike.
enum AccessGate {
    /// 401 without `principal`, 404 when the project is not theirs to see, 403 (and an audit line
    /// naming `route`, written to `store`) when they see it but lack the action.
    static func require(_ action: Action, on projectID: UUID?, principal: Principal?, route: String, context: @autoclosure () -> AuditContext,
                        store: @autoclosure () -> Store) async throws -> Principal {
        guard let principal else { throw Problem.unauthenticated }
        if let projectID, !principal.canSee(project: projectID) { throw Problem.notFound }
        guard principal.may(action, on: projectID) else {
            try? await AuditLog.recordAlone(
                AuditEntry(action: "access.denied", entity: "route", entityID: route, projectID: projectID,
                           summary: "denied \(action.rawValue)", outcome: .denied),
                context: context(), store: store())
            throw Problem.forbidden
        }
        return principal
    }
}

/// Finds the session from the cookie or the bearer token; never fails the request by itself.
struct SessionAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let auth = request.services.auth(request.db)
        if let bearer = request.headers.bearerAuthorization?.token {
            if let (session, principal, grants) = try await auth.authenticate(token: bearer, kind: .api) {
                request.authenticated = Authenticated(principal: principal, sessionID: session.id, session: session, grants: grants, viaCookie: false)
            }
        } else if let cookie = request.cookies[SessionCookie.name]?.string,
                  let (session, principal, grants) = try await auth.authenticate(token: cookie, kind: .web) {
            request.authenticated = Authenticated(principal: principal, sessionID: session.id, session: session, grants: grants, viaCookie: true)
        }
        let response = try await next.respond(to: request)
        if request.authenticated != nil {
            // Signed-in pages and answers hold personal data: never cached (DOMAIN §8).
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        return response
    }
}

/// Unsafe requests authenticated by the session cookie must carry the
/// session's CSRF token (form field `_csrf` or header `X-CSRF-Token`). The
/// sign-in form, before any session, uses a double-submit cookie instead.
struct CSRFMiddleware: AsyncMiddleware {
    static let safe: [HTTPMethod] = [.GET, .HEAD, .OPTIONS]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard !Self.safe.contains(request.method) else { return try await next.respond(to: request) }
        // A large multipart upload is still streaming when this runs, so its form fields cannot be
        // read here: such a form carries the token in its action's query instead.
        let multipart = request.headers.contentType?.type == "multipart"
        // An ordinary form may arrive in several chunks: read it whole before looking for its token
        // (reading a half-arrived body found no token and refused long forms at random).
        if request.headers.contentType == .urlEncodedForm, request.headers.first(name: "X-CSRF-Token") == nil, request.body.data == nil {
            _ = try await request.body.collect(max: request.application.routes.defaultMaxBodySize.value).get()
        }
        let sent = request.headers.first(name: "X-CSRF-Token") ?? (try? request.content.get(String.self, at: "_csrf"))
            ?? (multipart ? try? request.query.get(String.self, at: "_csrf") : nil)
        if request.url.path == "/login" {
            // The sign-in form, before any session: the hidden field must match the cookie.
            guard let cookie = request.cookies[SessionCookie.preLoginCSRF]?.string, let sent, Self.equal(sent, cookie) else {
                throw Problem.csrf
            }
        } else if let auth = request.authenticated, auth.viaCookie {
            guard let expected = auth.session.csrfToken, let sent, Self.equal(sent, expected) else { throw Problem.csrf }
        }
        return try await next.respond(to: request)
    }

    /// Constant-time comparison.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Headers every response carries.
struct SecurityHeadersMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        response.headers.replaceOrAdd(name: "X-Request-ID", value: request.id)
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        if response.headers.contentType?.subType == "html" {
            response.headers.replaceOrAdd(name: "Content-Security-Policy",
                                          value: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                              + "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
        }
        return response
    }
}
