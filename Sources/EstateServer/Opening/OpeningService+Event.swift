import EstateCore
import FluentKit
import Foundation
import SQLKit

/// The event (issue 18 points 2–3): terms, the units released to it (from the 楼盘表, priced by
/// the approved list), the order drawn from the published seed, batches with time windows, and the
/// staff's moves: rehearse, schedule, open, pause, resume, extend, close.
extension OpeningService {
    public struct EventDraft: Sendable {
        public var name: String
        public var orderKind: LotteryOrder.Kind
        public var seed: String
        public var seedNote: String
        public var quota: Int
        public var deposit: Money
        public var method: PaymentMethod
        public var contractDays: Int
        public var confirmSeconds: Int
        public var startsAt: Date
        public var endsAt: Date
        public init(name: String, orderKind: LotteryOrder.Kind, seed: String = "", seedNote: String = "", quota: Int = 1, deposit: Money,
                    method: PaymentMethod = .full, contractDays: Int = 7, confirmSeconds: Int = Int(SelectionRules.confirmSeconds),
                    startsAt: Date, endsAt: Date) {
            self.name = name; self.orderKind = orderKind; self.seed = seed; self.seedNote = seedNote; self.quota = quota; self.deposit = deposit
            self.method = method; self.contractDays = contractDays; self.confirmSeconds = confirmSeconds; self.startsAt = startsAt; self.endsAt = endsAt
        }
    }

