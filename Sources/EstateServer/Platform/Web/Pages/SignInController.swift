import Plot
import Vapor

enum SignInController {
    struct Form: Content {
        var username: String
        var password: String
        var next: String?
    }

    /// Only a path on this site, so a link or form cannot bounce a user elsewhere: one leading
    /// `/` not followed by `/` or `\`, no `\` at all, nothing a browser strips or folds
    /// (controls, tabs, newlines, other spaces, invisible format characters: `/\t/host` is
    /// `//host` to a browser), and no scheme or host when parsed as a URL. Anything else is `/`.
    static func safeNext(_ s: String?) -> String {
        guard let s, s.count <= 2000, s.hasPrefix("/"), !s.hasPrefix("//"), !s.contains("\\") else { return "/" }
        let forbidden = s.unicodeScalars.contains {
            $0.value < 0x21 || $0.value == 0x7F || $0.properties.isWhitespace
                || $0.properties.generalCategory == .control || $0.properties.generalCategory == .format
        }
        guard !forbidden, let url = URLComponents(string: s), url.scheme == nil, url.host == nil, url.path.hasPrefix("/"),
              !url.path.hasPrefix("//") else { return "/" }
        return s
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        if req.principal != nil { return req.redirect(to: "/") }
        return render(req, SignInPage.Model(next: safeNext(try? req.query.get(String.self, at: "next")), csrf: ""), status: .ok)
    }

    @Sendable static func submit(_ req: Request) async throws -> Response {
        let form = try req.content.decode(Form.self)
        let next = safeNext(form.next)
        do {
            let signedIn = try await req.services.auth(req.db).signIn(username: form.username, password: form.password, kind: .web, origin: req.origin)
            // A fresh session id at sign-in (no fixation): any older session of this browser ends.
            if let old = req.authenticated { try? await req.services.auth(req.db).signOut(session: old.session, context: req.auditContext) }
            let response = req.redirect(to: next, redirectType: .normal)
            response.cookies[SessionCookie.name] = SessionCookie.make(signedIn.token, maxAge: Int(req.services.config.sessionAbsoluteTimeout),
                                                                     secure: req.secureCookies)
            response.cookies[SessionCookie.preLoginCSRF] = SessionCookie.expiredPreLoginCSRF
            return response
        } catch let problem as Problem {
            return render(req, SignInPage.Model(username: form.username, next: next, error: problem.code, errorArgs: problem.arguments, csrf: ""),
                          status: problem.status)
        }
    }

    /// Renders the form with a fresh double-submit CSRF cookie.
    private static func render(_ req: Request, _ model: SignInPage.Model, status: HTTPResponseStatus) -> Response {
        var model = model
        model.csrf = AuthService.newSecret()
        let response = Shell.response(SignInPage.view(PageContext(req), model), status: status)
        response.cookies[SessionCookie.preLoginCSRF] = HTTPCookies.Value(
            string: model.csrf, maxAge: 3600, path: "/login", isSecure: req.secureCookies, isHTTPOnly: true, sameSite: .strict)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    @Sendable static func signOut(_ req: Request) async throws -> Response {
        if let auth = req.authenticated {
            try await req.services.auth(req.db).signOut(session: auth.session, context: req.auditContext)
        }
        let response = req.redirect(to: "/login")
        response.cookies[SessionCookie.name] = .expired
        return response
    }

    @Sendable static func language(_ req: Request) async throws -> Response {
        guard let lang = req.parameters.get("code").flatMap(Language.init(rawValue:)) else { throw Problem.notFound }
        let response = req.redirect(to: safeNext(try? req.query.get(String.self, at: "back")))
        response.cookies["estate_lang"] = HTTPCookies.Value(string: lang.rawValue, maxAge: 365 * 86400, path: "/",
                                                            isSecure: req.secureCookies, isHTTPOnly: true, sameSite: .lax)
        return response
    }
}
