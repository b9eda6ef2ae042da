import EstateCore
@testable import EstateServer
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Lost and found, broadcasts and screens (issue 20 point 5) on both engines.
@Suite("Mall: lost and found, broadcasts, screens")
struct MallDeskLogTests {
    typealias Schemas = Components.Schemas

    @Test func aClaimNeedsAnIdentityDocumentAndTheUnclaimedAreHandedOverAfterTheirDays() async throws {
        try await withTestApp { app, clock in
            // setup
            var d = try await MallDesk.setup(app, clock)
            func found(_ what: String) async throws -> Schemas.LostItem {
                let res = try await app.call(.POST, "/api/v1/lost-items", headers: .bearer(d.desk), json: [
                    "mallId": .s(d.mall.uuidString), "description": .s(what), "foundAt": .s(ISO8601DateFormatter().string(from: clock.now.addingTimeInterval(-600))),
                    "foundPlace": "3F 女卫生间", "finder": "保洁 刘阿姨", "storagePlace": "服务台 A 柜", "keepDays": 15] as J)
                #expect(res.status == .created, "\(res.body.string)")
                return try res.decode(Schemas.LostItem.self)
            }
            let wallet = try await found("黑色钱包")
            let umbrella = try await found("蓝色雨伞")
            // MUT: a claim without a document, with a wrong check digit, then a good one; racing a second claimant.
            var res = try await app.call(.POST, "/api/v1/lost-items/\(wallet.id)/claim", headers: .bearer(d.desk), json: [
                "claimantName": "王小明", "signature": "王小明"] as J)
            #expect(res.status == .unprocessableEntity && res.body.string.contains("lost_claim_id_required"), "\(res.body.string)")
            res = try await app.call(.POST, "/api/v1/lost-items/\(wallet.id)/claim", headers: .bearer(d.desk), json: [
                "claimantName": "王小明", "idKind": "resident_id", "idNumber": "110105194912310021", "signature": "王小明"] as J)
            #expect(res.status == .unprocessableEntity && res.body.string.contains("lost_claim_id_required"))
            res = try await app.call(.POST, "/api/v1/lost-items/\(wallet.id)/claim", headers: .bearer(d.desk), json: [
                "claimantName": "王小明", "idKind": "resident_id", "idNumber": "11010519491231002x", "signature": " "] as J)
            #expect(res.status == .unprocessableEntity && res.body.string.contains("lost_claim_signature_required"), "\(res.body.string)")
            res = try await app.call(.POST, "/api/v1/lost-items/\(wallet.id)/claim", headers: .bearer(d.desk), json: [
                "claimantName": "王小明", "idKind": "resident_id", "idNumber": "11010519491231002x", "signature": "王小明"] as J)
            #expect(res.status == .ok, "\(res.body.string)")
            let claimed = try res.decode(Schemas.LostItem.self)
            res = try await app.call(.POST, "/api/v1/lost-items/\(wallet.id)/claim", headers: .bearer(d.desk2), json: [
                "claimantName": "李四", "idKind": "resident_id", "idNumber": "11010519491231002X", "signature": "李四"] as J)
            #expect(res.status == .conflict && res.body.string.contains("lost_item_not_held"))
            // The umbrella: not before its fifteen days, then handed over.
            clock.advance(14 * 86400)
            try await d.signInAgain()
            res = try await app.call(.POST, "/api/v1/lost-items/\(umbrella.id)/handover", headers: .bearer(d.desk), json: ["handedTo": "天府派出所"] as J)
            #expect(res.status == .conflict && res.body.string.contains("lost_handover_not_due"), "\(res.body.string)")
            clock.advance(86400)
            try await d.signInAgain()
            res = try await app.call(.POST, "/api/v1/lost-items/\(umbrella.id)/handover", headers: .bearer(d.desk), json: ["handedTo": "天府派出所"] as J)
            #expect(res.status == .ok, "\(res.body.string)")
            // validate
            #expect(claimed.status == .claimed && claimed.claimantIdMasked == "110105********002X" && claimed.claimSignature == "王小明")
            let body = try await app.call(.GET, "/api/v1/lost-items?mallId=\(d.mall)", headers: .bearer(d.desk)).body.string
            #expect(body.contains("天府派出所"))
            #expect(!body.contains("11010519491231002X"), "the full number is not kept")
            let sql = app.db as! any SQLDatabase
            struct N: Decodable { var n: Int }
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM mall_lost_items WHERE claimant_id_masked LIKE '%1231002%'").first(decoding: N.self)?.n == 0)
            #expect(try await Fixtures(app: app).auditCount(action: "mall.lost_claim") == 1)
            #expect(try await Fixtures(app: app).auditCount(action: "mall.lost_handover") == 1)
        }
    }

    @Test func broadcastsCountTheirReadingsAndScreensShowWhatIsOnNow() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await MallDesk.setup(app, clock)
            let iso = ISO8601DateFormatter()
            // MUT
            var res = try await app.call(.POST, "/api/v1/broadcasts", headers: .bearer(d.desk), json: [
                "mallId": .s(d.mall.uuidString), "kind": "car", "requestedBy": "B2 车场 保安", "text": "川A·12345 车主请速到B2挪车"] as J)
            #expect(res.status == .created, "\(res.body.string)")
            let b = try res.decode(Schemas.Broadcast.self)
            for _ in 0..<3 { #expect(try await app.call(.POST, "/api/v1/broadcasts/\(b.id)/reads", headers: .bearer(d.desk)).status == .ok) }
            func screen(_ text: String, from: Double, to: Double, rotation: Int, on name: String = "1F 中庭大屏") async throws -> TestingHTTPResponse {
                try await app.call(.POST, "/api/v1/screens", headers: .bearer(d.desk), json: [
                    "mallId": .s(d.mall.uuidString), "screen": .s(name), "text": .s(text),
                    "startsAt": .s(iso.string(from: clock.now.addingTimeInterval(from))), "endsAt": .s(iso.string(from: clock.now.addingTimeInterval(to))),
                    "rotation": .i(rotation)] as J)
            }
            let a = try await screen("双十二全场满300减50", from: -3600, to: 3600, rotation: 2).decode(Schemas.ScreenMessage.self)
            let c = try await screen("今晚22:00闭店", from: -60, to: 7200, rotation: 1).decode(Schemas.ScreenMessage.self)
            _ = try await screen("明日会员日", from: 3600, to: 7200, rotation: 0)
            res = try await screen("倒着", from: 60, to: -60, rotation: 0)
            #expect(res.status == .unprocessableEntity && res.body.string.contains("screen_window_invalid"))
            let board = try await app.call(.GET, "/api/v1/screens?mallId=\(d.mall)", headers: .bearer(d.desk)).decode(Schemas.ScreenBoard.self)
            let log = try await app.call(.GET, "/api/v1/broadcasts?mallId=\(d.mall)", headers: .bearer(d.desk)).decode(Schemas.BroadcastList.self)
            // validate
            #expect(log.items.first?.timesRead == 3 && log.items.first?.requestedBy == "B2 车场 保安")
            #expect(board.messages.count == 3)
            #expect(board.showing.first?.messageIds == [c.id, a.id], "showing now, in rotation order")
        }
    }
}