    public func create(_ d: EventDraft, in projectID: UUID, context: AuditContext) async throws -> Event {
        var bad: [Problem.FieldError] = []
        if d.name.trimmed.isEmpty || !Text.isCleanLine(d.name.trimmed, maxLength: 60) { bad.append(.init(field: "name", code: "text_invalid")) }
        if d.orderKind == .lottery, !LotteryOrder.isValidSeed(d.seed) { bad.append(.init(field: "seed", code: "opening_seed_invalid")) }
        if !d.seed.isEmpty, !LotteryOrder.isValidSeed(d.seed) { bad.append(.init(field: "seed", code: "opening_seed_invalid")) }
        if !d.seedNote.isEmpty, !Text.isCleanLine(d.seedNote, maxLength: 200) { bad.append(.init(field: "seedNote", code: "text_invalid")) }
        if !(1...10).contains(d.quota) { bad.append(.init(field: "quota", code: "opening_quota_invalid")) }
        if d.deposit.fen <= 0 { bad.append(.init(field: "deposit", code: "deposit_out_of_range", arguments: ["limit": "—"])) }
        if !(1...SaleService.maxContractDays).contains(d.contractDays) {
            bad.append(.init(field: "contractDays", code: "contract_deadline_invalid", arguments: ["limit": "\(SaleService.maxContractDays)"]))
        }
        if !(30...600).contains(d.confirmSeconds) { bad.append(.init(field: "confirmSeconds", code: "opening_confirm_seconds_invalid")) }
        if d.endsAt <= d.startsAt { bad.append(.init(field: "endsAt", code: "opening_window_invalid")) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let id = UUID(), now = now()
        try await store.audited(context) { tx in
            try await tx.sql.insert(into: "opening_events").columns(
                "id", "project_id", "name", "status", "order_kind", "seed", "seed_note", "quota", "deposit_fen", "payment_method", "contract_days",
                "confirm_seconds", "starts_at", "ends_at", "log_seq", "log_hash", "created_by", "created_at", "updated_at")
                .values(SQLBind(id), SQLBind(projectID), SQLBind(d.name.trimmed), SQLBind(OpeningState.draft.rawValue), SQLBind(d.orderKind.rawValue),
                        SQLBind(d.seed), SQLBind(d.seedNote), SQLBind(d.quota), SQLBind(d.deposit.fen), SQLBind(d.method.rawValue),
                        SQLBind(d.contractDays), SQLBind(d.confirmSeconds), SQLBind(d.startsAt), SQLBind(d.endsAt), SQLBind(0),
                        SQLBind(OpeningLogChain.genesis), SQLBind(context.actorID), SQLBind(now), SQLBind(now)).run()
            return ((), AuditEntry(action: "opening.create", entity: "opening_event", entityID: id.uuidString, projectID: projectID,
                                   summary: "opening “\(d.name.trimmed)” created (\(d.orderKind.rawValue))",
                                   after: ["quota": "\(d.quota)", "deposit": d.deposit.plain, "method": d.method.rawValue, "seed": d.seed]))
        }
        return try await event(id)
    }

    /// Releases units of the 楼盘表 to the event at their current list total (the approved price
    /// list's): unreleased ones are released (推盘) through sales control first; available ones join as
    /// they are; any other status is refused. They are withheld from ordinary sale (开盘保留) in the
    /// same transaction, until a buyer's confirmation subscribes them or the event closes and returns them.
    public func addUnits(_ unitIDs: [UUID], event eventID: UUID, context: AuditContext) async throws -> Int {
        let e = try await event(eventID)
        guard !e.isRehearsal, [.draft, .scheduled].contains(e.state) else { throw Problem.conflict("opening_units_locked") }
        let ids = Array(Set(unitIDs))
        guard !ids.isEmpty, ids.count <= 5_000 else { throw Problem.invalid("unitIds", "no_units_selected") }
        let inventory = InventoryService(store: store, now: now, events: events)
        let wanted = Set(ids)
        let units = try await inventory.allUnits(e.projectId).filter { wanted.contains($0.id) }
        guard units.count == ids.count else { throw Problem.invalid("unitIds", "unit_unknown") }
        let blocked = units.filter { $0.status != .unreleased && $0.status != .available }.map(\.code).sorted()
        guard blocked.isEmpty else { throw Problem.conflict("opening_units_not_available", ["codes": blocked.prefix(20).joined(separator: "、")]) }
        let unreleased = units.filter { $0.status == .unreleased }.map(\.id)
        if !unreleased.isEmpty {
            _ = try await SalesControlService(store: store, now: now, events: events).release(unreleased, in: e.projectId, batchName: String(e.name.prefix(60)),
                                                                                             context: context)
        }
        let prices = try await InventoryService.unitPrices(ids, sql: store.sql)
        let rows = units
        let events = events
        let engine = store.engine
        // The buyers' cached unit list changes with the event's units.
        defer { hub.committed(eventID) }
        return try await store.audited(context, announcing: events) { tx in
            try await self.hub.announce(eventID, engine: engine, on: tx)
            var added = 0
            for u in rows {
                let n = try await tx.sql.insert(into: "opening_units").columns("id", "event_id", "unit_id", "code", "list_total_fen", "status")
                    .values(SQLBind(UUID()), SQLBind(eventID), SQLBind(u.id), SQLBind(u.code), SQLBind(prices[u.id]?.listTotal ?? u.listTotal.fen), SQLBind("open"))
                    .ignoringConflicts(with: ["event_id", "unit_id"]).returning("id").all()
                added += n.count
            }
            try await SalesControlService.withhold(rows.map(\.id), in: e.projectId, reason: "开盘保留 \(e.name)", context: context,
                                                   now: now(), on: tx)
            return (added, AuditEntry(action: "opening.units", entity: "opening_event", entityID: eventID.uuidString, projectID: e.projectId,
                                      summary: "\(added) units released to opening “\(e.name)” and withheld from ordinary sale", after: ["units": "\(added)"]),
                    UnitChange(projectID: e.projectId, unitIDs: rows.map(\.id)))
        }
    }

    /// Draws the order (摇号 with the published seed, or the registration order) over the active
    /// registrations: ranks, lottery keys and the list's hash, logged as the first line of the chain.
    public func draw(event eventID: UUID, context: AuditContext) async throws -> Event {
        let e = try await event(eventID)
        guard !e.isRehearsal, e.state == .draft else { throw Problem.conflict("opening_order_locked") }
        guard e.drawnAt == nil else { throw Problem.conflict("opening_order_drawn") }
        if e.kind == .lottery, !LotteryOrder.isValidSeed(e.seed) { throw Problem.invalid("seed", "opening_seed_invalid") }
        let now = now()
        let _: Int = try await store.audited(context) { tx in
            struct R: Decodable { var id: UUID; var number: String }
            let regs = try await tx.sql.raw("SELECT id, number FROM opening_registrations WHERE event_id = \(bind: eventID) AND status = 'active'")
                .all(decoding: R.self)
            guard !regs.isEmpty else { throw Problem.conflict("opening_no_registrations") }
            let order = LotteryOrder.order(e.kind, seed: e.seed, ids: regs.map(\.number))
            let idOf = Dictionary(regs.map { ($0.number, $0.id) }, uniquingKeysWith: { a, _ in a })
            // One statement per 1,000 registrations (not one per registration: 20,000 took 34 s on PostgreSQL).
            // A VALUES list's columns are column1… on both engines.
            for chunk in stride(from: 0, to: order.count, by: 1_000).map({ order[$0..<min($0 + 1_000, order.count)] }) {
                let rows = SQLList(chunk.map { entry in
                    SQLGroupExpression([SQLBind(idOf[entry.id]!), SQLBind(entry.rank), SQLBind(entry.key)] as [any SQLExpression])
                })
                try await tx.sql.raw("""
                    UPDATE opening_registrations SET rank = v.column2, lottery_key = v.column3
                    FROM (VALUES \(rows)) AS v WHERE opening_registrations.id = v.column1
                    """).run()
            }
            let hash = LotteryOrder.listHash(order)
            let changed = try await tx.sql.update("opening_events").set("order_hash", to: SQLBind(hash)).set("drawn_at", to: SQLBind(now))
                .set("updated_at", to: SQLBind(now)).where("id", .equal, eventID).where(SQLColumn("drawn_at"), .is, SQLLiteral.null).returning("id").all()
            guard !changed.isEmpty else { throw Problem.conflict("opening_order_drawn") }
            try await OpeningLog.append(eventID, kind: "draw", [e.kind.rawValue, e.seed, "\(order.count)", hash], at: now, on: tx)
            return (order.count, AuditEntry(action: "opening.draw", entity: "opening_event", entityID: eventID.uuidString, projectID: e.projectId,
                                            summary: "order drawn (\(e.kind.rawValue)) over \(order.count) registrations, list hash \(hash.prefix(16))…",
                                            after: ["hash": hash, "seed": e.seed, "count": "\(order.count)"]))
        }
        return try await event(eventID)
    }

    /// The published order: rank, registration number, key — what the notary prints with its hash.
    public func order(_ eventID: UUID) async throws -> [LotteryOrder.Entry] {
        struct R: Decodable { var rank: Int; var number: String; var lotteryKey: String }
        return try await store.sql.raw("""
            SELECT rank, number, lottery_key FROM opening_registrations WHERE event_id = \(bind: eventID) AND rank IS NOT NULL ORDER BY rank
            """).all(decoding: R.self, with: decoder).map { LotteryOrder.Entry(rank: $0.rank, id: $0.number, key: $0.lotteryKey) }
    }

    /// Replaces the batches: `size` buyers each by order number, the first opening at the event's
    /// start, each lasting `minutes`, the next opening `gapMinutes` later.
    public func planBatches(event eventID: UUID, size: Int, minutes: Int, gapMinutes: Int, context: AuditContext) async throws -> [OpeningBatch] {
        let e = try await event(eventID)
        guard !e.isRehearsal, [.draft, .scheduled].contains(e.state) else { throw Problem.conflict("opening_batches_locked") }
        guard e.drawnAt != nil else { throw Problem.conflict("opening_order_not_drawn") }
        guard (1...20_000).contains(size), (1...600).contains(minutes), (0...600).contains(gapMinutes) else {
            throw Problem.invalid("size", "opening_batches_invalid")
        }
        let count = try await order(eventID).count
        let plan = OpeningBatch.plan(count: count, size: size, start: e.startsAt, minutes: minutes, gapMinutes: gapMinutes)
        let last = plan.map(\.closesAt).max() ?? e.endsAt
        try await store.audited(context) { tx in
            try await tx.sql.delete(from: "opening_batches").where("event_id", .equal, eventID).run()
            try await Self.insertBatches(plan, event: eventID, on: tx)
            try await tx.sql.update("opening_events").set("ends_at", to: SQLBind(max(last, e.endsAt))).where("id", .equal, eventID).run()
            return ((), AuditEntry(action: "opening.batches", entity: "opening_event", entityID: eventID.uuidString, projectID: e.projectId,
                                   summary: "\(plan.count) batches of \(size) planned", after: ["batches": "\(plan.count)", "size": "\(size)", "minutes": "\(minutes)"]))
        }
        return plan
    }

    static func insertBatches(_ plan: [OpeningBatch], event eventID: UUID, on tx: any Database) async throws {
        guard !plan.isEmpty else { return }
        var insert = tx.sql.insert(into: "opening_batches").columns("id", "event_id", "seq", "first_rank", "last_rank", "opens_at", "closes_at")
        for b in plan {
            insert = insert.values(SQLBind(UUID()), SQLBind(eventID), SQLBind(b.seq), SQLBind(b.firstRank), SQLBind(b.lastRank), SQLBind(b.opensAt), SQLBind(b.closesAt))
        }
        try await insert.run()
    }

    // MARK: Moves

    /// A staff move on the event (the state machine in EstateCore), a conditional update on the
    /// state it was read in, logged in the chain. `extendMinutes` for `.extend`.
    public func act(_ action: OpeningAction, event eventID: UUID, extendMinutes: Int = 0, context: AuditContext) async throws -> Event {
        let e = try await event(eventID)
        guard let next = action.next(from: e.state) else { throw Problem.conflict("opening_action_not_allowed", ["state": e.status]) }
        if action == .extend, !(1...240).contains(extendMinutes) { throw Problem.invalid("minutes", "opening_extend_invalid") }
        if action == .schedule || action == .rehearse {
            guard e.drawnAt != nil else { throw Problem.conflict("opening_order_not_drawn") }
            guard try await !batches(eventID).isEmpty else { throw Problem.conflict("opening_batches_missing") }
            guard try await !slots(eventID).isEmpty else { throw Problem.conflict("opening_units_missing") }
        }
        if e.isRehearsal, action != .pause, action != .resume, action != .extend, action != .close { throw Problem.conflict("opening_action_not_allowed", ["state": e.status]) }
        let now = now()
        let engine = store.engine
        let returned = try await store.audited(context) { tx -> (UnitChange?, AuditEntry) in
            let sql = tx.sql
            var returned: UnitChange?
            // The changes to holds and batches first, the event row (which selections lock last) after
            // them: a selection waiting for the event row never holds a row this needs.
            var note = ""
            switch action {
            case .pause:
                try await sql.update("opening_events").set("paused_at", to: SQLBind(now)).where("id", .equal, eventID).run()
            case .resume:
                // Holds made before the pause get their confirmation time back.
                let paused = e.pausedAt.map { now.timeIntervalSince($0) } ?? 0
                try await sql.raw("""
                    UPDATE opening_selections SET held_until = \(bind: now.addingTimeInterval(TimeInterval(e.confirmSeconds)))
                    WHERE event_id = \(bind: eventID) AND status = 'held'
                    """).run()
                try await sql.raw("""
                    UPDATE opening_units SET held_until = \(bind: now.addingTimeInterval(TimeInterval(e.confirmSeconds)))
                    WHERE event_id = \(bind: eventID) AND status = 'held'
                    """).run()
                try await sql.update("opening_events").set("paused_at", to: SQLLiteral.null).where("id", .equal, eventID).run()
                note = "paused \(Int(paused)) s"
            case .extend:
                let seconds = TimeInterval(extendMinutes * 60)
                let moved = OpeningBatch.extend(try await self.batches(eventID, on: sql), by: seconds, now: now)
                try await sql.delete(from: "opening_batches").where("event_id", .equal, eventID).run()
                try await Self.insertBatches(moved, event: eventID, on: tx)
                try await sql.update("opening_events").set("ends_at", to: SQLBind(e.endsAt.addingTimeInterval(seconds))).where("id", .equal, eventID).run()
                note = "+\(extendMinutes) min"
            case .close:
                try await Self.logReleases(eventID, try await Self.expireLapsed(eventID, now: now, all: true, on: tx), now: now, on: tx)
                // What the event did not sell goes back to ordinary sale (a rehearsal's copy never held any).
                if !e.isRehearsal {
                    struct U: Decodable { var unitId: UUID }
                    let unsold = try await sql.raw("SELECT unit_id FROM opening_units WHERE event_id = \(bind: eventID) AND status <> 'taken'")
                        .all(decoding: U.self, with: self.decoder).map(\.unitId)
                    let back = try await SalesControlService.returnWithheld(unsold, in: e.projectId, reason: "开盘结束 \(e.name)",
                                                                            context: context, now: now, on: tx)
                    note = "\(back) units back on sale"
                    if !unsold.isEmpty {
                        returned = UnitChange(projectID: e.projectId, unitIDs: unsold)
                        try await self.events.announce(returned!, on: tx)
                    }
                }
            case .schedule:
                // A rehearsal's copy is wiped when the real event is scheduled.
                try await sql.delete(from: "opening_events").where("source_event_id", .equal, eventID).run()
            case .rehearse:
                try await self.copyForRehearsal(e, now: now, on: tx)
            case .endRehearsal:
                try await sql.delete(from: "opening_events").where("source_event_id", .equal, eventID).run()
                try await sql.update("opening_events").set("rehearsed_at", to: SQLBind(now)).where("id", .equal, eventID).run()
            case .open:
                break
            }
            let changed = try await sql.update("opening_events").set("status", to: SQLBind(next.rawValue)).set("updated_at", to: SQLBind(now))
                .where("id", .equal, eventID).where("status", .equal, e.status).returning("id").all()
            guard !changed.isEmpty else { throw Problem.conflict("opening_action_not_allowed", ["state": e.status]) }
            if [.open, .pause, .resume, .extend, .close].contains(action) {
                try await OpeningLog.append(eventID, kind: action.rawValue, [context.actorName, note], at: now, on: tx)
                try await self.hub.announce(eventID, engine: engine, on: tx)
            }
            return (returned, AuditEntry(action: "opening.state", entity: "opening_event", entityID: eventID.uuidString, projectID: e.projectId,
                                         summary: "opening “\(e.name)”: \(action.rawValue) (\(e.status) → \(next.rawValue)) \(note)",
                                         before: ["status": e.status], after: ["status": next.rawValue]))
        }
        if let returned { events.committed(returned) }
        hub.committed(eventID)
        return try await event(eventID)
    }

    /// 模拟开盘: a copy of the event (its registrations with their ranks, its units, its batches moved
    /// to start now), open at once; the same engine runs on it without touching sales; it is
    /// deleted (with everything in it) when the rehearsal ends or the event is scheduled.
    func copyForRehearsal(_ e: Event, now: Date, on tx: any Database) async throws {
        let sql = tx.sql
        let copy = UUID()
        let shift = now.timeIntervalSince(e.startsAt)
        try await sql.insert(into: "opening_events").columns(
            "id", "project_id", "name", "status", "order_kind", "seed", "seed_note", "order_hash", "drawn_at", "quota", "deposit_fen", "payment_method",
            "contract_days", "confirm_seconds", "starts_at", "ends_at", "log_seq", "log_hash", "source_event_id", "created_by", "created_at", "updated_at")
            .values(SQLBind(copy), SQLBind(e.projectId), SQLBind("模拟 · " + e.name), SQLBind(OpeningState.open.rawValue), SQLBind(e.orderKind),
                    SQLBind(e.seed), SQLBind(e.seedNote), SQLBind(e.orderHash), SQLBind(e.drawnAt), SQLBind(e.quota), SQLBind(e.depositFen),
                    SQLBind(e.paymentMethod), SQLBind(e.contractDays), SQLBind(e.confirmSeconds), SQLBind(now), SQLBind(e.endsAt.addingTimeInterval(shift)),
                    SQLBind(0), SQLBind(OpeningLogChain.genesis), SQLBind(e.id), SQLBind(nil as UUID?), SQLBind(now), SQLBind(now)).run()
        struct R: Decodable {
            var customerId: UUID; var number: String; var mobile: String; var status: String; var eligible: Bool; var eligibilityNote: String
            var sincerityFen: Int64; var receiptNumber: String; var rank: Int?; var lotteryKey: String?; var createdAt: Date
        }
        let regs = try await sql.raw("""
            SELECT customer_id, number, mobile, status, eligible, eligibility_note, sincerity_fen, receipt_number, rank, lottery_key, created_at
            FROM opening_registrations WHERE event_id = \(bind: e.id)
            """).all(decoding: R.self, with: decoder)
        for chunk in regs.chunked(200) {
            var insert = sql.insert(into: "opening_registrations").columns(
                "id", "event_id", "project_id", "number", "customer_id", "mobile", "status", "eligible", "eligibility_note", "sincerity_fen",
                "receipt_number", "rank", "lottery_key", "picks", "created_at")
            for r in chunk {
                insert = insert.values(SQLBind(UUID()), SQLBind(copy), SQLBind(e.projectId), SQLBind(r.number), SQLBind(r.customerId), SQLBind(r.mobile),
                                       SQLBind(r.status), SQLBind(r.eligible), SQLBind(r.eligibilityNote), SQLBind(r.sincerityFen), SQLBind(r.receiptNumber),
                                       SQLBind(r.rank), SQLBind(r.lotteryKey), SQLBind(0), SQLBind(r.createdAt))
            }
            try await insert.run()
        }
        for chunk in try await slots(e.id, on: sql).chunked(500) {
            var insert = sql.insert(into: "opening_units").columns("id", "event_id", "unit_id", "code", "list_total_fen", "status")
            for u in chunk {
                insert = insert.values(SQLBind(UUID()), SQLBind(copy), SQLBind(u.unitId), SQLBind(u.code), SQLBind(u.listTotalFen), SQLBind("open"))
            }
            try await insert.run()
        }
        let moved = try await batches(e.id, on: sql).map { b in
            OpeningBatch(seq: b.seq, firstRank: b.firstRank, lastRank: b.lastRank, opensAt: b.opensAt + shift, closesAt: b.closesAt + shift)
        }
        try await Self.insertBatches(moved, event: copy, on: tx)
    }

    // MARK: Results

    public struct Result: Sendable, Decodable, Equatable {
        public var rank: Int?
        public var number: String
        public var customerId: UUID
        public var unitCode: String?
        public var listTotalFen: Int64?
        public var confirmedAt: Date?
        public var subscriptionNumber: String?
        public var name: String = ""
        enum CodingKeys: String, CodingKey { case rank, number, customerId, unitCode, listTotalFen, confirmedAt, subscriptionNumber }
    }

    /// Every registration in order with what it bought (nothing: for follow-up).
    public func results(_ eventID: UUID) async throws -> [Result] {
        var rows = try await store.sql.raw("""
            SELECT r.rank, r.number, r.customer_id, u.code AS unit_code, u.list_total_fen, s.confirmed_at, s.subscription_number
            FROM opening_registrations r
            LEFT JOIN opening_selections s ON s.registration_id = r.id AND s.status = 'confirmed'
            LEFT JOIN opening_units u ON u.event_id = s.event_id AND u.unit_id = s.unit_id
            WHERE r.event_id = \(bind: eventID)
            ORDER BY CASE WHEN r.rank IS NULL THEN 1 ELSE 0 END, r.rank, r.number, s.confirmed_at
            """).all(decoding: Result.self, with: decoder)
        let people = try await CustomerDirectory.contacts(rows.map(\.customerId), sql: store.sql)
        for i in rows.indices { rows[i].name = people[rows[i].customerId]?.name ?? "" }
        return rows
    }

    /// The live board's figures: units by status in the event, confirmations in the last minute,
    /// and buyers per batch who still have quota.
    public struct Console: Sendable, Equatable {
        public var open: Int, held: Int, taken: Int
        public var perMinute: Int
        public var waiting: [Int: Int]
    }

    public func console(_ eventID: UUID) async throws -> Console {
        let now = now()
        struct C: Decodable { var status: String; var n: Int }
        let counts = try await store.sql.raw("""
            SELECT CASE WHEN status = 'held' AND held_until < \(bind: now.addingTimeInterval(-SelectionLimits.confirmGrace)) THEN 'open' ELSE status END AS status, COUNT(*) AS n
            FROM opening_units WHERE event_id = \(bind: eventID) GROUP BY 1
            """).all(decoding: C.self)
        let by = Dictionary(counts.map { ($0.status, $0.n) }, uniquingKeysWith: +)
        struct N: Decodable { var n: Int }
        let minute = try await store.sql.raw("""
            SELECT COUNT(*) AS n FROM opening_selections WHERE event_id = \(bind: eventID) AND status = 'confirmed' AND confirmed_at >= \(bind: now.addingTimeInterval(-60))
            """).first(decoding: N.self)?.n ?? 0
        let e = try await event(eventID)
        var waiting: [Int: Int] = [:]
        for b in try await batches(eventID) {
            waiting[b.seq] = try await store.sql.raw("""
                SELECT COUNT(*) AS n FROM opening_registrations WHERE event_id = \(bind: eventID) AND rank BETWEEN \(bind: b.firstRank) AND \(bind: b.lastRank)
                  AND picks < \(bind: e.quota) AND eligible AND status = 'active'
                """).first(decoding: N.self)?.n ?? 0
        }
        return Console(open: by["open"] ?? 0, held: by["held"] ?? 0, taken: by["taken"] ?? 0, perMinute: minute, waiting: waiting)
    }

    /// The compact availability update every viewer gets: units not open, by code (held units
    /// whose time passed count as open), and the event's state and log head.
    public func availabilityJSON(_ eventID: UUID) async throws -> String {
        try await hub.snapshot(eventID) {
            let now = now()
            let e = try await event(eventID)
            struct R: Decodable { var unitId: UUID; var status: String }
            let rows = try await store.sql.raw("""
                SELECT unit_id, CASE WHEN status = 'held' AND held_until < \(bind: now.addingTimeInterval(-SelectionLimits.confirmGrace)) THEN 'open' ELSE status END AS status
                FROM opening_units WHERE event_id = \(bind: eventID) AND status <> 'open'
                """).all(decoding: R.self, with: decoder)
            struct Out: Encodable { var state: String; var taken: [UUID]; var held: [UUID]; var hash: String; var serverTime: Date }
            let out = Out(state: e.status, taken: rows.filter { $0.status == "taken" }.map(\.unitId), held: rows.filter { $0.status == "held" }.map(\.unitId),
                          hash: e.logHash, serverTime: now)
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            return String(decoding: try encoder.encode(out), as: UTF8.self)
        }
    }
}

// MARK: The event's clock

extension OpeningService {
    public struct ClockTick: Sendable, Equatable {
        public var opened = 0, lapsed = 0, closed = 0
    }

