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
        let decoder = SQLRowDecoder.snakeCase
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
