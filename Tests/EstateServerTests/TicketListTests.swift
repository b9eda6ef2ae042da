import EstateCore
import EstateSheets
@testable import EstateServer
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// The ticket list's export and 批量改派 (issue 15 point 8).
@Suite struct TicketListTests {
    @Test func theListExportsWhatItShowsAndManagersReassignInBulk() async throws {
        try await withTestApp(.demo) { app, _ in
            let project = try #require(try await app.services.projects(app.db).id(code: "HXY"))
            let sql = app.db as! any SQLDatabase
            struct N: Decodable { var n: Int }
            struct T: Decodable { var id: UUID; var status: String; var assignee_id: UUID? }
            var manager = Browser(app: app)
            _ = try await manager.signIn("cs-manager", DemoSeeder.password)

            // The export: every ticket the filter lists, contact numbers masked.
            let repairs = try await sql.raw("SELECT COUNT(*) AS n FROM tickets WHERE project_id = \(bind: project) AND kind = 'repair'")
                .first(decoding: N.self)?.n ?? -1
            var res = try await manager.get("/projects/\(project)/tickets.xlsx?kind=repair")
            #expect(res.status == .ok)
            let rows = try XLSXReader.rows(Data(buffer: res.body))
            #expect(rows.count == repairs + 1 && repairs > 0)
            #expect(rows.dropFirst().allSatisfy { $0.cells[7].isEmpty || $0.cells[7].contains("****") })

            // 批量改派: two open repairs and a closed ticket to the property manager; the closed one is left and counted.
            let open = try await sql.raw("""
                SELECT id, status, assignee_id FROM tickets WHERE project_id = \(bind: project) AND kind = 'repair'
                AND status IN ('new', 'assigned', 'in_progress') ORDER BY number LIMIT 2
                """).all(decoding: T.self)
            let closed = try #require(try await sql.raw("""
                SELECT id, status, assignee_id FROM tickets WHERE project_id = \(bind: project) AND status = 'closed' LIMIT 1
                """).first(decoding: T.self))
            #expect(open.count == 2)
            let property = try #require(try await app.services.users(app.db).find(username: "property")).id
            let page = try await manager.get("/projects/\(project)/tickets").body.string
            #expect(page.contains("id=\"reassign-form\"") && page.contains("form=\"reassign-form\""))
            let csrf = try #require(Browser.csrf(in: page))
            res = try await manager.post("/projects/\(project)/tickets/reassign",
                                         form: ["_csrf": csrf, "assigneeId": property.uuidString, "department": "property",
                                                "ticketIds[0]": open[0].id.uuidString, "ticketIds[1]": open[1].id.uuidString,
                                                "ticketIds[2]": closed.id.uuidString])
            #expect(res.status == .seeOther)
            #expect(res.headers.first(name: .location)?.contains("error=ticket.reassigned_partly&e.count=1") == true)
            for t in open {
                let now = try #require(try await sql.raw("SELECT id, status, assignee_id FROM tickets WHERE id = \(bind: t.id)").first(decoding: T.self))
                #expect(now.assignee_id == property)
            }
            let after = try #require(try await sql.raw("SELECT id, status, assignee_id FROM tickets WHERE id = \(bind: closed.id)").first(decoding: T.self))
            #expect(after.status == "closed" && after.assignee_id == closed.assignee_id)

            // Staff who do not manage the desk get no boxes and may not post it.
            var staff = Browser(app: app)
            _ = try await staff.signIn("cs-staff", DemoSeeder.password)
            let staffPage = try await staff.get("/projects/\(project)/tickets").body.string
            #expect(!staffPage.contains("reassign-form"))
            let staffCSRF = try #require(Browser.csrf(in: staffPage))
            res = try await staff.post("/projects/\(project)/tickets/reassign",
                                       form: ["_csrf": staffCSRF, "assigneeId": property.uuidString, "ticketIds[0]": open[0].id.uuidString])
            #expect(res.status == .forbidden)
        }
    }

    @Test func theCallbackWorkbenchRecordsAnOutcomeInItsRow() async throws {
        try await withTestApp(.demo) { app, _ in
            let project = try #require(try await app.services.projects(app.db).id(code: "HXY"))
            let sql = app.db as! any SQLDatabase
            struct T: Decodable { var id: UUID; var status: String; var assignee_id: UUID? }
            let manager = try #require(try await app.services.users(app.db).find(username: "cs-manager")).id
            let waiting = try #require(try await sql.raw("""
                SELECT id, status, assignee_id FROM tickets WHERE project_id = \(bind: project) AND status = 'callback'
                AND (assignee_id IS NULL OR assignee_id <> \(bind: manager)) ORDER BY number LIMIT 1
                """).first(decoding: T.self))
            var desk = Browser(app: app)
            _ = try await desk.signIn("cs-manager", DemoSeeder.password)
            let page = try await desk.get("/projects/\(project)/tickets/callbacks").body.string
            #expect(page.contains("action=\"/tickets/\(waiting.id)/callback\""))
            // A ticket the viewer handled offers them no inline 回访 (someone else calls the owner).
            let staff = try #require(try await app.services.users(app.db).find(username: "cs-staff")).id
            let own = try await sql.raw("""
                SELECT id, status, assignee_id FROM tickets WHERE project_id = \(bind: project) AND status = 'callback' AND assignee_id = \(bind: staff)
                """).all(decoding: T.self)
            #expect(!own.isEmpty)
            var staffDesk = Browser(app: app)
            _ = try await staffDesk.signIn("cs-staff", DemoSeeder.password)
            let staffPage = try await staffDesk.get("/projects/\(project)/tickets/callbacks").body.string
            for t in own {
                #expect(page.contains("action=\"/tickets/\(t.id)/callback\""))
                #expect(!staffPage.contains("action=\"/tickets/\(t.id)/callback\""))
            }
            let csrf = try #require(Browser.csrf(in: page))
            // Without a satisfaction: back to the workbench with the reason, nothing recorded.
            var res = try await desk.post("/tickets/\(waiting.id)/callback", form: ["_csrf": csrf, "return": "callbacks", "solved": "yes"])
            #expect(res.status == .seeOther)
            #expect(res.headers.first(name: .location)?.hasPrefix("/projects/\(project)/tickets/callbacks?error=") == true)
            #expect(try await sql.raw("SELECT id, status, assignee_id FROM tickets WHERE id = \(bind: waiting.id)").first(decoding: T.self)?.status == "callback")
            // With it: closed, and the agent is back on the workbench for the next one.
            res = try await desk.post("/tickets/\(waiting.id)/callback",
                                      form: ["_csrf": csrf, "return": "callbacks", "satisfaction": "5", "solved": "yes", "note": "业主满意"])
            #expect(res.headers.first(name: .location) == "/projects/\(project)/tickets/callbacks?notice=ticket.notice.callback_closed")
            #expect(try await sql.raw("SELECT id, status, assignee_id FROM tickets WHERE id = \(bind: waiting.id)").first(decoding: T.self)?.status == "closed")
        }
    }
}
