import EstateCore
@testable import EstateServer
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// 退换货 (issue 20 point 4) on both engines: day 30 accepted, day 31 refused naming the rule; the tenant agrees,
/// the floor manager (not the one who took it) approves, the refund is recorded once, at most what was paid.
@Suite("Mall: 30-day returns")
struct MallReturnTests {
    typealias Schemas = Components.Schemas

    static func body(_ d: MallDesk, daysAgo: Int, receipt: String) -> J {
        ["mallId": .s(d.mall.uuidString), "tenantId": .s(d.tenants[0].uuidString), "receiptNo": .s(receipt),
         "purchasedOn": .s(d.today.adding(days: -daysAgo).description), "goods": "羊毛大衣 M码", "amount": "1299.00", "reason": "不合身",
         "customerName": "钱女士", "customerMobile": "13811112222"]
    }

    @Test func dayThirtyIsAcceptedAndDayThirtyOneRefusedWithTheRuleNamed() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await MallDesk.setup(app, clock)
            // MUT
            let day30 = try await app.call(.POST, "/api/v1/returns", headers: .bearer(d.desk), json: Self.body(d, daysAgo: 30, receipt: "R-30"))
            let day31 = try await app.call(.POST, "/api/v1/returns", headers: .bearer(d.desk), json: Self.body(d, daysAgo: 31, receipt: "R-31"))
            let again = try await app.call(.POST, "/api/v1/returns", headers: .bearer(d.desk2), json: Self.body(d, daysAgo: 2, receipt: "R-30"))
            // validate
            #expect(day30.status == .created, "\(day30.body.string)")
            #expect(day31.status == .unprocessableEntity && day31.body.string.contains("return_window_30_days"), "\(day31.body.string)")
            #expect(day31.body.string.contains("30 天无理由退换货") && day31.body.string.contains("第 31 天"), "the rule named: \(day31.body.string)")
            #expect(again.status == .conflict && again.body.string.contains("return_receipt_exists"))
            let list = try await app.call(.GET, "/api/v1/returns?mallId=\(d.mall)", headers: .bearer(d.desk)).decode(Schemas.MallReturnList.self)
            #expect(list.items.map(\.receiptNo) == ["R-30"] && list.items[0].customerMobile == "138****2222")
            #expect(try await Fixtures(app: app).auditCount(action: "mall.return_request") == 1)
        }
    }

    @Test func theTenantThenTheFloorManagerThenOneRefund() async throws {
        try await withTestApp { app, clock in
            // setup: 1F's manager is the second desk user.
            let d = try await MallDesk.setup(app, clock)
            _ = try await app.call(.PUT, "/api/v1/malls/\(d.mall)/floors/\(d.floors["1F"]!)", headers: .bearer(d.supervisor),
                                   json: ["managerId": .s(d.desk2ID.uuidString)] as J)
            var res = try await app.call(.POST, "/api/v1/returns", headers: .bearer(d.desk), json: Self.body(d, daysAgo: 3, receipt: "R-1"))
            let r = try res.decode(Schemas.MallReturn.self)
            func step(_ token: String, _ body: J) async throws -> TestingHTTPResponse {
                try await app.call(.POST, "/api/v1/returns/\(r.id)/steps", headers: .bearer(token), json: body)
            }
            // MUT: out of order, then the tenant; the taker cannot approve; the floor manager does.
            res = try await step(d.desk2, ["step": "floor_manager"])
            #expect(res.status == .conflict && res.body.string.contains("return_step_not_allowed"), "\(res.body.string)")
            res = try await step(d.desk, ["step": "refund", "refund": "1299", "method": "cash"])
            #expect(res.status == .conflict)
            res = try await step(d.desk, ["step": "tenant", "tenantContact": "王店长"])
            #expect(res.status == .ok, "\(res.body.string)")
            res = try await step(d.desk, ["step": "floor_manager"])
            #expect(res.status == .forbidden && res.body.string.contains("return_not_floor_manager"), "\(res.body.string)")
            res = try await step(d.desk2, ["step": "floor_manager", "note": "同意"])
            #expect(res.status == .ok, "\(res.body.string)")
            res = try await step(d.desk, ["step": "refund", "refund": "1299.01", "method": "cash"])
            #expect(res.status == .unprocessableEntity && res.body.string.contains("return_refund_invalid"))
            let refunds = try await withThrowingTaskGroup(of: HTTPStatus.self) { g in
                for i in 0..<6 {
                    let token = i % 2 == 0 ? d.desk : d.desk2
                    g.addTask { try await app.call(.POST, "/api/v1/returns/\(r.id)/steps", headers: .bearer(token),
                                                   json: ["step": "refund", "refund": "1299", "method": "original"] as J).status }
                }
                var all: [HTTPStatus] = []
                for try await s in g { all.append(s) }
                return all
            }
            // validate
            #expect(refunds.filter { $0 == .ok }.count == 1 && refunds.filter { $0 == .conflict }.count == 5, "\(refunds)")
            let done = try await app.call(.GET, "/api/v1/returns/\(r.id)", headers: .bearer(d.desk)).decode(Schemas.MallReturn.self)
            #expect(done.status == .refunded && done.refund == "1299.00" && done.tenantContact == "王店长" && done.managerId == d.desk2ID.uuidString)
            #expect(try await Fixtures(app: app).auditCount(action: "mall.return_refund") == 1)
        }
    }
}
