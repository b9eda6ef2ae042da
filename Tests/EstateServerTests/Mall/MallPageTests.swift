import EstateCore
import EstateSheets
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
            for tab in ["", "/members", "/complaints", "/returns", "/records", "/mail", "/orders", "/price-tags", "/day", "/rota", "/report"] {
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

    @Test func ordersRotaAndReportPagesTakeTheirFormsAndDraw() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await MallDesk.setup(app, clock)
            var sup = Browser(app: app)
            _ = try await sup.signIn("ma-zhuguan")
            var desk = Browser(app: app)
            _ = try await desk.signIn("ma-kefu")
            let page = try await sup.get("/malls/\(d.mall)/orders").body.string
            let csrf = try #require(Browser.csrf(in: page))
            let deskCSRF = try #require(Browser.csrf(in: try await desk.get("/malls/\(d.mall)/orders").body.string))
            // MUT
            let taken = try await sup.post("/malls/\(d.mall)/orders", form: [
                "_csrf": csrf, "kind": "group_purchase", "tenantId": d.tenants[1].uuidString, "customerName": "李老师", "customerMobile": "139 0000 1234",
                "organisation": "实验小学", "details": "教师节咖啡券 120 张", "quantity": "120", "dueOn": d.today.adding(days: 3).description])
            let badDue = try await sup.post("/malls/\(d.mall)/orders", form: [
                "_csrf": csrf, "kind": "phone_order", "tenantId": d.tenants[1].uuidString, "customerName": "李老师", "customerMobile": "13900001234",
                "details": "x", "dueOn": d.today.adding(days: -3).description])
            let orders = try await sup.get("/malls/\(d.mall)/orders").body.string
            let list = try await app.call(.GET, "/api/v1/desk-orders?mallId=\(d.mall)", headers: .bearer(d.desk)).decode(Components.Schemas.DeskOrderList.self)
            let order = try #require(list.items.first)
            let passed = try await desk.post("/desk-orders/\(order.id)/steps", form: ["_csrf": deskCSRF, "step": "pass", "text": "周店长"])
            let day = d.today.adding(days: 1)
            let put = try await sup.post("/malls/\(d.mall)/rota/\(day)/early/staff", form: ["_csrf": csrf, "userId": d.deskID.uuidString])
            let clash = try await sup.post("/malls/\(d.mall)/rota/\(day)/late/staff", form: ["_csrf": csrf, "userId": d.deskID.uuidString])
            let byDesk = try await desk.post("/malls/\(d.mall)/rota/\(day)/late/staff", form: ["_csrf": deskCSRF, "userId": d.desk2ID.uuidString])
            let rota = try await sup.get("/malls/\(d.mall)/rota?week=\(day)").body.string
            let deskRota = try await desk.get("/malls/\(d.mall)/rota?week=\(day)").body.string
            let week = try await desk.get("/malls/\(d.mall)/report")
            let month = try await desk.get("/malls/\(d.mall)/report?period=month").body.string
            // validate
            #expect(taken.status == .seeOther && (taken.headers.first(name: .location) ?? "").contains("notice="), "\(taken.headers)")
            #expect((badDue.headers.first(name: .location) ?? "").contains("error="), "\(badDue.headers)")
            #expect(orders.contains("实验小学") && orders.contains("139****1234") && !orders.contains("13900001234"), "mobiles masked")
            #expect(list.items.count == 1 && order.quantity == 120)
            #expect(passed.status == .seeOther)
            #expect(try await app.call(.GET, "/api/v1/desk-orders/\(order.id)", headers: .bearer(d.desk)).decode(Components.Schemas.DeskOrder.self).status == .passed)
            #expect(put.status == .seeOther && !(put.headers.first(name: .location) ?? "").contains("error="))
            #expect((clash.headers.first(name: .location) ?? "").contains("error=rota_shift_overlap"), "\(clash.headers)")
            #expect(byDesk.status == .forbidden || byDesk.status == .notFound)
            #expect(rota.contains("MA-KEFU") && rota.contains("/staff/\(d.deskID)/remove"))
            #expect(deskRota.contains("MA-KEFU") && !deskRota.contains("/remove"), "the desk reads the rota; the supervisor edits it")
            #expect(week.status == .ok && week.body.string.contains("<svg") && week.body.string.contains("report.xlsx?from="))
            #expect(month.contains("-01 – "), "a month from its first day")
        }
    }

    @Test func unaskedTheReportIsTheWeekOfYesterdayAndItsCountAxesAreWhole() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await MallDesk.setup(app, clock)
            // One found item today; the report is then read tomorrow, so its week holds one record (a 0–1 axis).
            _ = try await app.call(.POST, "/api/v1/lost-items", headers: .bearer(d.desk), json: [
                "mallId": .s(d.mall.uuidString), "description": "黑色钱包", "foundAt": .s(ISO8601DateFormatter().string(from: clock.now)),
                "foundPlace": "2F 电梯口", "finder": "保洁员", "storagePlace": "服务台 A 柜"] as J).decode(Schemas.LostItem.self)
            clock.advance(86_400)
            var desk = Browser(app: app)
            _ = try await desk.signIn("ma-kefu")
            let yesterday = d.today
            // MUT
            let week = try await desk.get("/malls/\(d.mall)/report").body.string
            // validate
            let monday = RotaService.monday(of: yesterday)
            #expect(week.contains("report.xlsx?from=\(monday)&amp;to=\(monday.adding(days: 6))"), "the week holding the last whole day")
            let ticks = week.matches(of: /class="ch-tick">([^<]*)</).map { String($0.1) }
            #expect(!ticks.isEmpty)
            #expect(week.contains("kpi-value\">1<"), "the found item is counted in the week")
            #expect(ticks.allSatisfy { !$0.contains(".") }, "counts on whole-number ticks: \(ticks)")
        }
    }

    @Test func thePaperBookImportsFromTheMembersPageNamingEveryBadRow() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await MallDesk.setup(app, clock)
            var sup = Browser(app: app)
            _ = try await sup.signIn("ma-zhuguan")
            let page = try await sup.get("/malls/\(d.mall)/members").body.string
            let csrf = try #require(Browser.csrf(in: page))
            func upload(_ rows: [[String]]) async throws -> TestingHTTPResponse {
                let data = try XLSXWriter.data([Sheet(name: "会员册", columns: ["卡号", "姓名", "手机", "类型", "单位", "积分"].map { SheetColumn($0) },
                                                      rows: rows.map { $0.map { SheetCell.text($0) } })])
                return try await sup.postMultipart("/malls/\(d.mall)/members/import?_csrf=\(csrf)", fields: [:],
                                                   files: [("file", "book.xlsx", "application/octet-stream", data)])
            }
            // MUT
            let bad = try await upload([["HY100001", "王伟", "13300000001", "个人", "", "1200"], ["HY100002", "李娜", "12345", "个人", "", "300"]])
            let afterBad = try await app.call(.GET, "/api/v1/members?mallId=\(d.mall)", headers: .bearer(d.supervisor)).body.string
            let good = try await upload([["HY100001", "王伟", "13300000001", "个人", "", "1200"], ["HY100002", "李娜", "13300000002", "个人", "", "300"]])
            let list = try await sup.get("/malls/\(d.mall)/members").body.string
            let deskPage = try await { var b = Browser(app: app); _ = try await b.signIn("ma-kefu"); return try await b.get("/malls/\(d.mall)/members").body.string }()
            // validate
            #expect(bad.status == .unprocessableEntity, "\(bad.status)")
            #expect(bad.body.string.contains("id=\"mb-import\"") && bad.body.string.contains("12345"), "the bad row named on the page")
            #expect(!afterBad.contains("HY100001"), "all rows or none")
            #expect(good.status == .seeOther && (good.headers.first(name: .location) ?? "").contains("notice=member.imported_notice"), "\(good.headers)")
            #expect(list.contains("HY100001") && list.contains("HY100002"))
            #expect(!deskPage.contains("id=\"mb-import\""), "the supervisor's form")
        }
    }

    @Test func aTenantsContactAndLeaseAreChangedAuditedOnItsPage() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await MallDesk.setup(app, clock)
            let url = "/api/v1/malls/\(d.mall)/tenants/\(d.tenants[0])"
            var browser = Browser(app: app)
            _ = try await browser.signIn("ma-kefu")
            // MUT
            let bad = try await app.call(.PATCH, url, headers: .bearer(d.desk), json: [
                "contactName": "李店长", "contactMobile": "12345", "leaseStarts": .s(d.today.description), "leaseEnds": .s(d.today.adding(days: -1).description)] as J)
            let good = try await app.call(.PATCH, url, headers: .bearer(d.desk), json: [
                "contactName": "李店长", "contactMobile": "+86 137 0000 5678", "leaseStarts": .s(d.today.adding(days: -10).description),
                "leaseEnds": .s(d.today.adding(days: 365).description)] as J)
            let page = try await browser.get("/malls/\(d.mall)/tenants/\(d.tenants[0])")
            let csrf = try #require(Browser.csrf(in: page.body.string))
            let posted = try await browser.post("/malls/\(d.mall)/tenants/\(d.tenants[0])", form: [
                "_csrf": csrf, "contactName": "周店长", "contactMobile": "", "leaseStarts": d.today.adding(days: -10).description,
                "leaseEnds": d.today.adding(days: 400).description])
            let after = try await app.call(.GET, "/api/v1/malls/\(d.mall)/tenants", headers: .bearer(d.desk)).decode(Schemas.MallTenantList.self)
            let place = try await browser.get("/malls/\(d.mall)").body.string
            // validate
            #expect(bad.status == .unprocessableEntity && bad.body.string.contains("\"contactMobile\"") && bad.body.string.contains("mall_lease_dates_invalid"),
                    "\(bad.body.string)")
            #expect(good.status == .ok, "\(good.body.string)")
            #expect(try good.decode(Schemas.MallTenant.self).contactMobile == "137****5678")
            #expect(page.status == .ok && page.body.string.contains("优衣库") && page.body.string.contains("137****5678")
                    && !page.body.string.contains("13700005678"), "the mobile masked, never in the field")
            #expect(posted.status == .seeOther && !(posted.headers.first(name: .location) ?? "").contains("error="), "\(posted.headers)")
            let tenant = try #require(after.items.first { $0.id == d.tenants[0].uuidString })
            #expect(tenant.contactName == "周店长" && tenant.contactMobile == "137****5678" && tenant.leaseEnds == d.today.adding(days: 400).description,
                    "an empty mobile keeps the one on file")
            #expect(place.contains("/malls/\(d.mall)/tenants/\(d.tenants[0])"), "the place tab links the tenant's page")
            #expect(try await Fixtures(app: app).auditCount(action: "mall.tenant_update") == 2)
        }
    }

    @Test func aFoundItemsPhotoIsKeptAsItsBytesAreAndShown() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await MallDesk.setup(app, clock)
            let item = try await app.call(.POST, "/api/v1/lost-items", headers: .bearer(d.desk), json: [
                "mallId": .s(d.mall.uuidString), "description": "黑色钱包", "foundAt": .s(ISO8601DateFormatter().string(from: clock.now)),
                "foundPlace": "2F 电梯口", "finder": "保洁员", "storagePlace": "服务台 A 柜"] as J).decode(Schemas.LostItem.self)
            var browser = Browser(app: app)
            _ = try await browser.signIn("ma-kefu")
            let csrf = try #require(Browser.csrf(in: try await browser.get("/malls/\(d.mall)/records").body.string))
            func upload(_ bytes: [UInt8], name: String) async throws -> TestingHTTPResponse {
                return try await browser.postMultipart("/lost-items/\(item.id)/photo?_csrf=\(csrf)", fields: [:],
                                                       files: [("file", name, "image/png", Data(bytes))])
            }
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 64)
            // MUT
            let fake = try await upload(Array("not a picture".utf8), name: "wallet.png")
            let before = try await browser.get("/lost-items/\(item.id)/photo")
            let ok = try await upload(png, name: "wallet.png")
            let shown = try await browser.get("/lost-items/\(item.id)/photo")
            let records = try await browser.get("/malls/\(d.mall)/records").body.string
            let f = Fixtures(app: app)
            let other = try await f.project("OT")
            try await f.user("other-desk", roles: [(.mallCS, other)])
            var stranger = Browser(app: app)
            _ = try await stranger.signIn("other-desk")
            let theirs = try await stranger.get("/lost-items/\(item.id)/photo")
            // validate
            #expect((fake.headers.first(name: .location) ?? "").contains("error=lost_photo_type"), "the bytes decide: \(fake.headers)")
            #expect(before.status == .notFound)
            #expect(ok.status == .seeOther && (ok.headers.first(name: .location) ?? "").contains("notice=mall.lost.photo_notice"), "\(ok.headers)")
            #expect(shown.status == .ok && shown.headers.contentType?.description.hasPrefix("image/png") == true && shown.body.readableBytes == png.count)
            #expect(records.contains("/lost-items/\(item.id)/photo\""))
            #expect(theirs.status == .notFound)
            #expect(try await f.auditCount(action: "mall.lost_photo") == 1)
            let listed = try await app.call(.GET, "/api/v1/lost-items?mallId=\(d.mall)", headers: .bearer(d.desk)).decode(Schemas.LostItemList.self)
            #expect(listed.items.first { $0.id == item.id }?.hasPhoto == true && item.hasPhoto != true)
        }
    }
}
