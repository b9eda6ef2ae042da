import FluentKit
import SQLKit

/// Staffing and rosters (issue 16 points 5–6): the service goals per project, the holiday calendar
/// (节假日 / 调休), shift templates, the roster's agents, their shifts, leave and swaps.
struct CreateStaffing: AsyncMigration {
    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await db.schema("staffing_settings")
            .field("project_id", .uuid, .identifier(auto: false), .references("projects", "id", onDelete: .cascade))
            // Service level target in per mille (800 = 80.0 %), threshold and ASA limit in seconds.
            .field("sl_target_permille", .int, .required)
            .field("threshold_seconds", .int, .required)
            .field("asa_limit_seconds", .int)
            .field("max_occupancy_percent", .int, .required)
            .field("shrinkage_percent", .int, .required)
            .field("history_weeks", .int, .required)
            .field("default_aht_seconds", .int, .required)
            // Agent time one planned callback takes (dial, talk, note).
            .field("outbound_item_seconds", .int, .required)
            .field("weekly_hours", .int, .required)
            .field("minimum_rest_hours", .int, .required)
            .field("updated_by", .uuid)
            .field("updated_at", .datetime, .required)
            .create()
        // One calendar for the company: China's public holidays and 调休 days are national.
        try await db.schema("staffing_calendar")
            .field("day", .string, .identifier(auto: false))
            .field("kind", .string, .required)
            .field("name", .string, .required)
            .field("updated_by", .uuid)
            .field("updated_at", .datetime, .required)
            .create()

        try await db.schema("shift_templates")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("start_minute", .int, .required)
            .field("minutes", .int, .required)
            // JSON [[offset, minutes], …]
            .field("breaks", .string, .required)
            .field("position", .int, .required)
            .unique(on: "project_id", "code")
            .create()
        try await db.schema("roster_agents")
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id"))
            // Comma-separated skills (技能组 / queues) and weekdays (0 = Monday) the agent cannot work.
            .field("skills", .string, .required)
            .field("unavailable_days", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "project_id", "user_id")
            .create()
        try await db.schema("roster_shifts")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            // The Monday of the roster's week, "2026-12-07".
            .field("week", .string, .required)
            .field("agent_id", .uuid, .required, .references("users", "id"))
            .field("day", .int, .required)
            .field("template", .string, .required)
            // built | hand: a rebuild keeps the hand-made shifts.
            .field("source", .string, .required)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .unique(on: "project_id", "week", "agent_id", "day", "template")
            .create()
        try await sql.create(index: "roster_shifts_week_idx").on("roster_shifts").column("project_id").column("week").run()
        try await db.schema("roster_leaves")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("agent_id", .uuid, .required, .references("users", "id"))
            // personal (请假) | annual (年休)
            .field("kind", .string, .required)
            .field("from_day", .string, .required)
            .field("to_day", .string, .required)
            .field("reason", .string, .required)
            // pending | approved | rejected
            .field("status", .string, .required)
            .field("decided_by", .uuid)
            .field("decided_at", .datetime)
            .field("created_at", .datetime, .required)
            .create()
        try await sql.create(index: "roster_leaves_agent_idx").on("roster_leaves").column("project_id").column("agent_id").column("from_day").run()
        try await db.schema("roster_swaps")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("shift_id", .uuid, .required, .references("roster_shifts", "id", onDelete: .cascade))
            .field("requested_by", .uuid, .required, .references("users", "id"))
            // Who takes the shift over.
            .field("to_agent_id", .uuid, .required, .references("users", "id"))
            .field("note", .string, .required)
            .field("status", .string, .required)
            .field("decided_by", .uuid)
            .field("decided_at", .datetime)
            .field("created_at", .datetime, .required)
            .create()
        try await sql.create(index: "roster_swaps_project_idx").on("roster_swaps").column("project_id").column("status").run()
    }

    func revert(on db: any Database) async throws {
        for table in ["roster_swaps", "roster_leaves", "roster_shifts", "roster_agents", "shift_templates", "staffing_calendar", "staffing_settings"] {
            try await db.schema(table).delete()
        }
    }
}
