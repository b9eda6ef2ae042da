import FluentKit
import SQLKit

/// A rejected 佣金结算单 that its month's new statement replaced is kept here, with its lines and the
/// id of the statement that replaced it: the approval that rejected it still opens it, and what the
/// approver saw stays on record. (The live table allows one statement per channel, project and month.)
struct CreateChannelCommissionsReplaced: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("channel_commission_replaced")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("channel_id", .uuid, .required, .references("channels", "id", onDelete: .cascade))
            .field("month", .string, .required)
            .field("status", .string, .required)
            .field("total_fen", .int64, .required)
            .field("deals", .int, .required)
            .field("tier", .int)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .field("paid_at", .datetime)
            .field("approval_id", .uuid)
            .field("submitted_by", .uuid)
            .field("submitted_at", .datetime)
            .field("decided_at", .datetime)
            .field("replaced_by", .uuid, .required)
            .field("replaced_at", .datetime, .required)
            .create()
        try await db.schema("channel_commission_replaced_lines")
            .id()
            .field("statement_id", .uuid, .required, .references("channel_commission_replaced", "id", onDelete: .cascade))
            .field("attribution_id", .uuid, .required)
            .field("subscription_number", .string, .required)
            .field("kind", .string, .required)
            .field("amount_fen", .int64, .required)
            .field("explanation", .string, .required)
            .create()
        try await db.sql.create(index: "channel_commission_replaced_lines_statement_idx").on("channel_commission_replaced_lines")
            .column("statement_id").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("channel_commission_replaced_lines").delete()
        try await db.schema("channel_commission_replaced").delete()
    }
}
