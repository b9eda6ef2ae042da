import EstateCore
import FluentKit
import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import SQLKit

/// What a request needs of its session, copied out of the row (a Fluent model is not shared
/// between requests).
struct SessionInfo: Sendable, Equatable {
    var id: UUID
    var userID: UUID
    var kind: AuthSessionRecord.Kind
    var csrfToken: String?
    var lastSeenAt: Date
    var expiresAt: Date

    init(_ r: AuthSessionRecord) {
        id = r.id!
        userID = r.userID
        kind = AuthSessionRecord.Kind(rawValue: r.kind) ?? .api
        csrfToken = r.csrfToken
        lastSeenAt = r.lastSeenAt
        expiresAt = r.expiresAt
    }
}

/// The session and principal behind a token, kept for a short while so an authenticated request
/// does not read the session, the user and the grants each time (three queries per request).
///
/// Whatever could make a cached answer wrong drops the user's entries: sign-out, revoking
/// sessions, disabling, a password reset, a grant or its revocation, a new display name. The
/// change calls `announce` inside its transaction and `committed` after it; other server
/// processes hear of it through PostgreSQL LISTEN/NOTIFY (on SQLite one process owns the file).
/// A read that started before an invalidation is not stored after it (`generation`), and an
/// entry lives at most `lifetime` in case a notification was missed while reconnecting.
final class PrincipalCache: Sendable {
    static let channel = "estate_principals"
    static let lifetime: TimeInterval = 30
    /// Beyond this many live sessions in one process the cache starts over rather than grow.
    static let capacity = 20_000

    struct Entry: Sendable {
        var session: SessionInfo
        var principal: Principal
        /// The grants as `/api/v1/me` lists them (with their ids and project names).
        var grants: [UserService.GrantSummary]
        var loadedAt: Date
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var generation = 0
        /// Times the PostgreSQL listener has (re)connected.
        var connections = 0
    }

    let engine: Store.Engine
    let logger: Logger
    private let state = NIOLockedValueBox(State())
    private let listener: NIOLockedValueBox<Task<Void, Never>?> = .init(nil)

    init(engine: Store.Engine, logger: Logger) {
        self.engine = engine
        self.logger = logger
    }

    // MARK: Reading

    /// The entry for a token digest while it is young enough.
    func entry(_ digest: String, now: Date) -> Entry? {
        state.withLockedValue { s in
            guard let e = s.entries[digest] else { return nil }
            guard now.timeIntervalSince(e.loadedAt) < Self.lifetime, now >= e.loadedAt else {
                s.entries.removeValue(forKey: digest)
                return nil
            }
            return e
        }
    }

    /// Taken before reading the database; `store` keeps the result only if nothing was invalidated since.
    var generation: Int { state.withLockedValue { $0.generation } }

    func store(_ digest: String, _ entry: Entry, readAt generation: Int) {
        state.withLockedValue { s in
            guard s.generation == generation else { return }
            if s.entries.count >= Self.capacity { s.entries.removeAll(keepingCapacity: true) }
            s.entries[digest] = entry
        }
    }

    func touched(_ digest: String, at date: Date) {
        state.withLockedValue { s in s.entries[digest]?.session.lastSeenAt = date }
    }

    func forget(_ digest: String) {
        _ = state.withLockedValue { $0.entries.removeValue(forKey: digest) }
    }

    // MARK: Invalidating

    /// Inside the changing transaction: on PostgreSQL the NOTIFY is part of it, so other processes
    /// drop the user's entries only if it commits.
    func announce(user userID: UUID, on tx: any Database) async throws {
        guard engine == .postgres else { return }
        try await tx.sql.raw("SELECT pg_notify(\(bind: Self.channel), \(bind: userID.uuidString))").run()
    }

    /// After the commit, in this process.
    func committed(user userID: UUID) {
        state.withLockedValue { s in
            s.generation += 1
            s.entries = s.entries.filter { $0.value.session.userID != userID }
        }
    }

    func forgetEveryone() {
        state.withLockedValue { s in
            s.generation += 1
            s.entries.removeAll()
        }
    }

    var count: Int { state.withLockedValue { $0.entries.count } }
    var listenerConnections: Int { state.withLockedValue { $0.connections } }

    // MARK: PostgreSQL listener

    func startListening(configuration: PostgresConnection.Configuration, eventLoop: any EventLoop) {
        let task = PostgresChannel.listen(Self.channel, configuration: configuration, eventLoop: eventLoop, logger: logger,
                                          connected: { [weak self] in
            self?.state.withLockedValue { $0.connections += 1 }
            self?.forgetEveryone()
        },
                                          received: { [weak self] payload in
            guard let self else { return }
            if let id = UUID(uuidString: payload) { self.committed(user: id) } else { self.forgetEveryone() }
        })
        listener.withLockedValue { $0 = task }
    }

    func shutdown() {
        listener.withLockedValue { $0?.cancel() }
    }
}

extension Store {
    /// A change to a user's sessions, account or grants, its audit line and the cache's
    /// invalidation: announced in the transaction, applied here after the commit.
    func audited<T: Sendable>(_ context: AuditContext, forgetting userID: UUID, in cache: PrincipalCache,
                              _ body: @escaping @Sendable (any Database) async throws -> (T, AuditEntry)) async throws -> T {
        do {
            let result = try await audited(context) { tx -> (T, AuditEntry) in
                let r = try await body(tx)
                try await cache.announce(user: userID, on: tx)
                return r
            }
            cache.committed(user: userID)
            return result
        } catch {
            // The change did not happen; dropping the entries anyway costs one read.
            cache.committed(user: userID)
            throw error
        }
    }
}
