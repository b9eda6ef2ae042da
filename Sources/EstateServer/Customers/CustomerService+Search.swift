import EstateCore
import FluentKit
import Foundation
import SQLKit

extension CustomerService {
    // MARK: - Reading

    public func record(_ id: UUID, in projectID: UUID) async throws -> Record {
        guard let r = try await records(selectRecords(store.sql).where(SQLColumn("id", table: "c"), .equal, SQLBind(id))
            .where(SQLColumn("project_id", table: "c"), .equal, SQLBind(projectID)).limit(1)).first
        else { throw Problem.notFound }
        return r
    }

    /// The record and its project, for API routes that name a customer without its project.
    public func record(_ id: UUID) async throws -> Record {
        guard let r = try await records(selectRecords(store.sql).where(SQLColumn("id", table: "c"), .equal, SQLBind(id)).limit(1)).first
        else { throw Problem.notFound }
        return r
    }

    /// The live record with this mobile; with `includingMerged`, else a merged-away one (so the
    /// caller can follow it to the record it went into). Two lookups, each on its own partial
    /// index: one `OR` across both would read the whole project.
    public func find(mobile: String, in projectID: UUID, includingMerged: Bool = false, on db: (any SQLDatabase)? = nil) async throws -> Record? {
        func lookup(merged: Bool) async throws -> Record? {
            try await records(selectRecords(db ?? store.sql).where(SQLColumn("project_id", table: "c"), .equal, SQLBind(projectID))
                .where(SQLColumn("mobile", table: "c"), .equal, SQLBind(mobile))
                .where(SQLColumn("merged_into", table: "c"), merged ? .isNot : .is, SQLLiteral.null)
                .limit(1)).first
        }
        if let live = try await lookup(merged: false) { return live }
        return includingMerged ? try await lookup(merged: true) : nil
    }

    /// The live record a mobile belongs to: its own, or the one its merged-away record went into.
    func liveID(mobile: String, in projectID: UUID, on db: (any SQLDatabase)? = nil) async throws -> UUID? {
        guard let r = try await find(mobile: mobile, in: projectID, includingMerged: true, on: db) else { return nil }
        return r.mergedInto ?? r.id
    }

    /// Customers whose mobile ends in these four digits (how staff ask on the phone).
    public func find(suffix: String, in projectID: UUID, limit: Int = 50) async throws -> [Record] {
        try await records(selectRecords(store.sql).where(SQLColumn("project_id", table: "c"), .equal, SQLBind(projectID))
            .where(SQLColumn("mobile_suffix", table: "c"), .equal, SQLBind(suffix))
            .where(SQLColumn("merged_into", table: "c"), .is, SQLLiteral.null)
            .orderBy(SQLColumn("name", table: "c")).limit(limit))
    }

    /// Exact identity-number search through the keyed hash; the number itself is never compared.
    public func find(identity number: String, in projectID: UUID) async throws -> [Record] {
        let key = cipher.lookupKey(IdentityNumber.normalized(number), purpose: Self.lookupPurpose)
        return try await records(selectRecords(store.sql).where(SQLColumn("project_id", table: "c"), .equal, SQLBind(projectID))
            .where(SQLColumn("id_lookup", table: "c"), .equal, SQLBind(key)))
    }

    // MARK: Lists and search

    public enum LastContact: String, CaseIterable, Sendable {
        /// Contacted in the last 7 / 30 days; not for 30 days; never.
        case week, month, stale, never
    }

    public struct Filter: Sendable {
        /// Name, full mobile, its last four digits, an identity number or a unit code.
        public var q: String?
        public var grade: String?
        public var source: String?
        public var ownerID: UUID?
        /// Only pool (公客) customers.
        public var pool = false
        public var lastContact: LastContact?
        public var tag: String?
        /// An identity number's keyed hash (`identityKey`), so a page can search by ID number without
        /// the number in its URL.
        public var identityKey: String?
        /// The list's order: a column and a direction (most recently changed first by default).
        public var sort: Sort = .updated
        public var ascending = false
        public init() {}
    }

    /// Columns the customer list sorts by; a record without the value (never contacted, no follow-up
    /// planned) comes last either way, on both engines.
    public enum Sort: String, Sendable, CaseIterable {
        case updated, name, grade, lastContact = "last_contact", nextFollowUp = "next_follow_up"
        var column: String {
            switch self {
            case .updated: "updated_at"
            case .name: "name"
            case .grade: "grade"
            case .lastContact: "last_contact_at"
            case .nextFollowUp: "next_follow_up_on"
            }
        }
    }

    /// What a search term is, read the way staff type it.
    enum SearchTerm: Equatable {
        case mobile(String), suffix(String), identity(String), text(String)

