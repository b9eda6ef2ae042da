import FluentKit
import Foundation

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
    static func record(_ entry: AuditEntry, context: AuditContext, at now: Date = Date(), on db: any Database) async throws {
        let line = AuditRecord()
        line.id = UUID()
        line.at = now
        line.actorID = context.actorID
        line.actorName = context.actorName
        line.action = entry.action
        line.entity = entry.entity
        line.entityID = entry.entityID
        line.projectID = entry.projectID
        line.summary = String(entry.summary.prefix(500))
        line.before = entry.before.map(encode)
        line.after = entry.after.map(encode)
        line.outcome = entry.outcome.rawValue
        line.requestID = context.requestID
        line.ip = context.ip
        try await line.create(on: db)
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
