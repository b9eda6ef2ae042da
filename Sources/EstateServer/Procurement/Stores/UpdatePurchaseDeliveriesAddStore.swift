import Fluent

/// A delivery names the site store it goes into by id (its stock-in defaults to it), not only by a typed name.
struct UpdatePurchaseDeliveriesAddStore: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("purchase_deliveries").field("store_id", .uuid).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("purchase_deliveries").deleteField("store_id").update()
    }
}
