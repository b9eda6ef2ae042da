import Fluent
import SQLKit

/// 服务评价 (issue 19 point 8): one rating per person per order of the supplier's service, 1–5 stars; the scorecard
/// reads a supplier's ratings by the day they were given.
struct CreateSupplierServiceRatings: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("supplier_service_ratings")
            .id()
            .field("supplier_id", .uuid, .required, .references("suppliers", "id", onDelete: .cascade))
            .field("order_id", .uuid, .required, .references("purchase_orders", "id", onDelete: .cascade))
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("stars", .int, .required)
            .field("comment", .string, .required)
            .field("rated_by", .uuid, .required)
            .field("rated_at", .datetime, .required)
            .unique(on: "order_id", "rated_by")
            .create()
        try await db.sql.create(index: "supplier_service_ratings_supplier_idx").on("supplier_service_ratings").column("supplier_id").column("rated_at").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("supplier_service_ratings").delete()
    }
}
