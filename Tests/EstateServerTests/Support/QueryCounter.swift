import FluentKit
import Foundation
import Logging
import NIOConcurrencyHelpers
import Vapor

/// Counts the SQL statements a piece of code sends: both engines' drivers log each statement they
/// execute ("Executing query", at the app's `sqlLogLevel`, debug) to the logger of the database
/// handle it goes through, so a service built on `counter.database(app)` reports every statement
/// here. Reads only are reliable: a write goes through a pooled connection that may log to the
/// logger it was opened with (SQLite), so count writes by their effect (the audit line) instead.
final class QueryCounter: Sendable {
    private let box = NIOLockedValueBox<[String]>([])

    /// The statements seen so far, in the order they were sent.
    var statements: [String] { box.withLockedValue { $0 } }
    var count: Int { statements.count }
    /// The SELECTs among them: a connection's settings (PRAGMA), transaction control and writes left out.
    var reads: [String] { statements.filter { $0.trimmingCharacters(in: .whitespacesAndNewlines).uppercased().hasPrefix("SELECT") } }
    func reset() { box.withLockedValue { $0 = [] } }

    /// A handle on the app's default database that logs to this counter.
    func database(_ app: Application) -> any Database {
        let logger = Logger(label: "query-counter") { _ in Handler(counter: self) }
        return app.databases.database(logger: logger, on: app.eventLoopGroup.any())!
    }

    fileprivate func record(_ sql: String) { box.withLockedValue { $0.append(sql) } }

    private struct Handler: LogHandler {
        let counter: QueryCounter
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                 file: String, function: String, line: UInt) {
            guard message.description == "Executing query" else { return }
            counter.record(metadata?["sql"].map { "\($0)" } ?? "?")
        }
    }
}
