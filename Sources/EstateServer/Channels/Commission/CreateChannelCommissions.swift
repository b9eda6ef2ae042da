import Fluent
import SQLKit

/// 佣金: a commission rule per channel agreement, statements per channel, project and month,
/// and their lines (one per deal and kind; negative for a claw-back).
struct CreateChannelCommissions: AsyncMigration {
    func prepare(on db: any Database) async throws {
        let sql = db.sql
        try await db.schema("channel_commission_rules")
            .id()
            .field("agreement_id", .uuid, .required, .references("channel_agreements", "id", onDelete: .cascade))
            .field("rule", .string, .required)
            .field("updated_by", .uuid)
            .field("updated_at", .datetime, .required)
            .unique(on: "agreement_id")
            .create()
        try await db.schema("channel_commission_statements")
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
            .unique(on: "project_id", "channel_id", "month")
            .create()
        try await db.schema("channel_commission_lines")
            .id()
            .field("statement_id", .uuid, .required, .references("channel_commission_statements", "id", onDelete: .cascade))
            .field("attribution_id", .uuid, .required)
            .field("subscription_number", .string, .required)
            .field("kind", .string, .required)
            .field("amount_fen", .int64, .required)
            .field("explanation", .string, .required)
            .create()
        try await sql.create(index: "channel_commission_lines_statement_idx").on("channel_commission_lines").column("statement_id").run()
        try await sql.create(index: "channel_commission_lines_attribution_idx").on("channel_commission_lines").column("attribution_id").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("channel_commission_lines").delete()
        try await db.schema("channel_commission_statements").delete()
        try await db.schema("channel_commission_rules").delete()
    }
}
