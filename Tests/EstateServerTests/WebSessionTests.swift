import EstateCore
@testable import EstateServer
import Foundation
import Testing
import Vapor
import VaporTesting

/// Drives the browser flow: GET /login (CSRF cookie + field), POST /login.
struct Browser {
    let app: Application
    var cookies: [String: String] = [:]

    var cookieHeader: HTTPHeaders {
        ["Cookie": cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")]
    }

    mutating func absorb(_ res: TestingHTTPResponse) {
        for (name, value) in res.headers.setCookie?.all ?? [:] {
            if value.expires.map({ $0 < Date() }) == true || value.maxAge == 0 { cookies[name] = nil } else { cookies[name] = value.string }
        }
    }

    /// The hidden `_csrf` value of the first form on a page.
    static func csrf(in html: String) -> String? {
        guard let r = html.range(of: #"name="_csrf" value=""#) else { return nil }
        return String(html[r.upperBound...].prefix { $0 != "\"" })
    }

    mutating func get(_ path: String) async throws -> TestingHTTPResponse {
        var out: TestingHTTPResponse?
        var headers = cookieHeader
        // What a browser sends when it opens a page.
        headers.replaceOrAdd(name: .accept, value: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        try await app.testing().test(.GET, path, headers: headers) { out = $0 }
        absorb(out!)
        return out!
    }

    mutating func post(_ path: String, form: [String: String]) async throws -> TestingHTTPResponse {
        var out: TestingHTTPResponse?
        try await app.testing().test(.POST, path, headers: cookieHeader, beforeRequest: { req in
            try req.content.encode(form, as: .urlEncodedForm)
        }) { out = $0 }
        absorb(out!)
        return out!
    }

    mutating func signIn(_ username: String, _ password: String = "password-123") async throws -> TestingHTTPResponse {
        // The form as a signed-in browser would still have it open in another tab.
        let session = cookies.removeValue(forKey: SessionCookie.name)
        let page = try await get("/login")
        if let session { cookies[SessionCookie.name] = session }
        let token = try #require(Self.csrf(in: page.body.string))
        return try await post("/login", form: ["_csrf": token, "username": username, "password": password, "next": "/"])
    }
}

@Suite struct WebSessionTests {
    @Test func signInSetsAHardenedSessionCookie() async throws {
        try await withTestApp { app, _ in
            try await Fixtures(app: app).user("chen.xw")
            var browser = Browser(app: app)
            let res = try await browser.signIn("chen.xw")
            #expect(res.status == .seeOther)
            let cookie = try #require(res.headers.setCookie?[SessionCookie.name])
            #expect(cookie.isHTTPOnly)
            #expect(cookie.sameSite == .lax)
            #expect(!cookie.isSecure)  // plain HTTP in tests
            let home = try await browser.get("/")
            #expect(home.status == .ok)
            #expect(home.headers.first(name: .cacheControl) == "no-store")
            #expect(home.body.string.contains("CHEN.XW"))
        }
    }

    @Test func cookiesAreSecureBehindTLS() async throws {
        try await withTestApp(adjust: { $0.secureCookies = true }) { app, _ in
            try await Fixtures(app: app).user("tls.user")
            var browser = Browser(app: app)
            let res = try await browser.signIn("tls.user")
            #expect(res.headers.setCookie?[SessionCookie.name]?.isSecure == true)
        }
    }

    @Test func signInWithoutTheCSRFTokenIsRefused() async throws {
        try await withTestApp { app, _ in
            try await Fixtures(app: app).user("no.csrf")
            var browser = Browser(app: app)
            _ = try await browser.get("/login")
            let res = try await browser.post("/login", form: ["_csrf": "forged", "username": "no.csrf", "password": "password-123"])
            #expect(res.status == .forbidden)
            #expect(res.headers.setCookie?[SessionCookie.name] == nil)
        }
    }

    @Test func signedInFormPostsNeedTheSessionCSRFToken() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            try await f.user("root", roles: [(.admin, nil)])
            var browser = Browser(app: app)
            _ = try await browser.signIn("root")
            let page = try await browser.get("/admin/projects")
            let token = try #require(Browser.csrf(in: page.body.string))
            let form = ["code": "CSRF", "name": "跨站测试", "city": "成都", "priceRounding": "fen"]
            // MUT: without the token
            let refused = try await browser.post("/admin/projects", form: form)
            #expect(refused.status == .forbidden)
            #expect(try await ProjectRecord.query(on: app.db).count() == 0)
            // with it
            var withToken = form
            withToken["_csrf"] = token
            let accepted = try await browser.post("/admin/projects", form: withToken)
            #expect(accepted.status == .seeOther)
            #expect(try await ProjectRecord.query(on: app.db).count() == 1)
        }
    }

    @Test func signingInAgainIssuesANewSessionAndEndsTheOldOne() async throws {
        try await withTestApp { app, _ in
            try await Fixtures(app: app).user("rotate")
            var browser = Browser(app: app)
            _ = try await browser.signIn("rotate")
            let first = try #require(browser.cookies[SessionCookie.name])
            _ = try await browser.signIn("rotate")
            let second = try #require(browser.cookies[SessionCookie.name])
            #expect(first != second)
            // The old session id no longer works.
            var stale = Browser(app: app)
            stale.cookies[SessionCookie.name] = first
            #expect(try await stale.get("/").status == .seeOther)
            #expect(try await browser.get("/").status == .ok)
        }
    }

    @Test func idleAndAbsoluteTimeoutsEndTheSession() async throws {
        try await withTestApp { app, clock in
            try await Fixtures(app: app).user("idle")
            var browser = Browser(app: app)
            _ = try await browser.signIn("idle")
            clock.advance(29 * 60)
            #expect(try await browser.get("/").status == .ok)   // activity refreshes the idle timer
            clock.advance(29 * 60)
            #expect(try await browser.get("/").status == .ok)
            clock.advance(31 * 60)
            let expired = try await browser.get("/")
            #expect(expired.status == .seeOther)
            #expect(expired.headers.first(name: .location)?.hasPrefix("/login") == true)

            var busy = Browser(app: app)
            _ = try await busy.signIn("idle")
            for _ in 0..<25 {  // active every 29 minutes, but 12 hours is the limit
                clock.advance(29 * 60)
                _ = try await busy.get("/")
            }
            #expect(try await busy.get("/").status == .seeOther)
        }
    }

    @Test func signOutEndsTheSession() async throws {
        try await withTestApp { app, _ in
            try await Fixtures(app: app).user("leaver")
            var browser = Browser(app: app)
            _ = try await browser.signIn("leaver")
            let cookie = try #require(browser.cookies[SessionCookie.name])
            let home = try await browser.get("/")
            let token = try #require(Browser.csrf(in: home.body.string))
            let res = try await browser.post("/logout", form: ["_csrf": token])
            #expect(res.status == .seeOther)
            var replay = Browser(app: app)
            replay.cookies[SessionCookie.name] = cookie
            #expect(try await replay.get("/").status == .seeOther)
        }
    }

    @Test func pagesFollowTheLanguageSwitchAndAcceptLanguage() async throws {
        try await withTestApp { app, _ in
            do { let res = try await app.call(.GET, "/login")
                #expect(res.body.string.contains("lang=\"zh\"") || res.body.string.contains("lang=\"zh-CN\""))
                #expect(res.body.string.contains("登录"))
            }
            do { let res = try await app.call(.GET, "/login", headers: ["Accept-Language": "en-GB,en;q=0.8"])
                #expect(res.body.string.contains("Sign in"))
            }
            var browser = Browser(app: app)
            _ = try await browser.get("/lang/en?back=%2Flogin")
            #expect(browser.cookies["estate_lang"] == "en")
            #expect(try await browser.get("/login").body.string.contains("Sign in"))
        }
    }
}