    /// What the background job runs: opens a scheduled event at its start, lapses holds past their
    /// confirmation time (so every viewer sees the unit open again without waiting for the next
    /// choice of it), and closes an open event at its end (staff extend an event to move the end; a
    /// paused one waits for them). Each is the staff move itself, by the system: a conditional
    /// update on the state read, so a staff click or another server at the same moment wins cleanly.
    public func tick() async throws -> ClockTick {
        let now = now()
        struct Row: Decodable { var id: UUID; var status: String; var startsAt: Date; var endsAt: Date; var sourceEventId: UUID? }
        let rows = try await store.sql.raw("""
            SELECT id, status, starts_at, ends_at, source_event_id FROM opening_events WHERE status IN ('scheduled', 'open', 'paused')
            """).all(decoding: Row.self, with: decoder)
        let clock = AuditContext.system("开盘时钟")
        var tick = ClockTick()
        func move(_ action: OpeningAction, _ id: UUID) async throws -> Bool {
            // Not `_ = try` here: Swift 6 then warns the catch unreachable in a local function (swiftlang/swift#91025).
            do {
                let moved = try await act(action, event: id, context: clock)
                return moved.id == id
            } catch {
                // Another server or a staff click moved it first.
                if (error as? Problem)?.code == "opening_action_not_allowed" { return false }
                throw error
            }
        }
        for r in rows {
            let real = r.sourceEventId == nil
            if r.status == OpeningState.scheduled.rawValue {
                if real, r.startsAt <= now, try await move(.open, r.id) { tick.opened += 1 }
                continue
            }
            // A write only when a hold has lapsed: the loop runs every second on every server.
            if try await hasLapsedHolds(r.id, now: now) { tick.lapsed += try await sweep(r.id) }
            if real, r.status == OpeningState.open.rawValue, r.endsAt <= now, try await move(.close, r.id) { tick.closed += 1 }
        }
        return tick
    }

    func hasLapsedHolds(_ eventID: UUID, now: Date) async throws -> Bool {
        struct N: Decodable { var n: Int }
        return try await store.sql.raw("""
            SELECT COUNT(*) AS n FROM opening_units WHERE event_id = \(bind: eventID) AND status = 'held' AND held_until < \(bind: now.addingTimeInterval(-SelectionLimits.confirmGrace))
            """).first(decoding: N.self)?.n ?? 0 > 0
    }
}
