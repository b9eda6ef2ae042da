import EstateCore
@testable import EstateServer
import Foundation
import Testing
import Vapor
import VaporTesting

/// The sales pages as a browser drives them: the subscription form from a unit, the sale page,
/// the printable agreement, a contract drafted by form, a receipt posted twice with the key the
/// page drew (recorded once), and finance's desk.
@Suite struct SalePageTests {
    struct World {
        var project: UUID
        var consultant: UUID
        var unit: UnitRow
        var today: CalendarDay
    }

    static func world(_ app: Application, _ clock: TestClock) async throws -> World {
        let f = Fixtures(app: app)
        let project = try await f.project("CHY", name: "翠湖苑")
        try await f.giveSeller(project)
        let consultant = try await f.user("gu.wen", roles: [(.consultant, project)])
        try await f.user("cai.wu", roles: [(.finance, project)])
        let units = try await Inventory(app: app).seed(project)
        let unit = try #require(units.filter { $0.status == .available }.sorted { $0.code < $1.code }.first)
        _ = try await app.services.customers(app.db).create(.init(name: "林晓燕", mobile: "13912345678"), in: project, owner: consultant,
                                                            context: .system("test"))
        return World(project: project, consultant: consultant, unit: unit, today: CalendarDay(clock.now))
    }

