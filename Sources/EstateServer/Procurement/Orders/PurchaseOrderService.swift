import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 采购订单/合同: lines against an approved plan's budget lines, a delivery date per line, payment terms, approved by
/// amount through the approvals engine (kind `purchase_order`, routed by the `AuthorityMatrix` version recorded on the
/// order). Filing reserves the lines' amounts on their budget lines by a conditional update (never beyond the budget,
/// whatever runs beside it); a rejection or withdrawal releases them. Approval re-checks the order under lock (its
/// amount, its routing, the supplier) and records its prices as 市场行情.
public struct PurchaseOrderService: Sendable {
    let store: Store
    let now: @Sendable () -> Date

    public struct Order: Decodable, Sendable {
        public var id: UUID
        public var projectId: UUID
        public var number: String
        public var title: String
        public var supplierId: UUID
        public var planId: UUID
        public var category: String
        public var status: String
        public var totalFen: Int64
        public var matrixVersion: String
        public var requiredRole: String
        public var approvalId: UUID?
        public var paymentTerms: String
        public var priceReason: String
        public var flaggedLines: Int
        public var publicTender: Bool
        public var score: Int?
        public var createdAt: Date
        public var decidedAt: Date?

        public var terms: [PaymentTerm] { (try? JSONDecoder().decode([PaymentTerm].self, from: Data(paymentTerms.utf8))) ?? [] }
    }

    public struct Line: Decodable, Sendable {
        public var id: UUID
        public var orderId: UUID
        public var planLineId: UUID
        public var position: Int
        public var material: String
        public var unit: String
        public var quantityMilli: Int64
        public var unitPriceFen: Int64
        public var amountFen: Int64
        public var dueOn: String
        public var medianFen: Int64?
        public var flagged: Bool
    }

    public struct NewLine: Sendable {
        public var planLineID: UUID
        public var quantity: String
        public var unitPrice: String
        public var dueOn: String
    }

    public struct NewOrder: Sendable {
        public var projectID: UUID
        public var supplierID: UUID
        public var planID: UUID
        public var title: String
        public var lines: [NewLine]
        public var paymentTerms: [PaymentTerm] = PaymentTerm.standard
        /// Required when a line is priced more than 10 % above its material's 90-day median.
        public var priceReason: String = ""
    }

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    /// The median unit price of a material over the 90 days before `day`.
    func median(material: String, before day: CalendarDay) async throws -> Money? {
        struct P: Decodable { var unitPriceFen: Int64 }
        let prices = try await store.sql.raw("""
            SELECT unit_price_fen FROM procurement_prices WHERE material = \(bind: material)
            AND recorded_on > \(bind: day.adding(days: -MarketPrice.windowDays).description) AND recorded_on <= \(bind: day.description)
            """).all(decoding: P.self, with: decoder)
        return MarketPrice.median(prices.map { Money(fen: $0.unitPriceFen) })
    }

    /// Files an order for approval. Refused with the rule named: a plan not approved (`plan_not_approved`), a line
    /// not of that plan, a supplier blacklisted or without a valid qualification in the category, a flagged price
    /// without a reason (`price_flag_reason_required`), or lines beyond a budget line's remainder (`plan_budget_exceeded`).
    public func create(_ n: NewOrder, by principal: Principal, context: AuditContext) async throws -> Order {
        let filing = try await prepare(n, by: principal, context: context)
        return try await store.audited(context) { tx in try await filing(tx) }
    }

    /// An order's writes, checked and ready to run on a transaction.
    typealias Filing = @Sendable (any Database) async throws -> (Order, AuditEntry)

