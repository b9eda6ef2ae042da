import FluentKit

/// Teams (班组): an agent on the roster belongs to a shift lead's team, which the KPI report sums by.
struct UpdateRosterAgentsAddTeam: AsyncMigration {
    func prepare(on db: any Database) async throws {
        // The shift lead (班长) whose team the agent is in; null: no team yet.
        try await db.schema("roster_agents").field("team_lead_id", .uuid).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("roster_agents").deleteField("team_lead_id").update()
    }
}
