import Foundation
import Yams

/// The OpenAPI document shipped in the bundle: the source the generated server
/// code comes from, served as JSON at `/openapi.json`, and the list of
/// operations the route-guard walk checks.
public struct APIContract: Sendable {
    public struct Operation: Sendable, Hashable {
        public var method: String
        /// As in the document: `/api/v1/users/{userId}`.
        public var path: String
        public var operationID: String
    }

    public let json: [UInt8]
    public let operations: [Operation]
    /// The document's parameter and body schemas, enforced before any handler runs.
    public let validator: ContractValidator

    /// The bundled document, parsed once per process: it never changes while the process
    /// runs, and parsing its 200 KB of YAML is the slow part of building an app.
    public static func load() throws -> APIContract { try parsed.get() }

    private static let parsed = Result { try parse() }

    private static func parse() throws -> APIContract {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml", subdirectory: "Resources")
            ?? Bundle.module.url(forResource: "openapi", withExtension: "yaml")
        else { throw ContractError.missing }
        let text = try String(contentsOf: url, encoding: .utf8)
        guard let document = try Yams.load(yaml: text) as? [String: Any] else { throw ContractError.malformed }
        let json = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
        var operations: [Operation] = []
        let methods = ["get", "put", "post", "delete", "patch", "head", "options"]
        for (path, item) in (document["paths"] as? [String: Any]) ?? [:] {
            for (method, op) in (item as? [String: Any]) ?? [:] where methods.contains(method) {
                if let id = (op as? [String: Any])?["operationId"] as? String {
                    operations.append(Operation(method: method.uppercased(), path: path, operationID: id))
                }
            }
        }
        return APIContract(json: Array(json), operations: operations.sorted { ($0.path, $0.method) < ($1.path, $1.method) },
                           validator: try ContractValidator(document: document))
    }

    enum ContractError: Error { case missing, malformed }

    /// Methods the contract defines for a concrete request path (`/api/v1/users/42`); nil when no path matches.
    public func allowedMethods(path: String) -> [String]? {
        let parts = path.split(separator: "/")
        let methods = operations.filter { op in
            let pattern = op.path.split(separator: "/")
            return pattern.count == parts.count && zip(pattern, parts).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }.map(\.method)
        return methods.isEmpty ? nil : Array(Set(methods)).sorted()
    }

    /// Methods of the most specific contract path a request path matches (literal segments beat
    /// parameters: `/units/import` is not `/units/{unitId}`); nil when none matches.
    public func methodsOfMostSpecificPath(_ path: String) -> (path: String, methods: [String])? {
        let parts = path.split(separator: "/")
        let matching = operations.filter { op in
            let pattern = op.path.split(separator: "/")
            return pattern.count == parts.count && zip(pattern, parts).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }
        guard let best = matching.min(by: { $0.path.filter { $0 == "{" }.count < $1.path.filter { $0 == "{" }.count })?.path else { return nil }
        return (best, Array(Set(matching.filter { $0.path == best }.map(\.method))).sorted())
    }

    /// The operation a registered Vapor route (`api/v1/users/:userId`) serves.
    public func operation(method: String, routePath: [String]) -> Operation? {
        operations.first { op in
            guard op.method == method else { return false }
            let parts = op.path.split(separator: "/").map { p in p.hasPrefix("{") ? ":" + p.dropFirst().dropLast() : String(p) }
            return parts == routePath
        }
    }
}
