import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 认购 from an opening's confirmed selection (issue 18): the opening decides who buys which
/// unit at what price (the approved list's total, fixed when the unit was released to the event)
/// and on what terms (the event's deposit, payment method and contract deadline, the same for
/// every selection); Sales writes the sale — the unit move, its live claim (the unique index
/// refuses a second), the subscription, its buyer, its deposit item, its timeline and ledger line —
/// inside the opening's transaction, so the selection and the sale commit or fail together. The
/// event's units are withheld from ordinary sale while it runs, so a consultant's 认购 cannot take
/// a unit a buyer is about to confirm.
extension SaleService {
    struct OpeningPurchase: Sendable {
        var unitID: UUID
        var projectID: UUID
        var customerID: UUID
        var price: Money
        var deposit: Money
        var method: PaymentMethod
        var contractDeadline: CalendarDay
        /// E.g. "开盘 首开 · 认筹 RC000012".
        var note: String
    }

    /// Returns the subscription's id and number. The caller announces the unit change (it owns the
    /// transaction) and writes its own audit line; this writes the sale's.
    static func subscribeFromOpening(_ p: OpeningPurchase, context: AuditContext, now: Date, on tx: any Database) async throws -> (id: UUID, number: String) {
        guard DepositRule.isAllowed(p.deposit, price: p.price) else {
            throw Problem.invalid([.init(field: "deposit", code: "deposit_out_of_range", arguments: ["limit": DepositRule.maximum(for: p.price).description])])
        }
        guard let c = try await CustomerDirectory.contacts([p.customerID], sql: tx.sql)[p.customerID] else { throw Problem.notFound }
        let buyer = Buyer(customerId: c.id, name: c.name, mobile: c.mobile, share: 10_000, ownerId: c.ownerId, idMasked: c.idMasked)
        let id = UUID()
        let today = CalendarDay(now)
        let number = try await nextNumber("RG", projectID: p.projectID, on: tx)
        // The unit was withheld from ordinary sale for the event (开盘保留); the selection returns it to be taken here.
        if try await SalesControlService.status(of: p.unitID, in: p.projectID, on: tx) == .withheld {
            try await SalesControlService.returnWithheld([p.unitID], in: p.projectID, reason: p.note, context: context, now: now, on: tx)
        }
        let unit = try await takeUnit(p.unitID, in: p.projectID, buyer: buyer, reason: "认购 \(number) · \(p.note)", context: context, now: now, on: tx)
        try await tx.sql.insert(into: "subscriptions").columns(
            "id", "project_id", "number", "unit_id", "status", "list_total_fen", "final_total_fen", "effective_permyriad", "rules",
            "special_permyriad", "discount_approval_id", "payment_method", "deposit_fen", "contract_deadline", "consultant_id", "note",
            "created_by", "created_at", "updated_at", "subscribed_on")
            .values(SQLBind(id), SQLBind(p.projectID), SQLBind(number), SQLBind(p.unitID), SQLBind(SubscriptionStatus.active.rawValue),
                    SQLBind(p.price.fen), SQLBind(p.price.fen), SQLBind(10_000), SQLBind(""), SQLBind(10_000), SQLBind(nil as UUID?),
                    SQLBind(p.method.rawValue), SQLBind(p.deposit.fen), SQLBind(p.contractDeadline.description), SQLBind(c.ownerId),
                    SQLBind(String(p.note.prefix(200))), SQLBind(context.actorID), SQLBind(now), SQLBind(now), SQLBind(today.description)).run()
        try await ReportLedger.subscription(id, projectID: p.projectID, on: tx.sql)
        try await insertBuyers([BuyerDraft(customerID: c.id, share: 10_000)], sale: id, now: now, on: tx)
        try await insertItems([.init(kind: .deposit, amount: p.deposit, due: today)], sale: id, projectID: p.projectID, from: 1, on: tx)
        try await event(id, "subscribe", "认购 \(unit) · \(Masking.name(c.name)) · 成交价 \(p.price) 元 · 定金 \(p.deposit) 元 · \(p.note)",
                        context: context, now: now, on: tx)
        try await AuditLog.record(AuditEntry(action: "sale.subscribe", entity: "subscription", entityID: id.uuidString, projectID: p.projectID,
                                             summary: "subscription \(number) of unit \(unit) at \(p.price.plain) (opening)",
                                             after: ["unit": unit, "finalTotal": p.price.plain, "deposit": p.deposit.plain,
                                                     "method": p.method.rawValue, "buyers": "1"]),
                                  context: context, at: now, on: tx)
        return (id, number)
    }
}
