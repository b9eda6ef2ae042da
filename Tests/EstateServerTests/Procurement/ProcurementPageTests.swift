import EstateCore
@testable import EstateServer
import FluentKit
import EstateSheets
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// 采购's staff pages on both engines (issue 19): the sub-nav shows each role the tabs it may open and the others answer
/// 403/404 as the API does; each page shows its data to its role; a form's bad input is drawn again with the field's
/// reason in Chinese and writes nothing; a good form changes the state and redirects with a notice; a sealed tender's
/// page holds no bid's figures before the opening.
@Suite("Procurement: staff pages")
struct ProcurementPageTests {
    typealias Desk = ProcurementTests.Desk
    typealias Schemas = Components.Schemas

    /// A desk (procurement staff, manager, GM, engineer on one project) plus finance and an outsider.
    static func desk(_ app: Application, _ clock: TestClock, code: String = "YM") async throws -> Desk {
        let d = try await ProcurementTests.desk(app, clock, code: code)
        let f = Fixtures(app: app)
        let u = code.lowercased()
        try await f.user("\(u).caiwu", roles: [(.finance, d.project)])
        let other = try await f.project(code + "X", name: "别的项目")
        try await f.user("\(u).waibu", roles: [(.procurementStaff, other)])
        return d
    }

    static func browser(_ app: Application, _ username: String) async throws -> Browser {
        var b = Browser(app: app)
        let res = try await b.signIn(username)
        #expect(res.status == .seeOther || res.status == .found, "sign-in of \(username): \(res.status)")
        return b
    }

    /// Posts a page's form with the CSRF token of the page at `page`.
    static func post(_ b: inout Browser, from page: String, to path: String, _ form: [String: String]) async throws -> TestingHTTPResponse {
        let shown = try await b.get(page)
        let csrf = try #require(Browser.csrf(in: shown.body.string), "no form on \(page): \(shown.status) \(shown.body.string.suffix(3000))")
        var f = form
        f["_csrf"] = csrf
        return try await b.post(path, form: f)
    }

    static func redirected(_ res: TestingHTTPResponse) -> String? {
        guard res.status == .seeOther || res.status == .found else { return nil }
        return res.headers.first(name: .location)
    }

    /// The HTML of the element with `id` up to the next section (the list without the form's hints).
    static func section(_ html: String, _ id: String) -> String {
        guard let start = html.range(of: "id=\"\(id)\"") else { return "" }
        let rest = html[start.upperBound...]
        return String(rest.range(of: "<section").map { rest[..<$0.lowerBound] } ?? rest)
    }

    static func count(_ app: Application, _ table: String) async throws -> Int {
        struct N: Decodable { var n: Int }
        return try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first(decoding: N.self)?.n ?? -1
    }

    static func need(_ d: Desk, material: String = "HRB400 钢筋", quantity: String = "12.5", department: String = "engineering",
                     token: String? = nil) async throws -> String {
        let res = try await d.app.call(.POST, "/api/v1/purchase-needs", headers: .bearer(token ?? d.engineer), json: [
            "projectId": .s(d.project.uuidString), "department": .s(department), "category": "materials", "material": .s(material),
            "unit": "吨", "quantity": .s(quantity), "neededOn": .s(d.today.adding(days: 30).description)] as J)
        #expect(res.status == .created, "\(res.body.string)")
        return try res.decode(Schemas.PurchaseNeed.self).id
    }

    // MARK: 1. sub-nav

