import FluentKit
import SQLKit

/// 质检: the project's QA forms (a changed form is a new row; reviews keep the one they were scored on)
/// and one review per call (the unique call id makes two reviewers at once one review).
struct CreateCallQuality: AsyncMigration {
    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await db.schema("qa_forms")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("name", .string, .required)
            // The items as JSON ([QAItem]): title, weight, critical.
            .field("items", .string, .required)
            .field("active", .bool, .required)
            .field("created_by", .uuid, .references("users", "id"))
            .field("created_at", .datetime, .required)
            .create()
        try await sql.create(index: "qa_forms_project_idx").on("qa_forms").column("project_id").column("created_at").run()
        try await db.schema("qa_reviews")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("call_id", .uuid, .required, .references("calls", "id", onDelete: .cascade))
            .field("form_id", .uuid, .required, .references("qa_forms", "id"))
            .field("agent_id", .uuid, .required, .references("users", "id"))
            .field("reviewer_id", .uuid, .required, .references("users", "id"))
            // The levels (0…4) of the form's items in order, as JSON.
            .field("marks", .string, .required)
            .field("score_tenths", .int, .required)
            .field("comment", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "call_id")
            .create()
        try await sql.create(index: "qa_reviews_agent_idx").on("qa_reviews").column("agent_id").column("created_at").run()
        try await sql.create(index: "qa_reviews_project_idx").on("qa_reviews").column("project_id").column("created_at").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("qa_reviews").delete()
        try await db.schema("qa_forms").delete()
    }
}
