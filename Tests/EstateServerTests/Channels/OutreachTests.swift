import EstateCore
@testable import EstateServer
import EstateSheets
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// 拓客计划 vs 实绩 and the channel report (issue 17 point 6) on both engines: plans and actuals through the API,
/// the funnel and cost per registration / visit by channel, an .xlsx import that is all rows or none, and the page.
@Suite("Channels: outreach plans and the channel report")
struct OutreachTests {
    typealias Schemas = Components.Schemas

    @Test func plansActualsAndTheReportsCostPerRegistrationAndVisit() async throws {
        try await withTestApp { app, clock in
            // setup: two agencies; the first registers three customers, two of whom visit; the second one.
            let s = try await RegistrationTests.setup(app, clock, code: "TK", channels: 2, brokersEach: 1)
            let f = Fixtures(app: app)
            let manager = try await f.token("qudao")
            let regs = app.services.registrations(app.db)
            for (i, mobile) in ["13966660001", "13966660002", "13966660003"].enumerated() {
                let r = try await RegistrationTests.register(app, s, channel: 0, mobile: mobile)
                if i < 2 { _ = try await regs.confirmVisit(r.id, proof: .number, mobile: nil, partySize: 1, by: s.principals[s.consultant]!, context: .system("test")) }
            }
            _ = try await RegistrationTests.register(app, s, channel: 1, mobile: "13966660004")
            let today = CalendarDay(clock.now)
            // MUT: a plan, then its actuals and costs (¥600 + ¥200 + ¥100 = ¥900).
            var res = try await app.call(.POST, "/api/v1/outreach-plans", headers: .bearer(manager), json: [
                "projectId": .s(s.project.uuidString), "channelId": .s(s.channels[0].uuidString), "area": "天府三街", "day": .s(today.description),
                "plan": ["calls": 200, "flyers": 300, "interceptions": 10, "points": 1, "visits": 5]] as J)
            #expect(res.status == .created, "\(res.body.string)")
            let plan = try res.decode(Schemas.OutreachPlan.self)
            #expect(plan.actual == nil && plan.plan.calls == 200)
            res = try await app.call(.PUT, "/api/v1/outreach-plans/\(plan.id)/actuals", headers: .bearer(manager), json: [
                "actual": ["calls": 180, "flyers": 320, "interceptions": 8, "points": 1, "visits": 2],
                "costs": ["staff": "600", "materials": "200", "fees": "100.00"]] as J)
            #expect(res.status == .ok, "\(res.body.string)")
            // Bad input changes nothing: a negative count, an empty area, a plan that does not exist, a broker.
            res = try await app.call(.PUT, "/api/v1/outreach-plans/\(plan.id)/actuals", headers: .bearer(manager), json: [
                "actual": ["calls": -1, "flyers": 0, "interceptions": 0, "points": 0, "visits": 0],
                "costs": ["staff": "0", "materials": "0", "fees": "0"]] as J)
            #expect(res.status == .badRequest || res.status == .unprocessableEntity, "\(res.body.string)")
            res = try await app.call(.POST, "/api/v1/outreach-plans", headers: .bearer(manager), json: [
                "projectId": .s(s.project.uuidString), "channelId": .s(s.channels[0].uuidString), "area": " ", "day": .s(today.description),
                "plan": ["calls": 1, "flyers": 0, "interceptions": 0, "points": 0, "visits": 0]] as J)
            #expect(res.status == .unprocessableEntity, "\(res.body.string)")
            res = try await app.call(.PUT, "/api/v1/outreach-plans/\(UUID())/actuals", headers: .bearer(manager), json: [
                "actual": ["calls": 1, "flyers": 0, "interceptions": 0, "points": 0, "visits": 0],
                "costs": ["staff": "0", "materials": "0", "fees": "0"]] as J)
            #expect(res.status == .notFound)
            let broker = try await f.token("jjr0x0")
            res = try await app.call(.PUT, "/api/v1/outreach-plans/\(plan.id)/actuals", headers: .bearer(broker), json: [
                "actual": ["calls": 1, "flyers": 0, "interceptions": 0, "points": 0, "visits": 0],
                "costs": ["staff": "0", "materials": "0", "fees": "0"]] as J)
            #expect(res.status == .notFound)
            #expect(try await app.call(.GET, "/api/v1/reports/channels?projectId=\(s.project)&from=\(today)&to=\(today)",
                                       headers: .bearer(broker)).status == .forbidden)
            let report = try await app.call(.GET, "/api/v1/reports/channels?projectId=\(s.project)&from=\(today.adding(days: -1))&to=\(today)",
                                            headers: .bearer(manager)).decode(Schemas.ChannelReport.self)
            let list = try await app.call(.GET, "/api/v1/outreach-plans?projectId=\(s.project)&from=\(today)&to=\(today)", headers: .bearer(manager))
                .decode(Schemas.OutreachPlanList.self)
            // validate
            #expect(list.items.count == 1 && list.items[0].actual?.calls == 180 && list.items[0].costs.fees == "100.00")
            let first = try #require(report.rows.first { $0.channelId == s.channels[0].uuidString })
            #expect(first.registrations == 3 && first.visits == 2 && first.subscriptions == 0 && first.contracts == 0)
            #expect(first.cost == "900.00" && first.costPerRegistration == "300.00" && first.costPerVisit == "450.00" && first.costPerDeal == nil)
            #expect(first.actual?.calls == 180 && first.planned?.calls == 200)
            let second = try #require(report.rows.first { $0.channelId == s.channels[1].uuidString })
            #expect(second.registrations == 1 && second.cost == "0.00")
            #expect(report.total.registrations == 4 && report.total.visits == 2 && report.total.costPerVisit == "450.00")
            #expect(try await f.auditCount(action: "outreach_plan.actuals") == 1)
        }
    }

    static func sheet(_ rows: [[String]]) throws -> Data {
        try XLSXWriter.data([Sheet(name: "实绩", columns: OutreachService.columns.map { SheetColumn($0) }, rows: rows.map { $0.map { SheetCell.text($0) } })])
    }

    @Test func anImportWithOneBadRowChangesNothingAndAGoodOneRecordsEveryRow() async throws {
        try await withTestApp { app, clock in
            // setup
            let s = try await RegistrationTests.setup(app, clock, code: "TI", channels: 1, brokersEach: 1)
            let svc = app.services.outreach(app.db)
            let day = CalendarDay(clock.now)
            let good = [day.description, "中介0", "天府三街", "100", "200", "0", "1", "3", "500", "100", ""]
            let second = [day.adding(days: -1).description, "中介0", "中海售楼处", "80", "0", "12", "0", "2", "500", "", "50.5"]
            // MUT: a bad team on the third row, then a bad count: each refuses the file and names the row.
            for bad in [[day.description, "不存在的团队", "区域", "1", "1", "1", "1", "1", "1", "1", "1"],
                        [day.description, "中介0", "区域", "-5", "1", "1", "1", "1", "1", "1", "1"]] {
                await #expect {
                    _ = try await svc.importActuals(try Self.sheet([good, second, bad]), projectID: s.project, by: s.manager, context: .system("test"))
                } throws: { e in
                    let fields = (e as? Problem)?.fields ?? []
                    return fields.count == 1 && fields[0].arguments["row"] == "4"
                }
            }
            let none = try await svc.plans(projectID: s.project, from: day.adding(days: -7), to: day)
            let imported = try await svc.importActuals(try Self.sheet([good, second]), projectID: s.project, by: s.manager, context: .system("test"))
            let all = try await svc.plans(projectID: s.project, from: day.adding(days: -7), to: day)
            // validate
            #expect(none.isEmpty)
            #expect(imported == 2 && all.count == 2)
            #expect(all.first { $0.area == "中海售楼处" }?.costs.total == Money(fen: 55_050))
            #expect(all.first { $0.area == "天府三街" }?.actual?.visits == 3)
            await #expect {
                _ = try await svc.importActuals(Data("not a workbook".utf8), projectID: s.project, by: s.manager, context: .system("test"))
            } throws: { ($0 as? Problem)?.code == "import_unreadable" }
        }
    }

    @Test func thePageShowsPlansTheChartAndTheWorkbook() async throws {
        try await withTestApp { app, clock in
            // setup
            let s = try await RegistrationTests.setup(app, clock, code: "TP", channels: 1, brokersEach: 1)
            _ = try await RegistrationTests.register(app, s, channel: 0, mobile: "13966660011")
            let day = CalendarDay(clock.now)
            let p = try await app.services.outreach(app.db).putPlan(projectID: s.project, channelID: s.channels[0], area: "<b>地铁口</b>",
                                                                    day: day.description, plan: OutreachCounts(calls: 50), by: s.manager, context: .system("test"))
            _ = try await app.services.outreach(app.db).enterActuals(p.id, counts: OutreachCounts(calls: 40, visits: 1),
                                                                     costs: OutreachCosts(staff: Money(yuan: 300)), by: s.manager, context: .system("test"))
            var browser = Browser(app: app)
            _ = try await browser.signIn("qudao")
            // MUT
            let page = try await browser.get("/projects/\(s.project)/channels/outreach")
            let sheet = try await browser.get("/projects/\(s.project)/channels/outreach/report.xlsx?from=\(day)&to=\(day)")
            var broker = Browser(app: app)
            _ = try await broker.signIn("jjr0x0")
            let refused = try await broker.get("/projects/\(s.project)/channels/outreach")
            // validate
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains("<svg") && html.contains("&lt;b&gt;地铁口&lt;/b&gt;") && !html.contains("<b>地铁口"))
            #expect(html.contains("/outreach-plans/\(p.id)/actuals"))
            #expect(sheet.status == .ok)
            let rows = try XLSXReader.rows(Data(buffer: sheet.body))
            #expect(rows.count == 3, "\(rows.map(\.cells))")
            #expect(rows[1].cells.first == "中介0" && rows[1].cells[2] == "1" && Money(yuanText: rows[1].cells[6]) == Money(yuan: 300), "\(rows[1].cells)")
            #expect(refused.status == .notFound || refused.status == .forbidden)
        }
    }
}
