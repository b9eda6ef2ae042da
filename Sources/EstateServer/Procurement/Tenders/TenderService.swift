import Crypto
import EstateCore
import Foundation
import SQLKit

/// 招投标: an RFQ or tender on an approved plan line, with invited suppliers and an opening time. Bids are sealed
/// (AES-GCM under the keyring's tender key) when they arrive: nobody reads or changes one before the opening — an
/// attempt is refused 403 and written to the audit log. The opening takes two different staff after the opening
/// time; then the bids are compared side by side and one is awarded with written reasons, which files the contract
/// (a purchase order at the bid's price) for approval by amount. A tender whose estimate reaches the
/// 必须招标的工程项目规定 threshold is flagged as needing a public tender.
public struct TenderService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let key: SymmetricKey

    public struct Tender: Decodable, Sendable {
        public var id: UUID
        public var projectId: UUID
        public var planLineId: UUID
        public var title: String
        public var estimateFen: Int64
        public var publicTender: Bool
        public var opensAt: Date
        public var status: String
        public var firstOpener: UUID?
        public var openedBy: UUID?
        public var openedAt: Date?
        public var awardedBidId: UUID?
        public var awardReason: String?
        public var orderId: UUID?
        public var createdAt: Date
    }

    public struct Bid: Decodable, Sendable {
        public var id: UUID
        public var tenderId: UUID
        public var supplierId: UUID
        public var sealed: String
        public var submittedAt: Date
        public var unitPriceFen: Int64?
        public var totalFen: Int64?
        public var deliveryDays: Int?
        public var terms: String?
    }

    /// What a bid says, sealed until the opening.
    struct Content: Codable { var unitPriceFen: Int64; var deliveryDays: Int; var terms: String }

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    public func create(projectID: UUID, planLineID: UUID, title: String, opensAt: Date, invited: [UUID], by actor: UUID?,
                       context: AuditContext) async throws -> Tender {
        var bad: [Problem.FieldError] = []
        let title = title.trimmingCharacters(in: .whitespaces)
        if !Text.isCleanLine(title, maxLength: 100) { bad.append(.init(field: "title", code: "text_invalid")) }
        if opensAt <= now() { bad.append(.init(field: "opensAt", code: "tender_opening_past")) }
        let invited = Array(Set(invited))
        if invited.count < 3 || invited.count > 50 { bad.append(.init(field: "supplierIds", code: "tender_three_suppliers")) }
        if !bad.isEmpty { throw Problem.invalid(bad) }
        struct L: Decodable { var id: UUID; var planId: UUID; var category: String; var budgetFen: Int64; var orderedFen: Int64 }
        guard let line = try await store.sql.raw("SELECT id, plan_id, category, budget_fen, ordered_fen FROM purchase_plan_lines WHERE id = \(bind: planLineID)")
            .first(decoding: L.self, with: decoder) else { throw Problem.invalid("planLineId", "plan_line_not_found") }
        let plan = try await PurchasePlanService(store: store, now: now).plan(line.planId)
        guard plan.projectId == projectID else { throw Problem.invalid("planLineId", "plan_line_not_found") }
        guard plan.status == "approved" else { throw Problem.conflict("plan_not_approved", ["status": plan.status]) }
        let suppliers = SupplierService(store: store, now: now)
        let category = SupplierCategory(rawValue: line.category) ?? .materials, today = CalendarDay(now())
        for s in invited {
            guard let sup = try await ifFound({ try await suppliers.supplier(s) }) else { throw Problem.invalid("supplierIds", "supplier_not_found") }
            if sup.status == "blacklisted" { throw Problem.conflict("supplier_blacklisted") }
            // Only suppliers of the line's category whose qualification in it has not lapsed (as an order would be refused).
            if let refusal = SupplierService.orderRefusal(sup, qualifications: try await suppliers.qualifications(s), category: category, on: today) {
                throw Problem.invalid([.init(field: "supplierIds", code: refusal, arguments: ["item": sup.name])])
            }
        }
        let estimate = Money(fen: line.budgetFen - line.orderedFen)
        let isPublic = SupplierCategory(rawValue: line.category).map { PublicTenderRule.needsPublicTender(estimate, category: $0) } ?? false
        let id = UUID(), at = now()
        try await store.audited(context) { tx -> ((), AuditEntry) in
            try await tx.sql.raw("""
                INSERT INTO tenders (id, project_id, plan_line_id, title, estimate_fen, public_tender, opens_at, status, created_by, created_at)
                VALUES (\(bind: id), \(bind: projectID), \(bind: planLineID), \(bind: title), \(bind: estimate.fen), \(bind: isPublic), \(bind: opensAt),
                'open', \(bind: actor), \(bind: at))
                """).run()
            for s in invited {
                try await tx.sql.raw("INSERT INTO tender_invitations (id, tender_id, supplier_id) VALUES (\(bind: UUID()), \(bind: id), \(bind: s))").run()
            }
            return ((), AuditEntry(action: "tender.create", entity: "tender", entityID: id.uuidString, projectID: projectID, summary: "招标 \(title)",
                                   after: ["name": title, "count": "\(invited.count)", "total": estimate.plain]))
        }
        return try await tender(id)
    }

    public func tender(_ id: UUID) async throws -> Tender {
        guard let t = try await store.sql.raw("SELECT * FROM tenders WHERE id = \(bind: id)").first(decoding: Tender.self, with: decoder)
        else { throw Problem.notFound }
        return t
    }

    public func tenders(projectID: UUID) async throws -> [Tender] {
        try await store.sql.raw("SELECT * FROM tenders WHERE project_id = \(bind: projectID) ORDER BY opens_at DESC, id LIMIT 200")
            .all(decoding: Tender.self, with: decoder)
    }

    public func invited(_ id: UUID) async throws -> [UUID] {
        struct S: Decodable { var supplierId: UUID }
        return try await store.sql.raw("SELECT supplier_id FROM tender_invitations WHERE tender_id = \(bind: id) ORDER BY supplier_id")
            .all(decoding: S.self, with: decoder).map(\.supplierId)
    }

    /// How many sealed bids a tender holds (the count only: nothing of their content).
    public func bidCount(_ id: UUID) async throws -> Int {
        struct N: Decodable { var n: Int }
        return try await store.sql.raw("SELECT COUNT(*) AS n FROM tender_bids WHERE tender_id = \(bind: id)").first(decoding: N.self)?.n ?? 0
    }

    /// Staff enter an invited supplier's bid as it arrives, sealed at once; once per supplier, before the opening.
    public func submitBid(_ tenderID: UUID, supplierID: UUID, unitPrice: String, deliveryDays: Int, terms: String, by actor: UUID?,
                          context: AuditContext) async throws -> UUID {
        let t = try await tender(tenderID)
        guard t.status == "open", now() < t.opensAt else { throw Problem.conflict("tender_closed_for_bids") }
        var bad: [Problem.FieldError] = []
        let price = Money(yuanText: unitPrice)
        if price == nil || price!.fen <= 0 || price! > Money.maxUnitPrice { bad.append(.init(field: "unitPrice", code: "amount_invalid")) }
        if deliveryDays < 1 || deliveryDays > 365 { bad.append(.init(field: "deliveryDays", code: "delivery_days_invalid")) }
        let terms = terms.trimmingCharacters(in: .whitespaces)
        if !terms.isEmpty, !Text.isCleanLine(terms, maxLength: 500) { bad.append(.init(field: "terms", code: "text_invalid")) }
        if !bad.isEmpty { throw Problem.invalid(bad) }
        guard try await invited(tenderID).contains(supplierID) else { throw Problem.invalid("supplierId", "tender_supplier_not_invited") }
        let plain = try JSONEncoder().encode(Content(unitPriceFen: price!.fen, deliveryDays: deliveryDays, terms: terms))
        guard let combined = try AES.GCM.seal(plain, using: key, authenticating: Data(tenderID.uuidString.utf8)).combined else {
            throw Problem(.internalServerError, "internal_error")
        }
        let sealed = combined.base64EncodedString()
        struct E: Decodable { var id: UUID }
        if try await store.sql.raw("SELECT id FROM tender_bids WHERE tender_id = \(bind: tenderID) AND supplier_id = \(bind: supplierID)")
            .first(decoding: E.self) != nil {
            // A sealed bid is not changed before the opening: the attempt is logged and refused.
            try await store.audited(context) { _ -> ((), AuditEntry) in
                ((), AuditEntry(action: "tender.change_sealed", entity: "tender", entityID: tenderID.uuidString, projectID: t.projectId,
                                summary: "开标前修改投标被拒绝 \(t.title)", outcome: .denied))
            }
            throw Problem(.forbidden, "tender_bid_sealed")
        }
        let id = UUID(), at = now()
        try await store.audited(context) { tx -> ((), AuditEntry) in
            struct I: Decodable { var id: UUID }
            if try await tx.sql.raw("SELECT id FROM tender_bids WHERE tender_id = \(bind: tenderID) AND supplier_id = \(bind: supplierID)")
                .first(decoding: I.self) != nil { throw Problem.conflict("tender_bid_exists") }
            try await tx.sql.raw("""
                INSERT INTO tender_bids (id, tender_id, supplier_id, sealed, submitted_by, submitted_at)
                VALUES (\(bind: id), \(bind: tenderID), \(bind: supplierID), \(bind: sealed), \(bind: actor), \(bind: at))
                """).run()
            // The audit line names the bid, never its content.
            return ((), AuditEntry(action: "tender.bid", entity: "tender", entityID: tenderID.uuidString, projectID: t.projectId,
                                   summary: "投标已密封 \(t.title)", after: ["count": "1"]))
        }
        return id
    }

    /// The bids side by side, after the opening. Before it, the attempt is written to the audit log (denied) in its own
    /// transaction and refused 403 `tender_sealed`.
    public func bids(_ tenderID: UUID, context: AuditContext) async throws -> [Bid] {
        let t = try await tender(tenderID)
        guard t.openedAt != nil else {
            try await store.audited(context) { _ -> ((), AuditEntry) in
                ((), AuditEntry(action: "tender.read_sealed", entity: "tender", entityID: tenderID.uuidString, projectID: t.projectId,
                                summary: "开标前查阅投标被拒绝 \(t.title)", outcome: .denied))
            }
            throw Problem(.forbidden, "tender_sealed")
        }
        return try await store.sql.raw("SELECT * FROM tender_bids WHERE tender_id = \(bind: tenderID) ORDER BY total_fen, submitted_at, id")
            .all(decoding: Bid.self, with: decoder)
    }

    /// The opening, by two different staff after the opening time: the first records their presence; the second opens
    /// every bid (decrypts and stores its figures) in the same transaction.
    public func open(_ tenderID: UUID, by actor: UUID, context: AuditContext) async throws -> Tender {
        let t = try await tender(tenderID)
        let at = now()
        guard at >= t.opensAt else { throw Problem.conflict("tender_not_due") }
        guard t.openedAt == nil else { throw Problem.conflict("tender_already_opened") }
        struct Q: Decodable { var quantityMilli: Int64 }
        let qty = try await store.sql.raw("SELECT quantity_milli FROM purchase_plan_lines WHERE id = \(bind: t.planLineId)")
            .first(decoding: Q.self, with: decoder)?.quantityMilli ?? 0
        let key = key
        try await store.audited(context) { tx -> ((), AuditEntry) in
            struct I: Decodable { var id: UUID }
            if t.firstOpener == nil {
                let first = try await tx.sql.raw("""
                    UPDATE tenders SET first_opener = \(bind: actor) WHERE id = \(bind: tenderID) AND first_opener IS NULL RETURNING id
                    """).all(decoding: I.self)
                if !first.isEmpty {
                    return ((), AuditEntry(action: "tender.open_first", entity: "tender", entityID: tenderID.uuidString, projectID: t.projectId,
                                           summary: "开标（第一人到场）\(t.title)", after: ["state": "opening"]))
                }
            }
            let opened = try await tx.sql.raw("""
                UPDATE tenders SET status = 'opened', opened_by = \(bind: actor), opened_at = \(bind: at)
                WHERE id = \(bind: tenderID) AND status = 'open' AND first_opener IS NOT NULL AND first_opener <> \(bind: actor) RETURNING id
                """).all(decoding: I.self)
            guard !opened.isEmpty else { throw Problem.conflict("tender_second_opener_required") }
            struct B: Decodable { var id: UUID; var sealed: String }
            for b in try await tx.sql.raw("SELECT id, sealed FROM tender_bids WHERE tender_id = \(bind: tenderID)").all(decoding: B.self) {
                guard let data = Data(base64Encoded: b.sealed),
                      let plain = try? AES.GCM.open(AES.GCM.SealedBox(combined: data), using: key, authenticating: Data(tenderID.uuidString.utf8)),
                      let c = try? JSONDecoder().decode(Content.self, from: plain) else { throw Problem.conflict("tender_bid_unreadable") }
                try await tx.sql.raw("""
                    UPDATE tender_bids SET unit_price_fen = \(bind: c.unitPriceFen), delivery_days = \(bind: c.deliveryDays), terms = \(bind: c.terms),
                    total_fen = \(bind: PurchaseQuantity.amount(milli: qty, unitPrice: Money(fen: c.unitPriceFen)).fen) WHERE id = \(bind: b.id)
                    """).run()
            }
            return ((), AuditEntry(action: "tender.open", entity: "tender", entityID: tenderID.uuidString, projectID: t.projectId,
                                   summary: "开标 \(t.title)", before: ["state": "open"], after: ["state": "opened"]))
        }
        return try await tender(tenderID)
    }

    /// Awards an opened tender to one bid with written reasons; the contract (a purchase order for the plan line's
    /// quantity at the bid's price, due its delivery days from today) is filed for approval in the same step.
    public func award(_ tenderID: UUID, bidID: UUID, reason: String, by principal: Principal, context: AuditContext) async throws
        -> (Tender, PurchaseOrderService.Order) {
        let t = try await tender(tenderID)
        guard t.status == "opened" else { throw Problem.conflict(t.status == "awarded" ? "tender_already_awarded" : "tender_not_opened") }
        let reason = reason.trimmingCharacters(in: .whitespaces)
        guard Text.isCleanLine(reason, maxLength: 500) else { throw Problem.invalid("reason", "reason_required") }
        guard let bid = try await bids(tenderID, context: context).first(where: { $0.id == bidID }), let price = bid.unitPriceFen else {
            throw Problem.invalid("bidId", "tender_bid_not_found")
        }
        struct L: Decodable { var planId: UUID; var quantityMilli: Int64; var material: String }
        guard let line = try await store.sql.raw("SELECT plan_id, quantity_milli, material FROM purchase_plan_lines WHERE id = \(bind: t.planLineId)")
            .first(decoding: L.self, with: decoder) else { throw Problem.notFound }
        let due = CalendarDay(now()).adding(days: bid.deliveryDays ?? 30)
        let filing = try await PurchaseOrderService(store: store, now: now).prepare(
            .init(projectID: t.projectId, supplierID: bid.supplierId, planID: line.planId, title: "\(t.title)（中标）",
                  lines: [.init(planLineID: t.planLineId, quantity: PurchaseQuantity.format(line.quantityMilli), unitPrice: Money(fen: price).plain,
                                dueOn: due.description)],
                  priceReason: "招标中标：\(reason)"),
            by: principal, context: context)
        // The tender is claimed first, in the same transaction that files the order: of two awards racing, one files
        // its order and the other is refused with nothing written.
        let order = try await store.audited(context) { tx -> (PurchaseOrderService.Order, AuditEntry) in
            struct I: Decodable { var id: UUID }
            let claimed = try await tx.sql.raw("""
                UPDATE tenders SET status = 'awarded', awarded_bid_id = \(bind: bidID), award_reason = \(bind: reason)
                WHERE id = \(bind: tenderID) AND status = 'opened' RETURNING id
                """).all(decoding: I.self)
            guard !claimed.isEmpty else { throw Problem.conflict("tender_already_awarded") }
            let (order, filed) = try await filing(tx)
            try await AuditLog.record(filed, context: context, on: tx)
            try await tx.sql.raw("UPDATE tenders SET order_id = \(bind: order.id) WHERE id = \(bind: tenderID)").run()
            return (order, AuditEntry(action: "tender.award", entity: "tender", entityID: tenderID.uuidString, projectID: t.projectId,
                                      summary: "定标 \(t.title)：\(order.number)", before: ["state": "opened"],
                                      after: ["state": "awarded", "reason": reason, "number": order.number]))
        }
        return (try await tender(tenderID), order)
    }
}
