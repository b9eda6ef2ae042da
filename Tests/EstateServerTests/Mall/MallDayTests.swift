import EstateCore
import EstateSheets
@testable import EstateServer
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Mail and bags, price tags, follow-ups and the desk's day (issue 20 points 6–8) on both engines.
@Suite("Mall: mail, price tags, follow-ups and the daily log")
struct MallDayTests {
    typealias Schemas = Components.Schemas

    @Test func mailIsSignedForAndABagIsGivenBackOnlyAgainstItsTag() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await MallDesk.setup(app, clock)
            // MUT
            var res = try await app.call(.POST, "/api/v1/mail", headers: .bearer(d.desk), json: [
                "mallId": .s(d.mall.uuidString), "kind": "parcel", "tenantId": .s(d.tenants[1].uuidString), "carrier": "顺丰", "trackingNo": "SF1234567890"] as J)
            #expect(res.status == .created, "\(res.body.string)")
            let parcel = try res.decode(Schemas.MallMail.self)
            res = try await app.call(.POST, "/api/v1/mail", headers: .bearer(d.desk), json: [
                "mallId": .s(d.mall.uuidString), "kind": "bag", "recipient": "孙先生", "tag": "A-017", "mobile": "13722223333"] as J)
            let bag = try res.decode(Schemas.MallMail.self)
            res = try await app.call(.POST, "/api/v1/mail", headers: .bearer(d.desk2), json: [
                "mallId": .s(d.mall.uuidString), "kind": "bag", "recipient": "李女士", "tag": "A-017"] as J)
            #expect(res.status == .conflict && res.body.string.contains("mall_bag_tag_in_use"), "\(res.body.string)")
            res = try await app.call(.POST, "/api/v1/mail/\(bag.id)/pickup", headers: .bearer(d.desk), json: ["pickedUpBy": "孙先生", "signature": "孙", "tag": "A-018"] as J)
            #expect(res.status == .conflict && res.body.string.contains("mall_bag_tag_mismatch"))
            res = try await app.call(.POST, "/api/v1/mail/\(bag.id)/pickup", headers: .bearer(d.desk), json: ["pickedUpBy": "孙先生", "signature": "孙", "tag": "A-017"] as J)
            #expect(res.status == .ok, "\(res.body.string)")
            res = try await app.call(.POST, "/api/v1/mail", headers: .bearer(d.desk2), json: [
                "mallId": .s(d.mall.uuidString), "kind": "bag", "recipient": "李女士", "tag": "A-017"] as J)
            #expect(res.status == .created, "the tag is free again once the bag went back")
            res = try await app.call(.POST, "/api/v1/mail/\(parcel.id)/pickup", headers: .bearer(d.desk), json: ["pickedUpBy": "星巴克 小周", "signature": "周"] as J)
            #expect(res.status == .ok)
            res = try await app.call(.POST, "/api/v1/mail/\(parcel.id)/pickup", headers: .bearer(d.desk), json: ["pickedUpBy": "星巴克 小周", "signature": "周"] as J)
            #expect(res.status == .conflict)
            let waiting = try await app.call(.GET, "/api/v1/mail?mallId=\(d.mall)&waiting=true", headers: .bearer(d.desk)).decode(Schemas.MallMailList.self)
            // validate
            #expect(parcel.recipient == "星巴克" && bag.mobile == "137****3333")
            #expect(waiting.items.map(\.recipient) == ["李女士"])
        }
    }

    @Test func priceTagsBreakingARuleAreRefusedNamingEachAndTheSheetPrints() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await MallDesk.setup(app, clock)
            let good: J = ["item": "纯棉T恤", "price": "99", "unit": "件", "origin": "江苏南通", "specification": "L 白色", "copies": 3]
            // MUT: a tag without a unit and a discount tag whose original is not higher, then a good request.
            var res = try await app.call(.POST, "/api/v1/price-tags", headers: .bearer(d.desk), json: [
                "mallId": .s(d.mall.uuidString), "tenantId": .s(d.tenants[0].uuidString),
                "tags": [good, ["item": "牛仔裤", "price": "199", "unit": "", "origin": "广东", "specification": "32", "copies": 1],
                         ["item": "羽绒服", "price": "599", "unit": "件", "origin": "江苏", "specification": "M", "originalPrice": "599", "copies": 1]]] as J)
            #expect(res.status == .unprocessableEntity, "\(res.body.string)")
            #expect(res.body.string.contains("tags[1].unit") && res.body.string.contains("price_tag_unit_required"))
            #expect(res.body.string.contains("tags[2].originalPrice") && res.body.string.contains("price_tag_original_price_invalid"))
            #expect(!res.body.string.contains("tags[0]"))
            res = try await app.call(.POST, "/api/v1/price-tags", headers: .bearer(d.desk), json: [
                "mallId": .s(d.mall.uuidString), "tenantId": .s(d.tenants[0].uuidString),
                "tags": [good, ["item": "羽绒服", "price": "599", "unit": "件", "origin": "江苏", "specification": "M", "originalPrice": "899", "copies": 2]]] as J)
            #expect(res.status == .created, "\(res.body.string)")
            let r = try res.decode(Schemas.PriceTagRequest.self)
            #expect(try await app.call(.POST, "/api/v1/price-tags/\(r.id)/print", headers: .bearer(d.desk)).status == .ok)
            var browser = Browser(app: app)
            _ = try await browser.signIn("ma-kefu")
            let sheet = try await browser.get("/price-tags/\(r.id)/sheet")
            // validate: 3 × ¥0.50 + 2 × ¥1.00; the sheet has five tags, the discount ones with the original price struck.
            #expect(r.fee == "3.50" && r.tagCount == 5)
            #expect(sheet.status == .ok)
            let html = sheet.body.string
            #expect(html.components(separatedBy: "class=\"price-tag").count - 1 == 5, "five tags on the sheet")
            #expect(html.contains("href=\"/mall/tags.css\"") && html.contains("<s>¥899.00</s>"))
            let css = try await browser.get("/mall/tags.css").body.string
            #expect(css.contains("@page { size: A4 portrait"), "printed on A4")
            #expect(try await Fixtures(app: app).auditCount(action: "mall.price_tags_print") == 1)
        }
    }

    /// The daily log is exactly the day's records of every register, none from the day before; signed once.
    @Test func theDailyLogEqualsTheDaysRecords() async throws {
        try await withTestApp { app, clock in
            // setup: yesterday a member and a broadcast; today one record of every kind.
            var d = try await MallDesk.setup(app, clock)
            let old = try await d.issuedMember(name: "昨天", mobile: "13500000001")
            _ = try await app.call(.POST, "/api/v1/broadcasts", headers: .bearer(d.desk), json: [
                "mallId": .s(d.mall.uuidString), "kind": "promotion", "requestedBy": "市场部", "text": "昨日促销"] as J)
            clock.advance(86400)
            try await d.signInAgain()
            let today = CalendarDay(clock.now)
            var ids: [String: Set<String>] = [:]
            func note(_ kind: String, _ res: TestingHTTPResponse) throws {
                #expect(res.status == .created || res.status == .ok, "\(kind): \(res.body.string)")
                struct I: Decodable { var id: String }
                ids[kind, default: []].insert(try res.decode(I.self).id)
            }
            let m = try await d.issuedMember(name: "今天", mobile: "13500000002")
            ids["member_application"] = [m.id]; ids["card_issue"] = [m.id]
            try note("points", try await d.earn(m.id, amount: "88", receipt: "T-1"))
            try note("points", try await d.earn(old.id, amount: "66", receipt: "T-2"))
            try note("complaint", try await app.call(.POST, "/api/v1/malls/\(d.mall)/complaints", headers: .bearer(d.desk), json: [
                "channel": "hotline", "category": "environment", "floorId": .s(d.floors["2F"]!.uuidString), "title": "2F 空调太冷"] as J))
            try note("return", try await app.call(.POST, "/api/v1/returns", headers: .bearer(d.desk), json: MallReturnTests.body(d, daysAgo: 5, receipt: "R-9")))
            try note("lost_item", try await app.call(.POST, "/api/v1/lost-items", headers: .bearer(d.desk), json: [
                "mallId": .s(d.mall.uuidString), "description": "儿童水壶", "foundAt": .s(ISO8601DateFormatter().string(from: clock.now)),
                "foundPlace": "4F 儿童区", "finder": "顾客", "storagePlace": "服务台"] as J))
            try note("broadcast", try await app.call(.POST, "/api/v1/broadcasts", headers: .bearer(d.desk), json: [
                "mallId": .s(d.mall.uuidString), "kind": "person", "requestedBy": "王先生", "text": "寻找5岁男孩，穿红色外套"] as J))
            try note("screen_message", try await app.call(.POST, "/api/v1/screens", headers: .bearer(d.desk), json: [
                "mallId": .s(d.mall.uuidString), "screen": "B1 出口", "text": "停车场今日免费",
                "startsAt": .s(ISO8601DateFormatter().string(from: clock.now)), "endsAt": .s(ISO8601DateFormatter().string(from: clock.now.addingTimeInterval(3600)))] as J))
            try note("mail", try await app.call(.POST, "/api/v1/mail", headers: .bearer(d.desk), json: [
                "mallId": .s(d.mall.uuidString), "kind": "letter", "recipient": "物业办公室"] as J))
            try note("price_tags", try await app.call(.POST, "/api/v1/price-tags", headers: .bearer(d.desk), json: [
                "mallId": .s(d.mall.uuidString), "tenantId": .s(d.tenants[1].uuidString),
                "tags": [["item": "拿铁", "price": "32", "unit": "杯", "origin": "云南", "specification": "大杯", "copies": 1]]] as J))
            try note("desk_order", try await app.call(.POST, "/api/v1/desk-orders", headers: .bearer(d.desk), json: MallDeskOrderTests.order(d)))
            let duty = try await app.call(.POST, "/api/v1/malls/\(d.mall)/rota/\(today)/early/staff", headers: .bearer(d.supervisor),
                                          json: ["userId": .s(d.deskID.uuidString)] as J)
            #expect(duty.status == .ok, "\(duty.body.string)")
            let complaint = try #require(ids["complaint"]?.first)
            try note("follow_up", try await app.call(.POST, "/api/v1/malls/\(d.mall)/follow-ups", headers: .bearer(d.desk), json: [
                "sourceKind": "complaint", "sourceId": .s(complaint), "outcome": "satisfied"] as J))
            // MUT
            let log = try await app.call(.GET, "/api/v1/malls/\(d.mall)/daily-logs/\(today)", headers: .bearer(d.desk)).decode(Schemas.MallDailyLog.self)
            #expect(try await app.call(.POST, "/api/v1/malls/\(d.mall)/daily-logs/\(today)", headers: .bearer(d.desk)).status == .forbidden)
            var res = try await app.call(.POST, "/api/v1/malls/\(d.mall)/daily-logs/\(today)", headers: .bearer(d.supervisor))
            #expect(res.status == .ok, "\(res.body.string)")
            let signed = try res.decode(Schemas.MallDailyLog.self)
            res = try await app.call(.POST, "/api/v1/malls/\(d.mall)/daily-logs/\(today)", headers: .bearer(d.supervisor))
            #expect(res.status == .conflict && res.body.string.contains("daily_log_signed"))
            // A record made after the signing stays out of the signed log.
            _ = try await app.call(.POST, "/api/v1/broadcasts", headers: .bearer(d.desk), json: [
                "mallId": .s(d.mall.uuidString), "kind": "closing", "requestedBy": "值班经理", "text": "闭店"] as J)
            let after = try await app.call(.GET, "/api/v1/malls/\(d.mall)/daily-logs/\(today)", headers: .bearer(d.desk)).decode(Schemas.MallDailyLog.self)
            // validate
            var got: [String: Set<String>] = [:]
            for e in log.entries { got[e.kind, default: []].insert(e.id) }
            #expect(got == ids, "the log is the day's records, no more, no fewer")
            #expect(Set(log.counts.filter { $0.count > 0 }.map(\.kind)) == Set(DeskDayService.kinds), "every kind of record")
            #expect(log.signedAt == nil && signed.signedAt != nil && signed.entries.map(\.id) == log.entries.map(\.id))
            #expect(log.onDuty?.map(\.shift) == [.early, .late] && log.onDuty?.first?.names == ["MA-KEFU"] && log.onDuty?.last?.names == [],
                    "who was on duty: \(String(describing: log.onDuty))")
            #expect(signed.onDuty?.first?.times == "09:00–15:30" && signed.onDuty?.first?.names == ["MA-KEFU"])
            #expect(after.entries.map(\.id) == log.entries.map(\.id) && after.signedBy == d.supervisorID.uuidString)
            // The week's report and its workbook agree.
            let week = try await app.call(.GET, "/api/v1/reports/mall?mallId=\(d.mall)&from=\(today.adding(days: -6))&to=\(today)", headers: .bearer(d.desk))
                .decode(Schemas.MallReport.self)
            #expect(week.rows.count == 7 && week.satisfied == 1 && week.passRatePermille == 1000 && week.goalPermille == 980)
            #expect(week.total.first { $0.kind == "broadcast" }?.count == 3)
            let xlsx = try await app.call(.GET, "/api/v1/reports/mall/export?mallId=\(d.mall)&from=\(today.adding(days: -6))&to=\(today)", headers: .bearer(d.desk))
            #expect(xlsx.status == .ok)
            let rows = try XLSXReader.rows(Data(buffer: xlsx.body))
            #expect(rows.count == 1 + 7 + 1, "header, seven days, total")
        }
    }

    @Test func aFollowUpIsWithinThirtyDays() async throws {
        try await withTestApp { app, clock in
            // setup
            var d = try await MallDesk.setup(app, clock)
            var res = try await app.call(.POST, "/api/v1/returns", headers: .bearer(d.desk), json: MallReturnTests.body(d, daysAgo: 1, receipt: "R-F"))
            let r = try res.decode(Schemas.MallReturn.self)
            // MUT
            clock.advance(30 * 86400)
            try await d.signInAgain()
            res = try await app.call(.POST, "/api/v1/malls/\(d.mall)/follow-ups", headers: .bearer(d.desk), json: [
                "sourceKind": "return", "sourceId": .s(r.id), "outcome": "unsatisfied", "note": "退款慢"] as J)
            #expect(res.status == .created, "day 30: \(res.body.string)")
            clock.advance(86400)
            try await d.signInAgain()
            res = try await app.call(.POST, "/api/v1/malls/\(d.mall)/follow-ups", headers: .bearer(d.desk), json: [
                "sourceKind": "return", "sourceId": .s(r.id), "outcome": "satisfied"] as J)
            // validate
            #expect(res.status == .unprocessableEntity && res.body.string.contains("follow_up_too_late"), "day 31: \(res.body.string)")
        }
    }
}
