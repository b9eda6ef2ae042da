import Foundation
import NIOConcurrencyHelpers
import Vapor

/// `/metrics` on its own listener (`ESTATE_METRICS_ADDRESS`, 127.0.0.1:9464 by default), so a
/// server listening on 0.0.0.0 does not show its request counts to the world (issue 13). A
/// small second Vapor application on the main one's event loops, with this one route.
final class MetricsListener: LifecycleHandler, Sendable {
    let host: String
    let port: Int
    private let server = NIOLockedValueBox<Application?>(nil)

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    func didBootAsync(_ app: Application) async throws {
        let metrics = try await Application.make(app.environment, .shared(app.eventLoopGroup))
        metrics.logger = app.logger
        metrics.http.server.configuration.hostname = host
        metrics.http.server.configuration.port = port
        let registry = app.services.metrics
        metrics.get("metrics") { _ in HealthController.metricsResponse(registry) }
        do {
            try await metrics.server.start(address: .hostname(host, port: port))
            app.logger.notice("metrics on http://\(host):\(port)/metrics")
            server.withLockedValue { $0 = metrics }
        } catch {
            // Metrics are not worth refusing to serve the product for; say so loudly.
            app.logger.error("metrics listener on \(host):\(port) could not start: \(error) (ESTATE_METRICS_ADDRESS, or off)")
            try? await metrics.asyncShutdown()
        }
    }

    func shutdownAsync(_ app: Application) async {
        guard let metrics = server.withLockedValue({ s -> Application? in defer { s = nil }; return s }) else { return }
        await metrics.server.shutdown()
        try? await metrics.asyncShutdown()
    }
}
