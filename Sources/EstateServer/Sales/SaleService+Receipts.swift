import Crypto
import EstateCore
import FluentKit
import Foundation
import SQLKit

extension SaleService {
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
        /// Why finance sent it back (退回); nil unless rejected with a reason.
        public var rejectionReason: String?
        public var createdByName: String
        public var createdBy: UUID?
        public var createdAt: Date
        public var amount: Money { Money(fen: amountFen) }
    }

    /// `unit_code` is filled after the read from Inventory, and the creator's current name from
    /// Platform (issue 14); a creator no longer a user keeps the name on the receipt.
    static let receiptSelect = """
        SELECT r.id, r.project_id, r.number, r.kind, r.subscription_id, c.id AS contract_id, r.item_id, i.kind AS item_kind, '' AS unit_code,
               s.unit_id, r.amount_fen, r.method, r.received_on, r.payer, r.reference, r.status, r.approval_id, r.confirmed_by_name,
               r.confirmed_at, r.rejection_reason, r.created_by_name, r.created_by, r.created_at
        FROM receipts r JOIN payment_items i ON i.id = r.item_id JOIN subscriptions s ON s.id = r.subscription_id
        LEFT JOIN contracts c ON c.subscription_id = r.subscription_id
        """

    /// Receipts matching `condition` (`WHERE …`, with any order and limit), labelled, one query each for codes and names.
    static func receipts(_ condition: SQLQueryString, on sql: any SQLDatabase) async throws -> [Receipt] {
        struct Unit: Decodable { var unitId: UUID }
        let decoder = SQLRowDecoder.snakeCase
        let rows = try await sql.raw("\(unsafeRaw: Self.receiptSelect) \(condition)").all()
        var items = try rows.map { try $0.decode(model: Receipt.self, with: decoder) }
        let units = try rows.map { try $0.decode(model: Unit.self, with: decoder).unitId }
        let codes = try await InventoryService.unitCodes(units, sql: sql)
        let names = try await StaffDirectory.displayNames(items.compactMap(\.createdBy), sql: sql)
        for i in items.indices {
            items[i].unitCode = codes[units[i]] ?? ""
            if let name = items[i].createdBy.flatMap({ names[$0] }) { items[i].createdByName = name }
        }
        return items
    }

    public func receipt(_ id: UUID) async throws -> Receipt {
        guard let r = try await Self.receipts("WHERE r.id = \(bind: id)", on: store.sql).first else { throw Problem.notFound }
        return r
    }

    public func receipts(_ projectID: UUID, status: ReceiptStatus?, sale: UUID?, page: PageRequest) async throws -> Paged<Receipt> {
        try await receipts(projectID, filter: ReceiptFilter(status: status, sale: sale), page: page)
    }

    /// The desk's filter: status, the sale, received between two days (inclusive), and a search
    /// over number, payer, reference and unit code.
    public struct ReceiptFilter: Sendable, Equatable {
        public var status: ReceiptStatus?
        public var sale: UUID?
        public var from: CalendarDay?
        public var to: CalendarDay?
        public var search: String?
        public init(status: ReceiptStatus? = nil, sale: UUID? = nil, from: CalendarDay? = nil, to: CalendarDay? = nil, search: String? = nil) {
            self.status = status; self.sale = sale; self.from = from; self.to = to; self.search = search
        }
    }

    public func receipts(_ projectID: UUID, filter: ReceiptFilter, page: PageRequest) async throws -> Paged<Receipt> {
        var w: SQLQueryString = "WHERE r.project_id = \(bind: projectID)"
        if let status = filter.status { w = w + " AND r.status = \(bind: status.rawValue)" }
        if let sale = filter.sale { w = w + " AND r.subscription_id = \(bind: sale)" }
        if let from = filter.from { w = w + " AND r.received_on >= \(bind: from.description)" }
        if let to = filter.to { w = w + " AND r.received_on <= \(bind: to.description)" }
        if let q = filter.search?.trimmed.lowercased(), !q.isEmpty {
            let like = "%" + q.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            // The unit code is Inventory's: matched by its unit ids, inside this one statement.
            w = w + " AND (LOWER(r.number) LIKE \(bind: like) OR LOWER(r.payer) LIKE \(bind: like) OR LOWER(r.reference) LIKE \(bind: like)"
                + " OR r.subscription_id IN (SELECT s2.id FROM subscriptions s2 WHERE s2.project_id = \(bind: projectID)"
                + " AND s2.unit_id IN (\(InventoryService.unitIDs(codeLike: like, in: projectID)))))"
        }
        struct N: Decodable { var n: Int }
        let total = try await store.sql.raw("SELECT COUNT(*) AS n FROM receipts r \(w)").first(decoding: N.self)?.n ?? 0
        let items = try await Self.receipts("""
            \(w) ORDER BY r.created_at DESC, r.number DESC
            LIMIT \(unsafeRaw: String(page.perPage)) OFFSET \(unsafeRaw: String(page.offset))
            """, on: store.sql)
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
            let r = try await Self.receipts("WHERE r.number = \(bind: number) AND r.project_id = \(bind: projectID)", on: tx.sql)[0]
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
                .set("confirmed_by_name", to: principal.displayName).set("confirmed_at", to: now).set("rejection_reason", to: reason.trimmed)
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
            let r = try await Self.receipts("WHERE r.number = \(bind: number) AND r.project_id = \(bind: item.projectId)", on: tx.sql)[0]
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
            .set("confirmed_by_name", to: "系统（\(reason)）").set("rejection_reason", to: reason)
            .where("subscription_id", .equal, sale).where("kind", .equal, "receipt").where("status", .equal, ReceiptStatus.pending.rawValue)
            .returning("id", "item_id", "amount_fen").all(decoding: R.self)
        for r in waiting {
            try await tx.sql.raw("UPDATE payment_items SET pending_in_fen = pending_in_fen - \(bind: r.amount_fen) WHERE id = \(bind: r.item_id)").run()
        }
    }
}

extension SaleService {
    /// The numbers of contracts, subscriptions and receipts among `ids` (认购书 RG…, 合同 HT…, 收款 SK…),
    /// for the lines of another capability's page that name them (the audit log); one query per table.
    static func documentNumbers(_ ids: [UUID], sql: any SQLDatabase) async throws -> [UUID: String] {
        struct R: Decodable { var id: UUID; var number: String }
        var out: [UUID: String] = [:]
        for table in ["contracts", "subscriptions", "receipts"] {
            for chunk in Array(Set(ids).subtracting(out.keys)).chunked(500) where !chunk.isEmpty {
                for r in try await sql.select().columns("id", "number").from(table).where("id", .in, SQLBind.group(Array(chunk))).all(decoding: R.self) {
                    out[r.id] = r.number
                }
            }
        }
        return out
    }
}
