import FluentKit
import SQLKit

/// 呼叫中心: one row per call, however it was learnt of (the desk, the telephony system's
/// events, a CDR import). The number is stored normalised (`CallerNumber`), so one person's
/// calls are found together whichever project or desk they reached.
struct CreateCalls: AsyncMigration {
    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await db.schema("calls")
            .id()
            // The telephony system's or the CDR's call id; null for calls logged on the desk.
            .field("external_id", .string)
            // The project the call was about, when known.
            .field("project_id", .uuid, .references("projects", "id", onDelete: .setNull))
            .field("direction", .string, .required)
            .field("number", .string, .required)
            .field("number_suffix", .string, .required)
            // Queue / skill (技能组): hotline, repairs…
            .field("queue", .string, .required)
            .field("agent_id", .uuid, .references("users", "id"))
            .field("offered_at", .datetime, .required)
            .field("answered_at", .datetime)
            .field("ended_at", .datetime)
            .field("wait_seconds", .int, .required)
            .field("talk_seconds", .int, .required)
            .field("hold_seconds", .int, .required)
            .field("wrap_seconds", .int, .required)
            .field("abandoned", .bool, .required)
            // What it was about (咨询/报修/投诉… or a free category): first-contact resolution
            // compares repeat calls on the same category.
            .field("category", .string)
            .field("outcome", .string)
            .field("note", .string, .required)
            // The work order the call created.
            .field("ticket_id", .uuid, .references("tickets", "id", onDelete: .setNull))
            .field("satisfaction", .int)
            .field("source", .string, .required)
            .field("created_at", .datetime, .required)
            .field("created_by", .uuid, .references("users", "id"))
            .create()
        // Replays of a telephony event or a re-imported CDR find the call they already made.
        try await sql.raw("CREATE UNIQUE INDEX calls_external_uidx ON calls (external_id) WHERE external_id IS NOT NULL").run()
        try await sql.create(index: "calls_number_idx").on("calls").column("number").column("offered_at").run()
        try await sql.create(index: "calls_offered_idx").on("calls").column("offered_at").run()
        try await sql.create(index: "calls_agent_idx").on("calls").column("agent_id").column("offered_at").run()
        try await sql.create(index: "calls_ticket_idx").on("calls").column("ticket_id").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("calls").delete()
    }
}
