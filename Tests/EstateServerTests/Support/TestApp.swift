import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import FluentPostgresDriver
import Testing
import Vapor
import VaporTesting

/// A clock tests move by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_790_000_000)
    var now: Date { lock.withLock { current } }
    func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
}

/// Runs `body` against a fresh app with its own database, a copy of `data`'s template
/// (`TestDatabase`): a throw-away SQLite file, or — when `DATABASE_URL` is set — a new
/// PostgreSQL database created for this test and dropped after it.
func withTestApp(_ data: TestData = .migrated, clock: TestClock = TestClock(), adjust: (inout AppConfiguration) -> Void = { _ in },
                 _ body: (Application, TestClock) async throws -> Void) async throws {
    _ = problemJSONDecoding
    var config = AppConfiguration.testing(databaseURL: TestTemplates.postgresURL)
    config.postgresPoolPerLoop = 4
    adjust(&config)
    if data == .demo {
        // The demo template was seeded at this time and encrypted with this key.
        guard clock.now == TestClock().now, config.secretKey == AppConfiguration.testing().secretKey else {
            throw TemplateMismatch()
        }
    }
    // The template is made (once) before this test takes a slot, so its build runs beside the others.
    await TestTemplates.shared.startDemoEarly()
    _ = try await TestTemplates.shared.template(data)
    try await TestSlots.shared.holding {
        let started = ContinuousClock.now
        defer { TestTimes.record(data, since: started) }
        let database = try await TestDatabase.copy(of: data)
        config.storage = database.storage
        let app = try await Application.make(.testing)
        do {
            try await buildApplication(app, config, now: { clock.now })
            // VaporTesting asks `app.responder.current` for every request, and Vapor's default builds a new
            // router of every route each time: build it once (the routes are all registered by now).
            let responder = app.responder.current
            app.responder.use { _ in responder }
            try await body(app, clock)
        } catch {
            try? await app.asyncShutdown()
            try? await database.drop()
            throw error
        }
        try await app.asyncShutdown()
        try await database.drop()
    }
}

/// With `ESTATE_TEST_TIMES=path`, each test app's time in its slot (copy, build, body, shutdown) is appended
/// to that file as `seconds<TAB>data<TAB>test`: where a suite's time goes, to sort with `sort -rn`.
enum TestTimes {
    static let path = ProcessInfo.processInfo.environment["ESTATE_TEST_TIMES"]
    private static let lock = NSLock()

    static func record(_ data: TestData, since started: ContinuousClock.Instant) {
        guard let path else { return }
        let d = ContinuousClock.now - started
        let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        let line = String(format: "%.3f", seconds) + "\t\(data)\t\(Test.current?.name ?? "?")\n"
        lock.withLock {
            if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
            guard let h = FileHandle(forWritingAtPath: path) else { return }
            h.seekToEndOfFile()
            h.write(Data(line.utf8))
            try? h.close()
        }
    }
}

/// A test asked for the demo with a clock or key it was not seeded with.
struct TemplateMismatch: Error {}

/// Lets tests read problem+json bodies with `res.content` (set once, before any test reads one).
let problemJSONDecoding: Void = {
    ContentConfiguration.global.use(decoder: JSONDecoder(), for: HTTPMediaType(type: "application", subType: "problem+json"))
}()

enum PostgresAdmin {
    static func replacingDatabase(in url: String, with name: String) -> String {
        var c = URLComponents(string: url)!
        c.path = "/" + name
        return c.string!
    }

    /// One statement on the server's maintenance connection (outside any transaction).
    static func run(_ url: String, _ sql: String) async throws {
        let config = try SQLPostgresConfiguration(url: url)
        let connection = try await PostgresConnection.connect(configuration: config.coreConfiguration, id: 1,
                                                              logger: Logger(label: "test-admin"))
        defer { Task { try? await connection.close() } }
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test-admin"))
    }

    /// The first column of each row, as text.
    static func names(_ url: String, _ sql: String) async throws -> [String] {
        let config = try SQLPostgresConfiguration(url: url)
        let connection = try await PostgresConnection.connect(configuration: config.coreConfiguration, id: 1,
                                                              logger: Logger(label: "test-admin"))
        defer { Task { try? await connection.close() } }
        var names: [String] = []
        for try await name in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test-admin")).decode(String.self) {
            names.append(name)
        }
        return names
    }
}

/// Test fixtures: users with roles, projects, sign-in helpers.
struct Fixtures {
    let app: Application

    var services: AppServices { app.services }

    @discardableResult
    func project(_ code: String, name: String = "测试项目") async throws -> UUID {
        try await services.projects(app.db).create(.init(code: code, name: name, city: "成都"), context: .system("test")).id
    }

    @discardableResult
    func user(_ username: String, password: String = "password-123", roles: [(Role, UUID?)] = []) async throws -> UUID {
        let users = services.users(app.db)
        let u = try await users.create(username: username, displayName: username.uppercased(), password: password, context: .system("test"))
        for (role, project) in roles { _ = try await users.grant(role, to: u.id, projectID: project, context: .system("test")) }
        return u.id
    }

    /// Signs in through the API and returns the bearer token.
    func token(_ username: String, password: String = "password-123") async throws -> String {
        var token = ""
        try await app.testing().test(.POST, "/api/v1/auth/login", beforeRequest: { req in
            try req.content.encode(["username": username, "password": password], as: .json)
        }, afterResponse: { res async throws in
            #expect(res.status == .ok, "sign-in of \(username): \(res.body.string)")
            token = try res.decode(Schemas.Token.self).token
        })
        return token
    }

    func auditCount(action: String) async throws -> Int {
        try await AuditRecord.query(on: app.db).filter(\.$action == action).count()
    }
}

extension HTTPHeaders {
    static func bearer(_ token: String) -> HTTPHeaders { ["Authorization": "Bearer \(token)"] }
}

/// The engine under test, for messages.
var engineName: String { ProcessInfo.processInfo.environment["DATABASE_URL"].map { $0.isEmpty ? "sqlite" : "postgres" } ?? "sqlite" }

extension Application {
    /// One in-memory request; returns the response so assertions read top to bottom.
    func call(_ method: HTTPMethod, _ path: String, headers: HTTPHeaders = [:], json: (any Encodable & Sendable)? = nil,
              body: ByteBuffer? = nil) async throws -> TestingHTTPResponse {
        var out: TestingHTTPResponse?
        try await testing().test(method, path, headers: headers, body: body, beforeRequest: { req in
            if let json { try req.content.encode(AnyEncodable(json), as: .json) }
        }, afterResponse: { res async in out = res })
        return out!
    }
}

private struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