    @Test func theSubNavShowsEachRoleTheTabsItMayOpenAndTheOthersAreRefused() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await Self.desk(app, clock, code: "NV")
            let p = d.project
            var staff = try await Self.browser(app, "nv.caigou")
            var engineer = try await Self.browser(app, "nv.gongcheng")
            var finance = try await Self.browser(app, "nv.caiwu")
            var outsider = try await Self.browser(app, "nv.waibu")
            // MUT
            let home = try await staff.get("/procurement")
            let engineerHome = try await engineer.get("/procurement")
            let staffNeeds = try await staff.get("/procurement/projects/\(p)/needs")
            let engineerNeeds = try await engineer.get("/procurement/projects/\(p)/needs")
            let financeInvoices = try await finance.get("/procurement/projects/\(p)/invoices")
            // validate: procurement sees all eight tabs; engineering only 需求 and 到货验收; finance only 发票结算.
            #expect(Self.redirected(home) == "/procurement/suppliers")
            #expect(Self.redirected(engineerHome) == "/procurement/needs")
            let tabs = ["/procurement/suppliers", "/procurement/projects/\(p)/needs", "/procurement/projects/\(p)/plans",
                        "/procurement/projects/\(p)/tenders", "/procurement/projects/\(p)/orders", "/procurement/projects/\(p)/deliveries",
                        "/procurement/projects/\(p)/invoices", "/procurement/projects/\(p)/report"]
            let html = staffNeeds.body.string
            #expect(staffNeeds.status == .ok)
            for tab in tabs { #expect(html.contains("href=\"\(tab)\""), "staff should see \(tab)") }
            #expect(html.contains("供应商") && html.contains("到货验收") && html.contains("发票结算") && html.contains("报表"))
            let eng = engineerNeeds.body.string
            #expect(engineerNeeds.status == .ok)
            #expect(eng.contains("href=\"/procurement/projects/\(p)/needs\"") && eng.contains("href=\"/procurement/projects/\(p)/deliveries\""))
            for tab in [tabs[0], tabs[2], tabs[3], tabs[4], tabs[6], tabs[7]] { #expect(!eng.contains("href=\"\(tab)\""), "engineer must not see \(tab)") }
            // The side nav's 采购 leads engineering and finance to their tabs too.
            #expect(eng.contains("href=\"/procurement\"") && financeInvoices.body.string.contains("href=\"/procurement\""))
            let fin = financeInvoices.body.string
            #expect(financeInvoices.status == .ok && fin.contains("href=\"/procurement/projects/\(p)/invoices\""))
            #expect(!fin.contains("href=\"/procurement/projects/\(p)/orders\"") && !fin.contains("href=\"/procurement/projects/\(p)/needs\""))
            // A tab the reader may not open answers 403 (404 where they cannot see the project), as the API does.
            for path in ["/procurement/suppliers", "/procurement/projects/\(p)/plans", "/procurement/projects/\(p)/orders",
                         "/procurement/projects/\(p)/tenders", "/procurement/projects/\(p)/invoices", "/procurement/projects/\(p)/report"] {
                let s = try await engineer.get(path).status
                #expect(s == .forbidden || s == .notFound, "engineer \(path): \(s)")
            }
            #expect(try await finance.get("/procurement/projects/\(p)/orders").status == .forbidden)
            #expect(try await finance.get("/procurement/projects/\(p)/needs").status == .forbidden)
            #expect(try await outsider.get("/procurement/projects/\(p)/needs").status == .notFound)
            #expect(try await outsider.get("/procurement/projects/\(p)/plans").status == .notFound)
            #expect(try await app.call(.GET, "/api/v1/purchase-plans?projectId=\(p)", headers: .bearer(d.engineer)).status == .forbidden)
        }
    }

    @Test func aTabWithoutAProjectOpensOnTheFirstProjectWithProcurementWork() async throws {
        try await withTestApp { app, clock in
            // setup: a clerk on two projects; only the second (by code) has a need.
            let d = try await Self.desk(app, clock, code: "ZQ")
            let f = Fixtures(app: app)
            let empty = try await f.project("AQ", name: "空项目")
            try await f.user("zq.liang", roles: [(.procurementStaff, empty), (.procurementStaff, d.project)])
            var both = try await Self.browser(app, "zq.liang")
            let before = try await both.get("/procurement/needs")
            _ = try await Self.need(d)
            // MUT
            let after = try await both.get("/procurement/needs")
            let chosen = try await both.get("/procurement/orders?project=\(empty)")
            // validate: with no work anywhere the first project; then the one with work; a chosen project is kept.
            #expect(Self.redirected(before) == "/procurement/projects/\(empty)/needs")
            #expect(Self.redirected(after) == "/procurement/projects/\(d.project)/needs")
            #expect(Self.redirected(chosen) == "/procurement/projects/\(empty)/orders")
        }
    }

    // MARK: 2. 需求

    @Test func needsAreListedWithFiltersAndTheFormRefusesBadInputInChineseWritingNothing() async throws {
        try await withTestApp { app, clock in
            // setup: engineering's need and the property department's (raised by procurement for them).
            let d = try await Self.desk(app, clock, code: "XQ")
            let p = d.project
            _ = try await Self.need(d, material: "HRB400 钢筋")
            _ = try await Self.need(d, material: "物业灭火器", quantity: "20", department: "property", token: d.staff)
            var engineer = try await Self.browser(app, "xq.gongcheng")
            var staff = try await Self.browser(app, "xq.caigou")
            let page = "/procurement/projects/\(p)/needs"
            let before = try await Self.count(app, "purchase_needs")
            // MUT: a bad quantity and no date; then a good need.
            let bad = try await Self.post(&engineer, from: page, to: page, [
                "department": "engineering", "category": "materials", "material": "C30 商品混凝土", "unit": "立方米", "quantity": "-3", "neededOn": ""])
            let afterBad = try await Self.count(app, "purchase_needs")
            let good = try await Self.post(&engineer, from: page, to: page, [
                "department": "engineering", "category": "materials", "material": "C30 商品混凝土", "unit": "立方米", "quantity": "80",
                "neededOn": d.today.adding(days: 14).description, "note": "三号楼底板"])
            let all = try await staff.get(page)
            let onlyProperty = try await staff.get(page + "?department=property")
            let mine = try await engineer.get(page)
            // validate
            #expect(bad.status == .unprocessableEntity)
            let html = bad.body.string
            #expect(html.contains("数量应大于0，最多三位小数") && html.contains("C30 商品混凝土"), "the error and what was typed")
            #expect(afterBad == before)
            #expect(Self.redirected(good)?.hasPrefix(page + "?notice=pr.need_raised") == true, "\(good.status) \(good.headers)")
            #expect(try await Self.count(app, "purchase_needs") == before + 1)
            #expect(try await Fixtures(app: app).auditCount(action: "purchase_need.create") == 3)
            let a = all.body.string
            #expect(all.status == .ok && a.contains("HRB400 钢筋") && a.contains("物业灭火器") && a.contains("C30 商品混凝土") && a.contains("三号楼底板"))
            let o = Self.section(onlyProperty.body.string, "pr-needs")
            #expect(o.contains("物业灭火器") && !o.contains("HRB400 钢筋") && !o.contains("C30 商品混凝土"))
            // Engineering sees the needs it raised, not the property department's.
            let m = Self.section(mine.body.string, "pr-needs")
            #expect(m.contains("HRB400 钢筋") && m.contains("C30 商品混凝土") && !m.contains("物业灭火器"))
        }
    }

