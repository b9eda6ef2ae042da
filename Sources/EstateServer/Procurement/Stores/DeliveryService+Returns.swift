import EstateCore
import Foundation
import SQLKit

/// 退货: rejected goods of an inspected delivery line go back to the supplier, in one or several returns; together never
/// more than inspection rejected (one conditional UPDATE of the line's `returned_milli`, so two racing returns cannot
/// both pass). What went back no longer counts as delivered, so the supplier may deliver it again.
extension DeliveryService {
    public struct Return: Decodable, Sendable {
        public var id: UUID
        public var projectId: UUID
        public var deliveryId: UUID
        public var deliveryLineId: UUID
        public var quantityMilli: Int64
        public var reason: String
        public var returnedOn: String
        public var createdBy: UUID?
        public var createdAt: Date
    }

    public func returns(_ deliveryID: UUID) async throws -> [Return] {
        try await store.sql.raw("SELECT * FROM purchase_returns WHERE delivery_id = \(bind: deliveryID) ORDER BY created_at, id")
            .all(decoding: Return.self, with: decoder)
    }

    /// Returns `quantity` of a line's rejected goods: 409 delivery_not_inspected before the inspection, 409
    /// return_over_rejected beyond what is left to return (its `left`); a reason and a day from the delivery's to today.
    public func returnGoods(_ deliveryID: UUID, lineID: UUID, quantity: String, reason: String, returnedOn: String,
                            by actor: UUID?, context: AuditContext) async throws -> Return {
        let d = try await delivery(deliveryID)
        guard d.status == "inspected" else { throw Problem.conflict("delivery_not_inspected") }
        let line = try await lines(deliveryID).first { $0.id == lineID }
        var bad: [Problem.FieldError] = []
        if line == nil { bad.append(.init(field: "lineId", code: "delivery_line_not_found")) }
        let q = PurchaseQuantity.parse(quantity)
        if q == nil || q! <= 0 { bad.append(.init(field: "quantity", code: "quantity_invalid")) }
        let reason = reason.trimmingCharacters(in: .whitespaces)
        if !Text.isCleanLine(reason, maxLength: 500) { bad.append(.init(field: "reason", code: "reason_required")) }
        let day = CalendarDay(returnedOn)
        if day == nil || day! > CalendarDay(now()) || CalendarDay(d.deliveredOn).map({ day! < $0 }) == true {
            bad.append(.init(field: "returnedOn", code: "date_invalid"))
        }
        if !bad.isEmpty { throw Problem.invalid(bad) }
        let id = UUID(), at = now(), quantity = q!, onDay = day!.description, l = line!
        return try await store.audited(context) { tx -> (Return, AuditEntry) in
            struct R: Decodable { var returnedMilli: Int64 }
            let moved = try await tx.sql.raw("""
                UPDATE purchase_delivery_lines SET returned_milli = returned_milli + \(bind: quantity)
                WHERE id = \(bind: lineID) AND delivery_id = \(bind: deliveryID) AND returned_milli + \(bind: quantity) <= rejected_milli
                RETURNING returned_milli
                """).all(decoding: R.self, with: SQLRowDecoder.snakeCase)
            guard let after = moved.first else {
                struct N: Decodable { var n: Int64 }
                let left = try await tx.sql.raw("SELECT rejected_milli - returned_milli AS n FROM purchase_delivery_lines WHERE id = \(bind: lineID)")
                    .first(decoding: N.self)?.n ?? 0
                throw Problem.conflict("return_over_rejected", ["left": PurchaseQuantity.format(left)])
            }
            try await tx.sql.raw("""
                INSERT INTO purchase_returns (id, project_id, delivery_id, delivery_line_id, quantity_milli, reason, returned_on, created_by, created_at)
                VALUES (\(bind: id), \(bind: d.projectId), \(bind: deliveryID), \(bind: lineID), \(bind: quantity), \(bind: reason), \(bind: onDay),
                \(bind: actor), \(bind: at))
                """).run()
            let r = Return(id: id, projectId: d.projectId, deliveryId: deliveryID, deliveryLineId: lineID, quantityMilli: quantity, reason: reason,
                           returnedOn: onDay, createdBy: actor, createdAt: at)
            return (r, AuditEntry(action: "delivery.return", entity: "purchase_delivery", entityID: deliveryID.uuidString, projectID: d.projectId,
                                  summary: "退货 \(d.number)：\(PurchaseQuantity.format(quantity))（\(reason)）",
                                  before: ["returned": PurchaseQuantity.format(l.returnedMilli)],
                                  after: ["returned": PurchaseQuantity.format(after.returnedMilli), "reason": reason]))
        }
    }
}
