import EstateCore
@testable import EstateServer
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("Prices, discounts and approvals")
struct PricingTests {
    struct People {
        let project: UUID
        let manager: String, gm: String, consultant: String, otherManager: String
    }

    func people(_ app: Application, _ code: String) async throws -> People {
        let f = Fixtures(app: app)
        let project = try await f.project(code)
        try await f.user("manager", roles: [(.salesManager, project)])
        try await f.user("manager2", roles: [(.salesManager, project)])
        try await f.user("boss", roles: [(.gm, nil)])
        try await f.user("guwen", roles: [(.consultant, project)])
        return People(project: project, manager: try await f.token("manager"), gm: try await f.token("boss"),
                      consultant: try await f.token("guwen"), otherManager: try await f.token("manager2"))
    }

    @Test func aPriceListTakesEffectOnlyWhenTheGMApprovesIt() async throws {
        try await withTestApp { app, _ in
            let p = try await people(app, "PL")
            let units = try await Inventory(app: app).seed(p.project, floors: 2, rooms: 2)
            let before = Dictionary(uniqueKeysWithValues: units.map { ($0.id, $0) })
            // A sales manager proposes +2 % on floor 2, floor price at 95 %.
            var res = try await app.call(.POST, "/api/v1/projects/\(p.project)/price-lists/adjustments", headers: .bearer(p.manager),
                                         json: ["name": "二期调价", "changePercent": "2", "floorFrom": "2", "floorRatio": "95"].mapValues { $0 as String })
            // floorFrom is an integer in the contract: a string is refused, by field.
            #expect(res.status == .unprocessableEntity)
            #expect(try res.problem().errors?.first?.field == "floorFrom")
            #expect(try res.problem().errors?.first?.code == "schema_type")
            struct Adjust: Encodable { var name: String; var changePercent: String; var floorFrom: Int; var floorRatio: String }
            res = try await app.call(.POST, "/api/v1/projects/\(p.project)/price-lists/adjustments", headers: .bearer(p.manager),
                                     json: Adjust(name: "二期调价", changePercent: "2", floorFrom: 2, floorRatio: "95"))
            #expect(res.status == .accepted, "\(res.body.string)")
            let proposed = try res.decode(Schemas.PriceList.self)
            let approvalID = try #require(proposed.approvalId)
            #expect(proposed.version == 1)
            #expect(proposed.unitCount == 2)
            // Nothing has changed yet.
            #expect(try await app.services.inventory(app.db).allUnits(p.project).map(\.listTotal) == units.map(\.listTotal))
            // A second proposal waits for the first.
            res = try await app.call(.POST, "/api/v1/projects/\(p.project)/price-lists/adjustments", headers: .bearer(p.manager),
                                     json: Adjust(name: "再调", changePercent: "1", floorFrom: 1, floorRatio: "95"))
            #expect(res.status == .conflict)
            // Routed to the GM: a sales manager may not decide, the GM sees it in the inbox.
            res = try await app.call(.POST, "/api/v1/approvals/\(approvalID)/decision", headers: .bearer(p.otherManager), json: ["approve": true])
            #expect(res.status == .forbidden)
            res = try await app.call(.GET, "/api/v1/approvals?box=inbox", headers: .bearer(p.gm))
            #expect(try res.decode(Schemas.ApprovalPage.self).total == 1)
            res = try await app.call(.GET, "/api/v1/approvals?box=inbox", headers: .bearer(p.otherManager))
            #expect(try res.decode(Schemas.ApprovalPage.self).total == 0)
            res = try await app.call(.POST, "/api/v1/approvals/\(approvalID)/decision", headers: .bearer(p.gm),
                                     json: ["approve": true, "comment": "同意"] as [String: AnyCodable])
            #expect(res.status == .ok, "\(res.body.string)")
            #expect(try res.decode(Schemas.Approval.self).status.rawValue == "approved")
            // Floor 2 units: unit price × 1.02, total recomputed exactly, floor 95 %.
            let after = try await app.services.inventory(app.db).allUnits(p.project)
            for u in after {
                let old = before[u.id]!
                if u.floor == 2 {
                    let price = old.listUnitPrice.scaled(by: 10_200, over: 10_000)
                    #expect(u.listUnitPrice == price)
                    #expect(u.listTotal == UnitPricing.total(area: u.builtArea, unitPrice: price, rounding: .fen))
                    #expect(u.floorPrice == u.listTotal.scaled(by: 9_500, over: 10_000))
                } else {
                    #expect(u.listTotal == old.listTotal)
                }
            }
            let lists = try await app.services.pricing(app.db).priceLists(p.project)
            #expect(lists.map(\.status) == ["active"])
            // Deciding twice is refused.
            res = try await app.call(.POST, "/api/v1/approvals/\(approvalID)/decision", headers: .bearer(p.gm), json: ["approve": false, "comment": "x"] as [String: AnyCodable])
            #expect(res.status == .conflict)
            #expect(try await Fixtures(app: app).auditCount(action: "price_list.activate") == 1)
        }
    }

