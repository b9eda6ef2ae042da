import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Who may read an approval (issue 13, point 4): its requester, whoever may decide it, and the
/// roles that may view what it is about. Every kind the system files today, through the API, read
/// by every role on the project: the list, the record and the pages, against a table written out
/// here by hand from AccessMatrix (inventory.view, sales.view) and the routing of each kind.
@Suite("Approvals: who sees which")
struct ApprovalVisibilityTests {
    static let pricing: Set<ApprovalKind> = [.priceList, .unitPrice, .discount]
    static let sale: Set<ApprovalKind> = [.subscriptionCancel, .buyerChange, .refund, .planChange, .penaltyWaiver, .termination]
    /// 佣金结算单: read with channels.manage, decided by the sales manager.
    static let channel: Set<ApprovalKind> = [.commissionStatement]
    static let sales: Set<ApprovalKind> = pricing.union(sale)
    /// 采购: read with procurement.handle; plans and orders routed by amount, the blacklist to the procurement manager.
    static let procurement: Set<ApprovalKind> = [.supplierBlacklist, .purchasePlan, .purchaseOrder]
    static let every: Set<ApprovalKind> = sales.union(channel).union(procurement)

    /// Each role granted on the project, reading approvals it did not file.
    static let expected: [Role: Set<ApprovalKind>] = [
        .admin: pricing,               // inventory.view only: no sale, no customer
        .gm: every,
        .csManager: sales,
        .csStaff: sales,
        .salesManager: sales.union(channel), // decides commission statements
        .consultant: sales,            // sales.view reads every sale of the project (names masked)
        .finance: sales,
        .channelManager: pricing.union(channel),
        .channelStaff: pricing,
        .agent: [],
        .shiftLead: [],
        .ccSupervisor: [],
        .engineer: [],
        .property: pricing,
        .legal: sale,                  // sales.view, no inventory.view
        .procurementStaff: procurement,
        .procurementManager: procurement,
        .mallCS: [],
        .mallSupervisor: [],
    ]

    struct Filed {
        var project: UUID
        var ids: [ApprovalKind: String]
        var titles: [ApprovalKind: String]
        /// Requester tokens, signed in after the clock moved.
        var consultant: String, manager: String
    }


