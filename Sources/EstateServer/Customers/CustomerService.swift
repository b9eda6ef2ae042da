import EstateCore
import FluentKit
import Foundation
import SQLKit

/// Customer records (客户档案): created once per mobile per project; identity numbers sealed.
/// Groundwork of the customers issue: creation, duplicate refusal and lookup; pages, API,
/// ownership, visits and merging come with that issue.
public struct CustomerService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let cipher: PersonalDataCipher

    public enum Grade: String, CaseIterable, Sendable { case a = "A", b = "B", c = "C", d = "D" }

    public struct Draft: Sendable {
        public var name: String
        public var mobile: String
        public var idKind: IdentityKind?
        public var idNumber: String
        public var source: String
        public var grade: String
        public init(name: String, mobile: String, idKind: IdentityKind? = nil, idNumber: String = "", source: String = "", grade: String = "C") {
            self.name = name; self.mobile = mobile; self.idKind = idKind; self.idNumber = idNumber; self.source = source; self.grade = grade
        }
    }

    public struct Record: Sendable, Decodable, Equatable {
        public var id: UUID
        public var name: String
        public var mobile: String
        public var idKind: String?
        public var idMasked: String?
        public var grade: String
        enum CodingKeys: String, CodingKey {
            case id, name, mobile, grade
            case idKind = "id_kind", idMasked = "id_masked"
        }
    }

    static let lookupPurpose = "identity"

    /// Creates a customer; a second one with the same mobile in the project is refused with 409
    /// `customer_exists`, naming the existing record, even when both requests race.
    public func create(_ d: Draft, in projectID: UUID, owner: UUID?, context: AuditContext) async throws -> Record {
        var bad: [Problem.FieldError] = []
        if !Text.isCleanLine(d.name, maxLength: 40) { bad.append(.init(field: "name", code: "customer_name_invalid")) }
        let mobile = MobileNumber.normalized(d.mobile)
        if mobile == nil { bad.append(.init(field: "mobile", code: "mobile_invalid")) }
        var sealed: (kind: IdentityKind, sealed: String, lookup: String, masked: String)?
        if let kind = d.idKind, !d.idNumber.isEmpty {
            switch IdentityNumber.check(d.idNumber, kind: kind, today: Self.yyyymmdd(now())) {
            case .success(let n):
                sealed = (kind, try cipher.seal(n), cipher.lookupKey(n, purpose: Self.lookupPurpose), Masking.identity(n, kind: kind))
            case .failure(let p): bad.append(.init(field: "idNumber", code: p.rawValue))
            }
        }
        guard let grade = Grade(rawValue: d.grade.uppercased()) else { throw Problem.invalid("grade", "grade_invalid") }
        guard bad.isEmpty, let mobile else { throw Problem.invalid(bad) }
        let id = UUID(), now = now(), sealedID = sealed
        do {
            try await store.audited(context) { tx in
                try await tx.sql.insert(into: "customers").columns(
                    "id", "project_id", "name", "mobile", "mobile_suffix", "id_kind", "id_sealed", "id_lookup", "id_masked", "gender",
                    "address", "source", "grade", "owner_id", "tags", "notes", "created_by", "created_at", "updated_at")
                    .values(SQLBind(id), SQLBind(projectID), SQLBind(d.name), SQLBind(mobile), SQLBind(MobileNumber.suffix(mobile)),
                            SQLBind(sealedID?.kind.rawValue), SQLBind(sealedID?.sealed), SQLBind(sealedID?.lookup), SQLBind(sealedID?.masked),
                            SQLBind(""), SQLBind(""), SQLBind(d.source), SQLBind(grade.rawValue), SQLBind(owner), SQLBind(""), SQLBind(""),
                            SQLBind(context.actorID), SQLBind(now), SQLBind(now)).run()
                return ((), AuditEntry(action: "customer.create", entity: "customer", entityID: id.uuidString, projectID: projectID,
                                       summary: "created customer \(d.name) \(Masking.mobile(mobile))",
                                       after: ["mobile": Masking.mobile(mobile), "grade": grade.rawValue]))
            }
        } catch where error.isConstraintFailure {
            let existing = try await find(mobile: mobile, in: projectID)
            throw Problem.conflict("customer_exists", ["id": existing?.id.uuidString ?? "", "name": existing?.name ?? ""])
        }
        return try await find(id, in: projectID)
    }

    public func find(_ id: UUID, in projectID: UUID) async throws -> Record {
        guard let r = try await store.sql.select().columns("id", "name", "mobile", "id_kind", "id_masked", "grade").from("customers")
            .where("id", .equal, id).where("project_id", .equal, projectID).first(decoding: Record.self) else { throw Problem.notFound }
        return r
    }

    public func find(mobile: String, in projectID: UUID) async throws -> Record? {
        try await store.sql.select().columns("id", "name", "mobile", "id_kind", "id_masked", "grade").from("customers")
            .where("project_id", .equal, projectID).where("mobile", .equal, mobile)
            .where(SQLColumn("merged_into"), .is, SQLLiteral.null).first(decoding: Record.self)
    }

    /// Customers whose mobile ends in these four digits (how staff ask on the phone).
    public func find(suffix: String, in projectID: UUID, limit: Int = 50) async throws -> [Record] {
        try await store.sql.select().columns("id", "name", "mobile", "id_kind", "id_masked", "grade").from("customers")
            .where("project_id", .equal, projectID).where("mobile_suffix", .equal, suffix)
            .where(SQLColumn("merged_into"), .is, SQLLiteral.null).orderBy("name").limit(limit).all(decoding: Record.self)
    }

    /// Exact identity-number search through the keyed hash; the number itself is never compared.
    public func find(identity number: String, in projectID: UUID) async throws -> [Record] {
        let key = cipher.lookupKey(IdentityNumber.normalized(number), purpose: Self.lookupPurpose)
        return try await store.sql.select().columns("id", "name", "mobile", "id_kind", "id_masked", "grade").from("customers")
            .where("project_id", .equal, projectID).where("id_lookup", .equal, key).all(decoding: Record.self)
    }

    /// The full identity number, for a caller entitled to it (the reveal is logged by the caller).
    func revealIdentity(_ id: UUID, in projectID: UUID) async throws -> String? {
        struct S: Decodable { var id_sealed: String? }
        guard let s = try await store.sql.select().column("id_sealed").from("customers").where("id", .equal, id)
            .where("project_id", .equal, projectID).first(decoding: S.self) else { throw Problem.notFound }
        return try s.id_sealed.map(cipher.open)
    }

    static func yyyymmdd(_ d: Date) -> Int {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let c = cal.dateComponents([.year, .month, .day], from: d)
        return c.year! * 10_000 + c.month! * 100 + c.day!
    }
}