        init?(_ raw: String?) {
            guard let t = raw?.trimmingCharacters(in: .whitespaces), !t.isEmpty else { return nil }
            let digits = t.filter { $0 != " " && $0 != "-" }
            if digits.count == 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }) { self = .suffix(digits) }
            else if let m = MobileNumber.normalized(t) { self = .mobile(m) }
            else if (t.count == 18 || t.count == 15), t.dropLast().allSatisfy({ $0.isASCII && $0.isNumber }) { self = .identity(t) }
            else { self = .text(t) }
        }
    }

    /// The keyed hash an identity number is found by, when `text` reads as one.
    public func identityKey(_ text: String) -> String? {
        guard case .identity(let n)? = SearchTerm(text) else { return nil }
        return cipher.lookupKey(IdentityNumber.normalized(n), purpose: Self.lookupPurpose)
    }

    /// Who is searching: what they may see decides what an exact search may answer, and the
    /// audit line of an exact search names them.
    public struct Searcher: Sendable {
        public var access: CustomerAccess
        public var context: AuditContext
        public init(_ access: CustomerAccess, _ context: AuditContext) { self.access = access; self.context = context }
    }

    /// The exact look-up a filter makes, if any: a full mobile or an identity number.
    func exactKind(_ f: Filter) -> ExactLookups.Kind? {
        if f.identityKey != nil { return .idNumber }
        switch SearchTerm(f.q) {
        case .mobile?: return .mobile
        case .identity?: return .idNumber
        default: return nil
        }
    }

    /// A page of the project's live customers. A search by full mobile or identity number answers
    /// only with records whose full value the searcher could reveal (any other match reads as no
    /// match), is logged, and counts towards the searcher's hourly limit (`ExactLookups`).
    public func list(_ projectID: UUID, _ f: Filter, by searcher: Searcher, page: PageRequest) async throws -> Paged<Record> {
        guard let kind = exactKind(f) else { return try await list(projectID, f, scope: nil, page: page, on: store.sql) }
        let scope = (searcher.access.exactSearchScope, searcher.access.principal.userID)
        return try await exactLookups.run(kind, on: projectID, context: searcher.context, where: "customers") { sql in
            let result = try await list(projectID, f, scope: scope, page: page, on: sql)
            return (result, result.total)
        }
    }

    private func list(_ projectID: UUID, _ f: Filter, scope: (CustomerAccess.ExactSearchScope, UUID)?, page: PageRequest,
                      on sql: any SQLDatabase) async throws -> Paged<Record> {
        func filtered(_ q: SQLSelectBuilder) async throws -> SQLSelectBuilder {
            var q = q.where(SQLColumn("project_id", table: "c"), .equal, SQLBind(projectID))
                .where(SQLColumn("merged_into", table: "c"), .is, SQLLiteral.null)
            switch SearchTerm(f.q) {
            case .suffix(let s)?: q = q.where(SQLColumn("mobile_suffix", table: "c"), .equal, SQLBind(s))
            case .mobile(let m)?:
                // A merged-away record's mobile finds the record it went into (looked up first, on the indexes).
                q = q.where(SQLColumn("id", table: "c"), .equal, SQLBind(try await liveID(mobile: m, in: projectID, on: sql) ?? UUID()))
            case .identity(let n)?:
                q = q.where(SQLColumn("id_lookup", table: "c"), .equal,
                            SQLBind(cipher.lookupKey(IdentityNumber.normalized(n), purpose: Self.lookupPurpose)))
            case .text(let t)?:
                let mobiles = try await mobilesHolding(unitCode: t, in: projectID, on: sql)
                let like = "%" + t.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
                if mobiles.isEmpty {
                    q = q.where(SQLColumn("name", table: "c"), .like, SQLBind(like))
                } else {
                    q = q.where(SQLGroupExpression(SQLBinaryExpression(
                        SQLBinaryExpression(SQLColumn("name", table: "c"), .like, SQLBind(like)), .or,
                        SQLBinaryExpression(SQLColumn("mobile", table: "c"), .in, SQLGroupExpression(mobiles.map { SQLBind($0) })))))
                }
            case nil: break
            }
            if let k = f.identityKey { q = q.where(SQLColumn("id_lookup", table: "c"), .equal, SQLBind(k)) }
            if let limit = scope {
                let me = limit.1
                let owner = SQLColumn("owner_id", table: "c")
                switch limit.0 {
                case .all: break
                case .ownAndPool:
                    q = q.where(SQLGroupExpression(SQLBinaryExpression(SQLBinaryExpression(owner, .equal, SQLBind(me)), .or,
                                                                       SQLBinaryExpression(owner, .is, SQLLiteral.null))))
                case .own: q = q.where(owner, .equal, SQLBind(me))
                case .none: q = q.where(SQLLiteral.boolean(false))
                }
            }
            if let g = f.grade { q = q.where(SQLColumn("grade", table: "c"), .equal, SQLBind(g)) }
            if let s = f.source { q = q.where(SQLColumn("source", table: "c"), .equal, SQLBind(s)) }
            if let o = f.ownerID { q = q.where(SQLColumn("owner_id", table: "c"), .equal, SQLBind(o)) }
            if f.pool { q = q.where(SQLColumn("owner_id", table: "c"), .is, SQLLiteral.null) }
            if let tag = f.tag { q = q.where(SQLColumn("tags", table: "c"), .like, SQLBind("%|\(tag)|%")) }
            let now = now()
            switch f.lastContact {
            case .week?: q = q.where(SQLColumn("last_contact_at", table: "c"), .greaterThanOrEqual, SQLBind(now.addingTimeInterval(-7 * 86_400)))
            case .month?: q = q.where(SQLColumn("last_contact_at", table: "c"), .greaterThanOrEqual, SQLBind(now.addingTimeInterval(-30 * 86_400)))
            case .stale?: q = q.where(SQLColumn("last_contact_at", table: "c"), .lessThan, SQLBind(now.addingTimeInterval(-30 * 86_400)))
            case .never?: q = q.where(SQLColumn("last_contact_at", table: "c"), .is, SQLLiteral.null)
            case nil: break
            }
            return q
        }
        struct N: Decodable { var n: Int }
        let countQuery = try await filtered(sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(SQLAlias(SQLIdentifier("customers"), as: SQLIdentifier("c"))))
        let total = try await countQuery.first(decoding: N.self)?.n ?? 0
        let column = SQLColumn(f.sort.column, table: "c")
        let items = try await records(try await filtered(selectRecords(sql))
            .orderBy(SQLBinaryExpression(column, .is, SQLLiteral.null), SQLDirection.ascending)
            .orderBy(column, f.ascending ? SQLDirection.ascending : SQLDirection.descending).orderBy(SQLColumn("id", table: "c"))
            .limit(page.perPage).offset(page.offset))
        return Paged(items: items, page: page.page, perPage: page.perPage, total: total)
    }

    /// Mobiles of whoever holds the unit with this code (a reservation or, later, a sale).
    func mobilesHolding(unitCode: String, in projectID: UUID, on db: (any SQLDatabase)? = nil) async throws -> [String] {
        try await SalesControlService.mobilesHolding(unitCode: unitCode, in: projectID, sql: db ?? store.sql)
    }

    /// Live unit holds (reservations now; subscriptions and contracts with the sales issue) for these mobiles.
    public struct Holding: Sendable, Decodable {
        public var unitID: UUID
        public var unitCode: String
        public var kind: String
        public var status: String
        public var createdAt: Date
        public var expiresAt: Date?
        enum CodingKeys: String, CodingKey {
            case kind, status
            case unitID = "unit_id", unitCode = "code", createdAt = "created_at", expiresAt = "expires_at"
        }
    }

    public func holdings(mobiles: [String], in projectID: UUID) async throws -> [Holding] {
        guard !mobiles.isEmpty else { return [] }
        return try await SalesControlService.holdings(mobiles: mobiles, in: projectID, sql: store.sql).map {
            Holding(unitID: $0.unitID, unitCode: $0.unitCode, kind: $0.kind, status: $0.status, createdAt: $0.createdAt, expiresAt: $0.expiresAt)
        }
    }

    /// Records merged into this one (their history is shown with it).
    public func merged(into id: UUID) async throws -> [Record] {
        try await records(selectRecords(store.sql).where(SQLColumn("merged_into", table: "c"), .equal, SQLBind(id))
            .orderBy(SQLColumn("created_at", table: "c")))
    }

    /// The customer a reservation (预留) is for: the project's record with this mobile (a merged-away
    /// record stands for the one it went into), or a new record with this name — owned by the
    /// reserving consultant, or in the pool (公客) when a manager reserved — so that 认购 from the
    /// reserved unit finds its buyer. The new record is audited as any other.
    public func forReservation(name: String, mobile: String, in projectID: UUID, principal: Principal,
                               context: AuditContext) async throws -> (id: UUID, created: Bool) {
        if let r = try await find(mobile: mobile, in: projectID, includingMerged: true) { return (r.mergedInto ?? r.id, false) }
        let owner: UUID? = principal.roles(on: projectID).contains(.consultant) ? principal.userID : nil
        let r = try await create(.init(name: name, mobile: mobile), in: projectID, owner: owner, context: context)
        return (r.id, true)
    }
}
