import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import Testing
import Vapor
import VaporTesting

extension Fixtures {
    /// The seller a project's printed papers name (issue 15).
    func giveSeller(_ project: UUID, license: String = "杭售许字（2026）第000128号") async throws {
        _ = try await services.projects(app.db).update(project, .init(
            sellerName: "杭州翠湖置业有限公司", sellerCreditCode: "91330100716105852F", sellerAddress: "杭州市西湖区文三路 1 号",
            presaleLicense: license), context: .system("test"))
    }
}

/// Issue 15 point 2: the printed 认购书 and contract name the seller from the project, and each
/// buyer with the full identity number (logged as a reveal), mobile and address; the pages on
/// screen keep the masks.
@Suite struct SalePrintTests {
    static let idNumber = "11010519491231002X"

    static func world(_ app: Application, _ clock: TestClock, seller: Bool = true) async throws -> SalePageTests.World {
        let f = Fixtures(app: app)
        let project = try await f.project("CHY", name: "翠湖苑")
        if seller { try await f.giveSeller(project) }
        let consultant = try await f.user("gu.wen", roles: [(.consultant, project)])
        try await f.user("cai.wu", roles: [(.finance, project)])
        try await f.user("ke.fu", roles: [(.csStaff, project)])
        let units = try await Inventory(app: app).seed(project)
        let unit = try #require(units.filter { $0.status == .available }.sorted { $0.code < $1.code }.first)
        _ = try await app.services.customers(app.db).create(
            .init(name: "林晓燕", mobile: "13912345678", idKind: .residentID, idNumber: idNumber, address: "杭州市拱墅区湖墅南路 8 号"),
            in: project, owner: consultant, context: .system("test"))
        return .init(project: project, consultant: consultant, unit: unit, today: CalendarDay(clock.now))
    }

    static func printReveals(_ app: Application) async throws -> [AuditRecord] {
        try await AuditRecord.query(on: app.db).filter(\.$action == "personal_data.reveal").all()
            .filter { AuditLog.decode($0.after)["purpose"] == "print" }
    }

    @Test func theAgreementNamesTheSellerAndTheBuyerInFullAndLogsTheReveal() async throws {
        try await withTestApp { app, clock in
            // setup
            let w = try await Self.world(app, clock)
            var browser = Browser(app: app)
            _ = try await browser.signIn("gu.wen")
            let sale = try await SalePageTests.subscribe(&browser, w)
            #expect(try await Self.printReveals(app).isEmpty)
            // MUT
            let res = try await browser.get(sale + "/agreement")
            // validate: the seller from the project, the buyer in full.
            #expect(res.status == .ok)
            let html = res.body.string
            for s in ["杭州翠湖置业有限公司", "91330100716105852F", "杭州市西湖区文三路 1 号", "杭售许字（2026）第000128号",
                      "林晓燕", Self.idNumber, "13912345678", "杭州市拱墅区湖墅南路 8 号", "居民身份证"] {
                #expect(html.contains(s), "\(s)")
            }
            #expect(!html.contains(">翠湖苑<"), "the seller is the company, not the project's name")
            #expect(res.headers.first(name: .cacheControl)?.contains("no-store") == true)
            // One reveal line for the one buyer: who, which paper.
            let lines = try await Self.printReveals(app)
            #expect(lines.count == 1)
            #expect(lines.first?.actorName == "gu.wen")
            #expect(AuditLog.decode(lines.first?.after)["paper"] == "agreement")
            #expect(AuditLog.decode(lines.first?.after)["field"] == "id_number")
            // Printed again: logged again.
            _ = try await browser.get(sale + "/agreement")
            #expect(try await Self.printReveals(app).count == 2)

            // The sale page on screen: the mask, never the full number; nothing logged.
            let page = try await browser.get(sale).body.string
            #expect(page.contains("110105********002X"))
            #expect(!page.contains(Self.idNumber))
            #expect(try await Self.printReveals(app).count == 2)
            // The customer's history names the print.
            let customer = try #require(lines.first?.entityID)
            let history = try await browser.get("/projects/\(w.project)/customers/\(customer)").body.string
            #expect(history.contains("打印认购书"))
        }
    }

    @Test func financeWhoDrawsUpNoPapersPrintsTheMasksAndNothingIsLogged() async throws {
        try await withTestApp { app, clock in
            // setup
            let w = try await Self.world(app, clock)
            var browser = Browser(app: app)
            _ = try await browser.signIn("gu.wen")
            let sale = try await SalePageTests.subscribe(&browser, w)
            var finance = Browser(app: app)
            _ = try await finance.signIn("cai.wu")
            // MUT
            let res = try await finance.get(sale + "/agreement")
            // validate
            #expect(res.status == .ok)
            let html = res.body.string
            #expect(html.contains("110105********002X") && !html.contains(Self.idNumber))
            #expect(html.contains("139****5678") && !html.contains("13912345678"))
            #expect(try await Self.printReveals(app).isEmpty)
        }
    }

