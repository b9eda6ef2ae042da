import Fluent
import SQLKit

/// 退货 and 仓库 (issue 19 point 6): returns of rejected goods to the supplier, one record per return of a delivery line
/// (partial returns add up to at most what inspection rejected); site stores per project with a balance per material and
/// unit, and the ledger of movements — in from an inspected delivery's accepted quantity (once per delivery line, the
/// unique `delivery_line_id`), out as an issue to a purpose with who received it.
struct CreateProcurementStores: AsyncMigration {
    func prepare(on db: any Database) async throws {
        let sql = db.sql
        try await db.schema("purchase_returns")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("delivery_id", .uuid, .required, .references("purchase_deliveries", "id", onDelete: .cascade))
            .field("delivery_line_id", .uuid, .required, .references("purchase_delivery_lines", "id", onDelete: .cascade))
            .field("quantity_milli", .int64, .required)
            .field("reason", .string, .required)
            .field("returned_on", .string, .required)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .create()
        try await sql.create(index: "purchase_returns_delivery_idx").on("purchase_returns").column("delivery_id").run()
        try await db.schema("site_stores")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .unique(on: "project_id", "name")
            .create()
        try await db.schema("site_store_balances")
            .id()
            .field("store_id", .uuid, .required, .references("site_stores", "id", onDelete: .cascade))
            .field("material", .string, .required)
            .field("unit", .string, .required)
            .field("balance_milli", .int64, .required)
            .unique(on: "store_id", "material", "unit")
            .create()
        try await db.schema("site_store_movements")
            .id()
            .field("store_id", .uuid, .required, .references("site_stores", "id", onDelete: .cascade))
            .field("material", .string, .required)
            .field("unit", .string, .required)
            .field("kind", .string, .required)
            .field("quantity_milli", .int64, .required)
            .field("balance_milli", .int64, .required)
            .field("delivery_id", .uuid, .references("purchase_deliveries", "id"))
            .field("delivery_line_id", .uuid, .references("purchase_delivery_lines", "id"))
            .field("purpose", .string, .required)
            .field("received_by", .string, .required)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .unique(on: "delivery_line_id")
            .create()
        try await sql.create(index: "site_store_movements_store_idx").on("site_store_movements").column("store_id").column("created_at").run()
        try await sql.create(index: "site_store_movements_delivery_idx").on("site_store_movements").column("delivery_id").run()
    }

    func revert(on db: any Database) async throws {
        for table in ["site_store_movements", "site_store_balances", "site_stores", "purchase_returns"] {
            try await db.schema(table).delete()
        }
    }
}
