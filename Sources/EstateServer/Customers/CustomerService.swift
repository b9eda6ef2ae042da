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
        /// Platform's, filled after the read (issue 14).
        public var ownerName: String? = nil
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
            case projectID = "project_id", idKind = "id_kind", idMasked = "id_masked", ownerID = "owner_id"
            case ownedSince = "owned_since", protectedUntil = "protected_until", tagsText = "tags", mergedInto = "merged_into"
            case lastContactAt = "last_contact_at", nextFollowUpOn = "next_follow_up_on", nextStep = "next_step"
            case visitCount = "visit_count", callCount = "call_count", createdAt = "created_at", updatedAt = "updated_at"
        }
    }

    static let recordColumns = ["id", "project_id", "name", "mobile", "id_kind", "id_masked", "gender", "address", "source", "grade",
                                "owner_id", "owned_since", "protected_until", "tags", "notes", "merged_into", "last_contact_at",
                                "next_follow_up_on", "next_step", "visit_count", "call_count", "created_at", "updated_at"]

    /// Customer columns, for every read; run it with `records(_:)`, which names the owners.
    func selectRecords(_ db: any SQLDatabase) -> SQLSelectBuilder {
        db.select().columns(Self.recordColumns.map { SQLColumn($0, table: "c") })
            .from(SQLAlias(SQLIdentifier("customers"), as: SQLIdentifier("c")))
    }

    /// The records `query` selects, with their owners' display names (Platform's, issue 14): one
    /// more query for the whole page.
    func records(_ query: SQLSelectBuilder) async throws -> [Record] {
        var rows = try await query.all(decoding: Record.self)
        let names = try await StaffDirectory.displayNames(rows.compactMap(\.ownerID), sql: query.database)
        for i in rows.indices { rows[i].ownerName = rows[i].ownerID.flatMap { names[$0] } }
        return rows
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
}
