import EstateCore
import FluentKit
import Foundation
import SQLKit

/// Customer records (客户档案), their calls and visits (来电来访), ownership and the pool.
///
/// One record per mobile per project (a partial unique index; a second one is refused and
/// points to the first). Identity numbers are stored sealed (AES-GCM) with a keyed hash for
/// exact search and a masked copy for display; the clear value leaves only through
/// `reveal`, which writes the audit line in the same transaction as the read.
public struct CustomerService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let cipher: PersonalDataCipher
    var exactSearchesPerHour = ExactLookups.defaultPerHour
    var exactLookupGate: KeyedGate?
    var exactLookups: ExactLookups { ExactLookups(store: store, now: now, perHour: exactSearchesPerHour, gate: exactLookupGate) }

    public enum Grade: String, CaseIterable, Sendable { case a = "A", b = "B", c = "C", d = "D" }
    public enum Gender: String, CaseIterable, Sendable { case unknown, male, female }
    public enum ContactKind: String, CaseIterable, Sendable { case call, visit }
    /// 来电 / 去电.
    public enum CallDirection: String, CaseIterable, Sendable { case inbound, outbound }
    /// 首访 / 复访.
    public enum VisitKind: String, CaseIterable, Sendable { case first, `return` }
    public enum RevealField: String, CaseIterable, Sendable { case mobile, idNumber = "id_number" }

    /// The sources staff choose from (来源渠道); free text is allowed too, up to 30 characters.
    public static let knownSources = ["自然到访", "来电", "老带新", "渠道分销", "中介", "线上推广", "户外广告", "展会活动", "电话拓客", "其他"]

    static let lookupPurpose = "identity"
    static let maxTags = 10

    // MARK: - Records

    public struct Draft: Sendable {
        public var name: String
        public var mobile: String
        public var idKind: IdentityKind?
        public var idNumber: String
        public var gender: String
        public var address: String
        public var source: String
        public var grade: String
        public var tags: [String]
        public var notes: String
        public init(name: String, mobile: String, idKind: IdentityKind? = nil, idNumber: String = "", gender: String = "unknown",
                    address: String = "", source: String = "", grade: String = "C", tags: [String] = [], notes: String = "") {
            self.name = name; self.mobile = mobile; self.idKind = idKind; self.idNumber = idNumber; self.gender = gender
            self.address = address; self.source = source; self.grade = grade; self.tags = tags; self.notes = notes
        }
    }

    /// A change: nil leaves a field as it is; an empty identity number removes it.
    public struct Patch: Sendable {
        public var name: String?
        public var mobile: String?
        public var idKind: IdentityKind?
        public var idNumber: String?
        public var gender: String?
        public var address: String?
        public var source: String?
        public var grade: String?
        public var tags: [String]?
        public var notes: String?
        public init() {}
    }

    public struct Record: Sendable, Decodable, Equatable {
        public var id: UUID
        public var projectID: UUID
        public var name: String
        public var mobile: String
        public var idKind: String?
        public var idMasked: String?
        public var gender: String
        public var address: String
        public var source: String
        public var grade: String
        public var ownerID: UUID?
        public var ownerName: String?
        public var ownedSince: Date?
        public var protectedUntil: Date?
        public var tagsText: String
        public var notes: String
        public var mergedInto: UUID?
        public var lastContactAt: Date?
        public var nextFollowUpOn: String?
        public var nextStep: String
        public var visitCount: Int
        public var callCount: Int
        public var createdAt: Date
        public var updatedAt: Date

        public var tags: [String] { CustomerService.tags(fromText: tagsText) }
        public var hasIdentity: Bool { idKind != nil }

        enum CodingKeys: String, CodingKey {
            case id, name, mobile, gender, address, source, grade, notes
            case projectID = "project_id", idKind = "id_kind", idMasked = "id_masked", ownerID = "owner_id", ownerName = "owner_name"
            case ownedSince = "owned_since", protectedUntil = "protected_until", tagsText = "tags", mergedInto = "merged_into"
            case lastContactAt = "last_contact_at", nextFollowUpOn = "next_follow_up_on", nextStep = "next_step"
            case visitCount = "visit_count", callCount = "call_count", createdAt = "created_at", updatedAt = "updated_at"
        }
    }

    static let recordColumns = ["id", "project_id", "name", "mobile", "id_kind", "id_masked", "gender", "address", "source", "grade",
                                "owner_id", "owned_since", "protected_until", "tags", "notes", "merged_into", "last_contact_at",
                                "next_follow_up_on", "next_step", "visit_count", "call_count", "created_at", "updated_at"]

    /// Customer columns with the owner's display name, for every read.
    func selectRecords(_ db: any SQLDatabase) -> SQLSelectBuilder {
        db.select().columns(Self.recordColumns.map { SQLColumn($0, table: "c") })
            .column(SQLColumn("display_name", table: "u"), as: "owner_name")
            .from(SQLAlias(SQLIdentifier("customers"), as: SQLIdentifier("c")))
            .join(SQLAlias(SQLIdentifier("users"), as: SQLIdentifier("u")), method: SQLJoinMethod.left,
                  on: SQLColumn("owner_id", table: "c"), .equal, SQLColumn("id", table: "u"))
    }

    // MARK: Validation

    struct Checked: Sendable {
        var name: String?
        var mobile: String?
        var identity: (kind: IdentityKind, sealed: String, lookup: String, masked: String)??
        var gender: String?
        var address: String?
        var source: String?
        var grade: String?
        var tags: String?
        var notes: String?
    }

    /// Checks every field given; all problems at once, each with its field.
    func check(name: String?, mobile: String?, idKind: IdentityKind?, idNumber: String?, gender: String?, address: String?,
               source: String?, grade: String?, tags: [String]?, notes: String?) throws -> Checked {
        var bad: [Problem.FieldError] = []
        var c = Checked()
        if let name {
            let n = name.trimmingCharacters(in: .whitespaces)
            if Text.isCleanLine(n, maxLength: 40) { c.name = n } else { bad.append(.init(field: "name", code: "customer_name_invalid")) }
        }
        if let mobile {
            if let m = MobileNumber.normalized(mobile) { c.mobile = m } else { bad.append(.init(field: "mobile", code: "mobile_invalid")) }
        }
        if let idNumber {
            if idNumber.trimmingCharacters(in: .whitespaces).isEmpty {
                c.identity = .some(nil)
            } else if let kind = idKind {
                switch IdentityNumber.check(idNumber, kind: kind, today: CalendarDay(now()).number) {
                case .success(let n):
                    c.identity = .some((kind, try cipher.seal(n), cipher.lookupKey(n, purpose: Self.lookupPurpose), Masking.identity(n, kind: kind)))
                case .failure(let p): bad.append(.init(field: "idNumber", code: p.rawValue))
                }
            } else {
                bad.append(.init(field: "idKind", code: "id_kind_required"))
            }
        }
        if let gender {
            if Gender(rawValue: gender) != nil { c.gender = gender } else { bad.append(.init(field: "gender", code: "gender_invalid")) }
        }
        if let address {
            if address.isEmpty || Text.isCleanLine(address, maxLength: 120) { c.address = address }
            else { bad.append(.init(field: "address", code: "address_invalid")) }
        }
        if let source {
            if source.isEmpty || Text.isCleanLine(source, maxLength: 30) { c.source = source }
            else { bad.append(.init(field: "source", code: "source_invalid")) }
        }
        if let grade {
            if let g = Grade(rawValue: grade.uppercased()) { c.grade = g.rawValue } else { bad.append(.init(field: "grade", code: "grade_invalid")) }
        }
        if let tags {
            let clean = tags.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if clean.count > Self.maxTags || !clean.allSatisfy({ Text.isCleanLine($0, maxLength: 12) && !$0.contains("|") }) {
                bad.append(.init(field: "tags", code: "tags_invalid"))
            } else {
                c.tags = Self.tagsText(clean)
            }
        }
        if let notes {
            if notes.count <= 2000, !notes.contains("\u{0}") { c.notes = notes } else { bad.append(.init(field: "notes", code: "notes_invalid")) }
        }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        return c
    }

    /// Tags are kept as `|a|b|`, so one tag is found with LIKE '%|a|%'.
    static func tagsText(_ tags: [String]) -> String {
        var seen = Set<String>()
        let unique = tags.filter { seen.insert($0).inserted }
        return unique.isEmpty ? "" : "|" + unique.joined(separator: "|") + "|"
    }

    static func tags(fromText text: String) -> [String] { text.split(separator: "|").map(String.init) }

    // MARK: - Create and change

    /// Creates a customer. A second one with the same mobile in the project is refused with 409
    /// `customer_exists` naming the existing record (its name masked when the caller may not
    /// open it), even when both requests race. `owner` starts the protection period.
    public func create(_ d: Draft, in projectID: UUID, owner: UUID?, context: AuditContext) async throws -> Record {
        let c = try check(name: d.name, mobile: d.mobile, idKind: d.idKind, idNumber: d.idNumber, gender: d.gender, address: d.address,
                          source: d.source, grade: d.grade, tags: d.tags, notes: d.notes)
        guard let name = c.name, let mobile = c.mobile else { throw Problem.invalid("name", "customer_name_invalid") }
        // A merged-away record still names its person: point to the record it went into.
        if let existing = try await find(mobile: mobile, in: projectID, includingMerged: true) {
            throw Self.exists(existing)
        }
        if let owner, try await !mayOwn(owner, in: projectID) { throw Problem.invalid("ownerId", "owner_not_consultant") }
        let id = UUID(), now = now()
        let days = try await protectionDays(projectID)
        let identity = c.identity ?? nil
        do {
            try await store.audited(context) { tx in
                try await tx.sql.insert(into: "customers").columns(
                    "id", "project_id", "name", "mobile", "mobile_suffix", "id_kind", "id_sealed", "id_lookup", "id_masked", "gender",
                    "address", "source", "grade", "owner_id", "owned_since", "protected_until", "tags", "notes", "next_step",
                    "visit_count", "call_count", "created_by", "created_at", "updated_at")
                    .values(SQLBind(id), SQLBind(projectID), SQLBind(name), SQLBind(mobile), SQLBind(MobileNumber.suffix(mobile)),
                            SQLBind(identity?.kind.rawValue), SQLBind(identity?.sealed), SQLBind(identity?.lookup), SQLBind(identity?.masked),
                            SQLBind(c.gender ?? "unknown"), SQLBind(c.address ?? ""), SQLBind(c.source ?? ""), SQLBind(c.grade ?? "C"),
                            SQLBind(owner), SQLBind(owner.map { _ in now }), SQLBind(owner.map { _ in Self.protection(from: now, days: days) }),
                            SQLBind(c.tags ?? ""), SQLBind(c.notes ?? ""), SQLBind(""), SQLBind(0), SQLBind(0),
                            SQLBind(context.actorID), SQLBind(now), SQLBind(now)).run()
                return ((), AuditEntry(action: "customer.create", entity: "customer", entityID: id.uuidString, projectID: projectID,
                                       summary: "created customer \(Masking.name(name)) \(Masking.mobile(mobile))",
                                       after: ["mobile": Masking.mobile(mobile), "grade": c.grade ?? "C", "owner": owner?.uuidString ?? "pool"]))
            }
        } catch where error.isConstraintFailure {
            let existing = try await find(mobile: mobile, in: projectID, includingMerged: true)
            throw existing.map(Self.exists) ?? Problem.conflict("customer_exists", ["id": "", "name": ""])
        }
        return try await record(id, in: projectID)
    }

    static func exists(_ r: Record) -> Problem {
        Problem.conflict("customer_exists", ["id": (r.mergedInto ?? r.id).uuidString, "name": Masking.name(r.name),
                                             "owner": r.ownerName ?? "—"])
    }

    /// Changes the given fields; a new mobile must not belong to another live record.
    public func update(_ id: UUID, in projectID: UUID, _ p: Patch, context: AuditContext) async throws -> Record {
        let c = try check(name: p.name, mobile: p.mobile, idKind: p.idKind, idNumber: p.idNumber, gender: p.gender, address: p.address,
                          source: p.source, grade: p.grade, tags: p.tags, notes: p.notes)
        let old = try await record(id, in: projectID)
        guard old.mergedInto == nil else { throw Problem.conflict("customer_merged", ["id": old.mergedInto!.uuidString]) }
        var sets: [(String, any Encodable & Sendable)] = []
        var before: [String: String] = [:], after: [String: String] = [:]
        func change(_ column: String, _ key: String, _ old: String, _ new: String?, shown: (String) -> String = { $0 }) {
            guard let new, new != old else { return }
            sets.append((column, new)); before[key] = shown(old); after[key] = shown(new)
        }
        change("name", "name", old.name, c.name, shown: Masking.name)
        if let m = c.mobile, m != old.mobile {
            sets.append(("mobile", m)); sets.append(("mobile_suffix", MobileNumber.suffix(m)))
            before["mobile"] = Masking.mobile(old.mobile); after["mobile"] = Masking.mobile(m)
        }
        change("gender", "gender", old.gender, c.gender)
        change("address", "address", old.address, c.address, shown: { "\($0.count) chars" })
        change("source", "source", old.source, c.source)
        change("grade", "grade", old.grade, c.grade)
        change("tags", "tags", old.tagsText, c.tags)
        change("notes", "notes", old.notes, c.notes, shown: { "\($0.count) chars" })
        if let identity = c.identity {
            sets.append(("id_kind", identity?.kind.rawValue)); sets.append(("id_sealed", identity?.sealed))
            sets.append(("id_lookup", identity?.lookup)); sets.append(("id_masked", identity?.masked))
            before["idNumber"] = old.idMasked ?? ""; after["idNumber"] = identity?.masked ?? ""
        }
        guard !sets.isEmpty else { return old }
        let now = now(), summary = "updated customer \(Masking.name(old.name))", b = before, a = after, changes = sets
        do {
            try await store.audited(context) { tx in
                var u = tx.sql.update("customers").set("updated_at", to: SQLBind(now))
                for (column, value) in changes { u = u.set(SQLIdentifier(column), to: SQLBind(value)) }
                // Conditional: a record merged away meanwhile is not changed (its mobile leads to the kept one).
                struct I: Decodable { var id: UUID }
                let done = try await u.where("id", .equal, id).where("project_id", .equal, projectID)
                    .where(SQLColumn("merged_into"), .is, SQLLiteral.null).returning("id").all(decoding: I.self)
                guard !done.isEmpty else { throw Problem.conflict("customer_merged", ["id": ""]) }
                return ((), AuditEntry(action: "customer.update", entity: "customer", entityID: id.uuidString, projectID: projectID,
                                       summary: summary, before: b, after: a))
            }
        } catch where error.isConstraintFailure {
            let existing = try await find(mobile: c.mobile ?? "", in: projectID, includingMerged: false)
            throw existing.map(Self.exists) ?? Problem.conflict("customer_exists", ["id": "", "name": ""])
        }
        return try await record(id, in: projectID)
    }

    // MARK: - Reading

    public func record(_ id: UUID, in projectID: UUID) async throws -> Record {
        guard let r = try await selectRecords(store.sql).where(SQLColumn("id", table: "c"), .equal, SQLBind(id))
            .where(SQLColumn("project_id", table: "c"), .equal, SQLBind(projectID)).first(decoding: Record.self)
        else { throw Problem.notFound }
        return r
    }

    /// The record and its project, for API routes that name a customer without its project.
    public func record(_ id: UUID) async throws -> Record {
        guard let r = try await selectRecords(store.sql).where(SQLColumn("id", table: "c"), .equal, SQLBind(id)).first(decoding: Record.self)
        else { throw Problem.notFound }
        return r
    }

    /// The live record with this mobile; with `includingMerged`, else a merged-away one (so the
    /// caller can follow it to the record it went into). Two lookups, each on its own partial
    /// index: one `OR` across both would read the whole project.
    public func find(mobile: String, in projectID: UUID, includingMerged: Bool = false, on db: (any SQLDatabase)? = nil) async throws -> Record? {
        func lookup(merged: Bool) async throws -> Record? {
            try await selectRecords(db ?? store.sql).where(SQLColumn("project_id", table: "c"), .equal, SQLBind(projectID))
                .where(SQLColumn("mobile", table: "c"), .equal, SQLBind(mobile))
                .where(SQLColumn("merged_into", table: "c"), merged ? .isNot : .is, SQLLiteral.null)
                .first(decoding: Record.self)
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
        try await selectRecords(store.sql).where(SQLColumn("project_id", table: "c"), .equal, SQLBind(projectID))
            .where(SQLColumn("mobile_suffix", table: "c"), .equal, SQLBind(suffix))
            .where(SQLColumn("merged_into", table: "c"), .is, SQLLiteral.null)
            .orderBy(SQLColumn("name", table: "c")).limit(limit).all(decoding: Record.self)
    }

    /// Exact identity-number search through the keyed hash; the number itself is never compared.
    public func find(identity number: String, in projectID: UUID) async throws -> [Record] {
        let key = cipher.lookupKey(IdentityNumber.normalized(number), purpose: Self.lookupPurpose)
        return try await selectRecords(store.sql).where(SQLColumn("project_id", table: "c"), .equal, SQLBind(projectID))
            .where(SQLColumn("id_lookup", table: "c"), .equal, SQLBind(key)).all(decoding: Record.self)
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
        public init() {}
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
        let items = try await filtered(selectRecords(sql))
            .orderBy(SQLColumn("updated_at", table: "c"), SQLDirection.descending).orderBy(SQLColumn("id", table: "c"))
            .limit(page.perPage).offset(page.offset).all(decoding: Record.self)
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
        try await selectRecords(store.sql).where(SQLColumn("merged_into", table: "c"), .equal, SQLBind(id))
            .orderBy(SQLColumn("created_at", table: "c")).all(decoding: Record.self)
    }

    // MARK: - Calls and visits

    public struct ContactDraft: Sendable {
        public var kind: ContactKind
        public var direction: CallDirection?
        public var visitKind: VisitKind?
        public var partySize: Int?
        public var consultantID: UUID?
        public var occurredAt: Date?
        public var interests: String
        public var notes: String
        public var nextStep: String
        public var nextFollowUpOn: String?
        public var grade: String?
        public init(kind: ContactKind, direction: CallDirection? = nil, visitKind: VisitKind? = nil, partySize: Int? = nil,
                    consultantID: UUID? = nil, occurredAt: Date? = nil, interests: String = "", notes: String = "",
                    nextStep: String = "", nextFollowUpOn: String? = nil, grade: String? = nil) {
            self.kind = kind; self.direction = direction; self.visitKind = visitKind; self.partySize = partySize
            self.consultantID = consultantID; self.occurredAt = occurredAt; self.interests = interests; self.notes = notes
            self.nextStep = nextStep; self.nextFollowUpOn = nextFollowUpOn; self.grade = grade
        }
    }

    public struct Contact: Sendable, Decodable {
        public var id: UUID
        public var customerID: UUID
        public var kind: String
        public var callDirection: String?
        public var visitKind: String?
        public var partySize: Int?
        public var consultantID: UUID?
        public var consultantName: String?
        public var occurredAt: Date
        public var interests: String
        public var notes: String
        public var nextStep: String
        public var nextFollowUpOn: String?
        public var createdAt: Date
        enum CodingKeys: String, CodingKey {
            case id, kind, interests, notes
            case customerID = "customer_id", callDirection = "call_direction", visitKind = "visit_kind", partySize = "party_size"
            case consultantID = "consultant_id", consultantName = "consultant_name", occurredAt = "occurred_at"
            case nextStep = "next_step", nextFollowUpOn = "next_follow_up_on", createdAt = "created_at"
        }
    }

    /// Logs a call or a visit. It replaces the customer's planned follow-up with this one's (none
    /// if it plans none), and when the owner made it, restarts their protection period.
    public func logContact(_ customerID: UUID, in projectID: UUID, _ d: ContactDraft, by actor: UUID?, context: AuditContext) async throws -> Contact {
        var bad: [Problem.FieldError] = []
        let now = now()
        let occurred = d.occurredAt ?? now
        if occurred > now.addingTimeInterval(300) { bad.append(.init(field: "occurredAt", code: "contact_in_future")) }
        if occurred < now.addingTimeInterval(-366 * 86_400) { bad.append(.init(field: "occurredAt", code: "contact_too_old")) }
        var follow: CalendarDay?
        if let text = d.nextFollowUpOn, !text.isEmpty {
            if let day = CalendarDay(text) {
                if day < CalendarDay(occurred) || CalendarDay(occurred).days(until: day) > 366 {
                    bad.append(.init(field: "nextFollowUpOn", code: "follow_up_date_invalid"))
                }
                follow = day
            } else { bad.append(.init(field: "nextFollowUpOn", code: "date_invalid")) }
        }
        switch d.kind {
        case .call:
            if d.direction == nil { bad.append(.init(field: "direction", code: "call_direction_required")) }
        case .visit:
            if let n = d.partySize, !(1...50).contains(n) { bad.append(.init(field: "partySize", code: "party_size_invalid")) }
        }
        for (field, text, limit) in [("interests", d.interests, 200), ("nextStep", d.nextStep, 200)] where !(text.isEmpty || Text.isCleanLine(text, maxLength: limit)) {
            bad.append(.init(field: field, code: "text_invalid"))
        }
        if d.notes.count > 2000 || d.notes.contains("\u{0}") { bad.append(.init(field: "notes", code: "notes_invalid")) }
        var grade: String?
        if let g = d.grade {
            if let ok = Grade(rawValue: g.uppercased()) { grade = ok.rawValue } else { bad.append(.init(field: "grade", code: "grade_invalid")) }
        }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let followDay = follow, newGrade = grade

        let customer = try await record(customerID, in: projectID)
        guard customer.mergedInto == nil else { throw Problem.conflict("customer_merged", ["id": customer.mergedInto!.uuidString]) }
        let consultant = d.consultantID ?? actor
        if let c = consultant, c != actor, try await !userExists(c) { throw Problem.invalid("consultantId", "user_unknown") }
        // A first visit is the first one: a return visit is anything after it.
        let visitKind: VisitKind? = d.kind == .visit ? (d.visitKind ?? (customer.visitCount == 0 ? .first : .return)) : nil
        let days = try await protectionDays(projectID)
        let id = UUID()
        let protects = customer.ownerID != nil && (consultant == customer.ownerID || actor == customer.ownerID)
        try await store.audited(context) { tx in
            try await tx.sql.insert(into: "customer_contacts").columns(
                "id", "project_id", "customer_id", "kind", "call_direction", "visit_kind", "party_size", "consultant_id", "occurred_at",
                "interests", "notes", "next_step", "next_follow_up_on", "created_by", "created_at", "occurred_on")
                .values(SQLBind(id), SQLBind(projectID), SQLBind(customerID), SQLBind(d.kind.rawValue),
                        SQLBind(d.kind == .call ? d.direction?.rawValue : nil), SQLBind(visitKind?.rawValue),
                        SQLBind(d.kind == .visit ? d.partySize : nil), SQLBind(consultant), SQLBind(occurred), SQLBind(d.interests),
                        SQLBind(d.notes), SQLBind(d.nextStep), SQLBind(followDay?.description), SQLBind(actor), SQLBind(now),
                        SQLBind(CalendarDay(occurred).description)).run()
            try await ReportLedger.contact(id, projectID: projectID, on: tx.sql)
            let counter = d.kind == .call ? "call_count" : "visit_count"
            var u = tx.sql.update("customers")
                .set(SQLIdentifier(counter), to: SQLBinaryExpression(SQLIdentifier(counter), .add, SQLLiteral.numeric("1")))
                .set("next_follow_up_on", to: SQLBind(followDay?.description)).set("next_step", to: SQLBind(d.nextStep))
                .set("updated_at", to: SQLBind(now))
            // The latest contact, whichever order contacts are logged in.
            if customer.lastContactAt.map({ $0 < occurred }) ?? true { u = u.set("last_contact_at", to: SQLBind(occurred)) }
            if let grade = newGrade { u = u.set("grade", to: SQLBind(grade)) }
            struct I: Decodable { var id: UUID }
            // Conditional: a contact on a record merged away meanwhile rolls back (the kept record's counts stay right).
            let done = try await u.where("id", .equal, customerID).where(SQLColumn("merged_into"), .is, SQLLiteral.null)
                .returning("id").all(decoding: I.self)
            guard !done.isEmpty else { throw Problem.conflict("customer_merged", ["id": ""]) }
            if protects, let owner = customer.ownerID {
                // Only while the same consultant still owns it: a lapse meanwhile is not undone.
                let until = Self.protection(from: occurred, days: days)
                try await tx.sql.update("customers").set("protected_until", to: SQLBind(until))
                    .where("id", .equal, customerID).where("owner_id", .equal, owner)
                    .where(SQLGroupExpression(SQLBinaryExpression(SQLBinaryExpression(SQLColumn("protected_until"), .is, SQLLiteral.null),
                                                                  .or, SQLBinaryExpression(SQLColumn("protected_until"), .lessThan, SQLBind(until)))))
                    .run()
            }
            let what = d.kind == .call ? "call (\(d.direction?.rawValue ?? ""))" : "visit (\(visitKind?.rawValue ?? ""))"
            return ((), AuditEntry(action: "customer.contact", entity: "customer", entityID: customerID.uuidString, projectID: projectID,
                                   summary: "logged \(what) with \(Masking.name(customer.name))",
                                   after: ["kind": d.kind.rawValue, "nextFollowUpOn": followDay?.description ?? ""]))
        }
        guard let c = try await contacts(of: [customerID]).first(where: { $0.id == id }) else { throw Problem.notFound }
        return c
    }

    public func contacts(of customerIDs: [UUID], limit: Int = 200) async throws -> [Contact] {
        guard !customerIDs.isEmpty else { return [] }
        return try await store.sql.select()
            .columns(["id", "customer_id", "kind", "call_direction", "visit_kind", "party_size", "consultant_id", "occurred_at",
                      "interests", "notes", "next_step", "next_follow_up_on", "created_at"].map { SQLColumn($0, table: "k") })
            .column(SQLColumn("display_name", table: "u"), as: "consultant_name")
            .from(SQLAlias(SQLIdentifier("customer_contacts"), as: SQLIdentifier("k")))
            .join(SQLAlias(SQLIdentifier("users"), as: SQLIdentifier("u")), method: SQLJoinMethod.left,
                  on: SQLColumn("consultant_id", table: "k"), .equal, SQLColumn("id", table: "u"))
            .where(SQLColumn("customer_id", table: "k"), .in, SQLGroupExpression(customerIDs.map { SQLBind($0) }))
            .orderBy(SQLColumn("occurred_at", table: "k"), SQLDirection.descending).orderBy(SQLColumn("created_at", table: "k"), SQLDirection.descending)
            .limit(limit).all(decoding: Contact.self)
    }

    // MARK: Follow-ups

    public struct FollowUps: Sendable {
        public var overdue: [Record]
        public var today: [Record]
    }

    /// A consultant's follow-ups (跟进提醒): due today, and overdue (planned for an earlier day
    /// and not yet followed by a contact).
    public func followUps(owner: UUID, in projectID: UUID, limit: Int = 500) async throws -> FollowUps {
        let today = CalendarDay(now()).description
        let due = try await selectRecords(store.sql).where(SQLColumn("project_id", table: "c"), .equal, SQLBind(projectID))
            .where(SQLColumn("owner_id", table: "c"), .equal, SQLBind(owner))
            .where(SQLColumn("merged_into", table: "c"), .is, SQLLiteral.null)
            .where(SQLColumn("next_follow_up_on", table: "c"), .lessThanOrEqual, SQLBind(today))
            .orderBy(SQLColumn("next_follow_up_on", table: "c")).orderBy(SQLColumn("name", table: "c"))
            .limit(limit).all(decoding: Record.self)
        return FollowUps(overdue: due.filter { ($0.nextFollowUpOn ?? today) < today }, today: due.filter { $0.nextFollowUpOn == today })
    }

    // MARK: - Ownership

    static func protection(from start: Date, days: Int) -> Date { start.addingTimeInterval(Double(days) * 86_400) }

    func protectionDays(_ projectID: UUID) async throws -> Int {
        struct P: Decodable { var customer_protection_days: Int }
        guard let p = try await store.sql.select().column("customer_protection_days").from("projects").where("id", .equal, projectID)
            .first(decoding: P.self) else { throw Problem.notFound }
        return p.customer_protection_days
    }

    /// Who can own customers in the project: enabled users with a consultant or sales-manager grant
    /// on it (or company-wide), by display name.
    public struct Owner: Sendable, Decodable {
        public var id: UUID
        public var username: String
        public var displayName: String
        enum CodingKeys: String, CodingKey { case id, username, displayName = "display_name" }
    }

    public func owners(_ projectID: UUID, only userID: UUID? = nil) async throws -> [Owner] {
        try await StaffDirectory.holders(of: [.consultant, .salesManager], on: projectID, only: userID, sql: store.sql)
            .map { Owner(id: $0.id, username: $0.username, displayName: $0.displayName) }
    }

    func mayOwn(_ userID: UUID, in projectID: UUID) async throws -> Bool {
        try await !owners(projectID, only: userID).isEmpty
    }

    func userExists(_ id: UUID) async throws -> Bool {
        try await StaffDirectory.exists(id, sql: store.sql)
    }

    /// Gives customers to a consultant (or back to the pool with nil), one audit line each, all in
    /// one transaction: a missing or merged record refuses the whole request.
    public func reassign(_ ids: [UUID], in projectID: UUID, to owner: UUID?, context: AuditContext) async throws -> Int {
        let unique = Array(Set(ids))
        guard !unique.isEmpty, unique.count <= 500 else { throw Problem.invalid("customerIds", "selection_size_invalid") }
        if let owner, try await !mayOwn(owner, in: projectID) { throw Problem.invalid("ownerId", "owner_not_consultant") }
        let days = try await protectionDays(projectID)
        let now = now()
        return try await store.write { tx in
            struct R: Decodable { var id: UUID; var name: String; var owner_id: UUID?; var merged_into: UUID? }
            let rows = try await tx.sql.select().columns("id", "name", "owner_id", "merged_into").from("customers")
                .where("project_id", .equal, projectID).where("id", .in, unique).all(decoding: R.self)
            guard rows.count == unique.count, rows.allSatisfy({ $0.merged_into == nil }) else { throw Problem.invalid("customerIds", "customer_unknown") }
            var changed = 0
            for r in rows where r.owner_id != owner {
                try await tx.sql.update("customers").set("owner_id", to: SQLBind(owner))
                    .set("owned_since", to: SQLBind(owner.map { _ in now }))
                    .set("protected_until", to: SQLBind(owner.map { _ in Self.protection(from: now, days: days) }))
                    .set("updated_at", to: SQLBind(now)).where("id", .equal, r.id).run()
                try await AuditLog.record(AuditEntry(action: owner == nil ? "customer.to_pool" : "customer.reassign", entity: "customer",
                                                     entityID: r.id.uuidString, projectID: projectID,
                                                     summary: owner == nil ? "returned \(Masking.name(r.name)) to the pool" : "reassigned \(Masking.name(r.name))",
                                                     before: ["owner": r.owner_id?.uuidString ?? "pool"], after: ["owner": owner?.uuidString ?? "pool"]),
                                          context: context, on: tx)
                changed += 1
            }
            return changed
        }
    }

    /// A consultant takes a pool customer; of two racing, one wins (conditional update).
    public func claim(_ id: UUID, in projectID: UUID, by owner: UUID, context: AuditContext) async throws -> Record {
        let days = try await protectionDays(projectID)
        let now = now()
        let won: Bool = try await store.write { tx in
            struct R: Decodable { var id: UUID; var name: String }
            let rows = try await tx.sql.update("customers").set("owner_id", to: SQLBind(owner)).set("owned_since", to: SQLBind(now))
                .set("protected_until", to: SQLBind(Self.protection(from: now, days: days))).set("updated_at", to: SQLBind(now))
                .where("id", .equal, id).where("project_id", .equal, projectID)
                .where(SQLColumn("owner_id"), .is, SQLLiteral.null).where(SQLColumn("merged_into"), .is, SQLLiteral.null)
                .returning("id", "name").all(decoding: R.self)
            guard let r = rows.first else { return false }
            try await AuditLog.record(AuditEntry(action: "customer.claim", entity: "customer", entityID: id.uuidString, projectID: projectID,
                                                 summary: "claimed \(Masking.name(r.name)) from the pool", before: ["owner": "pool"],
                                                 after: ["owner": owner.uuidString]), context: context, on: tx)
            return true
        }
        guard won else {
            _ = try await record(id, in: projectID)
            throw Problem.conflict("customer_not_in_pool")
        }
        return try await record(id, in: projectID)
    }

    /// A buyer of a live sale stays with the consultant who sold to them.
    static var notBuying: SQLQueryString { "NOT \(LivePurchase.hasOne(customer: "customers.id"))" }

    /// Returns customers whose protection period has run out to the pool (保护期到期转公客).
    /// Each one is a conditional update, so a follow-up logged meanwhile keeps the customer.
    @discardableResult
    public func releaseLapsed(limit: Int = 500) async throws -> Int {
        let now = now()
        struct R: Decodable { var id: UUID; var project_id: UUID; var name: String; var owner_id: UUID }
        let due = try await store.sql.select().columns("id", "project_id", "name", "owner_id").from("customers")
            .where("protected_until", .lessThan, SQLBind(now)).where(SQLColumn("owner_id"), .isNot, SQLLiteral.null)
            .where(SQLColumn("merged_into"), .is, SQLLiteral.null)
            // A buyer of a live sale stays with the consultant who sold to them.
            .where(Self.notBuying)
            .limit(limit).all(decoding: R.self)
        guard !due.isEmpty else { return 0 }
        let system = AuditContext.system()
        return try await store.write { tx in
            var n = 0
            for r in due {
                struct I: Decodable { var id: UUID }
                let done = try await tx.sql.update("customers").set("owner_id", to: SQLLiteral.null).set("owned_since", to: SQLLiteral.null)
                    .set("protected_until", to: SQLLiteral.null).set("updated_at", to: SQLBind(now))
                    .where("id", .equal, r.id).where("owner_id", .equal, r.owner_id).where("protected_until", .lessThan, SQLBind(now))
                    .returning("id").all(decoding: I.self)
                guard !done.isEmpty else { continue }
                try await AuditLog.record(AuditEntry(action: "customer.lapse", entity: "customer", entityID: r.id.uuidString,
                                                     projectID: r.project_id, summary: "protection ended: \(Masking.name(r.name)) returned to the pool",
                                                     before: ["owner": r.owner_id.uuidString], after: ["owner": "pool"]), context: system, on: tx)
                n += 1
            }
            return n
        }
    }

    // MARK: - Merge

    /// Merges `duplicate` into `keep` (客户合并): the duplicate stays, pointing to `keep`, with its
    /// calls and visits (shown on `keep`'s page); `keep` takes what it lacks (identity, gender,
    /// address, source), both records' tags and notes, the counts and the latest contact.
    public func merge(_ duplicateID: UUID, into keepID: UUID, in projectID: UUID, context: AuditContext) async throws -> Record {
        guard duplicateID != keepID else { throw Problem.invalid("duplicateId", "merge_same_customer") }
        let now = now()
        try await store.write { tx in
            struct R: Decodable {
                var id: UUID; var name: String; var mobile: String; var merged_into: UUID?
                var id_kind: String?; var id_sealed: String?; var id_lookup: String?; var id_masked: String?
                var gender: String; var address: String; var source: String; var tags: String; var notes: String
                var last_contact_at: Date?; var next_follow_up_on: String?; var next_step: String; var visit_count: Int; var call_count: Int
            }
            let rows = try await tx.sql.select()
                .columns("id", "name", "mobile", "merged_into", "id_kind", "id_sealed", "id_lookup", "id_masked", "gender", "address",
                         "source", "tags", "notes", "last_contact_at", "next_follow_up_on", "next_step", "visit_count", "call_count")
                .from("customers").where("project_id", .equal, projectID).where("id", .in, [keepID, duplicateID]).all(decoding: R.self)
            guard let keep = rows.first(where: { $0.id == keepID }) else { throw Problem.notFound }
            guard let dup = rows.first(where: { $0.id == duplicateID }) else { throw Problem.invalid("duplicateId", "customer_unknown") }
            guard keep.merged_into == nil, dup.merged_into == nil else { throw Problem.conflict("customer_merged", ["id": ""]) }
            if let a = keep.id_lookup, let b = dup.id_lookup, a != b { throw Problem.conflict("merge_identity_differs") }
            // The duplicate first, so the (project, mobile) index never sees two live records.
            struct I: Decodable { var id: UUID }
            let dupDone = try await tx.sql.update("customers").set("merged_into", to: SQLBind(keepID)).set("merged_at", to: SQLBind(now))
                .set("owner_id", to: SQLLiteral.null).set("protected_until", to: SQLLiteral.null).set("next_follow_up_on", to: SQLLiteral.null)
                .set("updated_at", to: SQLBind(now)).where("id", .equal, duplicateID)
                .where(SQLColumn("merged_into"), .is, SQLLiteral.null).returning("id").all(decoding: I.self)
            // Conditional on both records still being live: of two merges racing, one rolls back.
            guard !dupDone.isEmpty else { throw Problem.conflict("customer_merged", ["id": ""]) }
            // Whatever was merged into the duplicate now points to the kept record: one hop, always.
            try await tx.sql.update("customers").set("merged_into", to: SQLBind(keepID)).where("merged_into", .equal, duplicateID).run()
            var u = tx.sql.update("customers")
                .set("tags", to: SQLBind(Self.tagsText(Self.tags(fromText: keep.tags) + Self.tags(fromText: dup.tags))))
                .set("notes", to: SQLBind([keep.notes, dup.notes].filter { !$0.isEmpty }.joined(separator: "\n")))
                .set("visit_count", to: SQLBind(keep.visit_count + dup.visit_count))
                .set("call_count", to: SQLBind(keep.call_count + dup.call_count))
                .set("updated_at", to: SQLBind(now))
            if keep.id_sealed == nil, dup.id_sealed != nil {
                u = u.set("id_kind", to: SQLBind(dup.id_kind)).set("id_sealed", to: SQLBind(dup.id_sealed))
                    .set("id_lookup", to: SQLBind(dup.id_lookup)).set("id_masked", to: SQLBind(dup.id_masked))
            }
            if keep.gender == "unknown", dup.gender != "unknown" { u = u.set("gender", to: SQLBind(dup.gender)) }
            if keep.address.isEmpty, !dup.address.isEmpty { u = u.set("address", to: SQLBind(dup.address)) }
            if keep.source.isEmpty, !dup.source.isEmpty { u = u.set("source", to: SQLBind(dup.source)) }
            if let d = dup.last_contact_at, keep.last_contact_at.map({ $0 < d }) ?? true { u = u.set("last_contact_at", to: SQLBind(d)) }
            if let d = dup.next_follow_up_on, keep.next_follow_up_on.map({ $0 > d }) ?? true {
                u = u.set("next_follow_up_on", to: SQLBind(d)).set("next_step", to: SQLBind(dup.next_step))
            }
            let keepDone = try await u.where("id", .equal, keepID).where(SQLColumn("merged_into"), .is, SQLLiteral.null)
                .returning("id").all(decoding: I.self)
            guard !keepDone.isEmpty else { throw Problem.conflict("customer_merged", ["id": ""]) }
            try await AuditLog.record(AuditEntry(action: "customer.merge", entity: "customer", entityID: keepID.uuidString, projectID: projectID,
                                                 summary: "merged \(Masking.name(dup.name)) \(Masking.mobile(dup.mobile)) into \(Masking.name(keep.name)) \(Masking.mobile(keep.mobile))",
                                                 before: ["duplicate": duplicateID.uuidString], after: ["kept": keepID.uuidString]),
                                      context: context, on: tx)
        }
        return try await record(keepID, in: projectID)
    }

    // MARK: - Personal data

    /// The full mobile or identity number, read and logged in one transaction (who saw whose
    /// data, when): the audit line is written or nothing is shown.
    public func reveal(_ field: RevealField, of customerID: UUID, in projectID: UUID, context: AuditContext) async throws -> String {
        try await store.audited(context) { tx in
            struct S: Decodable { var name: String; var mobile: String; var id_sealed: String? }
            guard let s = try await tx.sql.select().columns("name", "mobile", "id_sealed").from("customers").where("id", .equal, customerID)
                .where("project_id", .equal, projectID).first(decoding: S.self) else { throw Problem.notFound }
            let value: String
            switch field {
            case .mobile: value = s.mobile
            case .idNumber:
                guard let sealed = s.id_sealed else { throw Problem(.notFound, "identity_missing") }
                value = try cipher.open(sealed)
            }
            return (value, AuditEntry(action: "personal_data.reveal", entity: "customer", entityID: customerID.uuidString,
                                      projectID: projectID, summary: "revealed the \(field == .mobile ? "mobile" : "identity number") of \(Masking.name(s.name))",
                                      after: ["field": field.rawValue]))
        }
    }

    /// Every audit line of these records (changes, ownership, merges, and who revealed their
    /// personal data, when), newest first: shown to whoever may open the record.
    public func history(of customerIDs: [UUID], limit: Int = 200) async throws -> [AuditQuery.Line] {
        guard !customerIDs.isEmpty else { return [] }
        return try await AuditQuery(store: store).lines(about: "customer", ids: customerIDs.map(\.uuidString), limit: limit)
    }
}
