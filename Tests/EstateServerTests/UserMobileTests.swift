import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import Testing
import Vapor
import VaporTesting

/// Staff mobiles (手机号) for the SMS of ticket assignments and escalations: set on creation,
/// changed, removed with null, refused when not a mainland mobile, never written whole to the audit.
@Suite struct UserMobileTests {
    func audits(_ app: Application) async throws -> String {
        try await AuditRecord.query(on: app.db).filter(\.$entity == "user").all()
            .map { "\($0.summary) \($0.before ?? "") \($0.after ?? "")" }.joined(separator: "\n")
    }

    @Test func theAPISetsChangesAndClearsAMobile() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            try await f.user("root", roles: [(.admin, nil)])
            let token = try await f.token("root")
            // Created with a mobile.
            let created = try await app.call(.POST, "/api/v1/users", headers: .bearer(token),
                                             json: ["username": "wang.fang", "displayName": "王芳", "password": "password-123", "mobile": "13812345678"])
            #expect(created.status == .created, "\(created.body.string)")
            let user = try created.decode(Schemas.User.self)
            #expect(user.mobile == "13812345678")
            let id = user.id
            // A bad one: 422, and nobody is created.
            for bad in ["12812345678", "1381234567", "138 1234 5678", "+8613812345678"] {
                let res = try await app.call(.POST, "/api/v1/users", headers: .bearer(token),
                                             json: ["username": "li.lei", "displayName": "李雷", "password": "password-123", "mobile": bad])
                #expect(res.status == .unprocessableEntity, "\(bad)")
                #expect(try res.problem().errors?.first?.field == "mobile", "\(bad)")
            }
            #expect(try await UserRecord.query(on: app.db).filter(\.$username == "li.lei").count() == 0)
            // The service's own check, for callers past the contract (pages, CLI).
            await #expect(throws: Problem.self) {
                _ = try await app.services.users(app.db).create(username: "li.lei", displayName: "李雷", password: "password-123",
                                                                mobile: "12345", context: .system("test"))
            }
            do {
                _ = try await app.services.users(app.db).create(username: "li.lei", displayName: "李雷", password: "password-123",
                                                                mobile: "10000000000", context: .system("test"))
            } catch let p as Problem {
                #expect(p.status == .unprocessableEntity && p.fields.map(\.code) == ["mobile_invalid"])
            }
            #expect(try await UserRecord.query(on: app.db).filter(\.$username == "li.lei").count() == 0)

            // Changed; other changes leave it; null removes it.
            var res = try await app.call(.PATCH, "/api/v1/users/\(id)", headers: .bearer(token), json: ["mobile": "13987654321"])
            #expect(res.status == .ok, "\(res.body.string)")
            #expect(try res.decode(Schemas.User.self).mobile == "13987654321")
            res = try await app.call(.PATCH, "/api/v1/users/\(id)", headers: .bearer(token), json: ["displayName": "王芳芳"])
            #expect(try res.decode(Schemas.User.self).mobile == "13987654321")
            res = try await app.call(.PATCH, "/api/v1/users/\(id)", headers: .bearer(token), json: ["mobile": "139876543"])
            #expect(res.status == .unprocessableEntity)
            var json = HTTPHeaders.bearer(token)
            json.contentType = .json
            res = try await app.call(.PATCH, "/api/v1/users/\(id)", headers: json, body: ByteBuffer(string: #"{"mobile": null}"#))
            #expect(res.status == .ok, "\(res.body.string)")
            #expect(try res.decode(Schemas.User.self).mobile == nil)
            res = try await app.call(.GET, "/api/v1/users/\(id)", headers: .bearer(token))
            #expect(!res.body.string.contains("mobile"))
            #expect(try await app.services.users(app.db).find(UUID(uuidString: id)!)?.mobile == nil)

            // The audit has the masked numbers only.
            let audit = try await audits(app)
            #expect(audit.contains("138****5678") && audit.contains("139****4321"))
            #expect(!audit.contains("13812345678") && !audit.contains("13987654321"))
        }
    }

    @Test func theAdminPagesShowAndEditTheMobile() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            try await f.user("root", roles: [(.admin, nil)])
            var browser = Browser(app: app)
            _ = try await browser.signIn("root")
            var page = try await browser.get("/admin/users")
            #expect(page.body.string.contains("name=\"mobile\""))
            var csrf = try #require(Browser.csrf(in: page.body.string))
            // A bad mobile comes back with its message and keeps what was typed; nobody is created.
            let bad = try await browser.post("/admin/users", form: ["_csrf": csrf, "username": "chen.xw", "displayName": "陈晓雯",
                                                                   "password": "password-123", "mobile": "12345"])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("手机号需为 11 位"))
            #expect(bad.body.string.contains("value=\"12345\""))
            #expect(try await UserRecord.query(on: app.db).filter(\.$username == "chen.xw").count() == 0)
            let created = try await browser.post("/admin/users", form: ["_csrf": csrf, "username": "chen.xw", "displayName": "陈晓雯",
                                                                       "password": "password-123", "mobile": "138 1234 5678"])
            #expect(created.status == .seeOther)
            let base = String(try #require(created.headers.first(name: .location)).prefix { $0 != "?" })
            page = try await browser.get(base)
            #expect(page.body.string.contains("手机号"))
            #expect(page.body.string.contains("value=\"13812345678\""))
            csrf = try #require(Browser.csrf(in: page.body.string))
            // Changed on the profile form; a bad one is refused with its message.
            var res = try await browser.post(base, form: ["_csrf": csrf, "displayName": "陈晓雯", "mobile": "13900001111"])
            #expect(res.headers.first(name: .location)?.contains("notice=notice.saved") == true)
            #expect(try await browser.get(base).body.string.contains("value=\"13900001111\""))
            res = try await browser.post(base, form: ["_csrf": csrf, "displayName": "陈晓雯", "mobile": "1390000111"])
            #expect(res.headers.first(name: .location)?.contains("error=mobile_invalid") == true)
            #expect(try await browser.get(try #require(res.headers.first(name: .location))).body.string.contains("手机号需为 11 位"))
            // Emptied: removed.
            res = try await browser.post(base, form: ["_csrf": csrf, "displayName": "陈晓雯", "mobile": ""])
            #expect(res.headers.first(name: .location)?.contains("notice=notice.saved") == true)
            let user = try #require(try await app.services.users(app.db).find(username: "chen.xw"))
            #expect(user.mobile == nil)
            #expect(!(try await audits(app)).contains("13900001111"))
        }
    }
}
