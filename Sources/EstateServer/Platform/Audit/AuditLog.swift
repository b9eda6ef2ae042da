import FluentKit
import Foundation
import SQLKit

/// Who is acting, for the audit line: a signed-in user, or the system (CLI, demo seeding, jobs).
public struct AuditContext: Sendable {
    public var actorID: UUID?
    public var actorName: String
    public var requestID: String?
    public var ip: String?
    /// The session the actor is using, when there is one.
    public var sessionID: UUID?

    public init(actorID: UUID?, actorName: String, requestID: String?, ip: String?, sessionID: UUID? = nil) {
        self.actorID = actorID
        self.actorName = actorName
        self.requestID = requestID
        self.ip = ip
        self.sessionID = sessionID
    }

    /// The `estate` command or a background job.
    public static func system(_ name: String = "system") -> AuditContext {
        AuditContext(actorID: nil, actorName: name, requestID: nil, ip: nil)
    }
}

/// What happened. `before`/`after` summarise the fields that changed; secrets
/// (passwords, tokens) are never put here.
public struct AuditEntry: Sendable {
    public enum Outcome: String, Sendable { case ok, denied, failed }

    public var action: String
    public var entity: String
    public var entityID: String?
    public var projectID: UUID?
    public var summary: String
    public var before: [String: String]?
    public var after: [String: String]?
    public var outcome: Outcome

    public init(action: String, entity: String, entityID: String? = nil, projectID: UUID? = nil, summary: String,
                before: [String: String]? = nil, after: [String: String]? = nil, outcome: Outcome = .ok) {
        self.action = action
        self.entity = entity
        self.entityID = entityID
        self.projectID = projectID
        self.summary = summary
        self.before = before
        self.after = after
        self.outcome = outcome
    }
}

public enum AuditLog {
    /// One multi-column INSERT through SQLKit: every business write pays for this line, and Fluent's
    /// model reflection cost more than the statement itself.
    static func record(_ entry: AuditEntry, context: AuditContext, at now: Date = Date(), on db: any Database) async throws {
        try await db.sql.insert(into: AuditRecord.schema)
            .columns("id", "at", "actor_id", "actor_name", "action", "entity", "entity_id", "project_id", "summary",
                     "before", "after", "outcome", "request_id", "ip")
            .values(SQLBind(UUID()), SQLBind(now), SQLBind(context.actorID), SQLBind(context.actorName), SQLBind(entry.action),
                    SQLBind(entry.entity), SQLBind(entry.entityID), SQLBind(entry.projectID), SQLBind(String(entry.summary.prefix(500))),
                    SQLBind(entry.before.map(encode)), SQLBind(entry.after.map(encode)), SQLBind(entry.outcome.rawValue),
                    SQLBind(context.requestID), SQLBind(context.ip))
            .run()
    }

    /// A line that goes with no change (a failed sign-in, a denied request): its own write.
    static func recordAlone(_ entry: AuditEntry, context: AuditContext, store: Store) async throws {
        try await store.write { tx in try await record(entry, context: context, on: tx) }
    }

    private static func encode(_ fields: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(fields), as: UTF8.self)) ?? "{}"
    }

    static func decode(_ s: String?) -> [String: String] {
        guard let s, let d = s.data(using: .utf8) else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: d)) ?? [:]
    }
}
