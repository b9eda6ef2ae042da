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

    /// Every audit line of these records (changes, ownership, merges, and who revealed their
    /// personal data, when), newest first: shown to whoever may open the record.
    public func history(of customerIDs: [UUID], limit: Int = 200) async throws -> [AuditQuery.Line] {
        guard !customerIDs.isEmpty else { return [] }
        return try await AuditQuery(store: store).lines(about: "customer", ids: customerIDs.map(\.uuidString), limit: limit)
    }
}
