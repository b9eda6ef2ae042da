import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// 退货 and 仓库 (issue 19 point 6) on both engines: rejected goods go back to the supplier in parts, never more than
/// inspection rejected; accepted goods go into a site store once; issues never take a balance below zero, also when
/// they race (only those the balance covers succeed, the rest 409 stock_insufficient).
@Suite("Procurement: returns and site stores")
struct ProcurementStoreTests {
    typealias Schemas = Components.Schemas
    typealias P = ProcurementTests
    typealias S = ProcurementSettlementTests
    typealias Pages = ProcurementPageTests

    /// A delivery of `quantity` on the order's line, inspected (when `accepted` is given) without returning the rejected goods.
    static func delivery(_ d: P.Desk, _ order: String, line: String, quantity: String, accepted: String? = nil, rejected: String = "0",
                         batch: String) async throws -> Schemas.Delivery {
        let res = try await d.app.call(.POST, "/api/v1/deliveries", headers: .bearer(d.staff), json: [
            "orderId": .s(order), "deliveredOn": .s(d.today.description), "batch": .s(batch), "store": "2号楼现场仓库",
            "lines": [["orderLineId": .s(line), "quantity": .s(quantity)]]] as J)
        #expect(res.status == .created, "\(res.body.string)")
        let delivery = try res.decode(Schemas.Delivery.self)
        guard let accepted else { return delivery }
        let inspected = try await d.app.call(.POST, "/api/v1/deliveries/\(delivery.id)/inspection", headers: .bearer(d.engineer), json: [
            "lines": [["lineId": .s(delivery.lines[0].id), "accepted": .s(accepted), "rejected": .s(rejected),
                       "reason": .s(rejected == "0" ? "" : "钢筋锈蚀、规格不符"), "returned": .b(false)]]] as J)
        #expect(inspected.status == .ok, "\(inspected.body.string)")
        return try inspected.decode(Schemas.Delivery.self)
    }

    static func giveBack(_ d: P.Desk, _ delivery: Schemas.Delivery, _ quantity: String, reason: String = "锈蚀退回供应商", token: String? = nil,
                         on day: String? = nil) async throws -> TestingHTTPResponse {
        try await d.app.call(.POST, "/api/v1/deliveries/\(delivery.id)/returns", headers: .bearer(token ?? d.staff), json: [
            "lineId": .s(delivery.lines[0].id), "quantity": .s(quantity), "reason": .s(reason), "returnedOn": .s(day ?? d.today.description)] as J)
    }

    static func newStore(_ d: P.Desk, _ name: String, token: String? = nil, project: UUID? = nil) async throws -> TestingHTTPResponse {
        try await d.app.call(.POST, "/api/v1/site-stores", headers: .bearer(token ?? d.staff),
                             json: ["projectId": .s((project ?? d.project).uuidString), "name": .s(name)] as J)
    }

    static func issue(_ app: Application, _ token: String, store: String, _ quantity: String, material: String = "HRB400 钢筋",
                      purpose: String = "3号楼主体结构", receivedBy: String = "张班长") async throws -> TestingHTTPResponse {
        try await app.call(.POST, "/api/v1/site-stores/\(store)/issues", headers: .bearer(token), json: [
            "material": .s(material), "unit": "吨", "quantity": .s(quantity), "purpose": .s(purpose), "receivedBy": .s(receivedBy)] as J)
    }

