import FluentKit
import SQLKit

/// Live claims on a unit (reservation now; subscription and contract with the sale),
/// the history of every status move, and release batches (推盘).
struct CreateSalesControl: AsyncMigration {
    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await db.schema("unit_claims")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("unit_id", .uuid, .required, .references("units", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("customer_name", .string, .required)
            .field("customer_mobile", .string, .required)
            .field("note", .string, .required)
            .field("expires_at", .datetime)
            .field("is_live", .bool, .required)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .field("ended_at", .datetime)
            .field("end_reason", .string)
            .create()
        // The database's own guarantee that a unit is never held or sold twice.
        try await sql.raw("CREATE UNIQUE INDEX unit_claims_live_uidx ON unit_claims (unit_id) WHERE is_live").run()
        try await sql.create(index: "unit_claims_expiry_idx").on("unit_claims").column("is_live").column("expires_at").run()

        try await db.schema("release_batches")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("unit_count", .int, .required)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .create()

        try await db.schema("unit_events")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("unit_id", .uuid, .required, .references("units", "id", onDelete: .cascade))
            .field("move", .string, .required)
            .field("from_status", .string, .required)
            .field("to_status", .string, .required)
            .field("reason", .string, .required)
            .field("claim_id", .uuid)
            .field("batch_id", .uuid)
            .field("actor_id", .uuid)
            .field("actor_name", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await sql.create(index: "unit_events_unit_idx").on("unit_events").column("unit_id").column("at").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("unit_events").delete()
        try await db.schema("release_batches").delete()
        try await db.schema("unit_claims").delete()
    }
}

/// Versioned price lists (价目表) with their per-unit prices, and named discount rules.
struct CreatePricing: AsyncMigration {
    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await db.schema("price_lists")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("version", .int, .required)
            .field("name", .string, .required)
            .field("note", .string, .required)
            .field("status", .string, .required)
            .field("approval_id", .uuid)
            .field("unit_count", .int, .required)
            .field("total_fen", .int64, .required)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .field("activated_at", .datetime)
            .unique(on: "project_id", "version")
            .create()
        try await db.schema("price_list_items")
            .field("price_list_id", .uuid, .required, .references("price_lists", "id", onDelete: .cascade))
            .field("unit_id", .uuid, .required, .references("units", "id", onDelete: .cascade))
            .field("unit_price", .int64, .required)
            .field("list_total", .int64, .required)
            .field("floor_price", .int64, .required)
            // The unit's prices when the list was proposed: activation skips units changed since.
            .field("old_total", .int64, .required)
            .field("old_floor", .int64, .required)
            .compositeIdentifier(over: "price_list_id", "unit_id")
            .create()
        try await db.schema("discount_rules")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("rate_permyriad", .int)
            .field("reduction_fen", .int64)
            .field("is_active", .bool, .required)
            .field("sort_order", .int, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "project_id", "name")
            .create()
        _ = sql
    }

    func revert(on db: any Database) async throws {
        try await db.schema("discount_rules").delete()
        try await db.schema("price_list_items").delete()
        try await db.schema("price_lists").delete()
    }
}

/// A project's layouts (户型): the list unit rows must name.
struct CreateLayouts: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("layouts")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("description", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "project_id", "name")
            .create()
    }

    func revert(on db: any Database) async throws { try await db.schema("layouts").delete() }
}
