import FluentKit
import SQLKit

/// The notification outbox: SMS and e-mail written in the business transaction that causes
/// them, sent later by `OutboxWorker`; every delivery attempt is a row of its own.
struct CreateNotifications: AsyncMigration {
    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        // `id` is the message id the provider sees (its idempotency key); subject and body are
        // rendered at enqueue, so a template change never alters a queued message.
        try await db.schema("outbox_messages")
            .id()
            .field("project_id", .uuid, .references("projects", "id", onDelete: .setNull))
            .field("channel", .string, .required)
            .field("recipient", .string, .required)
            .field("template", .string, .required)
            .field("params", .string, .required)
            .field("subject", .string, .required)
            .field("body", .string, .required)
            .field("reference", .string)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("lease_until", .datetime)
            .field("last_error", .string, .required)
            .field("provider_ref", .string)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .create()
        try await sql.create(index: "outbox_messages_due_idx").on("outbox_messages").column("status").column("next_attempt_at").run()
        try await sql.create(index: "outbox_messages_project_idx").on("outbox_messages").column("project_id").column("created_at").run()

        try await db.schema("outbox_attempts")
            .id()
            .field("message_id", .uuid, .required, .references("outbox_messages", "id", onDelete: .cascade))
            .field("attempt", .int, .required)
            .field("started_at", .datetime, .required)
            // Null until the outcome is known; a worker that died mid-send leaves it null
            // until the message is claimed again, which marks it `abandoned`.
            .field("finished_at", .datetime)
            .field("outcome", .string)
            .field("detail", .string, .required)
            .field("http_status", .int)
            .create()
        try await sql.create(index: "outbox_attempts_message_idx").on("outbox_attempts").column("message_id").column("attempt").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("outbox_attempts").delete()
        try await db.schema("outbox_messages").delete()
    }
}
