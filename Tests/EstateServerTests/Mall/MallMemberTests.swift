import EstateCore
import EstateSheets
@testable import EstateServer
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// The mall as a place and its members (issue 20 points 1 and 2) on both engines: floors, tenants and floor
/// managers; VIP card application, approval, issue (a number once, under racing requests); the points ledger
/// that never goes below zero under racing redemptions; one mobile, one person across the company.
@Suite("Mall: the place and its members")
struct MallMemberTests {
    typealias Schemas = Components.Schemas

    @Test func aMallHasFloorsTenantsAndFloorManagers() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await MallDesk.setup(app, clock)
            let f = Fixtures(app: app)
            let outsider = try await f.user("wairen", roles: [(.consultant, d.project)])
            // MUT: the desk cannot create a mall; a second mall on the project is refused; a floor manager is named.
            var res = try await app.call(.POST, "/api/v1/malls", headers: .bearer(d.desk), json: [
                "projectId": .s(d.project.uuidString), "name": "二号馆", "floors": [["label": "1F", "level": 1]]] as J)
            #expect(res.status == .forbidden)
            res = try await app.call(.POST, "/api/v1/malls", headers: .bearer(d.supervisor), json: [
                "projectId": .s(d.project.uuidString), "name": "二号馆", "floors": [["label": "1F", "level": 1]]] as J)
            #expect(res.status == .conflict && res.body.string.contains("mall_exists"), "\(res.body.string)")
            res = try await app.call(.PUT, "/api/v1/malls/\(d.mall)/floors/\(d.floors["1F"]!)", headers: .bearer(d.supervisor),
                                     json: ["managerId": .s(outsider.uuidString)] as J)
            #expect(res.status == .unprocessableEntity && res.body.string.contains("mall_floor_manager_invalid"), "\(res.body.string)")
            res = try await app.call(.PUT, "/api/v1/malls/\(d.mall)/floors/\(d.floors["1F"]!)", headers: .bearer(d.supervisor),
                                     json: ["managerId": .s(d.desk2ID.uuidString)] as J)
            #expect(res.status == .ok, "\(res.body.string)")
            // Bad tenants change nothing: a unit taken, a lease that ends before it starts, a floor of no mall.
            let body: [String: J] = ["floorId": .s(d.floors["1F"]!.uuidString), "unitNo": "1F-01", "shopName": "ZARA", "category": "服装",
                                     "contactName": "李", "leaseStarts": .s(d.today.description), "leaseEnds": .s(d.today.adding(days: 30).description)]
            res = try await app.call(.POST, "/api/v1/malls/\(d.mall)/tenants", headers: .bearer(d.desk), json: J.o(body))
            #expect(res.status == .conflict && res.body.string.contains("mall_unit_taken"), "\(res.body.string)")
            var bad = body
            bad["unitNo"] = "1F-02"; bad["leaseEnds"] = .s(d.today.adding(days: -1).description)
            res = try await app.call(.POST, "/api/v1/malls/\(d.mall)/tenants", headers: .bearer(d.desk), json: J.o(bad))
            #expect(res.status == .unprocessableEntity && res.body.string.contains("mall_lease_dates_invalid"), "\(res.body.string)")
            bad = body
            bad["unitNo"] = "1F-02"; bad["floorId"] = .s(UUID().uuidString)
            res = try await app.call(.POST, "/api/v1/malls/\(d.mall)/tenants", headers: .bearer(d.desk), json: J.o(bad))
            #expect(res.status == .unprocessableEntity && res.body.string.contains("mall_floor_not_found"), "\(res.body.string)")
            let mall = try await app.call(.GET, "/api/v1/malls/\(d.mall)", headers: .bearer(d.desk)).decode(Schemas.Mall.self)
            let firstFloor = try await app.call(.GET, "/api/v1/malls/\(d.mall)/tenants?floorId=\(d.floors["1F"]!)", headers: .bearer(d.desk))
                .decode(Schemas.MallTenantList.self)
            // validate
            #expect(mall.floors.map(\.label) == ["2F", "1F"], "floors top down")
            #expect(mall.floors.last?.managerId == d.desk2ID.uuidString && mall.floors.last?.zones.map(\.name).sorted() == ["A区", "B区"])
            #expect(firstFloor.items.map(\.shopName) == ["优衣库"] && firstFloor.items[0].contactMobile == "138****8000" && firstFloor.items[0].leased)
            #expect(try await f.auditCount(action: "mall.tenant_create") == 2)
            #expect(try await f.auditCount(action: "mall.floor_manager") == 1)
            // Someone with no desk on the project sees no mall.
            let other = try await f.token("wairen")
            #expect(try await app.call(.GET, "/api/v1/malls/\(d.mall)", headers: .bearer(other)).status == .forbidden)
            #expect(try await app.call(.GET, "/api/v1/malls", headers: .bearer(other)).status == .forbidden)
        }
    }

    @Test func aCardIsAppliedForApprovedByAnotherAndIssuedOnce() async throws {
        try await withTestApp { app, clock in
            // setup: the same person is a customer of a residential project.
            let d = try await MallDesk.setup(app, clock)
            let f = Fixtures(app: app)
            let home = try await f.project("JY", name: "锦园府")
            _ = try await app.services.customers(app.db).create(.init(name: "林晓峰", mobile: "17700001688"), in: home, owner: nil, context: .system("test"))
            // MUT: an application typed with +86 and dashes; the same mobile again is refused.
            var res = try await app.call(.POST, "/api/v1/members", headers: .bearer(d.desk), json: [
                "mallId": .s(d.mall.uuidString), "kind": "person", "name": "林晓峰", "mobile": "+86 177-0000-1688"] as J)
            #expect(res.status == .created, "\(res.body.string)")
            let applied = try res.decode(Schemas.Member.self)
            res = try await app.call(.POST, "/api/v1/members", headers: .bearer(d.desk2), json: [
                "mallId": .s(d.mall.uuidString), "kind": "person", "name": "林晓峰", "mobile": "17700001688"] as J)
            #expect(res.status == .conflict && res.body.string.contains("member_mobile_exists"), "\(res.body.string)")
            res = try await app.call(.POST, "/api/v1/members", headers: .bearer(d.desk), json: [
                "mallId": .s(d.mall.uuidString), "kind": "organisation", "name": "张三", "mobile": "13912345678"] as J)
            #expect(res.status == .unprocessableEntity && res.body.string.contains("member_organisation_required"), "\(res.body.string)")
            // Not issued before approval; the desk cannot approve; the supervisor cannot approve their own application.
            res = try await app.call(.POST, "/api/v1/members/\(applied.id)/card", headers: .bearer(d.desk), json: [:] as J)
            #expect(res.status == .conflict && res.body.string.contains("member_not_approved"), "\(res.body.string)")
            #expect(try await app.call(.POST, "/api/v1/members/\(applied.id)/decision", headers: .bearer(d.desk), json: ["approve": true] as J).status == .forbidden)
            res = try await app.call(.POST, "/api/v1/members", headers: .bearer(d.supervisor), json: [
                "mallId": .s(d.mall.uuidString), "kind": "organisation", "name": "王经理", "organisation": "成都天府软件园", "mobile": "13912345678"] as J)
            let own = try res.decode(Schemas.Member.self)
            res = try await app.call(.POST, "/api/v1/members/\(own.id)/decision", headers: .bearer(d.supervisor), json: ["approve": true] as J)
            #expect(res.status == .forbidden && res.body.string.contains("member_own_application"), "\(res.body.string)")
            res = try await app.call(.POST, "/api/v1/members/\(applied.id)/decision", headers: .bearer(d.supervisor), json: ["approve": true] as J)
            #expect(res.status == .ok, "\(res.body.string)")
            res = try await app.call(.POST, "/api/v1/members/\(applied.id)/decision", headers: .bearer(d.supervisor), json: ["approve": false] as J)
            #expect(res.status == .conflict && res.body.string.contains("member_not_applied"))
            res = try await app.call(.POST, "/api/v1/members/\(applied.id)/card", headers: .bearer(d.desk), json: [:] as J)
            #expect(res.status == .ok, "\(res.body.string)")
            let issued = try res.decode(Schemas.Member.self)
            res = try await app.call(.POST, "/api/v1/members/\(applied.id)/card", headers: .bearer(d.desk), json: [:] as J)
            #expect(res.status == .conflict, "a card is issued once")
            let detail = try await app.call(.GET, "/api/v1/members/\(applied.id)", headers: .bearer(d.desk)).decode(Schemas.MemberDetail.self)
            let found = try await app.call(.GET, "/api/v1/members?mallId=\(d.mall)&q=1688", headers: .bearer(d.desk)).decode(Schemas.MemberPage.self)
            // validate
            #expect(applied.mobile == "177****1688" && applied.status == .applied)
            #expect(issued.status == .issued && issued.cardNumber == "HY000001" && issued.tier == .standard)
            #expect(detail.customerProjectIds == [home.uuidString], "one mobile, one person: the member is JYF's customer")
            // …and the call centre's desk sees the VIP beside the customer record.
            let agentID = try await f.user("zuoxi", roles: [(.csStaff, home)])
            let agent = try #require(try await app.services.auth(app.db).loadPrincipal(userID: agentID, on: app.db))
            let caller = try await app.services.desk(app.db).lookup("177 0000 1688", by: agent, context: .system("test"))
            #expect(caller.records.count == 1 && caller.memberships.map(\.mallName) == ["华熙汇"] && caller.memberships.first?.status == "issued")
            #expect(found.items.map(\.id) == [applied.id])
            #expect(try await f.auditCount(action: "member.issue") == 1)
            #expect(try await f.auditCount(action: "member.approve") == 1)
        }
    }

    /// Eight desks type the same pre-printed card number for eight approved members at once: one card carries it.
    @Test func aCardNumberIsIssuedOnceUnderRacingRequests() async throws {
        try await withTestApp { app, clock in
            // setup: eight approved applications.
            let d = try await MallDesk.setup(app, clock)
            var ids: [String] = []
            for i in 0..<8 {
                var res = try await app.call(.POST, "/api/v1/members", headers: .bearer(d.desk), json: [
                    "mallId": .s(d.mall.uuidString), "kind": "person", "name": .s("会员\(i)"), "mobile": .s("1390000100\(i)")] as J)
                let m = try res.decode(Schemas.Member.self)
                res = try await app.call(.POST, "/api/v1/members/\(m.id)/decision", headers: .bearer(d.supervisor), json: ["approve": true] as J)
                #expect(res.status == .ok)
                ids.append(m.id)
            }
            // MUT
            let statuses = try await withThrowingTaskGroup(of: (String, HTTPStatus, String).self) { g in
                for (i, id) in ids.enumerated() {
                    let token = i % 2 == 0 ? d.desk : d.desk2
                    g.addTask { let r = try await app.call(.POST, "/api/v1/members/\(id)/card", headers: .bearer(token), json: ["cardNumber": "vip8888"] as J)
                        return (id, r.status, r.body.string) }
                }
                var all: [(String, HTTPStatus, String)] = []
                for try await s in g { all.append(s) }
                return all
            }
            // And the same application issued by eight requests at once (numbers drawn): one card.
            let twice = try await withThrowingTaskGroup(of: HTTPStatus.self) { g in
                let loser = statuses.first { $0.1 != .ok }!.0
                for _ in 0..<8 { g.addTask { try await app.call(.POST, "/api/v1/members/\(loser)/card", headers: .bearer(d.desk), json: [:] as J).status } }
                var all: [HTTPStatus] = []
                for try await s in g { all.append(s) }
                return all
            }
            // validate
            #expect(statuses.filter { $0.1 == .ok }.count == 1, "\(statuses.map(\.1))")
            #expect(statuses.filter { $0.1 == .conflict && $0.2.contains("card_number_taken") }.count == 7, "\(statuses.map { "\($0.1) \($0.2)" })")
            #expect(twice.filter { $0 == .ok }.count == 1 && twice.filter { $0 == .conflict }.count == 7, "\(twice)")
            struct N: Decodable { var n: Int }
            let sql = app.db as! any SQLDatabase
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM mall_members WHERE card_number = 'VIP8888'").first(decoding: N.self)?.n == 1)
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM mall_members WHERE card_number IS NOT NULL").first(decoding: N.self)?.n == 2)
        }
    }

    /// Ten redemptions of a 300-point gift race on a balance of 1,000: three are handed out, the balance is 100,
    /// never below zero, and the ledger adds up to it; a gift with 2 in stock is handed out twice.
    @Test func pointsNeverGoNegativeUnderRacingRedemptions() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await MallDesk.setup(app, clock)
            let m = try await d.issuedMember(mobile: "13600001111")
            #expect(try await d.earn(m.id, amount: "1000.80", receipt: "XP-001").status == .created)
            var res = try await d.earn(m.id, amount: "50", receipt: "XP-001")
            #expect(res.status == .conflict && res.body.string.contains("receipt_already_entered"), "\(res.body.string)")
            res = try await d.earn(m.id, amount: "50", receipt: "XP-002", day: d.today.adding(days: -31))
            #expect(res.status == .unprocessableEntity && res.body.string.contains("mall_receipt_too_old"), "\(res.body.string)")
            #expect(try await d.earn(m.id, amount: "50", receipt: "XP-003", day: d.today.adding(days: -30)).status == .created)
            res = try await app.call(.POST, "/api/v1/malls/\(d.mall)/gifts", headers: .bearer(d.supervisor), json: ["name": "保温杯", "pointsCost": 350, "stock": 100] as J)
            let cup = try res.decode(Schemas.MallGift.self)
            res = try await app.call(.POST, "/api/v1/malls/\(d.mall)/gifts", headers: .bearer(d.supervisor), json: ["name": "电影票", "pointsCost": 1, "stock": 2] as J)
            let ticket = try res.decode(Schemas.MallGift.self)
            #expect(try await app.call(.POST, "/api/v1/malls/\(d.mall)/gifts", headers: .bearer(d.desk), json: ["name": "伞", "pointsCost": 1, "stock": 2] as J).status == .forbidden)
            // MUT
            func race(_ gift: String, _ n: Int) async throws -> [HTTPStatus] {
                try await withThrowingTaskGroup(of: HTTPStatus.self) { g in
                    for i in 0..<n {
                        let token = i % 2 == 0 ? d.desk : d.desk2
                        g.addTask { try await app.call(.POST, "/api/v1/members/\(m.id)/redemptions", headers: .bearer(token),
                                                       json: ["giftId": .s(gift), "quantity": 1] as J).status }
                    }
                    var all: [HTTPStatus] = []
                    for try await s in g { all.append(s) }
                    return all
                }
            }
            let cups = try await race(cup.id, 10)
            let tickets = try await race(ticket.id, 6)
            // validate: 1,050 points (1,000 + 50), three cups (1,050), two tickets would need 2 more: none left.
            let detail = try await app.call(.GET, "/api/v1/members/\(m.id)", headers: .bearer(d.desk)).decode(Schemas.MemberDetail.self)
            #expect(cups.filter { $0 == .created }.count == 3 && cups.filter { $0 == .conflict }.count == 7, "\(cups)")
            #expect(tickets.allSatisfy { $0 == .conflict }, "\(tickets)")
            #expect(detail.member.pointsBalance == 0 && detail.member.pointsEarned == 1050)
            #expect(detail.entries.map(\.points).reduce(0, +) == detail.member.pointsBalance)
            #expect(detail.entries.allSatisfy { $0.balanceAfter >= 0 })
            let gifts = try await app.call(.GET, "/api/v1/malls/\(d.mall)/gifts", headers: .bearer(d.desk)).decode(Schemas.MallGiftList.self)
            #expect(gifts.items.first { $0.id == cup.id }?.stock == 97)
            // Stock: a second member with points races six desks for the last two tickets.
            let rich = try await d.issuedMember(name: "周", mobile: "13600002222")
            #expect(try await d.earn(rich.id, amount: "100", receipt: "XP-100").status == .created)
            let out = try await withThrowingTaskGroup(of: HTTPStatus.self) { g in
                for _ in 0..<6 { g.addTask { try await app.call(.POST, "/api/v1/members/\(rich.id)/redemptions", headers: .bearer(d.desk),
                                                                json: ["giftId": .s(ticket.id), "quantity": 1] as J).status } }
                var all: [HTTPStatus] = []
                for try await s in g { all.append(s) }
                return all
            }
            #expect(out.filter { $0 == .created }.count == 2 && out.filter { $0 == .conflict }.count == 4, "\(out)")
            let after = try await app.call(.GET, "/api/v1/malls/\(d.mall)/gifts", headers: .bearer(d.desk)).decode(Schemas.MallGiftList.self)
            #expect(after.items.first { $0.id == ticket.id }?.stock == 0)
            #expect(try await Fixtures(app: app).auditCount(action: "member.points_redeem") == 5)
        }
    }

    /// The paper VIP book: every bad row named and nothing imported; then all rows.
    @Test func thePaperBookIsImportedAllRowsOrNoneWithEveryBadRowNamed() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await MallDesk.setup(app, clock)
            _ = try await d.issuedMember(name: "已有", mobile: "13300000009", card: "HY900001")
            func book(_ rows: [[String]]) throws -> ByteBuffer {
                ByteBuffer(data: try XLSXWriter.data([Sheet(name: "会员册", columns: ["卡号", "姓名", "手机", "类型", "单位", "积分"].map { SheetColumn($0) },
                                                           rows: rows.map { $0.map { SheetCell.text($0) } })]))
            }
            let url = "/api/v1/members/import?mallId=\(d.mall)"
            var headers = HTTPHeaders.bearer(d.supervisor)
            headers.contentType = HTTPMediaType(type: "application", subType: "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            // MUT
            let bad = try await app.call(.POST, url, headers: headers, body: try book([
                ["HY100001", "王伟", "13300000001", "个人", "", "1200"],
                ["HY100002", "李娜", "13300000001", "个人", "", "300"],      // the mobile twice
                ["HY900001", "张敏", "13300000003", "个人", "", "0"],        // a card issued already
                ["HY100004", "刘强", "12345", "团体", "", "x"],              // bad mobile, no organisation, bad points
            ]))
            let good = try await app.call(.POST, url, headers: headers, body: try book([
                ["HY100001", "王伟", "13300000001", "个人", "", "1200"],
                ["", "陈静", "+86 133-0000-0002", "团体", "成都天府软件园", "25000"],
            ]))
            let desk = try await app.call(.POST, url, headers: { var h = HTTPHeaders.bearer(d.desk); h.contentType = headers.contentType; return h }(),
                                          body: try book([["", "赵", "13300000005", "", "", ""]]))
            // validate
            #expect(bad.status == .unprocessableEntity, "\(bad.body.string)")
            struct Rows: Decodable { struct R: Decodable { var row: Int; var column: String?; var code: String }; var rows: [R] }
            let named = try bad.content.decode(Rows.self).rows.map { "\($0.row)\($0.column ?? "")\($0.code)" }
            #expect(Set(named) == ["3Cimport_duplicate_mobile", "4Acard_number_taken", "5Cmobile_invalid", "5Emember_organisation_required",
                                   "5Fmember_points_invalid"], "\(named)")
            #expect(good.status == .ok, "\(good.body.string)")
            #expect(desk.status == .forbidden)
            let page = try await app.call(.GET, "/api/v1/members?mallId=\(d.mall)&perPage=10", headers: .bearer(d.desk)).decode(Schemas.MemberPage.self)
            #expect(page.total == 3, "the first file imported nothing")
            let chen = try #require(page.items.first { $0.name == "陈静" })
            #expect(chen.status == .approved && chen.tier == .gold && chen.pointsBalance == 25_000 && chen.mobile == "133****0002")
            let detail = try await app.call(.GET, "/api/v1/members/\(chen.id)", headers: .bearer(d.desk)).decode(Schemas.MemberDetail.self)
            #expect(detail.entries.map(\.points).reduce(0, +) == 25_000)
        }
    }
}
