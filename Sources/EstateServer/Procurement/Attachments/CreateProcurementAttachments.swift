import Fluent
import SQLKit

/// Inspection photos and supplier documents (issue 19 points 1 and 6): files under the data directory's
/// `attachments/procurement`, one row each, named by their owner (an inspected delivery or a supplier).
struct CreateProcurementAttachments: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("procurement_attachments")
            .id()
            .field("owner_kind", .string, .required)
            .field("owner_id", .uuid, .required)
            .field("project_id", .uuid, .references("projects", "id", onDelete: .cascade))
            .field("title", .string, .required)
            .field("file_name", .string, .required)
            .field("content_type", .string, .required)
            .field("size_bytes", .int64, .required)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .create()
        try await db.sql.create(index: "procurement_attachments_owner_idx").on("procurement_attachments").column("owner_kind").column("owner_id").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("procurement_attachments").delete()
    }
}
