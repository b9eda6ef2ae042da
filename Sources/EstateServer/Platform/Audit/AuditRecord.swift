import FluentKit
import Foundation
import SQLKit

/// One line of the audit log (审计日志): who did what to which record, when, and with what result.
final class AuditRecord: Model, @unchecked Sendable {
    static let schema = "audit_log"

    @ID(key: .id) var id: UUID?
    @Field(key: "at") var at: Date
    @OptionalField(key: "actor_id") var actorID: UUID?
    @Field(key: "actor_name") var actorName: String
    @Field(key: "action") var action: String
    @Field(key: "entity") var entity: String
    @OptionalField(key: "entity_id") var entityID: String?
    @OptionalField(key: "project_id") var projectID: UUID?
    @Field(key: "summary") var summary: String
    @OptionalField(key: "before") var before: String?
    @OptionalField(key: "after") var after: String?
    @Field(key: "outcome") var outcome: String
    @OptionalField(key: "request_id") var requestID: String?
    @OptionalField(key: "ip") var ip: String?

    init() {}
}

struct CreateAuditLog: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("audit_log")
            .id()
            .field("at", .datetime, .required)
            .field("actor_id", .uuid)
            .field("actor_name", .string, .required)
            .field("action", .string, .required)
            .field("entity", .string, .required)
            .field("entity_id", .string)
            .field("project_id", .uuid)
            .field("summary", .string, .required)
            .field("before", .string)
            .field("after", .string)
            .field("outcome", .string, .required)
            .field("request_id", .string)
            .field("ip", .string)
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "audit_log_at_idx").on("audit_log").column("at").run()
        try await sql.create(index: "audit_log_project_at_idx").on("audit_log").column("project_id").column("at").run()
        try await sql.create(index: "audit_log_action_ip_at_idx").on("audit_log").column("action").column("ip").column("at").run()
        try await sql.create(index: "audit_log_entity_idx").on("audit_log").column("entity").column("entity_id").run()
    }

    func revert(on db: any Database) async throws { try await db.schema("audit_log").delete() }
}
