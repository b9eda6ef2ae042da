import SQLKit
import Vapor

enum HealthController {
    struct Health: Content {
        var status: String
        var database: String
        var engine: String
    }

    /// 200 when the database answers, 503 otherwise: what a load balancer needs.
    @Sendable static func health(_ req: Request) async throws -> Response {
        let engine = req.services.engine.rawValue
        do {
            _ = try await (req.db as! any SQLDatabase).raw("SELECT 1 AS ok").first()
            return try await Health(status: "ok", database: "ok", engine: engine).encodeResponse(status: .ok, for: req)
        } catch {
            req.logger.error("health check: database unreachable", metadata: ["error": "\(error)"])
            return try await Health(status: "unavailable", database: "error", engine: engine)
                .encodeResponse(status: .serviceUnavailable, for: req)
        }
    }

    /// `/metrics` on the main port: only with `ESTATE_METRICS_TOKEN` set and sent as a bearer
    /// token (compared in constant time); otherwise it is not there (the metrics listener serves it).
    @Sendable static func metrics(_ req: Request) async throws -> Response {
        guard let token = req.services.config.metricsToken else { throw Problem.notFound }
        guard let sent = req.headers.bearerAuthorization?.token, CSRFMiddleware.equal(sent, token) else {
            // A scraper's answer, not a sign-in page.
            return Response(status: .unauthorized, headers: ["WWW-Authenticate": "Bearer realm=\"metrics\"", "Content-Type": "text/plain"],
                            body: .init(string: "metrics: bearer token required\n"))
        }
        return metricsResponse(req.services.metrics)
    }

    static func metricsResponse(_ metrics: AppMetrics) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "plain", parameters: ["version": "0.0.4", "charset": "utf-8"])
        return Response(status: .ok, headers: headers, body: .init(data: Data(metrics.registry.emitToBuffer())))
    }

    @Sendable static func openAPI(_ req: Request) async throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .json
        headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=300")
        return Response(status: .ok, headers: headers, body: .init(data: Data(req.services.contract.json)))
    }
}

/// The stylesheet and script of the pages, from the bundle, cached by browsers.
enum AssetController {
    static let types: [String: HTTPMediaType] = ["css": .css, "js": HTTPMediaType(type: "application", subType: "javascript"), "svg": .svg]

    @Sendable static func serve(_ req: Request) async throws -> Response {
        guard let file = req.parameters.get("file"), !file.contains(".."), !file.contains("/"),
              let ext = file.split(separator: ".").last.map(String.init), let type = types[ext],
              let url = Bundle.module.url(forResource: (file as NSString).deletingPathExtension, withExtension: ext, subdirectory: "Resources/assets"),
              let data = FileManager.default.contents(atPath: url.path)
        else { throw Problem.notFound }
        var headers = HTTPHeaders()
        headers.contentType = type
        headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=3600")
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }
}