    /// Checks an order (everything `create` refuses) and returns its writes, to run on the caller's transaction: a
    /// tender's award files its order and marks the tender awarded in one commit, so two awards never file two orders.
    func prepare(_ n: NewOrder, by principal: Principal, context: AuditContext) async throws -> Filing {
        let plans = PurchasePlanService(store: store, now: now)
        guard let plan = try await ifFound({ try await plans.plan(n.planID) }), plan.projectId == n.projectID else { throw Problem.invalid("planId", "plan_not_found") }
        guard plan.status == "approved" else { throw Problem.conflict("plan_not_approved", ["status": plan.status]) }
        let planLines = Dictionary(uniqueKeysWithValues: try await plans.lines(plan.id).map { ($0.id, $0) })
        var bad: [Problem.FieldError] = []
        let title = n.title.trimmingCharacters(in: .whitespaces)
        if !Text.isCleanLine(title, maxLength: 100) { bad.append(.init(field: "title", code: "text_invalid")) }
        if n.lines.isEmpty || n.lines.count > 100 { bad.append(.init(field: "lines", code: "order_lines_required")) }
        if let fault = PaymentTerm.fault(n.paymentTerms) { bad.append(.init(field: "paymentTerms", code: fault)) }
        let today = CalendarDay(now())
        struct Checked { var line: PurchasePlanService.Line; var qty: Int64; var price: Money; var amount: Money; var due: CalendarDay; var median: Money?; var flagged: Bool }
        var checked: [Checked] = []
        for (i, l) in n.lines.enumerated() {
            guard let pl = planLines[l.planLineID] else { bad.append(.init(field: "lines[\(i)].planLineId", code: "plan_line_not_found")); continue }
            let qty = PurchaseQuantity.parse(l.quantity)
            if qty == nil || qty == 0 { bad.append(.init(field: "lines[\(i)].quantity", code: "quantity_invalid")) }
            let price = Money(yuanText: l.unitPrice)
            if price == nil || price!.fen <= 0 || price! > Money.maxUnitPrice { bad.append(.init(field: "lines[\(i)].unitPrice", code: "amount_invalid")) }
            let due = CalendarDay(l.dueOn)
            if due == nil || due! < today { bad.append(.init(field: "lines[\(i)].dueOn", code: "date_invalid")) }
            guard let qty, qty > 0, let price, price.fen > 0, price <= Money.maxUnitPrice, let due else { continue }
            let median = try await median(material: pl.material, before: today)
            checked.append(Checked(line: pl, qty: qty, price: price, amount: PurchaseQuantity.amount(milli: qty, unitPrice: price), due: due,
                                   median: median, flagged: MarketPrice.isFlagged(price, median: median)))
        }
        if Set(checked.map(\.line.category)).count > 1 { bad.append(.init(field: "lines", code: "order_one_category")) }
        let reason = n.priceReason.trimmingCharacters(in: .whitespaces)
        if !reason.isEmpty, !Text.isCleanLine(reason, maxLength: 500) { bad.append(.init(field: "priceReason", code: "text_invalid")) }
        if !bad.isEmpty { throw Problem.invalid(bad) }
        if let flagged = checked.first(where: \.flagged), reason.isEmpty {
            throw Problem(.unprocessableEntity, "price_flag_reason_required",
                          arguments: ["item": flagged.line.material, "median": flagged.median.map(\.plain) ?? "", "price": flagged.price.plain],
                          fields: [.init(field: "priceReason", code: "price_flag_reason_required")])
        }
        guard let category = SupplierCategory(rawValue: checked[0].line.category) else { throw Problem.invalid("lines", "order_lines_required") }
        let total = checked.reduce(Money.zero) { $0 + $1.amount }
        let matrix = AuthorityMatrix.current
        let role = matrix.approver(for: total)
        let publicTender = PublicTenderRule.needsPublicTender(total, category: category)
        let terms = String(decoding: try JSONEncoder().encode(n.paymentTerms), as: UTF8.self)
        let byLine = Dictionary(grouping: checked, by: \.line.id).mapValues { $0.reduce(Int64(0)) { $0 + $1.amount.fen } }
        // 供应商评估: below the block line a new order waits for the manager's override; below the warn line it is flagged.
        let card = try await ScorecardService(store: store, now: now).current(n.supplierID)
        if card.standing == .block, card.overriddenBecause == nil {
            throw Problem.conflict("supplier_score_blocked", ["score": "\(card.total)"])
        }
        let score = card.total
        let id = UUID(), at = now(), postgres = store.engine == .postgres
        let flaggedCount = checked.filter(\.flagged).count
        let checkedLines = checked
        return { tx -> (Order, AuditEntry) in
            if let refusal = try await SupplierService.orderRefusal(n.supplierID, category: category, on: today, tx: tx.sql) {
                throw refusal == "supplier_not_found" ? Problem.invalid("supplierId", refusal) : Problem.conflict(refusal)
            }
            struct I: Decodable { var id: UUID }
            // The plan is still approved (PostgreSQL: and stays so until this commits).
            let lock: SQLQueryString = postgres ? " FOR UPDATE" : ""
            guard try await tx.sql.raw("SELECT id FROM purchase_plans WHERE id = \(bind: plan.id) AND status = 'approved'" + lock)
                .first(decoding: I.self) != nil else { throw Problem.conflict("plan_not_approved") }
            // Reserve each budget line's share; never beyond its budget, however many orders race for it.
            for (lineID, fen) in byLine.sorted(by: { $0.key.uuidString < $1.key.uuidString }) {
                let reserved = try await tx.sql.raw("""
                    UPDATE purchase_plan_lines SET ordered_fen = ordered_fen + \(bind: fen)
                    WHERE id = \(bind: lineID) AND ordered_fen + \(bind: fen) <= budget_fen RETURNING id
                    """).all(decoding: I.self)
                guard !reserved.isEmpty else {
                    let pl = planLines[lineID]!
                    struct R: Decodable { var budgetFen: Int64; var orderedFen: Int64 }
                    let now = try await tx.sql.raw("SELECT budget_fen, ordered_fen FROM purchase_plan_lines WHERE id = \(bind: lineID)")
                        .first(decoding: R.self, with: SQLRowDecoder.snakeCase)
                    throw Problem.conflict("plan_budget_exceeded", ["item": pl.material, "remaining": Money(fen: (now?.budgetFen ?? 0) - (now?.orderedFen ?? 0)).plain,
                                                                    "amount": Money(fen: fen).plain])
                }
            }
            let number = try await DocumentNumbers.next("CG", projectID: n.projectID, on: tx)
            try await tx.sql.raw("""
                INSERT INTO purchase_orders (id, project_id, number, title, supplier_id, plan_id, category, status, total_fen, matrix_version, required_role,
                payment_terms, price_reason, flagged_lines, public_tender, score, created_by, created_at)
                VALUES (\(bind: id), \(bind: n.projectID), \(bind: number), \(bind: title), \(bind: n.supplierID), \(bind: plan.id), \(bind: category.rawValue),
                'submitted', \(bind: total.fen), \(bind: matrix.version), \(bind: role.rawValue), \(bind: terms), \(bind: reason), \(bind: flaggedCount),
                \(bind: publicTender), \(bind: score), \(bind: principal.userID), \(bind: at))
                """).run()
            for (i, c) in checkedLines.enumerated() {
                try await tx.sql.raw("""
                    INSERT INTO purchase_order_lines (id, order_id, plan_line_id, position, material, unit, quantity_milli, unit_price_fen, amount_fen, due_on,
                    median_fen, flagged) VALUES (\(bind: UUID()), \(bind: id), \(bind: c.line.id), \(bind: i + 1), \(bind: c.line.material),
                    \(bind: c.line.unit), \(bind: c.qty), \(bind: c.price.fen), \(bind: c.amount.fen), \(bind: c.due.description), \(bind: c.median?.fen),
                    \(bind: c.flagged))
                    """).run()
            }
            let payload = #"{"matrixVersion":"\#(matrix.version)","flaggedLines":\#(flaggedCount),"publicTender":\#(publicTender),"score":\#(score)}"#
            let approval = try await ApprovalService.file(.init(kind: .purchaseOrder, projectID: n.projectID, subjectType: "purchase_order", subjectID: id,
                                                                title: "采购订单 \(number) \(title)", amount: total, permyriad: nil, payload: payload,
                                                                requiredRole: role,
                                                                reason: reason.isEmpty ? "\(checkedLines.count) 行" : "\(checkedLines.count) 行；价格说明：\(reason)"),
                                                          context: context, now: at, on: tx)
            try await tx.sql.raw("UPDATE purchase_orders SET approval_id = \(bind: approval) WHERE id = \(bind: id)").run()
            let order = Order(id: id, projectId: n.projectID, number: number, title: title, supplierId: n.supplierID, planId: plan.id,
                              category: category.rawValue, status: "submitted", totalFen: total.fen, matrixVersion: matrix.version,
                              requiredRole: role.rawValue, approvalId: approval, paymentTerms: terms, priceReason: reason, flaggedLines: flaggedCount,
                              publicTender: publicTender, score: score, createdAt: at, decidedAt: nil)
            return (order, AuditEntry(action: "purchase_order.create", entity: "purchase_order", entityID: id.uuidString, projectID: n.projectID,
                                      summary: "采购订单 \(number): \(total)",
                                      after: ["number": number, "total": total.plain, "approver": role.rawValue, "version": matrix.version,
                                              "approval": approval.uuidString]))
        }
    }

