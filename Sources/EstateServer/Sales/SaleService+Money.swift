import Crypto
import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 回款: the payment plan, receipts (收款单) confirmed by finance (房款核实), refunds as approved
/// negative receipts, late-payment penalties (违约金) and their waivers, plan changes.
extension SaleService {
    public struct PlanItem: Sendable, Equatable, Identifiable {
        public var id: UUID
        public var kind: PlanItemKind
        public var seq: Int
        public var amount: Money
        public var due: CalendarDay
        /// Confirmed by finance, refunds taken off.
        public var collected: Money
        /// Receipts recorded, not yet confirmed.
        public var pendingIn: Money
        /// Approved refunds not yet paid out (≤ 0).
        public var pendingOut: Money
        public var isLive: Bool
        public var penalty: Money
        public var waived: Money
        public var overdueDays: Int
        /// Negative items (an area refund) are owed to the buyer.
        public var outstanding: Money { isLive ? amount - collected : .zero }
        public var penaltyDue: Money { max(penalty - waived, .zero) }
        /// Everything waiting for finance, in and out.
        public var pending: Money { pendingIn + pendingOut }
        /// What a new receipt may still bring in.
        public var receivable: Money { amount - collected - pendingIn }
    }

    struct ItemRow: Decodable { var id: UUID; var subscriptionId: UUID; var kind: String; var seq: Int; var amountFen: Int64; var dueOn: String
                                var confirmedFen: Int64; var pendingInFen: Int64; var pendingOutFen: Int64; var isLive: Bool }

    /// The plan of a sale with what has been collected and the penalty accrued as of today.
    func plan(_ sale: UUID, rate: Int, from signed: CalendarDay? = nil) async throws -> [PlanItem] {
        try await Self.plan(sale, rate: rate, from: signed, today: today, on: store.sql)
    }

    static func plan(_ sale: UUID, rate: Int, from signed: CalendarDay? = nil, today: CalendarDay, on db: any SQLDatabase) async throws -> [PlanItem] {
        try await plans([sale: rate], from: signed.map { [sale: $0] } ?? [:], today: today, on: db)[sale] ?? []
    }

