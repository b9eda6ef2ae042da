import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 客服: tickets (工单) with their log, attachments and callbacks (回访), the category tree,
/// SLA terms per project, staff mobiles for SMS, and the owners' one-time sign-in codes.
struct CreateService: AsyncMigration {
    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        // Staff are told of assignments and escalations by SMS.
        try await db.schema("users").field("mobile", .string).update()

        try await db.schema("ticket_categories")
            .id()
            // Null: the company's tree, shared by every project.
            .field("project_id", .uuid, .references("projects", "id", onDelete: .cascade))
            .field("parent_id", .uuid, .references("ticket_categories", "id"))
            .field("name", .string, .required)
            .field("sort_order", .int, .required)
            .field("active", .bool, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await sql.create(index: "ticket_categories_parent_idx").on("ticket_categories").column("parent_id").run()

        try await db.schema("tickets")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("number", .string, .required)
            .field("kind", .string, .required)
            .field("channel", .string, .required)
            .field("category_id", .uuid, .references("ticket_categories", "id"))
            .field("severity", .string, .required)
            .field("status", .string, .required)
            .field("title", .string, .required)
            .field("description", .string, .required)
            .field("customer_id", .uuid, .references("customers", "id"))
            .field("unit_id", .uuid, .references("units", "id"))
            .field("contact_name", .string, .required)
            .field("contact_mobile", .string, .required)
            .field("department", .string)
            .field("assignee_id", .uuid, .references("users", "id"))
            .field("response_due_at", .datetime, .required)
            .field("resolve_due_at", .datetime, .required)
            .field("responded_at", .datetime)
            .field("resolved_at", .datetime)
            .field("closed_at", .datetime)
            .field("escalated_at", .datetime)
            .field("escalation_reason", .string)
            // Repairs (房修).
            .field("location", .string, .required)
            .field("component", .string)
            .field("warranty_status", .string)
            .field("warranty_last_day", .string)
            .field("chargeable", .bool, .required)
            .field("contractor", .string, .required)
            .field("cost_fen", .int64, .required)
            .field("repeat_of", .uuid)
            // Outcome.
            .field("cause", .string)
            .field("resolution", .string, .required)
            .field("reopen_count", .int, .required)
            .field("satisfaction", .int)
            .field("created_by", .uuid)
            .field("created_on", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "project_id", "number")
            .create()
        try await sql.create(index: "tickets_queue_idx").on("tickets").column("project_id").column("status").column("resolve_due_at").run()
        try await sql.create(index: "tickets_day_idx").on("tickets").column("project_id").column("created_on").run()
        try await sql.create(index: "tickets_repeat_idx").on("tickets").column("unit_id").column("component").column("created_on").run()
        try await sql.create(index: "tickets_assignee_idx").on("tickets").column("assignee_id").column("status").run()
        try await sql.create(index: "tickets_customer_idx").on("tickets").column("customer_id").run()
        // The escalation job looks only at open tickets not yet escalated.
        try await sql.raw("CREATE INDEX tickets_escalation_idx ON tickets (resolve_due_at) WHERE escalated_at IS NULL AND status <> 'closed'").run()

        try await db.schema("ticket_events")
            .id()
            .field("ticket_id", .uuid, .required, .references("tickets", "id", onDelete: .cascade))
            .field("seq", .int, .required)
            .field("action", .string, .required)
            .field("from_status", .string)
            .field("to_status", .string)
            .field("note", .string, .required)
            .field("visible_to_owner", .bool, .required)
            .field("actor_id", .uuid)
            .field("actor_name", .string, .required)
            .field("at", .datetime, .required)
            .unique(on: "ticket_id", "seq")
            .create()

        try await db.schema("ticket_attachments")
            .id()
            .field("ticket_id", .uuid, .required, .references("tickets", "id", onDelete: .cascade))
            .field("file_name", .string, .required)
            .field("content_type", .string, .required)
            .field("size", .int64, .required)
            .field("sha256", .string, .required)
            .field("stored_path", .string, .required)
            .field("visible_to_owner", .bool, .required)
            .field("uploaded_by", .uuid)
            .field("uploaded_by_name", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await sql.create(index: "ticket_attachments_ticket_idx").on("ticket_attachments").column("ticket_id").run()

        try await db.schema("ticket_callbacks")
            .id()
            .field("ticket_id", .uuid, .required, .references("tickets", "id", onDelete: .cascade))
            .field("satisfaction", .int, .required)
            .field("solved", .bool, .required)
            .field("note", .string, .required)
            .field("by_id", .uuid)
            .field("by_name", .string, .required)
            .field("by_owner", .bool, .required)
            .field("on_day", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await sql.create(index: "ticket_callbacks_ticket_idx").on("ticket_callbacks").column("ticket_id").run()

        try await db.schema("sla_terms")
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("severity", .string, .required)
            .field("response_minutes", .int, .required)
            .field("resolve_minutes", .int, .required)
            .field("updated_by", .uuid)
            .field("updated_at", .datetime, .required)
            .unique(on: "project_id", "kind", "severity")
            .create()

        // The owner's page: one-time codes (kept hashed) and sessions.
        try await db.schema("owner_codes")
            .id()
            .field("mobile", .string, .required)
            .field("code_hash", .string, .required)
            .field("attempts", .int, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .create()
        try await sql.create(index: "owner_codes_mobile_idx").on("owner_codes").column("mobile").column("created_at").run()
        try await db.schema("owner_sessions")
            .id()
            .field("token_hash", .string, .required)
            .field("mobile", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()

        try await Self.seedCategories(on: sql)
    }

    /// The company's starting tree (DOMAIN §4); staff add to it and retire branches.
    static let defaultTree: [(String, [String])] = [
        ("工程质量", ["渗漏", "开裂", "门窗", "水电", "墙地面", "设备设施", "其他质量问题"]),
        ("销售承诺", ["景观配套", "交付标准", "学区与配套"]),
        ("物业服务", ["保洁绿化", "安全秩序", "收费"]),
        ("产权办理", []),
        ("合同", ["面积差", "延期交付", "条款争议"]),
        ("咨询建议", []),
    ]

    static func seedCategories(on sql: any SQLDatabase) async throws {
        let now = Date()
        for (i, (name, children)) in defaultTree.enumerated() {
            let parent = UUID()
            try await sql.insert(into: "ticket_categories").columns("id", "project_id", "parent_id", "name", "sort_order", "active", "created_at")
                .values(SQLBind(parent), SQLLiteral.null, SQLLiteral.null, SQLBind(name), SQLBind(i), SQLBind(true), SQLBind(now)).run()
            for (j, child) in children.enumerated() {
                try await sql.insert(into: "ticket_categories").columns("id", "project_id", "parent_id", "name", "sort_order", "active", "created_at")
                    .values(SQLBind(UUID()), SQLLiteral.null, SQLBind(parent), SQLBind(child), SQLBind(j), SQLBind(true), SQLBind(now)).run()
            }
        }
    }

    func revert(on db: any Database) async throws {
        for table in ["owner_sessions", "owner_codes", "sla_terms", "ticket_callbacks", "ticket_attachments", "ticket_events", "tickets", "ticket_categories"] {
            try await db.schema(table).delete()
        }
        try await db.schema("users").deleteField("mobile").update()
    }
}