    static func value(_ name: String, in html: String) -> String? {
        guard let r = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[r.upperBound...].prefix { $0 != "\"" })
    }

    /// Subscribes the world's unit through the form and returns the sale page's path.
    static func subscribe(_ browser: inout Browser, _ w: World, method: String = "commercial_loan") async throws -> String {
        let form = "/projects/\(w.project)/units/\(w.unit.id)/subscribe"
        var res = try await browser.get(form)
        #expect(res.status == .ok)
        let csrf = try #require(Browser.csrf(in: res.body.string))
        let fields = ["_csrf": csrf, "mobile1": "139 1234 5678", "share1": "100", "method": method, "deposit": "50000",
                      "contractDeadline": w.today.adding(days: 7).description, "note": ""]
        // Above 20 % of the price: the form comes back with the message, and nothing is taken.
        var tooMuch = fields
        tooMuch["deposit"] = "9999999"
        res = try await browser.post(form, form: tooMuch)
        #expect(res.status == .unprocessableEntity)
        #expect(res.body.string.contains("定金须大于 0 且不超过成交总价的 20%"))
        #expect(res.body.string.contains("value=\"9999999\""))
        res = try await browser.post(form, form: fields)
        #expect(res.status == .seeOther, "\(res.body.string.prefix(2000))")
        let location = try #require(res.headers.first(name: .location))
        #expect(location.hasPrefix("/sales/"))
        return String(location.prefix { $0 != "?" })
    }

    @Test func aConsultantSubscribesFromTheUnitAndPrintsTheAgreement() async throws {
        try await withTestApp { app, clock in
            let w = try await Self.world(app, clock)
            var browser = Browser(app: app)
            _ = try await browser.signIn("gu.wen")
            // The unit page offers 认购 while the unit is available.
            var res = try await browser.get("/projects/\(w.project)/units/\(w.unit.id)")
            #expect(res.body.string.contains("/units/\(w.unit.id)/subscribe"))

            let sale = try await Self.subscribe(&browser, w)
            res = try await browser.get(sale + "?notice=sale.subscribed_notice")
            #expect(res.status == .ok)
            var html = res.body.string
            #expect(html.contains("认购已登记"))
            #expect(html.contains(w.unit.code))
            #expect(html.contains("林晓燕"))  // the consultant's own customer: in full
            #expect(html.contains("伍万元整"))
            #expect(html.contains(ChineseAmount.capitals(w.unit.listTotal)))
            #expect(html.contains("RG000001"))

            // The deposit can be recorded before there is a contract.
            let csrf = try #require(Browser.csrf(in: html))
            let key = try #require(Self.value("idempotencyKey", in: html)), item = try #require(Self.value("itemId", in: html))
            res = try await browser.post(sale + "/receipts", form: ["_csrf": csrf, "idempotencyKey": key, "itemId": item, "amount": "50000",
                                                                    "method": "pos", "receivedOn": w.today.description, "payer": "林晓燕"])
            #expect(res.headers.first(name: .location)?.hasSuffix("notice=sale.receipt_recorded_notice") == true)
            res = try await browser.get(sale)
            #expect(res.body.string.contains("SK000001") && res.body.string.contains("待核实"))

            res = try await browser.get(sale + "/agreement")
            #expect(res.status == .ok)
            html = res.body.string
            #expect(html.contains("商品房认购书"))
            #expect(html.contains("杭州翠湖置业有限公司"))
            #expect(html.contains(w.unit.code))
            #expect(html.contains("大写：伍万元整"))
            #expect(html.contains("大写：" + ChineseAmount.capitals(w.unit.listTotal)))
            #expect(html.contains("/sales/print.css"))
            res = try await browser.get("/sales/print.css")
            #expect(res.body.string.contains("@media print"))

            // The register lists it; the unit no longer offers 认购.
            res = try await browser.get("/projects/\(w.project)/sales?status=active")
            #expect(res.body.string.contains("RG000001") && res.body.string.contains(w.unit.code))
            res = try await browser.get("/projects/\(w.project)/units/\(w.unit.id)")
            #expect(!res.body.string.contains("/units/\(w.unit.id)/subscribe"))
        }
    }

    @Test func aReceiptPostedTwiceIsRecordedOnceAndFinanceConfirmsIt() async throws {
        try await withTestApp { app, clock in
            let w = try await Self.world(app, clock)
            var browser = Browser(app: app)
            _ = try await browser.signIn("gu.wen")
            let sale = try await Self.subscribe(&browser, w, method: "full")

            // 起草合同 by the sale page's form.
            var res = try await browser.get(sale)
            let csrf = try #require(Browser.csrf(in: res.body.string))
            res = try await browser.post(sale + "/contract", form: [
                "_csrf": csrf, "number": "", "buyerKind": "local_individual", "firstPaymentDue": w.today.adding(days: 7).description,
                "penaltyRate": "50", "deliveryDue": w.today.adding(days: 365).description, "titleDays": "365", "clauses": "车位另行约定"])
            #expect(res.status == .seeOther, "\(res.body.string.prefix(2000))")
            let contract = String(try #require(res.headers.first(name: .location)).prefix { $0 != "?" })
            #expect(contract.hasPrefix("/contracts/"))
            res = try await browser.get(contract)
            var html = res.body.string
            #expect(html.contains("户口簿") && html.contains("车位另行约定"))

            // The deposit's receipt form, with the key drawn with the page: sent twice, recorded once.
            let key = try #require(Self.value("idempotencyKey", in: html))
            let item = try #require(Self.value("itemId", in: html))
            let receipt = ["_csrf": csrf, "idempotencyKey": key, "itemId": item, "amount": "50000", "method": "transfer",
                           "receivedOn": w.today.description, "payer": "林晓燕", "reference": "TX-1"]
            res = try await browser.post(contract + "/receipts", form: receipt)
            #expect(res.headers.first(name: .location)?.contains("sale.receipt_recorded_notice") == true)
            res = try await browser.post(contract + "/receipts", form: receipt)
            #expect(res.headers.first(name: .location)?.contains("sale.receipt_replayed_notice") == true)
            let projectID = w.project
            let receipts = try await app.services.sales(app.db).receipts(projectID, status: nil, sale: nil, page: try PageRequest(page: 1, perPage: 50))
            #expect(receipts.total == 1)
            let number = try #require(receipts.items.first?.number)

            // The consultant may not confirm; finance does, from the desk.
            res = try await browser.post("/projects/\(w.project)/receipts/\(receipts.items[0].id)/confirm", form: ["_csrf": csrf])
            #expect(res.status == .forbidden)
            var finance = Browser(app: app)
            _ = try await finance.signIn("cai.wu")
            res = try await finance.get("/projects/\(w.project)/receipts")
            html = res.body.string
            #expect(html.contains(number) && html.contains("核实"))
            let financeCSRF = try #require(Browser.csrf(in: html))
            res = try await finance.post("/projects/\(w.project)/receipts/\(receipts.items[0].id)/confirm", form: ["_csrf": financeCSRF, "back": "pending"])
            let back = try #require(res.headers.first(name: .location))
            #expect(back.contains("notice=sale.confirmed_notice"))
            res = try await finance.get(back)
            #expect(res.body.string.contains("已核实。"))
            // Confirmed twice: a flash, not an error page.
            res = try await finance.post("/projects/\(w.project)/receipts/\(receipts.items[0].id)/confirm", form: ["_csrf": financeCSRF, "back": "pending"])
            res = try await finance.get(try #require(res.headers.first(name: .location)))
            #expect(res.body.string.contains("这张收款单已不是待核实状态"))

            // The contract shows the deposit collected; the print carries the plan in capitals.
            res = try await browser.get(contract + "/print")
            html = res.body.string
            #expect(html.contains("商品房买卖合同") && html.contains("伍万元整") && html.contains(w.unit.code))
        }
    }

    @Test func pagesOfAProjectOneCannotSeeAreNotFound() async throws {
        try await withTestApp { app, clock in
            let w = try await Self.world(app, clock)
            var browser = Browser(app: app)
            _ = try await browser.signIn("gu.wen")
            let sale = try await Self.subscribe(&browser, w)
            let other = try await Fixtures(app: app).project("OTH")
            try await Fixtures(app: app).user("stranger", roles: [(.salesManager, other)])
            var stranger = Browser(app: app)
            _ = try await stranger.signIn("stranger")
            #expect(try await stranger.get(sale).status == .notFound)
            #expect(try await stranger.get(sale + "/agreement").status == .notFound)
            #expect(try await stranger.get("/projects/\(w.project)/sales").status == .notFound)
            // Finance sees the sale but may not cancel it.
            var finance = Browser(app: app)
            _ = try await finance.signIn("cai.wu")
            let page = try await finance.get(sale)
            #expect(page.status == .ok && !page.body.string.contains("/cancel\""))
            let csrf = try #require(Browser.csrf(in: page.body.string))
            #expect(try await finance.post(sale + "/cancel", form: ["_csrf": csrf, "outcome": "refund", "reason": "客户放弃"]).status == .forbidden)
            // The work lists and their export answer for the project.
            #expect(try await finance.get("/projects/\(w.project)/work-lists/payments_overdue").status == .ok)
            let xlsx = try await finance.get("/projects/\(w.project)/work-lists/payments_overdue/export")
            #expect(xlsx.status == .ok)
            #expect(xlsx.headers.first(name: "Content-Disposition")?.contains("CHY-\(w.today)") == true)
        }
    }

    @Test func salesManagersKeepTheListOfLendingBanks() async throws {
        try await withTestApp { app, clock in
            let w = try await Self.world(app, clock)
            try await Fixtures(app: app).user("xiao.jingli", roles: [(.salesManager, w.project)])
            var manager = Browser(app: app)
            _ = try await manager.signIn("xiao.jingli")
            let path = "/projects/\(w.project)/banks"
            var res = try await manager.get(path)
            #expect(res.status == .ok && res.body.string.contains("还没有按揭银行"))
            let csrf = try #require(Browser.csrf(in: res.body.string))
            res = try await manager.post(path, form: ["_csrf": csrf, "name": "招商银行", "branch": "杭州分行"])
            #expect(res.status == .seeOther)
            // The same bank twice comes back on the form with the message.
            res = try await manager.post(path, form: ["_csrf": csrf, "name": "招商银行", "branch": "杭州分行"])
            #expect(res.status == .conflict && res.body.string.contains("该银行网点已存在"))
            let bank = try #require(try await app.services.sales(app.db).banks().first)
            res = try await manager.post("\(path)/\(bank.id)", form: ["_csrf": csrf, "active": "false"])
            #expect(res.status == .seeOther)
            #expect(try await app.services.sales(app.db).banks().first?.active == false)
            res = try await manager.get(path)
            #expect(res.body.string.contains("已停用") && res.body.string.contains("恢复"))
            // A consultant sees the list but neither the form nor the buttons, and may not post.
            var consultant = Browser(app: app)
            _ = try await consultant.signIn("gu.wen")
            res = try await consultant.get(path)
            #expect(res.status == .ok && res.body.string.contains("招商银行") && !res.body.string.contains("添加按揭银行"))
            let c2 = try #require(Browser.csrf(in: res.body.string))
            #expect(try await consultant.post(path, form: ["_csrf": c2, "name": "某银行"]).status == .forbidden)
        }
    }

    @Test func theConsultantAsksToChangeThePlanFromTheContractPage() async throws {
        try await withTestApp { app, clock in
            let w = try await Self.world(app, clock)
            var browser = Browser(app: app)
            _ = try await browser.signIn("gu.wen")
            let saleID = UUID(uuidString: String(try await Self.subscribe(&browser, w, method: "full").dropFirst("/sales/".count)))!
            var draft = SaleService.ContractDraft(subscriptionID: saleID, buyerKind: .localIndividual, firstPaymentDue: w.today.adding(days: 10),
                                                  deliveryDue: w.today.adding(days: 300))
            draft.penaltyRatePer100k = 50
            let sales = app.services.sales(app.db)
            let c = try await sales.createContract(draft, context: .system("test"))
            var res = try await browser.get("/contracts/\(c.id)")
            let html = res.body.string
            #expect(html.contains("付款计划变更"))
            let csrf = try #require(Browser.csrf(in: html))
            let first = try #require(c.plan.first { $0.kind == .downPayment })
            let deposit = try #require(c.plan.first { $0.kind == .deposit })
            // Split the first payment: 100,000 later as an instalment. Sums that miss the total come back with the message.
            let rest = first.amount - Money(yuan: 100_000)
            var form = ["_csrf": csrf, "amount_\(deposit.id)": deposit.amount.plain, "due_\(deposit.id)": deposit.due.description,
                        "amount_\(first.id)": rest.plain, "due_\(first.id)": first.due.description,
                        "newKind": "instalment", "newAmount": "99999", "newDue": w.today.adding(days: 90).description, "reason": "客户资金分两次到位"]
            res = try await browser.post("/contracts/\(c.id)/plan-change", form: form)
            #expect(res.status == .unprocessableEntity && res.body.string.contains("合计"))
            form["newAmount"] = "100000"
            res = try await browser.post("/contracts/\(c.id)/plan-change", form: form)
            #expect(res.status == .seeOther, "\(res.body.string.prefix(1500))")
            let filed = try await sales.contract(c.id)
            let approval = try #require(filed.pendingApprovalId)
            #expect(try await app.services.approvals(app.db).find(approval, for: try #require(try await app.services.auth(app.db)
                .loadPrincipal(userID: w.consultant, on: app.db))).kind == .planChange)
        }
    }
}
