import Prometheus
import Vapor

/// Prometheus metrics, served at `/metrics`. Labelled by the route pattern
/// (`/api/v1/users/:userId`), never the raw path, so cardinality stays bounded.
public final class AppMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    func record(method: String, route: String, status: UInt, duration: Duration) {
        let labels = [("method", method), ("route", route), ("status", "\(status / 100)xx")]
        registry.makeCounter(descriptor: .init(metricName: "http_requests", unitName: "total",
                                               helpText: "HTTP requests served"), labels: labels).increment()
        registry.makeDurationHistogram(
            descriptor: .init(metricName: "http_request_duration", unitName: "seconds", helpText: "HTTP request duration"),
            labels: [("method", method), ("route", route)],
            buckets: [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                      .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5)]
        ).record(duration)
    }
}

struct MetricsMiddleware: AsyncMiddleware {
    let metrics: AppMetrics

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next.respond(to: request)
        } catch {
            metrics.record(method: request.method.rawValue, route: Self.pattern(request),
                           status: (error as? any AbortError)?.status.code ?? 500, duration: ContinuousClock.now - start)
            throw error
        }
        metrics.record(method: request.method.rawValue, route: Self.pattern(request), status: response.status.code,
                       duration: ContinuousClock.now - start)
        return response
    }

    static func pattern(_ request: Request) -> String {
        guard let route = request.route else { return "unmatched" }
        return "/" + route.path.map(\.description).joined(separator: "/")
    }
}
