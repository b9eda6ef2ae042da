import ArgumentParser
import EstateCore
import EstateServer
import Foundation
import Vapor

@main
struct Estate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estate",
        abstract: "EstateDesk: sales operations and customer service for property developers.",
        subcommands: [Serve.self, Migrate.self, Demo.self, UserCommand.self, ReportsCommand.self, OpeningCommand.self],
        defaultSubcommand: Serve.self)
}

/// Builds the app from the environment (plus command-line overrides) and runs `body`, then shuts down.
func withApp(_ adjust: (inout AppConfiguration) -> Void = { _ in }, arguments: [String] = ["estate"],
             _ body: (Application) async throws -> Void) async throws {
    var config: AppConfiguration
    do {
        config = try AppConfiguration.fromEnvironment()
    } catch let error as AppConfiguration.Invalid {
        // One clear line, then stop.
        FileHandle.standardError.write(Data("estate: configuration error: \(error)\n".utf8))
        throw ExitCode(78)
    }
    adjust(&config)
    var env = Environment(name: "production", arguments: arguments)
    try LoggingSystem.bootstrap(from: &env)
    let app = try await Application.make(env)
    do {
        try await buildApplication(app, config)
        try await body(app)
    } catch {
        try? await app.asyncShutdown()
        throw error
    }
    try await app.asyncShutdown()
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the web server (migrates the database first).")

    @ArgumentParser.Option(help: "Address to listen on (ESTATE_HOST; default 0.0.0.0, 127.0.0.1 with --demo).") var hostname: String?
    @ArgumentParser.Option(help: "Port (ESTATE_PORT; default 8080).") var port: Int?
    @ArgumentParser.Flag(help: "Seed the demo company once and listen on 127.0.0.1 only.") var demo = false

    func run() async throws {
        try await withApp({ config in
            if let hostname { config.hostname = hostname }
            if let port { config.port = port }
            if demo {
                config.demo = true
                // Demo accounts share a known password: never reachable from the network.
                if hostname == nil || hostname != "127.0.0.1" { config.hostname = "127.0.0.1" }
            }
        }, arguments: ["estate", "serve"]) { app in
            let config = app.services.config
            if config.demo {
                if try await DemoSeeder.seed(app.services, db: app.db) {
                    app.logger.notice("Demo data seeded: project HXY 华熙悦府, one user per role, password \(DemoSeeder.password)")
                }
                app.logger.notice("Demo mode: listening on 127.0.0.1 only. Users: admin, general-manager, sales-manager, cs-staff, consultant, finance, … password \(DemoSeeder.password)")
            }
            try await bootstrapFirstAdmin(app)
            app.logger.notice("EstateDesk on http://\(config.hostname):\(config.port) (\(app.services.engine.rawValue))")
            try await app.execute()
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Bring the database schema up to date.")

    func run() async throws {
        try await withApp { app in
            app.logger.notice("Database is up to date (\(app.services.engine.rawValue)).")
        }
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Seed the demo company (once) into the configured database.")

    func run() async throws {
        try await withApp { app in
            let seeded = try await DemoSeeder.seed(app.services, db: app.db)
            print(seeded ? "Demo data seeded; every demo user's password is \(DemoSeeder.password)." : "Demo data is already there.")
        }
    }
}

/// Recomputes the reports' daily rows from the records, after a bulk load into the database
/// (scripts/bench/reports) or to repair them; reports are exact again when it returns.
struct ReportsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reports", abstract: "Report upkeep.",
                                                    subcommands: [Rebuild.self])

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recompute the daily report rows of every project (or --project CODE).")
        @ArgumentParser.Option(help: "Only this project (its code).") var project: String?

        func run() async throws {
            try await withApp({ $0.runsJobs = false }) { app in
                let started = Date()
                let n = try await ReportMaintenance.rebuild(projectCode: project, app: app)
                print("Rebuilt \(n) daily report rows in \(String(format: "%.1f", Date().timeIntervalSince(started))) s.")
            }
        }
    }
}
