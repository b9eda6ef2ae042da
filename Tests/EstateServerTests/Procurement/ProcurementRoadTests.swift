import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Issue 19's acceptance road on both engines: need → plan → tender → award → contract → approval → delivery →
/// inspection → invoice match → payment; and sealed bids: ciphertext at rest, 403 and an audit line before the opening.
@Suite("Procurement: the whole road, sealed bids")
struct ProcurementRoadTests {
    typealias Schemas = Components.Schemas
    typealias P = ProcurementTests

    /// A plan line for 8 lifts (equipment, budget ¥2,400,000), approved by the GM, with three invited lift suppliers and a
    /// tender opening in two hours.
    static func tender(_ d: P.Desk, _ clock: TestClock) async throws -> (tender: Schemas.Tender, suppliers: [String], line: String) {
        let app = d.app
        let need = try await app.call(.POST, "/api/v1/purchase-needs", headers: .bearer(d.engineer), json: [
            "projectId": .s(d.project.uuidString), "department": "engineering", "category": "equipment", "material": "乘客电梯 1000kg",
            "unit": "台", "quantity": "8", "neededOn": .s(d.today.adding(days: 90).description)] as J)
        #expect(need.status == .created, "\(need.body.string)")
        let plan = try await app.call(.POST, "/api/v1/purchase-plans", headers: .bearer(d.staff), json: [
            "projectId": .s(d.project.uuidString), "period": .s(String(d.today.description.prefix(7))),
            "lines": [["category": "equipment", "material": "乘客电梯 1000kg", "unit": "台", "quantity": "8", "budget": "2400000",
                       "needIds": [.s(try need.decode(Schemas.PurchaseNeed.self).id)]]]] as J).decode(Schemas.PurchasePlan.self)
        #expect(try await P.decide(d, try #require(plan.approvalId), by: d.gm).status == .ok)
        var suppliers: [String] = []
        for n in 11...13 { suppliers.append(try await P.supplier(d, n, categories: ["equipment"])) }
        let opens = clock.now.addingTimeInterval(7_200)
        let res = try await app.call(.POST, "/api/v1/tenders", headers: .bearer(d.staff), json: [
            "projectId": .s(d.project.uuidString), "planLineId": .s(plan.lines[0].id), "title": "1号楼电梯采购及安装",
            "opensAt": .s(ISO8601DateFormatter().string(from: opens)), "supplierIds": .a(suppliers.map(J.s))] as J)
        #expect(res.status == .created, "\(res.body.string)")
        return (try res.decode(Schemas.Tender.self), suppliers, plan.lines[0].id)
    }

