@testable import EstateServer
import FluentKit
import Foundation
import FluentPostgresDriver
import SQLKit
import Vapor

/// What a test's database holds when its app starts.
enum TestData: Sendable, Hashable {
    /// Every migration run, nothing else.
    case migrated
    /// The demo company (`DemoSeeder.seed`), seeded at the time a fresh `TestClock` shows,
    /// with the key of `AppConfiguration.testing`.
    case demo
}

/// A test's own database: a copy of a template made once per process, so each test
/// starts from the same state without running the migrations (or the demo) again.
struct TestDatabase: Sendable {
    let storage: AppConfiguration.Storage
    private let remove: @Sendable () async throws -> Void

    static func copy(of data: TestData) async throws -> TestDatabase {
        let template = try await TestTemplates.shared.template(data)
        if let base = TestTemplates.postgresURL {
            let name = "estate_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
            try await PostgresAdmin.run(base, "CREATE DATABASE \(name) TEMPLATE \(template)")
            return TestDatabase(storage: .postgres(url: PostgresAdmin.replacingDatabase(in: base, with: name))) {
                try await PostgresAdmin.run(base, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            }
        }
        let path = try TestTemplates.sqliteDirectory() + "/\(UUID().uuidString).sqlite"
        try FileManager.default.copyItem(atPath: template, toPath: path)
        return TestDatabase(storage: .sqlite(path: path)) { TestTemplates.removeSQLite(path) }
    }

    func drop() async throws { try await remove() }
}

/// The demo seed found a demo in a database just migrated.
struct DemoNotSeeded: Error {}

/// Builds each template once per process. Swift Testing runs tests in parallel: the
/// first test to ask starts the build, the others await the same task.
actor TestTemplates {
    static let shared = TestTemplates()

    private var builds: [TestData: Task<String, any Error>] = [:]

    /// The seeded demo is the whole run's critical path (seeding takes ~26 s alone, twice that beside
    /// the other tests, and every demo test waits for it): a whole run starts it with its first test.
    /// A filtered run (`--filter`, `--skip`) builds it only when a test asks.
    func startDemoEarly() {
        guard builds[.demo] == nil, !Self.filtered else { return }
        // High priority: the seed is one long chain of awaits, and at default priority each of its steps
        // queues behind the jobs of every test running beside it.
        builds[.demo] = Task(priority: .high) { try await Self.make(.demo) }
    }

    static let filtered = CommandLine.arguments.contains { $0.hasPrefix("--filter") || $0.hasPrefix("--skip") }

    /// The template's database name (PostgreSQL) or file path (SQLite).
    func template(_ data: TestData) async throws -> String {
        if let build = builds[data] { return try await build.value }
        let build = Task { try await Self.make(data) }
        builds[data] = build
        return try await build.value
    }

    static let postgresURL = ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }

    private static let pid = ProcessInfo.processInfo.processIdentifier

    private static func make(_ data: TestData) async throws -> String {
        switch data {
        case .migrated:
            try await removeStale()
            return try await build("migrated", from: nil) { _ in }
        case .demo:
            let migrated = try await shared.template(.migrated)
            return try await build("demo", from: migrated) { app in
                guard try await DemoSeeder.seed(app.services, db: app.db) else { throw DemoNotSeeded() }
            }
        }
    }

