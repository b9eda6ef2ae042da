import Foundation
import Logging

/// Every setting of the server, read once at start-up. Precedence: command line
/// (applied by `estate`) over environment over these defaults. Each variable is
/// documented in README.md.
public struct AppConfiguration: Sendable {
    public enum Storage: Sendable, Equatable {
        /// Embedded SQLite file (the default: `./data/estate.sqlite`).
        case sqlite(path: String)
        /// A throw-away SQLite file, for tests.
        case sqliteTemporary
        /// PostgreSQL at this URL (`DATABASE_URL`).
        case postgres(url: String)
    }

    public var storage: Storage
    /// Folder for the SQLite file, the generated secret key and, later, uploads.
    public var dataDirectory: String
    public var hostname: String = "0.0.0.0"
    public var port: Int = 8080
    /// PostgreSQL connections per event loop (PERFORMANCE.md: at least 8).
    public var postgresPoolPerLoop: Int = 8
    /// SQLite connections per event loop (`ESTATE_SQLITE_POOL`) for a database file: writes still go one at a time
    /// through the app's write queue, and WAL lets the others read beside it.
    public var sqlitePoolPerLoop: Int = 4
    /// How long a request waits for a pooled connection before it fails.
    public var postgresPoolTimeout: TimeInterval = 10
    /// Master secret (32 bytes); sub-keys for password pre-hash, tokens and
    /// personal-data encryption are derived from it. Nil: read or create
    /// `<dataDirectory>/secret.key`.
    public var secretKey: [UInt8]?
    /// bcrypt cost; 12 in production, the minimum 4 in tests.
    public var bcryptCost: Int = 12
    public var sessionIdleTimeout: TimeInterval = 30 * 60
    public var sessionAbsoluteTimeout: TimeInterval = 12 * 3600
    public var apiTokenLifetime: TimeInterval = 12 * 3600
    /// Consecutive failed sign-ins that lock an account, and for how long.
    public var lockoutThreshold: Int = 5
    public var lockoutDuration: TimeInterval = 15 * 60
    /// Failed sign-ins from one address within `lockoutDuration` before it is throttled.
    public var addressThrottleThreshold: Int = 30
    /// `Secure` on cookies: nil decides per request (TLS or `X-Forwarded-Proto: https`).
    public var secureCookies: Bool?
    /// Password for the first `admin` when the database has no users; random when nil.
    public var initialAdminPassword: String?
    /// Seed the demo company on start (once).
    public var demo: Bool = false
    public var logLevel: Logger.Level = .info
    /// Run migrations when the app is built (serve and tests); `estate migrate` runs them explicitly.
    public var autoMigrate: Bool = true
    /// Background jobs (reservation expiry) run in `serve`; tests drive them by hand.
    public var runsJobs: Bool = true
    /// How often lapsed reservations are released (`ESTATE_JOB_INTERVAL_SECONDS`).
    public var jobInterval: TimeInterval = 30
    /// Largest accepted upload (unit imports), in megabytes (`ESTATE_MAX_UPLOAD_MB`).
    public var maxUploadMegabytes: Int = 20
    /// Imports (units, customers) running at once; more are answered 429 (`ESTATE_MAX_CONCURRENT_IMPORTS`).
    public var maxConcurrentImports: Int = 2
    /// SMS/e-mail provider endpoint and key (`ESTATE_SMS_URL`, `ESTATE_SMS_KEY`); nil: messages go to the log.
    public var smsGatewayURL: String?
    public var smsGatewayKey: String?
    /// How often the outbox is sent (`ESTATE_OUTBOX_INTERVAL_SECONDS`), and attempts before a message fails.
    public var outboxInterval: TimeInterval = 2
    public var outboxMaxAttempts: Int = 8
    /// Proxies whose `X-Forwarded-For` is believed (`ESTATE_TRUSTED_PROXIES`); none by default.
    public var trustedProxies: TrustedProxies = .none
    /// Where `/metrics` is served on its own listener (`ESTATE_METRICS_ADDRESS`, loopback by
    /// default); nil: no such listener (tests, or `off`).
    public var metricsAddress: (host: String, port: Int)? = ("127.0.0.1", 9464)
    /// With a token (`ESTATE_METRICS_TOKEN`), `/metrics` on the main port answers
    /// `Authorization: Bearer <token>`; without one it is not there.
    public var metricsToken: String?
    /// Exact look-ups by full mobile or ID number a user may make per hour (`ExactLookups`).
    public var exactSearchesPerHour: Int = ExactLookups.defaultPerHour
    /// How long an opening-day selection past the in-flight limit waits in line before it is turned away
    /// (`ESTATE_OPENING_QUEUE_WAIT_MS`; `SelectionLimits.queueWait` by default, 0: turned away at once).
    public var openingQueueWait: TimeInterval = SelectionLimits.queueWait
    /// The address staff reach this server at (`ESTATE_PUBLIC_URL`), for links in SMS (the 抢修单
    /// acknowledgement link); nil: this server's own host and port.
    public var publicURL: String?
    /// The key the telephony system signs call events with (`ESTATE_TELEPHONY_KEY`, at least 16
    /// characters); nil: `/api/v1/call-events` answers 503.
    public var telephonyKey: String?

