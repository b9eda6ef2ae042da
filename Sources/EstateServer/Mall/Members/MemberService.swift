import EstateCore
import Foundation
import SQLKit

/// 会员 (issue 20 point 2): VIP card applications (a person or an organisation), the supervisor's approval,
/// the card issued with its number (typed from the card stock, or drawn), tiers, and the points ledger — earned
/// from receipts entered at the desk, redeemed for gifts whose stock and handouts are kept. One person is one
/// normalised mobile across the company: the member's mobile is the key Customers and the call centre use.
public struct MemberService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let malls: MallService
    let customers: CustomerService

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    public struct Member: Decodable, Sendable {
        public var id: UUID
        public var mallId: UUID
        public var kind: String
        public var name: String
        public var organisation: String
        public var mobile: String
        public var status: String
        public var cardNumber: String?
        public var tier: String
        public var pointsBalance: Int64
        public var pointsEarned: Int64
        public var appliedBy: UUID?
        public var appliedAt: Date
        public var decidedBy: UUID?
        public var decidedAt: Date?
        public var decisionNote: String?
        public var issuedAt: Date?
        public var note: String
        public var memberStatus: MemberStatus { MemberStatus(rawValue: status) ?? .applied }
        public var memberTier: MemberTier { MemberTier(rawValue: tier) ?? .standard }
        public var maskedMobile: String { Masking.mobile(mobile) }
    }

    public struct Gift: Decodable, Sendable {
        public var id: UUID
        public var mallId: UUID
        public var name: String
        public var pointsCost: Int64
        public var stock: Int
    }

    public struct Entry: Decodable, Sendable {
        public var id: UUID
        public var memberId: UUID
        public var kind: String
        public var points: Int64
        public var balanceAfter: Int64
        public var tenantId: UUID?
        public var receiptNo: String?
        public var receiptDay: String?
        public var amountFen: Int64?
        public var giftId: UUID?
        public var quantity: Int?
        public var note: String
        public var createdBy: UUID?
        public var createdAt: Date
    }

    public struct Application: Sendable {
        public var kind: MemberKind
        public var name: String
        public var organisation: String = ""
        public var mobile: String
        public var note: String = ""
        public init(kind: MemberKind, name: String, mobile: String) { self.kind = kind; self.name = name; self.mobile = mobile }
    }

    static let columns: SQLQueryString = """
        id, mall_id, kind, name, organisation, mobile, status, card_number, tier, points_balance, points_earned, applied_by, applied_at, \
        decided_by, decided_at, decision_note, issued_at, note
        """

    /// The checked application: a name, an organisation for an organisation's card, a mobile normalised.
    func checked(_ a: Application) throws -> (name: String, organisation: String, mobile: String, note: String) {
        var bad: [Problem.FieldError] = []
        let name = MallService.cleanName(a.name, max: 40)
        if name == nil { bad.append(.init(field: "name", code: "member_name_invalid")) }
        let org = a.organisation.trimmingCharacters(in: .whitespaces)
        if a.kind == .organisation, MallService.cleanName(org, max: 60) == nil { bad.append(.init(field: "organisation", code: "member_organisation_required")) }
        if a.kind == .person, !org.isEmpty { bad.append(.init(field: "organisation", code: "member_organisation_for_organisations")) }
        let mobile = MobileNumber.normalized(a.mobile)
        if mobile == nil { bad.append(.init(field: "mobile", code: "mobile_invalid")) }
        if a.note.count > 500 || a.note.contains("\u{0}") { bad.append(.init(field: "note", code: "too_long", arguments: ["limit": "500"])) }
        guard bad.isEmpty, let name, let mobile else { throw Problem.invalid(bad) }
        return (name, org, mobile, a.note)
    }

    /// A card application taken at the desk. One live membership per mobile and mall: a second is 409
    /// `member_mobile_exists` naming the card (the partial unique index refuses a racing twin too).
    public func apply(_ a: Application, mall: MallService.Mall, by actor: UUID?, context: AuditContext) async throws -> Member {
        let c = try checked(a)
        if let existing = try await liveMember(mobile: c.mobile, mallID: mall.id) {
            throw Problem.conflict("member_mobile_exists", ["card": existing.cardNumber ?? existing.status])
        }
        let id = UUID(), at = now()
        do {
            try await store.audited(context) { tx in
                try await Self.insert(tx.sql, id: id, mallID: mall.id, kind: a.kind, name: c.name, organisation: c.organisation, mobile: c.mobile,
                                      status: .applied, card: nil, by: actor, at: at, note: c.note)
                return ((), AuditEntry(action: "member.apply", entity: "mall_member", entityID: id.uuidString, projectID: mall.projectId,
                                       summary: "VIP application \(c.name) \(Masking.mobile(c.mobile))", after: ["kind": a.kind.rawValue]))
            }
        } catch where error.isConstraintFailure {
            throw Problem.conflict("member_mobile_exists", ["card": ""])
        }
        return try await member(id)
    }

    static func insert(_ sql: any SQLDatabase, id: UUID, mallID: UUID, kind: MemberKind, name: String, organisation: String, mobile: String,
                       status: MemberStatus, card: String?, by actor: UUID?, at: Date, note: String, tier: MemberTier = .standard,
                       balance: Int64 = 0) async throws {
        try await sql.insert(into: "mall_members")
            .columns("id", "mall_id", "kind", "name", "organisation", "mobile", "status", "card_number", "tier", "points_balance", "points_earned",
                     "applied_by", "applied_at", "issued_by", "issued_at", "note", "updated_at")
            .values(SQLBind(id), SQLBind(mallID), SQLBind(kind.rawValue), SQLBind(name), SQLBind(organisation), SQLBind(mobile),
                    SQLBind(status.rawValue), SQLBind(card), SQLBind(tier.rawValue), SQLBind(balance), SQLBind(balance), SQLBind(actor), SQLBind(at),
                    SQLBind(card == nil ? nil : actor), SQLBind(card == nil ? nil : at), SQLBind(note), SQLBind(at)).run()
    }

    public func member(_ id: UUID) async throws -> Member {
        guard let m = try await store.sql.raw("SELECT \(Self.columns) FROM mall_members WHERE id = \(bind: id)").first(decoding: Member.self, with: decoder)
        else { throw Problem.notFound }
        return m
    }

    func liveMember(mobile: String, mallID: UUID) async throws -> Member? {
        let live = MemberStatus.live.map(\.rawValue)
        return try await store.sql.raw("""
            SELECT \(Self.columns) FROM mall_members WHERE mall_id = \(bind: mallID) AND mobile = \(bind: mobile) AND status IN \(SQLBind.group(live))
            """).first(decoding: Member.self, with: decoder)
    }

    public struct Filter: Sendable {
        public var status: MemberStatus?
        public var tier: MemberTier?
        /// A name, a card number, the last four digits of the mobile, or the whole mobile.
        public var query: String?
        public init() {}
    }

    public func list(_ mallID: UUID, _ f: Filter, page: PageRequest) async throws -> Paged<Member> {
        var cond: SQLQueryString = "mall_id = \(bind: mallID)"
        if let s = f.status { cond = "\(cond) AND status = \(bind: s.rawValue)" }
        if let t = f.tier { cond = "\(cond) AND tier = \(bind: t.rawValue)" }
        if let q = f.query?.trimmingCharacters(in: .whitespaces), !q.isEmpty {
            if let m = MobileNumber.normalized(q) {
                cond = "\(cond) AND mobile = \(bind: m)"
            } else if q.count == 4, q.allSatisfy({ $0.isASCII && $0.isNumber }) {
                cond = "\(cond) AND mobile LIKE \(bind: "%" + q)"
            } else {
                let like = "%" + q.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
                cond = "\(cond) AND (name LIKE \(bind: like) OR organisation LIKE \(bind: like) OR card_number = \(bind: q.uppercased()))"
            }
        }
        struct N: Decodable { var n: Int }
        let total = try await store.sql.raw("SELECT COUNT(*) AS n FROM mall_members WHERE \(cond)").first(decoding: N.self)?.n ?? 0
        let items = try await store.sql.raw("""
            SELECT \(Self.columns) FROM mall_members WHERE \(cond) ORDER BY applied_at DESC, id
            LIMIT \(unsafeRaw: String(page.perPage)) OFFSET \(unsafeRaw: String(page.offset))
            """).all(decoding: Member.self, with: decoder)
        return Paged(items: items, page: page.page, perPage: page.perPage, total: total)
    }

    /// The projects where this member's mobile is a customer (the same person on the sales and call-centre desks).
    public func customerProjects(_ m: Member) async throws -> [UUID] {
        Array(Set(try await customers.records(mobile: m.mobile, in: nil).map(\.projectID))).sorted { $0.uuidString < $1.uuidString }
    }

    // MARK: Approval and the card

    /// The supervisor approves or rejects an application; nobody decides an application they took themselves.
    public func decide(_ id: UUID, approve: Bool, note: String, by p: Principal, context: AuditContext) async throws -> Member {
        let m = try await member(id)
        let mall = try await malls.mall(m.mallId)
        guard p.may(.mallSupervise, on: mall.projectId) else { throw Problem.forbidden }
        guard m.appliedBy != p.userID else { throw Problem(.forbidden, "member_own_application") }
        guard m.memberStatus == .applied else { throw Problem.conflict("member_not_applied", ["status": m.status]) }
        if note.count > 500 || note.contains("\u{0}") { throw Problem.invalid("note", "too_long") }
        let to: MemberStatus = approve ? .approved : .rejected, at = now()
        try await store.audited(context) { tx in
            let rows = try await tx.sql.raw("""
                UPDATE mall_members SET status = \(bind: to.rawValue), decided_by = \(bind: p.userID), decided_at = \(bind: at),
                decision_note = \(bind: note), updated_at = \(bind: at) WHERE id = \(bind: id) AND status = 'applied' RETURNING id
                """).all()
            guard rows.count == 1 else { throw Problem.conflict("member_not_applied", ["status": "changed"]) }
            return ((), AuditEntry(action: approve ? "member.approve" : "member.reject", entity: "mall_member", entityID: id.uuidString,
                                   projectID: mall.projectId, summary: "VIP application \(m.name) \(to.rawValue)",
                                   before: ["status": m.status], after: ["status": to.rawValue]))
        }
        return try await member(id)
    }

    /// Issues the card of an approved application: the number typed from the card stock, or the next drawn
    /// (HY000001 …). The number is issued once, ever: a number already on a card is 409 `card_number_taken`,
    /// two desks issuing the same application at once get one card and a 409.
    public func issue(_ id: UUID, cardNumber: String?, by actor: UUID?, context: AuditContext) async throws -> Member {
        let m = try await member(id)
        let mall = try await malls.mall(m.mallId)
        var typed: String?
        if let raw = cardNumber, !raw.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let n = CardNumber.normalized(raw) else { throw Problem.invalid("cardNumber", "card_number_invalid") }
            typed = n
        }
        guard m.memberStatus == .approved else { throw Problem.conflict("member_not_approved", ["status": m.status]) }
        let at = now(), typedNumber = typed
        do {
            try await store.audited(context) { tx in
                let number: String
                if let typedNumber { number = typedNumber } else {
                    number = try await DocumentNumbers.next("HY", projectID: mall.projectId, on: tx) { n in
                        struct I: Decodable { var id: UUID }
                        return try await tx.sql.raw("SELECT id FROM mall_members WHERE mall_id = \(bind: mall.id) AND card_number = \(bind: n)")
                            .first(decoding: I.self) != nil
                    }
                }
                if typedNumber != nil {
                    struct I: Decodable { var id: UUID }
                    if try await tx.sql.raw("SELECT id FROM mall_members WHERE mall_id = \(bind: mall.id) AND card_number = \(bind: number)")
                        .first(decoding: I.self) != nil { throw Problem.conflict("card_number_taken", ["card": number]) }
                }
                let rows = try await tx.sql.raw("""
                    UPDATE mall_members SET status = 'issued', card_number = \(bind: number), issued_by = \(bind: actor), issued_at = \(bind: at),
                    updated_at = \(bind: at) WHERE id = \(bind: id) AND status = 'approved' AND card_number IS NULL RETURNING id
                    """).all()
                guard rows.count == 1 else { throw Problem.conflict("member_not_approved", ["status": "issued"]) }
                return ((), AuditEntry(action: "member.issue", entity: "mall_member", entityID: id.uuidString, projectID: mall.projectId,
                                       summary: "VIP card \(number) issued to \(m.name)", after: ["cardNumber": number]))
            }
        } catch where error.isConstraintFailure {
            throw Problem.conflict("card_number_taken", ["card": typed ?? ""])
        }
        return try await member(id)
    }

    // MARK: Points

    public struct Receipt: Sendable {
        public var tenantID: UUID
        public var number: String
        public var amount: Money
        public var day: String
        public init(tenantID: UUID, number: String, amount: Money, day: String) {
            self.tenantID = tenantID; self.number = number; self.amount = amount; self.day = day
        }
    }

    /// Points from a receipt (小票) of a tenant of the member's mall, at the member's tier; a receipt earns once
    /// (409 `receipt_already_entered`). The tier follows the points earned.
    public func earn(_ id: UUID, _ r: Receipt, by actor: UUID?, context: AuditContext) async throws -> Entry {
        let m = try await member(id)
        let mall = try await malls.mall(m.mallId)
        guard m.memberStatus == .issued else { throw Problem.conflict("member_not_issued", ["status": m.status]) }
        var bad: [Problem.FieldError] = []
        let tenant = try await ifFound({ try await malls.tenant(r.tenantID) })
        if tenant?.mallId != mall.id { bad.append(.init(field: "tenantId", code: "mall_tenant_not_found")) }
        let number = r.number.trimmingCharacters(in: .whitespaces)
        if MallService.cleanName(number, max: 40) == nil { bad.append(.init(field: "receiptNumber", code: "mall_receipt_number_invalid")) }
        let today = CalendarDay(now())
        if let day = CalendarDay(r.day) {
            if let refusal = PointsRule.check(amount: r.amount, day: day, today: today) {
                bad.append(.init(field: refusal == .amountInvalid ? "amount" : "day", code: refusal.rawValue))
            }
        } else { bad.append(.init(field: "day", code: "date_invalid")) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let points = PointsRule.points(for: r.amount, tier: m.memberTier)
        let entryID = UUID(), at = now()
        do {
            try await store.audited(context) { tx in
                struct B: Decodable { var pointsBalance: Int64; var pointsEarned: Int64 }
                guard let b = try await tx.sql.raw("""
                    UPDATE mall_members SET points_balance = points_balance + \(bind: points), points_earned = points_earned + \(bind: points),
                    updated_at = \(bind: at) WHERE id = \(bind: id) AND status = 'issued' RETURNING points_balance, points_earned
                    """).first(decoding: B.self, with: decoder) else { throw Problem.conflict("member_not_issued", ["status": "changed"]) }
                let tier = MemberTier.reached(by: b.pointsEarned)
                if tier != m.memberTier {
                    try await tx.sql.update("mall_members").set("tier", to: SQLBind(tier.rawValue)).where("id", .equal, id).run()
                }
                try await tx.sql.insert(into: "mall_points")
                    .columns("id", "mall_id", "member_id", "kind", "points", "balance_after", "tenant_id", "receipt_no", "receipt_day", "amount_fen",
                             "note", "created_by", "created_at")
                    .values(SQLBind(entryID), SQLBind(mall.id), SQLBind(id), SQLBind("earn"), SQLBind(points), SQLBind(b.pointsBalance),
                            SQLBind(r.tenantID), SQLBind(number), SQLBind(r.day), SQLBind(r.amount.fen), SQLBind(""), SQLBind(actor), SQLBind(at)).run()
                return ((), AuditEntry(action: "member.points_earn", entity: "mall_member", entityID: id.uuidString, projectID: mall.projectId,
                                       summary: "\(points) points for receipt \(number) (¥\(r.amount.plain))",
                                       after: ["points": "\(points)", "balance": "\(b.pointsBalance)", "tier": tier.rawValue]))
            }
        } catch where error.isConstraintFailure {
            throw Problem.conflict("receipt_already_entered", ["receipt": number])
        }
        return try await entries(id).first { $0.id == entryID }!
    }

    /// 赠品发放: spends the gift's points and takes it from stock, both conditional updates in one transaction,
    /// so concurrent redemptions never take the balance below zero (409 `points_insufficient`) nor the stock
    /// (409 `gift_out_of_stock`); the handout is the ledger line.
    public func redeem(_ id: UUID, giftID: UUID, quantity: Int, by actor: UUID?, context: AuditContext) async throws -> Entry {
        let m = try await member(id)
        let mall = try await malls.mall(m.mallId)
        guard m.memberStatus == .issued else { throw Problem.conflict("member_not_issued", ["status": m.status]) }
        guard (1...20).contains(quantity) else { throw Problem.invalid("quantity", "gift_quantity_invalid") }
        guard let g = try await ifFound({ try await gift(giftID) }), g.mallId == mall.id else { throw Problem.invalid("giftId", "gift_not_found") }
        let cost = g.pointsCost * Int64(quantity)
        let entryID = UUID(), at = now()
        try await store.audited(context) { tx in
            struct B: Decodable { var pointsBalance: Int64 }
            guard let b = try await tx.sql.raw("""
                UPDATE mall_members SET points_balance = points_balance - \(bind: cost), updated_at = \(bind: at)
                WHERE id = \(bind: id) AND status = 'issued' AND points_balance >= \(bind: cost) RETURNING points_balance
                """).first(decoding: B.self, with: decoder) else { throw Problem.conflict("points_insufficient", ["cost": "\(cost)"]) }
            let taken = try await tx.sql.raw("""
                UPDATE mall_gifts SET stock = stock - \(bind: quantity) WHERE id = \(bind: giftID) AND stock >= \(bind: quantity) RETURNING id
                """).all()
            guard taken.count == 1 else { throw Problem.conflict("gift_out_of_stock", ["gift": g.name]) }
            try await tx.sql.insert(into: "mall_points")
                .columns("id", "mall_id", "member_id", "kind", "points", "balance_after", "gift_id", "quantity", "note", "created_by", "created_at")
                .values(SQLBind(entryID), SQLBind(mall.id), SQLBind(id), SQLBind("redeem"), SQLBind(-cost), SQLBind(b.pointsBalance),
                        SQLBind(giftID), SQLBind(quantity), SQLBind(g.name), SQLBind(actor), SQLBind(at)).run()
            return ((), AuditEntry(action: "member.points_redeem", entity: "mall_member", entityID: id.uuidString, projectID: mall.projectId,
                                   summary: "\(quantity) × \(g.name) for \(cost) points", after: ["points": "\(-cost)", "balance": "\(b.pointsBalance)"]))
        }
        return try await entries(id).first { $0.id == entryID }!
    }

    public func entries(_ memberID: UUID, limit: Int = 200) async throws -> [Entry] {
        try await store.sql.raw("""
            SELECT id, member_id, kind, points, balance_after, tenant_id, receipt_no, receipt_day, amount_fen, gift_id, quantity, note, created_by, created_at
            FROM mall_points WHERE member_id = \(bind: memberID) ORDER BY created_at DESC, id LIMIT \(unsafeRaw: String(limit))
            """).all(decoding: Entry.self, with: decoder)
    }

    // MARK: Gifts

    public func addGift(_ mall: MallService.Mall, name: String, pointsCost: Int64, stock: Int, context: AuditContext) async throws -> Gift {
        var bad: [Problem.FieldError] = []
        let n = MallService.cleanName(name, max: 40)
        if n == nil { bad.append(.init(field: "name", code: "gift_name_invalid")) }
        if !(1...10_000_000).contains(pointsCost) { bad.append(.init(field: "pointsCost", code: "gift_points_invalid")) }
        if !(0...1_000_000).contains(stock) { bad.append(.init(field: "stock", code: "gift_stock_invalid")) }
        guard bad.isEmpty, let n else { throw Problem.invalid(bad) }
        let id = UUID(), at = now()
        do {
            try await store.audited(context) { tx in
                try await tx.sql.insert(into: "mall_gifts").columns("id", "mall_id", "name", "points_cost", "stock", "created_at")
                    .values(SQLBind(id), SQLBind(mall.id), SQLBind(n), SQLBind(pointsCost), SQLBind(stock), SQLBind(at)).run()
                return ((), AuditEntry(action: "mall.gift_create", entity: "mall_gift", entityID: id.uuidString, projectID: mall.projectId,
                                       summary: "gift \(n): \(pointsCost) points, \(stock) in stock", after: ["stock": "\(stock)"]))
            }
        } catch where error.isConstraintFailure {
            throw Problem.conflict("gift_exists", ["gift": n])
        }
        return try await gift(id)
    }

    public func gift(_ id: UUID) async throws -> Gift {
        guard let g = try await store.sql.raw("SELECT id, mall_id, name, points_cost, stock FROM mall_gifts WHERE id = \(bind: id)")
            .first(decoding: Gift.self, with: decoder) else { throw Problem.notFound }
        return g
    }

    public func gifts(_ mallID: UUID) async throws -> [Gift] {
        try await store.sql.raw("SELECT id, mall_id, name, points_cost, stock FROM mall_gifts WHERE mall_id = \(bind: mallID) ORDER BY points_cost, name")
            .all(decoding: Gift.self, with: decoder)
    }
}

extension MemberService {
    /// A person's live memberships of the company's malls, by normalised mobile: for the call-centre desk (one mobile,
    /// one person: a member who is also an owner is one caller). The mall's name, the tier and the card's state only.
    public struct Membership: Decodable, Sendable {
        public var mallId: UUID
        public var mallName: String
        public var tier: String
        public var status: String
        public var pointsBalance: Int64
    }

    public func memberships(mobile: String) async throws -> [Membership] {
        try await store.sql.raw("""
            SELECT m.mall_id, ml.name AS mall_name, m.tier, m.status, m.points_balance FROM mall_members m JOIN malls ml ON ml.id = m.mall_id
            WHERE m.mobile = \(bind: mobile) AND m.status IN \(SQLBind.group(MemberStatus.live.map(\.rawValue))) ORDER BY ml.name
            """).all(decoding: Membership.self, with: decoder)
    }
}
