import EstateCore
import FluentKit
import Foundation
import SQLKit

/// The selection engine (issue 18 points 3–5): choose → hold for `confirm_seconds` → confirm →
/// subscribed at once with the event's terms (through SaleService). Every guarantee is a
/// conditional UPDATE inside one transaction, never a read-then-write:
/// - the quota: `picks = picks + 1 … WHERE picks < quota` on the registration;
/// - the unit: `status = 'held' … WHERE status = 'open'` on the event's unit (and a partial unique
///   index on live selections per unit, and Sales' own live-claim index, behind it);
/// - the same click twice: one selection per (registration, idempotency key), replayed;
/// - a pause: the log's head advances only `WHERE status = 'open'`, last, so a selection that
///   commits after a pause does not exist.
extension OpeningService {
    public struct Selection: Sendable, Codable, Equatable {
        public var id: UUID
        public var eventId: UUID
        public var registrationId: UUID
        public var unitId: UUID
        public var code: String
        public var listTotalFen: Int64
        public var status: String
        public var heldUntil: Date
        public var confirmedAt: Date?
        public var subscriptionId: UUID?
        public var subscriptionNumber: String?
        /// The event's log head after this change (the final hash once the event closes).
        public var logHash: String = ""
        /// True when this answer replays an earlier request with the same key.
        public var replayed: Bool = false

        enum CodingKeys: String, CodingKey {
            case id, eventId, registrationId, unitId, code, listTotalFen, status, heldUntil, confirmedAt, subscriptionId, subscriptionNumber, logHash
        }
    }

    /// A refusal's reason once the change rolled back: a failed head update means the event is
    /// paused, or not open at all.
    func reason(_ refused: Refused, event eventID: UUID) async throws -> SelectionRefusal {
        guard refused.reason == .paused else { return refused.reason }
        return try await event(eventID).state == .paused ? .paused : .notOpen
    }

    struct Refused: Error { var reason: SelectionRefusal }

    static func problem(_ r: SelectionRefusal) -> Problem { Problem.conflict(r.rawValue) }

    static let selectionSelect = """
        SELECT s.id, s.event_id, s.registration_id, s.unit_id, u.code, u.list_total_fen, s.status, s.held_until, s.confirmed_at,
               s.subscription_id, s.subscription_number, e.log_hash
        FROM opening_selections s JOIN opening_units u ON u.event_id = s.event_id AND u.unit_id = s.unit_id
        JOIN opening_events e ON e.id = s.event_id
        """

    public func selection(_ id: UUID, on db: (any SQLDatabase)? = nil) async throws -> Selection {
        guard let s = try await (db ?? store.sql).raw("\(unsafeRaw: Self.selectionSelect) WHERE s.id = \(bind: id)")
            .first(decoding: Selection.self, with: decoder) else { throw Problem.notFound }
        return s
    }

    func selection(registration: UUID, key: String, on db: (any SQLDatabase)? = nil) async throws -> Selection? {
        var s = try await (db ?? store.sql).raw("\(unsafeRaw: Self.selectionSelect) WHERE s.registration_id = \(bind: registration) AND s.idem_key = \(bind: key)")
            .first(decoding: Selection.self, with: decoder)
        s?.replayed = true
        return s
    }

    /// A buyer's selections in an event, newest first.
    public func selections(registration: UUID) async throws -> [Selection] {
        try await store.sql.raw("\(unsafeRaw: Self.selectionSelect) WHERE s.registration_id = \(bind: registration) ORDER BY s.created_at DESC")
            .all(decoding: Selection.self, with: decoder)
    }

    // MARK: Choose

