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

    /// A contract path split once (every API request is matched against them, before routing).
    struct PathPattern: Sendable {
        var path: String
        /// Literal segments; nil where the document has a `{parameter}`.
        var segments: [String?]
        var parameters: Int
        var methods: [String]

        func matches(_ parts: [Substring]) -> Bool {
            for (pattern, part) in zip(segments, parts) where pattern != nil && pattern! != part { return false }
            return true
        }
    }

    /// The document's paths by their number of segments.
    let patterns: [Int: [PathPattern]]

    init(json: [UInt8], operations: [Operation], validator: ContractValidator) {
        self.json = json
        self.operations = operations
        self.validator = validator
        var byPath: [String: [String]] = [:]
        for op in operations { byPath[op.path, default: []].append(op.method) }
        var patterns: [Int: [PathPattern]] = [:]
        for (path, methods) in byPath {
            let segments = path.split(separator: "/").map { $0.hasPrefix("{") ? nil : String($0) }
            patterns[segments.count, default: []].append(
                PathPattern(path: path, segments: segments, parameters: segments.count { $0 == nil }, methods: Array(Set(methods)).sorted()))
        }
        // Fewest parameters first: the first match is the most specific path.
        self.patterns = patterns.mapValues { $0.sorted { ($0.parameters, $0.path) < ($1.parameters, $1.path) } }
    }

    /// Methods of the most specific contract path a request path matches (literal segments beat
    /// parameters: `/units/import` is not `/units/{unitId}`); nil when none matches.
    public func methodsOfMostSpecificPath(_ path: String) -> (path: String, methods: [String])? {
        let parts = path.split(separator: "/")
        guard let best = (patterns[parts.count] ?? []).first(where: { $0.matches(parts) }) else { return nil }
        return (best.path, best.methods)
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
