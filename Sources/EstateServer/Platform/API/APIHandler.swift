import EstateCore
import FluentKit
import Foundation
import OpenAPIRuntime
import Vapor

/// Implements the generated `APIProtocol`. Guards run before these methods
/// (`APIGuards`); each method still scopes records to the caller's projects.
///
/// Built once in `registerRoutes` from the app, as the generator's examples hand their handler
/// its dependencies; the one thing a method learns of its request is the `APICall` (who calls,
/// the audit context, the language and a few more facts).
struct APIHandler: APIProtocol {
    typealias Schemas = Components.Schemas

    /// Everything built at start-up; a method makes the service it needs, e.g. `services.sales(database)`.
    let services: AppServices
    /// The app's databases, from which `database` opens each call's handle.
    let databases: Databases

    /// The database for the call now running: a handle on any event loop's pool (as `app.db`), its
    /// queries logged with the request's id (as `database`).
    var database: any Database {
        databases.database(logger: APICall.current?.logger ?? Self.logger, on: databases.eventLoopGroup.any())!
    }

    private static let logger = Logger(label: "estate.api")

    /// The call now being answered (`APICallMiddleware`).
    var call: APICall { get throws { try APICall.get() } }

    /// Texts in the caller's language.
    var localizer: Localizer { get throws { Localizer(catalog: services.catalog, language: try call.language) } }

    /// The one gate (`AccessGate`) on this call: 401, 404 for a project not the caller's to see,
    /// an audited 403 without the action.
    @discardableResult
    func require(_ action: Action, on projectID: UUID? = nil) async throws -> Principal {
        try await call.require(action, on: projectID, store: services.store(database))
    }

    // MARK: auth

    func login(_ input: Operations.Login.Input) async throws -> Operations.Login.Output {
        let body = switch input.body { case .json(let json): json }
        let signedIn = try await services.auth(database).signIn(username: body.username, password: body.password, kind: .api, origin: call.origin)
        return .ok(.init(body: .json(.init(token: signedIn.token, expiresAt: signedIn.expiresAt))))
    }

    func logout(_ input: Operations.Logout.Input) async throws -> Operations.Logout.Output {
        guard let auth = try call.authenticated else { throw Problem.unauthenticated }
        try await services.auth(database).signOut(session: auth.session, context: call.auditContext)
        return .noContent(.init())
    }

    func getMe(_ input: Operations.GetMe.Input) async throws -> Operations.GetMe.Output {
        // Answered from the signed-in principal (cached with the session): no query.
        guard let me = try call.authenticated else { throw Problem.unauthenticated }
        let p = me.principal
        return .ok(.init(body: .json(.init(
            id: p.userID.uuidString, username: p.username, displayName: p.displayName, grants: me.grants.map(Self.grant),
            companyActions: Action.allCases.filter { $0.scope == .company && p.may($0) }.map(\.rawValue)))))
    }

    func listRoles(_ input: Operations.ListRoles.Input) async throws -> Operations.ListRoles.Output {
        let t = try localizer
        return .ok(.init(body: .json(Role.allCases.map {
            Schemas.RoleInfo(role: Self.role($0), name: t($0.catalogKey), actions: AccessMatrix.actions(of: $0).map(\.rawValue).sorted())
        })))
    }

    // MARK: users

    func listUsers(_ input: Operations.ListUsers.Input) async throws -> Operations.ListUsers.Output {
        let page = try PageRequest(page: input.query.page, perPage: input.query.perPage)
        try Self.limit(["q": (input.query.q, 60)])
        let result = try await services.users(database).list(search: input.query.q, page: page)
        return .ok(.init(body: .json(.init(items: result.items.map(Self.user), page: result.page, perPage: result.perPage, total: result.total))))
    }

    func createUser(_ input: Operations.CreateUser.Input) async throws -> Operations.CreateUser.Output {
        let body = switch input.body { case .json(let json): json }
        let user = try await services.users(database).create(username: body.username, displayName: body.displayName,
                                                              password: body.password, mobile: body.mobile, context: call.auditContext)
        return .created(.init(body: .json(Self.user(user))))
    }

    func getUser(_ input: Operations.GetUser.Input) async throws -> Operations.GetUser.Output {
        guard let user = try await services.users(database).find(try Self.uuid(input.path.userId)) else { throw Problem.notFound }
        return .ok(.init(body: .json(Self.user(user))))
    }

