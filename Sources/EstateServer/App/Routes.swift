import Fluent
import OpenAPIVapor
import Vapor

func registerRoutes(_ app: Application) throws {
    // Operations.
    app.on(.GET, "health", guard: .open, use: HealthController.health)
    app.on(.GET, "metrics", guard: .open, use: HealthController.metrics)
    app.on(.GET, "openapi.json", guard: .open, use: HealthController.openAPI)
    app.on(.GET, "assets", ":file", guard: .open, use: AssetController.serve)

    // The JSON API, generated from the contract.
    let transport = VaporTransport(routesBuilder: app.grouped(APICallMiddleware()))
    let api = APIHandler(services: app.services, databases: app.databases)
    try api.registerHandlers(on: transport, serverURL: URL(string: "/")!, configuration: .init(dateTranscoder: FlexibleISO8601()),
                             middlewares: [OperationGuardMiddleware(api: api),
                                           ContractValidationMiddleware(validator: app.services.contract.validator)])
    // The board's JSON and event stream: cached bytes and a long-lived stream, by hand.
    app.on(.GET, "api", "v1", "projects", ":projectId", "board", guard: APIGuards.table["getBoard"]!, use: BoardController.json)
    app.on(.GET, "api", "v1", "projects", ":projectId", "board", "events", guard: APIGuards.table["getBoardEvents"]!,
           use: BoardController.events)
    // The telephony system's call events: the HMAC signature is over the raw body.
    TelephonyRoutes.register(app)
    // Known API paths answer 405 (not 404) to other methods: see ProblemMiddleware.

    // Pages.
    WebRoutes.register(app)
}
