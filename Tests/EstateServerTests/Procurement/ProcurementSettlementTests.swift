import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// 结算 after the review (issue 19): invoices scheduled net of the order's prepayment, never more than the order.
@Suite("Procurement: settlement net of the prepayment")
struct ProcurementSettlementTests {
    typealias Schemas = Components.Schemas
    typealias P = ProcurementTests

    /// The demo's steel order on a fresh desk: 60 t × ¥4,050 (¥243,000) to a qualified supplier, approved by the GM
    /// (the prepayment of ¥72,900 scheduled), delivered in full; returns the order and its line.
    static func steelOrder(_ d: P.Desk, supplier n: Int = 21) async throws -> (order: Schemas.PurchaseOrder, line: String) {
        let supplier = try await P.supplier(d, n)
        let plan = try await P.approvedPlan(d, budget: "300000")
        let created = try await P.order(d, supplier: supplier, plan: plan, quantity: "60", price: "4050")
        #expect(created.status == .created, "\(created.body.string)")
        let order = try created.decode(Schemas.PurchaseOrder.self)
        #expect(try await P.decide(d, try #require(order.approvalId), by: d.gm).status == .ok)
        return (order, order.lines[0].id)
    }

    static func deliver(_ d: P.Desk, _ order: String, line: String, quantity: String, accepted: String, rejected: String,
                        batch: String) async throws {
        let res = try await d.app.call(.POST, "/api/v1/deliveries", headers: .bearer(d.staff), json: [
            "orderId": .s(order), "deliveredOn": .s(d.today.description), "batch": .s(batch),
            "lines": [["orderLineId": .s(line), "quantity": .s(quantity)]]] as J)
        #expect(res.status == .created, "\(res.body.string)")
        let delivery = try res.decode(Schemas.Delivery.self)
        let inspected = try await d.app.call(.POST, "/api/v1/deliveries/\(delivery.id)/inspection", headers: .bearer(d.engineer), json: [
            "lines": [["lineId": .s(delivery.lines[0].id), "accepted": .s(accepted), "rejected": .s(rejected),
                       "reason": .s(rejected == "0" ? "" : "一捆钢筋锈蚀"), "returned": .b(rejected != "0")]]] as J)
        #expect(inspected.status == .ok, "\(inspected.body.string)")
    }

    static func invoice(_ d: P.Desk, _ order: String, line: String, number: String, quantity: String, price: String = "4050",
                        amount: String) async throws -> Schemas.Invoice {
        let res = try await d.app.call(.POST, "/api/v1/invoices", headers: .bearer(d.staff), json: [
            "orderId": .s(order), "number": .s(number), "invoicedOn": .s(d.today.description),
            "lines": [["orderLineId": .s(line), "quantity": .s(quantity), "unitPrice": .s(price), "amount": .s(amount)]]] as J)
        #expect(res.status == .created, "\(res.body.string)")
        return try res.decode(Schemas.Invoice.self)
    }

    /// The pages' desk (finance `<code>.caiwu` on its project); returns it and finance's token.
    static func withFinance(_ app: Application, _ clock: TestClock, code: String) async throws -> (P.Desk, String) {
        let d = try await ProcurementPageTests.desk(app, clock, code: code)
        return (d, try await Fixtures(app: app).token("\(code.lowercased()).caiwu"))
    }

    static func scheduledFen(_ app: Application, order: String) async throws -> Int64 {
        struct N: Decodable { var n: Int64? }
        return try await app.db.sql.raw("""
            SELECT CAST(SUM(amount_fen) AS BIGINT) AS n FROM purchase_payments WHERE order_id = \(bind: UUID(uuidString: order)!)
            """).first(decoding: N.self)?.n ?? 0
    }

    @Test func theDemoSteelOrderIsScheduledToItsAmountExactly() async throws {
        try await withTestApp { app, clock in
            // setup: 60 t delivered, 59 accepted and 1 returned; finance.
            let (d, finance) = try await Self.withFinance(app, clock, code: "SE")
            let (order, line) = try await Self.steelOrder(d)
            try await Self.deliver(d, order.id, line: line, quantity: "60", accepted: "59", rejected: "1", batch: "HX-2026-0412")
            #expect(try await Self.scheduledFen(app, order: order.id) == 7_290_000)
            // MUT: the 59 t invoice (was: ¥238,950 spread on top of the ¥72,900 prepaid = ¥311,850 for a ¥243,000 order).
            let first = try await Self.invoice(d, order.id, line: line, number: "51012611001", quantity: "59", amount: "238950")
            // validate: 质保金 5 % of it, the prepayment credited, 到货款 the rest; within the order.
            #expect(first.status == .matched && first.prepaymentCredited == "72900.00" && first.uncovered == "0.00")
            #expect(first.payments.map(\.amount) == ["154102.50", "11947.50"])
            #expect(try await Self.scheduledFen(app, order: order.id) == 23_895_000)
            // MUT: the replacement tonne arrives, is accepted and invoiced.
            try await Self.deliver(d, order.id, line: line, quantity: "1", accepted: "1", rejected: "0", batch: "HX-2026-0413")
            let second = try await Self.invoice(d, order.id, line: line, number: "51012611003", quantity: "1", amount: "4050")
            // validate: the order is scheduled to the fen: ¥72,900 + ¥165,050 + ¥4,050 = ¥243,000; both paid once by finance.
            #expect(second.status == .matched && second.prepaymentCredited == "0.00" && second.payments.map(\.amount) == ["3847.50", "202.50"])
            #expect(try await Self.scheduledFen(app, order: order.id) == 24_300_000)
            for i in [first, second] {
                let paid = try await app.call(.POST, "/api/v1/invoices/\(i.id)/payment", headers: .bearer(finance))
                #expect(paid.status == .ok, "\(paid.body.string)")
            }
            #expect(try await Self.scheduledFen(app, order: order.id) == 24_300_000)
        }
    }

