import FluentKit
import SQLKit

/// Customers (客户档案) and their calls and visits (来电来访).
///
/// The mobile is kept in clear (staff search it by its last four digits; pages mask it), the
/// identity number only sealed, with a keyed hash to find it by exact value and a masked copy
/// to show. Ownership: `owner_id` with `protected_until`; a lapsed customer returns to the
/// pool (公客, `owner_id` NULL). A merged-away record keeps its history and points to the
/// record it was merged into.
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
            .field("owned_since", .datetime)
            .field("protected_until", .datetime)
            .field("tags", .string, .required)
            .field("notes", .string, .required)
            .field("merged_into", .uuid)
            .field("merged_at", .datetime)
            .field("last_contact_at", .datetime)
            .field("next_follow_up_on", .string)
            .field("next_step", .string, .required)
            .field("visit_count", .int, .required)
            .field("call_count", .int, .required)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        // The same mobile in the same project is the same customer (DOMAIN §3.1), enforced by the
        // database; a merged-away record no longer counts.
        try await sql.raw("CREATE UNIQUE INDEX customers_mobile_uidx ON customers (project_id, mobile) WHERE merged_into IS NULL").run()
        // A merged-away record's mobile still finds the record it went into.
        try await sql.raw("CREATE INDEX customers_merged_mobile_idx ON customers (project_id, mobile) WHERE merged_into IS NOT NULL").run()
        try await sql.create(index: "customers_suffix_idx").on("customers").column("project_id").column("mobile_suffix").run()
        try await sql.create(index: "customers_id_lookup_idx").on("customers").column("project_id").column("id_lookup").run()
        try await sql.create(index: "customers_owner_idx").on("customers").column("project_id").column("owner_id").column("next_follow_up_on").run()
        try await sql.create(index: "customers_name_idx").on("customers").column("project_id").column("name").run()
        try await sql.create(index: "customers_merged_idx").on("customers").column("merged_into").run()
        try await sql.create(index: "customers_protection_idx").on("customers").column("protected_until").run()

        try await db.schema("customer_contacts")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("customer_id", .uuid, .required, .references("customers", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("call_direction", .string)
            .field("visit_kind", .string)
            .field("party_size", .int)
            .field("consultant_id", .uuid, .references("users", "id", onDelete: .setNull))
            .field("occurred_at", .datetime, .required)
            .field("interests", .string, .required)
            .field("notes", .string, .required)
            .field("next_step", .string, .required)
            .field("next_follow_up_on", .string)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .create()
        try await sql.create(index: "customer_contacts_customer_idx").on("customer_contacts").column("customer_id").column("occurred_at").run()

        // The protection period (保护期) is a project setting: days since the owner's last follow-up.
        try await sql.alter(table: "projects").column("customer_protection_days", type: .int, .default(SQLLiteral.numeric("30")), .notNull).run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("customer_contacts").delete()
        try await db.schema("customers").delete()
        try await (db as! any SQLDatabase).alter(table: "projects").dropColumn("customer_protection_days").run()
    }
}
