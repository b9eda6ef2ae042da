import EstateCore
import Foundation
import SQLKit

/// 供应商评估: a supplier's scorecard over a period — quality (rejections at inspection, and repair tickets on the units
/// and components its batches went into, asked of 客服's `TicketService`), delivery (lines on time and in full), price
/// (what it was paid against the market median each order line was filed with) and service (the period's ratings,
/// `ScorecardService+Ratings`; none → its weight shared over the other three) — weighted by the weights the procurement manager sets. Below `Scorecard.warnBelow` a new order is
/// flagged; below `Scorecard.blockBelow` it is refused until the manager overrides with a reason (90 days).
public struct ScorecardService: Sendable {
    let store: Store
    let now: @Sendable () -> Date

    public static let overrideDays = 90
    public static let periodDays = 365

    public struct Card: Sendable {
        public var supplierID: UUID
        public var from: CalendarDay
        public var to: CalendarDay
        public var criteria: ScoreCriteria
        /// The manager's weights; `applied` is what the total was taken over (service's weight shared out when unrated).
        public var weights: ScoreWeights
        public var applied: ScoreWeights
        public var serviceRatings: Int
        public var total: Int
        public var standing: ScoreStanding
        public var deliveredMilli: Int64
        public var rejectedMilli: Int64
        public var repairTickets: Int
        public var unitsInstalled: Int
        public var lines: Int
        public var onTimeInFull: Int
        public var overriddenBecause: String?
    }

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    /// The weights in force (the latest the manager set), else `ScoreWeights.standard`.
    public func weights() async throws -> ScoreWeights {
        struct W: Decodable { var quality: Int; var delivery: Int; var price: Int; var service: Int }
        guard let w = try await store.sql.raw("SELECT quality, delivery, price, service FROM supplier_score_weights ORDER BY set_at DESC, id DESC LIMIT 1")
            .first(decoding: W.self) else { return .standard }
        return ScoreWeights(quality: w.quality, delivery: w.delivery, price: w.price, service: w.service)
    }

    public func setWeights(_ w: ScoreWeights, by actor: UUID?, context: AuditContext) async throws -> ScoreWeights {
        if let fault = w.fault { throw Problem.invalid("weights", fault) }
        let at = now()
        try await store.audited(context) { tx -> ((), AuditEntry) in
            try await tx.sql.raw("""
                INSERT INTO supplier_score_weights (id, quality, delivery, price, service, set_by, set_at)
                VALUES (\(bind: UUID()), \(bind: w.quality), \(bind: w.delivery), \(bind: w.price), \(bind: w.service), \(bind: actor), \(bind: at))
                """).run()
            return ((), AuditEntry(action: "supplier_score.weights", entity: "supplier_score", summary: "评分权重 \(w.quality)/\(w.delivery)/\(w.price)/\(w.service)",
                                   after: ["rule": "\(w.quality)/\(w.delivery)/\(w.price)/\(w.service)"]))
        }
        return w
    }

