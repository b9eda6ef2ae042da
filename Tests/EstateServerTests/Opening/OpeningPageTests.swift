import EstateCore
@testable import EstateServer
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// The buyer's phone page and the staff's pages over HTTP (issue 18 point 4): a code by SMS, one
/// live session per buyer, choose twice with one key → one unit, confirm → subscribed, the
/// confirmation with the log's hash; the staff's setup page and the notary's list.
@Suite("Opening day: the buyer's phone page and the staff pages")
struct OpeningPageTests {
    static func field(_ name: String, in html: String) -> String? {
        guard let r = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[r.upperBound...].prefix { $0 != "\"" })
    }

    static func code(_ app: Application, _ mobile: String) async throws -> String {
        struct R: Decodable { var body: String }
        let body = try #require(try await app.db.sql.raw("""
            SELECT body FROM outbox_messages WHERE recipient = \(bind: mobile) AND template = 'opening.code' ORDER BY created_at DESC
            """).first(decoding: R.self)?.body)
        return String(try #require(body.firstMatch(of: /验证码是 ([0-9]{6})/)).1)
    }

    static func signIn(_ app: Application, _ clock: TestClock, _ mobile: String) async throws -> Browser {
        var b = Browser(app: app)
        var page = try await b.get("/xf")
        var csrf = try #require(field("xf_csrf", in: page.body.string))
        let sent = try await b.post("/xf/code", form: ["xf_csrf": csrf, "mobile": mobile])
        #expect(sent.status == .ok, "\(sent.body.string.prefix(300))")
        page = try await b.get("/xf")
        csrf = try #require(field("xf_csrf", in: page.body.string))
        let done = try await b.post("/xf/login", form: ["xf_csrf": csrf, "mobile": mobile, "code": try await code(app, mobile)])
        #expect(done.status == .seeOther)
        return b
    }

    @Test func aBuyerChoosesTwiceConfirmsOnceAndASecondDeviceEndsTheFirst() async throws {
        try await withTestApp { app, clock in
            // setup: an open event with three buyers
            let s = try await OpeningEngineTests.setup(app, clock, floors: 2, buyers: 3)
            let r = s.registrations[0]
            // A forged code gets nothing.
            var stranger = Browser(app: app)
            let first = try await stranger.get("/xf")
            let c0 = try #require(Self.field("xf_csrf", in: first.body.string))
            let forged = try await stranger.post("/xf/login", form: ["xf_csrf": c0, "mobile": r.mobile, "code": "123456"])
            #expect(forged.status != .seeOther)
            // MUT: sign in, see the units, choose the same unit twice with the page's key.
            var phone = try await Self.signIn(app, clock, r.mobile)
            let page = try await phone.get("/xf/\(s.event.id)")
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains(s.units[0].code) && html.contains("/xf/\(s.event.id)/live"))
            let csrf = try #require(Self.field("xf_csrf", in: html))
            let key = try #require(Self.field("key", in: html))
            let firstUnit = try #require(Self.field("unit", in: html))
            let a = try await phone.post("/xf/\(s.event.id)/choose", form: ["xf_csrf": csrf, "unit": firstUnit, "key": key])
            let b = try await phone.post("/xf/\(s.event.id)/choose", form: ["xf_csrf": csrf, "unit": firstUnit, "key": key])
            let location = try #require(a.headers.first(name: .location))
            #expect(location.contains("/selections/"))
            #expect(b.headers.first(name: .location) == location)
            #expect(try await OpeningEngineTests.count(app, "SELECT COUNT(*) AS n FROM opening_selections WHERE registration_id = \(bind: r.id)") == 1)
            // Confirm: subscribed, with the log's hash on the confirmation.
            let hold = try await phone.get(location)
            #expect(hold.body.string.contains("data-held-until"))
            let confirmed = try await phone.post(location + "/confirm", form: ["xf_csrf": csrf])
            #expect(confirmed.status == .seeOther)
            let done = try await phone.get(location)
            let head = try await s.service.event(s.event.id).logHash
            #expect(done.body.string.contains(head))
            #expect(done.body.string.contains("RG0000"))
            // Another buyer sees it taken and is told so when choosing it.
            var other = try await Self.signIn(app, clock, s.registrations[1].mobile)
            let otherPage = try await other.get("/xf/\(s.event.id)")
            let otherCSRF = try #require(Self.field("xf_csrf", in: otherPage.body.string))
            let refused = try await other.post("/xf/\(s.event.id)/choose", form: ["xf_csrf": otherCSRF, "unit": firstUnit, "key": "other-key-123"])
            #expect(refused.headers.first(name: .location)?.contains("error=opening_unit_taken") == true)
            // The availability stream's snapshot marks the unit taken (one build per change, shared).
            let json = try await s.service.availabilityJSON(s.event.id)
            #expect(json.contains(firstUnit.lowercased()) || json.contains(firstUnit.uppercased()))
            // A second device of the first buyer ends the first device's session.
            clock.advance(61)
            _ = try await Self.signIn(app, clock, r.mobile)
            let gone = try await phone.get("/xf/\(s.event.id)")
            #expect(gone.body.string.contains("name=\"code\"") || gone.body.string.contains("xf/code"))
            #expect(!gone.body.string.contains("/xf/\(s.event.id)/live"))
        }
    }

    @Test func staffPagesShowTheSetupTheConsoleAndTheNotaryList() async throws {
        try await withTestApp { app, clock in
            let s = try await OpeningEngineTests.setup(app, clock, floors: 2, buyers: 3)
            var staff = Browser(app: app)
            _ = try await staff.signIn("kp_manager")
            let list = try await staff.get("/projects/\(s.project)/openings")
            #expect(list.status == .ok && list.body.string.contains("一期首开"))
            let page = try await staff.get("/projects/\(s.project)/openings/\(s.event.id)")
            #expect(page.status == .ok, "\(page.body.string.prefix(500))")
            #expect(page.body.string.contains(s.registrations[0].number))
            let notary = try await staff.get("/projects/\(s.project)/openings/\(s.event.id)/notary")
            let hash = try #require(try await s.service.event(s.event.id).orderHash)
            #expect(notary.status == .ok && notary.body.string.contains(hash))
            let results = try await staff.get("/projects/\(s.project)/openings/\(s.event.id)/results.xlsx")
            #expect(results.status == .ok)
            // Pause from the console.
            let csrf = try #require(Browser.csrf(in: page.body.string))
            let paused = try await staff.post("/projects/\(s.project)/openings/\(s.event.id)/actions", form: ["_csrf": csrf, "action": "pause"])
            #expect(paused.status == .seeOther)
            #expect(try await s.service.event(s.event.id).state == .paused)
        }
    }
}
