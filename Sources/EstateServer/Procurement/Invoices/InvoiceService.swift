import EstateCore
import Foundation
import SQLKit

/// 结算: a supplier's invoice against an approved order, matched three ways per line (`ThreeWayMatch`: the order's
/// quantity and price, the quantity accepted at inspection less what earlier invoices claimed). A matched invoice
/// schedules its payments by the order's terms net of the prepayment (`InvoiceInstalments`: 质保金 retained, the
/// prepayment credited, the rest 到货款), never more than the order's amount in all; a mismatch waits in the queue
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

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    public func record(orderID: UUID, number: String, invoicedOn: String, lines: [NewLine], tolerance: MatchTolerance = .standard,
                       by actor: UUID?, context: AuditContext) async throws -> Invoice {
        let draft = try await validate(orderID: orderID, number: number, invoicedOn: invoicedOn, lines: lines)
        let postgres = store.engine == .postgres
        return try await store.audited(context) { tx -> (Invoice, AuditEntry) in
            if postgres { try await Self.lockOrder(orderID, tx: tx.sql) }
            let inv = try await Self.insert(draft, tolerance: tolerance, by: actor, at: now(), tx: tx.sql)
            return (inv, AuditEntry(action: "invoice.create", entity: "purchase_invoice", entityID: inv.id.uuidString, projectID: inv.projectId,
                                    summary: "发票 \(inv.number)：\(draft.order.number) \(Money(fen: inv.totalFen)) \(inv.status)",
                                    after: ["number": inv.number, "total": Money(fen: inv.totalFen).plain, "status": inv.status]))
        }
    }

    /// An invoice checked against its order, before it is matched and written.
    struct Draft: Sendable {
        var order: PurchaseOrderService.Order
        var number: String
        var invoicedOn: CalendarDay
        var lines: [(PurchaseOrderService.Line, Int64, Money, Money)]
    }

    func validate(orderID: UUID, number: String, invoicedOn: String, lines: [NewLine]) async throws -> Draft {
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
        return Draft(order: order, number: number, invoicedOn: day!, lines: parsed)
    }

    static func lockOrder(_ orderID: UUID, tx: any SQLDatabase) async throws {
        struct I: Decodable { var id: UUID }
        _ = try await tx.raw("SELECT id FROM purchase_orders WHERE id = \(bind: orderID) FOR UPDATE").all(decoding: I.self)
    }

    /// The statuses whose invoices count: what they claimed of the order's lines is no longer there to invoice.
    static let counting = "('matched', 'accepted', 'paid')"

    /// Matches `draft` three ways, writes it with its lines, and schedules it when it matches. The caller holds the order.
    static func insert(_ draft: Draft, tolerance: MatchTolerance, by actor: UUID?, at: Date, tx: any SQLDatabase) async throws -> Invoice {
        let order = draft.order, orderID = order.id, number = draft.number
        struct I: Decodable { var id: UUID }
        if try await tx.raw("SELECT id FROM purchase_invoices WHERE supplier_id = \(bind: order.supplierId) AND number = \(bind: number)")
            .first(decoding: I.self) != nil { throw Problem.conflict("invoice_exists") }
        let accepted = try await DeliveryService.accepted(orderID: orderID, sql: tx)
        // What earlier invoices (matched, accepted or paid) already claimed of each line.
        struct C: Decodable { var orderLineId: UUID; var n: Int64? }
        let claimed = Dictionary(try await tx.raw("""
            SELECT l.order_line_id, CAST(SUM(l.quantity_milli) AS BIGINT) AS n FROM purchase_invoice_lines l
            JOIN purchase_invoices i ON i.id = l.invoice_id WHERE i.order_id = \(bind: orderID) AND i.status IN \(unsafeRaw: counting)
            GROUP BY l.order_line_id
            """).all(decoding: C.self, with: SQLRowDecoder.snakeCase).map { ($0.orderLineId, $0.n ?? 0) },
            uniquingKeysWith: +)
        var all: [MatchProblem] = []
        var lineProblems: [(PurchaseOrderService.Line, Int64, Money, Money, [MatchProblem])] = []
        for (ol, q, p, a) in draft.lines {
            let m = MatchLine(orderedMilli: ol.quantityMilli - (claimed[ol.id] ?? 0), orderPrice: Money(fen: ol.unitPriceFen),
                              acceptedMilli: (accepted[ol.id] ?? 0) - (claimed[ol.id] ?? 0), invoicedMilli: q, invoicedPrice: p, invoicedAmount: a)
            let problems = ThreeWayMatch.problems(m, tolerance: tolerance)
            all.append(contentsOf: problems)
            lineProblems.append((ol, q, p, a, problems))
        }
        let codes = MatchProblem.allCases.filter(all.contains).map(\.rawValue)
        let status = codes.isEmpty ? "matched" : "mismatch"
        let id = UUID(), total = draft.lines.reduce(Money.zero) { $0 + $1.3 }
        try await tx.raw("""
            INSERT INTO purchase_invoices (id, project_id, order_id, supplier_id, number, invoiced_on, total_fen, status, problems, created_by, created_at)
            VALUES (\(bind: id), \(bind: order.projectId), \(bind: orderID), \(bind: order.supplierId), \(bind: number), \(bind: draft.invoicedOn.description),
            \(bind: total.fen), \(bind: status), \(bind: codes.joined(separator: ",")), \(bind: actor), \(bind: at))
            """).run()
        for (ol, q, p, a, problems) in lineProblems {
            try await tx.raw("""
                INSERT INTO purchase_invoice_lines (id, invoice_id, order_line_id, quantity_milli, unit_price_fen, amount_fen, problems)
                VALUES (\(bind: UUID()), \(bind: id), \(bind: ol.id), \(bind: q), \(bind: p.fen), \(bind: a.fen),
                \(bind: problems.map(\.rawValue).joined(separator: ",")))
                """).run()
        }
        if status == "matched" {
            try await schedule(invoiceID: id, order: order, terms: order.terms, amount: total, on: CalendarDay(at), at: at, tx: tx)
        }
        return Invoice(id: id, projectId: order.projectId, orderId: orderID, supplierId: order.supplierId, number: number,
                       invoicedOn: draft.invoicedOn.description, totalFen: total.fen, status: status, problems: codes.joined(separator: ","), createdAt: at)
    }

    /// Schedules a matched (or accepted) invoice's instalments net of what the order's prepayment already covers
    /// (`InvoiceInstalments`): never more, over the order's life, than the order's amount. The caller holds the order
    /// (FOR UPDATE on PostgreSQL; SQLite writes one at a time).
    @discardableResult
    static func schedule(invoiceID: UUID, order: PurchaseOrderService.Order, terms: [PaymentTerm], amount: Money, on day: CalendarDay,
                         at: Date, tx: any SQLDatabase) async throws -> InvoiceInstalments {
        struct S: Decodable { var n: Int64? }
        let prepayment = try await tx.raw("""
            SELECT CAST(SUM(amount_fen) AS BIGINT) AS n FROM purchase_payments WHERE order_id = \(bind: order.id) AND event = 'approval'
            """).first(decoding: S.self)?.n ?? 0
        struct B: Decodable { var covered: Int64?; var credited: Int64? }
        let b = try await tx.raw("""
            SELECT CAST(SUM(covered_fen) AS BIGINT) AS covered, CAST(SUM(credited_fen) AS BIGINT) AS credited
            FROM purchase_invoice_settlements WHERE order_id = \(bind: order.id)
            """).first(decoding: B.self)
        let plan = InvoiceInstalments.of(amount, orderTotal: Money(fen: order.totalFen), prepayment: Money(fen: prepayment), terms: terms,
                                         before: .init(covered: Money(fen: b?.covered ?? 0), credited: Money(fen: b?.credited ?? 0)))
        try await tx.raw("""
            INSERT INTO purchase_invoice_settlements (id, invoice_id, order_id, covered_fen, credited_fen, uncovered_fen, created_at)
            VALUES (\(bind: UUID()), \(bind: invoiceID), \(bind: order.id), \(bind: plan.covered.fen), \(bind: plan.credited.fen),
            \(bind: plan.uncovered.fen), \(bind: at))
            """).run()
        for p in plan.parts {
            try await tx.raw("""
                INSERT INTO purchase_payments (id, project_id, order_id, invoice_id, event, amount_fen, due_on, status)
                VALUES (\(bind: UUID()), \(bind: order.projectId), \(bind: order.id), \(bind: invoiceID), \(bind: p.term.event.rawValue), \(bind: p.amount.fen),
                \(bind: day.adding(days: p.term.days).description), 'scheduled')
                """).run()
        }
        return plan
    }

    public struct Settlement: Decodable, Sendable {
        public var coveredFen: Int64
        public var creditedFen: Int64
        public var uncoveredFen: Int64
    }

    /// What a scheduled invoice counted against its order (nil while it is not scheduled).
    public func settlement(invoiceID: UUID) async throws -> Settlement? {
        try await store.sql.raw("SELECT covered_fen, credited_fen, uncovered_fen FROM purchase_invoice_settlements WHERE invoice_id = \(bind: invoiceID)")
            .first(decoding: Settlement.self, with: decoder)
    }

    /// The prepayment (预付款) instalments of an order, scheduled in its approval.
    static func scheduleApproval(order: PurchaseOrderService.Order, on day: CalendarDay, tx: any SQLDatabase) async throws {
        let terms = order.terms.filter { $0.event == .approval }
        let parts = InvoiceInstalments.prepaymentParts(orderTotal: Money(fen: order.totalFen), terms: terms)
        for (t, part) in zip(terms, parts) {
            try await tx.raw("""
                INSERT INTO purchase_payments (id, project_id, order_id, event, amount_fen, due_on, status)
                VALUES (\(bind: UUID()), \(bind: order.projectId), \(bind: order.id), 'approval',
                \(bind: part.fen), \(bind: day.adding(days: t.days).description), 'scheduled')
                """).run()
        }
    }

    // MARK: the mismatch queue's resolutions

    public struct Resolution: Decodable, Sendable {
        public var invoiceId: UUID
        public var outcome: String
        public var reason: String
        public var replacedBy: UUID?
        public var decidedBy: UUID?
        public var decidedAt: Date
    }

    public func resolution(invoiceID: UUID) async throws -> Resolution? {
        try await store.sql.raw("SELECT * FROM purchase_invoice_resolutions WHERE invoice_id = \(bind: invoiceID)").first(decoding: Resolution.self, with: decoder)
    }

    static func reasonText(_ reason: String) throws -> String {
        let r = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard Text.isCleanLine(r, maxLength: 500) else { throw Problem.invalid("reason", "reason_required") }
        return r
    }

    /// Takes `id` out of the queue (`mismatch` → `status`) under the order's lock; a second resolution, or a racing one,
    /// finds it gone (409 invoice_not_in_queue).
    static func leaveQueue(_ inv: Invoice, to status: String, tx: any SQLDatabase, postgres: Bool) async throws {
        if postgres { try await lockOrder(inv.orderId, tx: tx) }
        struct I: Decodable { var id: UUID }
        let moved = try await tx.raw("UPDATE purchase_invoices SET status = \(bind: status) WHERE id = \(bind: inv.id) AND status = 'mismatch' RETURNING id")
            .all(decoding: I.self)
        guard !moved.isEmpty else { throw Problem.conflict("invoice_not_in_queue") }
    }

    static func writeResolution(_ id: UUID, outcome: String, reason: String, replacedBy: UUID? = nil, by actor: UUID?, at: Date,
                                tx: any SQLDatabase) async throws {
        try await tx.raw("""
            INSERT INTO purchase_invoice_resolutions (id, invoice_id, outcome, reason, replaced_by, decided_by, decided_at)
            VALUES (\(bind: UUID()), \(bind: id), \(bind: outcome), \(bind: reason), \(bind: replacedBy), \(bind: actor), \(bind: at))
            """).run()
    }

    /// The procurement manager accepts a mismatched invoice with a written reason (overriding the tolerance): it is
    /// scheduled like a matched one (net of the prepayment, never beyond the order) and becomes payable. The caller checks
    /// the role (`procurementApprove`).
    public func accept(_ id: UUID, reason: String, by actor: UUID?, context: AuditContext) async throws -> Invoice {
        let inv = try await invoice(id)
        let reason = try Self.reasonText(reason)
        let order = try await PurchaseOrderService(store: store, now: now).order(inv.orderId)
        let postgres = store.engine == .postgres, at = now()
        try await store.audited(context) { tx -> ((), AuditEntry) in
            try await Self.leaveQueue(inv, to: "accepted", tx: tx.sql, postgres: postgres)
            try await Self.writeResolution(id, outcome: "accepted", reason: reason, by: actor, at: at, tx: tx.sql)
            let plan = try await Self.schedule(invoiceID: id, order: order, terms: order.terms, amount: Money(fen: inv.totalFen), on: CalendarDay(at),
                                               at: at, tx: tx.sql)
            return ((), AuditEntry(action: "invoice.accept", entity: "purchase_invoice", entityID: id.uuidString, projectID: inv.projectId,
                                   summary: "发票 \(inv.number) 差异接受：\(reason)", before: ["status": "mismatch", "problems": inv.problems],
                                   after: ["status": "accepted", "reason": reason, "scheduled": plan.scheduled.plain]))
        }
        return try await invoice(id)
    }

    /// A mismatched invoice goes back to the supplier (退票) with the reason; nothing is scheduled and what it claimed is
    /// free to invoice again.
    public func reject(_ id: UUID, reason: String, by actor: UUID?, context: AuditContext) async throws -> Invoice {
        let inv = try await invoice(id)
        let reason = try Self.reasonText(reason)
        let postgres = store.engine == .postgres, at = now()
        try await store.audited(context) { tx -> ((), AuditEntry) in
            try await Self.leaveQueue(inv, to: "rejected", tx: tx.sql, postgres: postgres)
            try await Self.writeResolution(id, outcome: "rejected", reason: reason, by: actor, at: at, tx: tx.sql)
            return ((), AuditEntry(action: "invoice.reject", entity: "purchase_invoice", entityID: id.uuidString, projectID: inv.projectId,
                                   summary: "发票 \(inv.number) 退回供应商：\(reason)", before: ["status": "mismatch"],
                                   after: ["status": "rejected", "reason": reason]))
        }
        return try await invoice(id)
    }

    /// A credit note / corrected invoice (红字冲销后重开) replaces a mismatched one: in one transaction the old leaves the
    /// queue as `replaced` and the new is matched three ways as any invoice is (it may itself mismatch).
    public func replace(_ id: UUID, number: String, invoicedOn: String, lines: [NewLine], reason: String, tolerance: MatchTolerance = .standard,
                        by actor: UUID?, context: AuditContext) async throws -> Invoice {
        let old = try await invoice(id)
        let reason = try Self.reasonText(reason)
        let draft = try await validate(orderID: old.orderId, number: number, invoicedOn: invoicedOn, lines: lines)
        let postgres = store.engine == .postgres, at = now()
        return try await store.audited(context) { tx -> (Invoice, AuditEntry) in
            try await Self.leaveQueue(old, to: "replaced", tx: tx.sql, postgres: postgres)
            let new = try await Self.insert(draft, tolerance: tolerance, by: actor, at: at, tx: tx.sql)
            try await Self.writeResolution(id, outcome: "replaced", reason: reason, replacedBy: new.id, by: actor, at: at, tx: tx.sql)
            return (new, AuditEntry(action: "invoice.replace", entity: "purchase_invoice", entityID: id.uuidString, projectID: old.projectId,
                                    summary: "发票 \(old.number) 由 \(new.number) 替换：\(reason)", before: ["status": "mismatch", "number": old.number],
                                    after: ["status": "replaced", "replacedBy": new.number, "newStatus": new.status, "reason": reason]))
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
        guard inv.status == "matched" || inv.status == "accepted" else { throw Problem.conflict("invoice_not_payable", ["status": inv.status]) }
        let at = now(), today = CalendarDay(at).description
        try await store.audited(context) { tx -> ((), AuditEntry) in
            struct I: Decodable { var id: UUID }
            // The invoice's status is the guard: of racing calls one wins, the others pay nothing (409).
            let won = try await tx.sql.raw("UPDATE purchase_invoices SET status = 'paid' WHERE id = \(bind: id) AND status IN ('matched', 'accepted') RETURNING id")
                .all(decoding: I.self)
            guard !won.isEmpty else { throw Problem.conflict("invoice_not_payable", ["status": "paid"]) }
            // 到货款 is due now; 质保金 waits for its day. An invoice the prepayment wholly covered pays nothing more.
            struct R: Decodable { var amountFen: Int64 }
            let paid = try await tx.sql.raw("""
                UPDATE purchase_payments SET status = 'paid', paid_at = \(bind: at), paid_by = \(bind: actor)
                WHERE invoice_id = \(bind: id) AND status = 'scheduled' AND event = 'invoice' RETURNING amount_fen
                """).all(decoding: R.self, with: SQLRowDecoder.snakeCase)
            let sum = Money(fen: paid.reduce(Int64(0)) { $0 + $1.amountFen })
            return ((), AuditEntry(action: "invoice.pay", entity: "purchase_invoice", entityID: id.uuidString, projectID: inv.projectId,
                                   summary: "付款 \(inv.number)：\(sum) (\(today))", before: ["status": inv.status],
                                   after: ["status": "paid", "amount": sum.plain]))
        }
        return try await payments(orderID: inv.orderId).filter { $0.invoiceId == id }
    }
}
