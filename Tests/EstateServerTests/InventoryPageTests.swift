import EstateCore
@testable import EstateServer
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("楼盘表 pages on the demo project")
struct InventoryPageTests {
    @Test func theDemoLooksLikeAProjectMidSaleAndEveryPageRenders() async throws {
        try await withTestApp(.demo) { app, _ in
            // setup
            let project = try #require(try await app.services.projects(app.db).id(code: "HXY"))
            let board = try await app.services.unitEvents.board(project)
            // The demo mix: every status a board shows mid-sale is there.
            for s in [UnitStatus.unreleased, .available, .withheld, .reserved, .subscribed, .signed] {
                #expect((board.totals.byStatus[s]?.count ?? 0) > 0, "demo has \(s) units")
            }
            #expect(board.totals.sellThroughPermyriad > 3_000 && board.totals.sellThroughPermyriad < 8_000)
            let lists = try await app.services.pricing(app.db).priceLists(project)
            #expect(lists.map(\.status) == ["pending", "active"])
            // validate: the pages a sales manager uses.
            var browser = Browser(app: app)
            _ = try await browser.signIn("sales-manager", DemoSeeder.password)
            // Two projects since the demo has JYF 锦园府 (issue 16): /inventory lets them pick.
            var res = try await browser.get("/inventory")
            #expect(res.status == .ok && res.body.string.contains("华熙悦府") && res.body.string.contains("锦园府"))
            let unit = board.buildings[0].units.first { $0.status == .available }!
            for (path, text) in [
                ("/projects/\(project)/board", "1-1-2604"), ("/projects/\(project)/board?status=available&layout=A户型", "去化率"),
                ("/projects/\(project)/board/totals", "全项目"), ("/projects/\(project)/units", "1-1-101"),
                ("/projects/\(project)/units?status=withheld", "销控"), ("/projects/\(project)/structure", "A户型"),
                ("/projects/\(project)/prices", "首开价目表"), ("/projects/\(project)/units/\(unit.id)", unit.code),
                ("/projects/\(project)/units/\(unit.id)/panel", unit.code), ("/approvals?box=mine", "二批调价"),
                ("/approvals?box=inbox", "刘女士"),
            ] {
                res = try await browser.get(path)
                #expect(res.status == .ok, "\(path): \(res.status)")
                #expect(res.body.string.contains(text), "\(path) shows \(text)")
            }
            res = try await browser.get("/projects/\(project)/units.xlsx?status=signed")
            #expect(res.headers.contentType?.description.contains("spreadsheetml") == true)
            // A quote on the unit page.
            let oneOff = try await app.services.pricing(app.db).rules(project).first { $0.name == "一次性付款" }!
            res = try await browser.get("/projects/\(project)/units/\(unit.id)?rule=\(oneOff.id)&special=99")
            #expect(res.body.string.contains(PriceQuote.make(listTotal: unit.listTotal, rules: [
                .init(name: "", effect: .rate(permyriad: 9800)), .init(name: "", effect: .rate(permyriad: 9900))], rounding: .fen).finalTotal.description))
            // A move from the page: withhold with a reason, back to the board.
            let csrf = try #require(Browser.csrf(in: res.body.string))
            res = try await browser.post("/projects/\(project)/units/\(unit.id)/moves",
                                         form: ["_csrf": csrf, "move": "withhold", "reason": "领导保留", "back": "board"])
            #expect(res.status == .seeOther, "\(res.body.string)")
            #expect(try await app.services.inventory(app.db).unit(unit.id, in: project).status == .withheld)
            // A consultant sees the board but no 销控 controls, and no import tab.
            var gw = Browser(app: app)
            _ = try await gw.signIn("consultant", DemoSeeder.password)
            res = try await gw.get("/projects/\(project)/units/\(unit.id)")
            #expect(res.status == .ok)
            #expect(!res.body.string.contains("name=\"move\""))
            res = try await gw.get("/projects/\(project)/import")
            #expect(res.status == .forbidden)
            // Someone with no role on the project gets 404, not 403.
            try await Fixtures(app: app).user("stranger", roles: [(.consultant, try await Fixtures(app: app).project("OTHER"))])
            var stranger = Browser(app: app)
            _ = try await stranger.signIn("stranger")
            #expect(try await stranger.get("/projects/\(project)/board").status == .notFound)
        }
    }

    @Test func theImportPageStreamsProgressAndEveryBadRow() async throws {
        try await withTestApp(.demo) { app, _ in
            let project = try #require(try await app.services.projects(app.db).id(code: "HXY"))
            var browser = Browser(app: app)
            _ = try await browser.signIn("cs-staff", DemoSeeder.password)
            let page = try await browser.get("/projects/\(project)/import")
            #expect(page.body.string.contains("楼盘表导入模板"))
            let csrf = try #require(Browser.csrf(in: page.body.string))
            let csv = "楼栋,楼层,房号,户型,建筑面积,表价单价\n3号楼,1,01,A户型,100,20000\n3号楼,1,02,Z户型,abc,20000\n"
            var headers = browser.cookieHeader
            headers.replaceOrAdd(name: "X-CSRF-Token", value: csrf)
            headers.replaceOrAdd(name: .contentType, value: "text/csv")
            var res = try await app.call(.POST, "/projects/\(project)/import?fileName=x.csv", headers: headers, body: ByteBuffer(string: csv))
            let lines = res.body.string.split(separator: "\n")
            #expect(lines.first?.contains("\"phase\":\"reading\"") == true)
            #expect(lines.last?.contains("\"problem\"") == true && lines.last?.contains("\"row\":3") == true, "\(lines.last ?? "")")
            #expect(lines.last?.contains("户型") == true)
            let good = "楼栋,楼层,房号,户型,建筑面积,表价单价\n3号楼,1,01,A户型,100,20000\n3号楼,1,02,B户型,90,20000\n"
            res = try await app.call(.POST, "/projects/\(project)/import?fileName=x.csv", headers: headers, body: ByteBuffer(string: good))
            #expect(res.body.string.split(separator: "\n").last?.contains("\"imported\":2") == true, "\(res.body.string)")
            // Without the CSRF token the upload is refused.
            headers.remove(name: "X-CSRF-Token")
            res = try await app.call(.POST, "/projects/\(project)/import?fileName=x.csv", headers: headers, body: ByteBuffer(string: good))
            #expect(res.status == .forbidden)
        }
    }
}