    @Test func anInvoiceTheprepaymentWhollyCoversIsPaidWithNothingMoreDue() async throws {
        try await withTestApp { app, clock in
            // setup: the steel order; 10 t accepted; finance.
            let (d, finance) = try await Self.withFinance(app, clock, code: "SP")
            let (order, line) = try await Self.steelOrder(d)
            try await Self.deliver(d, order.id, line: line, quantity: "10", accepted: "10", rejected: "0", batch: "HX-1")
            // MUT: ¥40,500 invoiced against ¥72,900 prepaid.
            let i = try await Self.invoice(d, order.id, line: line, number: "5101260001", quantity: "10", amount: "40500")
            // validate: only its 质保金 is scheduled (¥2,025); ¥38,475 of the prepayment credited; paying it changes its status,
            // pays nothing, and only once.
            #expect(i.status == .matched && i.prepaymentCredited == "38475.00" && i.payments.map(\.event) == [.warranty])
            #expect(i.payments.map(\.amount) == ["2025.00"])
            let paid = try await app.call(.POST, "/api/v1/invoices/\(i.id)/payment", headers: .bearer(finance))
            #expect(paid.status == .ok, "\(paid.body.string)")
            #expect(try paid.decode(Schemas.Invoice.self).status == .paid)
            let again = try await app.call(.POST, "/api/v1/invoices/\(i.id)/payment", headers: .bearer(finance))
            #expect(again.status == .conflict && P.problemCode(again) == "invoice_not_payable")
            #expect(try await Self.scheduledFen(app, order: order.id) == 7_290_000 + 202_500)
        }
    }

    static func resolve(_ d: P.Desk, _ invoice: String, _ op: String, token: String, reason: String) async throws -> TestingHTTPResponse {
        try await d.app.call(.POST, "/api/v1/invoices/\(invoice)/\(op)", headers: .bearer(token), json: ["reason": .s(reason)] as J)
    }

