import EstateCore
import FluentKit
import Foundation
import SQLKit

/// Banks (a managed list), delivery batches with appointment slots, and the work lists.
extension SaleService {
    public struct Bank: Sendable, Decodable, Equatable {
        public var id: UUID
        public var name: String
        public var branch: String
        public var active: Bool
    }

    public func banks() async throws -> [Bank] {
        try await store.sql.select().columns("id", "name", "branch", "active").from("banks").orderBy("name").orderBy("branch").all(decoding: Bank.self)
    }

    public func createBank(name: String, branch: String, context: AuditContext) async throws -> Bank {
        var bad: [Problem.FieldError] = []
        if name.trimmed.isEmpty || !Text.isCleanLine(name, maxLength: 40) { bad.append(.init(field: "name", code: "text_invalid")) }
        if !branch.isEmpty, !Text.isCleanLine(branch, maxLength: 40) { bad.append(.init(field: "branch", code: "text_invalid")) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let id = UUID(), now = now()
        do {
            try await store.audited(context) { tx in
                try await tx.sql.insert(into: "banks").columns("id", "name", "branch", "active", "created_at")
                    .values(SQLBind(id), SQLBind(name.trimmed), SQLBind(branch.trimmed), SQLLiteral.boolean(true), SQLBind(now)).run()
                return ((), AuditEntry(action: "bank.create", entity: "bank", entityID: id.uuidString, summary: "bank \(name) \(branch) added"))
            }
        } catch where error.isConstraintFailure { throw Problem.conflict("bank_exists") }
        return Bank(id: id, name: name.trimmed, branch: branch.trimmed, active: true)
    }

    /// Renames a bank or takes it off the list offered for new mortgages (existing ones keep it).
    public func updateBank(_ id: UUID, name: String?, branch: String?, active: Bool?, context: AuditContext) async throws -> Bank {
        var bad: [Problem.FieldError] = []
        if let name, name.trimmed.isEmpty || !Text.isCleanLine(name, maxLength: 40) { bad.append(.init(field: "name", code: "text_invalid")) }
        if let branch, !branch.isEmpty, !Text.isCleanLine(branch, maxLength: 40) { bad.append(.init(field: "branch", code: "text_invalid")) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        guard let before = try await banks().first(where: { $0.id == id }) else { throw Problem.notFound }
        var after = before
        if let name { after.name = name.trimmed }
        if let branch { after.branch = branch.trimmed }
        if let active { after.active = active }
        let updated = after
        do {
            try await store.audited(context) { tx in
                try await tx.sql.update("banks").set("name", to: updated.name).set("branch", to: updated.branch)
                    .set("active", to: SQLLiteral.boolean(updated.active)).where("id", .equal, id).run()
                return ((), AuditEntry(action: "bank.update", entity: "bank", entityID: id.uuidString, summary: "bank \(updated.name) \(updated.branch) updated",
                                       before: ["name": before.name, "branch": before.branch, "active": "\(before.active)"],
                                       after: ["name": updated.name, "branch": updated.branch, "active": "\(updated.active)"]))
            }
        } catch where error.isConstraintFailure { throw Problem.conflict("bank_exists") }
        return updated
    }

    // MARK: 交付批次与预约

    public struct Slot: Sendable, Decodable, Equatable {
        public var id: UUID
        public var batchId: UUID
        public var startsAt: Date
        public var capacity: Int
        public var booked: Int
    }

    public struct Batch: Sendable, Decodable, Equatable {
        public var id: UUID
        public var name: String
        public var firstDay: String
        public var lastDay: String
        public var slots: [Slot] = []
        enum CodingKeys: String, CodingKey { case id, name, firstDay, lastDay }
    }

    public func batches(_ projectID: UUID) async throws -> [Batch] {
        var batches = try await store.sql.raw("""
            SELECT id, name, first_day, last_day FROM delivery_batches WHERE project_id = \(bind: projectID) ORDER BY first_day, name
            """).all(decoding: Batch.self, with: sqlDecoder)
        let slots = try await store.sql.raw("""
            SELECT id, batch_id, starts_at, capacity, booked FROM delivery_slots WHERE project_id = \(bind: projectID) ORDER BY starts_at
            """).all(decoding: Slot.self, with: sqlDecoder)
        for i in batches.indices { batches[i].slots = slots.filter { $0.batchId == batches[i].id } }
        return batches
    }

    /// A delivery batch (交付批次): every day from first to last, one slot at each time, each for
    /// `capacity` households.
    public func createBatch(_ projectID: UUID, name: String, first: CalendarDay, last: CalendarDay, times: [String], capacity: Int,
                            context: AuditContext) async throws -> Batch {
        var bad: [Problem.FieldError] = []
        if name.trimmed.isEmpty || !Text.isCleanLine(name, maxLength: 60) { bad.append(.init(field: "name", code: "text_invalid")) }
        if last < first || first.days(until: last) > 60 { bad.append(.init(field: "lastDay", code: "batch_days_invalid", arguments: ["limit": "61"])) }
        if first < today { bad.append(.init(field: "firstDay", code: "date_in_past")) }
        let minutes = times.compactMap { t -> Int? in
            let p = t.split(separator: ":")
            guard p.count == 2, let h = Int(p[0]), let m = Int(p[1]), (0..<24).contains(h), (0..<60).contains(m), p[0].count == 2, p[1].count == 2 else { return nil }
            return h * 60 + m
        }
        if times.isEmpty || times.count > 12 || minutes.count != times.count || Set(minutes).count != minutes.count {
            bad.append(.init(field: "times", code: "slot_times_invalid"))
        }
        if !(1...50).contains(capacity) { bad.append(.init(field: "capacity", code: "capacity_invalid")) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let id = UUID(), now = now()
        try await store.audited(context) { tx in
            try await tx.sql.insert(into: "delivery_batches").columns("id", "project_id", "name", "first_day", "last_day", "created_at")
                .values(SQLBind(id), SQLBind(projectID), SQLBind(name.trimmed), SQLBind(first.description), SQLBind(last.description), SQLBind(now)).run()
            var insert = tx.sql.insert(into: "delivery_slots").columns("id", "batch_id", "project_id", "starts_at", "capacity", "booked")
            for d in 0...first.days(until: last) {
                for m in minutes.sorted() {
                    insert = insert.values(SQLBind(UUID()), SQLBind(id), SQLBind(projectID), SQLBind(first.adding(days: d).start + Double(m * 60)),
                                           SQLBind(capacity), SQLBind(0))
                }
            }
            try await insert.run()
            return ((), AuditEntry(action: "delivery.batch", entity: "delivery_batch", entityID: id.uuidString, projectID: projectID,
                                   summary: "delivery batch \(name) \(first)–\(last), \(times.count) slots a day × \(capacity)"))
        }
        return try await batches(projectID).first { $0.id == id }!
    }

    /// Books (or moves) a signed contract's handover appointment; a full slot refuses (409).
    public func book(_ id: UUID, slot: UUID, context: AuditContext) async throws -> Contract {
        let c = try await contract(id, in: [.signed], loading: [.labels])
        if c.deliveredOn != nil { throw Problem.conflict("already_delivered") }
        struct S: Decodable { var projectId: UUID; var startsAt: Date }
        guard let s = try await store.sql.raw("SELECT project_id, starts_at FROM delivery_slots WHERE id = \(bind: slot)")
            .first(decoding: S.self, with: sqlDecoder), s.projectId == c.projectId
        else { throw Problem.invalid("slotId", "slot_unknown") }
        guard s.startsAt > now() else { throw Problem.conflict("slot_past") }
        if c.slotId == slot { return c }
        let now = now()
        try await store.audited(context) { tx in
            // Conditional: two bookings of the last place, one wins.
            guard try await tx.sql.raw("UPDATE delivery_slots SET booked = booked + 1 WHERE id = \(bind: slot) AND booked < capacity RETURNING id")
                .first() != nil else { throw Problem.conflict("slot_full") }
            if let old = c.slotId {
                try await tx.sql.raw("UPDATE delivery_slots SET booked = booked - 1 WHERE id = \(bind: old) AND booked > 0").run()
            }
            let sameSlot: SQLQueryString = c.slotId.map { "slot_id = \(bind: $0)" } ?? "slot_id IS NULL"
            let mine = try await tx.sql.raw("""
                UPDATE contracts SET slot_id = \(bind: slot), updated_at = \(bind: now)
                WHERE id = \(bind: id) AND status = 'signed' AND delivered_on IS NULL AND \(sameSlot)
                RETURNING id
                """).all()
            guard !mine.isEmpty else { throw Problem.conflict("appointment_changed") }
            let f = DateFormatter()
            f.timeZone = CalendarDay.zone
            f.dateFormat = "yyyy-MM-dd HH:mm"
            try await Self.event(c.subscriptionId, "appointment", "预约交付 \(f.string(from: s.startsAt))", context: context, now: now, on: tx)
            return ((), AuditEntry(action: "delivery.book", entity: "contract", entityID: id.uuidString, projectID: c.projectId,
                                   summary: "handover of \(c.unitCode) booked", after: ["slot": slot.uuidString]))
        }
        return try await contract(id)
    }

    // MARK: Work lists

    public enum WorkList: String, CaseIterable, Sendable {
        /// 认购逾期未签约
        case subscriptionsOverdue = "subscriptions_overdue"
        /// 已签约未网签/备案
        case contractsUnregistered = "contracts_unregistered"
        /// 按揭停滞
        case mortgagesStuck = "mortgages_stuck"
        /// 逾期欠款: past due and not yet paid (money recorded and waiting for finance is not chased
        /// again; it counts as collected, and stops the penalty, once confirmed).
        case paymentsOverdue = "payments_overdue"
        /// 产权未办结
        case titlesPending = "titles_pending"
        public var catalogKey: String { "sale.worklist.\(rawValue)" }
    }

    public struct WorkRow: Sendable, Decodable, Equatable {
        public var subscriptionId: UUID
        public var contractId: UUID?
        public var number: String
        /// Inventory's and Platform's, filled after the page is read (issue 14).
        public var unitCode: String = ""
        public var consultantName: String? = nil
        var unitId: UUID
        var consultantId: UUID?
        public var stage: String
        public var dueOn: String?
        public var days: Int = 0
        public var amountFen: Int64?
        public var penaltyFen: Int64?
        public var buyers: String = ""
        /// The plan item of a payments_overdue row.
        public var itemId: UUID?
        enum CodingKeys: String, CodingKey { case subscriptionId, contractId, number, unitId, consultantId, stage, dueOn, amountFen, itemId }
    }

    /// One work list, the longest-waiting first. Days are counted in Beijing business days.
    public func workList(_ list: WorkList, projectID: UUID, consultantID: UUID? = nil, page: PageRequest) async throws -> Paged<WorkRow> {
        let today = today.description
        var from: SQLQueryString
        switch list {
        case .subscriptionsOverdue:
            from = """
                SELECT s.id AS subscription_id, c.id AS contract_id, s.number, s.unit_id, s.consultant_id,
                       COALESCE(c.review_status, 'no_contract') AS stage, s.contract_deadline AS due_on, s.final_total_fen AS amount_fen
                FROM subscriptions s
                LEFT JOIN contracts c ON c.subscription_id = s.id
                WHERE s.project_id = \(bind: projectID) AND s.status = 'active' AND s.contract_deadline < \(bind: today)
                """
        case .contractsUnregistered:
            from = """
                SELECT c.subscription_id, c.id AS contract_id, c.number, c.unit_id, s.consultant_id,
                       CASE WHEN c.online_sign_no = '' THEN 'online_signing' ELSE 'filing' END AS stage, c.signed_on AS due_on, c.total_fen AS amount_fen
                FROM contracts c JOIN subscriptions s ON s.id = c.subscription_id
                WHERE c.project_id = \(bind: projectID) AND c.status = 'signed' AND (c.online_sign_no = '' OR c.filing_no = '')
                """
        case .mortgagesStuck:
            // The oldest stage start any stage may have today and still not be stuck (collecting: 15 days, …).
            let limits = MortgageStage.allCases.compactMap { st in st.allowedDays.map { (st, CalendarDay(now()).adding(days: -$0).description) } }
            var cond: SQLQueryString = "("
            for (i, (st, day)) in limits.enumerated() {
                cond = cond + (i == 0 ? "" : " OR ") + "(m.stage = \(bind: st.rawValue) AND m.stage_since < \(bind: day))"
            }
            cond = cond + ")"
            from = """
                SELECT c.subscription_id, c.id AS contract_id, c.number, c.unit_id, s.consultant_id,
                       m.stage, m.stage_since AS due_on, m.commercial_fen + m.provident_fen AS amount_fen
                FROM mortgages m JOIN contracts c ON c.id = m.contract_id
                JOIN subscriptions s ON s.id = c.subscription_id
                WHERE m.project_id = \(bind: projectID) AND c.status = 'signed' AND \(cond)
                """
        case .paymentsOverdue:
            from = """
                SELECT i.subscription_id, i.id AS item_id, c.id AS contract_id, COALESCE(c.number, s.number) AS number, s.unit_id,
                       s.consultant_id, i.kind AS stage, i.due_on, i.amount_fen - i.confirmed_fen - i.pending_in_fen AS amount_fen
                FROM payment_items i JOIN subscriptions s ON s.id = i.subscription_id
                LEFT JOIN contracts c ON c.subscription_id = s.id
                WHERE i.project_id = \(bind: projectID) AND i.is_live AND i.due_on < \(bind: today) AND i.confirmed_fen + i.pending_in_fen < i.amount_fen
                  AND s.status <> 'cancelled' AND (c.status IS NULL OR c.status <> 'terminated')
                """
        case .titlesPending:
            from = """
                SELECT c.subscription_id, c.id AS contract_id, c.number, c.unit_id, s.consultant_id,
                       c.title_stage AS stage, c.title_due_on AS due_on, c.total_fen AS amount_fen
                FROM contracts c JOIN subscriptions s ON s.id = c.subscription_id
                WHERE c.project_id = \(bind: projectID) AND c.status = 'signed' AND c.delivered_on IS NOT NULL AND c.title_stage <> 'handed_over'
                """
        }
        if let consultantID { from = from + " AND s.consultant_id = \(bind: consultantID)" }
        struct N: Decodable { var n: Int }
        let total = try await store.sql.raw("SELECT COUNT(*) AS n FROM (\(from)) w").first(decoding: N.self)?.n ?? 0
        var rows = try await store.sql.raw("""
            SELECT * FROM (\(from)) w ORDER BY w.due_on, w.number LIMIT \(unsafeRaw: String(page.perPage)) OFFSET \(unsafeRaw: String(page.offset))
            """).all(decoding: WorkRow.self, with: sqlDecoder)
        let names = try await buyers(of: rows.map(\.subscriptionId), on: store.sql)
        let codes = try await InventoryService.unitCodes(rows.map(\.unitId), sql: store.sql)
        let consultants = try await StaffDirectory.displayNames(rows.compactMap(\.consultantId), sql: store.sql)
        let day = self.today
        var plans: [UUID: [PlanItem]] = [:]
        if list == .paymentsOverdue, !rows.isEmpty {
            // The items' penalties as of today, net of waivers, in bulk.
            struct R: Decodable { var subscriptionId: UUID; var penaltyRate: Int; var signedOn: String? }
            let rates = try await store.sql.raw("""
                SELECT subscription_id, penalty_rate, signed_on FROM contracts WHERE status = 'signed'
                  AND subscription_id IN \(SQLBind.group(rows.map(\.subscriptionId)))
                """).all(decoding: R.self, with: sqlDecoder)
            plans = try await Self.plans(Dictionary(rates.map { ($0.subscriptionId, $0.penaltyRate) }, uniquingKeysWith: { a, _ in a }),
                                         from: Dictionary(rates.compactMap { r in r.signedOn.flatMap(CalendarDay.init).map { (r.subscriptionId, $0) } },
                                                          uniquingKeysWith: { a, _ in a }),
                                         today: day, onlyOutstanding: true, on: store.sql)
        }
        for i in rows.indices {
            rows[i].unitCode = codes[rows[i].unitId] ?? ""
            rows[i].consultantName = rows[i].consultantId.flatMap { consultants[$0] }
            rows[i].buyers = (names[rows[i].subscriptionId] ?? []).map { Masking.name($0.name) }.joined(separator: "、")
            let due = rows[i].dueOn.flatMap(CalendarDay.init)
            rows[i].days = due.map { $0.days(until: day) } ?? 0
            if list == .paymentsOverdue {
                rows[i].penaltyFen = (plans[rows[i].subscriptionId] ?? []).filter { $0.id == rows[i].itemId }.reduce(Int64(0)) { $0 + $1.penaltyDue.fen }
            }
        }
        return Paged(items: rows, page: page.page, perPage: page.perPage, total: total)
    }
}
