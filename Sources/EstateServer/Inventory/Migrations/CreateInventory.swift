import FluentKit
import SQLKit

struct CreateProjects: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("projects")
            .id()
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("city", .string, .required)
            .field("price_rounding", .string, .required)
            .field("is_active", .bool, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "code")
            .create()
    }

    func revert(on db: any Database) async throws { try await db.schema("projects").delete() }
}

struct CreateBuildingsAndUnits: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("buildings")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("sort_order", .int, .required)
            .field("floors", .int, .required)
            .field("entrances", .int, .required)
            .unique(on: "project_id", "name")
            .create()
        try await db.schema("units")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("building_id", .uuid, .required, .references("buildings", "id", onDelete: .cascade))
            .field("entrance", .int, .required)
            .field("floor", .int, .required)
            .field("room", .string, .required)
            .field("code", .string, .required)
            .field("layout", .string, .required)
            .field("orientation", .string, .required)
            .field("usage", .string, .required)
            .field("built_area", .int, .required)
            .field("inner_area", .int, .required)
            .field("pricing_basis", .string, .required)
            .field("list_unit_price", .int64, .required)
            .field("list_total", .int64, .required)
            .field("floor_price", .int64, .required)
            .field("status", .string, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "project_id", "code")
            .create()
        try await (db as! any SQLDatabase).create(index: "units_building_idx").on("units")
            .column("building_id").column("floor").run()
        try await (db as! any SQLDatabase).create(index: "units_project_status_idx").on("units")
            .column("project_id").column("status").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("units").delete()
        try await db.schema("buildings").delete()
    }
}