    @Test func aPriceListDoesNotOverwriteAPriceChangedSinceItWasProposed() async throws {
        try await withTestApp { app, _ in
            let p = try await people(app, "OV")
            let units = try await Inventory(app: app).seed(p.project, floors: 1, rooms: 2)
            let pricing = app.services.pricing(app.db)
            var a = PricingService.Adjustment()
            a.changePermyriad = 200
            let list = try await pricing.proposeAdjustment(p.project, name: "调价", note: "", adjustment: a, context: .system("manager"))
            // Meanwhile one unit's price is changed and approved on its own.
            let small = units[0].listUnitPrice.scaled(by: 10_100, over: 10_000)
            var res = try await app.call(.POST, "/api/v1/projects/\(p.project)/units/\(units[0].id)/price-changes", headers: .bearer(p.manager),
                                         json: ["unitPrice": small.plain, "reason": "单独调价"])
            let single = try res.decode(Schemas.ApprovalRef.self).approvalId
            res = try await app.call(.POST, "/api/v1/approvals/\(single)/decision", headers: .bearer(p.otherManager), json: ["approve": true] as [String: AnyCodable])
            #expect(res.status == .ok)
            res = try await app.call(.POST, "/api/v1/approvals/\(list.approvalID!)/decision", headers: .bearer(p.gm), json: ["approve": true] as [String: AnyCodable])
            #expect(res.status == .ok)
            let inv = app.services.inventory(app.db)
            #expect(try await inv.unit(units[0].id, in: p.project).listUnitPrice == small, "the approved single change stands")
            #expect(try await inv.unit(units[1].id, in: p.project).listUnitPrice == units[1].listUnitPrice.scaled(by: 10_200, over: 10_000))
        }
    }

    @Test func singleUnitPriceChangesRouteBySizeAndNobodyApprovesTheirOwn() async throws {
        try await withTestApp { app, _ in
            let p = try await people(app, "UP")
            let unit = try await Inventory(app: app).seed(p.project, floors: 1, rooms: 1)[0]
            let small = unit.listUnitPrice.scaled(by: 10_100, over: 10_000)
            var res = try await app.call(.POST, "/api/v1/projects/\(p.project)/units/\(unit.id)/price-changes", headers: .bearer(p.manager),
                                         json: ["unitPrice": small.plain, "reason": "景观好"])
            #expect(res.status == .accepted, "\(res.body.string)")
            let id = try res.decode(Schemas.ApprovalRef.self).approvalId
            res = try await app.call(.GET, "/api/v1/approvals/\(id)", headers: .bearer(p.manager))
            #expect(try res.decode(Schemas.Approval.self).requiredRole.rawValue == "sales_manager")
            #expect(try res.decode(Schemas.Approval.self).mayDecide == false)
            res = try await app.call(.POST, "/api/v1/approvals/\(id)/decision", headers: .bearer(p.manager), json: ["approve": true] as [String: AnyCodable])
            #expect(res.status == .forbidden)
            #expect(res.body.string.contains("approval_own_request"))
            // A rejection needs a reason.
            res = try await app.call(.POST, "/api/v1/approvals/\(id)/decision", headers: .bearer(p.otherManager), json: ["approve": false] as [String: AnyCodable])
            #expect(res.status == .unprocessableEntity)
            res = try await app.call(.POST, "/api/v1/approvals/\(id)/decision", headers: .bearer(p.otherManager), json: ["approve": true] as [String: AnyCodable])
            #expect(res.status == .ok)
            let changed = try await app.services.inventory(app.db).unit(unit.id, in: p.project)
            #expect(changed.listUnitPrice == small && changed.listTotal == UnitPricing.total(area: unit.builtArea, unitPrice: small, rounding: .fen))
            // A big change goes to the GM.
            let big = unit.listUnitPrice.scaled(by: 11_000, over: 10_000)
            res = try await app.call(.POST, "/api/v1/projects/\(p.project)/units/\(unit.id)/price-changes", headers: .bearer(p.manager),
                                     json: ["unitPrice": big.plain, "reason": "市场上涨"])
            let bigID = try res.decode(Schemas.ApprovalRef.self).approvalId
            res = try await app.call(.GET, "/api/v1/approvals/\(bigID)", headers: .bearer(p.gm))
            #expect(try res.decode(Schemas.Approval.self).requiredRole.rawValue == "gm")
            // The requester withdraws it.
            res = try await app.call(.POST, "/api/v1/approvals/\(bigID)/withdrawal", headers: .bearer(p.manager))
            #expect(try res.decode(Schemas.Approval.self).status.rawValue == "withdrawn")
        }
    }

