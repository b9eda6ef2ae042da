import EstateCore
@testable import EstateServer
import Foundation
import SQLKit
import Testing
import VaporTesting

/// Issue 20's demo: a mall of 4 floors and 60 tenants, 500 members, a week of desk records of every kind with the
/// follow-up calls spread over the week (so last week's report has a pass rate), a complaint past its 24 hours, and a
/// printed sheet of price tags.
@Suite("Mall: the demo's week at the desk", .serialized)
struct MallDemoTests {
    @Test func theDemoMallHasAWeekOfEveryKindAndLastWeeksReportHasAPassRate() async throws {
        try await withTestApp(.demo) { app, _ in
            // setup
            let sql = app.db as! any SQLDatabase
            struct N: Decodable { var n: Int }
            func count(_ q: SQLQueryString) async throws -> Int { try await sql.raw(q).first(decoding: N.self)?.n ?? -1 }
            let mall = try #require(try await app.services.malls(app.db).malls(in: nil).first)
            let today = CalendarDay(app.services.now())
            let yesterday = today.adding(days: -1)
            let monday = RotaService.monday(of: yesterday)
            let day = app.services.deskDay(app.db)
            // MUT
            let report = try await day.report(mall, from: monday, to: monday.adding(days: 6))
            let followUps = try await day.followUps(mall.id)
            // validate: the place and its people
            #expect(try await count("SELECT COUNT(*) AS n FROM mall_floors WHERE mall_id = \(bind: mall.id)") == 4)
            #expect(try await count("SELECT COUNT(*) AS n FROM mall_tenants WHERE mall_id = \(bind: mall.id)") == 60)
            #expect(try await count("SELECT COUNT(*) AS n FROM mall_members WHERE mall_id = \(bind: mall.id)") >= 500)
            // every kind of desk record on each of the last seven days
            for kind in ["complaint", "return", "lost_item", "broadcast", "mail"] {
                let days = report.rows.filter { ($0.counts[kind] ?? 0) > 0 }.count
                #expect(days >= min(7, monday.days(until: yesterday) + 1), "\(kind) on \(days) days")
            }
            // follow-ups over the week, not all on one day, and a pass rate below the 98 % goal
            #expect(Set(followUps.map { CalendarDay($0.createdAt) }).count >= 5)
            #expect(report.satisfied + report.unsatisfied > 0 && (report.passRate ?? 1000) < FollowUpRule.goalPermille)
            // a complaint past its clock, escalated; a printed sheet of tags
            #expect(try await count("SELECT COUNT(*) AS n FROM mall_complaints WHERE escalated_at IS NOT NULL") >= 1)
            #expect(try await count("SELECT COUNT(*) AS n FROM mall_price_tags WHERE printed_at IS NOT NULL") >= 1)
        }
    }
}
