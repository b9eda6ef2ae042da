import OpenAPIRuntime
import Vapor

/// Turns every error into a response: `application/problem+json` for the API
/// (and any client that prefers JSON), an HTML page for browsers, a redirect to
/// sign-in for a page that needs it. Unexpected errors are logged with the
/// request id and shown without internals.
struct ProblemMiddleware: AsyncMiddleware {
    let catalog: Catalog

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            // A known API path asked with a method the contract does not give it, checked before
            // routing: PATCH …/units/import is not PATCH …/units/{unitId}, and not a 400 for its body.
            if request.url.path.hasPrefix("/api/"), let best = request.services.contract.methodsOfMostSpecificPath(request.url.path),
               !best.methods.contains(request.method.rawValue) {
                throw Problem(.methodNotAllowed, "method_not_allowed", headers: ["Allow": best.methods.joined(separator: ", ")])
            }
            return try await next.respond(to: request)
        } catch {
            let problem = Self.problem(for: error, logger: request.logger)

            return try await render(problem, for: request)
        }
    }

    /// Maps any error to a Problem. Request-parsing failures from the OpenAPI
    /// layer are the client's fault (400); anything unknown is ours (500).
    static func problem(for error: any Error, logger: Logger) -> Problem {
        switch error {
        case let p as Problem:
            return p
        case let e as ServerError:
            if let p = e.underlyingError as? Problem { return p }
            // Bodies are decoded by the generated layer (operationInput nil); a DecodingError
            // from inside a handler is a row that did not decode: our bug, not the client's.
            // The generated layer checks Accept against the response's content type.
            if String(describing: e.underlyingError).contains("content type not acceptable") {
                return Problem(.notAcceptable, "not_acceptable")
            }
            if e.underlyingError is DecodingError, e.operationInput != nil { return internalError(e.underlyingError, logger: logger) }
            if let abort = e.underlyingError as? any AbortError { return problem(for: abort, logger: logger) }
            if e.operationInput == nil, e.operationOutput == nil, e.causeDescription != "User handler threw an error." {
                // A malformed path, query, header or body: name what the parser said, in the detail.
                return Problem(.badRequest, "invalid_request", arguments: ["reason": Self.short(e.causeDescription)])
            }
            return internalError(e.underlyingError, logger: logger)
        case let abort as any AbortError:
            switch abort.status {
            case .notFound: return .notFound
            case .unauthorized: return .unauthenticated
            case .forbidden: return .forbidden
            case .payloadTooLarge: return Problem(.payloadTooLarge, "payload_too_large")
            case .methodNotAllowed: return Problem(.methodNotAllowed, "method_not_allowed")
            case .unsupportedMediaType: return Problem(.unsupportedMediaType, "unsupported_media_type")
            case .badRequest, .unprocessableEntity: return Problem(.badRequest, "invalid_request", arguments: ["reason": Self.short(abort.reason)])
            default:
                if abort.status.code >= 500 { return internalError(abort, logger: logger) }
                return Problem(abort.status, "http_\(abort.status.code)")
            }
        case is DecodingError:
            return Problem(.badRequest, "invalid_request", arguments: ["reason": "malformed body"])
        default:
            return internalError(error, logger: logger)
        }
    }

    private static func internalError(_ error: any Error, logger: Logger) -> Problem {
        logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
        return Problem(.internalServerError, "internal_error")
    }

    /// Arguments that name a status, move, kind or role read in the user's language.
    static let argumentKeys = ["status": "unit.status.", "move": "unit.move.", "kind": "claim.kind.", "role": "role.", "rule": "roster.rule."]

    static func localized(_ args: [String: String], _ catalog: Catalog, _ lang: Language) -> [String: String] {
        args.reduce(into: [:]) { out, pair in
            if let prefix = argumentKeys[pair.key], catalog.has(prefix + pair.value) {
                out[pair.key] = catalog.text(prefix + pair.value, lang)
            } else { out[pair.key] = pair.value }
        }
    }

    private static func short(_ s: String) -> String { String(s.prefix(300)) }

    private func render(_ problem: Problem, for request: Request) async throws -> Response {
        let lang = request.language
        if !request.wantsJSON {
            if problem.status == .unauthorized {
                let next = request.url.path + (request.url.query.map { "?" + $0 } ?? "")
                return request.redirect(to: "/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))
            }
            let response = try await ErrorPage(problem: problem, catalog: catalog, language: lang, request: request).response()
            problem.headers.forEach { response.headers.replaceOrAdd(name: $0.name, value: $0.value) }
            return response
        }
        let body = ProblemBody(
            type: "https://estatedesk.invalid/problems/\(problem.code)",
            title: catalog.text("status.\(problem.status.code)", lang, [:]) == "status.\(problem.status.code)"
                ? problem.status.reasonPhrase : catalog.text("status.\(problem.status.code)", lang),
            status: Int(problem.status.code),
            code: problem.code,
            detail: catalog.has("error.\(problem.code)") ? catalog.text("error.\(problem.code)", lang, Self.localized(problem.arguments, catalog, lang))
                : catalog.text("error.generic", lang),
            requestId: request.id,
            errors: problem.fields.isEmpty ? nil : problem.fields.map {
                .init(field: $0.field, code: $0.code, message: catalog.text("error.\($0.code)", lang, $0.arguments))
            },
            rows: problem.rows.isEmpty ? nil : problem.rows.map {
                .init(row: $0.row, column: $0.column, field: $0.field, code: $0.code, value: $0.value,
                      message: catalog.text("error.\($0.code)", lang))
            })
        let response = Response(status: problem.status)
        try response.content.encode(body, as: .json)
        response.headers.contentType = HTTPMediaType(type: "application", subType: "problem+json", parameters: ["charset": "utf-8"])
        response.headers.replaceOrAdd(name: "Content-Language", value: lang.htmlCode)
        problem.headers.forEach { response.headers.replaceOrAdd(name: $0.name, value: $0.value) }
        return response
    }
}

extension Request {
    /// API paths and clients that ask for JSON get problem+json; browsers get pages.
    var wantsJSON: Bool {
        if url.path.hasPrefix("/api/") || url.path == "/openapi.json" || url.path == "/health" { return true }
        let accept = headers.first(name: .accept) ?? ""
        return !accept.contains("text/html") && (accept.contains("json") || method != .GET)
            && headers.contentType != .urlEncodedForm
    }

    /// The language: the `lang` cookie set by the switch, else Accept-Language, else Chinese.
    var language: Language {
        if let cookie = cookies["estate_lang"]?.string, let lang = Language(rawValue: cookie) { return lang }
        return Language.from(acceptLanguage: headers.first(name: .acceptLanguage))
    }

    var localizer: Localizer { Localizer(catalog: services.catalog, language: language) }
}
