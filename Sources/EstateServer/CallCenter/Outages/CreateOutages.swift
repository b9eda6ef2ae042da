import FluentKit
import SQLKit

/// 抢修单 (issue 16 point 4): on-call lists per department and project with the acknowledgement
/// window, the 抢修单 with its affected units, timeline, one-time acknowledgement tokens (kept
/// hashed) and the owners' callback list.
struct CreateOutages: AsyncMigration {
    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await db.schema("oncall_settings")
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("department", .string, .required)
            .field("ack_minutes", .int, .required)
            .field("updated_by", .uuid)
            .field("updated_at", .datetime, .required)
            .unique(on: "project_id", "department")
            .create()
        try await db.schema("oncall_entries")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("department", .string, .required)
            .field("position", .int, .required)
            .field("user_id", .uuid, .required, .references("users", "id"))
            .field("created_at", .datetime, .required)
            .unique(on: "project_id", "department", "user_id")
            .create()
        try await sql.create(index: "oncall_entries_list_idx").on("oncall_entries").column("project_id").column("department").column("position").run()

        try await db.schema("outages")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("number", .string, .required)
            .field("department", .string, .required)
            .field("scope", .string, .required)
            .field("building_id", .uuid)
            .field("entrance", .int)
            .field("area_label", .string, .required)
            .field("title", .string, .required)
            .field("description", .string, .required)
            .field("expected_restore_at", .datetime, .required)
            .field("status", .string, .required)
            // Escalation: 0 = the first on the on-call list; the list's length = the supervisors.
            .field("level", .int, .required)
            .field("level_started_at", .datetime, .required)
            .field("ack_minutes", .int, .required)
            .field("acknowledged_at", .datetime)
            .field("acknowledged_by", .uuid)
            .field("done_at", .datetime)
            .field("done_note", .string, .required)
            .field("closed_at", .datetime)
            .field("round", .int, .required)
            .field("unit_count", .int, .required)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "project_id", "number")
            .create()
        try await sql.create(index: "outages_list_idx").on("outages").column("project_id").column("status").column("created_at").run()
        // The escalation job looks only at 抢修单 waiting for an acknowledgement.
        try await sql.raw("CREATE INDEX outages_waiting_idx ON outages (level_started_at) WHERE status = 'notifying'").run()

        try await db.schema("outage_units")
            .field("outage_id", .uuid, .required, .references("outages", "id", onDelete: .cascade))
            .field("unit_id", .uuid, .required)
            .unique(on: "outage_id", "unit_id")
            .create()

        try await db.schema("outage_events")
            .id()
            .field("outage_id", .uuid, .required, .references("outages", "id", onDelete: .cascade))
            .field("seq", .int, .required)
            .field("action", .string, .required)
            .field("level", .int)
            .field("params", .string, .required)
            .field("note", .string, .required)
            .field("actor_id", .uuid)
            .field("actor_name", .string, .required)
            .field("at", .datetime, .required)
            .unique(on: "outage_id", "seq")
            .create()

        try await db.schema("outage_tokens")
            .id()
            .field("outage_id", .uuid, .required, .references("outages", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required)
            .field("level", .int, .required)
            .field("token_hash", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .unique(on: "token_hash")
            .create()
        try await sql.create(index: "outage_tokens_outage_idx").on("outage_tokens").column("outage_id").run()

        try await db.schema("outage_callbacks")
            .id()
            .field("outage_id", .uuid, .required, .references("outages", "id", onDelete: .cascade))
            .field("round", .int, .required)
            .field("customer_id", .uuid, .required)
            .field("name", .string, .required)
            .field("mobile", .string, .required)
            .field("unit_codes", .string, .required)
            .field("attempts", .int, .required)
            .field("outcome", .string)
            .field("note", .string, .required)
            .field("last_call_at", .datetime)
            .field("last_by", .uuid)
            .field("last_by_name", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "outage_id", "round", "customer_id")
            .create()
    }

    func revert(on db: any Database) async throws {
        for table in ["outage_callbacks", "outage_tokens", "outage_events", "outage_units", "outages", "oncall_entries", "oncall_settings"] {
            try await db.schema(table).delete()
        }
    }
}
