import EstateCore
@testable import EstateServer
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// The new-ticket form as the desk uses it (issue 15 point 4): the unit as staff type it or pick it
/// (by code, building or owner), 处理人 within the chosen department, and a contact number nobody
/// on record has confirmed by the agent before the owner's SMS goes to it.
@Suite struct TicketFormTests {
    static func form(_ project: UUID, _ extra: [String: String]) -> [String: String] {
        ["kind": "inquiry", "channel": "hotline", "severity": "normal", "title": "咨询交付时间"].merging(extra) { _, b in b }
    }

    @Test func theDeskTypesPicksAssignsAndConfirmsAsItShould() async throws {
        try await withTestApp(.demo) { app, _ in
            let project = try #require(try await app.services.projects(app.db).id(code: "HXY"))
            let sql = app.db as! any SQLDatabase
            // A sold unit, its buyer's name and mobile.
            struct Owner: Decodable { var unit_id: UUID; var code: String; var name: String; var mobile: String }
            let owner = try #require(try await sql.raw("""
                SELECT s.unit_id, u.code, c.name, c.mobile FROM subscriptions s JOIN units u ON u.id = s.unit_id
                JOIN sale_buyers b ON b.subscription_id = s.id AND b.is_current JOIN customers c ON c.id = b.customer_id
                WHERE s.project_id = \(bind: project) AND s.status = 'contracted' AND u.code LIKE '1-1-%' AND LENGTH(u.code) = 7
                ORDER BY u.code LIMIT 1
                """).first(decoding: Owner.self))
            let parts = owner.code.split(separator: "-")
            let padded = "\(parts[0])-\(parts[1])-0\(parts[2])"   // 1-1-101 typed as 1-1-0101
            var desk = Browser(app: app)
            _ = try await desk.signIn("cs-staff", DemoSeeder.password)
            let page = try await desk.get("/projects/\(project)/tickets/new")
            let csrf = try #require(Browser.csrf(in: page.body.string))

            // The picker finds the unit by the code as typed, by its building, and by its owner's name.
            for q in [padded, owner.code, String(owner.name.prefix(2))] {
                let res = try await desk.get("/projects/\(project)/tickets/unit-picker?q=\(q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
                #expect(res.status == .ok)
                let found = try JSONDecoder().decode([[String: String]].self, from: Data(res.body.readableBytesView))
                #expect(found.contains { $0["code"] == owner.code }, "picker for \(q): \(found.prefix(3))")
                if q == String(owner.name.prefix(2)) {
                    #expect(found.first { $0["code"] == owner.code }?["label"]?.contains(Masking.name(owner.name)) == true)
                    #expect(!(found.first { $0["code"] == owner.code }?["label"]?.contains(owner.name) ?? true) || owner.name.count < 2)
                }
            }

            // The owner's own number needs no confirmation; the unit is taken as typed.
            var res = try await desk.post("/projects/\(project)/tickets/new",
                                          form: Self.form(project, ["_csrf": csrf, "unitCode": padded, "contactMobile": owner.mobile]))
            #expect(res.status == .seeOther, "\(res.body.string.prefix(400))")
            let ticketID = try #require(res.headers.first(name: .location)?.split(separator: "/").last.flatMap { UUID(uuidString: String($0.prefix(36))) })
            struct T: Decodable { var unit_id: UUID? }
            #expect(try await sql.raw("SELECT unit_id FROM tickets WHERE id = \(bind: ticketID)").first(decoding: T.self)?.unit_id == owner.unit_id)

            // A number on no record: refused until the agent ticks the box, which the page then shows.
            let stranger = "13900001234"
            let before = try await sql.raw("SELECT COUNT(*) AS n FROM tickets").first(decoding: N.self)?.n
            res = try await desk.post("/projects/\(project)/tickets/new",
                                      form: Self.form(project, ["_csrf": csrf, "unitCode": owner.code, "contactMobile": stranger]))
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("name=\"confirmContact\""))
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM tickets").first(decoding: N.self)?.n == before)
            res = try await desk.post("/projects/\(project)/tickets/new",
                                      form: Self.form(project, ["_csrf": csrf, "unitCode": owner.code, "contactMobile": stranger, "confirmContact": "1"]))
            #expect(res.status == .seeOther)

            // 处理人 follows the department: every option names its departments, and a person outside the chosen one is refused.
            let html = try await desk.get("/projects/\(project)/tickets/new").body.string
            let engineer = try #require(try await app.services.users(app.db).find(username: "engineer")).id
            let staff = try #require(try await app.services.users(app.db).find(username: "cs-staff")).id
            #expect(html.contains("value=\"\(engineer.uuidString)\" data-departments=\"engineering\" data-repairs-only=\"1\""))
            #expect(html.contains("value=\"\(staff.uuidString)\" data-departments=\"customer_service\" data-repairs-only=\"0\""))
            res = try await desk.post("/projects/\(project)/tickets/new",
                                      form: Self.form(project, ["_csrf": csrf, "department": "engineering", "assigneeId": staff.uuidString]))
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("所选处理人不属于该部门"))
            res = try await desk.post("/projects/\(project)/tickets/new",
                                      form: Self.form(project, ["_csrf": csrf, "department": "customer_service", "assigneeId": staff.uuidString]))
            #expect(res.status == .seeOther)
        }
    }

    struct N: Decodable { var n: Int }
}