    /// Files one approval of every kind on a fresh project, each through the API by the role that asks for it.
    static func fileOneOfEach(_ app: Application, _ clock: TestClock) async throws -> Filed {
        let d = try await SaleTests.desk(app, clock, code: "AV")
        var ids: [ApprovalKind: String] = [:]
        func approvalID(_ res: TestingHTTPResponse, _ kind: ApprovalKind) throws {
            #expect(res.status == .accepted, "\(kind): \(res.body.string)")
            switch kind {
            // A price list and a refund answer with themselves, carrying the approval; the rest with a reference.
            case .priceList: ids[kind] = try #require(try res.decode(Schemas.PriceList.self).approvalId)
            case .refund: ids[kind] = try #require(try res.decode(Schemas.Receipt.self).approvalId)
            case .commissionStatement: ids[kind] = try #require(try res.decode(Schemas.CommissionStatement.self).approvalId)
            default: ids[kind] = try res.decode(Schemas.ApprovalRef.self).approvalId
            }
        }
        let p = d.project
        // 价目表 (GM's) and a single-unit change (sales manager's), both asked by the sales manager.
        struct Adjust: Encodable { var name: String; var changePercent: String; var floorFrom: Int; var floorRatio: String }
        try approvalID(try await app.call(.POST, "/api/v1/projects/\(p)/price-lists/adjustments", headers: .bearer(d.manager),
                                          json: Adjust(name: "矩阵调价", changePercent: "1", floorFrom: 4, floorRatio: "95")), .priceList)
        try approvalID(try await app.call(.POST, "/api/v1/projects/\(p)/units/\(d.units[1].id)/price-changes", headers: .bearer(d.manager),
                                          json: ["unitPrice": .s(d.units[1].listUnitPrice.scaled(by: 10_100, over: 10_000).plain), "reason": "景观好"] as J), .unitPrice)
        // 特批折扣, asked by the consultant.
        try approvalID(try await app.call(.POST, "/api/v1/projects/\(p)/units/\(d.units[0].id)/discount-requests", headers: .bearer(d.consultant),
                                          json: ["ruleIds": [], "special": 9950, "customer": "矩阵客户", "reason": "老客户"] as J), .discount)
        // 退订 and 更名 on two sales.
        let c1 = try await SaleTests.customer(d, "退订人", "13900000201"), c2 = try await SaleTests.customer(d, "原买家", "13900000202")
        let c3 = try await SaleTests.customer(d, "新买家", "13900000203"), c4 = try await SaleTests.customer(d, "退款人", "13900000204")
        let c5 = try await SaleTests.customer(d, "退房人", "13900000205"), c6 = try await SaleTests.customer(d, "改计划", "13900000206")
        let c7 = try await SaleTests.customer(d, "逾期人", "13900000207")
        let s1 = try await SaleTests.subscribe(d, unit: d.units[2], buyers: [(c1, "100")]).decode(Schemas.Subscription.self).id
        try approvalID(try await app.call(.POST, "/api/v1/subscriptions/\(s1)/cancellation", headers: .bearer(d.consultant),
                                          json: ["depositOutcome": "refund", "reason": "不买了"] as J), .subscriptionCancel)
        let s2 = try await SaleTests.subscribe(d, unit: d.units[3], buyers: [(c2, "100")]).decode(Schemas.Subscription.self).id
        try approvalID(try await app.call(.POST, "/api/v1/subscriptions/\(s2)/buyer-change", headers: .bearer(d.consultant),
                                          json: ["buyers": [["customerId": .s(c2), "share": "60"], ["customerId": .s(c3), "share": "40"]],
                                                 "reason": "加配偶"] as J), .buyerChange)
        // 退款 of part of a confirmed deposit.
        let s3 = try await SaleTests.subscribe(d, unit: d.units[4], buyers: [(c4, "100")]).decode(Schemas.Subscription.self).id
        struct I: Decodable { var id: UUID }
        let item = try await app.db.sql.raw("SELECT id FROM payment_items WHERE subscription_id = \(bind: UUID(uuidString: s3)!)")
            .first(decoding: I.self)!.id
        let receipt = try await app.call(.POST, "/api/v1/receipts", headers: SaleTests.idem(d.consultant, "av-dep-0001"),
                                         json: ["subscriptionId": .s(s3), "itemId": .s(item.uuidString), "amount": "50000", "method": "transfer",
                                                "receivedOn": .s(d.today.description), "payer": "退款人"] as J)
        #expect(try await app.call(.POST, "/api/v1/receipts/\(try receipt.decode(Schemas.Receipt.self).id)/confirmation",
                                   headers: .bearer(d.finance)).status == .ok)
        try approvalID(try await app.call(.POST, "/api/v1/receipts/refunds", headers: SaleTests.idem(d.consultant, "av-ref-0001"),
                                          json: ["subscriptionId": .s(s3), "itemId": .s(item.uuidString), "amount": "8000",
                                                 "method": "transfer", "reason": "多收定金退还", "payee": "退款人"] as J), .refund)
        // 退房 of a signed, paid contract.
        let (_, signed) = try await SaleTests.signedAndPaid(d, unit: d.units[5], buyer: c5, tag: "av")
        try approvalID(try await app.call(.POST, "/api/v1/contracts/\(signed)/termination", headers: .bearer(d.consultant),
                                          json: ["reason": "买受人违约"] as J), .termination)
        // A plan change on a draft contract: the first payment five days later.
        let s6 = try await SaleTests.subscribe(d, unit: d.units[6], buyers: [(c6, "100")]).decode(Schemas.Subscription.self).id
        let draft = try await app.call(.POST, "/api/v1/contracts", headers: .bearer(d.consultant), json: [
            "subscriptionId": .s(s6), "buyerKind": "local_individual", "downPaymentDueOn": .s(d.today.adding(days: 10).description),
            "instalments": [], "penaltyRatePer100k": 50, "deliveryDueOn": .s(d.today.adding(days: 300).description), "titleDays": 365] as J)
        #expect(draft.status == .created, "\(draft.body.string)")
        let draftID = try draft.decode(Schemas.Contract.self).id
        let plan = try await app.call(.GET, "/api/v1/contracts/\(draftID)", headers: .bearer(d.consultant)).decode(Schemas.Contract.self).plan
        let lines: [J] = plan.map { r in
            let due = r.kind.rawValue == "down_payment" ? CalendarDay(r.dueOn)!.adding(days: 5).description : r.dueOn
            return ["id": .s(r.id), "kind": .s(r.kind.rawValue), "amount": .s(r.amount), "dueOn": .s(due)]
        }
        try approvalID(try await app.call(.POST, "/api/v1/contracts/\(draftID)/plan-change", headers: .bearer(d.consultant),
                                          json: ["items": .a(lines), "reason": "客户资金晚到"] as J), .planChange)
        // 违约金减免: a signed contract whose first payment is ten days late.
        let s7 = try await SaleTests.subscribe(d, unit: d.units[7], buyers: [(c7, "100")]).decode(Schemas.Subscription.self).id
        let late = try await app.call(.POST, "/api/v1/contracts", headers: .bearer(d.consultant), json: [
            "subscriptionId": .s(s7), "buyerKind": "local_individual", "downPaymentDueOn": .s(d.today.adding(days: 3).description),
            "instalments": [], "penaltyRatePer100k": 50, "deliveryDueOn": .s(d.today.adding(days: 300).description), "titleDays": 365] as J)
            .decode(Schemas.Contract.self).id
        for doc in ["id_document", "household_register", "marital_status"] {
            _ = try await app.call(.PUT, "/api/v1/contracts/\(late)/documents/\(doc)", headers: .bearer(d.consultant), json: ["received": true] as J)
        }
        #expect(try await app.call(.POST, "/api/v1/contracts/\(late)/review", headers: .bearer(d.cs), json: ["approve": true] as J).status == .ok)
        #expect(try await app.call(.POST, "/api/v1/contracts/\(late)/signing", headers: .bearer(d.consultant),
                                   json: ["signedOn": .s(d.today.description)] as J).status == .ok)
        clock.advance(13 * 86_400)
        let f = Fixtures(app: app)
        let consultant = try await f.token("alice"), manager = try await f.token("boss")
        let overdue = try await app.call(.GET, "/api/v1/contracts/\(late)", headers: .bearer(consultant)).decode(Schemas.Contract.self).plan
            .first { $0.kind.rawValue == "down_payment" }!
        #expect(Money(yuanText: overdue.penalty)!.fen > 10_000)
        try approvalID(try await app.call(.POST, "/api/v1/contracts/\(late)/penalty-waivers", headers: .bearer(consultant),
                                          json: ["itemId": .s(overdue.id), "amount": "100", "reason": "银行流程延误"] as J), .penaltyWaiver)

        // 佣金结算单: a channel's month, generated and submitted by the channel manager.
        let f0 = Fixtures(app: app)
        let qd = try await f0.user("av.qudao", roles: [(.channelManager, p)])
        let qdToken = try await f0.token("av.qudao")
        let channel = try await app.services.channels(app.db).create(.init(name: "矩阵渠道", kind: .agency), by: qd, context: .system("test"))
        let agreement = try await app.services.channels(app.db).addAgreement(channel.id, projectID: p, startsOn: d.today.description,
                                                                            endsOn: d.today.adding(days: 365).description, terms: "", by: qd,
                                                                            context: .system("test"))
        try await app.services.commissions(app.db).putRule(CommissionRule(fixedPerUnit: Money(yuan: 1_000)), agreementID: agreement.id, by: qd,
                                                           context: .system("test"))
        let statement = try await app.call(.POST, "/api/v1/commissions", headers: .bearer(qdToken),
                                           json: ["projectId": .s(p.uuidString), "channelId": .s(channel.id.uuidString),
                                                  "month": .s(CommissionService.month(of: clock.now))] as J)
        #expect(statement.status == .created, "\(statement.body.string)")
        try approvalID(try await app.call(.POST, "/api/v1/commissions/\(try statement.decode(Schemas.CommissionStatement.self).id)/submission",
                                          headers: .bearer(qdToken), json: ["reason": "矩阵月结"] as J), .commissionStatement)

        // 采购: procurement staff ask to blacklist a supplier, file a plan, and order against an approved plan (made in SQL,
        // so every approval here stays pending).
        let cg = try await f0.user("av.caigou", roles: [(.procurementStaff, p)])
        let cgToken = try await f0.token("av.caigou")
        let supplier = try await app.call(.POST, "/api/v1/suppliers", headers: .bearer(cgToken), json: [
            "name": "矩阵建材", "creditCode": .s(CreditCode.completing("91510100MA6CXXXX0")!), "categories": ["materials"], "bankName": "建设银行",
            "bankAccount": "6217000012345678", "contactName": "李经理", "contactMobile": "13900002222"] as J)
        #expect(supplier.status == .created, "\(supplier.body.string)")
        let supplierID = try supplier.decode(Schemas.Supplier.self).id
        try approvalID(try await app.call(.POST, "/api/v1/suppliers/\(supplierID)/blacklisting", headers: .bearer(cgToken),
                                          json: ["projectId": .s(p.uuidString), "reason": "矩阵黑名单"] as J), .supplierBlacklist)
        let month = String(d.today.description.prefix(7))
        let purchasePlan = try await app.call(.POST, "/api/v1/purchase-plans", headers: .bearer(cgToken), json: [
            "projectId": .s(p.uuidString), "period": .s(month),
            "lines": [["category": "materials", "material": "矩阵水泥", "unit": "吨", "quantity": "10", "budget": "5000"]]] as J)
        #expect(purchasePlan.status == .created, "\(purchasePlan.body.string)")
        ids[.purchasePlan] = try #require(try purchasePlan.decode(Schemas.PurchasePlan.self).approvalId)
        let approvedPlan = UUID(), planLine = UUID()
        try await app.db.sql.raw("""
            INSERT INTO purchase_plans (id, project_id, period, status, total_fen, required_role, matrix_version, created_at)
            VALUES (\(bind: approvedPlan), \(bind: p), \(bind: month), 'approved', 500000, 'procurement_manager', '2026-01', \(bind: clock.now))
            """).run()
        try await app.db.sql.raw("""
            INSERT INTO purchase_plan_lines (id, plan_id, category, material, unit, quantity_milli, budget_fen, ordered_fen)
            VALUES (\(bind: planLine), \(bind: approvedPlan), 'materials', '矩阵砂石', '吨', 10000, 500000, 0)
            """).run()
        let otherSupplier = try await app.call(.POST, "/api/v1/suppliers", headers: .bearer(cgToken), json: [
            "name": "矩阵砂石", "creditCode": .s(CreditCode.completing("91510100MA6CXXXX1")!), "categories": ["materials"], "bankName": "建设银行",
            "bankAccount": "6217000012345679", "contactName": "王经理", "contactMobile": "13900003333"] as J)
        let order = try await app.call(.POST, "/api/v1/purchase-orders", headers: .bearer(cgToken), json: [
            "projectId": .s(p.uuidString), "supplierId": .s(try otherSupplier.decode(Schemas.Supplier.self).id), "planId": .s(approvedPlan.uuidString),
            "title": "矩阵砂石采购", "lines": [["planLineId": .s(planLine.uuidString), "quantity": "10", "unitPrice": "100",
                                          "dueOn": .s(CalendarDay(clock.now).adding(days: 10).description)]]] as J)
        #expect(order.status == .created, "\(order.body.string)")
        ids[.purchaseOrder] = try #require(try order.decode(Schemas.PurchaseOrder.self).approvalId)
        _ = cg

        // Every kind there is, once each, all still pending.
        #expect(Set(ids.keys) == Set(ApprovalKind.allCases))
        struct T: Decodable { var id: UUID; var kind: String; var title: String; var status: String }
        let rows = try await app.db.sql.raw("SELECT id, kind, title, status FROM approvals").all(decoding: T.self)
        #expect(rows.count == ApprovalKind.allCases.count && rows.allSatisfy { $0.status == "pending" })
        var titles: [ApprovalKind: String] = [:]
        for r in rows { titles[ApprovalKind(rawValue: r.kind)!] = r.title }
        #expect(Set(titles.values).count == titles.count, "titles tell the approvals apart on a page")
        return Filed(project: p, ids: ids, titles: titles, consultant: consultant, manager: manager)
    }

    /// Which filed kinds each surface shows to one user.
    struct Seen: Equatable { var list: Set<ApprovalKind>; var total: Int; var record: Set<ApprovalKind>; var page: Set<ApprovalKind>; var pageRecord: Set<ApprovalKind> }

    static func seen(by username: String, _ app: Application, _ filed: Filed) async throws -> Seen {
        let token = try await Fixtures(app: app).token(username)
        let kinds = Dictionary(uniqueKeysWithValues: filed.ids.map { ($0.value, $0.key) })
        let res = try await app.call(.GET, "/api/v1/approvals?box=all&perPage=100", headers: .bearer(token))
        #expect(res.status == .ok, "\(username): \(res.body.string)")
        let listed = try res.decode(Schemas.ApprovalPage.self)
        var record: Set<ApprovalKind> = [], page: Set<ApprovalKind> = [], pageRecord: Set<ApprovalKind> = []
        var browser = Browser(app: app)
        _ = try await browser.signIn(username)
        let html = try await browser.get("/approvals?box=all")
        #expect(html.status == .ok)
        for (kind, id) in filed.ids {
            let one = try await app.call(.GET, "/api/v1/approvals/\(id)", headers: .bearer(token))
            #expect(one.status == .ok || one.status == .notFound, "\(username) \(kind): \(one.status)")
            if one.status == .ok { record.insert(kind) }
            if html.body.string.contains(filed.titles[kind]!) { page.insert(kind) }
            let shown = try await browser.get("/approvals/\(id)")
            #expect(shown.status == .ok || shown.status == .notFound, "\(username) \(kind) page: \(shown.status)")
            if shown.status == .ok { pageRecord.insert(kind) }
        }
        return Seen(list: Set(listed.items.compactMap { kinds[$0.id] }), total: listed.total, record: record, page: page, pageRecord: pageRecord)
    }

    @Test func everyRoleSeesExactlyTheApprovalsItMayReadOnEverySurface() async throws {
        try await withTestApp { app, clock in
            // setup
            let filed = try await Self.fileOneOfEach(app, clock)
            #expect(Set(Self.expected.keys) == Set(Role.allCases), "the table covers every role")
            let f = Fixtures(app: app)
            for role in Role.allCases { try await f.user("m.\(role.rawValue)", roles: [(role, filed.project)]) }
            let other = try await f.project("AW", name: "别的项目")
            try await f.user("elsewhere", roles: [(.gm, other), (.csManager, other), (.salesManager, other)])

            // MUT + validate: one expectation per role, kind and surface, so a failure names its cell.
            for role in Role.allCases {
                let want = Self.expected[role]!
                let got = try await Self.seen(by: "m.\(role.rawValue)", app, filed)
                for kind in ApprovalKind.allCases {
                    let w = want.contains(kind)
                    #expect(got.list.contains(kind) == w, "\(role.rawValue) × \(kind.rawValue): box=all list")
                    #expect(got.record.contains(kind) == w, "\(role.rawValue) × \(kind.rawValue): GET /api/v1/approvals/{id}")
                    #expect(got.page.contains(kind) == w, "\(role.rawValue) × \(kind.rawValue): /approvals?box=all page")
                    #expect(got.pageRecord.contains(kind) == w, "\(role.rawValue) × \(kind.rawValue): /approvals/{id} page")
                }
                #expect(got.total == want.count, "\(role.rawValue): total \(got.total), expected \(want.count)")
            }
            // Roles on another project only: nothing, not even that these exist.
            let outside = try await Self.seen(by: "elsewhere", app, filed)
            #expect(outside == Seen(list: [], total: 0, record: [], page: [], pageRecord: []), "\(outside)")
        }
    }

    @Test func theRequesterAndTheDeciderSeeTheirOwnAndPagingCountsOnlyWhatIsVisible() async throws {
        try await withTestApp { app, clock in
            // setup
            let filed = try await Self.fileOneOfEach(app, clock)
            let f = Fixtures(app: app)
            try await f.user("m.admin", roles: [(.admin, filed.project)])
            let admin = try await f.token("m.admin")

            // validate: paging totals are counted in the database on what may be seen (3 pricing approvals).
            var res = try await app.call(.GET, "/api/v1/approvals?box=all&perPage=2", headers: .bearer(admin))
            let first = try res.decode(Schemas.ApprovalPage.self)
            res = try await app.call(.GET, "/api/v1/approvals?box=all&perPage=2&page=2&projectId=\(filed.project)", headers: .bearer(admin))
            let second = try res.decode(Schemas.ApprovalPage.self)
            #expect(first.total == 3 && second.total == 3)
            #expect(first.items.count == 2 && second.items.count == 1)
            // Most were filed in the same instant (the test clock): the pages still hold each one once.
            #expect(Set((first.items + second.items).map(\.id)) == Set([filed.ids[.priceList]!, filed.ids[.unitPrice]!, filed.ids[.discount]!]))
            // Requesters: their own in `mine`; the deciders' inboxes are as before.
            res = try await app.call(.GET, "/api/v1/approvals?box=mine", headers: .bearer(filed.consultant))
            #expect(try res.decode(Schemas.ApprovalPage.self).total == 7)
            res = try await app.call(.GET, "/api/v1/approvals?box=mine", headers: .bearer(filed.manager))
            #expect(try res.decode(Schemas.ApprovalPage.self).total == 2)
            // The sales manager decides unit price, discount, 退订, plan change, waiver and the commission statement; the one it
            // asked for itself is not in its inbox.
            res = try await app.call(.GET, "/api/v1/approvals?box=inbox", headers: .bearer(filed.manager))
            #expect(try res.decode(Schemas.ApprovalPage.self).total == 5)
            let csManager = try await f.token("csboss"), gm = try await f.token("chief")
            res = try await app.call(.GET, "/api/v1/approvals?box=inbox", headers: .bearer(csManager))
            #expect(try res.decode(Schemas.ApprovalPage.self).total == 2)
            // The GM decides every kind: ten of sales and channels, and procurement's three (routed to the procurement manager).
            res = try await app.call(.GET, "/api/v1/approvals?box=inbox", headers: .bearer(gm))
            #expect(try res.decode(Schemas.ApprovalPage.self).total == 13)
        }
    }

    @Test func decidingAndWithdrawingWhatOneMayNotSeeIs404AndSeeingIsNoAuthority() async throws {
        try await withTestApp { app, clock in
            // setup
            let filed = try await Self.fileOneOfEach(app, clock)
            let f = Fixtures(app: app)
            try await f.user("m.agent", roles: [(.agent, filed.project)])
            try await f.user("m.legal", roles: [(.legal, filed.project)])
            let agent = try await f.token("m.agent"), legal = try await f.token("m.legal")
            let refund = filed.ids[.refund]!, discount = filed.ids[.discount]!

            // MUT + validate: the API.
            var res = try await app.call(.POST, "/api/v1/approvals/\(refund)/decision", headers: .bearer(agent),
                                         json: ["approve": true, "comment": "同意"] as J)
            #expect(res.status == .notFound, "\(res.body.string)")
            res = try await app.call(.POST, "/api/v1/approvals/\(discount)/withdrawal", headers: .bearer(agent))
            #expect(res.status == .notFound)
            // Legal reads the refund but has no authority over it.
            res = try await app.call(.GET, "/api/v1/approvals/\(refund)", headers: .bearer(legal))
            #expect(try res.decode(Schemas.Approval.self).mayDecide == false)
            res = try await app.call(.POST, "/api/v1/approvals/\(refund)/decision", headers: .bearer(legal), json: ["approve": true] as J)
            #expect(res.status == .forbidden)
            let legalID = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "m.legal").first()?.id)
            let legalPrincipal = try #require(try await app.services.auth(app.db).loadPrincipal(userID: legalID, on: app.db))
            let pending = try await app.services.approvals(app.db).list(.all, projectID: nil, status: .pending, for: legalPrincipal,
                                                                        page: try PageRequest(page: 1, perPage: 50))
            #expect(pending.total == 6)
            // The pages: the forms answer 404 too.
            var browser = Browser(app: app)
            _ = try await browser.signIn("m.agent")
            let csrf = try #require(Browser.csrf(in: try await browser.get("/").body.string))
            res = try await browser.post("/approvals/\(refund)/decision", form: ["_csrf": csrf, "approve": "true", "comment": "同意"])
            #expect(res.status == .notFound)
            res = try await browser.post("/approvals/\(discount)/withdraw", form: ["_csrf": csrf])
            #expect(res.status == .notFound)
            // Nothing was decided.
            struct S: Decodable { var status: String }
            #expect(try await app.db.sql.raw("SELECT status FROM approvals").all(decoding: S.self).allSatisfy { $0.status == "pending" })
        }
    }
}
