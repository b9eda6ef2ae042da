import Foundation
import SQLKit

/// What other capabilities ask of Customers' tables (issue 14): who a mobile is, a record's
/// contact. Fragments are SQL so a caller's query stays one statement.
enum CustomerDirectory {
    /// A subquery of the ids of customer records with this mobile (in any project).
    static func ids(withMobile mobile: String) -> SQLQueryString {
        "SELECT oc.id FROM customers oc WHERE oc.mobile = \(bind: mobile)"
    }

    struct Contact: Decodable, Sendable {
        var id: UUID
        var name: String
        var mobile: String
        var ownerId: UUID?
        enum CodingKeys: String, CodingKey { case id, name, mobile, ownerId = "owner_id" }
    }

    /// Name, mobile and owning consultant of the records.
    static func contacts(_ ids: [UUID], sql: any SQLDatabase) async throws -> [UUID: Contact] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await sql.select().columns("id", "name", "mobile", "owner_id").from("customers").where(SQLIdentifier("id"), .in, SQLBind.group(Array(Set(ids)))).all(decoding: Contact.self)
        return Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }
}