    @Test func rejectedGoodsGoBackInPartsNeverMoreThanInspectionRejected() async throws {
        try await withTestApp { app, clock in
            // setup: 60 t delivered, 54 accepted and 6 rejected (kept on site for now); an outsider and engineering.
            let d = try await Pages.desk(app, clock, code: "TH")
            let outsider = try await Fixtures(app: app).token("th.waibu")
            let (order, line) = try await S.steelOrder(d)
            let delivery = try await Self.delivery(d, order.id, line: line, quantity: "60", accepted: "54", rejected: "6", batch: "HX-TH-1")
            // MUT: bad returns first — no reason, nothing, a day before the delivery, another project's clerk, engineering.
            let noReason = try await Self.giveBack(d, delivery, "2", reason: " ")
            let zero = try await Self.giveBack(d, delivery, "0")
            let early = try await Self.giveBack(d, delivery, "1", on: d.today.adding(days: -1).description)
            let foreign = try await Self.giveBack(d, delivery, "1", token: outsider)
            let engineer = try await Self.giveBack(d, delivery, "1", token: d.engineer)
            // validate: refused with their codes, nothing returned.
            #expect(noReason.status == .unprocessableEntity && noReason.body.string.contains("\"field\":\"reason\""), "\(noReason.body.string)")
            #expect(zero.status == .unprocessableEntity && zero.body.string.contains("quantity_invalid"), "\(zero.body.string)")
            #expect(early.status == .unprocessableEntity && early.body.string.contains("date_invalid"), "\(early.body.string)")
            #expect(foreign.status == .notFound && engineer.status == .forbidden, "\(foreign.status) \(engineer.status)")
            // MUT: 2 t back, then 5 t (only 4 left), then the 4.
            let first = try await Self.giveBack(d, delivery, "2")
            clock.advance(60)
            let over = try await Self.giveBack(d, delivery, "5")
            clock.advance(60)
            let rest = try await Self.giveBack(d, delivery, "4", reason: "补货前退回余下锈蚀钢筋")
            // validate: two returns adding up to the rejected 6 t, listed with who and why; audited twice.
            #expect(first.status == .created && rest.status == .created, "\(first.body.string) \(rest.body.string)")
            #expect(over.status == .conflict && P.problemCode(over) == "return_over_rejected" && over.body.string.contains("4"), "\(over.body.string)")
            #expect(try await Self.giveBack(d, delivery, "0.001").status == .conflict)
            let list = try await app.call(.GET, "/api/v1/deliveries/\(delivery.id)/returns", headers: .bearer(d.staff)).decode(Schemas.DeliveryReturnList.self)
            #expect(list.items.map(\.quantity) == [PurchaseQuantity.format(2_000), PurchaseQuantity.format(4_000)])
            #expect(list.items.allSatisfy { $0.createdBy == d.staffID.uuidString } && list.items[1].reason == "补货前退回余下锈蚀钢筋")
            let after = try await app.call(.GET, "/api/v1/deliveries/\(delivery.id)", headers: .bearer(d.staff)).decode(Schemas.Delivery.self)
            #expect(after.lines[0].returned == PurchaseQuantity.format(6_000) && after.lines[0].accepted == PurchaseQuantity.format(54_000))
            #expect(try await Fixtures(app: app).auditCount(action: "delivery.return") == 2)
            // What went back no longer counts as delivered: the supplier may deliver the 6 t again, not a tonne more.
            let replacement = try await Self.delivery(d, order.id, line: line, quantity: "6", batch: "HX-TH-2")
            let tooMuch = try await app.call(.POST, "/api/v1/deliveries", headers: .bearer(d.staff), json: [
                "orderId": .s(order.id), "deliveredOn": .s(d.today.description), "batch": "HX-TH-3",
                "lines": [["orderLineId": .s(line), "quantity": "1"]]] as J)
            #expect(tooMuch.status == .conflict && P.problemCode(tooMuch) == "delivery_over_order")
            // Nothing can go back before the inspection.
            let uninspected = try await Self.giveBack(d, replacement, "1")
            #expect(uninspected.status == .conflict && P.problemCode(uninspected) == "delivery_not_inspected")
        }
    }

