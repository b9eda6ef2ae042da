import Vapor

/// One line per request at debug; at info only what an operator needs: server errors and slow
/// requests (issue 21: info-level lines for every request cost 20–30 % on cheap routes). The
/// path only, never the query (it can hold a mobile or a name).
struct RequestLogMiddleware: AsyncMiddleware {
    var slow: Duration = .milliseconds(500)

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let started = ContinuousClock.now
        request.logger.debug("\(request.method) \(request.url.path)")
        let response = try await next.respond(to: request)
        let took = ContinuousClock.now - started
        if response.status.code >= 500 {
            request.logger.info("\(request.method) \(request.url.path) → \(response.status.code) in \(took)")
        } else if took > slow {
            request.logger.info("slow request: \(request.method) \(request.url.path) → \(response.status.code) in \(took)")
        }
        return response
    }
}