@Suite struct PageFormatTests {
    @Test func timesShowInBeijingTimeAndMoneyInWan() {
        #expect(Shell.dateTime(Date(timeIntervalSince1970: 1_795_680_000)) == "2026-11-26 16:00")
        #expect(Shell.dateTime(Date(timeIntervalSince1970: 1_795_650_000)) == "2026-11-26 07:40")
        #expect(Format.wan(Money(fen: 218_743_200)) == "218.74万")
        #expect(Format.wan(Money(fen: 218_745_000)) == "218.75万")
        #expect(Format.percent(4594) == "45.94%")
    }
}

@Suite struct DemoSignInTests {
    @Test func everyDemoUserCanSignIn() async throws {
        try await withTestApp(.demo) { app, _ in
            for role in Role.allCases {
                let name = DemoSeeder.username(for: role)
                #expect(Credentials.isValidUsername(name), "\(name)")
                let res = try await app.call(.POST, "/api/v1/auth/login", json: ["username": name, "password": DemoSeeder.password])
                #expect(res.status == .ok, "\(name) signs in")
            }
        }
    }
}

@Suite struct CatalogPlaceholderTests {
    @Test func unfilledPlaceholdersVanishAndFilledOnesStay() throws {
        let c = try Catalog.load()
        #expect(c.text("error.unit_code_taken", .zh) == "房间  已存在。")
        #expect(c.text("error.unit_code_taken", .zh, ["code": "1-1-101"]) == "房间 1-1-101 已存在。")
        // A value that itself looks like a placeholder is kept (the import page passes them to its script).
        #expect(c.text("inv.import.ok", .zh, ["imported": "{imported}", "buildings": "{buildings}"]).contains("{imported}"))
    }
}
