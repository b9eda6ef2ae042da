import EstateCore
import FluentKit
import SQLKit

/// Channels (渠道), their cooperation agreements per project, their brokers, the 报备 rules per
/// project and channel kind (versioned), and registrations (报备) with their verdicts.
struct CreateChannels: AsyncMigration {
    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await db.schema("channels")
            .id()
            .field("name", .string, .required)
            .field("kind", .string, .required)
            .field("contact_name", .string, .required)
            .field("contact_mobile", .string)
            .field("note", .string, .required)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "name")
            .create()

        // 合作协议: a channel may register customers of a project only within its dates.
        try await db.schema("channel_agreements")
            .id()
            .field("channel_id", .uuid, .required, .references("channels", "id", onDelete: .cascade))
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("starts_on", .string, .required)
            .field("ends_on", .string, .required)
            .field("terms", .string, .required)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .create()
        try await sql.create(index: "channel_agreements_idx").on("channel_agreements").column("channel_id").column("project_id").run()

        // A broker (经纪人) is a user of one channel.
        try await db.schema("channel_brokers")
            .id()
            .field("channel_id", .uuid, .required, .references("channels", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("created_at", .datetime, .required)
            .unique(on: "user_id")
            .create()
        try await sql.create(index: "channel_brokers_channel_idx").on("channel_brokers").column("channel_id").run()

        // 报备规则: one row per version; the newest version of a project and kind is in force.
        try await db.schema("channel_rules")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("channel_kind", .string, .required)
            .field("version", .int, .required)
            .field("rule", .string, .required)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .unique(on: "project_id", "channel_kind", "version")
            .create()

        try await db.schema("channel_registrations")
            .id()
            .field("number", .string, .required)
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("channel_id", .uuid, .required, .references("channels", "id", onDelete: .cascade))
            .field("broker_id", .uuid, .required, .references("users", "id"))
            .field("customer_name", .string, .required)
            // The full mobile when the channel gave it (or the visit supplied it), else NULL.
            .field("mobile", .string)
            .field("masked", .string, .required)
            // What a holding registration locks: the full number, or the masked form.
            .field("lock_key", .string, .required)
            .field("status", .string, .required)
            .field("reason", .string)
            .field("rule_id", .uuid, .required, .references("channel_rules", "id"))
            .field("rule_version", .int, .required)
            // The facts and evidence as judged, and the verdict with its steps (JSON): the replay's input.
            .field("facts", .string, .required)
            .field("verdict", .string, .required)
            .field("valid_until", .datetime)
            .field("visited_at", .datetime)
            .field("visit_until", .datetime)
            .field("visit_confirmed_by", .uuid)
            .field("customer_id", .uuid)
            .field("reminded_at", .datetime)
            .field("lapsed_at", .datetime)
            .field("decided_by", .uuid)
            .field("decided_at", .datetime)
            .field("decision_note", .string)
            .field("note", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        // The first valid registration wins, enforced by the database: one holding registration
        // per project and number (报备保护 / 到访).
        let holding = RegistrationStatus.holding.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        try await sql.raw("""
            CREATE UNIQUE INDEX channel_registrations_holding_uidx ON channel_registrations (project_id, lock_key) \
            WHERE status IN (\(unsafeRaw: holding))
            """).run()
        try await sql.raw("CREATE UNIQUE INDEX channel_registrations_number_uidx ON channel_registrations (project_id, number)").run()
        try await sql.create(index: "channel_registrations_masked_idx").on("channel_registrations").column("project_id").column("masked").column("status").run()
        try await sql.create(index: "channel_registrations_list_idx").on("channel_registrations").column("project_id").column("status").column("created_at").run()
        try await sql.create(index: "channel_registrations_broker_idx").on("channel_registrations").column("broker_id").column("created_at").run()
        try await sql.create(index: "channel_registrations_due_idx").on("channel_registrations").column("status").column("valid_until").run()

        // 成交归属: one live attribution per subscription.
        try await db.schema("channel_attributions")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("registration_id", .uuid, .required, .references("channel_registrations", "id", onDelete: .cascade))
            .field("channel_id", .uuid, .required)
            .field("customer_id", .uuid, .required)
            .field("subscription_number", .string, .required)
            .field("subscribed_at", .datetime, .required)
            .field("status", .string, .required)
            .field("attributed_at", .datetime, .required)
            .field("clawed_at", .datetime)
            .create()
        try await sql.raw("""
            CREATE UNIQUE INDEX channel_attributions_live_uidx ON channel_attributions (project_id, subscription_number) WHERE status = 'attributed'
            """).run()
        try await sql.create(index: "channel_attributions_registration_idx").on("channel_attributions").column("registration_id").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("channel_attributions").delete()
        try await db.schema("channel_registrations").delete()
        try await db.schema("channel_rules").delete()
        try await db.schema("channel_brokers").delete()
        try await db.schema("channel_agreements").delete()
        try await db.schema("channels").delete()
    }
}
