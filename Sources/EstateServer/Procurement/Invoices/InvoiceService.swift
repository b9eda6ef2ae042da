import EstateCore
import Foundation
import SQLKit

/// 结算: a supplier's invoice against an approved order, matched three ways per line (`ThreeWayMatch`: the order's
/// quantity and price, the quantity accepted at inspection less what earlier invoices claimed). A matched invoice
/// schedules its payments by the order's terms (到货款 and 质保金 shares of the invoice); a mismatch waits in the queue
/// with every reason named. Finance pays what is due, once. The order's prepayment (预付款) is scheduled on approval.
public struct InvoiceService: Sendable {
    let store: Store
    let now: @Sendable () -> Date

    public struct Invoice: Decodable, Sendable {
        public var id: UUID
        public var projectId: UUID
        public var orderId: UUID
        public var supplierId: UUID
        public var number: String
        public var invoicedOn: String
        public var totalFen: Int64
        public var status: String
        public var problems: String
        public var createdAt: Date

        public var problemCodes: [String] { problems.split(separator: ",").map(String.init) }
    }

    public struct Line: Decodable, Sendable {
        public var id: UUID
        public var invoiceId: UUID
        public var orderLineId: UUID
        public var quantityMilli: Int64
        public var unitPriceFen: Int64
        public var amountFen: Int64
        public var problems: String
    }

    public struct Payment: Decodable, Sendable {
        public var id: UUID
        public var orderId: UUID
        public var invoiceId: UUID?
        public var event: String
        public var amountFen: Int64
        public var dueOn: String
        public var status: String
        public var paidAt: Date?
    }

    public struct NewLine: Sendable {
        public var orderLineID: UUID
        public var quantity: String
        public var unitPrice: String
        public var amount: String
    }