    @Test func aProjectWithoutItsSellerCannotPrintAndAContractNeedsThePresaleLicence() async throws {
        try await withTestApp { app, clock in
            // setup: no seller on the project.
            let w = try await Self.world(app, clock, seller: false)
            var browser = Browser(app: app)
            _ = try await browser.signIn("gu.wen")
            let sale = try await SalePageTests.subscribe(&browser, w)
            // MUT + validate: refused with the missing fields named; nothing revealed.
            var res = try await browser.get(sale + "/agreement")
            #expect(res.status == .conflict)
            #expect(res.body.string.contains("不能打印") && res.body.string.contains("统一社会信用代码"))
            #expect(try await Self.printReveals(app).isEmpty)

            // With the seller but no 预售许可证号: the 认购书 prints, the contract does not.
            try await Fixtures(app: app).giveSeller(w.project, license: "")
            res = try await browser.get(sale + "/agreement")
            #expect(res.status == .ok)
            let csrf = try #require(Browser.csrf(in: try await browser.get(sale).body.string))
            res = try await browser.post(sale + "/contract", form: [
                "_csrf": csrf, "number": "", "buyerKind": "local_individual", "firstPaymentDue": w.today.adding(days: 7).description,
                "loan": "100000", "loanDue": w.today.adding(days: 60).description,
                "penaltyRate": "50", "deliveryDue": w.today.adding(days: 365).description, "titleDays": "365", "clauses": ""])
            let contract = String(try #require(res.headers.first(name: .location)).prefix { $0 != "?" })
            res = try await browser.get(contract + "/print")
            #expect(res.status == .conflict)
            #expect(res.body.string.contains("预售许可证号"))
            try await Fixtures(app: app).giveSeller(w.project)
            res = try await browser.get(contract + "/print")
            #expect(res.status == .ok)
            #expect(res.body.string.contains(Self.idNumber) && res.body.string.contains("杭售许字（2026）第000128号"))
            let lines = try await Self.printReveals(app)
            #expect(lines.map { AuditLog.decode($0.after)["paper"] }.sorted { ($0 ?? "") < ($1 ?? "") } == ["agreement", "contract"])
        }
    }

    @Test func theProjectKeepsItsSellerWithAVerifiedCreditCode() async throws {
        try await withTestApp { app, _ in
            // setup
            let f = Fixtures(app: app)
            let project = try await f.project("CHY")
            try await f.user("boss", roles: [(.admin, nil)])
            let token = try await f.token("boss")
            // MUT: a code whose check character is wrong is refused by field and code.
            var res = try await app.call(.PATCH, "/api/v1/projects/\(project)", headers: .bearer(token),
                                         json: ["seller": ["name": "杭州翠湖置业有限公司", "creditCode": "91330100716105852E"]])
            #expect(res.status == .unprocessableEntity)
            let problem = try res.problem()
            #expect(problem.errors?.first?.field == "sellerCreditCode" && problem.errors?.first?.code == "credit_code_check_digit")
            // A right one, typed in lower case with spaces, is stored normalised and answered back.
            res = try await app.call(.PATCH, "/api/v1/projects/\(project)", headers: .bearer(token),
                                     json: ["seller": ["name": "杭州翠湖置业有限公司", "creditCode": "9133 0100 7161 0585 2f",
                                                       "address": "杭州市西湖区文三路 1 号", "presaleLicense": "杭售许字（2026）第000128号"]])
            #expect(res.status == .ok, "\(res.body.string)")
            let p = try res.decode(Schemas.Project.self)
            #expect(p.seller.creditCode == "91330100716105852F")
            #expect(p.seller.presaleLicense == "杭售许字（2026）第000128号")
            // The project form shows them and refuses a bad code with its message.
            var browser = Browser(app: app)
            _ = try await browser.signIn("boss")
            let form = try await browser.get("/admin/projects/\(project)")
            #expect(form.body.string.contains("91330100716105852F") && form.body.string.contains("统一社会信用代码"))
            let csrf = try #require(Browser.csrf(in: form.body.string))
            let bad = try await browser.post("/admin/projects/\(project)", form: [
                "_csrf": csrf, "code": "CHY", "name": "测试项目", "city": "成都", "priceRounding": "fen", "isActive": "true",
                "customerProtectionDays": "30", "sellerName": "杭州翠湖置业有限公司", "sellerCreditCode": "91330100716105852",
                "sellerAddress": "", "presaleLicense": ""])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("统一社会信用代码应为 18 位"))
            #expect(try await app.services.projects(app.db).seller(of: project).creditCode == "91330100716105852F")
            // The change is audited with what changed.
            #expect(try await f.auditCount(action: "project.update") == 1)
        }
    }
}
