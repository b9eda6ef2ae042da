import EstateCore
import Foundation
import SQLKit

/// 服务评价: the people who dealt with a supplier on an order — procurement staff, and the engineers who inspected its
/// deliveries — rate its service (responsiveness, paperwork, after-sales) 1–5 stars, once each per order, after at least
/// one delivery. The scorecard's service criterion is 100 × the period's mean ÷ 5; a period with no rating leaves service
/// out and shares its weight over the other criteria (`ScoreWeights.withoutService`).
extension ScorecardService {
    public struct ServiceRating: Decodable, Sendable {
        public var id: UUID
        public var supplierId: UUID
        public var orderId: UUID
        public var projectId: UUID
        public var stars: Int
        public var comment: String
        public var ratedBy: UUID
        public var ratedAt: Date
    }

    /// Who may rate an order's service: whoever handles the project's procurement, or an engineer on it (they inspect).
    static func mayRate(_ p: Principal, projectID: UUID) -> Bool {
        p.canSee(project: projectID) && (p.may(.procurementHandle, on: projectID) || p.roles(on: projectID).contains(.engineer))
    }

    /// Rates the supplier's service on `orderID`. 409 `service_order_not_delivered` before an approved order's first
    /// delivery, 409 `service_already_rated` for a second rating by the same person (the unique index decides a race).
    public func rateService(orderID: UUID, stars: Int, comment: String, by principal: Principal, context: AuditContext) async throws -> ServiceRating {
        let order = try await PurchaseOrderService(store: store, now: now).order(orderID)
        guard Self.mayRate(principal, projectID: order.projectId) else {
            throw principal.canSee(project: order.projectId) ? Problem.forbidden : Problem.notFound
        }
        let comment = comment.trimmingCharacters(in: .whitespacesAndNewlines)
        if let fault = Scorecard.serviceRatingFault(stars: stars, comment: comment) {
            throw Problem.invalid(fault == "service_stars_invalid" ? "stars" : "comment", fault)
        }
        guard comment.isEmpty || Text.isCleanLine(comment, maxLength: 500) else { throw Problem.invalid("comment", "text_invalid") }
        guard order.status == "approved" else { throw Problem.conflict("service_order_not_delivered", ["number": order.number]) }
        struct N: Decodable { var n: Int }
        let delivered = try await store.sql.raw("SELECT COUNT(*) AS n FROM purchase_deliveries WHERE order_id = \(bind: orderID)")
            .first(decoding: N.self)?.n ?? 0
        guard delivered > 0 else { throw Problem.conflict("service_order_not_delivered", ["number": order.number]) }
        let supplier = try await SupplierService(store: store, now: now).supplier(order.supplierId)
        let rating = ServiceRating(id: UUID(), supplierId: order.supplierId, orderId: orderID, projectId: order.projectId, stars: stars,
                                   comment: comment, ratedBy: principal.userID, ratedAt: now())
        return try await store.audited(context) { tx -> (ServiceRating, AuditEntry) in
            do {
                try await tx.sql.raw("""
                    INSERT INTO supplier_service_ratings (id, supplier_id, order_id, project_id, stars, comment, rated_by, rated_at)
                    VALUES (\(bind: rating.id), \(bind: rating.supplierId), \(bind: orderID), \(bind: rating.projectId), \(bind: stars),
                            \(bind: comment), \(bind: rating.ratedBy), \(bind: rating.ratedAt))
                    """).run()
            } catch where error.isConstraintFailure {
                throw Problem.conflict("service_already_rated", ["number": order.number])
            }
            return (rating, AuditEntry(action: "supplier_score.service_rating", entity: "purchase_order", entityID: orderID.uuidString,
                                       projectID: order.projectId, summary: "\(supplier.name) \(order.number): \(stars)★",
                                       after: ["stars": "\(stars)", "note": comment]))
        }
    }

    /// The ratings of one order, newest first.
    public func serviceRatings(orderID: UUID) async throws -> [ServiceRating] {
        try await store.sql.raw("SELECT * FROM supplier_service_ratings WHERE order_id = \(bind: orderID) ORDER BY rated_at DESC, id")
            .all(decoding: ServiceRating.self, with: decoder)
    }

    /// The stars given to a supplier over [from, to] (by the day they were given).
    func serviceStars(_ supplierID: UUID, from: CalendarDay, to: CalendarDay) async throws -> [Int] {
        struct S: Decodable { var stars: Int }
        let start = from.start, end = to.adding(days: 1).start
        return try await store.sql.raw("""
            SELECT stars FROM supplier_service_ratings WHERE supplier_id = \(bind: supplierID) AND rated_at >= \(bind: start) AND rated_at < \(bind: end)
            """).all(decoding: S.self).map(\.stars)
    }
}
