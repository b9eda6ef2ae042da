import EstateCore
import Vapor

/// What a route demands before its handler runs. Every route declares one;
/// a test walks `app.routes` and fails on any route without it.
public enum RouteGuard: Sendable, Hashable, CustomStringConvertible {
    /// Anyone: sign-in page, health, metrics, the contract, static assets.
    case open
    /// Any signed-in user; the handler scopes what they see.
    case signedIn
    /// Signed in and allowed `action` on at least one project (company actions: company-wide).
    /// Handlers that touch one project's records check that project again.
    case allowed(Action)

    public var description: String {
        switch self {
        case .open: "open"
        case .signedIn: "signed-in"
        case .allowed(let a): a.rawValue
        }
    }

    static let userInfoKey = "estate.guard"

    /// `project` is the raw project id in the path, if the route has one: a
    /// project the user cannot see answers 404 before any 403.
    func check(_ request: Request, project: String? = nil) async throws {
        try await check(project: project, principal: request.requirePrincipal, require: { try await request.require($0, on: $1) })
    }

    /// The check itself, for pages (above) and API operations (`OperationGuardMiddleware`).
    func check(project: String?, principal: () throws -> Principal,
               require: (Action, UUID?) async throws -> Principal) async throws {
        switch self {
        case .open: return
        case .signedIn: _ = try principal()
        case .allowed(let action):
            if let project {
                _ = try principal()
                guard let id = UUID(uuidString: project) else { throw Problem.notFound }
                _ = try await require(action, id)
            } else {
                _ = try await require(action, nil)
            }
        }
    }
}

struct GuardMiddleware: AsyncMiddleware {
    let routeGuard: RouteGuard

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        // Pages name it projectID; API paths projectId, as the contract spells them (the
        // router refuses two names for one path position).
        try await routeGuard.check(request, project: request.parameters.get("projectID") ?? request.parameters.get("projectId"))
        try await ApprovalsWaiting.count(for: request)
        return try await next.respond(to: request)
    }
}

extension RoutesBuilder {
    /// Registers a route behind `guard`, and records the guard on the route for the walk test.
    @discardableResult
    func on<R: AsyncResponseEncodable>(
        _ method: HTTPMethod, _ path: PathComponent..., guard routeGuard: RouteGuard,
        body: HTTPBodyStreamStrategy = .collect,
        use handler: @escaping @Sendable (Request) async throws -> R
    ) -> Route {
        let route = grouped(GuardMiddleware(routeGuard: routeGuard)).on(method, path, body: body, use: handler)
        route.userInfo[AnySendableHashable(RouteGuard.userInfoKey)] = routeGuard
        return route
    }
}