    /// 选房: holds `unitID` for the buyer. Refusals (window, quota, pause, taken, not in the event)
    /// are 409 with the reason as the code, and are logged; over the selection limits it is 429.
    public func choose(event eventID: UUID, registration registrationID: UUID, unit unitID: UUID, key: String,
                       context: AuditContext) async throws -> Selection {
        try Idempotent.check(key)
        if let done = try await selection(registration: registrationID, key: key) { return done }
        // Before any other work: a flood must cost a lookup, not a transaction (nor a line of the chain).
        if let throttle, let wait = throttle.admit(registration: registrationID, address: context.ip, now: now()) {
            throw Problem(.tooManyRequests, "opening_rate_limited", arguments: ["seconds": "\(Int(wait.rounded(.up)))"],
                          headers: ["Retry-After": "\(Int(wait.rounded(.up)))"])
        }
        // Past the process's limit a selection is turned away now rather than queued for the pool, before
        // any read (confirmations always enter). It cost the buyer nothing: their token is given back.
        guard let slot = gate.enter() else {
            throttle?.refund(registration: registrationID, address: context.ip)
            throw SelectionGate.busyProblem
        }
        defer { gate.leave(slot) }
        let e = try await event(eventID)
        let r = try await registration(registrationID)
        guard r.eventId == eventID else { throw Problem.notFound }
        let now = now()
        if let reason = SelectionRules.refusal(state: e.state, eligible: r.eligible && r.status == "active", rank: r.rank,
                                                batches: try await batches(eventID), now: now, used: 0, quota: e.quota) {
            // The quota is left to the conditional update below: the buyer's own lapsed hold gives
            // its pick back inside the same transaction first.
            throw try await refuse(e, r, unit: unitID, reason, context: context)
        }
        // Most refusals in a rush are for a unit already taken or held by another buyer within their
        // minute; a taken unit never reopens and a live hold only after its time, so one read answers
        // them without a write transaction (the conditional update below stays the guarantee).
        struct Seen: Decodable { var status: String; var heldBy: UUID?; var heldUntil: Date? }
        guard let seen = try await store.sql.raw("""
            SELECT status, held_by, held_until FROM opening_units WHERE event_id = \(bind: eventID) AND unit_id = \(bind: unitID)
            """).first(decoding: Seen.self, with: decoder)
        else { throw try await refuse(e, r, unit: unitID, .unitNotInEvent, context: context) }
        if seen.status == "taken" || (seen.status == "held" && seen.heldBy != registrationID
                                      && SelectionLimits.holdKeepsUnit(heldUntil: seen.heldUntil, now: now)) {
            throw try await refuse(e, r, unit: unitID, .unitTaken, context: context)
        }
        let id = UUID()
        let engine = store.engine
        do {
            try await store.write { tx in
                let sql = tx.sql
                // The minute starts when the hold exists, not when the request arrived: time spent waiting for the
                // database is not taken from the buyer.
                let now = self.now()
                let heldUntil = now.addingTimeInterval(TimeInterval(e.confirmSeconds))
                let lapsed = try await Self.expireLapsed(eventID, unit: unitID, registration: registrationID, now: now, on: tx)
                struct P: Decodable { var picks: Int }
                guard try await sql.raw("""
                    UPDATE opening_registrations SET picks = picks + 1
                    WHERE id = \(bind: registrationID) AND picks < \(bind: e.quota) AND eligible AND status = 'active' RETURNING picks
                    """).first(decoding: P.self) != nil
                else { throw Refused(reason: .overQuota) }
                struct U: Decodable { var code: String }
                guard let unit = try await sql.raw("""
                    UPDATE opening_units SET status = 'held', held_by = \(bind: registrationID), held_until = \(bind: heldUntil), selection_id = \(bind: id)
                    WHERE event_id = \(bind: eventID) AND unit_id = \(bind: unitID) AND status = 'open' RETURNING code
                    """).first(decoding: U.self)
                else {
                    struct N: Decodable { var n: Int }
                    let known = try await sql.raw("SELECT COUNT(*) AS n FROM opening_units WHERE event_id = \(bind: eventID) AND unit_id = \(bind: unitID)")
                        .first(decoding: N.self)?.n ?? 0
                    throw Refused(reason: known > 0 ? .unitTaken : .unitNotInEvent)
                }
                try await sql.insert(into: "opening_selections")
                    .columns("id", "event_id", "registration_id", "unit_id", "idem_key", "status", "held_until", "created_at")
                    .values(SQLBind(id), SQLBind(eventID), SQLBind(registrationID), SQLBind(unitID), SQLBind(key), SQLBind("held"),
                            SQLBind(heldUntil), SQLBind(now)).run()
                try await AuditLog.record(AuditEntry(action: "opening.choose", entity: "opening_selection", entityID: id.uuidString,
                                                     projectID: e.projectId, summary: "\(r.number) chose \(unit.code) (held until confirmed)"),
                                          context: context, at: now, on: tx)
                try await self.hub.announce(eventID, engine: engine, on: tx)
                try await Self.logReleases(eventID, lapsed, now: now, on: tx)
                guard try await OpeningLog.append(eventID, kind: "choose", [r.number, unitID.uuidString, unit.code, id.uuidString],
                                                  at: now, requireOpen: true, on: tx)
                else { throw Refused(reason: .paused) }
            }
        } catch let refused as Refused {
            if let done = try await selection(registration: registrationID, key: key) { return done }
            throw try await refuse(e, r, unit: unitID, try await reason(refused, event: eventID), context: context)
        } catch {
            // The same key's twin committed first (its unique index): replay it.
            if let done = try await selection(registration: registrationID, key: key) { return done }
            if error.isConstraintFailure { throw try await refuse(e, r, unit: unitID, .unitTaken, context: context) }
            throw error
        }
        hub.committed(eventID)
        return try await selection(id)
    }

