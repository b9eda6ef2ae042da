import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// 采购 on both engines (issue 19): suppliers with a checked credit code, qualifications that lapse and block, the
/// blacklist through an approval; needs → an approved plan → orders within the budget line, routed by the authority
/// matrix (29,999.99 to the procurement manager, 30,000.00 to the GM), nobody approving their own, two approvers
/// racing, budget racers, and the approval's re-check under lock.
@Suite("Procurement: suppliers, plans, orders")
struct ProcurementTests {
    typealias Schemas = Components.Schemas

    struct Desk {
        var app: Application
        var project: UUID
        var staff: String, manager: String, gm: String, engineer: String, staffID: UUID
        var today: CalendarDay
    }

    static func desk(_ app: Application, _ clock: TestClock, code: String = "CG") async throws -> Desk {
        let f = Fixtures(app: app)
        let project = try await f.project(code)
        let u = code.lowercased()
        let staffID = try await f.user("\(u).caigou", roles: [(.procurementStaff, project)])
        try await f.user("\(u).jingli", roles: [(.procurementManager, project)])
        try await f.user("\(u).zong", roles: [(.gm, project)])
        try await f.user("\(u).gongcheng", roles: [(.engineer, project)])
        return Desk(app: app, project: project, staff: try await f.token("\(u).caigou"), manager: try await f.token("\(u).jingli"),
                    gm: try await f.token("\(u).zong"), engineer: try await f.token("\(u).gongcheng"), staffID: staffID,
                    today: CalendarDay(clock.now))
    }

    static func code(_ n: Int) -> String { CreditCode.completing("9151010" + String(format: "%010d", n))! }

    /// A supplier of `categories` with a qualification valid for a year in the first.
    static func supplier(_ d: Desk, _ n: Int, categories: [String] = ["materials"], qualified: Bool = true) async throws -> String {
        let res = try await d.app.call(.POST, "/api/v1/suppliers", headers: .bearer(d.staff), json: [
            "name": .s("供应商\(n)"), "creditCode": .s(code(n)), "categories": .a(categories.map(J.s)), "bankName": "招商银行成都分行",
            "bankAccount": .s("6225 8812 3456 \(String(format: "%04d", n))"), "contactName": "王经理",
            "contactMobile": .s("+86 139-0000-\(String(format: "%04d", n))")] as J)
        #expect(res.status == .created, "\(res.body.string)")
        let id = try res.decode(Schemas.Supplier.self).id
        if qualified {
            let q = try await d.app.call(.POST, "/api/v1/suppliers/\(id)/qualifications", headers: .bearer(d.staff), json: [
                "category": .s(categories[0]), "name": "建筑材料供应资质", "number": .s("ZZ-\(n)"), "expiresOn": .s(d.today.adding(days: 365).description)] as J)
            #expect(q.status == .created, "\(q.body.string)")
        }
        return id
    }

    static func decide(_ d: Desk, _ approval: String, by token: String, approve: Bool = true) async throws -> TestingHTTPResponse {
        try await d.app.call(.POST, "/api/v1/approvals/\(approval)/decision", headers: .bearer(token),
                             json: ["approve": .b(approve), "comment": .s(approve ? "同意" : "预算不足")] as J)
    }

    /// An approved plan of one budget line (建材 钢筋, `budget` yuan), returned with the line's id.
    static func approvedPlan(_ d: Desk, budget: String = "100000") async throws -> (plan: String, line: String) {
        let res = try await d.app.call(.POST, "/api/v1/purchase-plans", headers: .bearer(d.staff), json: [
            "projectId": .s(d.project.uuidString), "period": .s(String(d.today.description.prefix(7))),
            "lines": [["category": "materials", "material": "HRB400 钢筋", "unit": "吨", "quantity": "100", "budget": .s(budget)]]] as J)
        #expect(res.status == .created, "\(res.body.string)")
        let plan = try res.decode(Schemas.PurchasePlan.self)
        let approver = plan.approver == "gm" ? d.gm : d.manager
        #expect(try await decide(d, try #require(plan.approvalId), by: approver).status == .ok)
        return (plan.id, plan.lines[0].id)
    }

    static func order(_ d: Desk, supplier: String, plan: (plan: String, line: String), quantity: String, price: String, reason: String? = nil,
                      token: String? = nil) async throws -> TestingHTTPResponse {
        var body: [String: J] = ["projectId": .s(d.project.uuidString), "supplierId": .s(supplier), "planId": .s(plan.plan), "title": "主体结构钢筋",
                                 "lines": [["planLineId": .s(plan.line), "quantity": .s(quantity), "unitPrice": .s(price),
                                            "dueOn": .s(d.today.adding(days: 20).description)]]]
        if let reason { body["priceReason"] = .s(reason) }
        return try await d.app.call(.POST, "/api/v1/purchase-orders", headers: .bearer(token ?? d.staff), json: J.o(body))
    }

