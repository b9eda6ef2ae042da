import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 退换货 (issue 20 point 4): 30 天无理由退货 — the receipt, the tenant, the goods, the reason; the tenant agrees,
/// the floor's manager approves (not the one who took the request), the refund is recorded. A request on day 31
/// is refused naming the rule; a receipt's goods are returned once.
public struct ReturnService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let malls: MallService

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    public struct Return: Decodable, Sendable {
        public var id: UUID
        public var mallId: UUID
        public var number: String
        public var tenantId: UUID
        public var managerId: UUID?
        public var receiptNo: String
        public var purchasedOn: String
        public var goods: String
        public var amountFen: Int64
        public var reason: String
        public var customerName: String
        public var customerMobile: String
        public var status: String
        public var requestedBy: UUID?
        public var requestedAt: Date
        public var tenantContact: String?
        public var tenantAgreedAt: Date?
        public var approvedBy: UUID?
        public var approvedAt: Date?
        public var refundFen: Int64?
        public var refundMethod: String?
        public var refundedAt: Date?
        public var note: String
        public var returnStatus: ReturnStatus { ReturnStatus(rawValue: status) ?? .requested }
    }

    public struct Draft: Sendable {
        public var tenantID: UUID
        public var receiptNo: String
        public var purchasedOn: String
        public var goods: String
        public var amount: Money
        public var reason: String
        public var customerName: String
        public var customerMobile: String
        public init(tenantID: UUID, receiptNo: String, purchasedOn: String, goods: String, amount: Money, reason: String,
                    customerName: String, customerMobile: String) {
            self.tenantID = tenantID; self.receiptNo = receiptNo; self.purchasedOn = purchasedOn; self.goods = goods; self.amount = amount
            self.reason = reason; self.customerName = customerName; self.customerMobile = customerMobile
        }
    }

    public func request(_ d: Draft, mall: MallService.Mall, by actor: UUID?, context: AuditContext) async throws -> Return {
        var bad: [Problem.FieldError] = []
        let tenant = try await ifFound({ try await malls.tenant(d.tenantID) })
        if tenant?.mallId != mall.id { bad.append(.init(field: "tenantId", code: "mall_tenant_not_found")) }
        let receipt = MallService.cleanName(d.receiptNo, max: 40), goods = MallService.cleanName(d.goods, max: 100)
        let name = MallService.cleanName(d.customerName, max: 40), mobile = MobileNumber.normalized(d.customerMobile)
        if receipt == nil { bad.append(.init(field: "receiptNo", code: "mall_receipt_number_invalid")) }
        if goods == nil { bad.append(.init(field: "goods", code: "return_goods_invalid")) }
        if name == nil { bad.append(.init(field: "customerName", code: "member_name_invalid")) }
        if mobile == nil { bad.append(.init(field: "customerMobile", code: "mobile_invalid")) }
        let reason = d.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        if reason.count > 500 || reason.contains("\u{0}") { bad.append(.init(field: "reason", code: "too_long", arguments: ["limit": "500"])) }
        let today = CalendarDay(now())
        if let bought = CalendarDay(d.purchasedOn) {
            if let refusal = ReturnRule.check(purchased: bought, asked: today, amount: d.amount) {
                if refusal == .outsideWindow {
                    // The rule named, with the day it is: a refusal the customer is told at the desk.
                    throw Problem(.unprocessableEntity, refusal.rawValue, arguments: ["day": "\(ReturnRule.day(purchased: bought, asked: today))",
                                                                                      "days": "\(ReturnRule.days)"],
                                  fields: [.init(field: "purchasedOn", code: refusal.rawValue)])
                }
                bad.append(.init(field: refusal == .amountInvalid ? "amount" : "purchasedOn", code: refusal.rawValue))
            }
        } else { bad.append(.init(field: "purchasedOn", code: "date_invalid")) }
        guard bad.isEmpty, let tenant, let receipt, let goods, let name, let mobile else { throw Problem.invalid(bad) }
        let manager = try await malls.floor(tenant.floorId).managerId
        let id = UUID(), at = now()
        do {
            try await store.audited(context) { tx in
                let number = try await DocumentNumbers.next("TH", projectID: mall.projectId, on: tx)
                try await tx.sql.insert(into: "mall_returns")
                    .columns("id", "mall_id", "number", "tenant_id", "manager_id", "receipt_no", "purchased_on", "goods", "amount_fen", "reason",
                             "customer_name", "customer_mobile", "status", "requested_by", "requested_at", "note", "updated_at")
                    .values(SQLBind(id), SQLBind(mall.id), SQLBind(number), SQLBind(tenant.id), SQLBind(manager), SQLBind(receipt), SQLBind(d.purchasedOn),
                            SQLBind(goods), SQLBind(d.amount.fen), SQLBind(reason), SQLBind(name), SQLBind(mobile), SQLBind(ReturnStatus.requested.rawValue),
                            SQLBind(actor), SQLBind(at), SQLBind(""), SQLBind(at)).run()
                return ((), AuditEntry(action: "mall.return_request", entity: "mall_return", entityID: id.uuidString, projectID: mall.projectId,
                                       summary: "return \(number): \(goods) ¥\(d.amount.plain) at \(tenant.shopName)",
                                       after: ["receipt": receipt, "purchasedOn": d.purchasedOn, "amount": d.amount.plain]))
            }
        } catch where error.isConstraintFailure {
            throw Problem.conflict("return_receipt_exists", ["receipt": receipt])
        }
        return try await get(id)
    }

    public func get(_ id: UUID) async throws -> Return {
        guard let r = try await store.sql.raw("SELECT * FROM mall_returns WHERE id = \(bind: id)").first(decoding: Return.self, with: decoder)
        else { throw Problem.notFound }
        return r
    }

    public func list(_ mallID: UUID, status: ReturnStatus? = nil, from: Date? = nil, to: Date? = nil, limit: Int = 200) async throws -> [Return] {
        var cond: SQLQueryString = "mall_id = \(bind: mallID)"
        if let status { cond = "\(cond) AND status = \(bind: status.rawValue)" }
        if let from { cond = "\(cond) AND requested_at >= \(bind: from)" }
        if let to { cond = "\(cond) AND requested_at < \(bind: to)" }
        return try await store.sql.raw("SELECT * FROM mall_returns WHERE \(cond) ORDER BY requested_at DESC, id LIMIT \(unsafeRaw: String(limit))")
            .all(decoding: Return.self, with: decoder)
    }

    public struct StepInput: Sendable {
        public var tenantContact: String = ""
        public var refund: Money?
        public var method: String = ""
        public var note: String = ""
        public init() {}
    }

    /// One step of a return: the tenant's agreement (the tenant's person who agreed, as the desk heard it), the floor
    /// manager's approval (the floor's manager or a supervisor, never the one who took the request), the refund
    /// (at most the amount paid), or a refusal with its reason. Conditional on the status read: racing steps get one
    /// winner and a 409.
    public func step(_ id: UUID, _ step: ReturnFlow.Step, _ input: StepInput, by p: Principal, context: AuditContext) async throws -> Return {
        let r = try await get(id)
        let mall = try await malls.mall(r.mallId)
        guard let to = ReturnFlow.after(r.returnStatus, step) else {
            throw Problem.conflict("return_step_not_allowed", ["status": r.status, "step": step.rawValue])
        }
        let supervisor = p.may(.mallSupervise, on: mall.projectId)
        var set: [(String, any Encodable & Sendable)] = []
        let at = now()
        switch step {
        case .tenant:
            guard let contact = MallService.cleanName(input.tenantContact, max: 40) else { throw Problem.invalid("tenantContact", "mall_contact_invalid") }
            set = [("tenant_contact", contact), ("tenant_agreed_at", at)]
        case .floorManager, .reject:
            guard r.managerId == p.userID || supervisor else { throw Problem(.forbidden, "return_not_floor_manager") }
            guard r.requestedBy != p.userID else { throw Problem(.forbidden, "return_own_request") }
            if step == .reject, input.note.trimmingCharacters(in: .whitespaces).isEmpty { throw Problem.invalid("note", "reason_required") }
            set = [("approved_by", p.userID), ("approved_at", at)]
        case .refund:
            guard let refund = input.refund, refund.fen > 0, refund.fen <= r.amountFen else { throw Problem.invalid("refund", "return_refund_invalid") }
            guard ["cash", "card", "original", "wechat", "alipay"].contains(input.method) else { throw Problem.invalid("method", "return_method_invalid") }
            set = [("refund_fen", refund.fen), ("refund_method", input.method), ("refunded_by", p.userID), ("refunded_at", at)]
        }
        if input.note.count > 500 || input.note.contains("\u{0}") { throw Problem.invalid("note", "too_long") }
        let note = input.note
        let assignments = set
        try await store.audited(context) { tx in
            var q = tx.sql.update("mall_returns").set("status", to: SQLBind(to.rawValue)).set("updated_at", to: SQLBind(at))
            for (k, v) in assignments { q = q.set(SQLIdentifier(k), to: SQLBind(v)) }
            if !note.isEmpty { q = q.set("note", to: SQLBind(note)) }
            let rows = try await q.where("id", .equal, id).where("status", .equal, r.status).returning("id").all()
            guard rows.count == 1 else { throw Problem.conflict("return_step_not_allowed", ["status": "changed", "step": step.rawValue]) }
            return ((), AuditEntry(action: step == .tenant ? "mall.return_tenant" : step == .floorManager ? "mall.return_approve" : step == .refund ? "mall.return_refund" : "mall.return_reject", entity: "mall_return", entityID: id.uuidString,
                                   projectID: mall.projectId, summary: "return \(r.number): \(r.status) → \(to.rawValue)",
                                   before: ["status": r.status], after: ["status": to.rawValue]))
        }
        return try await get(id)
    }
}