    // MARK: 3. 计划

    @Test func aPlanIsBuiltFromOpenNeedsAndItsPageShowsBudgetLinesAndApproval() async throws {
        try await withTestApp { app, clock in
            // setup: two needs of one material, one of another.
            let d = try await Self.desk(app, clock, code: "JH")
            let p = d.project
            let n1 = try await Self.need(d, material: "HRB400 钢筋", quantity: "10")
            let n2 = try await Self.need(d, material: "HRB400 钢筋", quantity: "2.5")
            let n3 = try await Self.need(d, material: "C30 商品混凝土", quantity: "80")
            var staff = try await Self.browser(app, "jh.caigou")
            var engineer = try await Self.browser(app, "jh.gongcheng")
            let page = "/procurement/projects/\(p)/plans"
            let list = try await staff.get(page)
            let before = try await Self.count(app, "purchase_plans")
            let period = String(d.today.description.prefix(7))
            // MUT: a bad budget is refused and writes nothing; then the two 钢筋 needs with a budget.
            let bad = try await Self.post(&staff, from: page, to: page, ["period": period, "groups": "2", "l0_need": n1, "l0_budget": "四万"])
            let afterBad = try await Self.count(app, "purchase_plans")
            var form = ["period": period, "groups": "2", "l0_budget": "60000"]
            let csrf = try #require(Browser.csrf(in: try await staff.get(page).body.string))
            form["_csrf"] = csrf
            // Two ticked needs of the group: the form sends l0_need twice.
            var good: TestingHTTPResponse?
            try await app.testing().test(.POST, page, headers: staff.cookieHeader, beforeRequest: { req in
                let body = form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }.joined(separator: "&")
                    + "&l0_need=\(n1)&l0_need=\(n2)"
                req.headers.contentType = .urlEncodedForm
                req.body = ByteBuffer(string: body)
            }) { good = $0 }
            let posted = try #require(good)
            let location = try #require(Self.redirected(posted), "\(posted.status) \(posted.body.string)")
            let planPage = try await staff.get(String(location.prefix { $0 != "?" }))
            let refused = try await engineer.get(String(location.prefix { $0 != "?" }))
            // validate
            #expect(list.status == .ok && list.body.string.contains("value=\"\(n1)\"") && list.body.string.contains("value=\"\(n3)\""))
            #expect(bad.status == .unprocessableEntity && afterBad == before)
            #expect(bad.body.string.contains("金额无效") && bad.body.string.contains("num invalid"), "the budget's reason, its cell marked")
            #expect(location.contains("notice=pr.plan_created"))
            #expect(try await Self.count(app, "purchase_plans") == before + 1)
            let html = planPage.body.string
            #expect(planPage.status == .ok)
            #expect(html.contains("HRB400 钢筋") && html.contains("12.5") && html.contains("60,000.00") && !html.contains("C30 商品混凝土"))
            #expect(html.contains("/approvals/") && html.contains("审批中"), "the approval link and its state")
            #expect(refused.status == .forbidden || refused.status == .notFound)
            // The needs consolidated are planned; the third stays open.
            let needs = try await app.services.purchasePlans(app.db).needs(projectID: p)
            #expect(Dictionary(uniqueKeysWithValues: needs.map { ($0.id.uuidString, $0.status) }) == [n1: "planned", n2: "planned", n3: "open"])
        }
    }

    // MARK: 4. 订单

    @Test func anOrderIsFiledThroughThePageTheRuleIsNamedWhenRefusedAndItsPageShowsLinesApprovalAndTerms() async throws {
        try await withTestApp { app, clock in
            // setup: an approved order at ¥4,000/t makes the market.
            let d = try await Self.desk(app, clock, code: "DD")
            let p = d.project
            let supplier = try await ProcurementTests.supplier(d, 61)
            let plan = try await ProcurementTests.approvedPlan(d, budget: "500000")
            let first = try await ProcurementTests.order(d, supplier: supplier, plan: plan, quantity: "2", price: "4000")
            let firstID = try first.decode(Schemas.PurchaseOrder.self).id
            #expect(try await ProcurementTests.decide(d, try #require(try first.decode(Schemas.PurchaseOrder.self).approvalId), by: d.manager).status == .ok)
            var staff = try await Self.browser(app, "dd.caigou")
            var engineer = try await Self.browser(app, "dd.gongcheng")
            let page = "/procurement/projects/\(p)/orders"
            let form = ["line": "\(plan.plan)|\(plan.line)", "supplierId": supplier, "title": "主体结构钢筋", "quantity": "1", "unitPrice": "4400.01",
                        "dueOn": d.today.adding(days: 20).description]
            let before = try await Self.count(app, "purchase_orders")
            // MUT: a flagged price without a reason; an order over the budget line; then the flagged price with its reason.
            let flagged = try await Self.post(&staff, from: page, to: page, form)
            var over = form
            over["quantity"] = "200"
            over["unitPrice"] = "4000"
            let overBudget = try await Self.post(&staff, from: page, to: page, over)
            // A supplier whose qualification in the category lapsed yesterday.
            let lapsed = try await ProcurementTests.supplier(d, 62, qualified: false)
            let old = try await app.call(.POST, "/api/v1/suppliers/\(lapsed)/qualifications", headers: .bearer(d.staff), json: [
                "category": "materials", "name": "建筑材料供应资质", "number": "ZZ-OLD", "expiresOn": .s(d.today.adding(days: -1).description)] as J)
            #expect(old.status == .created)
            var toLapsed = form
            toLapsed["supplierId"] = lapsed
            toLapsed["unitPrice"] = "4000"
            let lapsedRes = try await Self.post(&staff, from: page, to: page, toLapsed)
            let afterBad = try await Self.count(app, "purchase_orders")
            var good = form
            good["priceReason"] = "急单，加价保供"
            let filed = try await Self.post(&staff, from: page, to: page, good)
            let location = try #require(Self.redirected(filed), "\(filed.status) \(filed.body.string)")
            let orderPath = String(location.prefix { $0 != "?" })
            let show = try await staff.get(orderPath)
            let all = try await staff.get(page)
            let approved = try await staff.get(page + "?status=approved")
            let refused = try await engineer.get(orderPath)
            // The approval the order filed links back to the order (its approver decides from there).
            let approvalID = try #require(try await app.services.purchaseOrders(app.db).order(UUID(uuidString: String(orderPath.split(separator: "/").last!))!)
                .approvalId)
            var gm = try await Self.browser(app, "dd.zong")
            let approval = try await gm.get("/approvals/\(approvalID)")
            #expect(approval.status == .ok && approval.body.string.contains("href=\"\(orderPath)\""), "\(approval.status)")
            // validate: each refusal names its rule in Chinese and writes nothing.
            #expect(flagged.status == .unprocessableEntity && flagged.body.string.contains("高于近90天市场中位价"), "\(flagged.status)")
            #expect(overBudget.status == .conflict || overBudget.status == .unprocessableEntity, "\(overBudget.status)")
            #expect(overBudget.body.string.contains("超出采购计划预算"))
            #expect(lapsedRes.status == .conflict && lapsedRes.body.string.contains("该供应商在此类别的资质已过期"), "\(lapsedRes.status)")
            #expect(afterBad == before)
            #expect(location.hasPrefix("/procurement/orders/") && location.contains("notice=pr.order_filed"))
            #expect(try await Self.count(app, "purchase_orders") == before + 1)
            // The order's page: the flagged line highlighted with the reason, the 90-day median, approver and matrix version.
            let html = show.body.string
            #expect(show.status == .ok)
            #expect(html.contains("pr-flagged") && html.contains("急单，加价保供") && html.contains("4,400.01") && html.contains("4,000.00"))
            #expect(html.contains("+10.0%"))
            #expect(html.contains("采购经理") && html.contains(AuthorityMatrix.current.version) && html.contains("/approvals/") && html.contains("审批中"))
            #expect(html.contains("pr-order-terms") && html.contains("pr-price-history") && html.contains("<svg"))
            // The list: both orders and their total; the approved filter only the first.
            let a = Self.section(all.body.string, "pr-orders")
            #expect(a.contains("/procurement/orders/\(firstID)") && a.contains(orderPath) && a.contains("12,400.01") && a.contains("合计 2 单"))
            let f = Self.section(approved.body.string, "pr-orders")
            #expect(f.contains("/procurement/orders/\(firstID)") && !f.contains(orderPath))
            #expect(refused.status == .notFound || refused.status == .forbidden)
            #expect(try await engineer.get(page).status == .forbidden)
            // The supplier's page links its orders.
            #expect(try await staff.get("/procurement/suppliers/\(supplier)").body.string.contains("href=\"\(orderPath)\""))
        }
    }

    // MARK: 5. 招标

    @Test func aTenderIsCreatedSealedOpenedByTwoClerksComparedAndAwardedThroughThePagesWithoutLeakingBidsBeforeTheOpening() async throws {
        try await withTestApp { app, clock in
            // setup: an approved plan line, three qualified suppliers, a second clerk.
            let d = try await Self.desk(app, clock, code: "ZB")
            let p = d.project
            try await Fixtures(app: app).user("zb.caigou2", roles: [(.procurementStaff, p)])
            let plan = try await ProcurementTests.approvedPlan(d, budget: "500000")
            var suppliers: [String] = []
            for n in 71...73 { suppliers.append(try await ProcurementTests.supplier(d, n)) }
            var staff = try await Self.browser(app, "zb.caigou")
            var second = try await Self.browser(app, "zb.caigou2")
            let page = "/procurement/projects/\(p)/tenders"
            let opens = Format.localInput(clock.now.addingTimeInterval(7_200))
            let before = try await Self.count(app, "tenders")
            // MUT: two invited suppliers are too few; then three.
            let few = try await Self.post(&staff, from: page, to: page, ["line": plan.line, "title": "主体钢筋招标", "opensAt": opens,
                                                                         "supplierIds": suppliers[0]])
            let afterBad = try await Self.count(app, "tenders")
            var created: TestingHTTPResponse?
            let csrf = try #require(Browser.csrf(in: try await staff.get(page).body.string))
            try await app.testing().test(.POST, page, headers: staff.cookieHeader, beforeRequest: { req in
                let enc = { (v: String) in v.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }
                req.headers.contentType = .urlEncodedForm
                req.body = ByteBuffer(string: "_csrf=\(enc(csrf))&line=\(plan.line)&title=\(enc("主体钢筋招标"))&opensAt=\(enc(opens))"
                                      + suppliers.map { "&supplierIds=\($0)" }.joined())
            }) { created = $0 }
            let createdRes = try #require(created)
            let location = try #require(Self.redirected(createdRes), "\(createdRes.status) \(createdRes.body.string)")
            let tender = String(location.prefix { $0 != "?" })
            // Three sealed bids entered on the tender's page.
            for (i, price) in ["3888.88", "3777.77", "3999.99"].enumerated() {
                let bid = try await Self.post(&staff, from: tender, to: tender + "/bids", ["supplierId": suppliers[i], "unitPrice": price,
                                                                                           "deliveryDays": "\(20 + i)", "terms": "含运费\(i)"])
                #expect(Self.redirected(bid)?.contains("notice=pr.bid_sealed") == true, "\(bid.status) \(bid.body.string)")
            }
            let sealed = try await staff.get(tender)
            let sealedList = try await staff.get(page)
            // The opening: the first clerk, then the second.
            clock.advance(7_300)
            staff = try await Self.browser(app, "zb.caigou")   // the sessions idled out over the two hours
            second = try await Self.browser(app, "zb.caigou2")
            let firstPress = try await Self.post(&staff, from: tender, to: tender + "/opening", [:])
            let waiting = try await second.get(tender)
            let secondPress = try await Self.post(&second, from: tender, to: tender + "/opening", [:])
            let opened = try await staff.get(tender)
            let bids = try await app.services.tenders(app.db).bids(UUID(uuidString: String(tender.split(separator: "/").last!))!, context: .system("test"))
            let cheapest = try #require(bids.first { $0.unitPriceFen == 377_777 })
            let noReason = try await Self.post(&staff, from: tender, to: tender + "/award", ["bidId": cheapest.id.uuidString, "reason": ""])
            let awarded = try await Self.post(&staff, from: tender, to: tender + "/award", ["bidId": cheapest.id.uuidString, "reason": "报价最低，交期满足"])
            let after = try await staff.get(tender)
            // validate: too few invited is the field's error in Chinese and writes nothing.
            #expect(few.status == .unprocessableEntity && few.body.string.contains("招标至少邀请3家供应商") && afterBad == before)
            let afterGood = try await Self.count(app, "tenders")
            #expect(location.contains("notice=pr.tender_created") && afterGood == before + 1)
            // Sealed: the count, never a bid's figures or terms.
            let s = sealed.body.string + sealedList.body.string
            #expect(sealed.status == .ok && s.contains("已收到密封投标 3 份（邀请 3 家）"))
            for leak in ["3,888.88", "3888.88", "3,777.77", "3777.77", "3,999.99", "含运费"] { #expect(!s.contains(leak), "sealed page leaks \(leak)") }
            #expect(Self.redirected(firstPress)?.contains("notice=pr.opening_first_recorded") == true)
            #expect(waiting.body.string.contains("第一位开标人已到场，还需第二位采购人员开标"))
            #expect(Self.redirected(secondPress)?.contains("notice=pr.opened") == true)
            // Opened: the side-by-side comparison.
            let o = Self.section(opened.body.string, "pr-comparison")
            #expect(o.contains("3,888.88") && o.contains("3,777.77") && o.contains("3,999.99") && o.contains("含运费1") && o.contains("供应商72"))
            #expect(noReason.status == .unprocessableEntity && noReason.body.string.contains("请填写原因"))
            let orderAt = try #require(Self.redirected(awarded), "\(awarded.status) \(awarded.body.string)")
            #expect(orderAt.hasPrefix("/procurement/orders/") && orderAt.contains("notice=pr.awarded"))
            let a = after.body.string
            #expect(a.contains(String(orderAt.prefix { $0 != "?" })) && a.contains("报价最低，交期满足") && a.contains("已定标"))
        }
    }

    /// An approved order of 2 t of 钢筋 at ¥4,000 (approved by the manager): its id and its line's.
    static func approvedOrder(_ d: Desk, supplier n: Int) async throws -> (order: UUID, line: UUID) {
        let supplier = try await ProcurementTests.supplier(d, n)
        let plan = try await ProcurementTests.approvedPlan(d, budget: "100000")
        let res = try await ProcurementTests.order(d, supplier: supplier, plan: plan, quantity: "2", price: "4000")
        let o = try res.decode(Schemas.PurchaseOrder.self)
        #expect(try await ProcurementTests.decide(d, try #require(o.approvalId), by: d.manager).status == .ok)
        return (UUID(uuidString: o.id)!, UUID(uuidString: o.lines[0].id)!)
    }

    // MARK: 6. 到货验收

    @Test func procurementRecordsADeliveryAndEngineeringInspectsItThroughThePages() async throws {
        try await withTestApp { app, clock in
            // setup: an approved order, two units the steel goes into.
            let d = try await Self.desk(app, clock, code: "DH")
            let p = d.project
            let (order, line) = try await Self.approvedOrder(d, supplier: 81)
            let units = try await Inventory(app: app).seed(p, floors: 1, rooms: 2)
            var staff = try await Self.browser(app, "dh.caigou")
            var engineer = try await Self.browser(app, "dh.gongcheng")
            var finance = try await Self.browser(app, "dh.caiwu")
            let form = "/procurement/orders/\(order)/delivery"
            let before = try await Self.count(app, "purchase_deliveries")
            // MUT: a bad quantity and an unknown unit; then 2 t into the two units.
            let bad = try await Self.post(&staff, from: form, to: form, ["deliveredOn": d.today.description, "batch": "GJ-118", "store": "3号库",
                                                                         "quantity_\(line)": "-1"])
            let badUnit = try await Self.post(&staff, from: form, to: form, ["deliveredOn": d.today.description, "batch": "GJ-118", "store": "3号库",
                                                                             "quantity_\(line)": "2", "units": "9-9-9999", "component": "structure"])
            let afterBad = try await Self.count(app, "purchase_deliveries")
            let good = try await Self.post(&staff, from: form, to: form, ["deliveredOn": d.today.description, "batch": "GJ-118", "store": "3号库",
                                                                          "quantity_\(line)": "2", "units": "\(units[0].code)、\(units[1].code)",
                                                                          "component": "structure"])
            let location = try #require(Self.redirected(good), "\(good.status) \(good.body.string)")
            let deliveryPath = String(location.prefix { $0 != "?" })
            let delivery = try #require(UUID(uuidString: String(deliveryPath.split(separator: "/").last!)))
            let dl = try #require(try await app.services.deliveries(app.db).lines(delivery).first).id
            let list = try await engineer.get("/procurement/projects/\(p)/deliveries")
            let toInspect = try await engineer.get(deliveryPath)
            // Engineering: a rejection without a reason; then 1.5 accepted, 0.5 rejected and returned with the reason.
            let noReason = try await Self.post(&engineer, from: deliveryPath, to: deliveryPath + "/inspection",
                                               ["accepted_\(dl)": "1.5", "rejected_\(dl)": "0.5", "reason_\(dl)": ""])
            let stillReceived = try await app.services.deliveries(app.db).delivery(delivery).status
            let inspected = try await Self.post(&engineer, from: deliveryPath, to: deliveryPath + "/inspection",
                                                ["accepted_\(dl)": "1.5", "rejected_\(dl)": "0.5", "reason_\(dl)": "钢筋锈蚀", "returned_\(dl)": "1"])
            let done = try await staff.get(deliveryPath)
            let orderPage = try await staff.get("/procurement/orders/\(order)")
            // validate: refusals re-render with the field's reason and write nothing.
            #expect(bad.status == .unprocessableEntity && bad.body.string.contains("数量应大于0"), "\(bad.status)")
            #expect(badUnit.status == .unprocessableEntity && badUnit.body.string.contains("房号不存在或不属于本项目"), "\(badUnit.status)")
            #expect(afterBad == before)
            #expect(location.contains("notice=pr.delivery_recorded"))
            #expect(try await Self.count(app, "purchase_deliveries") == before + 1)
            let l = Self.section(list.body.string, "pr-deliveries")
            #expect(list.status == .ok && l.contains(deliveryPath) && l.contains("GJ-118") && list.body.string.contains("待验收 1"))
            #expect(!list.body.string.contains(form), "engineering does not record deliveries")
            #expect(toInspect.status == .ok && toInspect.body.string.contains("/inspection") && toInspect.body.string.contains(units[0].code))
            // Engineering cannot open orders: the order is named, not linked (a link would answer 404).
            #expect(!toInspect.body.string.contains("href=\"/procurement/orders/\(order)\"") && !l.contains("href=\"/procurement/orders/"))
            #expect(done.body.string.contains("href=\"/procurement/orders/\(order)\""), "procurement follows the link")
            #expect(noReason.status == .unprocessableEntity && noReason.body.string.contains("请填写原因") && stillReceived == "received")
            #expect(Self.redirected(inspected)?.contains("notice=pr.inspected") == true, "\(inspected.status) \(inspected.body.string)")
            let h = Self.section(done.body.string, "pr-delivery-lines")
            #expect(h.contains("钢筋锈蚀") && h.contains("1.5") && h.contains("0.5") && !done.body.string.contains("/inspection\""))
            #expect(Self.section(orderPage.body.string, "pr-order-deliveries").contains(deliveryPath))
            // Who may not: engineering records no delivery, finance opens no delivery.
            #expect(try await engineer.get(form).status == .forbidden)
            #expect(try await finance.get("/procurement/projects/\(p)/deliveries").status == .forbidden)
            #expect(try await finance.get(deliveryPath).status == .notFound)
        }
    }

    // MARK: 7. 发票结算

    @Test func anInvoiceIsEnteredMatchedThreeWaysQueuedWhenItDoesNotMatchAndPaidByFinance() async throws {
        try await withTestApp { app, clock in
            // setup: 2 t delivered, 1.5 t accepted.
            let d = try await Self.desk(app, clock, code: "FP")
            let p = d.project
            let (order, line) = try await Self.approvedOrder(d, supplier: 91)
            let delivered = try await app.call(.POST, "/api/v1/deliveries", headers: .bearer(d.staff), json: [
                "orderId": .s(order.uuidString), "deliveredOn": .s(d.today.description), "batch": "GJ-9",
                "lines": [["orderLineId": .s(line.uuidString), "quantity": "2"]]] as J)
            let delivery = try delivered.decode(Schemas.Delivery.self)
            let inspected = try await app.call(.POST, "/api/v1/deliveries/\(delivery.id)/inspection", headers: .bearer(d.engineer), json: [
                "lines": [["lineId": .s(delivery.lines[0].id), "accepted": "1.5", "rejected": "0.5", "reason": "锈蚀", "returned": true]]] as J)
            #expect(inspected.status == .ok, "\(inspected.body.string)")
            var staff = try await Self.browser(app, "fp.caigou")
            var finance = try await Self.browser(app, "fp.caiwu")
            var engineer = try await Self.browser(app, "fp.gongcheng")
            let form = "/procurement/orders/\(order)/invoice"
            let invoices = "/procurement/projects/\(p)/invoices"
            // MUT: a bad price; then 2 t invoiced (1.5 accepted: a mismatch); then 1.5 t at the order's price (matched).
            let bad = try await Self.post(&staff, from: form, to: form, ["number": "51012600001", "invoicedOn": d.today.description,
                                                                         "quantity_\(line)": "2", "unitPrice_\(line)": "四千"])
            let afterBad = try await Self.count(app, "purchase_invoices")
            let wrong = try await Self.post(&staff, from: form, to: form, ["number": "51012600001", "invoicedOn": d.today.description,
                                                                           "quantity_\(line)": "2", "unitPrice_\(line)": "4000"])
            let right = try await Self.post(&staff, from: form, to: form, ["number": "51012600002", "invoicedOn": d.today.description,
                                                                           "quantity_\(line)": "1.5", "unitPrice_\(line)": "4000"])
            let wrongAt = try #require(Self.redirected(wrong), "\(wrong.status) \(wrong.body.string)")
            let rightAt = try #require(Self.redirected(right), "\(right.status) \(right.body.string)")
            let wrongPath = String(wrongAt.prefix { $0 != "?" }), rightPath = String(rightAt.prefix { $0 != "?" })
            let queue = try await finance.get(invoices + "?status=mismatch")
            let mismatch = try await staff.get(wrongPath)
            let matched = try await finance.get(rightPath)
            let staffView = try await staff.get(rightPath)
            let staffPay = try await Self.post(&staff, from: rightPath, to: rightPath + "/payment", [:])
            let paid = try await Self.post(&finance, from: rightPath, to: rightPath + "/payment", [:])
            let after = try await finance.get(rightPath)
            // validate
            #expect(bad.status == .unprocessableEntity && bad.body.string.contains("金额无效") && afterBad == 0)
            #expect(wrongAt.contains("notice=pr.invoice_mismatch") && rightAt.contains("notice=pr.invoice_matched"))
            let q = Self.section(queue.body.string, "pr-invoices")
            #expect(queue.status == .ok && q.contains(wrongPath) && !q.contains(rightPath) && q.contains("发票数量超过验收合格数量"))
            let m = Self.section(mismatch.body.string, "pr-match")
            #expect(m.contains("发票数量超过验收合格数量") && m.contains("1.5") && m.contains("4,000.00") && m.contains("8,000.00"))
            let r = matched.body.string
            #expect(matched.status == .ok && Self.section(r, "pr-invoice-payments").contains("待付"))
            #expect(r.contains(rightPath + "/payment"), "finance sees the pay button")
            #expect(!r.contains("href=\"/procurement/orders/") && !q.contains("href=\"/procurement/orders/"), "finance cannot open orders: not linked")
            #expect(staffView.body.string.contains("href=\"/procurement/orders/\(order)\""))
            #expect(!staffView.body.string.contains(rightPath + "/payment"), "procurement does not pay")
            #expect(staffPay.status == .forbidden)
            #expect(Self.redirected(paid)?.contains("notice=pr.paid") == true, "\(paid.status) \(paid.body.string)")
            #expect(!after.body.string.contains(rightPath + "/payment") && after.body.string.contains("已付款"))
            #expect(try await Fixtures(app: app).auditCount(action: "invoice.pay") == 1)
            let status = try await app.services.invoices(app.db).invoice(UUID(uuidString: String(rightPath.split(separator: "/").last!))!).status
            #expect(status == "paid")
            #expect(try await engineer.get(invoices).status == .forbidden)
        }
    }

    // MARK: 8. 报表

    @Test func theReportPageChartsSpendForThePeriodAndOffersTheWorkbook() async throws {
        try await withTestApp { app, clock in
            // setup: one approved order of ¥8,000 (建材, 供应商95).
            let d = try await Self.desk(app, clock, code: "BB")
            let p = d.project
            let (order, _) = try await Self.approvedOrder(d, supplier: 95)
            var manager = try await Self.browser(app, "bb.jingli")
            var engineer = try await Self.browser(app, "bb.gongcheng")
            let page = "/procurement/projects/\(p)/report"
            let from = d.today.adding(days: -30).description, to = d.today.description
            // MUT
            let report = try await manager.get(page + "?from=\(from)&to=\(to)")
            let reversed = try await manager.get(page + "?from=\(to)&to=\(from)")
            let sheet = try await manager.get("/procurement/projects/\(p)/report.xlsx?from=\(from)&to=\(to)")
            let orderPage = try await manager.get("/procurement/orders/\(order)")
            // validate: the spend by month, category and supplier as charts with their tables; the workbook's link.
            let html = report.body.string
            #expect(report.status == .ok)
            #expect(Self.section(html, "pr-report-summary").contains("8,000.00"))
            #expect(Self.section(html, "pr-report-month").contains("<svg") && Self.section(html, "pr-report-category").contains("<svg"))
            let bySupplier = Self.section(html, "pr-report-supplier")
            #expect(bySupplier.contains("<svg") && bySupplier.contains("供应商95") && bySupplier.contains("8,000.00"))
            #expect(Self.section(html, "pr-report-category").contains("建材"))
            #expect(html.contains("report.xlsx?from=\(from)&amp;to=\(to)") || html.contains("report.xlsx?from=\(from)&to=\(to)"))
            #expect(reversed.status == .unprocessableEntity && !reversed.body.string.contains("pr-report-summary"))
            #expect(sheet.status == .ok && sheet.headers.contentType?.subType.contains("spreadsheetml") == true, "\(sheet.headers)")
            let rows = try XLSXReader.rows(Data(buffer: sheet.body))
            #expect(rows.contains { $0.cells.first == "建材" }, "the first sheet is the spend by category: \(rows)")
            // The order's page charts the material's price history (the approved order is a price record).
            let history = Self.section(orderPage.body.string, "pr-price-history")
            #expect(history.contains("<svg") && history.contains("HRB400 钢筋") && history.contains("4,000.00"))
            #expect(try await engineer.get(page).status == .forbidden)
            #expect(try await engineer.get("/procurement/projects/\(p)/report.xlsx").status == .forbidden)
        }
    }
}
