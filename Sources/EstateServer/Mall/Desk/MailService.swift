import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 邮件包裹 and 寄存 (issue 20 point 6): mail and parcels received at the desk for a tenant or a member of staff and
/// their pick-up with a signature; bags stored under a numbered tag and given back against it.
public struct MailService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let malls: MallService

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    public enum Kind: String, CaseIterable, Sendable { case letter, parcel, bag }

    public struct Item: Decodable, Sendable {
        public var id: UUID
        public var mallId: UUID
        public var kind: String
        public var tenantId: UUID?
        public var recipient: String
        public var carrier: String
        public var trackingNo: String
        public var tag: String?
        public var mobile: String?
        public var receivedAt: Date
        public var pickedUpAt: Date?
        public var pickedUpBy: String?
        public var signature: String?
    }

    public struct Draft: Sendable {
        public var kind: Kind
        public var tenantID: UUID?
        public var recipient: String
        public var carrier: String = ""
        public var trackingNo: String = ""
        public var tag: String = ""
        public var mobile: String = ""
        public init(kind: Kind, recipient: String) { self.kind = kind; self.recipient = recipient }
    }

    public func receive(_ d: Draft, mall: MallService.Mall, by actor: UUID?, context: AuditContext) async throws -> Item {
        var bad: [Problem.FieldError] = []
        var recipient = MallService.cleanName(d.recipient, max: 60)
        if let t = d.tenantID {
            if let tenant = try await ifFound({ try await malls.tenant(t) }), tenant.mallId == mall.id { recipient = recipient ?? tenant.shopName }
            else { bad.append(.init(field: "tenantId", code: "mall_tenant_not_found")) }
        }
        if recipient == nil { bad.append(.init(field: "recipient", code: "mall_text_invalid")) }
        let carrier = d.carrier.trimmingCharacters(in: .whitespaces), tracking = d.trackingNo.trimmingCharacters(in: .whitespaces)
        if carrier.count > 30 || carrier.contains("\n") { bad.append(.init(field: "carrier", code: "mall_text_invalid")) }
        if tracking.count > 40 || tracking.contains("\n") { bad.append(.init(field: "trackingNo", code: "mall_text_invalid")) }
        var tag: String?, mobile: String?
        if d.kind == .bag {
            tag = MallService.cleanName(d.tag, max: 20)
            if tag == nil { bad.append(.init(field: "tag", code: "mall_bag_tag_required")) }
            if !d.mobile.isEmpty { mobile = MobileNumber.normalized(d.mobile); if mobile == nil { bad.append(.init(field: "mobile", code: "mobile_invalid")) } }
        }
        guard bad.isEmpty, let recipient else { throw Problem.invalid(bad) }
        let id = UUID(), at = now(), bagTag = tag, bagMobile = mobile
        do {
            try await store.audited(context) { tx in
                try await tx.sql.insert(into: "mall_mail")
                    .columns("id", "mall_id", "kind", "tenant_id", "recipient", "carrier", "tracking_no", "tag", "mobile", "received_at", "created_by")
                    .values(SQLBind(id), SQLBind(mall.id), SQLBind(d.kind.rawValue), SQLBind(d.tenantID), SQLBind(recipient), SQLBind(carrier),
                            SQLBind(tracking), SQLBind(bagTag), SQLBind(bagMobile), SQLBind(at), SQLBind(actor)).run()
                return ((), AuditEntry(action: "mall.mail_receive", entity: "mall_mail", entityID: id.uuidString, projectID: mall.projectId,
                                       summary: "\(d.kind.rawValue) for \(recipient)", after: ["kind": d.kind.rawValue, "tag": bagTag ?? ""]))
            }
        } catch where error.isConstraintFailure {
            throw Problem.conflict("mall_bag_tag_in_use", ["tag": tag ?? ""])
        }
        return try await item(id)
    }

    public func item(_ id: UUID) async throws -> Item {
        guard let i = try await store.sql.raw("SELECT * FROM mall_mail WHERE id = \(bind: id)").first(decoding: Item.self, with: decoder)
        else { throw Problem.notFound }
        return i
    }

    public func items(_ mallID: UUID, waiting: Bool = false, from: Date? = nil, to: Date? = nil) async throws -> [Item] {
        var cond: SQLQueryString = "mall_id = \(bind: mallID)"
        if waiting { cond = "\(cond) AND picked_up_at IS NULL" }
        if let from { cond = "\(cond) AND received_at >= \(bind: from)" }
        if let to { cond = "\(cond) AND received_at < \(bind: to)" }
        return try await store.sql.raw("SELECT * FROM mall_mail WHERE \(cond) ORDER BY received_at DESC, id LIMIT 500").all(decoding: Item.self, with: decoder)
    }

    /// The pick-up: who took it and their signature; a bag only against its tag (409 `mall_bag_tag_mismatch`).
    public func pickUp(_ id: UUID, mall: MallService.Mall, by name: String, signature: String, tag: String, staff: UUID?,
                       context: AuditContext) async throws -> Item {
        let i = try await item(id)
        guard i.mallId == mall.id else { throw Problem.notFound }
        let who = try DeskLogService.line(name, "pickedUpBy", max: 40)
        guard let sig = MallService.cleanName(signature, max: 40) else { throw Problem.invalid("signature", "lost_claim_signature_required") }
        if i.kind == Kind.bag.rawValue, tag.trimmingCharacters(in: .whitespaces) != i.tag { throw Problem.conflict("mall_bag_tag_mismatch") }
        let at = now()
        try await store.audited(context) { tx in
            let rows = try await tx.sql.raw("""
                UPDATE mall_mail SET picked_up_at = \(bind: at), picked_up_by = \(bind: who), signature = \(bind: sig), handed_by = \(bind: staff)
                WHERE id = \(bind: id) AND picked_up_at IS NULL RETURNING id
                """).all()
            guard rows.count == 1 else { throw Problem.conflict("mall_mail_picked_up") }
            return ((), AuditEntry(action: "mall.mail_pickup", entity: "mall_mail", entityID: id.uuidString, projectID: mall.projectId,
                                   summary: "\(i.kind) for \(i.recipient) picked up by \(Masking.name(who))"))
        }
        return try await item(id)
    }
}
