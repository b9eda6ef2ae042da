import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import NIOCore
import OpenAPIVapor
import SQLKit
import Vapor

/// The composition root: configures `app` from `config` (database, migrations,
/// middleware, routes). The `estate` command and every test call this.
public func buildApplication(_ app: Application, _ config: AppConfiguration, now: @escaping @Sendable () -> Date = { Date() }) async throws {
    app.logger.logLevel = config.logLevel
    app.http.server.configuration.hostname = config.hostname
    app.http.server.configuration.port = config.port
    app.routes.defaultMaxBodySize = "2mb"

    // Storage.
    let engine: Store.Engine
    switch config.storage {
    case .sqlite(let path):
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        app.databases.use(.sqlite(.file(path), maxConnectionsPerEventLoop: config.sqlitePoolPerLoop, sqlLogLevel: .debug), as: .sqlite)
        engine = .sqlite
    case .sqliteTemporary:
        app.databases.use(.sqlite(.memory, sqlLogLevel: .debug), as: .sqlite)
        engine = .sqlite
    case .postgres(let url):
        var pg = try SQLPostgresConfiguration(url: url)
        pg.searchPath = nil
        app.databases.use(.postgres(configuration: pg, maxConnectionsPerEventLoop: config.postgresPoolPerLoop,
                                    connectionPoolTimeout: .seconds(Int64(config.postgresPoolTimeout)), sqlLogLevel: .debug), as: .psql)
        engine = .postgres
    }
    if engine == .sqlite {
        try await SQLitePragmas.applyToFile(app.db as! any SQLDatabase)
    }
    app.migrations.add(Migrations.all)

    // Services, built once.
    let master = try Keyring.loadMaster(configured: config.secretKey, dataDirectory: config.dataDirectory, logger: app.logger)
    let keyring = Keyring(master: master)
    let appRef = app
    let unitEvents = UnitEventHub(engine: engine, logger: app.logger, now: now, database: { appRef.db })
    let services = AppServices(
        config: config, engine: engine, catalog: try Catalog.load(), keyring: keyring,
        hasher: try PasswordHasher(pepper: keyring.passwordPepper, cost: config.bcryptCost, threadPool: app.threadPool),
        contract: try APIContract.load(), metrics: AppMetrics(), writeGate: WriteGate(),
        selectionGate: SelectionGate(maxWait: config.openingQueueWait),
        imports: ImportGate(limit: config.maxConcurrentImports), unitEvents: unitEvents,
        principals: PrincipalCache(engine: engine, logger: app.logger), now: now,
        notificationGateway: configuredNotificationGateway(config, app))
    app.services = services
    app.lifecycle.use(services.imports)
    if case .postgres(let url) = config.storage {
        let listenTo = try SQLPostgresConfiguration(url: url).coreConfiguration
        unitEvents.startListening(configuration: listenTo, eventLoop: app.eventLoopGroup.any())
        services.principals.startListening(configuration: listenTo, eventLoop: app.eventLoopGroup.any())
        services.callCentreEvents.startListening(configuration: listenTo, eventLoop: app.eventLoopGroup.any(), logger: app.logger)
        services.openingEvents.startListening(configuration: listenTo, eventLoop: app.eventLoopGroup.any(), logger: app.logger)
    }
    if let address = config.metricsAddress { app.lifecycle.use(MetricsListener(host: address.host, port: address.port)) }
    app.lifecycle.use(BackgroundJobs(runsJobs: config.runsJobs, interval: config.jobInterval, outboxInterval: config.outboxInterval))

    if config.autoMigrate { try await app.autoMigrate() }

    // Middleware, outermost first. Vapor's default ErrorMiddleware is replaced by ours.
    app.middleware = Middlewares()
    app.middleware.use(RequestLogMiddleware())
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(MetricsMiddleware(metrics: services.metrics))
    app.middleware.use(ProblemMiddleware(catalog: services.catalog))
    app.middleware.use(SessionAuthenticator())
    app.middleware.use(CSRFMiddleware())

    try registerRoutes(app)
}

/// Creates the first administrator when there are no users; prints the password once.
public func bootstrapFirstAdmin(_ app: Application) async throws {
    let users = app.services.users(app.db)
    if let password = try await users.bootstrapAdmin(password: app.services.config.initialAdminPassword) {
        // Printed, not logged: log files outlive terminals.
        print("""
            ────────────────────────────────────────────────
             First start: created user "admin" with password
                 \(password)
             It is shown only this once. Sign in and change it.
            ────────────────────────────────────────────────
            """)
    }
}
