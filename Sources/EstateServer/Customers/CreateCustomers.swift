import FluentKit
import SQLKit

/// Customers (客户档案). The mobile is kept in clear (staff search it by its last four digits,
/// and lists mask it); the identity number only sealed, with a keyed hash to find it by value.
struct CreateCustomers: AsyncMigration {
    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await db.schema("customers")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("mobile", .string, .required)
            .field("mobile_suffix", .string, .required)
            .field("id_kind", .string)
            .field("id_sealed", .string)
            .field("id_lookup", .string)
            .field("id_masked", .string)
            .field("gender", .string, .required)
            .field("address", .string, .required)
            .field("source", .string, .required)
            .field("grade", .string, .required)
            .field("owner_id", .uuid, .references("users", "id", onDelete: .setNull))
            .field("tags", .string, .required)
            .field("notes", .string, .required)
            .field("merged_into", .uuid)
            .field("last_contact_at", .datetime)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        // The same mobile in the same project is the same customer (DOMAIN §3.1), enforced by the
        // database; a merged-away record no longer counts.
        try await sql.raw("CREATE UNIQUE INDEX customers_mobile_uidx ON customers (project_id, mobile) WHERE merged_into IS NULL").run()
        try await sql.create(index: "customers_suffix_idx").on("customers").column("project_id").column("mobile_suffix").run()
        try await sql.create(index: "customers_id_lookup_idx").on("customers").column("project_id").column("id_lookup").run()
        try await sql.create(index: "customers_owner_idx").on("customers").column("project_id").column("owner_id").run()
    }

    func revert(on db: any Database) async throws { try await db.schema("customers").delete() }
}