    /// Builds an app on a new database (a copy of `source`, or empty), lets it migrate, runs
    /// `fill`, and leaves the result where copies are made from. The app is shut down first,
    /// so no cache or in-process state of it reaches a test.
    private static func build(_ kind: String, from source: String?, fill: (Application) async throws -> Void) async throws -> String {
        var config = AppConfiguration.testing(databaseURL: nil)
        var target: String
        if let base = postgresURL {
            target = "estate_tpl_\(pid)_\(kind)"
            try await PostgresAdmin.run(base, "DROP DATABASE IF EXISTS \(target) WITH (FORCE)")
            try await PostgresAdmin.run(base, "CREATE DATABASE \(target)" + (source.map { " TEMPLATE \($0)" } ?? ""))
            config = AppConfiguration.testing(databaseURL: PostgresAdmin.replacingDatabase(in: base, with: target))
        } else {
            target = try sqliteDirectory() + "/template-\(kind).sqlite"
            let work = try sqliteDirectory() + "/building-\(kind).sqlite"
            if let source { try FileManager.default.copyItem(atPath: source, toPath: work) }
            config.storage = .sqlite(path: work)
        }
        config.postgresPoolPerLoop = 2
        let clock = TestClock()
        let app = try await Application.make(.testing)
        do {
            try await buildApplication(app, config, now: { clock.now })
            try await fill(app)
            if case .sqlite(let work) = config.storage {
                // One self-contained file (nothing left in the WAL), safe to copy.
                try await (app.db as! any SQLDatabase).raw("VACUUM INTO \(bind: target)").run()
                try await app.asyncShutdown()
                removeSQLite(work)
                return target
            }
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
        if let base = postgresURL {
            // PostgreSQL copies a database only when no one is connected to it: end any
            // connection still closing (the board listener), and allow no new ones.
            try await PostgresAdmin.run(base, "ALTER DATABASE \(target) WITH ALLOW_CONNECTIONS false")
            try await PostgresAdmin.run(base, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(target)'")
        }
        return target
    }

    /// Per-process folder for SQLite files; in memory (/dev/shm) where there is one.
    static func sqliteDirectory() throws -> String {
        let dir = sqliteBase + "/estate-tests-\(pid)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    private static let sqliteBase: String = FileManager.default.isWritableFile(atPath: "/dev/shm")
        ? "/dev/shm" : FileManager.default.temporaryDirectory.path

    static func removeSQLite(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// Templates of test processes that have ended (there is no hook at process exit).
    private static func removeStale() async throws {
        func ended(_ name: String, prefix: String) -> Bool {
            guard name.hasPrefix(prefix), let p = Int32(name.dropFirst(prefix.count).prefix { $0.isNumber }) else { return false }
            return p == pid || (kill(p, 0) != 0 && errno == ESRCH)
        }
        if let base = postgresURL {
            for name in try await PostgresAdmin.names(base, "SELECT datname FROM pg_database WHERE datname LIKE 'estate_tpl_%'")
            where ended(name, prefix: "estate_tpl_") {
                try? await PostgresAdmin.run(base, "DROP DATABASE IF EXISTS \(name)")
            }
        } else {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: sqliteBase)) ?? [] where ended(name, prefix: "estate-tests-") {
                try? FileManager.default.removeItem(atPath: sqliteBase + "/" + name)
            }
        }
    }
}

/// How many test apps run at once. Swift Testing starts every test together; hundreds of
/// apps on two cores only wait on each other (PostgreSQL pool timeouts, ~1,000 backends),
/// so a few at a time finish sooner. `ESTATE_TEST_APPS` overrides the number.
actor TestSlots {
    static let shared = TestSlots(limit: ProcessInfo.processInfo.environment["ESTATE_TEST_APPS"].flatMap(Int.init)
        ?? max(4, ProcessInfo.processInfo.activeProcessorCount * 3))

    @TaskLocal private static var held = false
    private let limit: Int
    private var inUse = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = max(1, limit) }

    /// Runs `body` in a slot; a test app started inside another one's body shares its slot.
    nonisolated func holding(_ body: () async throws -> Void) async throws {
        if Self.held { return try await body() }
        await acquire()
        do {
            try await Self.$held.withValue(true) { try await body() }
        } catch {
            await release()
            throw error
        }
        await release()
    }

    private func acquire() async {
        if inUse < limit { inUse += 1; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty { inUse -= 1 } else { waiting.removeFirst().resume() }
    }
}
