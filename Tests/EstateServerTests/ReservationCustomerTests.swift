import EstateCore
@testable import EstateServer
import Foundation
import Testing
import Vapor
import VaporTesting

/// Issue 15 point 10: a reservation (预留) is for a customer record — found by mobile or created —
/// so 认购 from the reserved unit fills the buyer in; approvals name the applicant by display name
/// and show, for a discount, the list price, the floor price and the resulting discount.
@Suite struct ReservationCustomerTests {
    @Test func aReservationFindsOrCreatesTheCustomerAndTheSubscriptionFormStartsWithThem() async throws {
        try await withTestApp { app, clock in
            // setup
            let f = Fixtures(app: app)
            let project = try await f.project("RC")
            let units = try await Inventory(app: app).seed(project)
            let manager = try await f.user("jing.li", roles: [(.salesManager, project)])
            let consultant = try await f.user("gu.wen", roles: [(.consultant, project)])
            let customers = app.services.customers(app.db)
            let known = try await customers.create(.init(name: "王芳", mobile: "13900001111"), in: project, owner: consultant, context: .system("test"))
            var browser = Browser(app: app)
            _ = try await browser.signIn("jing.li")
            let csrf = try #require(Browser.csrf(in: try await browser.get("/projects/\(project)/units/\(units[0].id)").body.string))
            func reserve(_ unit: UnitRow, _ name: String, _ mobile: String) async throws -> String {
                let res = try await browser.post("/projects/\(project)/units/\(unit.id)/moves", form: [
                    "_csrf": csrf, "move": "reserve", "customerName": name, "customerMobile": mobile, "back": "unit",
                    "expiresAt": Format.localInput(clock.now + 86_400)])
                return try #require(res.headers.first(name: .location))
            }
            // MUT: a mobile nobody has: a new record, in the pool (a manager reserved).
            var back = try await reserve(units[0], "赵敏", "13700002222")
            // validate
            #expect(back.contains("notice=inv.reserved_customer_created"), "\(back)")
            let created = try #require(try await customers.find(mobile: "13700002222", in: project))
            #expect(created.name == "赵敏" && created.ownerID == nil)
            // A known mobile: the existing record, nothing new.
            back = try await reserve(units[1], "王女士", "13900001111")
            #expect(back.contains("notice=inv.reserved_customer_found"))
            #expect(try await customers.find(mobile: "13900001111", in: project)?.id == known.id)
            _ = manager

            // 认购 from the reserved unit starts with its customer, and goes through.
            var seller = Browser(app: app)
            _ = try await seller.signIn("gu.wen")
            let form = try await seller.get("/projects/\(project)/units/\(units[1].id)/subscribe").body.string
            #expect(form.contains("name=\"mobile1\" value=\"13900001111\""))
            let sellerCSRF = try #require(Browser.csrf(in: form))
            let res = try await seller.post("/projects/\(project)/units/\(units[1].id)/subscribe", form: [
                "_csrf": sellerCSRF, "mobile1": "13900001111", "share1": "100", "method": "full", "deposit": "20000",
                "contractDeadline": CalendarDay(clock.now).adding(days: 7).description, "note": ""])
            #expect(res.status == .seeOther, "\(res.body.string.prefix(600))")
        }
    }

    @Test func aDiscountApprovalShowsTheApplicantListFloorAndDiscount() async throws {
        try await withTestApp { app, _ in
            // setup
            let f = Fixtures(app: app)
            let project = try await f.project("AP")
            let unit = try await Inventory(app: app).seed(project)[0]
            try await f.user("gu.wen", roles: [(.consultant, project)])
            try await f.user("jing.li", roles: [(.salesManager, project)])
            var browser = Browser(app: app)
            _ = try await browser.signIn("gu.wen")
            let csrf = try #require(Browser.csrf(in: try await browser.get("/projects/\(project)/units/\(unit.id)").body.string))
            let res = try await browser.post("/projects/\(project)/units/\(unit.id)/discount-request",
                                             form: ["_csrf": csrf, "special": "85", "reason": "老客户转介绍", "customer": ""])
            let approval = String(try #require(res.headers.first(name: .location)).prefix { $0 != "?" })
            #expect(approval.hasPrefix("/approvals/"))
            let asked = PriceQuote.make(listTotal: unit.listTotal, rules: [.init(name: "", effect: .rate(permyriad: 8_500))], rounding: .fen).finalTotal
            // MUT: the approver's inbox and the approval.
            var manager = Browser(app: app)
            _ = try await manager.signIn("jing.li")
            let inbox = try await manager.get("/approvals?box=all").body.string
            let page = try await manager.get(approval).body.string
            // validate: the display name, not the user name; the prices and the discount.
            #expect(inbox.contains("GU.WEN") && page.contains("GU.WEN"))
            #expect(inbox.contains("表价 \(unit.listTotal.description) · 底价 \(unit.floorPrice.description)"), "\(inbox)")
            #expect(page.contains(unit.listTotal.description) && page.contains(unit.floorPrice.description))
            #expect(page.contains("85.00%"))
            #expect(page.contains("低于底价 \((unit.floorPrice - asked).description) 元"))
        }
    }
}