    /// The plans of many sales (sale → its contract's daily penalty rate) in three queries per
    /// 500 sales, for lists and arrears. The penalty binds from the contract's signing (`from`):
    /// money due before it accrues nothing until then.
    static func plans(_ rates: [UUID: Int], from signed: [UUID: CalendarDay] = [:], today: CalendarDay, onlyOutstanding: Bool = false,
                      on db: any SQLDatabase) async throws -> [UUID: [PlanItem]] {
        let decoder = SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase)
        struct Paid: Decodable { var itemId: UUID; var receivedOn: String; var amountFen: Int64 }
        struct W: Decodable { var itemId: UUID; var amountFen: Int64 }
        var out: [UUID: [PlanItem]] = [:]
        for chunk in Array(rates.keys).chunked(500) {
            let ids = SQLBind.group(Array(chunk))
            let filter: SQLQueryString = onlyOutstanding ? " AND is_live AND confirmed_fen < amount_fen" : ""
            let rows = try await db.raw("""
                SELECT id, subscription_id, kind, seq, amount_fen, due_on, confirmed_fen, pending_in_fen, pending_out_fen, is_live FROM payment_items
                WHERE subscription_id IN \(ids)\(filter) ORDER BY subscription_id, seq
                """).all(decoding: ItemRow.self, with: decoder)
            let paid = Dictionary(grouping: try await db.raw("""
                SELECT r.item_id, r.received_on, r.amount_fen FROM receipts r
                WHERE r.subscription_id IN \(ids) AND r.status = 'confirmed'
                """).all(decoding: Paid.self, with: decoder), by: \.itemId)
            let waived = Dictionary(grouping: try await db.raw("SELECT item_id, amount_fen FROM penalty_waivers WHERE subscription_id IN \(ids)")
                .all(decoding: W.self, with: decoder), by: \.itemId)
            for r in rows {
                let due = CalendarDay(r.dueOn) ?? today
                let amount = Money(fen: r.amountFen)
                let payments = (paid[r.id] ?? []).map { LatePenalty.Payment(day: CalendarDay($0.receivedOn) ?? today, amount: Money(fen: $0.amountFen)) }
                let kind = PlanItemKind(rawValue: r.kind) ?? .downPayment
                // A lender's late money is not the buyer's default; nor is what the developer owes.
                let penalty = r.isLive && !kind.isLoan && amount.fen > 0
                    ? LatePenalty.accrued(amount: amount, due: max(due, signed[r.subscriptionId] ?? due), payments: payments, asOf: today,
                                          ratePer100k: rates[r.subscriptionId] ?? 0) : .zero
                let outstanding = amount.fen - r.confirmedFen
                out[r.subscriptionId, default: []].append(PlanItem(
                    id: r.id, kind: kind, seq: r.seq, amount: amount, due: due, collected: Money(fen: r.confirmedFen),
                    pendingIn: Money(fen: r.pendingInFen), pendingOut: Money(fen: r.pendingOutFen), isLive: r.isLive, penalty: penalty,
                    waived: Money(fen: (waived[r.id] ?? []).reduce(0) { $0 + $1.amountFen }),
                    overdueDays: r.isLive && outstanding > 0 && due < today ? due.days(until: today) : 0))
            }
        }
        return out
    }

    // MARK: Receipts

    public enum ReceiptMethod: String, CaseIterable, Sendable {
        case cash, transfer, pos, cheque
        case loanDisbursement = "loan_disbursement"
        public var catalogKey: String { "sale.receipt_method.\(rawValue)" }
    }

    public enum ReceiptStatus: String, CaseIterable, Sendable {
        /// A refund waiting for its approval.
        case awaitingApproval = "awaiting_approval"
        /// Recorded, waiting for finance (房款核实).
        case pending
        /// Confirmed by finance: counted as collected (or, for a refund, as paid back).
        case confirmed
        /// A refund refused, or a receipt finance did not find.
        case rejected
        public var catalogKey: String { "sale.receipt_status.\(rawValue)" }
    }

    public struct Receipt: Sendable, Codable, Equatable {
        public var id: UUID
        public var projectId: UUID
        public var number: String
        public var kind: String
        public var subscriptionId: UUID
        public var contractId: UUID?
        public var itemId: UUID
        public var itemKind: String
        public var unitCode: String
        public var amountFen: Int64
        public var method: String
        public var receivedOn: String
        public var payer: String
        public var reference: String
        public var status: String
        public var approvalId: UUID?
        public var confirmedByName: String?
        public var confirmedAt: Date?
        public var createdByName: String
        public var createdBy: UUID?
        public var createdAt: Date
        public var amount: Money { Money(fen: amountFen) }
    }

    static let receiptSelect = """
        SELECT r.id, r.project_id, r.number, r.kind, r.subscription_id, c.id AS contract_id, r.item_id, i.kind AS item_kind, u.code AS unit_code,
               r.amount_fen, r.method, r.received_on, r.payer, r.reference, r.status, r.approval_id, r.confirmed_by_name, r.confirmed_at,
               COALESCE(ru.display_name, r.created_by_name) AS created_by_name, r.created_by, r.created_at
        FROM receipts r JOIN payment_items i ON i.id = r.item_id JOIN subscriptions s ON s.id = r.subscription_id
        LEFT JOIN users ru ON ru.id = r.created_by
        JOIN units u ON u.id = s.unit_id LEFT JOIN contracts c ON c.subscription_id = r.subscription_id
        """

    public func receipt(_ id: UUID) async throws -> Receipt {
        guard let r = try await store.sql.raw("\(unsafeRaw: Self.receiptSelect) WHERE r.id = \(bind: id)").first(decoding: Receipt.self, with: sqlDecoder)
        else { throw Problem.notFound }
        return r
    }

    public func receipts(_ projectID: UUID, status: ReceiptStatus?, sale: UUID?, page: PageRequest) async throws -> Paged<Receipt> {
        var w: SQLQueryString = "WHERE r.project_id = \(bind: projectID)"
        if let status { w = w + " AND r.status = \(bind: status.rawValue)" }
        if let sale { w = w + " AND r.subscription_id = \(bind: sale)" }
        struct N: Decodable { var n: Int }
        let total = try await store.sql.raw("SELECT COUNT(*) AS n FROM receipts r \(w)").first(decoding: N.self)?.n ?? 0
        let items = try await store.sql.raw("""
            \(unsafeRaw: Self.receiptSelect) \(w) ORDER BY r.created_at DESC, r.number DESC
            LIMIT \(unsafeRaw: String(page.perPage)) OFFSET \(unsafeRaw: String(page.offset))
            """).all(decoding: Receipt.self, with: sqlDecoder)
        return Paged(items: items, page: page.page, perPage: page.perPage, total: total)
    }

    public struct ReceiptDraft: Sendable {
        public var itemID: UUID
        public var amount: Money
        public var method: ReceiptMethod
        public var receivedOn: CalendarDay
        public var payer: String
        public var reference: String
        public init(itemID: UUID, amount: Money, method: ReceiptMethod, receivedOn: CalendarDay, payer: String, reference: String = "") {
            self.itemID = itemID; self.amount = amount; self.method = method; self.receivedOn = receivedOn; self.payer = payer; self.reference = reference
        }
    }

    /// The sale an item belongs to, live: its subscription active or contracted, its contract not terminated.
    func liveItem(_ itemID: UUID, sale: UUID) async throws -> (ItemRow, projectID: UUID) {
        struct R: Decodable { var projectId: UUID; var status: String; var contractStatus: String? }
        guard let item = try await store.sql.raw("""
            SELECT id, subscription_id, kind, seq, amount_fen, due_on, confirmed_fen, pending_in_fen, pending_out_fen, is_live FROM payment_items
            WHERE id = \(bind: itemID) AND subscription_id = \(bind: sale)
            """).first(decoding: ItemRow.self, with: sqlDecoder),
            let s = try await store.sql.raw("""
            SELECT s.project_id, s.status, c.status AS contract_status FROM subscriptions s LEFT JOIN contracts c ON c.subscription_id = s.id
            WHERE s.id = \(bind: sale)
            """).first(decoding: R.self, with: sqlDecoder)
        else { throw Problem.invalid("itemId", "item_unknown") }
        guard item.isLive, s.status != SubscriptionStatus.cancelled.rawValue, s.contractStatus != ContractStatus.terminated.rawValue else {
            throw Problem.conflict("sale_not_live")
        }
        return (item, s.projectId)
    }

    /// Records money received against a plan item (收款单). It counts as collected only once
    /// finance confirms it. Retried with the same key, the first answer is returned and
    /// nothing is recorded twice; the same key with another request is refused.
    public func postReceipt(_ d: ReceiptDraft, sale: UUID, idempotencyKey: String, principal: Principal,
                            context: AuditContext) async throws -> (Receipt, replayed: Bool) {
        let fingerprint = "receipt|\(sale)|\(d.itemID)|\(d.amount.fen)|\(d.method.rawValue)|\(d.receivedOn)|\(d.payer)|\(d.reference)"
        if let r: Idempotent.Outcome<Receipt> = try await Idempotent.replay(key: idempotencyKey, actor: principal.userID, operation: "createReceipt",
                                                                            fingerprint: fingerprint, on: store.sql) {
            return (r.value, true)
        }
        var bad: [Problem.FieldError] = []
        if d.amount.fen <= 0 || !d.amount.isWithin(Money.maxTotal) { bad.append(.init(field: "amount", code: "amount_invalid")) }
        if d.receivedOn > today || d.receivedOn < today.adding(days: -366) { bad.append(.init(field: "receivedOn", code: "date_invalid")) }
        if !Text.isCleanLine(d.payer, maxLength: 40) || d.payer.trimmed.isEmpty { bad.append(.init(field: "payer", code: "text_invalid")) }
        if !d.reference.isEmpty, !Text.isCleanLine(d.reference, maxLength: 60) { bad.append(.init(field: "reference", code: "text_invalid")) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let (item, projectID) = try await liveItem(d.itemID, sale: sale)
        guard item.amountFen > 0 else { throw Problem.conflict("item_is_a_refund") }
        // The lender's money arrives with the mortgage's 已放款. By hand only after it (a disbursement receipt
        // finance sent back, posted again), and only as a disbursement.
        if PlanItemKind(rawValue: item.kind)?.isLoan == true {
            struct M: Decodable { var stage: String }
            let stage = try await store.sql.raw("""
                SELECT m.stage FROM mortgages m JOIN contracts c ON c.id = m.contract_id WHERE c.subscription_id = \(bind: sale)
                """).first(decoding: M.self)?.stage
            guard stage == MortgageStage.disbursed.rawValue, d.method == .loanDisbursement else { throw Problem.conflict("loan_paid_by_bank") }
        } else if d.method == .loanDisbursement {
            throw Problem.invalid("method", "method_is_for_mortgage")
        }
        let now = now()
        let result = try await Idempotent.run(key: idempotencyKey, actor: principal.userID, operation: "createReceipt", fingerprint: fingerprint,
                                              store: store, context: context, now: now) { tx in
            let number = try await Self.insertReceipt(d, kind: .receipt, status: .pending, sale: sale, projectID: projectID, approval: nil,
                                                      context: context, now: now, on: tx)
            try await Self.event(sale, "receipt", "收款单 \(number) · \(PlanItemKind(rawValue: item.kind)?.chineseName ?? item.kind) · \(d.amount) 元（待财务核实）",
                                 context: context, now: now, on: tx)
            let r = try await tx.sql.raw("\(unsafeRaw: Self.receiptSelect) WHERE r.number = \(bind: number) AND r.project_id = \(bind: projectID)")
                .first(decoding: Receipt.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))!
            return (r, AuditEntry(action: "receipt.create", entity: "receipt", entityID: r.id.uuidString, projectID: projectID,
                                  summary: "receipt \(number) of \(d.amount.plain) for \(r.unitCode)",
                                  after: ["amount": d.amount.plain, "method": d.method.rawValue, "item": item.kind]))
        }
        return (result.value, result.replayed)
    }

    /// Inserts a receipt and adds it to the item's pending sum; refuses more than the item still
    /// expects (a receipt) or than was collected on it (a refund). Returns its number.
    static func insertReceipt(_ d: ReceiptDraft, kind: ReceiptKindValue, status: ReceiptStatus, sale: UUID, projectID: UUID, approval: UUID?,
                              context: AuditContext, now: Date, on tx: any Database) async throws -> String {
        let signed = kind == .refund ? -d.amount.fen : d.amount.fen
        // One conditional update keeps the item's sums honest under concurrency: a receipt may not
        // take the item beyond its amount; a refund may not pay back more than was confirmed.
        let guardSQL: SQLQueryString = kind == .refund
            ? "UPDATE payment_items SET pending_out_fen = pending_out_fen + \(bind: signed) WHERE id = \(bind: d.itemID) AND \(Self.refundLimit(signed)) RETURNING id"
            : "UPDATE payment_items SET pending_in_fen = pending_in_fen + \(bind: signed) WHERE id = \(bind: d.itemID) AND is_live AND confirmed_fen + pending_in_fen + \(bind: signed) <= amount_fen RETURNING id"
        if status != .awaitingApproval {
            guard try await tx.sql.raw(guardSQL).first() != nil else {
                throw Problem.conflict(kind == .refund ? "refund_exceeds_collected" : "receipt_exceeds_outstanding")
            }
        }
        let number = try await nextNumber(kind == .refund ? "TK" : "SK", projectID: projectID, on: tx)
        try await tx.sql.insert(into: "receipts").columns("id", "project_id", "number", "kind", "subscription_id", "item_id", "amount_fen", "method",
                                                          "received_on", "payer", "reference", "status", "approval_id", "created_by",
                                                          "created_by_name", "created_at")
            .values(SQLBind(UUID()), SQLBind(projectID), SQLBind(number), SQLBind(kind.rawValue), SQLBind(sale), SQLBind(d.itemID), SQLBind(signed),
                    SQLBind(d.method.rawValue), SQLBind(d.receivedOn.description), SQLBind(d.payer), SQLBind(d.reference), SQLBind(status.rawValue),
                    SQLBind(approval), SQLBind(context.actorID), SQLBind(context.actorName), SQLBind(now)).run()
        return number
    }

    public enum ReceiptKindValue: String, Sendable { case receipt, refund }

    /// A refund (negative `signed`) may pay back only confirmed money not already on its way back,
    /// and on an item the developer owes (a negative area difference) no more than is owed.
    static func refundLimit(_ signed: Int64) -> SQLQueryString {
        "confirmed_fen + pending_out_fen + \(bind: signed) >= (CASE WHEN amount_fen < 0 THEN amount_fen ELSE 0 END)"
    }

    /// 房款核实: finance confirms a recorded receipt (or a paid-out refund); only then it counts.
    /// Whoever recorded it may not confirm it. Two confirmations of one receipt: one wins.
    public func confirm(_ id: UUID, principal: Principal, context: AuditContext) async throws -> Receipt {
        let r = try await receipt(id)
        guard r.status == ReceiptStatus.pending.rawValue else { throw Problem.conflict("receipt_not_pending", ["status": r.status]) }
        if r.createdBy == principal.userID { throw Problem(.forbidden, "receipt_own_confirmation") }
        let now = now()
        try await store.audited(context) { tx in
            let rows = try await tx.sql.update("receipts").set("status", to: ReceiptStatus.confirmed.rawValue).set("confirmed_by", to: principal.userID)
                .set("confirmed_by_name", to: principal.displayName).set("confirmed_at", to: now)
                .where("id", .equal, id).where("status", .equal, ReceiptStatus.pending.rawValue).returning("id").all()
            guard !rows.isEmpty else { throw Problem.conflict("receipt_not_pending") }
            try await ReportLedger.lockSale(r.subscriptionId, on: tx.sql)
            try await ReportLedger.receipt(id, projectID: r.projectId, on: tx.sql)
            if r.kind == "receipt" {
                struct L: Decodable { var is_live: Bool }
                guard try await tx.sql.select().column("is_live").from("payment_items").where("id", .equal, r.itemId).first(decoding: L.self)?.is_live == true
                else { throw Problem.conflict("sale_not_live") }
            }
            try await tx.sql.raw("""
                UPDATE payment_items SET confirmed_fen = confirmed_fen + \(bind: r.amountFen),
                    \(unsafeRaw: r.kind == "refund" ? "pending_out_fen = pending_out_fen" : "pending_in_fen = pending_in_fen") - \(bind: r.amountFen)
                WHERE id = \(bind: r.itemId)
                """).run()
            try await Self.event(r.subscriptionId, "receipt.confirm", "财务核实 \(r.number) · \(r.amount) 元", context: context, now: now, on: tx)
            return ((), AuditEntry(action: "receipt.confirm", entity: "receipt", entityID: id.uuidString, projectID: r.projectId,
                                   summary: "confirmed \(r.number) of \(r.amount.plain)", before: ["status": "pending"], after: ["status": "confirmed"]))
        }
        return try await receipt(id)
    }

    /// Finance did not find the money (or did not pay the refund out): the receipt is rejected
    /// and no longer counts against its item. Only a pending receipt; one decision wins.
    public func reject(_ id: UUID, reason: String, principal: Principal, context: AuditContext) async throws -> Receipt {
        guard Text.isCleanLine(reason, maxLength: 200), !reason.trimmed.isEmpty else { throw Problem.invalid("reason", "reason_required") }
        let r = try await receipt(id)
        guard r.status == ReceiptStatus.pending.rawValue else { throw Problem.conflict("receipt_not_pending", ["status": r.status]) }
        let now = now()
        try await store.audited(context) { tx in
            let rows = try await tx.sql.update("receipts").set("status", to: ReceiptStatus.rejected.rawValue).set("confirmed_by", to: principal.userID)
                .set("confirmed_by_name", to: principal.displayName).set("confirmed_at", to: now)
                .where("id", .equal, id).where("status", .equal, ReceiptStatus.pending.rawValue).returning("id").all()
            guard !rows.isEmpty else { throw Problem.conflict("receipt_not_pending") }
            let column = r.kind == "refund" ? "pending_out_fen" : "pending_in_fen"
            try await tx.sql.raw("UPDATE payment_items SET \(unsafeRaw: column) = \(unsafeRaw: column) - \(bind: r.amountFen) WHERE id = \(bind: r.itemId)").run()
            try await Self.event(r.subscriptionId, "receipt.reject", "财务退回 \(r.number) · \(r.amount) 元：\(reason)", context: context, now: now, on: tx)
            return ((), AuditEntry(action: "receipt.reject", entity: "receipt", entityID: id.uuidString, projectID: r.projectId,
                                   summary: "rejected \(r.number) of \(r.amount.plain)", before: ["status": "pending"],
                                   after: ["status": "rejected", "reason": reason]))
        }
        return try await receipt(id)
    }

    /// A refund (退款) of money collected on an item: filed for approval, then paid out and
    /// confirmed by finance like any receipt.
    public func requestRefund(_ d: ReceiptDraft, sale: UUID, reason: String, idempotencyKey: String, principal: Principal,
                              context: AuditContext) async throws -> (Receipt, replayed: Bool) {
        let fingerprint = "refund|\(sale)|\(d.itemID)|\(d.amount.fen)|\(d.method.rawValue)|\(d.payer)|\(reason)"
        if let r: Idempotent.Outcome<Receipt> = try await Idempotent.replay(key: idempotencyKey, actor: principal.userID, operation: "createRefund",
                                                                            fingerprint: fingerprint, on: store.sql) {
            return (r.value, true)
        }
        var bad: [Problem.FieldError] = []
        if d.amount.fen <= 0 || !d.amount.isWithin(Money.maxTotal) { bad.append(.init(field: "amount", code: "amount_invalid")) }
        if d.method == .loanDisbursement { bad.append(.init(field: "method", code: "method_is_for_mortgage")) }
        if !Text.isCleanLine(d.payer, maxLength: 40) || d.payer.trimmed.isEmpty { bad.append(.init(field: "payee", code: "text_invalid")) }
        if !Text.isCleanLine(reason, maxLength: 200) || reason.trimmed.isEmpty { bad.append(.init(field: "reason", code: "reason_required")) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        struct I: Decodable { var confirmedFen: Int64; var projectId: UUID; var kind: String; var amountFen: Int64 }
        guard let item = try await store.sql.raw("""
            SELECT confirmed_fen, project_id, kind, amount_fen FROM payment_items WHERE id = \(bind: d.itemID) AND subscription_id = \(bind: sale)
            """).first(decoding: I.self, with: sqlDecoder)
        else { throw Problem.invalid("itemId", "item_unknown") }
        // What is already waiting to be paid back counts against what may be refunded.
        struct W: Decodable { var n: Int64? }
        let waiting = try await store.sql.raw("""
            SELECT CAST(SUM(amount_fen) AS BIGINT) AS n FROM receipts WHERE item_id = \(bind: d.itemID) AND kind = 'refund' AND status IN ('awaiting_approval', 'pending')
            """).first(decoding: W.self)?.n ?? 0
        let refundable = item.confirmedFen + waiting - min(item.amountFen, 0)
        guard d.amount.fen <= refundable else { throw Problem.conflict("refund_exceeds_collected", ["amount": Money(fen: refundable).description]) }
        let now = now()
        let result = try await Idempotent.run(key: idempotencyKey, actor: principal.userID, operation: "createRefund", fingerprint: fingerprint,
                                              store: store, context: context, now: now) { tx in
            // Chosen on everything refunded or asked for on this sale, so split refunds still reach the GM.
            let earlier = try await Self.requested(.refund, subject: sale, on: tx.sql)
            let approver = ApprovalPolicy.refundApprover(earlier + d.amount)
            let approval = try await ApprovalService.file(.init(kind: .refund, projectID: item.projectId, subjectType: "subscription", subjectID: sale,
                                                               title: "退款 \(d.amount) 元 · \(d.payer)", amount: d.amount, permyriad: nil, payload: reason,
                                                               requiredRole: approver, reason: reason), context: context, now: now, on: tx)
            let number = try await Self.insertReceipt(d, kind: .refund, status: .awaitingApproval, sale: sale, projectID: item.projectId,
                                                      approval: approval, context: context, now: now, on: tx)
            try await Self.event(sale, "refund.request", "申请退款 \(number) · \(d.amount) 元：\(reason)", context: context, now: now, on: tx)
            let r = try await tx.sql.raw("\(unsafeRaw: Self.receiptSelect) WHERE r.number = \(bind: number) AND r.project_id = \(bind: item.projectId)")
                .first(decoding: Receipt.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))!
            return (r, AuditEntry(action: "refund.request", entity: "receipt", entityID: r.id.uuidString, projectID: item.projectId,
                                  summary: "refund \(number) of \(d.amount.plain) requested", after: ["approver": approver.rawValue]))
        }
        return (result.value, result.replayed)
    }

    /// The amounts of approvals of `kind` on a subject, pending or approved.
    static func requested(_ kind: ApprovalKind, subject: UUID, on db: any SQLDatabase) async throws -> Money {
        Money(fen: try await ApprovalService.requestedFen(kind, subject: subject, sql: db))
    }

    /// Everything confirmed on a sale, paid back (退订 with refund, 退房): one approved refund per item.
    /// `keeping` is what the developer retains (违约金 of a buyer in default), taken off the last items
    /// first; items of the kinds in `except` are kept whole. A lender's money goes back to the lender.
    static func refundEverything(_ sale: UUID, projectID: UUID, approval: UUID, reason: String, keeping: Money = .zero,
                                 except: Set<PlanItemKind> = [], context: AuditContext, now: Date, on tx: any Database) async throws -> Money {
        struct I: Decodable { var id: UUID; var kind: String; var confirmed_fen: Int64; var pending_out_fen: Int64 }
        let items = try await tx.sql.select().columns("id", "kind", "confirmed_fen", "pending_out_fen").from("payment_items")
            .where("subscription_id", .equal, sale).where("confirmed_fen", .greaterThan, 0).orderBy("seq", .descending).all(decoding: I.self)
        var total = Money.zero
        var keep = keeping.fen
        for i in items where !except.contains(PlanItemKind(rawValue: i.kind) ?? .downPayment) {
            let refundable = i.confirmed_fen + i.pending_out_fen
            let kept = min(max(keep, 0), max(refundable, 0))
            keep -= kept
            let amount = Money(fen: refundable - kept)
            guard amount.fen > 0 else { continue }
            let payee = PlanItemKind(rawValue: i.kind)?.isLoan == true ? "贷款银行" : "买受人"
            _ = try await insertReceipt(.init(itemID: i.id, amount: amount, method: .transfer, receivedOn: CalendarDay(now), payer: payee, reference: reason),
                                        kind: .refund, status: .pending, sale: sale, projectID: projectID, approval: approval,
                                        context: context, now: now, on: tx)
            total += amount
        }
        return total
    }

    /// Receipts of a sale still waiting for finance, when the sale ends: sent back as not received
    /// (a sale that no longer exists cannot collect), so nothing is confirmed onto a dead plan.
    static func rejectWaiting(_ sale: UUID, reason: String, context: AuditContext, now: Date, on tx: any Database) async throws {
        struct R: Decodable { var id: UUID; var item_id: UUID; var amount_fen: Int64 }
        let waiting = try await tx.sql.update("receipts").set("status", to: ReceiptStatus.rejected.rawValue).set("confirmed_at", to: now)
            .set("confirmed_by_name", to: "系统（\(reason)）")
            .where("subscription_id", .equal, sale).where("kind", .equal, "receipt").where("status", .equal, ReceiptStatus.pending.rawValue)
            .returning("id", "item_id", "amount_fen").all(decoding: R.self)
        for r in waiting {
            try await tx.sql.raw("UPDATE payment_items SET pending_in_fen = pending_in_fen - \(bind: r.amount_fen) WHERE id = \(bind: r.item_id)").run()
        }
    }

    // MARK: Plan changes and penalty waivers

    public struct PlanLine: Sendable, Codable, Equatable {
        public var id: UUID?
        public var kind: String
        public var amountFen: Int64
        public var dueOn: String
        public init(id: UUID?, kind: PlanItemKind, amount: Money, due: CalendarDay) {
            self.id = id; self.kind = kind.rawValue; self.amountFen = amount.fen; self.dueOn = due.description
        }
    }
    struct PlanPayload: Codable { var lines: [PlanLine]; var reason: String }

    /// Checks a new plan against the contract: price items still add up to the total, nothing
    /// below what was collected on it, no item with money on it removed.
    static func checkPlan(_ lines: [PlanLine], current: [PlanItem], total: Money) -> [Problem.FieldError] {
        var bad: [Problem.FieldError] = []
        let live = current.filter(\.isLive)
        for (i, l) in lines.enumerated() {
            guard let kind = PlanItemKind(rawValue: l.kind), CalendarDay(l.dueOn) != nil else { bad.append(.init(field: "items[\(i)]", code: "item_invalid")); continue }
            if kind == .deposit || kind == .areaDifference { if l.id == nil { bad.append(.init(field: "items[\(i)].kind", code: "item_kind_not_editable")) } }
            if l.amountFen <= 0 && kind != .areaDifference { bad.append(.init(field: "items[\(i)].amount", code: "amount_invalid")) }
            if let id = l.id {
                guard let old = live.first(where: { $0.id == id }) else { bad.append(.init(field: "items[\(i)].id", code: "item_unknown")); continue }
                if old.kind.rawValue != l.kind { bad.append(.init(field: "items[\(i)].kind", code: "item_kind_changed")) }
                if l.amountFen < old.collected.fen + old.pendingIn.fen { bad.append(.init(field: "items[\(i)].amount", code: "amount_below_collected")) }
                if (old.kind == .deposit || old.kind == .areaDifference) && (l.amountFen != old.amount.fen) {
                    bad.append(.init(field: "items[\(i)].amount", code: "item_kind_not_editable"))
                }
            }
        }
        if Set(lines.compactMap(\.id)).count != lines.compactMap(\.id).count { bad.append(.init(field: "items", code: "item_twice")) }
        for old in live where !lines.contains(where: { $0.id == old.id }) && (old.collected.fen != 0 || old.pendingIn.fen != 0 || old.pendingOut.fen != 0 || old.kind == .deposit) {
            bad.append(.init(field: "items", code: "item_with_money_removed"))
        }
        let price = lines.filter { PlanItemKind(rawValue: $0.kind)?.isPrice == true }.reduce(Int64(0)) { $0 + $1.amountFen }
        if bad.isEmpty, price != total.fen { bad.append(.init(field: "items", code: "plan_not_total", arguments: ["limit": total.description])) }
        return bad
    }

    /// A change of the plan (due dates, split of amounts) goes to the sales manager.
    public func requestPlanChange(_ id: UUID, lines: [PlanLine], reason: String, context: AuditContext) async throws -> UUID {
        guard Text.isCleanLine(reason, maxLength: 200), !reason.trimmed.isEmpty else { throw Problem.invalid("reason", "reason_required") }
        let c = try await contract(id, in: [.draft, .signed])
        let bad = Self.checkPlan(lines, current: c.plan, total: c.total)
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        if c.pendingApprovalId != nil { throw Problem.conflict("change_pending") }
        let payload = try JSONEncoder().encode(PlanPayload(lines: lines, reason: reason)).utf8String
        return try await fileContractApproval(c, kind: .planChange, role: ApprovalPolicy.saleChangeApprover, title: "付款计划变更 \(c.number) \(c.unitCode)",
                                              amount: c.total, payload: payload, reason: reason, context: context)
    }

    /// 违约金减免: waiving part or all of an item's accrued penalty, by approval.
    public func requestPenaltyWaiver(_ id: UUID, item: UUID, amount: Money, reason: String, context: AuditContext) async throws -> UUID {
        guard Text.isCleanLine(reason, maxLength: 200), !reason.trimmed.isEmpty else { throw Problem.invalid("reason", "reason_required") }
        let c = try await contract(id, in: [.signed])
        guard let it = c.plan.first(where: { $0.id == item }) else { throw Problem.invalid("itemId", "item_unknown") }
        guard amount.fen > 0, amount <= it.penaltyDue else {
            throw Problem.invalid([.init(field: "amount", code: "waiver_exceeds_penalty", arguments: ["limit": it.penaltyDue.description])])
        }
        struct P: Codable { var itemID: UUID; var amountFen: Int64; var reason: String }
        let payload = try JSONEncoder().encode(P(itemID: item, amountFen: amount.fen, reason: reason)).utf8String
        // The approver is chosen on everything waived or asked for on this contract, so splitting a waiver
        // into small requests does not keep it from the GM.
        let earlier = try await Self.requested(.penaltyWaiver, subject: c.id, on: store.sql) + c.plan.reduce(Money.zero) { $0 + $1.waived }
        return try await fileContractApproval(c, kind: .penaltyWaiver, role: ApprovalPolicy.waiverApprover(earlier + amount),
                                              title: "违约金减免 \(c.number) · \(amount) 元", amount: amount, payload: payload, reason: reason,
                                              context: context, exclusive: false)
    }

    func fileContractApproval(_ c: Contract, kind: ApprovalKind, role: Role, title: String, amount: Money?, payload: String, reason: String,
                              context: AuditContext, exclusive: Bool = true) async throws -> UUID {
        let now = now()
        return try await store.audited(context) { tx in
            let approval = try await ApprovalService.file(.init(kind: kind, projectID: c.projectId, subjectType: "contract", subjectID: c.id, title: title,
                                                               amount: amount, permyriad: nil, payload: payload, requiredRole: role, reason: reason),
                                                          context: context, now: now, on: tx)
            if exclusive {
                let rows = try await tx.sql.update("contracts").set("pending_approval_id", to: approval).where("id", .equal, c.id)
                    .where(SQLColumn("pending_approval_id"), .is, SQLLiteral.null).returning("id").all()
                guard !rows.isEmpty else { throw Problem.conflict("change_pending") }
            }
            try await Self.event(c.subscriptionId, "\(kind.rawValue).request", "申请\(title)：\(reason)", context: context, now: now, on: tx)
            return (approval, AuditEntry(action: "approval.request", entity: "contract", entityID: c.id.uuidString, projectID: c.projectId,
                                         summary: "requested \(kind.rawValue) for \(c.number)", after: ["kind": kind.rawValue, "approver": role.rawValue]))
        }
    }

    static func contractAppliers(events: UnitEventHub) -> [ApprovalKind: ApprovalApplier] {
        let all: [ApprovalKind: ApprovalApplier] = [
            .planChange: { approval, approved, tx, context, now in
                guard let id = approval.subjectID else { return ApprovalEffect() }
                struct C: Decodable { var subscription_id: UUID; var total_fen: Int64; var status: String; var penalty_rate: Int }
                guard let c = try await tx.sql.select().columns("subscription_id", "total_fen", "status", "penalty_rate").from("contracts")
                    .where("id", .equal, id).first(decoding: C.self) else { return ApprovalEffect() }
                try await clearPending(c.subscription_id, approval: approval.id, on: tx)
                guard approved else {
                    try await event(c.subscription_id, "plan_change.\(approval.status.rawValue)", "付款计划变更未获批准", context: context, now: now, on: tx)
                    return ApprovalEffect()
                }
                guard c.status != ContractStatus.terminated.rawValue else { throw Problem.conflict("contract_status_conflict", ["status": c.status]) }
                let p = try JSONDecoder().decode(PlanPayload.self, from: Data(approval.payload.utf8))
                // Decided on the plan as it is now: money may have come in since the request.
                let current = try await plan(c.subscription_id, rate: c.penalty_rate, today: CalendarDay(now), on: tx.sql)
                let bad = checkPlan(p.lines, current: current, total: Money(fen: c.total_fen))
                guard bad.isEmpty else { throw Problem.conflict("plan_changed_meanwhile") }
                // Each write only if the item still holds what was checked: a receipt racing this decision wins, and the
                // decision is refused (plan_changed_meanwhile) rather than leaving an item below its money.
                for old in current where old.isLive && !p.lines.contains(where: { $0.id == old.id }) {
                    let gone = try await tx.sql.raw("""
                        UPDATE payment_items SET is_live = \(SQLLiteral.boolean(false)) WHERE id = \(bind: old.id)
                          AND confirmed_fen = 0 AND pending_in_fen = 0 AND pending_out_fen = 0 RETURNING id
                        """).all()
                    guard !gone.isEmpty else { throw Problem.conflict("plan_changed_meanwhile") }
                }
                var seq = (current.map(\.seq).max() ?? 0) + 1
                for l in p.lines {
                    if let itemID = l.id {
                        let kept = try await tx.sql.raw("""
                            UPDATE payment_items SET amount_fen = \(bind: l.amountFen), due_on = \(bind: l.dueOn)
                            WHERE id = \(bind: itemID) AND is_live AND confirmed_fen + pending_in_fen <= \(bind: l.amountFen) RETURNING id
                            """).all()
                        guard !kept.isEmpty else { throw Problem.conflict("plan_changed_meanwhile") }
                    } else {
                        try await insertItems([.init(kind: PlanItemKind(rawValue: l.kind)!, amount: Money(fen: l.amountFen), due: CalendarDay(l.dueOn)!)],
                                              sale: c.subscription_id, projectID: approval.projectID, from: seq, on: tx)
                        seq += 1
                    }
                }
                try await event(c.subscription_id, "plan_change", "付款计划已变更（\(p.lines.count) 期）：\(p.reason)", context: context, now: now, on: tx)
                return ApprovalEffect(entries: [AuditEntry(action: "plan.change", entity: "contract", entityID: id.uuidString, projectID: approval.projectID,
                                                           summary: "payment plan changed: \(approval.title)", after: ["items": "\(p.lines.count)"])])
            },
            .penaltyWaiver: { approval, approved, tx, context, now in
                guard let id = approval.subjectID else { return ApprovalEffect() }
                struct C: Decodable { var subscription_id: UUID }
                guard let c = try await tx.sql.select().column("subscription_id").from("contracts").where("id", .equal, id).first(decoding: C.self)
                else { return ApprovalEffect() }
                guard approved else { return ApprovalEffect() }
                struct P: Codable { var itemID: UUID; var amountFen: Int64; var reason: String }
                let p = try JSONDecoder().decode(P.self, from: Data(approval.payload.utf8))
                // Decided on the penalty as it stands now: waivers approved since count against it.
                struct T: Decodable { var penalty_rate: Int; var signed_on: String? }
                let terms = try await tx.sql.select().columns("penalty_rate", "signed_on").from("contracts").where("id", .equal, id).first(decoding: T.self)
                let items = try await plan(c.subscription_id, rate: terms?.penalty_rate ?? 0, from: terms?.signed_on.flatMap(CalendarDay.init),
                                           today: CalendarDay(now), on: tx.sql)
                guard let item = items.first(where: { $0.id == p.itemID }), p.amountFen <= item.penaltyDue.fen else {
                    throw Problem.conflict("waiver_exceeds_penalty")
                }
                try await tx.sql.insert(into: "penalty_waivers").columns("id", "item_id", "subscription_id", "amount_fen", "approval_id", "reason", "created_at")
                    .values(SQLBind(UUID()), SQLBind(p.itemID), SQLBind(c.subscription_id), SQLBind(p.amountFen), SQLBind(approval.id), SQLBind(p.reason),
                            SQLBind(now)).run()
                try await event(c.subscription_id, "penalty_waiver", "违约金减免 \(Money(fen: p.amountFen)) 元：\(p.reason)", context: context, now: now, on: tx)
                return ApprovalEffect(entries: [AuditEntry(action: "penalty.waive", entity: "contract", entityID: id.uuidString, projectID: approval.projectID,
                                                           summary: "waived \(Money(fen: p.amountFen).plain) of penalty", after: ["amount": Money(fen: p.amountFen).plain])])
            },
            .refund: { approval, approved, tx, context, now in
                guard let sale = approval.subjectID else { return ApprovalEffect() }
                struct R: Decodable { var id: UUID; var item_id: UUID; var amount_fen: Int64; var number: String }
                guard let r = try await tx.sql.select().columns("id", "item_id", "amount_fen", "number").from("receipts")
                    .where("approval_id", .equal, approval.id).where("status", .equal, ReceiptStatus.awaitingApproval.rawValue).first(decoding: R.self)
                else { return ApprovalEffect() }
                guard approved else {
                    try await tx.sql.update("receipts").set("status", to: ReceiptStatus.rejected.rawValue).where("id", .equal, r.id).run()
                    try await event(sale, "refund.\(approval.status.rawValue)", "退款 \(r.number) 未获批准", context: context, now: now, on: tx)
                    return ApprovalEffect()
                }
                // Approved: it now waits for finance to pay it out; it may not exceed what was collected.
                guard try await tx.sql.raw("""
                    UPDATE payment_items SET pending_out_fen = pending_out_fen + \(bind: r.amount_fen)
                    WHERE id = \(bind: r.item_id) AND \(refundLimit(r.amount_fen)) RETURNING id
                    """).first() != nil else { throw Problem.conflict("refund_exceeds_collected") }
                try await tx.sql.update("receipts").set("status", to: ReceiptStatus.pending.rawValue).where("id", .equal, r.id).run()
                try await event(sale, "refund.approve", "退款 \(r.number) 已批准，待财务付款核实", context: context, now: now, on: tx)
                return ApprovalEffect(entries: [AuditEntry(action: "refund.approve", entity: "receipt", entityID: r.id.uuidString, projectID: approval.projectID,
                                                           summary: "refund \(r.number) approved", before: ["status": "awaiting_approval"], after: ["status": "pending"])])
            },
            .termination: { approval, approved, tx, context, now in
                guard let id = approval.subjectID else { return ApprovalEffect() }
                let p = try JSONDecoder().decode(TerminationPayload.self, from: Data(approval.payload.utf8))
                struct C: Decodable { var subscription_id: UUID; var unit_id: UUID; var number: String; var status: String; var delivered_on: String? }
                guard let c = try await tx.sql.select().columns("subscription_id", "unit_id", "number", "status", "delivered_on").from("contracts")
                    .where("id", .equal, id).first(decoding: C.self) else { return ApprovalEffect() }
                try await clearPending(c.subscription_id, approval: approval.id, on: tx)
                guard approved else {
                    try await tx.sql.update("contracts").set("area_decision", to: "keep").where("id", .equal, id).where("area_decision", .equal, "return").run()
                    try await event(c.subscription_id, "termination.\(approval.status.rawValue)", "退房未获批准", context: context, now: now, on: tx)
                    return ApprovalEffect()
                }
                guard c.status == ContractStatus.signed.rawValue, c.delivered_on == nil else { throw Problem.conflict("contract_status_conflict", ["status": c.status]) }
                try await tx.sql.update("contracts").set("status", to: ContractStatus.terminated.rawValue).set("terminated_on", to: CalendarDay(now).description)
                    .set("termination_reason", to: p.reason).set("updated_at", to: now).where("id", .equal, id).run()
                try await ReportLedger.termination(id, projectID: approval.projectID, on: tx.sql)
                let code = try await freeUnit(c.unit_id, in: approval.projectID, move: .terminate, reason: "退房 \(c.number)：\(p.reason)",
                                              context: context, now: now, on: tx)
                try await tx.sql.update("payment_items").set("is_live", to: SQLLiteral.boolean(false)).where("subscription_id", .equal, c.subscription_id).run()
                try await rejectWaiting(c.subscription_id, reason: "退房", context: context, now: now, on: tx)
                // A handover appointment gives its place back.
                try await tx.sql.raw("""
                    UPDATE delivery_slots SET booked = booked - 1 WHERE booked > 0 AND id = (SELECT slot_id FROM contracts WHERE id = \(bind: id))
                    """).run()
                try await tx.sql.update("contracts").set("slot_id", to: SQLLiteral.null).where("id", .equal, id).run()
                let refunded = try await refundEverything(c.subscription_id, projectID: approval.projectID, approval: approval.id, reason: "退房退款",
                                                          keeping: Money(fen: p.retainedFen), context: context, now: now, on: tx)
                try await event(c.subscription_id, "terminate",
                                "退房 \(code) · 退还已收房款 \(refunded) 元（待财务付款核实）\(p.retainedFen > 0 ? " · 扣留违约金 \(Money(fen: p.retainedFen)) 元" : "")：\(p.reason)",
                                context: context, now: now, on: tx)
                let change = UnitChange(projectID: approval.projectID, unitIDs: [c.unit_id])
                try await events.announce(change, on: tx)
                return ApprovalEffect(entries: [AuditEntry(action: "contract.terminate", entity: "contract", entityID: id.uuidString,
                                                           projectID: approval.projectID, summary: "contract \(c.number) terminated, unit \(code) freed",
                                                           before: ["status": "signed"], after: ["status": "terminated", "refunded": refunded.plain,
                                                                                                 "retained": Money(fen: p.retainedFen).plain])],
                                      afterCommit: { events.committed(change) })
            },
        ]
        return all
    }

    // MARK: Arrears

    public struct ArrearsRow: Sendable, Equatable {
        public var consultantID: UUID?
        public var consultantName: String
        public var contracts: Int
        public var outstanding: Money
        public var overdue: Money
        /// Of the overdue, what has been recorded and waits for finance (the overdue work list no longer chases it).
        public var overduePending: Money = .zero
        public var penalty: Money
    }

    /// 欠款: per consultant and for the project, over live sales — outstanding (all not yet
    /// collected), overdue (past due) and the penalty accrued net of waivers.
    public func arrears(_ projectID: UUID) async throws -> (rows: [ArrearsRow], total: ArrearsRow) {
        struct R: Decodable { var subscriptionId: UUID; var consultantId: UUID?; var consultantName: String?; var penaltyRate: Int?; var signedOn: String? }
        let sales = try await store.sql.raw("""
            SELECT s.id AS subscription_id, s.consultant_id, cu.display_name AS consultant_name,
                   CASE WHEN c.status = 'signed' THEN c.penalty_rate ELSE 0 END AS penalty_rate, c.signed_on
            FROM subscriptions s LEFT JOIN users cu ON cu.id = s.consultant_id LEFT JOIN contracts c ON c.subscription_id = s.id
            WHERE s.project_id = \(bind: projectID) AND s.status <> 'cancelled' AND (c.status IS NULL OR c.status <> 'terminated')
              AND (EXISTS (SELECT 1 FROM payment_items i WHERE i.subscription_id = s.id AND i.is_live AND i.confirmed_fen < i.amount_fen)
                   OR c.status = 'signed')
            """).all(decoding: R.self, with: sqlDecoder)
        var byConsultant: [UUID?: ArrearsRow] = [:]
        var total = ArrearsRow(consultantID: nil, consultantName: "合计", contracts: 0, outstanding: .zero, overdue: .zero, penalty: .zero)
        let plans = try await Self.plans(Dictionary(sales.map { ($0.subscriptionId, $0.penaltyRate ?? 0) }, uniquingKeysWith: { a, _ in a }),
                                         from: Dictionary(sales.compactMap { s in s.signedOn.flatMap(CalendarDay.init).map { (s.subscriptionId, $0) } },
                                                          uniquingKeysWith: { a, _ in a }),
                                         today: today, on: store.sql)
        for s in sales {
            let live = (plans[s.subscriptionId] ?? []).filter(\.isLive)
            let items = live.filter { $0.outstanding.fen > 0 }
            let outstanding = items.reduce(Money.zero) { $0 + $1.outstanding }
            let overdue = items.filter { $0.overdueDays > 0 }.reduce(Money.zero) { $0 + $1.outstanding }
            let overduePending = items.filter { $0.overdueDays > 0 }.reduce(Money.zero) { $0 + max(min($1.pendingIn, $1.outstanding), .zero) }
            // A penalty stays owed after the late money came in.
            let penalty = live.reduce(Money.zero) { $0 + $1.penaltyDue }
            if outstanding.fen == 0, penalty.fen == 0 { continue }
            var row = byConsultant[s.consultantId] ?? ArrearsRow(consultantID: s.consultantId, consultantName: s.consultantName ?? "—", contracts: 0,
                                                                 outstanding: .zero, overdue: .zero, penalty: .zero)
            row.contracts += 1; row.outstanding += outstanding; row.overdue += overdue; row.overduePending += overduePending; row.penalty += penalty
            byConsultant[s.consultantId] = row
            total.contracts += 1; total.outstanding += outstanding; total.overdue += overdue; total.overduePending += overduePending
            total.penalty += penalty
        }
        return (byConsultant.values.sorted { ($0.overdue, $0.outstanding) > ($1.overdue, $1.outstanding) }, total)
    }
}