    @Test func quotesComposeRulesAndSayWhoMustApprove() async throws {
        try await withTestApp { app, _ in
            let p = try await people(app, "QT")
            let unit = try await Inventory(app: app).seed(p.project, floors: 1, rooms: 1)[0]
            var res = try await app.call(.POST, "/api/v1/projects/\(p.project)/discount-rules", headers: .bearer(p.manager),
                                         json: ["name": "一次性付款", "rate": "98折"])
            #expect(res.status == .created)
            let rule = try res.decode(Schemas.DiscountRule.self)
            let r1 = rule.id
            #expect(rule.rate == "0.9800")
            res = try await app.call(.POST, "/api/v1/projects/\(p.project)/discount-rules", headers: .bearer(p.manager),
                                     json: ["name": "老带新", "reduction": "10000"])
            let r2 = try res.decode(Schemas.DiscountRule.self).id
            res = try await app.call(.POST, "/api/v1/projects/\(p.project)/discount-rules", headers: .bearer(p.manager),
                                     json: ["name": "坏的", "rate": "98折", "reduction": "1"])
            #expect(res.status == .unprocessableEntity)
            struct Q: Encodable { var ruleIds: [String]; var special: Int? }
            res = try await app.call(.POST, "/api/v1/projects/\(p.project)/units/\(unit.id)/quote", headers: .bearer(p.consultant),
                                     json: Q(ruleIds: [r1, r2], special: nil))
            #expect(res.status == .ok)
            let expected = PriceQuote.make(listTotal: unit.listTotal, rules: [
                .init(name: "一次性付款", effect: .rate(permyriad: 9800)), .init(name: "老带新", effect: .reduction(Money(yuan: 10_000)))],
                rounding: .fen)
            #expect(try res.decode(Schemas.Quote.self).finalTotal == expected.finalTotal.plain)
            #expect(try res.decode(Schemas.Quote.self).approver == nil)
            // A consultant's special 99.5 % goes to the sales manager; the manager's own needs nobody.
            res = try await app.call(.POST, "/api/v1/projects/\(p.project)/units/\(unit.id)/quote", headers: .bearer(p.consultant),
                                     json: Q(ruleIds: [r1], special: 9950))
            #expect(try res.decode(Schemas.Quote.self).approver?.rawValue == "sales_manager")
            res = try await app.call(.POST, "/api/v1/projects/\(p.project)/units/\(unit.id)/quote", headers: .bearer(p.manager),
                                     json: Q(ruleIds: [r1], special: 9950))
            #expect(try res.decode(Schemas.Quote.self).approver == nil)
            // Below the floor price (90 % of list in the seed) it is the GM's, whoever asks.
            res = try await app.call(.POST, "/api/v1/projects/\(p.project)/units/\(unit.id)/quote", headers: .bearer(p.manager),
                                     json: Q(ruleIds: [], special: 8900))
            #expect(try res.decode(Schemas.Quote.self).belowFloor)
            #expect(try res.decode(Schemas.Quote.self).approver?.rawValue == "gm")
            // Filing it: the consultant asks, it lands in the sales manager's inbox.
            struct D: Encodable { var ruleIds: [String]; var special: Int; var customer: String; var reason: String }
            res = try await app.call(.POST, "/api/v1/projects/\(p.project)/units/\(unit.id)/discount-requests", headers: .bearer(p.consultant),
                                     json: D(ruleIds: [r1], special: 9950, customer: "张三", reason: "老客户"))
            #expect(res.status == .accepted, "\(res.body.string)")
            res = try await app.call(.GET, "/api/v1/approvals?box=inbox", headers: .bearer(p.manager))
            #expect(try res.decode(Schemas.ApprovalPage.self).total == 1)
            // A disabled rule no longer quotes.
            res = try await app.call(.PATCH, "/api/v1/projects/\(p.project)/discount-rules/\(r1)", headers: .bearer(p.manager), json: ["active": false])
            #expect(res.status == .noContent)
            res = try await app.call(.POST, "/api/v1/projects/\(p.project)/units/\(unit.id)/quote", headers: .bearer(p.consultant),
                                     json: Q(ruleIds: [r1], special: nil))
            #expect(res.status == .unprocessableEntity)
        }
    }
}

/// A JSON value of any simple kind, for request bodies mixing types.
enum AnyCodable: Encodable, Sendable, ExpressibleByBooleanLiteral, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case bool(Bool), string(String), int(Int)
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .int(value) }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .bool(let b): try c.encode(b)
        case .string(let s): try c.encode(s)
        case .int(let i): try c.encode(i)
        }
    }
}
