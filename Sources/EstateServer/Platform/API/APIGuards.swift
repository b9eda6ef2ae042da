import EstateCore
import HTTPTypes
import OpenAPIRuntime
import Vapor

/// The guard of every API operation, by operationId. An operation missing
/// here is refused at run time (fail closed) and fails the route-walk test.
enum APIGuards {
    static let table: [String: RouteGuard] = [
        "login": .open,
        "logout": .signedIn,
        "getMe": .signedIn,
        "listRoles": .signedIn,
        "listUsers": .allowed(.usersManage),
        "createUser": .allowed(.usersManage),
        "getUser": .allowed(.usersManage),
        "updateUser": .allowed(.usersManage),
        "resetPassword": .allowed(.usersManage),
        "grantRole": .allowed(.usersManage),
        "revokeRole": .allowed(.usersManage),
        "listProjects": .signedIn,
        "createProject": .allowed(.projectsCreate),
        "getProject": .allowed(.projectView),
        "updateProject": .allowed(.projectEdit),
        "listAudit": .allowed(.auditRead),
        // 楼盘表 and 销控.
        "listBuildings": .allowed(.inventoryView),
        "createBuilding": .allowed(.inventoryEdit),
        "updateBuilding": .allowed(.inventoryEdit),
        "listLayouts": .allowed(.inventoryView),
        "createLayout": .allowed(.inventoryEdit),
        "listUnits": .allowed(.inventoryView),
        "createUnit": .allowed(.inventoryEdit),
        "importUnits": .allowed(.inventoryEdit),
        "exportUnits": .allowed(.inventoryView),
        "unitTemplate": .allowed(.inventoryView),
        "getUnit": .allowed(.inventoryView),
        "updateUnit": .allowed(.inventoryEdit),
        "getUnitHistory": .allowed(.inventoryView),
        "moveUnit": .allowed(.salesControl),
        "releaseUnits": .allowed(.salesControl),
        "getBoard": .allowed(.inventoryView),
        "getBoardEvents": .allowed(.inventoryView),
        // Prices.
        "quoteUnit": .allowed(.inventoryView),
        "requestDiscount": .allowed(.salesCreate),
        "requestUnitPriceChange": .allowed(.pricesPropose),
        "listDiscountRules": .allowed(.inventoryView),
        "createDiscountRule": .allowed(.pricesPropose),
        "updateDiscountRule": .allowed(.pricesPropose),
        "listPriceLists": .allowed(.inventoryView),
        "createPriceList": .allowed(.pricesPropose),
        "adjustPrices": .allowed(.pricesPropose),
        "listPriceListItems": .allowed(.inventoryView),
        // Approvals: who may decide is checked per request against the routed role.
        "listApprovals": .signedIn,
        "getApproval": .signedIn,
        "decideApproval": .signedIn,
        "withdrawApproval": .signedIn,
    ]
}

/// The Vapor request behind the OpenAPI handler now running. The generated
/// handlers see only HTTP types; this gives them the session, database and
/// language of their request.
enum CurrentRequest {
    @TaskLocal static var value: Request?

    static func get() throws -> Request {
        guard let value else { throw Problem(.internalServerError, "internal_error") }
        return value
    }
}

/// Sets `CurrentRequest` for the API routes.
struct CurrentRequestMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await CurrentRequest.$value.withValue(request) { try await next.respond(to: request) }
        // The generator writes header values URI-encoded; a download's name is set here instead.
        if let name = request.downloadName { response.headers.replaceOrAdd(name: "Content-Disposition", value: APIHandler.attachment(name)) }
        return response
    }
}

/// Enforces `APIGuards` before the operation's handler runs.
struct OperationGuardMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPTypes.HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPTypes.HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPTypes.HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPTypes.HTTPResponse, HTTPBody?) {
        let vaporRequest = try CurrentRequest.get()
        guard let routeGuard = APIGuards.table[operationID] else {
            vaporRequest.logger.critical("API operation without a guard refused", metadata: ["operation": "\(operationID)"])
            throw Problem.forbidden
        }
        try await routeGuard.check(vaporRequest, project: metadata.pathParameters["projectId"].map(String.init))
        return try await next(request, body, metadata)
    }
}

extension Request {
    private struct DownloadNameKey: StorageKey { typealias Value = String }

    /// The file name of a download this request answers with (Content-Disposition).
    var downloadName: String? {
        get { storage[DownloadNameKey.self] }
        set { storage[DownloadNameKey.self] = newValue }
    }
}
