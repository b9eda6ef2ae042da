import EstateCore
import FluentKit
import Foundation
import SQLKit

extension CustomerService {
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

    /// The papers a buyer signs that print their particulars.
    public enum PrintedPaper: String, Sendable { case agreement, contract }

    /// A buyer as the paper they sign names them (认购书, 商品房买卖合同).
    public struct Particulars: Sendable, Equatable {
        public var customerId: UUID
        public var name: String
        public var mobile: String
        public var address: String
        public var idKind: IdentityKind?
        /// The full number when it was revealed for this print, else the mask ("" when none is on file).
        public var idNumber: String
        public var revealed: Bool
    }

    /// The particulars of these records for a printed document. The records in `reveal` come with
    /// their full identity number and mobile, and each of them writes a `personal_data.reveal`
    /// line (purpose print, which document) in the same transaction: the lines are written or
    /// nothing is shown. The others come masked, and nothing is logged for them.
    public func particulars(_ ids: [UUID], in projectID: UUID, reveal: Set<UUID>, paper: PrintedPaper, document: String,
                            context: AuditContext) async throws -> [UUID: Particulars] {
        guard !ids.isEmpty else { return [:] }
        struct Row: Decodable {
            var id: UUID; var name: String; var mobile: String; var address: String
            var id_kind: String?; var id_sealed: String?; var id_masked: String?
        }
        let cipher = self.cipher
        @Sendable func read(_ sql: any SQLDatabase) async throws -> [Row] {
            try await sql.select().columns("id", "name", "mobile", "address", "id_kind", "id_sealed", "id_masked").from("customers")
                .where(SQLIdentifier("id"), .in, SQLBind.group(Array(Set(ids)))).where("project_id", .equal, projectID)
                .all(decoding: Row.self)
        }
        @Sendable func particulars(_ r: Row, full: Bool) throws -> Particulars {
            let number = full ? try r.id_sealed.map(cipher.open) ?? "" : r.id_masked ?? ""
            return Particulars(customerId: r.id, name: r.name, mobile: full ? r.mobile : Masking.mobile(r.mobile), address: r.address,
                               idKind: r.id_kind.flatMap(IdentityKind.init(rawValue:)), idNumber: number, revealed: full)
        }
        let shown = reveal.intersection(ids)
        if shown.isEmpty {
            let rows = try await read(store.sql)
            return Dictionary(try rows.map { ($0.id, try particulars($0, full: false)) }, uniquingKeysWith: { a, _ in a })
        }
        return try await store.write { tx in
            var out: [UUID: Particulars] = [:]
            for r in try await read(tx.sql) {
                let full = shown.contains(r.id)
                out[r.id] = try particulars(r, full: full)
                guard full else { continue }
                try await AuditLog.record(AuditEntry(action: "personal_data.reveal", entity: "customer", entityID: r.id.uuidString,
                                                     projectID: projectID,
                                                     summary: "printed \(paper.rawValue) \(document) with the full identity number and mobile of \(Masking.name(r.name))",
                                                     after: ["field": "id_number", "purpose": "print", "paper": paper.rawValue, "document": document]),
                                          context: context, on: tx)
            }
            return out
        }
    }

    /// Every audit line of these records (changes, ownership, merges, and who revealed their
    /// personal data, when), newest first: shown to whoever may open the record.
    public func history(of customerIDs: [UUID], limit: Int = 200) async throws -> [AuditQuery.Line] {
        guard !customerIDs.isEmpty else { return [] }
        return try await AuditQuery(store: store).lines(about: "customer", ids: customerIDs.map(\.uuidString), limit: limit)
    }
}
