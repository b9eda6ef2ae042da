import EstateCore
import Foundation
import SQLKit

/// What other capabilities ask of Customers' tables (issue 14): who a mobile is, a record's
/// contact. Fragments are SQL so a caller's query stays one statement.
enum CustomerDirectory {
    /// Follow-ups (跟进) due per day in [from, to] on the project's records that one of `plannedBy`
    /// planned and that are still the record's next follow-up (a later contact that moved or
    /// cleared it supersedes them); a record counts once a day. The call centre's planned outbound work.
    static func followUpsDue(_ projectID: UUID, from: CalendarDay, to: CalendarDay, plannedBy: [UUID], sql: any SQLDatabase) async throws
        -> [CalendarDay: Int] {
        guard !plannedBy.isEmpty else { return [:] }
        struct Row: Decodable { var day: String; var n: Int }
        let rows = try await sql.raw("""
            SELECT k.next_follow_up_on AS day, CAST(COUNT(DISTINCT k.customer_id) AS BIGINT) AS n
            FROM customer_contacts k JOIN customers c ON c.id = k.customer_id
            WHERE k.project_id = \(bind: projectID) AND k.created_by IN \(SQLBind.group(plannedBy))
              AND k.next_follow_up_on >= \(bind: from.description) AND k.next_follow_up_on <= \(bind: to.description)
              AND c.next_follow_up_on = k.next_follow_up_on AND c.merged_into IS NULL
            GROUP BY k.next_follow_up_on
            """).all(decoding: Row.self)
        var out: [CalendarDay: Int] = [:]
        for r in rows { if let d = CalendarDay(r.day) { out[d] = r.n } }
        return out
    }

    /// A subquery of the ids of customer records with this mobile (in any project).
    static func ids(withMobile mobile: String) -> SQLQueryString {
        "SELECT oc.id FROM customers oc WHERE oc.mobile = \(bind: mobile)"
    }

    /// A subquery of the ids of customer records whose name is LIKE `pattern` (a buyer search).
    static func ids(nameLike pattern: String) -> SQLQueryString {
        "SELECT oc.id FROM customers oc WHERE oc.name LIKE \(bind: pattern)"
    }

    /// A subquery of the ids of the project's customer records whose name is LIKE `pattern` (not merged away).
    static func ids(nameLike pattern: String, in projectID: UUID) -> SQLQueryString {
        "SELECT oc.id FROM customers oc WHERE oc.project_id = \(bind: projectID) AND oc.merged_into IS NULL AND oc.name LIKE \(bind: pattern)"
    }

    /// A search for sales by a buyer, read the way Customers reads it: a subquery of the ids of
    /// records whose name is LIKE `pattern`, or whose mobile ends in `q` when `q` is four digits
    /// (what the mask shows), or whose mobile is `q` when it is a full mobile and a searcher is
    /// given — then only records whose full mobile the searcher could reveal, and the search is an
    /// exact look-up the caller must run through `ExactLookups` (`exact` is that searcher).
    /// Other lengths of digits match no mobile.
    static func ids(buyerSearch q: String, like pattern: String, searcher: CustomerService.Searcher?)
        -> (ids: SQLQueryString, exact: CustomerService.Searcher?) {
        let digits = q.filter { $0 != " " && $0 != "-" }
        var mobile: SQLQueryString = ""
        var exact: CustomerService.Searcher?
        if digits.count == 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
            mobile = " OR oc.mobile_suffix = \(bind: digits)"
        } else if let m = MobileNumber.normalized(q), let searcher {
            exact = searcher
            let me = searcher.access.principal.userID
            switch searcher.access.exactSearchScope {
            case .all: mobile = " OR oc.mobile = \(bind: m)"
            case .ownAndPool: mobile = " OR (oc.mobile = \(bind: m) AND (oc.owner_id = \(bind: me) OR oc.owner_id IS NULL))"
            case .own: mobile = " OR (oc.mobile = \(bind: m) AND oc.owner_id = \(bind: me))"
            case .none: break
            }
        }
        return ("SELECT oc.id FROM customers oc WHERE oc.name LIKE \(bind: pattern)\(mobile)", exact)
    }

    /// Whether the record is in the project.
    static func exists(_ id: UUID, in projectID: UUID, sql: any SQLDatabase) async throws -> Bool {
        struct N: Decodable { var id: UUID }
        return try await sql.select().column("id").from("customers").where("id", .equal, id).where("project_id", .equal, projectID)
            .first(decoding: N.self) != nil
    }

    struct Contact: Decodable, Sendable {
        var id: UUID
        var name: String
        var mobile: String
        var ownerId: UUID?
        /// The identity number as lists show it (110105********123X), nil when none is on file.
        var idMasked: String?
        enum CodingKeys: String, CodingKey { case id, name, mobile, ownerId = "owner_id", idMasked = "id_masked" }
    }

    /// Name, mobile, owning consultant and masked identity number of the records.
    static func contacts(_ ids: [UUID], sql: any SQLDatabase) async throws -> [UUID: Contact] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await sql.select().columns("id", "name", "mobile", "owner_id", "id_masked").from("customers").where(SQLIdentifier("id"), .in, SQLBind.group(Array(Set(ids)))).all(decoding: Contact.self)
        return Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }
}