    func updateUser(_ input: Operations.UpdateUser.Input) async throws -> Operations.UpdateUser.Output {
        let body = switch input.body { case .json(let json): json }
        // `mobile`: a number sets it, null removes it, absent leaves it (the decoded body cannot tell the last two apart).
        let mobile: String?? = if let m = body.mobile { .some(m) } else if try call.jsonBodySets("mobile", toNull: true) { .some(nil) } else { nil }
        let user = try await services.users(database).update(
            try Self.uuid(input.path.userId),
            .init(displayName: body.displayName, mobile: mobile, isDisabled: body.disabled, unlock: body.unlock ?? false),
            context: call.auditContext)
        return .ok(.init(body: .json(Self.user(user))))
    }

    func resetPassword(_ input: Operations.ResetPassword.Input) async throws -> Operations.ResetPassword.Output {
        let body = switch input.body { case .json(let json): json }
        try await services.users(database).resetPassword(try Self.uuid(input.path.userId), to: body.password, context: call.auditContext)
        return .noContent(.init())
    }

    func grantRole(_ input: Operations.GrantRole.Input) async throws -> Operations.GrantRole.Output {
        let body = switch input.body { case .json(let json): json }
        guard let role = Role(rawValue: body.role.rawValue) else { throw Problem.invalid("role", "role_unknown") }
        let projectID: UUID? = if let p = body.projectId {
            try UUID(uuidString: p) ?? { throw Problem.invalid("projectId", "project_unknown") }()
        } else { nil }
        let grant = try await services.users(database).grant(role, to: try Self.uuid(input.path.userId), projectID: projectID,
                                                             context: call.auditContext)
        return .created(.init(body: .json(Self.grant(grant))))
    }

    func revokeRole(_ input: Operations.RevokeRole.Input) async throws -> Operations.RevokeRole.Output {
        try await services.users(database).revoke(grantID: try Self.uuid(input.path.grantId), of: try Self.uuid(input.path.userId),
                                                  context: call.auditContext)
        return .noContent(.init())
    }

    // MARK: projects

    func listProjects(_ input: Operations.ListProjects.Input) async throws -> Operations.ListProjects.Output {
        let page = try PageRequest(page: input.query.page, perPage: input.query.perPage)
        let result = try await services.projects(database).list(for: try call.requirePrincipal(), page: page)
        return .ok(.init(body: .json(.init(items: result.items.map(Self.project), page: result.page, perPage: result.perPage, total: result.total))))
    }

    func createProject(_ input: Operations.CreateProject.Input) async throws -> Operations.CreateProject.Output {
        let b = switch input.body { case .json(let json): json }
        // The generator turns the `null` of a nullable enum into a case for "": not a value here.
        if b.priceRounding == ._empty_ { throw Problem.invalid("priceRounding", "price_rounding_invalid") }
        let project = try await services.projects(database).create(
            .init(code: b.code, name: b.name, city: b.city, priceRounding: b.priceRounding?.rawValue, isActive: b.active,
                  customerProtectionDays: b.customerProtectionDays, sellerName: b.seller?.name, sellerCreditCode: b.seller?.creditCode,
                  sellerAddress: b.seller?.address, presaleLicense: b.seller?.presaleLicense),
            context: call.auditContext)
        return .created(.init(body: .json(Self.project(project))))
    }

    func getProject(_ input: Operations.GetProject.Input) async throws -> Operations.GetProject.Output {
        let id = try Self.uuid(input.path.projectId)
        let principal = try await require(.projectView, on: id)
        return .ok(.init(body: .json(Self.project(try await services.projects(database).find(id, for: principal)))))
    }

    func updateProject(_ input: Operations.UpdateProject.Input) async throws -> Operations.UpdateProject.Output {
        let b = switch input.body { case .json(let json): json }
        let id = try Self.uuid(input.path.projectId)
        try await require(.projectEdit, on: id)
        if b.priceRounding == ._empty_ { throw Problem.invalid("priceRounding", "price_rounding_invalid") }
        let project = try await services.projects(database).update(
            id, .init(code: b.code, name: b.name, city: b.city, priceRounding: b.priceRounding?.rawValue, isActive: b.active,
                  customerProtectionDays: b.customerProtectionDays, sellerName: b.seller?.name, sellerCreditCode: b.seller?.creditCode,
                  sellerAddress: b.seller?.address, presaleLicense: b.seller?.presaleLicense),
            context: call.auditContext)
        return .ok(.init(body: .json(Self.project(project))))
    }

    // MARK: audit

