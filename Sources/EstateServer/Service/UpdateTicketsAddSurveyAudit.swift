import FluentKit
import SQLKit

/// 勘察 and 稽查 (issue 16): a repair found by a survey names the survey, an audit names the
/// repair it checks (`related_ticket_id`); the audit's score (1–5) is kept on the audit.
struct UpdateTicketsAddSurveyAudit: AsyncMigration {
    func prepare(on db: any Database) async throws {
        // One column a statement: SQLite adds one at a time.
        try await db.schema("tickets").field("related_ticket_id", .uuid).update()
        try await db.schema("tickets").field("audit_score", .int).update()
        try await (db as! any SQLDatabase).create(index: "tickets_related_idx").on("tickets").column("related_ticket_id").run()
    }

    func revert(on db: any Database) async throws {
        try await (db as! any SQLDatabase).drop(index: "tickets_related_idx").run()
        try await db.schema("tickets").deleteField("audit_score").update()
        try await db.schema("tickets").deleteField("related_ticket_id").update()
    }
}