    var decoder: SQLRowDecoder { SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase) }

    public func record(orderID: UUID, number: String, invoicedOn: String, lines: [NewLine], tolerance: MatchTolerance = .standard,
                       by actor: UUID?, context: AuditContext) async throws -> Invoice {
        let orders = PurchaseOrderService(store: store, now: now)
        let order = try await orders.order(orderID)
        guard order.status == "approved" else { throw Problem.conflict("purchase_order_not_approved", ["status": order.status]) }
        let orderLines = Dictionary(uniqueKeysWithValues: try await orders.lines(orderID).map { ($0.id, $0) })
        var bad: [Problem.FieldError] = []
        let number = number.trimmingCharacters(in: .whitespaces)
        if !Text.isCleanLine(number, maxLength: 40) { bad.append(.init(field: "number", code: "text_invalid")) }
        let day = CalendarDay(invoicedOn)
        if day == nil { bad.append(.init(field: "invoicedOn", code: "date_invalid")) }
        if lines.isEmpty || lines.count > 100 { bad.append(.init(field: "lines", code: "order_lines_required")) }
        var parsed: [(PurchaseOrderService.Line, Int64, Money, Money)] = []
        for (i, l) in lines.enumerated() {
            guard let ol = orderLines[l.orderLineID] else { bad.append(.init(field: "lines[\(i)].orderLineId", code: "order_line_not_found")); continue }
            let q = PurchaseQuantity.parse(l.quantity), p = Money(yuanText: l.unitPrice), a = Money(yuanText: l.amount)
            if q == nil || q == 0 { bad.append(.init(field: "lines[\(i)].quantity", code: "quantity_invalid")) }
            if p == nil || p!.fen < 0 || p! > Money.maxUnitPrice { bad.append(.init(field: "lines[\(i)].unitPrice", code: "amount_invalid")) }
            if a == nil || a!.fen < 0 || a! > Money.maxTotal { bad.append(.init(field: "lines[\(i)].amount", code: "amount_invalid")) }
            if let q, let p, let a { parsed.append((ol, q, p, a)) }
        }
        if Set(parsed.map(\.0.id)).count != parsed.count { bad.append(.init(field: "lines", code: "order_line_repeated")) }
        if !bad.isEmpty { throw Problem.invalid(bad) }
        let id = UUID(), at = now(), invoiced = day!, checked = parsed, postgres = store.engine == .postgres
        let total = parsed.reduce(Money.zero) { $0 + $1.3 }
        let terms = order.terms
        return try await store.audited(context) { tx -> (Invoice, AuditEntry) in
            struct I: Decodable { var id: UUID }
            if postgres { _ = try await tx.sql.raw("SELECT id FROM purchase_orders WHERE id = \(bind: orderID) FOR UPDATE").all(decoding: I.self) }
            if try await tx.sql.raw("SELECT id FROM purchase_invoices WHERE supplier_id = \(bind: order.supplierId) AND number = \(bind: number)")
                .first(decoding: I.self) != nil { throw Problem.conflict("invoice_exists") }
            let accepted = try await DeliveryService.accepted(orderID: orderID, sql: tx.sql)
            // What earlier invoices (matched or paid) already claimed of each line.
            struct C: Decodable { var orderLineId: UUID; var n: Int64? }
            let claimed = Dictionary(try await tx.sql.raw("""
                SELECT l.order_line_id, CAST(SUM(l.quantity_milli) AS BIGINT) AS n FROM purchase_invoice_lines l
                JOIN purchase_invoices i ON i.id = l.invoice_id WHERE i.order_id = \(bind: orderID) AND i.status <> 'mismatch' GROUP BY l.order_line_id
                """).all(decoding: C.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase)).map { ($0.orderLineId, $0.n ?? 0) },
                uniquingKeysWith: +)
            var all: [MatchProblem] = []
            var lineProblems: [(PurchaseOrderService.Line, Int64, Money, Money, [MatchProblem])] = []
            for (ol, q, p, a) in checked {
                let m = MatchLine(orderedMilli: ol.quantityMilli - (claimed[ol.id] ?? 0), orderPrice: Money(fen: ol.unitPriceFen),
                                  acceptedMilli: (accepted[ol.id] ?? 0) - (claimed[ol.id] ?? 0), invoicedMilli: q, invoicedPrice: p, invoicedAmount: a)
                let problems = ThreeWayMatch.problems(m, tolerance: tolerance)
                all.append(contentsOf: problems)
                lineProblems.append((ol, q, p, a, problems))
            }
            let codes = MatchProblem.allCases.filter(all.contains).map(\.rawValue)
            let status = codes.isEmpty ? "matched" : "mismatch"
            try await tx.sql.raw("""
                INSERT INTO purchase_invoices (id, project_id, order_id, supplier_id, number, invoiced_on, total_fen, status, problems, created_by, created_at)
                VALUES (\(bind: id), \(bind: order.projectId), \(bind: orderID), \(bind: order.supplierId), \(bind: number), \(bind: invoiced.description),
                \(bind: total.fen), \(bind: status), \(bind: codes.joined(separator: ",")), \(bind: actor), \(bind: at))
                """).run()
            for (ol, q, p, a, problems) in lineProblems {
                try await tx.sql.raw("""
                    INSERT INTO purchase_invoice_lines (id, invoice_id, order_line_id, quantity_milli, unit_price_fen, amount_fen, problems)
                    VALUES (\(bind: UUID()), \(bind: id), \(bind: ol.id), \(bind: q), \(bind: p.fen), \(bind: a.fen),
                    \(bind: problems.map(\.rawValue).joined(separator: ",")))
                    """).run()
            }
            if status == "matched" {
                try await Self.schedule(invoiceID: id, order: order, terms: terms, amount: total, on: CalendarDay(at), tx: tx.sql)
            }
            let inv = Invoice(id: id, projectId: order.projectId, orderId: orderID, supplierId: order.supplierId, number: number,
                              invoicedOn: invoiced.description, totalFen: total.fen, status: status, problems: codes.joined(separator: ","), createdAt: at)
            return (inv, AuditEntry(action: "invoice.create", entity: "purchase_invoice", entityID: id.uuidString, projectID: order.projectId,
                                    summary: "发票 \(number)：\(order.number) \(total) \(status)",
                                    after: ["number": number, "total": total.plain, "status": status]))
        }
    }

    /// The invoice's share of the order's terms after the approval instalment: each invoice / warranty term's share of
    /// `amount`, due its days after `day`; the last takes the rounding.
    static func schedule(invoiceID: UUID, order: PurchaseOrderService.Order, terms: [PaymentTerm], amount: Money, on day: CalendarDay,
                         tx: any SQLDatabase) async throws {
        let later = terms.filter { $0.event != .approval }
        let shares = later.reduce(0) { $0 + $1.permyriad }
        guard shares > 0 else { return }
        var left = amount
        for (i, t) in later.enumerated() {
            let part = i == later.count - 1 ? left : amount.scaled(by: Int64(t.permyriad), over: Int64(shares))
            left -= part
            try await tx.raw("""
                INSERT INTO purchase_payments (id, project_id, order_id, invoice_id, event, amount_fen, due_on, status)
                VALUES (\(bind: UUID()), \(bind: order.projectId), \(bind: order.id), \(bind: invoiceID), \(bind: t.event.rawValue), \(bind: part.fen),
                \(bind: day.adding(days: t.days).description), 'scheduled')
                """).run()
        }
    }

    /// The prepayment (预付款) instalments of an order, scheduled in its approval.
    static func scheduleApproval(order: PurchaseOrderService.Order, on day: CalendarDay, tx: any SQLDatabase) async throws {
        for t in order.terms where t.event == .approval {
            try await tx.raw("""
                INSERT INTO purchase_payments (id, project_id, order_id, event, amount_fen, due_on, status)
                VALUES (\(bind: UUID()), \(bind: order.projectId), \(bind: order.id), 'approval',
                \(bind: Money(fen: order.totalFen).scaled(by: Int64(t.permyriad), over: 10_000).fen), \(bind: day.adding(days: t.days).description), 'scheduled')
                """).run()
        }
    }

    public func invoice(_ id: UUID) async throws -> Invoice {
        guard let i = try await store.sql.raw("SELECT * FROM purchase_invoices WHERE id = \(bind: id)").first(decoding: Invoice.self, with: decoder)
        else { throw Problem.notFound }
        return i
    }

    public func lines(_ invoiceID: UUID) async throws -> [Line] {
        try await store.sql.raw("SELECT * FROM purchase_invoice_lines WHERE invoice_id = \(bind: invoiceID) ORDER BY id").all(decoding: Line.self, with: decoder)
    }

    public func invoices(projectID: UUID, status: String? = nil) async throws -> [Invoice] {
        var q: SQLQueryString = "SELECT * FROM purchase_invoices WHERE project_id = \(bind: projectID)"
        if let status { q = q + " AND status = \(bind: status)" }
        return try await store.sql.raw(q + " ORDER BY created_at DESC, id LIMIT 500").all(decoding: Invoice.self, with: decoder)
    }

    public func payments(orderID: UUID) async throws -> [Payment] {
        try await store.sql.raw("SELECT * FROM purchase_payments WHERE order_id = \(bind: orderID) ORDER BY due_on, event, id")
            .all(decoding: Payment.self, with: decoder)
    }

    /// Finance pays the invoice's instalments that are due today (到货款; 质保金 waits for its day), once: the invoice is
    /// then paid. A second call, or racing calls, pay nothing more (409).
    public func pay(_ id: UUID, by actor: UUID?, context: AuditContext) async throws -> [Payment] {
        let inv = try await invoice(id)
        guard inv.status == "matched" else { throw Problem.conflict("invoice_not_payable", ["status": inv.status]) }
        let at = now(), today = CalendarDay(at).description
        try await store.audited(context) { tx -> ((), AuditEntry) in
            struct R: Decodable { var amountFen: Int64 }
            let paid = try await tx.sql.raw("""
                UPDATE purchase_payments SET status = 'paid', paid_at = \(bind: at), paid_by = \(bind: actor)
                WHERE invoice_id = \(bind: id) AND status = 'scheduled' AND event = 'invoice' RETURNING amount_fen
                """).all(decoding: R.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))
            guard !paid.isEmpty else { throw Problem.conflict("invoice_not_payable", ["status": "paid"]) }
            struct I: Decodable { var id: UUID }
            _ = try await tx.sql.raw("UPDATE purchase_invoices SET status = 'paid' WHERE id = \(bind: id) AND status = 'matched' RETURNING id")
                .all(decoding: I.self)
            let sum = Money(fen: paid.reduce(Int64(0)) { $0 + $1.amountFen })
            return ((), AuditEntry(action: "invoice.pay", entity: "purchase_invoice", entityID: id.uuidString, projectID: inv.projectId,
                                   summary: "付款 \(inv.number)：\(sum) (\(today))", before: ["status": "matched"],
                                   after: ["status": "paid", "amount": sum.plain]))
        }
        return try await payments(orderID: inv.orderId).filter { $0.invoiceId == id }
    }
}
