import Foundation
import SQLKit

extension StaffDirectory {
    /// Enabled users' ids by username (systems outside, such as the telephony system and CDR files,
    /// name agents by their login); unknown or disabled names are absent.
    static func ids(usernames: [String], sql: any SQLDatabase) async throws -> [String: UUID] {
        struct R: Decodable { var id: UUID; var username: String }
        var out: [String: UUID] = [:]
        for chunk in Array(Set(usernames)).chunked(500) {
            for r in try await sql.select().columns("id", "username").from("users")
                .where("username", .in, SQLBind.group(Array(chunk))).where("is_disabled", .equal, SQLLiteral.boolean(false))
                .all(decoding: R.self) {
                out[r.username] = r.id
            }
        }
        return out
    }

    /// Usernames of users by id, enabled or not.
    static func usernames(_ ids: [UUID], sql: any SQLDatabase) async throws -> [UUID: String] {
        struct R: Decodable { var id: UUID; var username: String }
        var out: [UUID: String] = [:]
        for chunk in Array(Set(ids)).chunked(500) {
            for r in try await sql.select().columns("id", "username").from("users")
                .where("id", .in, SQLBind.group(Array(chunk))).all(decoding: R.self) {
                out[r.id] = r.username
            }
        }
        return out
    }
}
