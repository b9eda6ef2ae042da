import EstateCore
import Foundation
import NIOConcurrencyHelpers
import Vapor

/// The API call now being answered: what a handler needs to know about its request beyond its
/// typed input and the app's services (which `APIHandler` holds). The generated handlers see only
/// HTTP types, so `APICallMiddleware` sets this task-local around each API request.
///
/// Only facts of the request, each kept for a reason:
struct APICall: Sendable {
    @TaskLocal static var current: APICall?

    /// The call now running, or 500: a handler outside `APICallMiddleware` is a wiring mistake.
    static func get() throws -> APICall {
        guard let current else { throw Problem(.internalServerError, "internal_error") }
        return current
    }

    /// The signed-in user (nil on login, or without a valid token): whose call it is, for
    /// scoping and checks; logout also ends its session.
    let authenticated: Authenticated?
    /// Who acts, from where, in which request: every audit line the call writes.
    let auditContext: AuditContext
    /// The caller's language: localised texts, sheets and file names.
    let language: Language
    /// Where a sign-in comes from (address, user agent, request id): login records it on the session.
    let origin: AuthService.Origin
    /// "METHOD /path": what an audited 403 names (`require`).
    let route: String
    /// The request's logger (its metadata carries the request id): the call's queries log with it
    /// (`APIHandler.database`), as `req.db`'s did.
    let logger: Logger
    /// The JSON body as the contract check read it; set by `ContractValidationMiddleware` for
    /// the handlers that tell an explicit null from an absent property (`jsonBodySets`).
    var jsonBody: [UInt8]?
    /// The file name a download answers with, set by its handler: the generator would write a
    /// header value URI-encoded, so `APICallMiddleware` writes Content-Disposition from this.
    let downloadName = DownloadName()
    /// The bearer token as sent: the buyer's 线上选房 endpoints take their own token (not a staff one).
    let bearerToken: String?

    init(_ request: Request) {
        authenticated = request.authenticated
        auditContext = request.auditContext
        language = request.language
        origin = request.origin
        route = "\(request.method.rawValue) \(request.url.path)"
        logger = request.logger
        bearerToken = request.headers.bearerAuthorization?.token
    }

    var principal: Principal? { authenticated?.principal }

    /// The signed-in principal or 401.
    func requirePrincipal() throws -> Principal {
        guard let principal else { throw Problem.unauthenticated }
        return principal
    }

    /// The one gate (`AccessGate.require`) for this call, its denials audited into `store`.
    @discardableResult
    func require(_ action: Action, on projectID: UUID? = nil, store: @autoclosure () -> Store) async throws -> Principal {
        try await AccessGate.require(action, on: projectID, principal: principal, route: route, context: auditContext, store: store())
    }

    /// Whether the JSON body has `key` at its top level, and (with `toNull`) set to null.
    func jsonBodySets(_ key: String, toNull: Bool = false) -> Bool {
        guard let bytes = jsonBody,
              let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any], let value = object[key] else { return false }
        return !toNull || value is NSNull
    }

    /// A handler's one write back to the middleware around it.
    final class DownloadName: Sendable {
        private let box = NIOLockedValueBox<String?>(nil)
        func set(_ name: String) { box.withLockedValue { $0 = name } }
        var value: String? { box.withLockedValue { $0 } }
    }
}

/// Sets `APICall.current` for the API routes, and writes the download name a handler set.
struct APICallMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let call = APICall(request)
        let response = try await APICall.$current.withValue(call) { try await next.respond(to: request) }
        if let name = call.downloadName.value { response.headers.replaceOrAdd(name: "Content-Disposition", value: APIHandler.attachment(name)) }
        return response
    }
}
