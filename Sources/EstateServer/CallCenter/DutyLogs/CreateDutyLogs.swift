import FluentKit
import SQLKit

/// 值班日志: one row per project and shift (date + shift name); the 抢修单 of the shift are
/// written into it when the shift lead signs it off.
struct CreateDutyLogs: AsyncMigration {
    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await db.schema("duty_logs")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("shift_date", .string, .required)
            .field("shift_name", .string, .required)
            .field("starts_at", .datetime, .required)
            .field("ends_at", .datetime, .required)
            // Who was on (值班人员), as the lead writes them.
            .field("on_duty", .string, .required)
            .field("incidents", .string, .required)
            .field("complaints", .string, .required)
            // 交接事项: what the next shift must pick up.
            .field("handover", .string, .required)
            // 抢修单 opened during the shift, as numbers and titles, fixed at sign-off.
            .field("outages", .string, .required)
            .field("status", .string, .required)
            .field("signed_by", .uuid, .references("users", "id"))
            .field("signed_at", .datetime)
            .field("created_by", .uuid, .references("users", "id"))
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "project_id", "shift_date", "shift_name")
            .create()
        try await sql.create(index: "duty_logs_day_idx").on("duty_logs").column("project_id").column("shift_date").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("duty_logs").delete()
    }
}