    public func order(_ id: UUID) async throws -> Order {
        guard let o = try await store.sql.raw("SELECT * FROM purchase_orders WHERE id = \(bind: id)").first(decoding: Order.self, with: decoder)
        else { throw Problem.notFound }
        return o
    }

    public func lines(_ orderID: UUID) async throws -> [Line] {
        try await store.sql.raw("SELECT * FROM purchase_order_lines WHERE order_id = \(bind: orderID) ORDER BY position")
            .all(decoding: Line.self, with: decoder)
    }

    public func orders(projectID: UUID, status: String? = nil, supplierID: UUID? = nil) async throws -> [Order] {
        var q: SQLQueryString = "SELECT * FROM purchase_orders WHERE project_id = \(bind: projectID)"
        if let status { q = q + " AND status = \(bind: status)" }
        if let supplierID { q = q + " AND supplier_id = \(bind: supplierID)" }
        return try await store.sql.raw(q + " ORDER BY created_at DESC, id LIMIT 500").all(decoding: Order.self, with: decoder)
    }

    /// One 市场行情 record: a material's unit price from a quote, bid or approved order on a day.
    public struct PricePoint: Decodable, Sendable {
        public var recordedOn: String
        public var unitPriceFen: Int64
        public var source: String
        public var supplierId: UUID?
    }