    /// The scorecard over [from, to].
    public func card(_ supplierID: UUID, from: CalendarDay, to: CalendarDay) async throws -> Card {
        let sql = store.sql
        struct D: Decodable { var deliveredMilli: Int64; var acceptedMilli: Int64; var rejectedMilli: Int64; var onTime: Bool; var status: String }
        let lines = try await sql.raw("""
            SELECT l.delivered_milli, l.accepted_milli, l.rejected_milli, l.on_time, d.status FROM purchase_delivery_lines l
            JOIN purchase_deliveries d ON d.id = l.delivery_id
            WHERE d.supplier_id = \(bind: supplierID) AND d.delivered_on >= \(bind: from.description) AND d.delivered_on <= \(bind: to.description)
            """).all(decoding: D.self, with: decoder)
        let inspected = lines.filter { $0.status == "inspected" }
        let delivered = inspected.reduce(Int64(0)) { $0 + $1.deliveredMilli }, rejected = inspected.reduce(Int64(0)) { $0 + $1.rejectedMilli }
        let otif = lines.filter { $0.onTime && ($0.status != "inspected" || $0.rejectedMilli == 0) }.count
        struct U: Decodable { var unitId: UUID; var component: String; var installedOn: String }
        let units = try await sql.raw("""
            SELECT unit_id, component, installed_on FROM purchase_delivery_units WHERE supplier_id = \(bind: supplierID) AND installed_on <= \(bind: to.description)
            """).all(decoding: U.self, with: decoder)
        let repairs = try await TicketService.repairCount(units.map { .init(unitID: $0.unitId, component: $0.component, since: $0.installedOn) },
                                                         until: to.adding(days: 1).description, sql: sql)
        struct P: Decodable { var unitPriceFen: Int64; var medianFen: Int64? }
        let prices = try await sql.raw("""
            SELECT l.unit_price_fen, l.median_fen FROM purchase_order_lines l JOIN purchase_orders o ON o.id = l.order_id
            WHERE o.supplier_id = \(bind: supplierID) AND o.status = 'approved' AND l.median_fen IS NOT NULL
            """).all(decoding: P.self, with: decoder)
        let stars = try await serviceStars(supplierID, from: from, to: to)
        let priceScores = prices.map { Scorecard.price(paid: Money(fen: $0.unitPriceFen), market: Money(fen: $0.medianFen ?? 0)) }
        let price = priceScores.isEmpty ? 100 : Int(Rounding.halfUp(Int128(priceScores.reduce(0, +)), divisor: Int128(priceScores.count)))
        let criteria = ScoreCriteria(quality: Scorecard.quality(deliveredMilli: delivered, rejectedMilli: rejected, repairTickets: repairs,
                                                                unitsInstalled: Set(units.map(\.unitId)).count),
                                     delivery: Scorecard.delivery(lines: lines.count, onTimeInFull: otif), price: price,
                                     service: Scorecard.service(stars: stars))
        let w = try await weights()
        let total = Scorecard.total(criteria, weights: w)
        return Card(supplierID: supplierID, from: from, to: to, criteria: criteria, weights: w, applied: Scorecard.applied(w, to: criteria),
                    serviceRatings: stars.count, total: total, standing: Scorecard.standing(total),
                    deliveredMilli: delivered, rejectedMilli: rejected, repairTickets: repairs, unitsInstalled: Set(units.map(\.unitId)).count,
                    lines: lines.count, onTimeInFull: otif, overriddenBecause: try await overrideReason(supplierID))
    }

    /// The card over the last year to today.
    public func current(_ supplierID: UUID) async throws -> Card {
        let today = CalendarDay(now())
        return try await card(supplierID, from: today.adding(days: -Self.periodDays), to: today)
    }

    /// The manager's override in force (its reason), if any.
    func overrideReason(_ supplierID: UUID) async throws -> String? {
        struct R: Decodable { var reason: String }
        return try await store.sql.raw("""
            SELECT reason FROM supplier_score_overrides WHERE supplier_id = \(bind: supplierID) AND until_on >= \(bind: CalendarDay(now()).description)
            ORDER BY created_at DESC LIMIT 1
            """).first(decoding: R.self)?.reason
    }

    /// The procurement manager lets a blocked supplier take orders again for 90 days, with a reason.
    public func overrideBlock(_ supplierID: UUID, reason: String, by principal: Principal, context: AuditContext) async throws -> Card {
        let s = try await SupplierService(store: store, now: now).supplier(supplierID)
        let reason = reason.trimmingCharacters(in: .whitespaces)
        guard Text.isCleanLine(reason, maxLength: 500) else { throw Problem.invalid("reason", "reason_required") }
        let at = now(), until = CalendarDay(at).adding(days: Self.overrideDays)
        try await store.audited(context) { tx -> ((), AuditEntry) in
            try await tx.sql.raw("""
                INSERT INTO supplier_score_overrides (id, supplier_id, reason, until_on, created_by, created_at)
                VALUES (\(bind: UUID()), \(bind: supplierID), \(bind: reason), \(bind: until.description), \(bind: principal.userID), \(bind: at))
                """).run()
            return ((), AuditEntry(action: "supplier_score.override", entity: "supplier", entityID: supplierID.uuidString,
                                   summary: "\(s.name): 评分放行至 \(until)", after: ["reason": reason, "to": until.description]))
        }
        return try await current(supplierID)
    }
}