    @Test func theWholeRoadFromANeedToThePayment() async throws {
        try await withTestApp { app, clock in
            // setup: a second procurement clerk (the opening takes two), finance, two units the lifts go into.
            let d = try await P.desk(app, clock, code: "RD")
            let f = Fixtures(app: app)
            try await f.user("rd.caigou2", roles: [(.procurementStaff, d.project)])
            try await f.user("rd.caiwu", roles: [(.finance, d.project)])
            let staff2 = try await f.token("rd.caigou2"), finance = try await f.token("rd.caiwu")
            let units = try await Inventory(app: app).seed(d.project, floors: 1, rooms: 2)
            // MUT: need → plan (GM) → tender with three sealed bids.
            let (t, suppliers, _) = try await Self.tender(d, clock)
            #expect(t.publicTender, "¥2,400,000 of equipment reaches the ¥2,000,000 public-tender threshold")
            for (s, price) in zip(suppliers, ["268000", "259000", "271500"]) {
                let bid = try await app.call(.POST, "/api/v1/tenders/\(t.id)/bids", headers: .bearer(d.staff),
                                             json: ["supplierId": .s(s), "unitPrice": .s(price), "deliveryDays": 45, "terms": "含安装调试，质保2年"] as J)
                #expect(bid.status == .created, "\(bid.body.string)")
            }
            // The opening: not before its time; then two different clerks.
            let early = try await app.call(.POST, "/api/v1/tenders/\(t.id)/opening", headers: .bearer(d.staff))
            #expect(early.status == .conflict && P.problemCode(early) == "tender_not_due")
            clock.advance(7_200)
            #expect(try await app.call(.POST, "/api/v1/tenders/\(t.id)/opening", headers: .bearer(d.staff)).decode(Schemas.Tender.self).firstOpenerPresent)
            let alone = try await app.call(.POST, "/api/v1/tenders/\(t.id)/opening", headers: .bearer(d.staff))
            #expect(alone.status == .conflict && P.problemCode(alone) == "tender_second_opener_required")
            let opened = try await app.call(.POST, "/api/v1/tenders/\(t.id)/opening", headers: .bearer(staff2)).decode(Schemas.Tender.self)
            #expect(opened.status == .opened)
            // Side by side, cheapest first: award the cheapest with reasons; the contract is filed for the GM (≥ ¥30,000).
            let bids = try await app.call(.GET, "/api/v1/tenders/\(t.id)/bids", headers: .bearer(d.staff)).decode(Schemas.TenderBidList.self).items
            #expect(bids.map(\.unitPrice) == ["259000.00", "268000.00", "271500.00"])
            #expect(bids[0].total == "2072000.00" && bids[0].deliveryDays == 45)
            let awarded = try await app.call(.POST, "/api/v1/tenders/\(t.id)/award", headers: .bearer(d.staff),
                                             json: ["bidId": .s(bids[0].id), "reason": "价格最低，技术标合格，交货期满足工期"] as J)
            #expect(awarded.status == .created, "\(awarded.body.string)")
            let contract = try awarded.decode(Schemas.TenderAwarded.self).order
            #expect(contract.approver == "gm" && contract.total == "2072000.00" && contract.supplierId == bids[0].supplierId && contract.publicTender)
            #expect(try await P.decide(d, try #require(contract.approvalId), by: d.gm).status == .ok)
            let approved = try await app.call(.GET, "/api/v1/purchase-orders/\(contract.id)", headers: .bearer(d.staff)).decode(Schemas.PurchaseOrder.self)
            #expect(approved.status == .approved)
            // Delivery of 8 into the two units, inspection by engineering: 7 accepted, 1 rejected and returned.
            let line = contract.lines[0].id
            let delivered = try await app.call(.POST, "/api/v1/deliveries", headers: .bearer(d.staff), json: [
                "orderId": .s(contract.id), "deliveredOn": .s(CalendarDay(clock.now).description), "batch": "DT-2026-118", "store": "1号楼工地仓库",
                "lines": [["orderLineId": .s(line), "quantity": "8"]],
                "units": [["unitId": .s(units[0].id.uuidString), "component": "equipment"], ["unitId": .s(units[1].id.uuidString), "component": "equipment"]]] as J)
            #expect(delivered.status == .created, "\(delivered.body.string)")
            let delivery = try delivered.decode(Schemas.Delivery.self)
            #expect(delivery.units.count == 2 && delivery.lines[0].onTime)
            let more = try await app.call(.POST, "/api/v1/deliveries", headers: .bearer(d.staff), json: [
                "orderId": .s(contract.id), "deliveredOn": .s(CalendarDay(clock.now).description), "batch": "DT-2026-119",
                "lines": [["orderLineId": .s(line), "quantity": "1"]]] as J)
            #expect(more.status == .conflict && P.problemCode(more) == "delivery_over_order")
            let uneven = try await app.call(.POST, "/api/v1/deliveries/\(delivery.id)/inspection", headers: .bearer(d.engineer), json: [
                "lines": [["lineId": .s(delivery.lines[0].id), "accepted": "7", "rejected": "0"]]] as J)
            #expect(uneven.status == .unprocessableEntity)
            let inspected = try await app.call(.POST, "/api/v1/deliveries/\(delivery.id)/inspection", headers: .bearer(d.engineer), json: [
                "lines": [["lineId": .s(delivery.lines[0].id), "accepted": "7", "rejected": "1", "reason": "轿厢面板划伤", "returned": true]]] as J)
            #expect(inspected.status == .ok, "\(inspected.body.string)")
            #expect(try inspected.decode(Schemas.Delivery.self).lines[0].returned == "1")
            // Invoices: claiming 8 is a mismatch (7 accepted) and waits in the queue; 7 at the contract price matches.
            let wrong = try await app.call(.POST, "/api/v1/invoices", headers: .bearer(d.staff), json: [
                "orderId": .s(contract.id), "number": "51012600001", "invoicedOn": .s(CalendarDay(clock.now).description),
                "lines": [["orderLineId": .s(line), "quantity": "8", "unitPrice": "259000", "amount": "2072000"]]] as J)
            #expect(wrong.status == .created)
            let w = try wrong.decode(Schemas.Invoice.self)
            #expect(w.status == .mismatch && w.problems == ["match_quantity_over_accepted"] && w.payments.isEmpty)
            let queue = try await app.call(.GET, "/api/v1/invoices?projectId=\(d.project)&status=mismatch", headers: .bearer(d.staff))
                .decode(Schemas.InvoiceList.self)
            #expect(queue.items.map(\.id) == [w.id])
            let right = try await app.call(.POST, "/api/v1/invoices", headers: .bearer(d.staff), json: [
                "orderId": .s(contract.id), "number": "51012600002", "invoicedOn": .s(CalendarDay(clock.now).description),
                "lines": [["orderLineId": .s(line), "quantity": "7", "unitPrice": "259000", "amount": "1813000"]]] as J)
            let r = try right.decode(Schemas.Invoice.self)
            // By the standard terms, net of the 30 % prepaid on approval (¥621,600 credited): 质保金 5 % of the invoice a year on,
            // 到货款 the rest 30 days on, to the fen.
            #expect(r.status == .matched && r.payments.map(\.event) == [.invoice, .warranty])
            #expect(r.payments.map(\.amount) == ["1100750.00", "90650.00"] && r.prepaymentCredited == "621600.00")
            // Payment: finance pays once; procurement may not.
            #expect(try await app.call(.POST, "/api/v1/invoices/\(r.id)/payment", headers: .bearer(d.staff)).status == .forbidden)
            let paid = try await app.call(.POST, "/api/v1/invoices/\(r.id)/payment", headers: .bearer(finance))
            #expect(paid.status == .ok, "\(paid.body.string)")
            let p = try paid.decode(Schemas.Invoice.self)
            #expect(p.status == .paid && p.payments.first { $0.event == .invoice }?.status == .paid && p.payments.first { $0.event == .warranty }?.status == .scheduled)
            let again = try await app.call(.POST, "/api/v1/invoices/\(r.id)/payment", headers: .bearer(finance))
            #expect(again.status == .conflict && P.problemCode(again) == "invoice_not_payable")
            // validate: the prepayment was scheduled on approval; every step audited once.
            struct N: Decodable { var n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM purchase_payments WHERE event = 'approval' AND amount_fen = 62160000")
                .first(decoding: N.self)?.n == 1)
            for action in ["purchase_need.create", "purchase_plan.approve", "tender.create", "tender.open", "tender.award", "purchase_order.approve",
                           "delivery.create", "delivery.inspect", "invoice.pay"] {
                #expect(try await f.auditCount(action: action) == 1, "\(action)")
            }
            #expect(try await f.auditCount(action: "tender.bid") == 3)
        }
    }

