import FluentKit
import SQLKit

/// 坐席状态: each agent's state now (就绪 / 通话中 / 话后处理 / 小休 / 离线) and since when, for the
/// wallboard; set by the agent on the status page or implied by the telephony events of their calls.
struct CreateAgentStates: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("agent_states")
            .field("user_id", .uuid, .identifier(auto: false), .references("users", "id", onDelete: .cascade))
            .field("state", .string, .required)
            .field("since", .datetime, .required)
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("agent_states").delete()
    }
}
