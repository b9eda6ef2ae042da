import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 电话预约定货, 团体购物 and 大件商品试机 (issue 20 point 6): a request the desk takes from a customer (their normalised
/// mobile, masked wherever shown), passes to the tenant, and follows to its end: the tenant confirms or declines (their
/// answer recorded), the customer is served (done) or it is cancelled. Each step is a conditional update on the status
/// read, so racing steps get one winner and a 409.
public struct DeskOrderService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let malls: MallService

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    public struct Order: Decodable, Sendable {
        public var id: UUID
        public var mallId: UUID
        public var number: String
        public var kind: String
        public var tenantId: UUID
        public var customerName: String
        public var customerMobile: String
        public var organisation: String
        public var details: String
        public var quantity: Int?
        public var dueOn: String
        public var status: String
        public var tenantContact: String?
        public var tenantAnswer: String?
        public var passedAt: Date?
        public var answeredAt: Date?
        public var closedAt: Date?
        public var closeNote: String?
        public var takenBy: UUID?
        public var takenAt: Date
        public var updatedAt: Date

        public var orderStatus: DeskOrderStatus { DeskOrderStatus(rawValue: status) ?? .taken }
        public var orderKind: DeskOrderKind { DeskOrderKind(rawValue: kind) ?? .phoneOrder }
        public func overdue(today: CalendarDay) -> Bool {
            CalendarDay(dueOn).map { DeskOrderFlow.overdue(orderStatus, due: $0, today: today) } ?? false
        }
    }

    public struct Draft: Sendable {
        public var kind: DeskOrderKind
        public var tenantID: UUID
        public var customerName: String
        public var customerMobile: String
        public var organisation: String = ""
        public var details: String
        public var quantity: Int?
        public var dueOn: String
        public init(kind: DeskOrderKind, tenantID: UUID, customerName: String, customerMobile: String, details: String, dueOn: String) {
            self.kind = kind; self.tenantID = tenantID; self.customerName = customerName; self.customerMobile = customerMobile
            self.details = details; self.dueOn = dueOn
        }
    }

    /// Takes the request: every bad field named at once (422), nothing written; the number and the audit line in the
    /// insert's transaction.
    public func take(_ d: Draft, mall: MallService.Mall, by actor: UUID?, context: AuditContext) async throws -> Order {
        var bad: [Problem.FieldError] = []
        let tenant = try await ifFound({ try await malls.tenant(d.tenantID) })
        if tenant?.mallId != mall.id { bad.append(.init(field: "tenantId", code: "mall_tenant_not_found")) }
        let name = MallService.cleanName(d.customerName, max: 40), mobile = MobileNumber.normalized(d.customerMobile)
        if name == nil { bad.append(.init(field: "customerName", code: "member_name_invalid")) }
        if mobile == nil { bad.append(.init(field: "customerMobile", code: "mobile_invalid")) }
        let org = d.organisation.trimmingCharacters(in: .whitespaces)
        if !org.isEmpty && MallService.cleanName(org, max: 60) == nil { bad.append(.init(field: "organisation", code: "mall_text_invalid")) }
        if d.kind == .groupPurchase && org.isEmpty { bad.append(.init(field: "organisation", code: "desk_order_organisation_required")) }
        let details = d.details.trimmingCharacters(in: .whitespacesAndNewlines)
        if details.isEmpty || details.count > 500 || details.contains("\u{0}") { bad.append(.init(field: "details", code: "desk_order_details_invalid")) }
        if let q = d.quantity, !(1...100_000).contains(q) { bad.append(.init(field: "quantity", code: "desk_order_quantity_invalid")) }
        let today = CalendarDay(now())
        if let due = CalendarDay(d.dueOn) {
            if due < today || today.days(until: due) > DeskOrderFlow.maxDueDays {
                bad.append(.init(field: "dueOn", code: "desk_order_due_invalid", arguments: ["days": "\(DeskOrderFlow.maxDueDays)"]))
            }
        } else { bad.append(.init(field: "dueOn", code: "date_invalid")) }
        guard bad.isEmpty, let tenant, let name, let mobile, let due = CalendarDay(d.dueOn) else { throw Problem.invalid(bad) }
        let id = UUID(), at = now(), kind = d.kind, quantity = d.quantity
        try await store.audited(context) { tx in
            let number = try await DocumentNumbers.next("DD", projectID: mall.projectId, on: tx)
            try await tx.sql.insert(into: "mall_desk_orders")
                .columns("id", "mall_id", "number", "kind", "tenant_id", "customer_name", "customer_mobile", "organisation", "details", "quantity",
                         "due_on", "status", "taken_by", "taken_at", "updated_by", "updated_at")
                .values(SQLBind(id), SQLBind(mall.id), SQLBind(number), SQLBind(kind.rawValue), SQLBind(tenant.id), SQLBind(name), SQLBind(mobile),
                        SQLBind(org), SQLBind(details), SQLBind(quantity), SQLBind(due.description), SQLBind(DeskOrderStatus.taken.rawValue),
                        SQLBind(actor), SQLBind(at), SQLBind(actor), SQLBind(at)).run()
            return ((), AuditEntry(action: "mall.desk_order_take", entity: "mall_desk_order", entityID: id.uuidString, projectID: mall.projectId,
                                   summary: "\(kind.rawValue) \(number) for \(tenant.shopName), customer \(Masking.name(name)) \(Masking.mobile(mobile))",
                                   after: ["kind": kind.rawValue, "tenant": tenant.shopName, "dueOn": due.description]))
        }
        return try await get(id)
    }

    public func get(_ id: UUID) async throws -> Order {
        guard let o = try await store.sql.raw("SELECT * FROM mall_desk_orders WHERE id = \(bind: id)").first(decoding: Order.self, with: decoder)
        else { throw Problem.notFound }
        return o
    }

    public struct Filter: Sendable {
        public var status: DeskOrderStatus?
        public var kind: DeskOrderKind?
        public var tenantID: UUID?
        /// Open ones only (taken, passed, confirmed), whatever their day.
        public var open = false
        public var from: Date?
        public var to: Date?
        public init() {}
    }

    /// Open ones by due day first, then the rest newest first.
    public func list(_ mallID: UUID, _ f: Filter = .init(), limit: Int = 300) async throws -> [Order] {
        var cond: SQLQueryString = "mall_id = \(bind: mallID)"
        if let s = f.status { cond = "\(cond) AND status = \(bind: s.rawValue)" }
        if let k = f.kind { cond = "\(cond) AND kind = \(bind: k.rawValue)" }
        if let t = f.tenantID { cond = "\(cond) AND tenant_id = \(bind: t)" }
        if f.open { cond = "\(cond) AND status IN \(SQLBind.group(DeskOrderStatus.allCases.filter(\.isOpen).map(\.rawValue)))" }
        if let from = f.from { cond = "\(cond) AND taken_at >= \(bind: from)" }
        if let to = f.to { cond = "\(cond) AND taken_at < \(bind: to)" }
        return try await store.sql.raw("SELECT * FROM mall_desk_orders WHERE \(cond) ORDER BY taken_at DESC, id LIMIT \(unsafeRaw: String(limit))")
            .all(decoding: Order.self, with: decoder)
    }

    /// One step: pass (who at the shop took it), confirm / decline (the tenant's answer), done, cancel (the reason).
    public func step(_ id: UUID, _ step: DeskOrderFlow.Step, text: String, by actor: UUID?, context: AuditContext) async throws -> Order {
        let o = try await get(id)
        let mall = try await malls.mall(o.mallId)
        guard let to = DeskOrderFlow.after(o.orderStatus, step) else {
            throw Problem.conflict("desk_order_step_not_allowed", ["status": o.status, "step": step.rawValue])
        }
        let body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if body.count > 200 || body.contains("\u{0}") { throw Problem.invalid([.init(field: "text", code: "too_long", arguments: ["limit": "200"])]) }
        if DeskOrderFlow.needsText(step) && body.isEmpty {
            throw Problem.invalid("text", step == .pass ? "desk_order_tenant_contact_required" : step == .cancel ? "reason_required" : "desk_order_answer_required")
        }
        let at = now()
        var set: [(String, any Encodable & Sendable)] = []
        switch step {
        case .pass: set = [("tenant_contact", body), ("passed_at", at)]
        case .confirm, .decline: set = [("tenant_answer", body), ("answered_at", at)]
        case .done, .cancel: set = [("close_note", body), ("closed_at", at)]
        }
        let assignments = set
        try await store.audited(context) { tx in
            var q = tx.sql.update("mall_desk_orders").set("status", to: SQLBind(to.rawValue)).set("updated_at", to: SQLBind(at)).set("updated_by", to: SQLBind(actor))
            for (k, v) in assignments { q = q.set(SQLIdentifier(k), to: SQLBind(v)) }
            let rows = try await q.where("id", .equal, id).where("status", .equal, o.status).returning("id").all()
            guard rows.count == 1 else { throw Problem.conflict("desk_order_step_not_allowed", ["status": "changed", "step": step.rawValue]) }
            return ((), AuditEntry(action: step == .pass ? "mall.desk_order_pass" : step == .confirm ? "mall.desk_order_confirm" : step == .decline ? "mall.desk_order_decline" : step == .done ? "mall.desk_order_done" : "mall.desk_order_cancel", entity: "mall_desk_order", entityID: id.uuidString, projectID: mall.projectId,
                                   summary: "\(o.number): \(o.status) → \(to.rawValue)", before: ["status": o.status],
                                   after: ["status": to.rawValue, "text": body]))
        }
        return try await get(id)
    }
}