    static func problemCode(_ res: TestingHTTPResponse) -> String {
        (try? res.content.decode(ProblemCode.self))?.code ?? ""
    }
    struct ProblemCode: Decodable { var code: String; var errors: [E]?; struct E: Decodable { var field: String; var code: String } }

    @Test func suppliersCarryACheckedCreditCodeAndTheBlacklistTakesTheManagersApproval() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await Self.desk(app, clock)
            var bad = Self.code(1)
            bad.removeLast()
            bad += bad.hasSuffix("0") ? "1" : "0"
            // MUT: a wrong check character, then the right one, then the same code again.
            let refused = try await app.call(.POST, "/api/v1/suppliers", headers: .bearer(d.staff), json: [
                "name": "坏代码建材", "creditCode": .s(bad), "categories": ["materials"], "bankName": "建设银行", "bankAccount": "12345",
                "contactName": "李", "contactMobile": "12345"] as J)
            #expect(refused.status == .unprocessableEntity)
            let fields = try refused.content.decode(ProblemCode.self).errors?.map(\.code) ?? []
            #expect(Set(fields) == ["credit_code_check_digit", "bank_account_invalid", "mobile_invalid"], "\(fields)")
            let id = try await Self.supplier(d, 1)
            let again = try await app.call(.POST, "/api/v1/suppliers", headers: .bearer(d.staff), json: [
                "name": "同码建材", "creditCode": .s(Self.code(1).lowercased()), "categories": ["materials"], "bankName": "建设银行",
                "bankAccount": "6217000012345678", "contactName": "李", "contactMobile": "13900001111"] as J)
            #expect(again.status == .conflict && Self.problemCode(again) == "supplier_exists")
            // validate: stored normalised, mobile normalised; an engineer (no procurement right) cannot read the directory.
            let got = try await app.call(.GET, "/api/v1/suppliers/\(id)", headers: .bearer(d.staff)).decode(Schemas.Supplier.self)
            #expect(got.creditCode == Self.code(1) && got.contactMobile == "13900000001" && got.bankAccount == "6225881234560001")
            #expect(got.qualifications.count == 1 && got.qualifications[0].standing == .valid)
            #expect(try await app.call(.GET, "/api/v1/suppliers", headers: .bearer(d.engineer)).status == .forbidden)
            // A qualification lapsing in 10 days is on the reminder list.
            let soon = try await app.call(.POST, "/api/v1/suppliers/\(id)/qualifications", headers: .bearer(d.staff), json: [
                "category": "materials", "name": "安全生产许可证", "number": "AQ-1", "expiresOn": .s(d.today.adding(days: 10).description)] as J)
            #expect(soon.status == .created)
            let reminders = try await app.call(.GET, "/api/v1/supplier-qualifications/expiring", headers: .bearer(d.staff))
                .decode(Schemas.ExpiringQualificationList.self)
            #expect(reminders.items.map(\.qualification.number) == ["AQ-1"])
            #expect(reminders.items.first?.qualification.standing == .expiring)
            // The blacklist: staff ask with a reason; staff may not decide; the manager approves.
            let asked = try await app.call(.POST, "/api/v1/suppliers/\(id)/blacklisting", headers: .bearer(d.staff),
                                           json: ["projectId": .s(d.project.uuidString), "reason": "以次充好，钢筋复试不合格"] as J)
            #expect(asked.status == .accepted, "\(asked.body.string)")
            let approval = try asked.decode(Schemas.ApprovalRef.self).approvalId
            let twice = try await app.call(.POST, "/api/v1/suppliers/\(id)/blacklisting", headers: .bearer(d.staff),
                                           json: ["projectId": .s(d.project.uuidString), "reason": "再次申请"] as J)
            #expect(twice.status == .conflict && Self.problemCode(twice) == "supplier_blacklist_pending")
            #expect(try await app.call(.GET, "/api/v1/suppliers/\(id)", headers: .bearer(d.staff)).decode(Schemas.Supplier.self).blacklistPending)
            #expect(try await Self.decide(d, approval, by: d.staff).status == .forbidden)
            #expect(try await Self.decide(d, approval, by: d.manager).status == .ok)
            let listed = try await app.call(.GET, "/api/v1/suppliers?status=blacklisted", headers: .bearer(d.staff)).decode(Schemas.SupplierList.self)
            #expect(listed.items.map(\.id) == [id])
            #expect(listed.items.first?.blacklistReason == "以次充好，钢筋复试不合格")
            #expect(try await Fixtures(app: app).auditCount(action: "supplier.blacklist") == 1)
            // A blacklisted supplier takes no order.
            let plan = try await Self.approvedPlan(d)
            let order = try await Self.order(d, supplier: id, plan: plan, quantity: "1", price: "4000")
            #expect(order.status == .conflict && Self.problemCode(order) == "supplier_blacklisted", "\(order.body.string)")
        }
    }

    @Test func theDirectoryAndASuppliersPageShowItsRegistrationQualificationsAndScore() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await Self.desk(app, clock, code: "PG")
            let id = try await Self.supplier(d, 41)
            // MUT
            var browser = Browser(app: app)
            _ = try await browser.signIn("pg.caigou")
            let list = try await browser.get("/procurement/suppliers")
            let page = try await browser.get("/procurement/suppliers/\(id)")
            var engineer = Browser(app: app)
            _ = try await engineer.signIn("pg.gongcheng")
            let refused = try await engineer.get("/procurement/suppliers")
            // validate: the directory lists it with its code; its page shows the qualification, the score and the blacklist form.
            #expect(list.status == .ok && list.body.string.contains("供应商41") && list.body.string.contains(Self.code(41)))
            let html = page.body.string
            #expect(page.status == .ok && html.contains("建筑材料供应资质") && html.contains("pr-scorecard") && html.contains("pr-blacklist"))
            #expect(refused.status == .forbidden || refused.status == .notFound, "\(refused.status)")
        }
    }

    @Test func anOrderNeedsAnApprovedPlanStaysWithinItsBudgetLineAndIsRoutedByTheMatrix() async throws {
        try await withTestApp { app, clock in
            // setup: the engineering department's need, consolidated into a plan.
            let d = try await Self.desk(app, clock)
            let supplier = try await Self.supplier(d, 2)
            let need = try await app.call(.POST, "/api/v1/purchase-needs", headers: .bearer(d.engineer), json: [
                "projectId": .s(d.project.uuidString), "department": "engineering", "category": "materials", "material": "HRB400  钢筋",
                "unit": "吨", "quantity": "12.5", "neededOn": .s(d.today.adding(days: 30).description)] as J)
            #expect(need.status == .created, "\(need.body.string)")
            let needID = try need.decode(Schemas.PurchaseNeed.self).id
            let res = try await app.call(.POST, "/api/v1/purchase-plans", headers: .bearer(d.staff), json: [
                "projectId": .s(d.project.uuidString), "period": .s(String(d.today.description.prefix(7))),
                "lines": [["category": "materials", "material": "HRB400 钢筋", "unit": "吨", "quantity": "12.5", "budget": "60000",
                           "needIds": [.s(needID)]]]] as J)
            #expect(res.status == .created, "\(res.body.string)")
            let plan = try res.decode(Schemas.PurchasePlan.self)
            let pl = (plan.id, plan.lines[0].id)
            #expect(plan.approver == "gm" && plan.status == .submitted && plan.matrixVersion == AuthorityMatrix.current.version)
            let planned = try await app.call(.GET, "/api/v1/purchase-needs?projectId=\(d.project)", headers: .bearer(d.staff))
                .decode(Schemas.PurchaseNeedList.self)
            #expect(planned.items.map(\.status) == [.planned] && planned.items[0].material == "HRB400 钢筋")
            // MUT: no order against a plan not yet approved (未经批准的计划有权拒绝供应).
            let early = try await Self.order(d, supplier: supplier, plan: pl, quantity: "1", price: "4000")
            #expect(early.status == .conflict && Self.problemCode(early) == "plan_not_approved")
            #expect(try await Self.decide(d, try #require(plan.approvalId), by: d.gm).status == .ok)
            // 29,999.99 goes to the procurement manager.
            let small = try await Self.order(d, supplier: supplier, plan: pl, quantity: "1", price: "29999.99")
            #expect(small.status == .created, "\(small.body.string)")
            let s = try small.decode(Schemas.PurchaseOrder.self)
            #expect(s.approver == "procurement_manager" && s.total == "29999.99" && s.matrixVersion == "2026-01")
            #expect(s.payments.map(\.amount) == ["9000.00", "19499.99", "1500.00"])
            // 30,000.00 goes to the GM: the budget has 30,000.01 left, so this fits exactly... and one fen more does not.
            let over = try await Self.order(d, supplier: supplier, plan: pl, quantity: "1", price: "30000.02")
            #expect(over.status == .conflict && Self.problemCode(over) == "plan_budget_exceeded", "\(over.body.string)")
            let big = try await Self.order(d, supplier: supplier, plan: pl, quantity: "1", price: "30000.00", reason: "市场价上涨")
            #expect(big.status == .created, "\(big.body.string)")
            let b = try big.decode(Schemas.PurchaseOrder.self)
            #expect(b.approver == "gm")
            // validate: the line holds both orders; the procurement manager may not decide the GM's order; nobody their own.
            let after = try await app.call(.GET, "/api/v1/purchase-plans/\(plan.id)", headers: .bearer(d.staff)).decode(Schemas.PurchasePlan.self)
            #expect(after.lines[0].ordered == "59999.99" && after.lines[0].remaining == "0.01")
            let notHis = try await Self.decide(d, try #require(b.approvalId), by: d.manager)
            #expect(notHis.status == .forbidden && Self.problemCode(notHis) == "approval_not_authorised")
            let own = try await Self.order(d, supplier: supplier, plan: pl, quantity: "0.001", price: "10", token: d.gm)
            #expect(own.status == .created, "\(own.body.string)")
            let ownRes = try await Self.decide(d, try #require(try own.decode(Schemas.PurchaseOrder.self).approvalId), by: d.gm)
            #expect(ownRes.status == .forbidden && Self.problemCode(ownRes) == "approval_own_request")
            // A rejection gives the budget back.
            #expect(try await Self.decide(d, try #require(b.approvalId), by: d.gm, approve: false).status == .ok)
            let released = try await app.call(.GET, "/api/v1/purchase-plans/\(plan.id)", headers: .bearer(d.staff)).decode(Schemas.PurchasePlan.self)
            #expect(released.lines[0].ordered == "30000.00")
            #expect(try await app.call(.GET, "/api/v1/purchase-orders/\(b.id)", headers: .bearer(d.staff)).decode(Schemas.PurchaseOrder.self).status == .rejected)
            #expect(try await Fixtures(app: app).auditCount(action: "purchase_order.create") == 3)
        }
    }

    @Test func aPriceFarAboveTheMarketNeedsAReasonAndALapsedQualificationBlocksItsCategory() async throws {
        try await withTestApp { app, clock in
            // setup: an approved order at ¥4,000/t makes the market.
            let d = try await Self.desk(app, clock)
            let supplier = try await Self.supplier(d, 3)
            let plan = try await Self.approvedPlan(d, budget: "500000")
            let first = try await Self.order(d, supplier: supplier, plan: plan, quantity: "2", price: "4000")
            #expect(try await Self.decide(d, try #require(try first.decode(Schemas.PurchaseOrder.self).approvalId), by: d.manager).status == .ok)
            // MUT: 10 % above is not flagged; 4,400.01 is, and needs a reason.
            let at10 = try await Self.order(d, supplier: supplier, plan: plan, quantity: "1", price: "4400")
            #expect(at10.status == .created)
            #expect(try at10.decode(Schemas.PurchaseOrder.self).lines[0].flagged == false)
            let flagged = try await Self.order(d, supplier: supplier, plan: plan, quantity: "1", price: "4400.01")
            #expect(flagged.status == .unprocessableEntity && Self.problemCode(flagged) == "price_flag_reason_required", "\(flagged.body.string)")
            let reasoned = try await Self.order(d, supplier: supplier, plan: plan, quantity: "1", price: "4400.01", reason: "急单，加价保供")
            let r = try reasoned.decode(Schemas.PurchaseOrder.self)
            #expect(r.flaggedLines == 1 && r.lines[0].median == "4000.00" && r.priceReason == "急单，加价保供")
            // A supplier whose only qualification in the category lapsed yesterday takes no order; another category is not its.
            let lapsed = try await Self.supplier(d, 4, categories: ["materials", "equipment"], qualified: false)
            let old = try await app.call(.POST, "/api/v1/suppliers/\(lapsed)/qualifications", headers: .bearer(d.staff), json: [
                "category": "materials", "name": "建筑材料供应资质", "number": "ZZ-OLD", "expiresOn": .s(d.today.adding(days: -1).description)] as J)
            #expect(try old.decode(Schemas.SupplierQualification.self).standing == .expired)
            let blocked = try await Self.order(d, supplier: lapsed, plan: plan, quantity: "1", price: "4000")
            #expect(blocked.status == .conflict && Self.problemCode(blocked) == "supplier_qualification_expired", "\(blocked.body.string)")
            let wrongCategory = try await app.call(.POST, "/api/v1/suppliers/\(lapsed)/qualifications", headers: .bearer(d.staff), json: [
                "category": "services", "name": "监理资质", "number": "JL-1", "expiresOn": "2030-01-01"] as J)
            #expect(wrongCategory.status == .unprocessableEntity)
            // validate: renewed, it may take orders again.
            _ = try await app.call(.POST, "/api/v1/suppliers/\(lapsed)/qualifications", headers: .bearer(d.staff), json: [
                "category": "materials", "name": "建筑材料供应资质", "number": "ZZ-NEW", "expiresOn": .s(CalendarDay(clock.now).adding(days: 365).description)] as J)
            #expect(try await Self.order(d, supplier: lapsed, plan: plan, quantity: "1", price: "4000").status == .created)
        }
    }

    @Test func twoApproversRacingGetOneDecisionAndBudgetRacersNeverOverspend() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await Self.desk(app, clock)
            let supplier = try await Self.supplier(d, 5)
            let plan = try await Self.approvedPlan(d, budget: "100000")
            let order = try await Self.order(d, supplier: supplier, plan: plan, quantity: "5", price: "4000")
            let approval = try #require(try order.decode(Schemas.PurchaseOrder.self).approvalId)
            // MUT: the procurement manager and the GM approve at once.
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { g in
                for token in [d.manager, d.gm] { g.addTask { try await Self.decide(d, approval, by: token).status } }
                return try await g.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            // validate: one wins, one is told it was decided; one approval line, one set of prices.
            #expect(statuses.sorted { $0.code < $1.code } == [.ok, .conflict], "\(statuses)")
            #expect(try await Fixtures(app: app).auditCount(action: "purchase_order.approve") == 1)
            struct N: Decodable { var n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM procurement_prices").first(decoding: N.self)?.n == 1)
            // Six orders of ¥25,000 race for the ¥80,000 left on the line: three fit.
            let racers = try await withThrowingTaskGroup(of: HTTPStatus.self) { g in
                for _ in 0..<6 {
                    g.addTask { try await Self.order(d, supplier: supplier, plan: plan, quantity: "1", price: "25000", reason: "整批含运输").status }
                }
                return try await g.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(racers.filter { $0 == .created }.count == 3 && racers.filter { $0 == .conflict }.count == 3, "\(racers)")
            let line = try await app.call(.GET, "/api/v1/purchase-plans/\(plan.plan)", headers: .bearer(d.staff)).decode(Schemas.PurchasePlan.self).lines[0]
            #expect(line.ordered == "95000.00" && line.remaining == "5000.00")
        }
    }

    @Test func approvalRechecksTheOrderUnderLock() async throws {
        try await withTestApp { app, clock in
            // setup: an order filed at ¥29,000 (the manager's), whose line is then changed behind its back to ¥31,000.
            let d = try await Self.desk(app, clock)
            let supplier = try await Self.supplier(d, 6)
            let plan = try await Self.approvedPlan(d, budget: "100000")
            let o = try await Self.order(d, supplier: supplier, plan: plan, quantity: "1", price: "29000").decode(Schemas.PurchaseOrder.self)
            try await app.db.sql.raw("UPDATE purchase_order_lines SET amount_fen = 3100000 WHERE order_id = \(bind: UUID(uuidString: o.id)!)").run()
            // MUT
            let res = try await Self.decide(d, try #require(o.approvalId), by: d.manager)
            // validate: refused, nothing decided.
            #expect(res.status == .conflict && Self.problemCode(res) == "purchase_order_amount_changed", "\(res.body.string)")
            let still = try await app.call(.GET, "/api/v1/approvals/\(o.approvalId!)", headers: .bearer(d.manager)).decode(Schemas.Approval.self)
            #expect(still.status == .pending)
            #expect(try await app.call(.GET, "/api/v1/purchase-orders/\(o.id)", headers: .bearer(d.staff)).decode(Schemas.PurchaseOrder.self).status == .submitted)
            // A supplier blacklisted after the order was filed: the approval is refused too.
            let o2 = try await Self.order(d, supplier: supplier, plan: plan, quantity: "1", price: "1000").decode(Schemas.PurchaseOrder.self)
            let asked = try await app.call(.POST, "/api/v1/suppliers/\(supplier)/blacklisting", headers: .bearer(d.staff),
                                           json: ["projectId": .s(d.project.uuidString), "reason": "拖延交货"] as J)
            #expect(try await Self.decide(d, try asked.decode(Schemas.ApprovalRef.self).approvalId, by: d.manager).status == .ok)
            let refused = try await Self.decide(d, try #require(o2.approvalId), by: d.manager)
            #expect(refused.status == .conflict && Self.problemCode(refused) == "supplier_blacklisted")
        }
    }
}
