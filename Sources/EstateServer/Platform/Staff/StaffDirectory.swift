import EstateCore
import Foundation
import SQLKit

/// Who works on a project: enabled users holding a role there or company-wide (a grant without a
/// project). Platform owns `users` and `role_grants`; other capabilities ask here (issue 14), so
/// "staff of a project" means one thing everywhere. Each call takes the caller's connection or
/// transaction.
enum StaffDirectory {
    struct Member: Decodable, Sendable {
        var id: UUID
        var username: String
        var displayName: String
        var mobile: String?
        enum CodingKeys: String, CodingKey { case id, username, displayName = "display_name", mobile }
    }

    /// The roles whose grants allow any of `actions` (who may do an action).
    static func roles(allowing actions: Set<Action>) -> [Role] {
        Role.allCases.filter { !AccessMatrix.actions(of: $0).isDisjoint(with: actions) }
    }

    /// Enabled holders of any of `roles` on the project, company-wide grants included, by display name.
    static func holders(of roles: [Role], on projectID: UUID, only userID: UUID? = nil, sql: any SQLDatabase) async throws -> [Member] {
        guard !roles.isEmpty else { return [] }
        let only: SQLQueryString = userID.map { "AND u.id = \(bind: $0)" } ?? ""
        return try await sql.raw("""
            SELECT DISTINCT u.id, u.username, u.display_name, u.mobile FROM users u JOIN role_grants g ON g.user_id = u.id
            WHERE u.is_disabled = \(SQLLiteral.boolean(false)) AND g.role IN \(SQLBind.group(roles.map(\.rawValue)))
              AND (g.project_id = \(bind: projectID) OR g.project_id IS NULL) \(only)
            ORDER BY u.display_name
            """).all(decoding: Member.self)
    }

    /// Enabled holders of any of `roles` on the project with the roles each holds there (company-wide
    /// grants included), by display name: who works a desk, and in which department.
    static func holdersWithRoles(of roles: [Role], on projectID: UUID, sql: any SQLDatabase) async throws -> [(member: Member, roles: Set<Role>)] {
        guard !roles.isEmpty else { return [] }
        struct Row: Decodable {
            var id: UUID; var username: String; var display_name: String; var mobile: String?; var role: String
        }
        let rows = try await sql.raw("""
            SELECT u.id, u.username, u.display_name, u.mobile, g.role FROM users u JOIN role_grants g ON g.user_id = u.id
            WHERE u.is_disabled = \(SQLLiteral.boolean(false)) AND g.role IN \(SQLBind.group(roles.map(\.rawValue)))
              AND (g.project_id = \(bind: projectID) OR g.project_id IS NULL)
            ORDER BY u.display_name, u.id
            """).all(decoding: Row.self)
        var out: [(member: Member, roles: Set<Role>)] = []
        for r in rows {
            let role = Role(rawValue: r.role)
            if let i = out.lastIndex(where: { $0.member.id == r.id }) {
                if let role { out[i].roles.insert(role) }
            } else {
                out.append((Member(id: r.id, username: r.username, displayName: r.display_name, mobile: r.mobile), role.map { [$0] } ?? []))
            }
        }
        return out
    }

    /// The mobiles of enabled holders of `roles` on the project (for SMS alerts); unchecked, callers validate.
    static func mobiles(of roles: [Role], on projectID: UUID, sql: any SQLDatabase) async throws -> [String] {
        guard !roles.isEmpty else { return [] }
        struct M: Decodable { var mobile: String? }
        return try await sql.raw("""
            SELECT DISTINCT u.mobile FROM users u JOIN role_grants g ON g.user_id = u.id
            WHERE u.is_disabled = \(SQLLiteral.boolean(false)) AND g.role IN \(SQLBind.group(roles.map(\.rawValue)))
              AND (g.project_id = \(bind: projectID) OR g.project_id IS NULL) AND u.mobile IS NOT NULL
            """).all(decoding: M.self).compactMap(\.mobile)
    }

    /// The roles an enabled user holds on the project, company-wide grants included.
    static func roles(of userID: UUID, on projectID: UUID, sql: any SQLDatabase) async throws -> [Role] {
        struct R: Decodable { var role: String }
        return try await sql.raw("""
            SELECT g.role FROM role_grants g JOIN users u ON u.id = g.user_id
            WHERE g.user_id = \(bind: userID) AND u.is_disabled = \(SQLLiteral.boolean(false))
              AND (g.project_id = \(bind: projectID) OR g.project_id IS NULL)
            """).all(decoding: R.self).compactMap { Role(rawValue: $0.role) }
    }

    /// Whether the user is enabled and holds any role on the project (or company-wide).
    static func isStaff(_ userID: UUID, on projectID: UUID, sql: any SQLDatabase) async throws -> Bool {
        struct N: Decodable { var n: Int }
        return try await sql.raw("""
            SELECT COUNT(*) AS n FROM users u WHERE u.id = \(bind: userID) AND NOT u.is_disabled
              AND EXISTS (SELECT 1 FROM role_grants g WHERE g.user_id = u.id AND (g.project_id = \(bind: projectID) OR g.project_id IS NULL))
            """).first(decoding: N.self)?.n ?? 0 > 0
    }

    /// A staff member's mobile, if they gave one.
    static func mobile(of userID: UUID, sql: any SQLDatabase) async throws -> String? {
        struct R: Decodable { var mobile: String? }
        return try await sql.select().column("mobile").from("users").where("id", .equal, userID).first(decoding: R.self)?.mobile
    }

    /// Whether such a user exists (enabled or not).
    static func exists(_ userID: UUID, sql: any SQLDatabase) async throws -> Bool {
        struct N: Decodable { var id: UUID }
        return try await sql.select().column("id").from("users").where("id", .equal, userID).first(decoding: N.self) != nil
    }
}

/// Names to show (issue 14): a capability pages, sorts and filters its own rows, then asks here
/// for the names of the users on the page, one query per page (never one per row).
extension StaffDirectory {
    /// Display names of users, enabled or not; ids with no user are absent.
    static func displayNames(_ ids: [UUID], sql: any SQLDatabase) async throws -> [UUID: String] {
        struct R: Decodable { var id: UUID; var display_name: String }
        var out: [UUID: String] = [:]
        for chunk in Array(Set(ids)).chunked(500) {
            for r in try await sql.select().columns("id", "display_name").from("users")
                .where("id", .in, SQLBind.group(Array(chunk))).all(decoding: R.self) {
                out[r.id] = r.display_name
            }
        }
        return out
    }

    /// Display names by username (records that keep who acted by username); unknown names are absent.
    static func displayNames(usernames: [String], sql: any SQLDatabase) async throws -> [String: String] {
        struct R: Decodable { var username: String; var display_name: String }
        var out: [String: String] = [:]
        for chunk in Array(Set(usernames)).chunked(500) {
            for r in try await sql.select().columns("username", "display_name").from("users")
                .where("username", .in, SQLBind.group(Array(chunk))).all(decoding: R.self) {
                out[r.username] = r.display_name
            }
        }
        return out
    }
}
