import FluentKit
import SQLKit

/// 话务事件: what the telephony system posted, one row per event id (a replay finds its row and
/// changes nothing). The call row is recomputed from all of a call's events each time.
struct CreateCallEvents: AsyncMigration {
    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await db.schema("call_events")
            .field("event_id", .string, .identifier(auto: false))
            // The telephony system's call id (calls.external_id of the call it builds).
            .field("call_ref", .string, .required)
            .field("kind", .string, .required)
            .field("at", .datetime, .required)
            .field("direction", .string)
            .field("number", .string)
            .field("queue", .string)
            .field("agent", .string)
            .field("wrap_seconds", .int)
            .field("project_id", .uuid, .references("projects", "id", onDelete: .setNull))
            .field("received_at", .datetime, .required)
            .create()
        try await sql.create(index: "call_events_call_idx").on("call_events").column("call_ref").column("at").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("call_events").delete()
    }
}
