import FluentKit
import SQLKit

struct CreateUsers: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("users")
            .id()
            .field("username", .string, .required)
            .field("display_name", .string, .required)
            .field("password_hash", .string, .required)
            .field("is_disabled", .bool, .required)
            .field("failed_logins", .int, .required)
            .field("locked_until", .datetime)
            .field("last_login_at", .datetime)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "username")
            .create()
    }

    func revert(on db: any Database) async throws { try await db.schema("users").delete() }
}

struct CreateRoleGrants: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("role_grants")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("role", .string, .required)
            .field("project_id", .uuid, .references("projects", "id", onDelete: .cascade))
            .field("created_at", .datetime, .required)
            .unique(on: "user_id", "role", "project_id")
            .create()
        // NULL project_id (all projects) is not covered by the unique constraint above.
        try await (db as! any SQLDatabase).raw(
            "CREATE UNIQUE INDEX role_grants_company_unique ON role_grants (user_id, role) WHERE project_id IS NULL"
        ).run()
        try await (db as! any SQLDatabase).create(index: "role_grants_project_idx").on("role_grants").column("project_id").run()
    }

    func revert(on db: any Database) async throws { try await db.schema("role_grants").delete() }
}

struct CreateAuthSessions: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("auth_sessions")
            .id()
            .field("token_hash", .string, .required)
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("csrf_token", .string)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .field("ip", .string)
            .field("user_agent", .string)
            .unique(on: "token_hash")
            .create()
        try await (db as! any SQLDatabase).create(index: "auth_sessions_user_idx").on("auth_sessions").column("user_id").run()
    }

    func revert(on db: any Database) async throws { try await db.schema("auth_sessions").delete() }
}