    func listAudit(_ input: Operations.ListAudit.Input) async throws -> Operations.ListAudit.Output {
        let q = input.query
        let page = try PageRequest(page: q.page, perPage: q.perPage)
        try Self.limit(["actor": (q.actor, 64), "action": (q.action, 64), "entity": (q.entity, 32), "entityId": (q.entityId, 64)])
        var filter = AuditQuery.Filter()
        filter.actor = q.actor
        filter.action = q.action
        filter.entity = q.entity
        filter.entityID = q.entityId
        if let p = q.projectId {
            guard let id = UUID(uuidString: p) else { throw Problem.invalid("projectId", "project_unknown") }
            filter.projectID = id
        }
        filter.outcome = q.outcome?.rawValue
        filter.from = q.from
        filter.to = q.to
        let result = try await services.audit(database).list(filter, for: try call.requirePrincipal(), page: page)
        return .ok(.init(body: .json(.init(items: result.items.map { l in
            Schemas.AuditLine(id: l.id.uuidString, at: l.at, actorId: l.actorID?.uuidString, actor: l.actorName, action: l.action,
                              entity: l.entity, entityId: l.entityID, projectId: l.projectID?.uuidString, summary: l.summary,
                              before: .init(additionalProperties: l.before), after: .init(additionalProperties: l.after),
                              outcome: .init(rawValue: l.outcome) ?? .ok, requestId: l.requestID, ip: l.ip)
        }, page: result.page, perPage: result.perPage, total: result.total))))
    }

    // MARK: bodies

    /// An uploaded body whole, or `tooLarge` (413) past `limit` bytes.
    static func collect(_ body: HTTPBody, upTo limit: Int, orThrow tooLarge: @autoclosure () -> Problem) async throws -> Data {
        do { return try await Data(collecting: body, upTo: limit) } catch { throw tooLarge() }
    }

    /// An uploaded spreadsheet whole, within the configured upload size (else 413).
    func upload(_ body: HTTPBody) async throws -> Data {
        try await Self.collect(body, upTo: services.config.maxUploadMegabytes * 1024 * 1024, orThrow: Problem(.payloadTooLarge, "payload_too_large"))
    }

    /// A download's body; its file name goes into Content-Disposition (`APICall.downloadName`).
    func download(_ data: Data, as fileName: String) throws -> HTTPBody {
        try call.downloadName.set(fileName)
        return HTTPBody(data)
    }

    // MARK: mapping

    /// The contract's maxLength on query strings (counted as JSON Schema counts: Unicode scalars).
    static func limit(_ values: [String: (String?, Int)]) throws {
        let bad = values.compactMap { name, v -> Problem.FieldError? in
            guard let s = v.0 else { return nil }
            if s.unicodeScalars.count > v.1 { return Problem.FieldError(field: name, code: "too_long") }
            if s.contains("\0") { return Problem.FieldError(field: name, code: "invalid_characters") }
            return nil
        }
        if !bad.isEmpty { throw Problem.invalid(bad.sorted { $0.field < $1.field }) }
    }

    /// A malformed id names no record: 404, as for an id that does not exist.
    static func uuid(_ s: String) throws -> UUID {
        guard let id = UUID(uuidString: s) else { throw Problem.notFound }
        return id
    }

    /// An id in a body or query field: a bad one is that field's error, not a missing page.
    static func uuid(_ s: String, field: String) throws -> UUID {
        guard let id = UUID(uuidString: s) else { throw Problem.invalid(field, "id_invalid") }
        return id
    }

    static func role(_ r: Role) -> Schemas.Role { Schemas.Role(rawValue: r.rawValue)! }

    static func grant(_ g: UserService.GrantSummary) -> Schemas.Grant {
        Schemas.Grant(id: g.id.uuidString, role: role(g.role), projectId: g.projectID?.uuidString, projectName: g.projectName)
    }

    static func user(_ u: UserService.UserSummary) -> Schemas.User {
        Schemas.User(id: u.id.uuidString, username: u.username, displayName: u.displayName, disabled: u.isDisabled,
                     locked: (u.lockedUntil ?? .distantPast) > Date(), mobile: u.mobile, lastLoginAt: u.lastLoginAt, createdAt: u.createdAt,
                     grants: u.grants.map(grant))
    }

    static func project(_ p: ProjectService.ProjectSummary) -> Schemas.Project {
        Schemas.Project(id: p.id.uuidString, code: p.code, name: p.name, city: p.city,
                        priceRounding: .init(rawValue: p.priceRounding.rawValue)!, active: p.isActive,
                        customerProtectionDays: p.customerProtectionDays,
                        seller: .init(name: p.seller.name, creditCode: p.seller.creditCode, address: p.seller.address,
                                      presaleLicense: p.seller.presaleLicense),
                        buildingCount: p.buildingCount, unitCount: p.unitCount, createdAt: p.createdAt, updatedAt: p.updatedAt)
    }
}