    @Test func aMismatchIsRejectedReplacedOrAcceptedByTheManagerWithAReasonAndNeverScheduledBeyondTheOrder() async throws {
        try await withTestApp { app, clock in
            // setup: the steel order, all 60 t accepted; three invoices billing ¥4,100 a tonne (the order: ¥4,050) — mismatches.
            let d = try await P.desk(app, clock, code: "MQ")
            let (order, line) = try await Self.steelOrder(d)
            try await Self.deliver(d, order.id, line: line, quantity: "60", accepted: "60", rejected: "0", batch: "HX-7")
            let b = try await Self.invoice(d, order.id, line: line, number: "MQ-B", quantity: "10", price: "4100", amount: "41000")
            let c = try await Self.invoice(d, order.id, line: line, number: "MQ-C", quantity: "20", price: "4100", amount: "82000")
            #expect(b.status == .mismatch && c.status == .mismatch && b.problems == ["match_price_over_order"])
            // MUT: rejected back to the supplier — a reason is required; then it is out of the queue for good.
            let noReason = try await Self.resolve(d, b.id, "rejection", token: d.staff, reason: "")
            let rejected = try await Self.resolve(d, b.id, "rejection", token: d.staff, reason: "单价与合同不符，退回重开")
            let twice = try await Self.resolve(d, b.id, "rejection", token: d.staff, reason: "再次退回")
            // validate
            #expect(noReason.status == .unprocessableEntity)
            #expect(noReason.body.string.contains("reason"), "\(noReason.body.string)")
            let r = try rejected.decode(Schemas.Invoice.self)
            #expect(r.status == .rejected && r.payments.isEmpty && r.resolution?.outcome == .rejected && r.resolution?.reason == "单价与合同不符，退回重开")
            #expect(twice.status == .conflict && P.problemCode(twice) == "invoice_not_in_queue")
            // MUT: a corrected invoice replaces C (at the order's price): the new one matches; the old is replaced, linked to it.
            let replaced = try await app.call(.POST, "/api/v1/invoices/\(c.id)/replacement", headers: .bearer(d.staff), json: [
                "number": "MQ-C2", "invoicedOn": .s(d.today.description), "reason": "红字发票 MQ-C-R 冲销后按合同价重开",
                "lines": [["orderLineId": .s(line), "quantity": "20", "unitPrice": "4050", "amount": "81000"]]] as J)
            #expect(replaced.status == .created, "\(replaced.body.string)")
            let c2 = try replaced.decode(Schemas.Invoice.self)
            let old = try await app.call(.GET, "/api/v1/invoices/\(c.id)", headers: .bearer(d.staff)).decode(Schemas.Invoice.self)
            #expect(c2.status == .matched && c2.prepaymentCredited == "72900.00")
            #expect(old.status == .replaced && old.resolution?.replacedBy == c2.id && old.payments.isEmpty)
            let again = try await app.call(.POST, "/api/v1/invoices/\(c.id)/replacement", headers: .bearer(d.staff), json: [
                "number": "MQ-C3", "invoicedOn": .s(d.today.description), "reason": "重复",
                "lines": [["orderLineId": .s(line), "quantity": "1", "unitPrice": "4050", "amount": "4050"]]] as J)
            #expect(again.status == .conflict && P.problemCode(again) == "invoice_not_in_queue")
            // MUT: the last 40 t billed at ¥4,100 (¥164,000; ¥162,000 of the order remains): only the manager accepts, with a reason.
            let a = try await Self.invoice(d, order.id, line: line, number: "MQ-A", quantity: "40", price: "4100", amount: "164000")
            #expect(a.status == .mismatch, "the rejected B's 10 t are free again; the replaced C's are not counted twice")
            let byStaff = try await Self.resolve(d, a.id, "acceptance", token: d.staff, reason: "同意")
            let accepted = try await Self.resolve(d, a.id, "acceptance", token: d.manager, reason: "钢材调价函已确认，差价由项目承担")
            // validate: staff are refused; the accepted invoice is scheduled only up to the order and is payable.
            #expect(byStaff.status == .forbidden)
            let acc = try accepted.decode(Schemas.Invoice.self)
            #expect(acc.status == .accepted && acc.uncovered == "2000.00" && acc.prepaymentCredited == "0.00")
            #expect(acc.payments.map(\.amount) == ["153900.00", "8100.00"])
            #expect(try await Self.scheduledFen(app, order: order.id) == 24_300_000, "never more than the order's ¥243,000")
            let f = Fixtures(app: app)
            for action in ["invoice.reject", "invoice.replace", "invoice.accept"] { #expect(try await f.auditCount(action: action) == 1, "\(action)") }
            let queue = try await app.call(.GET, "/api/v1/invoices?projectId=\(d.project)&status=mismatch", headers: .bearer(d.staff))
                .decode(Schemas.InvoiceList.self)
            #expect(queue.items.isEmpty)
        }
    }

    @Test func acceptingAndRejectingTheSameMismatchAtOnceResolvesItOnce() async throws {
        try await withTestApp { app, clock in
            // setup: one mismatched invoice.
            let d = try await P.desk(app, clock, code: "MR")
            let (order, line) = try await Self.steelOrder(d)
            try await Self.deliver(d, order.id, line: line, quantity: "10", accepted: "10", rejected: "0", batch: "HX-8")
            let inv = try await Self.invoice(d, order.id, line: line, number: "MR-1", quantity: "10", price: "4100", amount: "41000")
            // MUT: the manager accepts twice and the clerk rejects twice, all at once.
            let statuses = try await withThrowingTaskGroup(of: (HTTPStatus, String).self) { group in
                for i in 0..<4 {
                    group.addTask {
                        let r = try await Self.resolve(d, inv.id, i % 2 == 0 ? "acceptance" : "rejection", token: i % 2 == 0 ? d.manager : d.staff,
                                                       reason: "并发处理 \(i)")
                        return (r.status, P.problemCode(r))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // validate: one resolution, three 409s; at most one schedule; one audit line.
            #expect(statuses.filter { $0.0 == .ok }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0.0 == .conflict && $0.1 == "invoice_not_in_queue" }.count == 3, "\(statuses)")
            struct N: Decodable { var n: Int }
            let rows = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM purchase_invoice_resolutions").first(decoding: N.self)?.n
            let settled = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM purchase_invoice_settlements").first(decoding: N.self)?.n
            #expect(rows == 1 && (settled ?? 9) <= 1)
            let f = Fixtures(app: app)
            #expect(try await f.auditCount(action: "invoice.accept") + f.auditCount(action: "invoice.reject") == 1)
        }
    }
}
