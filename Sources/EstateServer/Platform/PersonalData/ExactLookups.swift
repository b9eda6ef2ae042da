import EstateCore
import FluentKit
import Foundation
import SQLKit

/// Exact look-ups by a full mobile or identity number (个人信息保护法). A hit proves the full
/// value, which is more than a mask shows, so each look-up is logged (who, which kind, how many
/// hits — never the value) and a user gets at most `perHour` of them; the first refusal in an
/// hour alerts the project's managers. Issue 13: a masked ID number was recovered in 16 s by
/// trying birth dates against the exact search.
public struct ExactLookups: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let perHour: Int
    /// One look-up per user at a time in this process, queued in memory, so a burst from one user
    /// waits here instead of holding pool connections behind the database lock.
    var gate: KeyedGate?
    public static let defaultPerHour = 30
    static let action = "personal_data.exact_search"
    static let limitedAction = "personal_data.exact_search_limited"

    public enum Kind: String, Sendable { case mobile, idNumber = "id_number" }

    /// Runs `search` as one exact look-up by `user` on `projectID`: counts the user's look-ups of
    /// the last hour and writes this one's audit line in one transaction (serialised per user,
    /// so parallel requests cannot slip past the limit together). Over the limit, nothing is
    /// searched, the refusal is logged, and the caller gets 429 `search_rate_limited`.
    public func run<T: Sendable>(_ kind: Kind, on projectID: UUID, context: AuditContext, where what: String,
                                 _ search: @escaping @Sendable (any SQLDatabase) async throws -> (T, hits: Int)) async throws -> T {
        guard let userID = context.actorID else { throw Problem.unauthenticated }
        guard let gate else { return try await counted(kind, on: projectID, userID: userID, context: context, where: what, search) }
        await gate.acquire(userID)
        do {
            let result = try await counted(kind, on: projectID, userID: userID, context: context, where: what, search)
            await gate.release(userID)
            return result
        } catch {
            await gate.release(userID)
            throw error
        }
    }

    /// The look-up itself: limit, search and audit line in one transaction under the per-user lock.
    private func counted<T: Sendable>(_ kind: Kind, on projectID: UUID, userID: UUID, context: AuditContext, where what: String,
                                      _ search: @escaping @Sendable (any SQLDatabase) async throws -> (T, hits: Int)) async throws -> T {
        let now = now()
        let engine = store.engine
        let outcome: T? = try await store.write { tx in
            let sql = tx.sql
            if engine == .postgres {
                try await sql.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: "exact_search:" + userID.uuidString)))").run()
            }
            guard try await Self.count(Self.action, by: userID, since: now.addingTimeInterval(-3600), on: sql) < perHour else { return nil }
            let (result, hits) = try await search(sql)
            try await AuditLog.record(AuditEntry(action: Self.action, entity: "customer", projectID: projectID,
                                                 summary: "exact search by \(kind.rawValue) (\(what)): \(hits) hit\(hits == 1 ? "" : "s")",
                                                 after: ["kind": kind.rawValue, "hits": "\(hits)", "where": what]),
                                      context: context, at: now, on: tx)
            return result
        }
        if let outcome { return outcome }
        try await refuse(kind, on: projectID, userID: userID, context: context, at: now)
        throw Problem(.tooManyRequests, "search_rate_limited", arguments: ["max": "\(perHour)"], headers: ["Retry-After": "3600"])
    }

    /// Logs the refusal; the first one of the hour also queues an SMS to the project's managers.
    private func refuse(_ kind: Kind, on projectID: UUID, userID: UUID, context: AuditContext, at now: Date) async throws {
        let engine = store.engine
        try await store.write { tx in
            let sql = tx.sql
            if engine == .postgres {
                // The same per-user lock as the look-up: two refusals at once (two servers) alert once.
                try await sql.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: "exact_search:" + userID.uuidString)))").run()
            }
            let first = try await Self.count(Self.limitedAction, by: userID, since: now.addingTimeInterval(-3600), on: sql) == 0
            try await AuditLog.record(AuditEntry(action: Self.limitedAction, entity: "user", entityID: userID.uuidString, projectID: projectID,
                                                 summary: "exact searches by \(kind.rawValue) refused: more than \(perHour) in an hour"
                                                     + (first ? "; managers alerted" : ""),
                                                 outcome: .denied),
                                      context: context, at: now, on: tx)
            guard first else { return }
            let managers = try await StaffDirectory.mobiles(of: [.salesManager, .csManager], on: projectID, sql: sql)
            for m in managers where MobileNumber.isValid(m) {
                try await Outbox.enqueue(OutboxDraft(channel: .sms, recipient: m, template: "security.search_limit",
                                                     params: ["user": context.actorName, "max": "\(perHour)"],
                                                     projectID: projectID, reference: "user:\(userID)"), now: now, on: sql)
            }
        }
    }

    static func count(_ action: String, by userID: UUID, since: Date, on sql: any SQLDatabase) async throws -> Int {
        struct N: Decodable { var n: Int }
        return try await sql.raw("""
            SELECT COUNT(*) AS n FROM audit_log WHERE action = \(bind: action) AND actor_id = \(bind: userID) AND at > \(bind: since)
            """).first(decoding: N.self)?.n ?? 0
    }
}

/// A mutex per key (a user), in memory: waiters queue in order.
actor KeyedGate {
    private var busy: Set<UUID> = []
    private var waiters: [UUID: [CheckedContinuation<Void, Never>]] = [:]

    func acquire(_ key: UUID) async {
        guard busy.contains(key) else { busy.insert(key); return }
        await withCheckedContinuation { waiters[key, default: []].append($0) }
    }

    func release(_ key: UUID) {
        guard var queue = waiters[key], !queue.isEmpty else { busy.remove(key); return }
        let next = queue.removeFirst()
        waiters[key] = queue.isEmpty ? nil : queue
        next.resume()
    }
}

/// The per-user look-up above counts audit lines by action, actor and time.
struct CreateAuditActorIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.sql.create(index: "audit_log_action_actor_at_idx").on("audit_log")
            .column("action").column("actor_id").column("at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql.drop(index: "audit_log_action_actor_at_idx").run()
    }
}