    @Test func sealedBidsAreCiphertextAndCannotBeReadOrChangedBeforeTheOpening() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await P.desk(app, clock, code: "SB")
            let (t, suppliers, _) = try await Self.tender(d, clock)
            let bid = try await app.call(.POST, "/api/v1/tenders/\(t.id)/bids", headers: .bearer(d.staff),
                                         json: ["supplierId": .s(suppliers[0]), "unitPrice": "263456.78", "deliveryDays": 40, "terms": "分期付款"] as J)
            #expect(bid.status == .created, "\(bid.body.string)")
            // MUT + validate: the stored bytes are ciphertext (no price, no terms), decrypting only with the tender key.
            struct S: Decodable { var sealed: String; var unitPriceFen: Int64?; var totalFen: Int64? }
            let stored = try #require(try await app.db.sql.raw("SELECT sealed, unit_price_fen, total_fen FROM tender_bids")
                .first(decoding: S.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase)))
            #expect(stored.unitPriceFen == nil && stored.totalFen == nil)
            let bytes = try #require(Data(base64Encoded: stored.sealed))
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(!text.contains("26345678") && !text.contains("分期") && !stored.sealed.contains("26345678"))
            #expect(bytes.count >= 12 + 16 + 20, "nonce, tag and a body")
            // Reading before the opening: 403, audited (denied) — for the clerk and for the GM alike.
            for token in [d.staff, d.gm] {
                let read = try await app.call(.GET, "/api/v1/tenders/\(t.id)/bids", headers: .bearer(token))
                #expect(read.status == .forbidden && P.problemCode(read) == "tender_sealed")
            }
            struct A: Decodable { var outcome: String }
            let lines = try await app.db.sql.raw("SELECT outcome FROM audit_log WHERE action = 'tender.read_sealed'").all(decoding: A.self)
            #expect(lines.count == 2 && lines.allSatisfy { $0.outcome == "denied" })
            // Changing it: 403 and logged; a supplier not invited may not bid.
            let change = try await app.call(.POST, "/api/v1/tenders/\(t.id)/bids", headers: .bearer(d.staff),
                                            json: ["supplierId": .s(suppliers[0]), "unitPrice": "200000", "deliveryDays": 40] as J)
            #expect(change.status == .forbidden && P.problemCode(change) == "tender_bid_sealed")
            #expect(try await app.db.sql.raw("SELECT outcome FROM audit_log WHERE action = 'tender.change_sealed'").all(decoding: A.self).map(\.outcome) == ["denied"])
            let outsider = try await P.supplier(d, 19, categories: ["equipment"])
            let uninvited = try await app.call(.POST, "/api/v1/tenders/\(t.id)/bids", headers: .bearer(d.staff),
                                               json: ["supplierId": .s(outsider), "unitPrice": "1", "deliveryDays": 1] as J)
            #expect(uninvited.status == .unprocessableEntity)
            // After the opening by two, the bid reads as it was entered; and no bid comes in any more.
            clock.advance(7_200)
            let other = try await Fixtures(app: app).user("sb.caigou2", roles: [(.procurementStaff, d.project)])
            _ = other
            _ = try await app.call(.POST, "/api/v1/tenders/\(t.id)/opening", headers: .bearer(d.staff))
            let opened = try await app.call(.POST, "/api/v1/tenders/\(t.id)/opening", headers: .bearer(try await Fixtures(app: app).token("sb.caigou2")))
            #expect(opened.status == .ok, "\(opened.body.string)")
            let bids = try await app.call(.GET, "/api/v1/tenders/\(t.id)/bids", headers: .bearer(d.staff)).decode(Schemas.TenderBidList.self).items
            #expect(bids.count == 1 && bids[0].unitPrice == "263456.78" && bids[0].terms == "分期付款" && bids[0].total == "2107654.24")
            let late = try await app.call(.POST, "/api/v1/tenders/\(t.id)/bids", headers: .bearer(d.staff),
                                          json: ["supplierId": .s(suppliers[1]), "unitPrice": "1", "deliveryDays": 1] as J)
            #expect(late.status == .conflict && P.problemCode(late) == "tender_closed_for_bids")
        }
    }

    @Test func twoAwardsAtOnceFileOneOrder() async throws {
        try await withTestApp { app, clock in
            // setup: an opened tender with three bids, two clerks.
            let d = try await P.desk(app, clock, code: "AW")
            try await Fixtures(app: app).user("aw.caigou2", roles: [(.procurementStaff, d.project)])
            let staff2 = try await Fixtures(app: app).token("aw.caigou2")
            let (t, suppliers, _) = try await Self.tender(d, clock)
            for (s, price) in zip(suppliers, ["268000", "259000", "271500"]) {
                #expect(try await app.call(.POST, "/api/v1/tenders/\(t.id)/bids", headers: .bearer(d.staff),
                                           json: ["supplierId": .s(s), "unitPrice": .s(price), "deliveryDays": 45] as J).status == .created)
            }
            clock.advance(7_200)
            _ = try await app.call(.POST, "/api/v1/tenders/\(t.id)/opening", headers: .bearer(d.staff))
            #expect(try await app.call(.POST, "/api/v1/tenders/\(t.id)/opening", headers: .bearer(staff2)).status == .ok)
            let bids = try await app.call(.GET, "/api/v1/tenders/\(t.id)/bids", headers: .bearer(d.staff)).decode(Schemas.TenderBidList.self).items
            // MUT: each clerk awards a different bid at the same instant, four times over.
            let statuses = try await withThrowingTaskGroup(of: (HTTPStatus, String?).self) { group in
                for i in 0..<4 {
                    group.addTask {
                        let r = try await app.call(.POST, "/api/v1/tenders/\(t.id)/award", headers: .bearer(i % 2 == 0 ? d.staff : staff2),
                                                   json: ["bidId": .s(bids[i % 3].id), "reason": .s("并发定标 \(i)")] as J)
                        return (r.status, P.problemCode(r))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // validate: one award, three refusals naming the rule; one order filed, one approval, one budget reservation.
            #expect(statuses.filter { $0.0 == .created }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0.0 == .conflict && $0.1 == "tender_already_awarded" }.count == 3, "\(statuses)")
            struct N: Decodable { var n: Int }
            func count(_ sql: SQLQueryString) async throws -> Int { try await app.db.sql.raw(sql).first(decoding: N.self)?.n ?? -1 }
            #expect(try await count("SELECT COUNT(*) AS n FROM purchase_orders WHERE project_id = \(bind: d.project)") == 1)
            #expect(try await count("SELECT COUNT(*) AS n FROM approvals WHERE subject_type = 'purchase_order'") == 1)
            struct O: Decodable { var total_fen: Int64; var ordered_fen: Int64; var order_id: UUID? }
            let row = try #require(try await app.db.sql.raw("""
                SELECT o.total_fen, l.ordered_fen, t.order_id FROM tenders t JOIN purchase_orders o ON o.id = t.order_id
                JOIN purchase_plan_lines l ON l.id = t.plan_line_id WHERE t.id = \(bind: UUID(uuidString: t.id)!)
                """).first(decoding: O.self))
            #expect(row.ordered_fen == row.total_fen, "the budget line holds exactly the one order")
            #expect(try await Fixtures(app: app).auditCount(action: "tender.award") == 1)
            #expect(try await Fixtures(app: app).auditCount(action: "purchase_order.create") == 1)
        }
    }
}