/// Stripe's idempotency keys: the first successful answer to (caller, key) is stored with the
/// change, in its transaction, and replayed to every retry; the same key with a different
/// request is refused (422 `idempotency_key_reused`). A failed request stores nothing, so its
/// retry runs again. Two concurrent requests with one key: one commits; the other fails (on the
/// key's unique index, or because the winner's change left nothing for it to do), rolls back,
/// and replays the winner's answer.
enum Idempotent {
    struct K: Decodable { var operation: String; var fingerprint: String; var body: String }
    struct Outcome<T: Sendable>: Sendable { var value: T; var replayed: Bool }

    static func check(_ key: String) throws {
        guard (8...64).contains(key.count), key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw Problem.invalid("Idempotency-Key", "idempotency_key_invalid")
        }
    }

    static func digest(_ s: String) -> String { SHA256.hash(data: Data(s.utf8)).map { String(format: "%02x", $0) }.joined() }

    static func replay<T: Codable & Sendable>(key: String, actor: UUID, operation: String, fingerprint: String,
                                              on db: any SQLDatabase) async throws -> Outcome<T>? {
        try check(key)
        guard let k = try await db.select().columns("operation", "fingerprint", "body").from("idempotency_keys")
            .where("actor_id", .equal, actor).where("key", .equal, key).first(decoding: K.self) else { return nil }
        guard k.operation == operation, k.fingerprint == digest(fingerprint) else { throw Problem.invalid("Idempotency-Key", "idempotency_key_reused") }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return Outcome(value: try decoder.decode(T.self, from: Data(k.body.utf8)), replayed: true)
    }

    static func run<T: Codable & Sendable>(key: String, actor: UUID, operation: String, fingerprint: String, store: Store, context: AuditContext,
                                           now: Date, _ body: @escaping @Sendable (any Database) async throws -> (T, AuditEntry)) async throws -> Outcome<T> {
        do {
            let value = try await store.audited(context) { tx in
                let (value, entry) = try await body(tx)
                let encoder = JSONEncoder()
                encoder.dateEncodingStrategy = .iso8601
                try await tx.sql.insert(into: "idempotency_keys").columns("actor_id", "key", "operation", "fingerprint", "body", "created_at")
                    .values(SQLBind(actor), SQLBind(key), SQLBind(operation), SQLBind(digest(fingerprint)),
                            SQLBind(try encoder.encode(value).utf8String), SQLBind(now)).run()
                return (value, entry)
            }
            return Outcome(value: value, replayed: false)
        } catch {
            // A failed request stores nothing; if the key is on record now, a twin with the same
            // key won the race (its unique index, or its change made ours impossible): replay it.
            if let won: Outcome<T> = try await replay(key: key, actor: actor, operation: operation, fingerprint: fingerprint, on: store.sql) { return won }
            throw error
        }
    }
}
