import FluentKit
import SQLKit

/// Approvals (审批): one table for every kind, routed to a role.
struct CreateApprovals: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("approvals")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("subject_type", .string, .required)
            .field("subject_id", .uuid)
            .field("title", .string, .required)
            .field("amount_fen", .int64)
            .field("permyriad", .int)
            .field("payload", .string, .required)
            .field("required_role", .string, .required)
            .field("status", .string, .required)
            .field("requested_by", .uuid)
            .field("requested_by_name", .string, .required)
            .field("requested_at", .datetime, .required)
            .field("reason", .string, .required)
            .field("decided_by", .uuid)
            .field("decided_by_name", .string)
            .field("decided_at", .datetime)
            .field("comment", .string)
            .create()
        try await (db as! any SQLDatabase).create(index: "approvals_inbox_idx").on("approvals")
            .column("project_id").column("status").column("required_role").run()
    }

    func revert(on db: any Database) async throws { try await db.schema("approvals").delete() }
}