    // MARK: Confirm

    /// 确认: within the hold, the unit is taken and subscribed at once with the event's terms (a
    /// rehearsal takes it in the copy only). Confirming twice answers the same confirmation.
    public func confirm(event eventID: UUID, registration registrationID: UUID, selection selectionID: UUID,
                        context: AuditContext) async throws -> Selection {
        // A confirmation is judged by when it arrived: one in time that then waits for the database still counts
        // (others lapse a hold only `SelectionLimits.confirmGrace` after its minute).
        let now = now()
        let e = try await event(eventID)
        let r = try await registration(registrationID)
        guard r.eventId == eventID else { throw Problem.notFound }
        let slot = gate.enterAlways()
        defer { gate.leave(slot) }
        let engine = store.engine
        let deadline = CalendarDay(now).adding(days: e.contractDays)
        var unitChange: UnitChange?
        do {
            unitChange = try await store.write { tx -> UnitChange? in
                let sql = tx.sql
                struct S: Decodable { var unitId: UUID }
                guard let s = try await sql.raw("""
                    UPDATE opening_selections SET status = 'confirmed', confirmed_at = \(bind: now)
                    WHERE id = \(bind: selectionID) AND registration_id = \(bind: registrationID) AND event_id = \(bind: eventID)
                      AND status = 'held' AND held_until >= \(bind: now) RETURNING unit_id
                    """).first(decoding: S.self, with: self.decoder)
                else { throw Refused(reason: .holdExpired) }
                struct U: Decodable { var code: String; var listTotalFen: Int64 }
                guard let u = try await sql.raw("""
                    UPDATE opening_units SET status = 'taken', taken_at = \(bind: now)
                    WHERE event_id = \(bind: eventID) AND unit_id = \(bind: s.unitId) AND selection_id = \(bind: selectionID) AND status = 'held'
                    RETURNING code, list_total_fen
                    """).first(decoding: U.self, with: self.decoder)
                else { throw Refused(reason: .holdExpired) }
                var subscription: (id: UUID, number: String)?
                var moved: UnitChange?
                if !e.isRehearsal {
                    let purchase = SaleService.OpeningPurchase(unitID: s.unitId, projectID: e.projectId, customerID: r.customerId,
                                                               price: Money(fen: u.listTotalFen), deposit: e.deposit, method: e.method,
                                                               contractDeadline: deadline, note: "\(e.name) · 认筹 \(r.number)")
                    subscription = try await SaleService.subscribeFromOpening(purchase, context: context, now: now, on: tx)
                    try await sql.raw("""
                        UPDATE opening_selections SET subscription_id = \(bind: subscription!.id), subscription_number = \(bind: subscription!.number)
                        WHERE id = \(bind: selectionID)
                        """).run()
                    try await sql.raw("UPDATE opening_units SET subscription_id = \(bind: subscription!.id) WHERE event_id = \(bind: eventID) AND unit_id = \(bind: s.unitId)").run()
                    moved = UnitChange(projectID: e.projectId, unitIDs: [s.unitId])
                    try await self.events.announce(moved!, on: tx)
                }
                try await AuditLog.record(AuditEntry(action: "opening.confirm", entity: "opening_selection", entityID: selectionID.uuidString,
                                                     projectID: e.projectId,
                                                     summary: "\(r.number) confirmed \(u.code)\(subscription.map { " → " + $0.number } ?? " (rehearsal)")"),
                                          context: context, at: now, on: tx)
                try await self.hub.announce(eventID, engine: engine, on: tx)
                guard try await OpeningLog.append(eventID, kind: "confirm",
                                                  [r.number, s.unitId.uuidString, u.code, selectionID.uuidString, subscription?.number ?? "-"],
                                                  at: now, requireOpen: true, on: tx)
                else { throw Refused(reason: .paused) }
                if let subscription {
                    struct H: Decodable { var logHash: String }
                    let hash = try await sql.raw("SELECT log_hash FROM opening_events WHERE id = \(bind: eventID)").first(decoding: H.self, with: self.decoder)?.logHash ?? ""
                    try await Outbox.enqueue(OutboxDraft(channel: .sms, recipient: r.mobile, template: "opening.confirmed",
                                                         params: ["event": e.name, "unit": u.code, "number": subscription.number,
                                                                  "price": Money(fen: u.listTotalFen).description, "deadline": deadline.description,
                                                                  "hash": String(hash.prefix(16))],
                                                         projectID: e.projectId, reference: "subscription:\(subscription.id)"), now: now, on: sql)
                }
                return moved
            }
        } catch let refused as Refused {
            let s = try await selection(selectionID)
            if s.registrationId == registrationID, s.status == "confirmed" { var s = s; s.replayed = true; return s }
            throw try await refuse(e, r, unit: s.unitId, try await reason(refused, event: eventID), context: context)
        }
        if let unitChange { events.committed(unitChange) }
        hub.committed(eventID)
        return try await selection(selectionID)
    }

