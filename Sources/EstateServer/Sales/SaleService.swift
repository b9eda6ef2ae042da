import EstateCore
import FluentKit
import Foundation
import SQLKit

/// The sale (DOMAIN §3), from 认购 to 产权. A subscription is the sale's root: its buyers, its
/// price and its deposit; the contract, the plan, receipts, mortgage, handover and title hang
/// off it. Every change is one transaction with its unit move, its timeline line and its audit
/// line; every state change is a conditional UPDATE on the state it was read in, so of two
/// concurrent requests one wins and the other is told what happened (409).
public struct SaleService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let events: UnitEventHub
    let customers: CustomerService

    var today: CalendarDay { CalendarDay(now()) }
    var sqlDecoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    // MARK: Read models

    public struct Buyer: Sendable, Decodable, Equatable {
        public var customerId: UUID
        public var name: String
        public var mobile: String
        public var share: Int
        public var ownerId: UUID?
        /// Masked (110105********123X); the full number only on a logged print.
        public var idMasked: String?
    }

    public struct Event: Sendable, Decodable, Equatable {
        public var kind: String
        public var summary: String
        public var actorName: String
        public var at: Date
    }

    public struct Subscription: Sendable, Decodable, Equatable {
        public var id: UUID
        public var projectId: UUID
        public var number: String
        public var unitId: UUID
        /// Inventory's, filled after the read (issue 14).
        public var unitCode: String = ""
        public var status: String
        public var listTotalFen: Int64
        public var finalTotalFen: Int64
        public var effectivePermyriad: Int
        public var rules: String
        public var specialPermyriad: Int
        public var discountApprovalId: UUID?
        public var paymentMethod: String
        public var depositFen: Int64
        public var contractDeadline: String
        public var consultantId: UUID?
        /// Platform's, filled after the read.
        public var consultantName: String? = nil
        public var note: String
        public var pendingApprovalId: UUID?
        public var cancelledOn: String?
        public var cancelReason: String?
        public var depositOutcome: String?
        public var contractId: UUID?
        public var contractNumber: String?
        public var contractStatus: String?
        public var createdAt: Date
        public var buyers: [Buyer] = []
        public var events: [Event] = []

        enum CodingKeys: String, CodingKey {
            case id, projectId, number, unitId, status, listTotalFen, finalTotalFen, effectivePermyriad, rules,
                 specialPermyriad, discountApprovalId, paymentMethod, depositFen, contractDeadline, consultantId,
                 note, pendingApprovalId, cancelledOn, cancelReason, depositOutcome, contractId, contractNumber, contractStatus, createdAt
        }

        public var listTotal: Money { Money(fen: listTotalFen) }
        public var finalTotal: Money { Money(fen: finalTotalFen) }
        public var deposit: Money { Money(fen: depositFen) }
        public var method: PaymentMethod { PaymentMethod(rawValue: paymentMethod) ?? .full }
        public var state: SubscriptionStatus { SubscriptionStatus(rawValue: status) ?? .active }
        public var ruleNames: [String] { rules.split(separator: "|").map(String.init) }
        public var buyerNames: String { buyers.map(\.name).joined(separator: "、") }
    }

    static let subscriptionSelect = """
        SELECT s.id, s.project_id, s.number, s.unit_id, s.status, s.list_total_fen, s.final_total_fen,
               s.effective_permyriad, s.rules, s.special_permyriad, s.discount_approval_id, s.payment_method, s.deposit_fen,
               s.contract_deadline, s.consultant_id, s.note, s.pending_approval_id,
               s.cancelled_on, s.cancel_reason, s.deposit_outcome, c.id AS contract_id, c.number AS contract_number,
               c.status AS contract_status, s.created_at
        FROM subscriptions s
        LEFT JOIN contracts c ON c.subscription_id = s.id
        """

    /// One subscription with its current buyers and its timeline.
    public func subscription(_ id: UUID, on db: (any SQLDatabase)? = nil) async throws -> Subscription {
        let db = db ?? store.sql
        guard var s = try await db.raw("\(unsafeRaw: Self.subscriptionSelect) WHERE s.id = \(bind: id)")
            .first(decoding: Subscription.self, with: sqlDecoder)
        else { throw Problem.notFound }
        s = try await labelled([s], on: db)[0]
        s.buyers = try await buyers(of: [id], on: db)[id] ?? []
        s.events = try await timeline(of: id, on: db)
        return s
    }

    /// Unit codes (Inventory's) and consultants' names (Platform's) of a page, one query each (issue 14).
    func labelled(_ items: [Subscription], on db: any SQLDatabase) async throws -> [Subscription] {
        guard !items.isEmpty else { return items }
        let codes = try await InventoryService.unitCodes(items.map(\.unitId), sql: db)
        let names = try await StaffDirectory.displayNames(items.compactMap(\.consultantId), sql: db)
        return items.map { s in
            var s = s
            s.unitCode = codes[s.unitId] ?? ""
            s.consultantName = s.consultantId.flatMap { names[$0] }
            return s
        }
    }

    /// A sale's timeline; who acted by their current name, else the name kept on the line.
    func timeline(of subscriptionID: UUID, on db: any SQLDatabase) async throws -> [Event] {
        struct Row: Decodable { var kind: String; var summary: String; var actorId: UUID?; var actorName: String; var at: Date }
        let rows = try await db.raw("""
            SELECT e.kind, e.summary, e.actor_id, e.actor_name, e.at
            FROM sale_events e WHERE e.subscription_id = \(bind: subscriptionID) ORDER BY e.seq
            """).all(decoding: Row.self, with: sqlDecoder)
        let names = try await StaffDirectory.displayNames(rows.compactMap(\.actorId), sql: db)
        return rows.map { Event(kind: $0.kind, summary: $0.summary, actorName: $0.actorId.flatMap { names[$0] } ?? $0.actorName, at: $0.at) }
    }

    func buyers(of ids: [UUID], on db: any SQLDatabase) async throws -> [UUID: [Buyer]] {
        guard !ids.isEmpty else { return [:] }
        struct Row: Decodable { var subscriptionId: UUID; var customerId: UUID; var share: Int }
        var out: [UUID: [Buyer]] = [:]
        for chunk in ids.chunked(500) {
            let rows = try await db.select().column("subscription_id").column("customer_id").column("share").from("sale_buyers")
                .where(SQLIdentifier("subscription_id"), .in, SQLBind.group(Array(chunk)))
                .where(SQLColumn("is_current"), .equal, SQLLiteral.boolean(true))
                .orderBy("position")
                .all(decoding: Row.self, with: sqlDecoder)
            // Names and mobiles are Customers' (issue 14).
            let people = try await CustomerDirectory.contacts(rows.map(\.customerId), sql: db)
            for r in rows {
                guard let c = people[r.customerId] else { continue }
                out[r.subscriptionId, default: []].append(Buyer(customerId: r.customerId, name: c.name, mobile: c.mobile, share: r.share, ownerId: c.ownerId,
                                                               idMasked: c.idMasked))
            }
        }
        return out
    }

    /// The register's sort orders (a column and a direction), newest first by default.
    public enum RegisterSort: String, Sendable, CaseIterable {
        case created, number, finalTotal = "final_total", deposit, deadline
        var column: String {
            switch self {
            case .created: "s.created_at"
            case .number: "s.number"
            case .finalTotal: "s.final_total_fen"
            case .deposit: "s.deposit_fen"
            case .deadline: "s.contract_deadline"
            }
        }
    }

    public struct ListFilter: Sendable {
        public var status: SubscriptionStatus?
        public var q: String?
        public var consultantID: UUID?
        /// Subscribed on these Beijing days (inclusive).
        public var from: CalendarDay?
        public var to: CalendarDay?
        public var sort: RegisterSort = .created
        public var ascending = false
        /// Needed for a search by a buyer's full mobile (an exact look-up, logged and limited).
        public var searcher: CustomerService.Searcher?
        public init(status: SubscriptionStatus? = nil, q: String? = nil, consultantID: UUID? = nil, searcher: CustomerService.Searcher? = nil) {
            self.status = status; self.q = q; self.consultantID = consultantID; self.searcher = searcher
        }
    }

    /// The sales register of a project, newest first; `q` matches the number, the unit code, a
    /// buyer's name, the last four digits of a buyer's mobile (what the mask shows), or a buyer's
    /// full mobile — an exact look-up (`ExactLookups`): logged, limited, and answered only with
    /// buyers whose mobile the searcher could reveal. Other lengths of digits match no mobile.
    public func subscriptions(_ projectID: UUID, filter: ListFilter, page: PageRequest) async throws -> Paged<Subscription> {
        var conditions: [SQLQueryString] = ["s.project_id = \(bind: projectID)"]
        if let s = filter.status { conditions.append("s.status = \(bind: s.rawValue)") }
        if let c = filter.consultantID { conditions.append("s.consultant_id = \(bind: c)") }
        if let d = filter.from { conditions.append("s.created_at >= \(bind: d.start)") }
        if let d = filter.to { conditions.append("s.created_at < \(bind: d.adding(days: 1).start)") }
        var exact: CustomerService.Searcher?
        if let q = filter.q?.trimmed, !q.isEmpty {
            let like = "%" + q.lowercased().replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            // Units and buyers are matched by their owners (issue 14), inside this one statement.
            let buyers = CustomerDirectory.ids(buyerSearch: q, like: like, searcher: filter.searcher)
            exact = buyers.exact
            conditions.append("""
                (LOWER(s.number) LIKE \(bind: like) OR s.unit_id IN (\(InventoryService.unitIDs(codeLike: like, in: projectID)))
                 OR LOWER(c.number) LIKE \(bind: like)
                 OR EXISTS (SELECT 1 FROM sale_buyers b WHERE b.subscription_id = s.id AND b.is_current AND b.customer_id IN (\(buyers.ids))))
                """)
        }
        var whereClause: SQLQueryString = "WHERE "
        for (i, c) in conditions.enumerated() { whereClause = whereClause + (i == 0 ? "" : " AND ") + c }
        let clause = whereClause
        // Whitelisted columns; the number breaks ties so pages neither repeat nor skip a row.
        let direction = filter.ascending ? "ASC" : "DESC"
        let order = filter.sort == .number ? "s.number \(direction)" : "\(filter.sort.column) \(direction), s.number \(direction)"
        @Sendable func run(_ sql: any SQLDatabase) async throws -> Paged<Subscription> {
            struct N: Decodable { var n: Int }
            let total = try await sql.raw("""
                SELECT COUNT(*) AS n FROM subscriptions s LEFT JOIN contracts c ON c.subscription_id = s.id \(clause)
                """).first(decoding: N.self)?.n ?? 0
            var items = try await sql.raw("""
                \(unsafeRaw: Self.subscriptionSelect) \(clause) ORDER BY \(unsafeRaw: order)
                LIMIT \(unsafeRaw: String(page.perPage)) OFFSET \(unsafeRaw: String(page.offset))
                """).all(decoding: Subscription.self, with: sqlDecoder)
            items = try await labelled(items, on: sql)
            let buyers = try await buyers(of: items.map(\.id), on: sql)
            for i in items.indices { items[i].buyers = buyers[items[i].id] ?? [] }
            return Paged(items: items, page: page.page, perPage: page.perPage, total: total)
        }
        guard let exact else { return try await run(store.sql) }
        return try await customers.exactLookups.run(.mobile, on: projectID, context: exact.context, where: "sales register") { sql in
            let result = try await run(sql)
            return (result, result.total)
        }
    }

    // MARK: Who acts on a sale

    /// A consultant acts on their own sales; roles that see every customer of the project (sales
    /// manager, customer service, finance, the GM) on any. Reading is `salesView` alone.
    public static func checkActor(_ principal: Principal, projectID: UUID, consultantID: UUID?) throws {
        if principal.may(.customersViewAll, on: projectID) || consultantID == principal.userID { return }
        throw Problem(.forbidden, "sale_owned_by_other")
    }

    // MARK: 认购

    public struct BuyerDraft: Sendable, Equatable {
        public var customerID: UUID
        /// Hundredths of a percent.
        public var share: Int
        public init(customerID: UUID, share: Int) { self.customerID = customerID; self.share = share }
    }

    public struct SubscriptionDraft: Sendable {
        public var unitID: UUID
        public var buyers: [BuyerDraft]
        public var ruleIDs: [UUID]
        public var special: Int?
        public var discountApprovalID: UUID?
        public var method: PaymentMethod
        public var deposit: Money
        public var contractDeadline: CalendarDay
        public var note: String
        public init(unitID: UUID, buyers: [BuyerDraft], ruleIDs: [UUID] = [], special: Int? = nil, discountApprovalID: UUID? = nil,
                    method: PaymentMethod, deposit: Money, contractDeadline: CalendarDay, note: String = "") {
            self.unitID = unitID; self.buyers = buyers; self.ruleIDs = ruleIDs; self.special = special
            self.discountApprovalID = discountApprovalID; self.method = method; self.deposit = deposit
            self.contractDeadline = contractDeadline; self.note = note
        }
    }

    /// The longest a subscription may run before the contract must be signed.
    public static let maxContractDays = 30

    /// 认购: prices the unit from the current list with the chosen rules, checks the deposit
    /// and the buyers, and takes the unit (available, or reserved) in the same transaction.
    public func subscribe(_ d: SubscriptionDraft, in projectID: UUID, principal: Principal, context: AuditContext) async throws -> Subscription {
        var bad: [Problem.FieldError] = []
        if let p = BuyerShares.check(d.buyers.map { (id: $0.customerID, share: $0.share) }) { bad.append(.init(field: "buyers", code: p.rawValue)) }
        if d.contractDeadline < today || today.days(until: d.contractDeadline) > Self.maxContractDays {
            bad.append(.init(field: "contractDeadline", code: "contract_deadline_invalid", arguments: ["limit": "\(Self.maxContractDays)"]))
        }
        if !d.note.isEmpty, !Text.isCleanLine(d.note, maxLength: 200) { bad.append(.init(field: "note", code: "text_invalid")) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let pricing = PricingService(store: store, now: now, events: events)
        let quote = try await pricing.quote(unit: d.unitID, in: projectID, ruleIDs: d.ruleIDs, special: d.special,
                                            requesterRoles: principal.roles(on: projectID))
        guard DepositRule.isAllowed(d.deposit, price: quote.quote.finalTotal) else {
            throw Problem.invalid([.init(field: "deposit", code: "deposit_out_of_range",
                                         arguments: ["limit": DepositRule.maximum(for: quote.quote.finalTotal).description])])
        }
        let buyers = try await checkBuyers(d.buyers, in: projectID, principal: principal)
        try await checkReservation(d.unitID, buyers: buyers, principal: principal, projectID: projectID)
        if quote.approver != nil {
            try await checkDiscountApproval(d.discountApprovalID, unitID: d.unitID, ruleIDs: d.ruleIDs, special: quote.specialPermyriad,
                                            finalTotal: quote.quote.finalTotal, projectID: projectID, approver: quote.approver!)
        }
        let approvalID = quote.approver == nil ? nil : d.discountApprovalID
        let consultant = principal.roles(on: projectID).contains(.consultant) ? principal.userID : (buyers.first?.ownerId ?? principal.userID)
        let now = now(), today = today
        let id = UUID()
        do {
            try await store.audited(context, announcing: events) { tx in
                let number = try await Self.nextNumber("RG", projectID: projectID, on: tx)
                let unit = try await Self.takeUnit(d.unitID, in: projectID, buyer: buyers[0], reason: "认购 \(number)", context: context, now: now, on: tx)
                try await tx.sql.insert(into: "subscriptions").columns(
                    "id", "project_id", "number", "unit_id", "status", "list_total_fen", "final_total_fen", "effective_permyriad", "rules",
                    "special_permyriad", "discount_approval_id", "payment_method", "deposit_fen", "contract_deadline", "consultant_id", "note",
                    "created_by", "created_at", "updated_at", "subscribed_on")
                    .values(SQLBind(id), SQLBind(projectID), SQLBind(number), SQLBind(d.unitID), SQLBind(SubscriptionStatus.active.rawValue),
                            SQLBind(quote.unit.listTotal.fen), SQLBind(quote.quote.finalTotal.fen), SQLBind(quote.quote.effectivePermyriad),
                            SQLBind(quote.quote.steps.map(\.rule.name).joined(separator: "|")), SQLBind(quote.specialPermyriad), SQLBind(approvalID),
                            SQLBind(d.method.rawValue), SQLBind(d.deposit.fen), SQLBind(d.contractDeadline.description), SQLBind(consultant),
                            SQLBind(d.note), SQLBind(context.actorID), SQLBind(now), SQLBind(now), SQLBind(today.description)).run()
                try await ReportLedger.subscription(id, projectID: projectID, on: tx.sql)
                try await Self.insertBuyers(buyers.map { BuyerDraft(customerID: $0.customerId, share: $0.share) }, sale: id, now: now, on: tx)
                try await Self.insertItems([.init(kind: .deposit, amount: d.deposit, due: today)], sale: id, projectID: projectID, from: 1, on: tx)
                try await Self.event(id, "subscribe", "认购 \(unit) · \(buyers.map { Masking.name($0.name) }.joined(separator: "、")) · 成交价 \(quote.quote.finalTotal) 元 · 定金 \(d.deposit) 元",
                                     context: context, now: now, on: tx)
                return ((), AuditEntry(action: "sale.subscribe", entity: "subscription", entityID: id.uuidString, projectID: projectID,
                                       summary: "subscription \(number) of unit \(unit) at \(quote.quote.finalTotal.plain)",
                                       after: ["unit": unit, "finalTotal": quote.quote.finalTotal.plain, "deposit": d.deposit.plain,
                                               "method": d.method.rawValue, "buyers": "\(buyers.count)"]),
                        UnitChange(projectID: projectID, unitIDs: [d.unitID]))
            }
        } catch where error.isConstraintFailure {
            throw try await constraintProblem(unit: d.unitID, in: projectID, approval: approvalID)
        }
        return try await subscription(id)
    }

    /// What a unique index refused: the unit was taken, or the approval was already spent.
    func constraintProblem(unit unitID: UUID, in projectID: UUID, approval: UUID?) async throws -> Problem {
        if let approval {
            struct R: Decodable { var number: String }
            if let used = try await store.sql.select().column("number").from("subscriptions").where("discount_approval_id", .equal, approval)
                .first(decoding: R.self) {
                return Problem.conflict("discount_approval_used", ["number": used.number])
            }
        }
        let current = try? await InventoryService(store: store, now: now, events: events).unit(unitID, in: projectID)
        return Problem.conflict("unit_taken", ["code": current?.code ?? "", "status": current?.status.rawValue ?? ""])
    }

    /// A unit reserved (预留) for a named customer is subscribed by that customer (by mobile), or by
    /// someone who runs sales control (销控) and may release it.
    func checkReservation(_ unitID: UUID, buyers: [Buyer], principal: Principal, projectID: UUID) async throws {
        guard let claim = try await SalesControlService(store: store, now: now, events: events).liveClaim(unitID), claim.kind == "reservation",
              !principal.may(.salesControl, on: projectID) else { return }
        if !buyers.contains(where: { $0.mobile == claim.customerMobile }) {
            throw Problem.conflict("unit_reserved_for_other", ["customer": Masking.name(claim.customerName)])
        }
    }

    /// The buyers as customers of the project the caller may act for, in the order given.
    func checkBuyers(_ drafts: [BuyerDraft], in projectID: UUID, principal: Principal) async throws -> [Buyer] {
        let access = CustomerAccess(principal, project: projectID)
        var out: [Buyer] = []
        for (i, b) in drafts.enumerated() {
            guard let r = try await ifFound({ try await customers.record(b.customerID, in: projectID) }) else {
                throw Problem.invalid([.init(field: "buyers[\(i)].customerId", code: "customer_unknown")])
            }
            if r.mergedInto != nil { throw Problem.invalid([.init(field: "buyers[\(i)].customerId", code: "customer_merged")]) }
            guard access.mayOpen(owner: r.ownerID) else {
                throw Problem(.forbidden, "customer_owned_by_other", arguments: ["owner": r.ownerName ?? "—"])
            }
            out.append(Buyer(customerId: r.id, name: r.name, mobile: r.mobile, share: b.share, ownerId: r.ownerID, idMasked: r.idMasked))
        }
        return out
    }

    /// A price that needs an approval needs an approved special-discount request for this
    /// unit with exactly these rules and rate, not yet used by another subscription.
    func checkDiscountApproval(_ id: UUID?, unitID: UUID, ruleIDs: [UUID], special: Int, finalTotal: Money, projectID: UUID,
                               approver: Role) async throws {
        guard let id else { throw Problem.conflict("discount_approval_required", ["role": approver.rawValue]) }
        guard let a = try await ApprovalService.request(id, sql: store.sql), a.project_id == projectID, a.kind == ApprovalKind.discount.rawValue
        else { throw Problem.invalid("discountApprovalId", "approval_unknown") }
        guard a.status == ApprovalStatus.approved.rawValue else { throw Problem.conflict("discount_not_approved", ["status": a.status]) }
        let p = try JSONDecoder().decode(PricingService.DiscountPayload.self, from: Data(a.payload.utf8))
        guard a.subject_id == unitID, p.unitID == unitID, Set(p.ruleIDs) == Set(ruleIDs), p.specialPermyriad == special,
              p.finalTotal == finalTotal.fen
        else { throw Problem.conflict("discount_approval_mismatch") }
    }

    // MARK: Building blocks inside a transaction

    /// Draws the next number of a series: `RG000123`. With `avoiding`, numbers someone typed into
    /// that table by hand are skipped, so the series never collides with them.
    static func nextNumber(_ prefix: String, projectID: UUID, avoiding table: String? = nil, on tx: any Database) async throws -> String {
        guard let table else { return try await DocumentNumbers.next(prefix, projectID: projectID, on: tx) }
        struct N: Decodable { var n: Int }
        return try await DocumentNumbers.next(prefix, projectID: projectID, on: tx) { number in
            try await tx.sql.raw("SELECT COUNT(*) AS n FROM \(ident: table) WHERE project_id = \(bind: projectID) AND number = \(bind: number)")
                .first(decoding: N.self)?.n ?? 0 > 0
        }
    }

    /// Takes a unit for a sale: ends a reservation if there is one, moves it to subscribed and
    /// records the sale's live claim (the unique index refuses a second). Returns the unit code.
    static func takeUnit(_ unitID: UUID, in projectID: UUID, buyer: Buyer, reason: String, context: AuditContext, now: Date,
                         on tx: any Database) async throws -> String {
        if try await SalesControlService.status(of: unitID, in: projectID, on: tx) == .reserved {
            _ = try await SalesControlService.endClaim(unitID: unitID, kind: "reservation", reason: "subscribed", now: now, on: tx)
        }
        let moved = try await SalesControlService.transition(.subscribe, unit: unitID, in: projectID, reason: reason, claimID: nil,
                                                             batchID: nil, context: context, now: now, on: tx)
        _ = try await SalesControlService.insertClaim(kind: "subscription", unitID: unitID, projectID: projectID, customerName: buyer.name,
                                                      mobile: buyer.mobile, note: reason, expiresAt: nil, context: context, now: now, on: tx)
        return moved.code
    }

    /// Frees a unit a sale held (退订, 换房 away, 退房): ends the live claim and moves it back to available.
    static func freeUnit(_ unitID: UUID, in projectID: UUID, move: UnitMove, reason: String, context: AuditContext, now: Date,
                         on tx: any Database) async throws -> String {
        let moved = try await SalesControlService.transition(move, unit: unitID, in: projectID, reason: reason, claimID: nil,
                                                             batchID: nil, context: context, now: now, on: tx)
        try await SalesControlService.endLiveClaim(unitID: unitID, reason: move.rawValue, now: now, on: tx)
        return moved.code
    }

    static func insertBuyers(_ buyers: [BuyerDraft], sale: UUID, now: Date, on tx: any Database) async throws {
        var insert = tx.sql.insert(into: "sale_buyers").columns("id", "subscription_id", "customer_id", "position", "share", "is_current", "added_at")
        for (i, b) in buyers.enumerated() {
            insert = insert.values(SQLBind(UUID()), SQLBind(sale), SQLBind(b.customerID), SQLBind(i), SQLBind(b.share),
                                   SQLLiteral.boolean(true), SQLBind(now))
        }
        try await insert.run()
    }

    @discardableResult
    static func insertItems(_ lines: [PaymentPlan.Line], sale: UUID, projectID: UUID, from seq: Int, on tx: any Database) async throws -> [UUID] {
        guard !lines.isEmpty else { return [] }
        var ids: [UUID] = []
        var insert = tx.sql.insert(into: "payment_items").columns("id", "project_id", "subscription_id", "kind", "seq", "amount_fen", "due_on",
                                                                   "confirmed_fen", "pending_in_fen", "pending_out_fen", "is_live")
        for (i, l) in lines.enumerated() {
            let id = UUID()
            ids.append(id)
            insert = insert.values(SQLBind(id), SQLBind(projectID), SQLBind(sale), SQLBind(l.kind.rawValue), SQLBind(seq + i),
                                   SQLBind(l.amount.fen), SQLBind(l.due.description), SQLBind(Int64(0)), SQLBind(Int64(0)), SQLBind(Int64(0)),
                                   SQLLiteral.boolean(true))
        }
        try await insert.run()
        return ids
    }

    static func event(_ sale: UUID, _ kind: String, _ summary: String, context: AuditContext, now: Date, on tx: any Database) async throws {
        // In the order written, even within one clock tick.
        try await tx.sql.raw("""
            INSERT INTO sale_events (id, subscription_id, seq, kind, summary, actor_id, actor_name, at)
            SELECT \(bind: UUID()), \(bind: sale), COALESCE(MAX(seq), 0) + 1, \(bind: kind), \(bind: String(summary.prefix(500))),
                   \(bind: context.actorID), \(bind: context.actorName), \(bind: now)
            FROM sale_events WHERE subscription_id = \(bind: sale)
            """).run()
    }

    /// Sets `column` of a sale row to `value` only if it is still `expected`; 409 `code` otherwise.
    static func conditional(_ table: String, _ id: UUID, set values: [String: any Encodable & Sendable], where column: String,
                            is expected: any Encodable & Sendable, conflict code: String, on tx: any Database) async throws {
        var update = tx.sql.update(table)
        for (k, v) in values { update = update.set(SQLIdentifier(k), to: SQLBind(v)) }
        let rows = try await update.where("id", .equal, id).where(SQLIdentifier(column), .equal, SQLBind(expected))
            .returning("id").all()
        if rows.isEmpty { throw Problem.conflict(code) }
    }
}