    /// What links in SMS start with, without a trailing slash.
    public var publicLinkBase: String {
        if let u = publicURL { return u.hasSuffix("/") ? String(u.dropLast()) : u }
        return "http://\(hostname == "0.0.0.0" ? "127.0.0.1" : hostname):\(port)"
    }

    public init(storage: Storage, dataDirectory: String = "./data") {
        self.storage = storage
        self.dataDirectory = dataDirectory
    }

    /// Configuration for tests: a private database, fast hashing.
    public static func testing(databaseURL: String? = nil) -> AppConfiguration {
        var config = AppConfiguration(storage: databaseURL.map { .postgres(url: $0) } ?? .sqliteTemporary,
                                      dataDirectory: FileManager.default.temporaryDirectory.path)
        config.secretKey = Array(repeating: 7, count: 32)
        config.bcryptCost = 4
        config.logLevel = .warning
        config.runsJobs = false
        config.metricsAddress = nil
        // Tests race dozens of requests on a loaded 2-core machine: a wait for a connection is
        // not what they measure (a 10 s timeout failed a race test while the invariant held).
        config.postgresPoolTimeout = 120
        return config
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let variable: String
        public let reason: String
        public var description: String { "\(variable): \(reason)" }
    }

    /// Reads the environment; a malformed value throws naming the variable, so start-up
    /// stops with one clear line instead of running with a surprise.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfiguration {
        let dataDir = env["ESTATE_DATA_DIR"] ?? "./data"
        var config: AppConfiguration
        if let url = env["DATABASE_URL"], !url.isEmpty {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"), URL(string: url)?.host != nil else {
                throw Invalid(variable: "DATABASE_URL", reason: "expected postgres://user:password@host:port/database")
            }
            config = AppConfiguration(storage: .postgres(url: url), dataDirectory: dataDir)
        } else {
            config = AppConfiguration(storage: .sqlite(path: dataDir + "/estate.sqlite"), dataDirectory: dataDir)
        }
        func int(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let raw = env[name], !raw.isEmpty else { return nil }
            guard let v = Int(raw), range.contains(v) else {
                throw Invalid(variable: name, reason: "expected a whole number in \(range.lowerBound)...\(range.upperBound), got \"\(raw)\"")
            }
            return v
        }
        if let v = env["ESTATE_HOST"], !v.isEmpty { config.hostname = v }
        if let v = try int("ESTATE_PORT", 1...65535) { config.port = v }
        if let v = try int("ESTATE_DB_POOL", 1...64) { config.postgresPoolPerLoop = v }
        if let v = try int("ESTATE_SQLITE_POOL", 1...64) { config.sqlitePoolPerLoop = v }
        if let v = try int("ESTATE_BCRYPT_COST", 4...31) { config.bcryptCost = v }
        if let v = try int("ESTATE_SESSION_IDLE_MINUTES", 1...1440) { config.sessionIdleTimeout = TimeInterval(v * 60) }
        if let v = try int("ESTATE_SESSION_MAX_HOURS", 1...720) { config.sessionAbsoluteTimeout = TimeInterval(v * 3600) }
        if let v = try int("ESTATE_TOKEN_HOURS", 1...720) { config.apiTokenLifetime = TimeInterval(v * 3600) }
        if let v = try int("ESTATE_LOCKOUT_THRESHOLD", 1...100) { config.lockoutThreshold = v }
        if let v = try int("ESTATE_LOCKOUT_MINUTES", 1...1440) { config.lockoutDuration = TimeInterval(v * 60) }
        if let v = try int("ESTATE_JOB_INTERVAL_SECONDS", 1...3600) { config.jobInterval = TimeInterval(v) }
        if let v = try int("ESTATE_MAX_UPLOAD_MB", 1...512) { config.maxUploadMegabytes = v }
        if let v = try int("ESTATE_MAX_CONCURRENT_IMPORTS", 1...64) { config.maxConcurrentImports = v }
        if let v = try int("ESTATE_OUTBOX_INTERVAL_SECONDS", 1...3600) { config.outboxInterval = TimeInterval(v) }
        if let v = try int("ESTATE_OUTBOX_MAX_ATTEMPTS", 1...50) { config.outboxMaxAttempts = v }
        if let v = try int("ESTATE_EXACT_SEARCHES_PER_HOUR", 1...1_000_000) { config.exactSearchesPerHour = v }
        if let v = try int("ESTATE_OPENING_QUEUE_WAIT_MS", 0...30_000) { config.openingQueueWait = TimeInterval(v) / 1000 }
        if let raw = env["ESTATE_SMS_URL"], !raw.isEmpty {
            guard let u = URL(string: raw), ["http", "https"].contains(u.scheme?.lowercased() ?? ""), u.host != nil else {
                throw Invalid(variable: "ESTATE_SMS_URL", reason: "expected http(s)://host/path of the SMS provider")
            }
            guard let key = env["ESTATE_SMS_KEY"], !key.isEmpty else {
                throw Invalid(variable: "ESTATE_SMS_KEY", reason: "required when ESTATE_SMS_URL is set")
            }
            config.smsGatewayURL = raw
            config.smsGatewayKey = key
        }
        if let raw = env["ESTATE_PUBLIC_URL"], !raw.isEmpty {
            guard let u = URL(string: raw), ["http", "https"].contains(u.scheme?.lowercased() ?? ""), u.host != nil, u.query == nil else {
                throw Invalid(variable: "ESTATE_PUBLIC_URL", reason: "expected http(s)://host[:port][/path] staff open this server at")
            }
            config.publicURL = raw
        }
        if let raw = env["ESTATE_TELEPHONY_KEY"], !raw.isEmpty {
            guard raw.utf8.count >= 16 else { throw Invalid(variable: "ESTATE_TELEPHONY_KEY", reason: "expected at least 16 characters") }
            config.telephonyKey = raw
        }
        if let raw = env["ESTATE_SECURE_COOKIES"], !raw.isEmpty {
            switch raw.lowercased() {
            case "auto": config.secureCookies = nil
            case "true", "1", "yes": config.secureCookies = true
            case "false", "0", "no": config.secureCookies = false
            default: throw Invalid(variable: "ESTATE_SECURE_COOKIES", reason: "expected auto, true or false, got \"\(raw)\"")
            }
        }
        if let raw = env["ESTATE_SECRET_KEY"], !raw.isEmpty {
            guard let data = Data(base64Encoded: raw), data.count == 32 else {
                throw Invalid(variable: "ESTATE_SECRET_KEY", reason: "expected 32 bytes in base64 (openssl rand -base64 32)")
            }
            config.secretKey = Array(data)
        }
        if let pw = env["ESTATE_ADMIN_PASSWORD"], !pw.isEmpty {
            if let problem = Credentials.check(password: pw) {
                throw Invalid(variable: "ESTATE_ADMIN_PASSWORD", reason: problem == .tooShort ? "at least 8 characters" : "at most 256 characters")
            }
            config.initialAdminPassword = pw
        }
        if let raw = env["ESTATE_TRUSTED_PROXIES"], !raw.isEmpty {
            guard let proxies = TrustedProxies(raw) else {
                throw Invalid(variable: "ESTATE_TRUSTED_PROXIES", reason: "expected addresses or CIDR blocks, comma-separated (10.0.0.1, 172.16.0.0/12)")
            }
            config.trustedProxies = proxies
        }
        if let raw = env["ESTATE_METRICS_ADDRESS"], !raw.isEmpty {
            if raw.lowercased() == "off" {
                config.metricsAddress = nil
            } else {
                guard let colon = raw.lastIndex(of: ":"), let port = Int(raw[raw.index(after: colon)...]), (1...65535).contains(port),
                      case let host = String(raw[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), !host.isEmpty
                else { throw Invalid(variable: "ESTATE_METRICS_ADDRESS", reason: "expected host:port (127.0.0.1:9464) or off") }
                config.metricsAddress = (host, port)
            }
        }
        if let raw = env["ESTATE_METRICS_TOKEN"], !raw.isEmpty {
            guard raw.count >= 16 else { throw Invalid(variable: "ESTATE_METRICS_TOKEN", reason: "at least 16 characters") }
            config.metricsToken = raw
        }
        if let raw = env["ESTATE_LOG_LEVEL"], !raw.isEmpty {
            guard let level = Logger.Level(rawValue: raw.lowercased()) else {
                throw Invalid(variable: "ESTATE_LOG_LEVEL", reason: "expected trace, debug, info, notice, warning, error or critical")
            }
            config.logLevel = level
        }
        return config
    }

    public var isPostgres: Bool { if case .postgres = storage { true } else { false } }
}

import EstateCore
