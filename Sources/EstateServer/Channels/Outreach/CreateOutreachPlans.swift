import Fluent
import SQLKit

/// 拓客计划与实绩: one row per project, team (an outbound channel), area and day, with the plan, the actuals
/// once entered (null before) and the day's costs.
struct CreateOutreachPlans: AsyncMigration {
    func prepare(on db: any Database) async throws {
        var s = db.schema("outreach_plans")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("channel_id", .uuid, .required, .references("channels", "id", onDelete: .cascade))
            .field("area", .string, .required)
            .field("day", .string, .required)
        for k in ["calls", "flyers", "interceptions", "points", "visits"] {
            s = s.field(FieldKey(stringLiteral: "plan_\(k)"), .int, .required).field(FieldKey(stringLiteral: "actual_\(k)"), .int)
        }
        try await s.field("cost_staff_fen", .int64, .required)
            .field("cost_materials_fen", .int64, .required)
            .field("cost_fees_fen", .int64, .required)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "project_id", "channel_id", "area", "day")
            .create()
        try await db.sql.create(index: "outreach_plans_day_idx").on("outreach_plans").column("project_id").column("day").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("outreach_plans").delete()
    }
}
