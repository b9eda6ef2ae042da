import Foundation
import Logging
import NIOCore
import PostgresNIO

/// One PostgreSQL LISTEN on a dedicated connection that reconnects with back-off. `connected`
/// runs each time it (re)connects: notifications sent while it was away are lost, so the
/// listener's owner starts clean.
enum PostgresChannel {
    static func listen(_ channel: String, configuration: PostgresConnection.Configuration, eventLoop: any EventLoop, logger: Logger,
                       connected: @escaping @Sendable () -> Void, received: @escaping @Sendable (String) -> Void) -> Task<Void, Never> {
        Task {
            var delay: Duration = .milliseconds(250)
            while !Task.isCancelled {
                do {
                    let conn = try await PostgresConnection.connect(on: eventLoop, configuration: configuration, id: 1, logger: logger)
                    defer { Task { try? await conn.close() } }
                    try await conn.listen(on: channel) { notifications in
                        connected()
                        delay = .milliseconds(250)
                        for try await n in notifications { received(n.payload) }
                    }
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("\(channel) listener lost its connection; retrying in \(delay): \(String(reflecting: error))")
                }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(15))
            }
        }
    }
}
