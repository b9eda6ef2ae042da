import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 开盘 / 线上选房 (issue 18): 认筹 registrations, the published order, the event with its
/// batches, quota and terms, and the selection engine. Every change is one transaction with its
/// audit line; the engine's changes also append to the event's hash-chained log (`OpeningLog`),
/// whose head update (`… WHERE status = 'open'`) is the last statement of a selection, so a pause
/// that commits first stops it and every selection holds the event row only for an instant.
public struct OpeningService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let events: UnitEventHub
    let customers: CustomerService
    let hub: OpeningHub
    /// Selection limits (`SelectionLimits`); nil in the rehearsal-free paths that never select.
    var throttle: SelectionThrottle? = nil
    /// Selections in flight in this process (one per process, shared by its requests).
    var gate = SelectionGate()
    /// Refusal lines by group commit (one per process, shared by its requests).
    var refusals = OpeningRefusalLog()

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    // MARK: Read models

    public struct Event: Sendable, Decodable, Equatable {
        public var id: UUID
        public var projectId: UUID
        public var name: String
        public var status: String
        public var orderKind: String
        public var seed: String
        public var seedNote: String
        public var orderHash: String?
        public var drawnAt: Date?
        public var quota: Int
        public var depositFen: Int64
        public var paymentMethod: String
        public var contractDays: Int
        public var confirmSeconds: Int
        public var startsAt: Date
        public var endsAt: Date
        public var pausedAt: Date?
        public var logSeq: Int
        public var logHash: String
        public var sourceEventId: UUID?
        public var rehearsedAt: Date?
        public var createdAt: Date

        public var state: OpeningState { OpeningState(rawValue: status) ?? .draft }
        public var kind: LotteryOrder.Kind { LotteryOrder.Kind(rawValue: orderKind) ?? .registration }
        public var deposit: Money { Money(fen: depositFen) }
        public var method: PaymentMethod { PaymentMethod(rawValue: paymentMethod) ?? .full }
        public var isRehearsal: Bool { sourceEventId != nil }
    }

    public struct Registration: Sendable, Codable, Equatable {
        public var id: UUID
        public var eventId: UUID
        public var projectId: UUID
        public var number: String
        public var customerId: UUID
        public var mobile: String
        public var status: String
        public var eligible: Bool
        public var eligibilityNote: String
        public var sincerityFen: Int64
        public var receiptNumber: String
        public var rank: Int?
        public var lotteryKey: String?
        public var picks: Int
        public var createdAt: Date
        /// Customers', filled after the read.
        public var name: String = ""
        public var idMasked: String? = nil

        enum CodingKeys: String, CodingKey {
            case id, eventId, projectId, number, customerId, mobile, status, eligible, eligibilityNote, sincerityFen, receiptNumber,
                 rank, lotteryKey, picks, createdAt
        }
        public var sincerity: Money { Money(fen: sincerityFen) }
    }

    public struct Slot: Sendable, Equatable, Codable {
        public var unitId: UUID
        public var code: String
        public var listTotalFen: Int64
        public var status: String
        public var heldUntil: Date?
    }

    static let eventColumns = """
        id, project_id, name, status, order_kind, seed, seed_note, order_hash, drawn_at, quota, deposit_fen, payment_method,
        contract_days, confirm_seconds, starts_at, ends_at, paused_at, log_seq, log_hash, source_event_id, rehearsed_at, created_at
        """
    static let registrationColumns = """
        id, event_id, project_id, number, customer_id, mobile, status, eligible, eligibility_note, sincerity_fen, receipt_number,
        rank, lottery_key, picks, created_at
        """

    public func event(_ id: UUID, in projectID: UUID? = nil, on db: (any SQLDatabase)? = nil) async throws -> Event {
        let db = db ?? store.sql
        guard let e = try await db.raw("SELECT \(unsafeRaw: Self.eventColumns) FROM opening_events WHERE id = \(bind: id)")
            .first(decoding: Event.self, with: decoder), projectID == nil || e.projectId == projectID
        else { throw Problem.notFound }
        return e
    }

    /// The project's events, newest first (rehearsal copies are shown under their source).
    public func events(_ projectID: UUID) async throws -> [Event] {
        try await store.sql.raw("""
            SELECT \(unsafeRaw: Self.eventColumns) FROM opening_events WHERE project_id = \(bind: projectID) AND source_event_id IS NULL
            ORDER BY starts_at DESC
            """).all(decoding: Event.self, with: decoder)
    }

    /// The live rehearsal copy of an event, if one is running.
    public func rehearsal(of eventID: UUID) async throws -> Event? {
        try await store.sql.raw("SELECT \(unsafeRaw: Self.eventColumns) FROM opening_events WHERE source_event_id = \(bind: eventID)")
            .first(decoding: Event.self, with: decoder)
    }

    public func batches(_ eventID: UUID, on db: (any SQLDatabase)? = nil) async throws -> [OpeningBatch] {
        struct R: Decodable { var seq: Int; var firstRank: Int; var lastRank: Int; var opensAt: Date; var closesAt: Date }
        return try await (db ?? store.sql).raw("""
            SELECT seq, first_rank, last_rank, opens_at, closes_at FROM opening_batches WHERE event_id = \(bind: eventID) ORDER BY seq
            """).all(decoding: R.self, with: decoder)
            .map { OpeningBatch(seq: $0.seq, firstRank: $0.firstRank, lastRank: $0.lastRank, opensAt: $0.opensAt, closesAt: $0.closesAt) }
    }

    /// Registrations in order (drawn rank, then number), with names and masked IDs from Customers.
    public func registrations(_ eventID: UUID, limit: Int = 5_000) async throws -> [Registration] {
        var rows = try await store.sql.raw("""
            SELECT \(unsafeRaw: Self.registrationColumns) FROM opening_registrations WHERE event_id = \(bind: eventID)
            ORDER BY CASE WHEN rank IS NULL THEN 1 ELSE 0 END, rank, number LIMIT \(unsafeRaw: String(limit))
            """).all(decoding: Registration.self, with: decoder)
        let people = try await CustomerDirectory.contacts(rows.map(\.customerId), sql: store.sql)
        for i in rows.indices {
            rows[i].name = people[rows[i].customerId]?.name ?? ""
            rows[i].idMasked = people[rows[i].customerId]?.idMasked
        }
        return rows
    }

    public func registration(_ id: UUID, on db: (any SQLDatabase)? = nil) async throws -> Registration {
        guard let r = try await (db ?? store.sql).raw("SELECT \(unsafeRaw: Self.registrationColumns) FROM opening_registrations WHERE id = \(bind: id)")
            .first(decoding: Registration.self, with: decoder) else { throw Problem.notFound }
        return r
    }

    /// The event's units in code order with their status in the event (open / held / taken).
    public func slots(_ eventID: UUID, on db: (any SQLDatabase)? = nil) async throws -> [Slot] {
        try await (db ?? store.sql).raw("""
            SELECT unit_id, code, list_total_fen, status, held_until FROM opening_units WHERE event_id = \(bind: eventID) ORDER BY code
            """).all(decoding: Slot.self, with: decoder)
    }
}
