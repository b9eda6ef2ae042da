import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import Logging
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Issue 13, points 2, 5 and 6: what a probe of the running server found, each as it was
/// reproduced (every test here failed before its fix).
@Suite("Security probe findings")
struct SecurityProbeTests {
    typealias People = CustomerTests.People

    static func items(_ res: TestingHTTPResponse) throws -> [String] {
        try res.decode(Schemas.CustomerPage.self).items.map(\.id)
    }

    static func search(_ app: Application, _ p: People, _ token: String, _ q: String) async throws -> TestingHTTPResponse {
        try await app.call(.GET, "/api/v1/customers?projectId=\(p.project)&q=\(q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                           headers: .bearer(token))
    }

    // MARK: 2. Search as an unmasking oracle

    @Test func anExactSearchAnswersOnlyWhatTheSearcherCouldRevealAndIsLogged() async throws {
        try await withTestApp { app, clock in
            let p = try await CustomerTests.people(app, "SO")
            let bobs = try await CustomerTests.create(app, p, p.bob, name: "鲍勃客户", mobile: "13700001234", id: "11010519491231002X")
            let alices = try await CustomerTests.create(app, p, p.alice, name: "爱丽丝客户", mobile: "13600005678", id: "440524198001010013")
            // Alice sees Bob's customer masked in a name search (so nobody registers it twice)…
            #expect(try Self.items(try await Self.search(app, p, p.alice, "鲍勃")) == [bobs])
            // …but neither his full mobile nor his ID number is confirmed to her: the same answer as no match.
            for q in ["13700001234", "11010519491231002X", "13799999999", "110105194912310011"] {
                clock.advance(1) // audit lines in search order: sorting by time alone left ties in any order
                let res = try await Self.search(app, p, p.alice, q)
                #expect(res.status == .ok)
                #expect(try Self.items(res).isEmpty, "\(q)")
                #expect(try res.decode(Schemas.CustomerPage.self).total == 0)
            }
            // Her own customer by full mobile and ID: found; the sales manager (may reveal) finds both.
            #expect(try Self.items(try await Self.search(app, p, p.alice, "13600005678")) == [alices])
            #expect(try Self.items(try await Self.search(app, p, p.alice, "440524198001010013")) == [alices])
            #expect(try Self.items(try await Self.search(app, p, p.manager, "13700001234")) == [bobs])
            #expect(try Self.items(try await Self.search(app, p, p.manager, "11010519491231002x")) == [bobs])
            // The last four digits show in the mask anyway: still found.
            #expect(try Self.items(try await Self.search(app, p, p.alice, "1234")) == [bobs])
            // Every exact search is logged with its kind and hits, never the value.
            let lines = try await AuditRecord.query(on: app.db).filter(\.$action == ExactLookups.action).sort(\.$at).all()
            #expect(lines.count == 8)
            #expect(lines.filter { $0.actorName == "alice" }.count == 6)
            #expect(lines.allSatisfy { !($0.summary + ($0.after ?? "")).contains("1373") && !($0.summary + ($0.after ?? "")).contains("110105") })
            // (The test clock stands still, so the lines are compared as a multiset, not in order.)
            #expect(lines.filter { $0.actorName == "alice" }.map(\.summary).sorted() == [
                "exact search by id_number (customers): 0 hits", "exact search by id_number (customers): 0 hits",
                "exact search by id_number (customers): 1 hit", "exact search by mobile (customers): 0 hits",
                "exact search by mobile (customers): 0 hits", "exact search by mobile (customers): 1 hit",
            ])
            #expect(try await Fixtures(app: app).auditCount(action: ExactLookups.action) == 8)
            // Name and suffix searches are not exact look-ups.
            _ = try await Self.search(app, p, p.alice, "爱丽丝")
            #expect(try await Fixtures(app: app).auditCount(action: ExactLookups.action) == 8)
        }
    }

    @Test func exactSearchesAreLimitedPerUserAndTheManagersAreAlerted() async throws {
        try await withTestApp { app, clock in
            let p = try await CustomerTests.people(app, "SL")
            try await (app.db as! any SQLDatabase).update("users").set("mobile", to: "13911112222").where("username", .equal, "boss").run()
            // A guessing sweep from one consultant: 24 one after another, then 12 at once across the
            // limit — exactly 30 answered, the rest 429 (parallel requests cannot slip past together).
            for i in 0..<24 { #expect(try await Self.search(app, p, p.alice, String(format: "1380000%04d", i)).status == .ok) }
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for i in 24..<36 {
                    group.addTask { try await Self.search(app, p, p.alice, String(format: "1380000%04d", i)).status }
                }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == ExactLookups.defaultPerHour - 24, "\(statuses)")
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 36 - ExactLookups.defaultPerHour, "\(statuses)")
            let refused = try await Self.search(app, p, p.alice, "13800009999")
            #expect(refused.status == .tooManyRequests)
            #expect(try refused.problem().code == "search_rate_limited")
            #expect(refused.headers.first(name: .retryAfter) == "3600")
            // The refusal is logged each time; the managers get one SMS, not one per refusal.
            #expect(try await Fixtures(app: app).auditCount(action: ExactLookups.limitedAction) == 36 - ExactLookups.defaultPerHour + 1)
            let sms = try await (app.db as! any SQLDatabase).raw("SELECT recipient FROM outbox_messages WHERE template = 'security.search_limit'")
                .all(decoding: [String: String].self)
            #expect(sms.map { $0["recipient"] } == ["13911112222"])
            // Other users are not limited by Alice's searches; names never count; an hour later she may search again.
            #expect(try await Self.search(app, p, p.bob, "13800009999").status == .ok)
            #expect(try await Self.search(app, p, p.alice, "王").status == .ok)
            clock.advance(3601)
            #expect(try await Self.search(app, p, p.alice, "13800009999").status == .ok)
        }
    }

    @Test func theSalesRegisterMatchesAFullMobileOnlyForWhoCouldRevealIt() async throws {
        try await withTestApp { app, clock in
            let d = try await SaleTests.desk(app, clock, code: "SR")
            let f = Fixtures(app: app)
            try await f.user("bob", roles: [(.consultant, d.project)])
            let bob = try await f.token("bob")
            let alices = try await SaleTests.customer(d, "登记客户", "13700004321")
            let sub = try await SaleTests.subscribe(d, unit: d.units[0], buyers: [(alices, "100")])
            #expect(sub.status == .created, "\(sub.body.string.prefix(400))")
            func register(_ token: String, _ q: String) async throws -> Int {
                try await app.call(.GET, "/api/v1/subscriptions?projectId=\(d.project)&q=\(q)", headers: .bearer(token)).decode(Schemas.SubscriptionPage.self).total
            }
            #expect(try await register(d.consultant, "13700004321") == 1)
            #expect(try await register(d.manager, "13700004321") == 1)
            #expect(try await register(bob, "13700004321") == 0)
            // Longer partial numbers match no mobile (they would reveal more than the mask); four digits do.
            #expect(try await register(bob, "700004321") == 0)
            #expect(try await register(bob, "4321") == 1)
            #expect(try await Fixtures(app: app).auditCount(action: ExactLookups.action) == 3)
        }
    }

    @Test func aTicketSearchMatchesAFullContactMobileOnlyForWhoMaySeeIt() async throws {
        try await withTestApp { app, clock in
            let t = try await TicketTests.desk(app, clock)
            let created = try await TicketTests.create(t, ["kind": "inquiry", "channel": "hotline", "severity": "normal", "title": "交房时间咨询",
                                                           "contactName": "王先生", "contactMobile": "13800001111"])
            #expect(created.status == .created, "\(created.body.string.prefix(300))")
            func total(_ token: String, _ q: String) async throws -> Int {
                try await app.call(.GET, "/api/v1/tickets?projectId=\(t.d.project)&q=\(q)", headers: .bearer(token)).decode(Schemas.TicketPage.self).total
            }
            // Customer service may reveal personal data: found by the full number, logged.
            #expect(try await total(t.d.cs, "13800001111") == 1)
            // The engineer sees the contact masked and is not the assignee: the same answer as no match.
            #expect(try await total(t.engineer, "13800001111") == 0)
            #expect(try await total(t.engineer, "13800001112") == 0)
            #expect(try await total(t.engineer, "%E7%8E%8B") == 1)
            #expect(try await Fixtures(app: app).auditCount(action: ExactLookups.action) == 3)
        }
    }

    @Test func anOutsideBrokerSeesNoCustomer() async throws {
        try await withTestApp { app, _ in
            let p = try await CustomerTests.people(app, "AG")
            _ = try await CustomerTests.create(app, p, p.alice, name: "经纪客户", mobile: "13500001111")
            try await Fixtures(app: app).user("broker", roles: [(.agent, p.project)])
            let token = try await Fixtures(app: app).token("broker")
            #expect(try await Self.search(app, p, token, "13500001111").status == .forbidden)
            #expect(try await Self.search(app, p, token, "").status == .forbidden)
            #expect(try await app.call(.GET, "/api/v1/tickets?projectId=\(p.project)", headers: .bearer(token)).status == .forbidden)
            var browser = Browser(app: app)
            _ = try await browser.signIn("broker")
            #expect(try await browser.get("/projects/\(p.project)/customers").status == .forbidden)
        }
    }

    static func userID(_ app: Application, _ username: String) async throws -> UUID {
        try #require(try await UserRecord.query(on: app.db).filter(\.$username == username).first()?.id)
    }

    // MARK: 5. Open redirect

    /// Known bypasses of "starts with /" checks, as a browser reads them.
    static let offSite = [
        "//elsewhere.example", "/\t/elsewhere.example", "/%09/elsewhere.example".removingPercentEncoding!, "/\n/elsewhere.example",
        "/\r/elsewhere.example", "/\\elsewhere.example", "\\/elsewhere.example", "/\\/elsewhere.example", "https://elsewhere.example",
        "http:elsewhere.example", "javascript:alert(1)", " /x", "/ /elsewhere.example", "/\u{0}/elsewhere.example",
        "/\u{7F}/x", "/\u{200B}/elsewhere.example", "/\u{3000}/elsewhere.example", "/\u{00A0}/elsewhere.example",
        "\t//elsewhere.example", "///elsewhere.example", "elsewhere.example", "", "/.\\./elsewhere",
    ]

    @Test func redirectsStayOnThisSite() async throws {
        for bad in Self.offSite { #expect(SignInController.safeNext(bad) == "/", "\(bad.debugDescription)") }
        for good in ["/", "/customers", "/projects/1/units?status=available&q=%E7%8E%8B", "/approvals?box=mine#x"] {
            #expect(SignInController.safeNext(good) == good)
        }
        try await withTestApp { app, _ in
            for bad in ["/%09/elsewhere.example", "/%0A/elsewhere.example", "%2F%2Felsewhere.example", "/%5Celsewhere.example",
                        "/%E2%80%8B/elsewhere.example"] {
                let res = try await app.call(.GET, "/lang/en?back=\(bad)")
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location) == "/", "\(bad)")
            }
            try await Fixtures(app: app).user("walker")
            var browser = Browser(app: app)
            let page = try await browser.get("/login")
            let csrf = try #require(Browser.csrf(in: page.body.string))
            let res = try await browser.post("/login", form: ["_csrf": csrf, "username": "walker", "password": "password-123",
                                                              "next": "/\t/elsewhere.example"])
            #expect(res.status == .seeOther)
            #expect(res.headers.first(name: .location) == "/")
            // The pre-login CSRF cookie is cleared on the path it was set on.
            let cleared = try #require(res.headers.setCookie?[SessionCookie.preLoginCSRF])
            #expect(cleared.path == "/login" && cleared.string.isEmpty)
            #expect(res.headers[.setCookie].contains { $0.hasPrefix("estate_csrf=;") && $0.contains("Path=/login") && $0.contains("Max-Age=0") })
        }
    }

    // MARK: 6. Lower severity

    @Test func aLockedAccountAnswersAsAnUnknownOneDoes() async throws {
        try await withTestApp { app, _ in
            try await Fixtures(app: app).user("zhao.lei")
            func attempt(_ user: String, _ password: String) async throws -> (HTTPStatus, String, String, Bool) {
                let res = try await app.call(.POST, "/api/v1/auth/login", json: ["username": user, "password": password])
                return (res.status, (try? res.problem().code) ?? "", (try? res.problem().detail) ?? "",
                        res.headers.contains(name: .retryAfter))
            }
            for _ in 0..<5 {
                _ = try await attempt("zhao.lei", "bad-password")
                _ = try await attempt("nobody.here", "bad-password")
            }
            let known = try await attempt("zhao.lei", "bad-password")
            let unknown = try await attempt("nobody.here", "bad-password")
            #expect(known == unknown)
            #expect(known.0 == .unauthorized && known.1 == "invalid_credentials" && !known.3)
            // The lock holds: the right password is refused with the same answer, and logged as locked.
            #expect(try await attempt("zhao.lei", "password-123") == unknown)
            #expect(try await Fixtures(app: app).auditCount(action: "auth.login_locked") == 2)
        }
    }

    @Test func aBusyAddressStillLetsACorrectPasswordInAndProxiesAreTrustedOnlyWhenListed() async throws {
        try await withTestApp(adjust: { $0.addressThrottleThreshold = 3; $0.trustedProxies = TrustedProxies("127.0.0.1")! }) { app, _ in
            let f = Fixtures(app: app)
            try await f.user("office.a")
            try await f.user("office.b")
            let tester = try app.testing(method: .running(port: 0))
            func login(_ user: String, _ password: String, from: String? = nil) async throws -> HTTPStatus {
                var status: HTTPStatus = .internalServerError
                try await tester.test(.POST, "/api/v1/auth/login", headers: from.map { ["X-Forwarded-For": $0] } ?? [:], beforeRequest: { req in
                    try req.content.encode(["username": user, "password": password], as: .json)
                }, afterResponse: { res async in status = res.status })
                return status
            }
            // Three failures behind one office address (the proxy says so), for three names.
            for user in ["office.a", "ghost.1", "ghost.2"] { #expect(try await login(user, "wrong-password", from: "203.0.113.7") == .unauthorized) }
            #expect(try await login("office.b", "wrong-password", from: "203.0.113.7") == .tooManyRequests)
            // A colleague with the right password still gets in; another address is not throttled at all.
            #expect(try await login("office.b", "password-123", from: "203.0.113.7") == .ok)
            #expect(try await login("ghost.3", "wrong-password", from: "198.51.100.9") == .unauthorized)
            let ips = try await AuditRecord.query(on: app.db).filter(\.$action == "auth.login_failed").all().compactMap(\.ip)
            #expect(Set(ips) == ["203.0.113.7", "198.51.100.9"])
        }
        // Without the setting, the header is ignored: the peer's address is the client.
        try await withTestApp { app, _ in
            let tester = try app.testing(method: .running(port: 0))
            try await tester.test(.POST, "/api/v1/auth/login", headers: ["X-Forwarded-For": "203.0.113.7"], beforeRequest: { req in
                try req.content.encode(["username": "someone", "password": "wrong-password"], as: .json)
            }, afterResponse: { res async in #expect(res.status == .unauthorized) })
            let ips = try await AuditRecord.query(on: app.db).filter(\.$action == "auth.login_failed").all().compactMap(\.ip)
            #expect(ips.count == 1 && ips.allSatisfy { $0 != "203.0.113.7" && !$0.isEmpty })
        }
    }

    @Test func trustedProxiesReadForwardedForRightToLeft() {
        let p = TrustedProxies("10.0.0.0/8, 192.168.1.1, ::1, fd00::/8")!
        #expect(p.clientAddress(peer: "10.1.2.3", forwardedFor: ["203.0.113.7, 10.9.9.9"]) == "203.0.113.7")
        #expect(p.clientAddress(peer: "10.1.2.3", forwardedFor: ["1.1.1.1, 203.0.113.7"]) == "203.0.113.7")
        #expect(p.clientAddress(peer: "198.51.100.1", forwardedFor: ["203.0.113.7"]) == "198.51.100.1")
        #expect(p.clientAddress(peer: "::1", forwardedFor: ["2001:db8::5"]) == "2001:db8::5")
        #expect(p.clientAddress(peer: "::ffff:10.0.0.1", forwardedFor: ["203.0.113.9"]) == "203.0.113.9")
        #expect(p.clientAddress(peer: "10.1.2.3", forwardedFor: ["not-an-ip"]) == "10.1.2.3")
        #expect(p.trusts("fd12::1") && !p.trusts("fe80::1") && !p.trusts("11.0.0.1") && p.trusts("192.168.1.1") && !p.trusts("192.168.1.2"))
        #expect(TrustedProxies("10.0.0.0/33") == nil && TrustedProxies("example.com") == nil && TrustedProxies("1.2.3.4/x") == nil)
        #expect(TrustedProxies.none.clientAddress(peer: nil, forwardedFor: ["203.0.113.7"]) == nil)
    }

    @Test func metricsAreNotOnThePublicPortUnlessATokenIsSet() async throws {
        try await withTestApp { app, _ in
            let res = try await app.call(.GET, "/metrics")
            #expect(res.status == .notFound)
        }
        try await withTestApp(adjust: { $0.metricsToken = "a-long-metrics-token-123" }) { app, _ in
            for headers: HTTPHeaders in [[:], .bearer("wrong-token-wrong-token")] {
                let res = try await app.call(.GET, "/metrics", headers: headers)
                #expect(res.status == .unauthorized, "\(res.status) \(res.body.string.prefix(300))")
            }
            let res = try await app.call(.GET, "/metrics", headers: .bearer("a-long-metrics-token-123"))
            #expect(res.status == .ok && res.body.string.contains("# TYPE"))
        }
        // The default: its own loopback listener.
        let port = Int.random(in: 20_000...40_000)
        try await withTestApp(adjust: { $0.metricsAddress = ("127.0.0.1", port) }) { app, _ in
            try await app.asyncBoot()
            let tester = try app.testing(method: .running(port: 0))
            try await tester.test(.GET, "/health") { res async in #expect(res.status == .ok) }
            let res = try await app.client.get("http://127.0.0.1:\(port)/metrics")
            #expect(res.status == .ok)
            #expect(res.body.map { String(buffer: $0) }?.contains("http_requests_total") == true)
            try await tester.test(.GET, "/metrics") { res async in #expect(res.status == .notFound) }
        }
        #expect(try AppConfiguration.fromEnvironment([:]).metricsAddress.map { "\($0.host):\($0.port)" } == "127.0.0.1:9464")
        #expect(try AppConfiguration.fromEnvironment(["ESTATE_METRICS_ADDRESS": "off"]).metricsAddress == nil)
        #expect(throws: AppConfiguration.Invalid.self) { try AppConfiguration.fromEnvironment(["ESTATE_METRICS_ADDRESS": "9464"]) }
        #expect(throws: AppConfiguration.Invalid.self) { try AppConfiguration.fromEnvironment(["ESTATE_TRUSTED_PROXIES": "proxy.local"]) }
    }

    @Test func signInCodesStayOutOfTheLogUnlessInDemoMode() async throws {
        let lines = LogCapture()
        let logger = Logger(label: "test") { _ in lines }
        let code = OutgoingMessage(id: UUID(), channel: .sms, recipient: "13812341234", subject: "登录验证码",
                                   body: "您的登录验证码是 482913", attempt: 1, secret: true)
        let notice = OutgoingMessage(id: UUID(), channel: .sms, recipient: "13812341234", subject: "工单", body: "工单 GD-1 已派给您", attempt: 1)
        _ = try await LogGateway(logger: logger).send(code)
        _ = try await LogGateway(logger: logger).send(notice)
        #expect(!lines.text.contains("482913") && lines.text.contains(LogGateway.hidden) && lines.text.contains("工单 GD-1"))
        #expect(!lines.text.contains("13812341234"))
        _ = try await LogGateway(logger: logger, showsSecrets: true).send(code)
        #expect(lines.text.contains("482913"))
    }

    @Test func theAuditFilterTakesItsPrefixLiterally() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            try await f.user("auditor", roles: [(.admin, nil)])
            let token = try await f.token("auditor")
            _ = try await app.call(.POST, "/api/v1/auth/login", json: ["username": "auditor", "password": "wrong-password"])
            func count(_ action: String) async throws -> Int {
                try await app.call(.GET, "/api/v1/audit?action=\(action.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                                   headers: .bearer(token)).decode(Schemas.AuditPage.self).total
            }
            #expect(try await count("auth.login*") == 2)       // auth.login and auth.login_failed
            #expect(try await count("auth.login_*") == 1)      // auth.login_failed only
            #expect(try await count("%*") == 0)                // not "everything"
            #expect(try await count("auth_login*") == 0)       // `_` is not a wildcard
            #expect(try await count("*") == (try await app.call(.GET, "/api/v1/audit", headers: .bearer(token)).decode(Schemas.AuditPage.self).total))
        }
    }

    @Test func pagesCarryTheTighterContentSecurityPolicy() async throws {
        try await withTestApp { app, _ in
            let res = try await app.call(.GET, "/login")
            let csp = try #require(res.headers.first(name: "Content-Security-Policy"))
            for directive in ["form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'", "object-src 'none'"] {
                #expect(csp.contains(directive), "\(directive)")
            }
        }
    }
}

/// Collects log lines for assertions.
final class LogCapture: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? { get { metadata[key] } set { metadata[key] = newValue } }
    var text: String { lock.withLock { lines.joined(separator: "\n") } }
    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        lock.withLock { lines.append(message.description) }
    }
}
