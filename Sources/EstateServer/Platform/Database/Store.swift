import FluentKit
import NIOConcurrencyHelpers
import Foundation
import SQLKit

/// Database access for services: reads go straight to the pool; writes go
/// through `write`, which on SQLite queues them one at a time inside the app
/// (PERFORMANCE.md: several SQLite writers are no faster and end in "database
/// is locked") and on PostgreSQL is a plain transaction.
public struct Store: Sendable {
    public enum Engine: String, Sendable { case sqlite, postgres }

    public let db: any Database
    public let engine: Engine
    let writeGate: WriteGate

    public var sql: any SQLDatabase { db as! any SQLDatabase }

    /// Runs `body` in one transaction (queued behind other writers on SQLite).
    public func write<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        switch engine {
        case .postgres:
            return try await db.transaction(body)
        case .sqlite:
            return try await writeGate.run {
                try await db.withConnection { conn in
                    // Per-connection settings, robust to a pool reconnect: one question per write, the
                    // three settings only on a connection that has not had them yet.
                    let sql = conn as! any SQLDatabase
                    try await SQLitePragmas.ensurePerConnection(sql)
                    guard Self.bulkLoading else { return try await conn.transaction(body) }
                    // A bulk load commits thousands of small transactions: without an fsync each (the WAL is
                    // synced at its checkpoints) the demo seeds on disk in CPU time, not in fsyncs.
                    try await sql.raw("PRAGMA synchronous = NORMAL").run()
                    do {
                        let result = try await conn.transaction(body)
                        try await sql.raw("PRAGMA synchronous = FULL").run()
                        return result
                    } catch {
                        try? await sql.raw("PRAGMA synchronous = FULL").run()
                        throw error
                    }
                }
            }
        }
    }

    /// Set while a bulk load runs (the demo seed): SQLite commits its writes with synchronous=NORMAL, which in
    /// WAL mode may lose the last transactions on power loss but never corrupts the file; a demo cut
    /// short is seeded again. Every other write keeps synchronous=FULL.
    @TaskLocal public static var bulkLoading = false

    /// A change and its audit line in one transaction: `body` must return the
    /// audit entry, so a change without its line cannot be written.
    public func audited<T: Sendable>(
        _ context: AuditContext,
        _ body: @escaping @Sendable (any Database) async throws -> (T, AuditEntry)
    ) async throws -> T {
        try await write { tx in
            let (result, entry) = try await body(tx)
            try await AuditLog.record(entry, context: context, on: tx)
            return result
        }
    }
}

/// A FIFO async mutex: one SQLite writer at a time, others wait without blocking a thread.
final class WriteGate: Sendable {
    private struct State {
        var busy = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = NIOLockedValueBox(State())

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let enter = state.withLockedValue { s in
                if s.busy { s.waiters.append(c); return false }
                s.busy = true
                return true
            }
            if enter { c.resume() }
        }
        defer {
            let next = state.withLockedValue { s -> CheckedContinuation<Void, Never>? in
                if s.waiters.isEmpty { s.busy = false; return nil }
                return s.waiters.removeFirst()
            }
            next?.resume()
        }
        return try await body()
    }

    /// Writers waiting for their turn (tests wait for a request to queue).
    var waiting: Int { state.withLockedValue { $0.waiters.count } }
}

/// SQLite settings we choose rather than inherit.
enum SQLitePragmas {
    /// busy_timeout: wait (not fail) when another process (e.g. `estate user`) holds the lock.
    /// synchronous=FULL: NORMAL in WAL can lose the last committed sale on power loss.
    static func applyPerConnection(_ db: any SQLDatabase) async throws {
        try await db.raw("PRAGMA busy_timeout = \(unsafeRaw: String(busyTimeout))").run()
        try await db.raw("PRAGMA synchronous = FULL").run()
        try await db.raw("PRAGMA foreign_keys = ON").run()
    }

    /// Applies the per-connection settings unless this connection has them: busy_timeout is the one
    /// a fresh connection never has (SQLiteNIO installs its own busy handler instead), so asking for
    /// it tells a configured connection from a new one.
    static func ensurePerConnection(_ db: any SQLDatabase) async throws {
        struct Busy: Decodable { var timeout: Int }
        if try await db.raw("PRAGMA busy_timeout").first(decoding: Busy.self)?.timeout == busyTimeout { return }
        try await applyPerConnection(db)
    }

    static let busyTimeout = 5000

    /// WAL is a property of the file: set once, readers then never block the writer.
    static func applyToFile(_ db: any SQLDatabase) async throws {
        try await db.raw("PRAGMA journal_mode = WAL").run()
        try await applyPerConnection(db)
    }
}
