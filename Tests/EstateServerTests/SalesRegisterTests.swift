import EstateCore
import EstateSheets
@testable import EstateServer
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// The sales register (issue 15 point 8): sortable columns, consultant and date filters, and an
/// export of exactly what the page lists under them.
@Suite struct SalesRegisterTests {
    @Test func theRegisterSortsFiltersAndExportsWhatItShows() async throws {
        try await withTestApp(.demo) { app, _ in
            let project = try #require(try await app.services.projects(app.db).id(code: "HXY"))
            let sql = app.db as! any SQLDatabase
            let consultant = try #require(try await app.services.users(app.db).find(username: "consultant")).id
            var browser = Browser(app: app)
            _ = try await browser.signIn("sales-manager", DemoSeeder.password)

            // Sorted by final total, ascending: the page's first row is the cheapest sale.
            struct S: Decodable { var number: String; var final_total_fen: Int64 }
            let all = try await sql.raw("SELECT number, final_total_fen FROM subscriptions WHERE project_id = \(bind: project)").all(decoding: S.self)
            let cheapest = try #require(all.min { ($0.final_total_fen, $0.number) < ($1.final_total_fen, $1.number) })
            var html = try await browser.get("/projects/\(project)/sales?sort=final_total&dir=asc").body.string
            let firstRow = try #require(html.range(of: "<tbody>").map { String(html[$0.upperBound...].prefix(400)) })
            #expect(firstRow.contains(cheapest.number), "first row \(firstRow)")
            #expect(html.contains("aria-sort=\"ascending\""))

            // The consultant filter and a date range narrow the list to what the database holds for them.
            let day = CalendarDay(app.services.now()).adding(days: -30)
            struct N: Decodable { var n: Int }
            let expected = try await sql.raw("""
                SELECT COUNT(*) AS n FROM subscriptions WHERE project_id = \(bind: project) AND consultant_id = \(bind: consultant)
                AND created_at >= \(bind: day.start)
                """).first(decoding: N.self)?.n ?? -1
            #expect(expected > 0 && expected < all.count)
            let q = "consultantId=\(consultant.uuidString)&from=\(day)"
            html = try await browser.get("/projects/\(project)/sales?\(q)").body.string
            #expect(html.contains("共 \(expected) 条"), "the pager counts \(expected)")
            #expect(html.components(separatedBy: "<a class=\"mono\" href=\"/sales/").count - 1 == min(expected, 50))

            // The export holds the same rows, in the same order, money as numbers.
            let res = try await browser.get("/projects/\(project)/sales/export.xlsx?\(q)&sort=final_total&dir=asc")
            #expect(res.status == .ok)
            #expect(res.headers.first(name: .contentDisposition)?.contains(".xlsx") == true)
            let rows = try XLSXReader.rows(Data(buffer: res.body))
            #expect(rows.count == expected + 1)
            let totals = rows.dropFirst().compactMap { Decimal(string: $0.cells[3]) }
            #expect(totals.count == expected && totals == totals.sorted())
        }
    }

    /// The customer list sorts by its column heads; records without the value come last either way.
    @Test func theCustomerListSortsByItsColumns() async throws {
        try await withTestApp(.demo) { app, _ in
            let project = try #require(try await app.services.projects(app.db).id(code: "HXY"))
            let sql = app.db as! any SQLDatabase
            struct D: Decodable { var d: String? }
            let first = try await sql.raw("""
                SELECT MIN(next_follow_up_on) AS d FROM customers WHERE project_id = \(bind: project) AND merged_into IS NULL
                """).first(decoding: D.self)?.d
            let day = try #require(first)
            var browser = Browser(app: app)
            _ = try await browser.signIn("sales-manager", DemoSeeder.password)
            let html = try await browser.get("/projects/\(project)/customers?sort=next_follow_up&dir=asc").body.string
            let body = try #require(html.range(of: "<tbody>").map { String(html[$0.upperBound...]) })
            let firstRow = try #require(body.components(separatedBy: "</tr>").first)
            #expect(firstRow.contains(day), "the earliest follow-up \(day) first")
            #expect(html.contains("aria-sort=\"ascending\""))
            // Descending, the records without a planned follow-up still come last: the first row has a date.
            let desc = try await browser.get("/projects/\(project)/customers?sort=next_follow_up").body.string
            let last = try await sql.raw("""
                SELECT MAX(next_follow_up_on) AS d FROM customers WHERE project_id = \(bind: project) AND merged_into IS NULL
                """).first(decoding: D.self)?.d
            let top = try #require(desc.range(of: "<tbody>").map { String(desc[$0.upperBound...]) }?.components(separatedBy: "</tr>").first)
            #expect(top.contains(try #require(last)))
        }
    }
}