    // MARK: Lapses and refusals

    struct Lapsed: Decodable, Sendable { var id: UUID; var registrationId: UUID; var unitId: UUID }

    /// Holds past their time (every hold with `all`): the selection lapses, the buyer's pick is
    /// given back and the unit opens again — all conditional, inside the caller's transaction. The
    /// caller logs them (`logReleases`) at its end, so the event row is locked last. A hold lapses for
    /// others (the unit's next buyer, the clock) `SelectionLimits.confirmGrace` after its minute, so a
    /// confirmation that arrived in time and is waiting for the database is not beaten to it; the buyer's
    /// own new selection lapses their own hold at once (they have moved on; their pick comes back).
    static func expireLapsed(_ eventID: UUID, unit: UUID? = nil, registration: UUID? = nil, now: Date, all: Bool = false,
                             on tx: any Database) async throws -> [Lapsed] {
        let sql = tx.sql
        let others = all ? Date.distantFuture : now.addingTimeInterval(-SelectionLimits.confirmGrace)
        let due: SQLQueryString
        switch (unit, registration) {
        case let (u?, r?):
            due = "((registration_id = \(bind: r) AND held_until < \(bind: all ? Date.distantFuture : now)) OR (unit_id = \(bind: u) AND held_until < \(bind: others)))"
        case let (u?, nil): due = "unit_id = \(bind: u) AND held_until < \(bind: others)"
        case let (nil, r?): due = "registration_id = \(bind: r) AND held_until < \(bind: all ? Date.distantFuture : now)"
        case (nil, nil): due = "held_until < \(bind: others)"
        }
        let lapsed = try await sql.raw("""
            UPDATE opening_selections SET status = 'expired'
            WHERE event_id = \(bind: eventID) AND status = 'held' AND \(due)
            RETURNING id, registration_id, unit_id
            """).all(decoding: Lapsed.self, with: SQLRowDecoder.snakeCase)
        for l in lapsed {
            try await sql.raw("UPDATE opening_registrations SET picks = picks - 1 WHERE id = \(bind: l.registrationId) AND picks > 0").run()
            try await sql.raw("""
                UPDATE opening_units SET status = 'open', held_by = NULL, held_until = NULL, selection_id = NULL
                WHERE event_id = \(bind: eventID) AND unit_id = \(bind: l.unitId) AND selection_id = \(bind: l.id) AND status = 'held'
                """).run()
        }
        return lapsed
    }

    /// A `release` line per lapsed hold.
    static func logReleases(_ eventID: UUID, _ lapsed: [Lapsed], now: Date, on tx: any Database) async throws {
        for l in lapsed {
            try await OpeningLog.append(eventID, kind: "release", ["lapsed", l.unitId.uuidString, l.id.uuidString], at: now, on: tx)
        }
    }

    /// Lapses every hold past its time (the background job and the console call this).
    @discardableResult
    public func sweep(_ eventID: UUID) async throws -> Int {
        let now = now()
        let engine = store.engine
        let n = try await store.write { tx in
            let lapsed = try await Self.expireLapsed(eventID, now: now, on: tx)
            try await Self.logReleases(eventID, lapsed, now: now, on: tx)
            if !lapsed.isEmpty { try await self.hub.announce(eventID, engine: engine, on: tx) }
            return lapsed.count
        }
        if n > 0 { hub.committed(eventID) }
        return n
    }

    /// Logs a refusal and returns its problem once the line is committed. The refused change rolled back, so the
    /// line is written apart from it, by group commit (`OpeningRefusalLog`): the refusals arriving together share one
    /// transaction and one turn of the chain's head — in a rush most answers are refusals.
    func refuse(_ e: Event, _ r: Registration, unit: UUID, _ reason: SelectionRefusal, context: AuditContext) async throws -> Problem {
        try await refusals.append(OpeningLog.Pending(eventID: e.id, kind: "refuse", fields: [r.number, unit.uuidString, reason.rawValue], at: now()),
                                  store: store)
        return Self.problem(reason)
    }
}
