import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 价签 (issue 20 point 7): a tenant's request for price tags, every tag checked against 明码标价
/// (`PriceTagRule`: item, price, unit, origin, specification; a discount tag shows the original price) — a request
/// with a tag that breaks a rule is refused naming each tag and rule — the fee charged, the A4 sheet printed, the log.
public struct PriceTagService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let malls: MallService

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    public struct Line: Codable, Sendable, Equatable {
        public var tag: PriceTag
        public var copies: Int
        public init(tag: PriceTag, copies: Int) { self.tag = tag; self.copies = copies }
    }

    public struct Request: Decodable, Sendable {
        public var id: UUID
        public var mallId: UUID
        public var number: String
        public var tenantId: UUID
        public var tags: String
        public var tagCount: Int
        public var feeFen: Int64
        public var status: String
        public var requestedAt: Date
        public var printedAt: Date?
        public var printCount: Int
        public var lines: [Line] { (try? JSONDecoder().decode([Line].self, from: Data(tags.utf8))) ?? [] }
    }

    public func request(mall: MallService.Mall, tenantID: UUID, lines: [Line], by actor: UUID?, context: AuditContext) async throws -> Request {
        var bad: [Problem.FieldError] = []
        if let t = try await ifFound({ try await malls.tenant(tenantID) }), t.mallId == mall.id {} else { bad.append(.init(field: "tenantId", code: "mall_tenant_not_found")) }
        if lines.isEmpty || lines.count > 100 { bad.append(.init(field: "tags", code: "price_tags_count_invalid")) }
        for (i, l) in lines.enumerated() {
            for rule in PriceTagRule.check(l.tag) { bad.append(.init(field: "tags[\(i)].\(rule.field)", code: rule.rawValue)) }
            if !(1...50).contains(l.copies) { bad.append(.init(field: "tags[\(i)].copies", code: "price_tag_copies_invalid")) }
        }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let fee = PriceTagFee.fee(lines.map(\.tag), copies: lines.map(\.copies))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(lines), as: UTF8.self)
        let count = lines.map(\.copies).reduce(0, +)
        let id = UUID(), at = now()
        try await store.audited(context) { tx in
            let number = try await DocumentNumbers.next("JQ", projectID: mall.projectId, on: tx)
            try await tx.sql.insert(into: "mall_price_tags")
                .columns("id", "mall_id", "number", "tenant_id", "tags", "tag_count", "fee_fen", "status", "requested_by", "requested_at", "print_count")
                .values(SQLBind(id), SQLBind(mall.id), SQLBind(number), SQLBind(tenantID), SQLBind(text), SQLBind(count), SQLBind(fee.fen),
                        SQLBind("requested"), SQLBind(actor), SQLBind(at), SQLBind(0)).run()
            return ((), AuditEntry(action: "mall.price_tags_request", entity: "mall_price_tags", entityID: id.uuidString, projectID: mall.projectId,
                                   summary: "price tags \(number): \(count) tags, fee ¥\(fee.plain)", after: ["tags": "\(count)", "fee": fee.plain]))
        }
        return try await get(id)
    }

    public func get(_ id: UUID) async throws -> Request {
        guard let r = try await store.sql.raw("SELECT * FROM mall_price_tags WHERE id = \(bind: id)").first(decoding: Request.self, with: decoder)
        else { throw Problem.notFound }
        return r
    }

    public func list(_ mallID: UUID, from: Date? = nil, to: Date? = nil) async throws -> [Request] {
        var cond: SQLQueryString = "mall_id = \(bind: mallID)"
        if let from { cond = "\(cond) AND requested_at >= \(bind: from)" }
        if let to { cond = "\(cond) AND requested_at < \(bind: to)" }
        return try await store.sql.raw("SELECT * FROM mall_price_tags WHERE \(cond) ORDER BY requested_at DESC, id LIMIT 500").all(decoding: Request.self, with: decoder)
    }

    /// Printing the sheet: logged every time (a reprint is a second line), the first print marks the request printed.
    public func printed(_ id: UUID, mall: MallService.Mall, by actor: UUID?, context: AuditContext) async throws -> Request {
        let r = try await get(id)
        guard r.mallId == mall.id else { throw Problem.notFound }
        let at = now()
        try await store.audited(context) { tx in
            try await tx.sql.raw("""
                UPDATE mall_price_tags SET status = 'printed', print_count = print_count + 1, printed_by = \(bind: actor),
                printed_at = COALESCE(printed_at, \(bind: at)) WHERE id = \(bind: id)
                """).run()
            return ((), AuditEntry(action: "mall.price_tags_print", entity: "mall_price_tags", entityID: id.uuidString, projectID: mall.projectId,
                                   summary: "price tags \(r.number) printed (\(r.printCount + 1))"))
        }
        return try await get(id)
    }
}