    /// A material's price records over the `days` before today, oldest first (the price history chart).
    public func priceHistory(material: String, days: Int = 365) async throws -> [PricePoint] {
        let since = CalendarDay(now()).adding(days: -days).description
        return try await store.sql.raw("""
            SELECT recorded_on, unit_price_fen, source, supplier_id FROM procurement_prices WHERE material = \(bind: material)
            AND recorded_on > \(bind: since) ORDER BY recorded_on, created_at, id LIMIT 500
            """).all(decoding: PricePoint.self, with: decoder)
    }

    /// Orders of a supplier across projects (the supplier's page), newest first.
    public func orders(supplierID: UUID, limit: Int = 100) async throws -> [Order] {
        try await store.sql.raw("SELECT * FROM purchase_orders WHERE supplier_id = \(bind: supplierID) ORDER BY created_at DESC, id LIMIT \(bind: limit)")
            .all(decoding: Order.self, with: decoder)
    }

    /// The order approval's decision, in the deciding transaction. Approval re-checks under lock (the order's row on
    /// PostgreSQL; SQLite's writes are serial): the lines still add up to the approved amount, that amount still routes
    /// to the role that decided under the order's matrix version, and the supplier may still take the order. Then the
    /// prices go into 市场行情. Rejection or withdrawal releases the budget the order held.
    static func approvalAppliers(postgres: Bool) -> [ApprovalKind: ApprovalApplier] {
        [.purchaseOrder: { approval, approved, tx, _, now in
            guard let id = approval.subjectID else { return ApprovalEffect() }
            let decoder = SQLRowDecoder.snakeCase
            let lock: SQLQueryString = postgres ? " FOR UPDATE" : ""
            guard let o = try await tx.sql.raw("SELECT * FROM purchase_orders WHERE id = \(bind: id)" + lock).first(decoding: Order.self, with: decoder),
                  o.status == "submitted", o.approvalId == approval.id else { throw Problem.conflict("purchase_order_not_submitted") }
            let lines = try await tx.sql.raw("SELECT * FROM purchase_order_lines WHERE order_id = \(bind: id) ORDER BY position")
                .all(decoding: Line.self, with: decoder)
            let sum = lines.reduce(Int64(0)) { $0 + $1.amountFen }
            let status = approved ? "approved" : approval.status == .withdrawn ? "withdrawn" : "rejected"
            if approved {
                guard sum == o.totalFen, approval.amountFen == sum else { throw Problem.conflict("purchase_order_amount_changed") }
                guard let matrix = AuthorityMatrix.version(o.matrixVersion), matrix.approver(for: Money(fen: sum)) == approval.requiredRole,
                      o.requiredRole == approval.requiredRole.rawValue else { throw Problem.conflict("purchase_order_route_changed") }
                guard let category = SupplierCategory(rawValue: o.category) else { throw Problem.conflict("purchase_order_not_submitted") }
                if let refusal = try await SupplierService.orderRefusal(o.supplierId, category: category, on: CalendarDay(now), tx: tx.sql) {
                    throw Problem.conflict(refusal)
                }
                for l in lines {
                    try await tx.sql.raw("""
                        INSERT INTO procurement_prices (id, material, unit, unit_price_fen, source, source_id, supplier_id, recorded_on, created_at)
                        VALUES (\(bind: UUID()), \(bind: l.material), \(bind: l.unit), \(bind: l.unitPriceFen), 'order', \(bind: id), \(bind: o.supplierId),
                        \(bind: CalendarDay(now).description), \(bind: now))
                        """).run()
                }
                try await InvoiceService.scheduleApproval(order: o, on: CalendarDay(now), tx: tx.sql)
            } else {
                for (lineID, ls) in Dictionary(grouping: lines, by: \.planLineId) {
                    let fen = ls.reduce(Int64(0)) { $0 + $1.amountFen }
                    try await tx.sql.raw("UPDATE purchase_plan_lines SET ordered_fen = ordered_fen - \(bind: fen) WHERE id = \(bind: lineID)").run()
                }
            }
            try await tx.sql.raw("""
                UPDATE purchase_orders SET status = \(bind: status), decided_at = \(bind: now) WHERE id = \(bind: id) AND status = 'submitted'
                """).run()
            return ApprovalEffect(entries: [AuditEntry(action: approved ? "purchase_order.approve" : "purchase_order.reject", entity: "purchase_order",
                                                       entityID: id.uuidString, projectID: approval.projectID, summary: "\(o.number): \(status)",
                                                       before: ["status": "submitted"], after: ["status": status, "total": Money(fen: sum).plain])])
        }]
    }
}
