import FluentKit

/// Planned outbound work (issue 16 point 5): the agent time one follow-up (跟进) takes, beside the
/// callback's (`outbound_item_seconds`), set per project.
struct UpdateStaffingSettingsAddFollowUps: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("staffing_settings").field("followup_item_seconds", .int, .required, .sql(.default(300))).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("staffing_settings").deleteField("followup_item_seconds").update()
    }
}