    @Test func goodsReturnedAtTheInspectionLeaveTheSameReturnRecord() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await Pages.desk(app, clock, code: "TJ")
            let (order, line) = try await S.steelOrder(d)
            // MUT: 1 t rejected and returned on the inspection form.
            try await S.deliver(d, order.id, line: line, quantity: "10", accepted: "9", rejected: "1", batch: "HX-TJ-1")
            // validate: one return of that tonne, nothing more to return.
            let delivery = try await app.call(.GET, "/api/v1/deliveries?projectId=\(d.project)", headers: .bearer(d.staff))
                .decode(Schemas.DeliveryList.self).items[0]
            let list = try await app.call(.GET, "/api/v1/deliveries/\(delivery.id)/returns", headers: .bearer(d.staff)).decode(Schemas.DeliveryReturnList.self)
            #expect(list.items.map(\.quantity) == [PurchaseQuantity.format(1_000)] && list.items[0].reason == "一捆钢筋锈蚀")
            #expect(try await Self.giveBack(d, delivery, "1").status == .conflict)
        }
    }

    @Test func acceptedGoodsAreStockedInOnceAndRacingIssuesNeverTakeTheBalanceBelowZero() async throws {
        try await withTestApp { app, clock in
            // setup: 59 t accepted (1 t rejected, returned); a store on the project and one on another project.
            let d = try await Pages.desk(app, clock, code: "CK")
            let outsider = try await Fixtures(app: app).token("ck.waibu")
            let (order, line) = try await S.steelOrder(d)
            let delivery = try await Self.delivery(d, order.id, line: line, quantity: "60", accepted: "59", rejected: "1", batch: "HX-CK-1")
            #expect(try await Self.giveBack(d, delivery, "1").status == .created)
            let created = try await Self.newStore(d, "2号楼现场仓库")
            #expect(created.status == .created, "\(created.body.string)")
            let store = try created.decode(Schemas.SiteStore.self)
            let twice = try await Self.newStore(d, "2号楼现场仓库")
            #expect(twice.status == .conflict && P.problemCode(twice) == "site_store_exists")
            let otherProject = try await app.call(.GET, "/api/v1/site-stores?projectId=\(d.project)", headers: .bearer(outsider))
            #expect(otherProject.status == .notFound || otherProject.status == .forbidden, "\(otherProject.status)")
            // MUT: stock-in into a store of the project; again; a store id of no store.
            let stockIn = { (store: String) async throws -> TestingHTTPResponse in
                try await app.call(.POST, "/api/v1/deliveries/\(delivery.id)/stock-in", headers: .bearer(d.staff), json: ["storeId": .s(store)] as J)
            }
            let wrongStore = try await stockIn(UUID().uuidString)
            let first = try await stockIn(store.id)
            let again = try await stockIn(store.id)
            // validate: 59 t in, once; the ledger's line names the delivery.
            #expect(wrongStore.status == .unprocessableEntity && wrongStore.body.string.contains("site_store_not_found"), "\(wrongStore.body.string)")
            #expect(first.status == .ok, "\(first.body.string)")
            let stocked = try first.decode(Schemas.SiteStoreDetail.self)
            #expect(stocked.balances.map(\.balance) == [PurchaseQuantity.format(59_000)] && stocked.movements.map(\.deliveryId) == [delivery.id])
            #expect(again.status == .conflict && P.problemCode(again) == "delivery_already_stocked")
            // MUT: 10 issues of 7 t race for the 59 t.
            let tokens = [d.staff, d.manager, d.gm]
            let statuses = try await withThrowingTaskGroup(of: (HTTPStatus, String).self) { g in
                for i in 0..<10 {
                    g.addTask {
                        let res = try await Self.issue(app, tokens[i % 3], store: store.id, "7", purpose: "3号楼第\(i + 1)层")
                        return (res.status, res.status == .conflict ? P.problemCode(res) : "")
                    }
                }
                var all: [(HTTPStatus, String)] = []
                for try await s in g { all.append(s) }
                return all
            }
            // validate: exactly the 8 the balance covers went out (56 t), the other 2 are 409 stock_insufficient; 3 t left.
            #expect(statuses.filter { $0.0 == .created }.count == 8, "\(statuses)")
            #expect(statuses.filter { $0.0 == .conflict && $0.1 == "stock_insufficient" }.count == 2, "\(statuses)")
            let ledger = try await app.call(.GET, "/api/v1/site-stores/\(store.id)", headers: .bearer(d.staff)).decode(Schemas.SiteStoreDetail.self)
            #expect(ledger.balances.map(\.balance) == [PurchaseQuantity.format(3_000)])
            let outs = ledger.movements.filter { $0.kind == .out }
            #expect(outs.count == 8 && outs.allSatisfy { $0.receivedBy == "张班长" && $0.quantity == PurchaseQuantity.format(7_000) })
            let steps: [Int64] = (1...8).map { Int64(59_000 - 7_000 * $0) }
            let expectedBalances: Set<String> = Set(steps.map { PurchaseQuantity.format($0) })
            let balances: Set<String> = Set(outs.map(\.balance))
            #expect(balances == expectedBalances)
            #expect(try await Fixtures(app: app).auditCount(action: "site_store.issue") == 8)
            // Bad issues change nothing: more than left, a material the store does not hold, no receiver, another project's clerk.
            let more = try await Self.issue(app, d.staff, store: store.id, "3.001")
            #expect(more.status == .conflict && P.problemCode(more) == "stock_insufficient")
            #expect(try await Self.issue(app, d.staff, store: store.id, "1", material: "C30 商品混凝土").body.string.contains("stock_material_not_found"))
            #expect(try await Self.issue(app, d.staff, store: store.id, "1", receivedBy: " ").status == .unprocessableEntity)
            #expect(try await Self.issue(app, outsider, store: store.id, "1").status == .notFound)
            let end = try await app.call(.GET, "/api/v1/site-stores/\(store.id)", headers: .bearer(d.staff)).decode(Schemas.SiteStoreDetail.self)
            #expect(end.balances.map(\.balance) == [PurchaseQuantity.format(3_000)] && end.movements.count == 9)
        }
    }

    @Test func racingStockInsOfOneDeliveryCountItOnce() async throws {
        try await withTestApp { app, clock in
            // setup: 10 t accepted; a store.
            let d = try await Pages.desk(app, clock, code: "CR")
            let (order, line) = try await S.steelOrder(d)
            let delivery = try await Self.delivery(d, order.id, line: line, quantity: "10", accepted: "10", batch: "HX-CR-1")
            let store = try await Self.newStore(d, "现场仓库").decode(Schemas.SiteStore.self)
            // MUT: four stock-ins at once.
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { g in
                for token in [d.staff, d.manager, d.gm, d.staff] {
                    g.addTask { try await app.call(.POST, "/api/v1/deliveries/\(delivery.id)/stock-in", headers: .bearer(token),
                                                   json: ["storeId": .s(store.id)] as J).status }
                }
                var all: [HTTPStatus] = []
                for try await s in g { all.append(s) }
                return all
            }
            // validate: one in, three 409; 10 t in the store.
            #expect(statuses.filter { $0 == .ok }.count == 1 && statuses.filter { $0 == .conflict }.count == 3, "\(statuses)")
            let ledger = try await app.call(.GET, "/api/v1/site-stores/\(store.id)", headers: .bearer(d.staff)).decode(Schemas.SiteStoreDetail.self)
            #expect(ledger.balances.map(\.balance) == [PurchaseQuantity.format(10_000)] && ledger.movements.count == 1)
        }
    }

    @Test func theStorePagesReturnStockInIssueAndExportTheLedger() async throws {
        try await withTestApp { app, clock in
            // setup: 2 t delivered, 1.5 accepted and 0.5 rejected; procurement and the outsider signed in.
            let d = try await Pages.desk(app, clock, code: "CY")
            let (order, line) = try await Pages.approvedOrder(d, supplier: 51)
            let delivery = try await Self.delivery(d, order.uuidString, line: line.uuidString, quantity: "2", accepted: "1.5", rejected: "0.5", batch: "GJ-CY")
            var staff = try await Pages.browser(app, "cy.caigou")
            var outsider = try await Pages.browser(app, "cy.waibu")
            let deliveryPath = "/procurement/deliveries/\(delivery.id)", storesPath = "/procurement/projects/\(d.project)/stores"
            // MUT: a return over what was rejected, then within it; a store; the stock-in.
            let over = try await Pages.post(&staff, from: deliveryPath, to: deliveryPath + "/returns",
                                             ["lineId": delivery.lines[0].id, "quantity": "0.6", "reason": "锈蚀", "returnedOn": d.today.description])
            let back = try await Pages.post(&staff, from: deliveryPath, to: deliveryPath + "/returns",
                                             ["lineId": delivery.lines[0].id, "quantity": "0.5", "reason": "锈蚀", "returnedOn": d.today.description])
            let noName = try await Pages.post(&staff, from: storesPath, to: storesPath, ["name": ""])
            let made = try await Pages.post(&staff, from: storesPath, to: storesPath, ["name": "2号楼现场仓库"])
            let store = try await app.call(.GET, "/api/v1/site-stores?projectId=\(d.project)", headers: .bearer(d.staff))
                .decode(Schemas.SiteStoreList.self).items[0]
            let shown = try await staff.get(deliveryPath)
            let stocked = try await Pages.post(&staff, from: deliveryPath, to: deliveryPath + "/stock-in", ["storeId": store.id])
            // validate
            #expect(over.status == .conflict && over.body.string.contains("尚可退货"), "\(over.status)")
            #expect(back.status == .seeOther && noName.status == .unprocessableEntity && made.status == .seeOther, "\(back.status) \(noName.status) \(made.status)")
            #expect(shown.body.string.contains("pr-returns") && shown.body.string.contains("锈蚀") && shown.body.string.contains("/stock-in"))
            #expect(stocked.status == .seeOther, "\(stocked.status) \(stocked.body.string.suffix(2000))")
            // MUT: an issue over the balance, then within it.
            let storePath = "/procurement/stores/\(store.id)"
            let page = try await staff.get(storePath)
            let balanceID = try await app.db.sql.raw("SELECT id FROM site_store_balances WHERE store_id = \(bind: UUID(uuidString: store.id)!)")
                .first(decoding: IDRow.self)?.id.uuidString ?? ""
            let tooMuch = try await Pages.post(&staff, from: storePath, to: storePath + "/issue",
                                               ["material": balanceID, "quantity": "2", "purpose": "2号楼二层", "receivedBy": "李师傅"])
            let issued = try await Pages.post(&staff, from: storePath, to: storePath + "/issue",
                                              ["material": balanceID, "quantity": "1", "purpose": "2号楼二层", "receivedBy": "李师傅"])
            let after = try await staff.get(storePath)
            let xlsx = try await staff.get(storePath + "/ledger.xlsx")
            // validate: the balance shown, the issue refused then made; the ledger as .xlsx; the outsider sees none of it.
            #expect(page.status == .ok && page.body.string.contains("HRB400") && page.body.string.contains("1.5"), "\(page.body.string.suffix(2000))")
            #expect(tooMuch.status == .conflict && tooMuch.body.string.contains("库存不足"))
            #expect(issued.status == .seeOther && after.body.string.contains("李师傅") && after.body.string.contains("0.5"))
            #expect(xlsx.status == .ok && xlsx.headers.contentType?.description.contains("spreadsheetml") == true && xlsx.body.readableBytes > 1_000)
            for path in [storePath, storePath + "/ledger.xlsx"] { #expect(try await outsider.get(path).status == .notFound, "\(path)") }
            #expect(try await outsider.get(storesPath).status == .notFound)
        }
    }

    /// A delivery names the store it goes into by id: a store of no project (or another one) is refused and nothing is
    /// recorded; the chosen store's name is the delivery's, whatever was typed beside it; the stock-in form defaults to it.
    @Test func aDeliveryForAStoreNamesItAndItsStockInDefaultsToIt() async throws {
        try await withTestApp { app, clock in
            // setup: two stores on the project, an approved steel order.
            let d = try await Pages.desk(app, clock, code: "CD")
            let (order, line) = try await S.steelOrder(d)
            let yard = try await Self.newStore(d, "2号楼钢筋堆场").decode(Schemas.SiteStore.self)
            _ = try await Self.newStore(d, "1号楼仓库").decode(Schemas.SiteStore.self)
            func deliver(_ store: String, batch: String) async throws -> TestingHTTPResponse {
                try await app.call(.POST, "/api/v1/deliveries", headers: .bearer(d.staff), json: [
                    "orderId": .s(order.id), "deliveredOn": .s(d.today.description), "batch": .s(batch), "storeId": .s(store), "store": "随手写的地点",
                    "lines": [["orderLineId": .s(line), "quantity": "10"]]] as J)
            }
            // MUT
            let unknown = try await deliver(UUID().uuidString, batch: "HX-CD-0")
            let recorded = try await deliver(yard.id, batch: "HX-CD-1")
            // validate
            #expect(unknown.status == .unprocessableEntity && unknown.body.string.contains("\"site_store_not_found\""), "\(unknown.body.string)")
            let listed = try await app.call(.GET, "/api/v1/deliveries?projectId=\(d.project)", headers: .bearer(d.staff)).decode(Schemas.DeliveryList.self)
            #expect(listed.items.count == 1)
            #expect(recorded.status == .created, "\(recorded.body.string)")
            let delivery = try recorded.decode(Schemas.Delivery.self)
            #expect(delivery.storeId == yard.id && delivery.store == "2号楼钢筋堆场")
            // The page form offers the stores; once inspected, the stock-in form has the delivery's store chosen.
            var staff = try await Pages.browser(app, "cd.caigou")
            let form = try await staff.get("/procurement/orders/\(order.id)/delivery").body.string
            #expect(form.contains("name=\"storeId\"") && form.contains("1号楼仓库") && form.contains("不入库"))
            #expect(try await app.call(.POST, "/api/v1/deliveries/\(delivery.id)/inspection", headers: .bearer(d.engineer), json: [
                "lines": [["lineId": .s(delivery.lines[0].id), "accepted": "10", "rejected": "0"]]] as J).status == .ok)
            let page = try await staff.get("/procurement/deliveries/\(delivery.id)").body.string
            let stockIn = try #require(page.range(of: "id=\"pr-stock-in\"")).lowerBound
            #expect(page[stockIn...].contains("value=\"\(yard.id)\" selected=\"selected\""), "\(page[stockIn...].prefix(1500))")
        }
    }

    struct IDRow: Decodable { var id: UUID }
}
