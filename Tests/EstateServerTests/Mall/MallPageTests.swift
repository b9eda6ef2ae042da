import EstateCore
@testable import EstateServer
import Foundation
import Testing
import Vapor
import VaporTesting

/// The desk's pages (issue 20): every tab renders for the desk with its records and forms; a form posts through
/// the same service and comes back with its notice or its reason; another project's staff get 404.
@Suite("Mall: the desk's pages")
struct MallPageTests {
    typealias Schemas = Components.Schemas

    @Test func everyTabShowsItsRecordsAndItsFormsWork() async throws {
        try await withTestApp { app, clock in
            // setup: a member, a complaint and a return through the API.
            let d = try await MallDesk.setup(app, clock)
            let m = try await d.issuedMember(name: "林晓峰", mobile: "17700001688")
            _ = try await app.call(.POST, "/api/v1/malls/\(d.mall)/complaints", headers: .bearer(d.desk), json: [
                "channel": "front_desk", "category": "price", "tenantId": .s(d.tenants[1].uuidString), "title": "价签与收银价不符"] as J)
            _ = try await app.call(.POST, "/api/v1/returns", headers: .bearer(d.desk), json: MallReturnTests.body(d, daysAgo: 2, receipt: "R-P"))
            var browser = Browser(app: app)
            _ = try await browser.signIn("ma-kefu")
            // MUT
            var pages: [String: String] = [:]
            for tab in ["", "/members", "/complaints", "/returns", "/records", "/mail", "/price-tags", "/day"] {
                let res = try await browser.get("/malls/\(d.mall)\(tab)")
                #expect(res.status == .ok, "\(tab): \(res.status)")
                pages[tab] = res.body.string
            }
            let member = try await browser.get("/members/\(m.id)").body.string
            let home = try await browser.get("/mall")
            let csrf = try #require(Browser.csrf(in: pages["/records"] ?? ""))
            let posted = try await browser.post("/malls/\(d.mall)/broadcasts", form: ["_csrf": csrf, "kind": "car", "requestedBy": "保安", "text": "川A12345 请挪车"])
            let refused = try await browser.post("/malls/\(d.mall)/returns", form: [
                "_csrf": csrf, "tenantId": d.tenants[0].uuidString, "receiptNo": "R-OLD", "purchasedOn": d.today.adding(days: -31).description, "goods": "鞋",
                "amount": "100", "customerName": "钱", "customerMobile": "13811112222"])
            // validate
            #expect(pages[""]?.contains("优衣库") == true && pages[""]?.contains("1F-01") == true)
            #expect(pages["/members"]?.contains("HY000001") == true && pages["/members"]?.contains("177****1688") == true)
            #expect(pages["/members"]?.contains("17700001688") == false, "mobiles masked")
            #expect(pages["/complaints"]?.contains("价签与收银价不符") == true && pages["/complaints"]?.contains("星巴克") == true)
            #expect(pages["/returns"]?.contains("羊毛大衣") == true)
            #expect(pages["/day"]?.contains("前台日志") == true)
            #expect(member.contains("HY000001") && member.contains("小票积分"))
            #expect(home.status == .seeOther || home.status == .found)
            #expect(posted.status == .seeOther && (posted.headers.first(name: .location) ?? "").contains("notice="), "\(posted.headers)")
            #expect((refused.headers.first(name: .location) ?? "").contains("error=return_window_30_days"), "\(refused.headers)")
            // Someone of another project does not find the mall.
            let f = Fixtures(app: app)
            let other = try await f.project("OT")
            try await f.user("other-desk", roles: [(.mallCS, other)])
            var stranger = Browser(app: app)
            _ = try await stranger.signIn("other-desk")
            #expect(try await stranger.get("/malls/\(d.mall)").status == .notFound)
        }
    }
}
