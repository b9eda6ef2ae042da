import Foundation

/// Checks a request against the contract's parameter and JSON body schemas before
/// any handler runs. The generated layer only decodes types: it does not enforce
/// `pattern`, `minLength`/`maxLength`, `minimum`/`maximum`, `maxItems` or
/// `additionalProperties`, so without this every handler would have to repeat the
/// document. One place, read from the same document that is served at `/openapi.json`.
///
/// Supported keywords (the subset the contract uses, JSON Schema 2020-12 semantics):
/// type (one or a list), enum, const, pattern, minLength, maxLength (in code points),
/// minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf, minItems,
/// maxItems, uniqueItems, items, properties, required, additionalProperties,
/// minProperties, maxProperties, allOf, anyOf, oneOf, not, $ref, format uuid and date.
public struct ContractValidator: Sendable {
    /// Where in the request a violation is, and which keyword it broke.
    public struct Violation: Error, Sendable, Equatable {
        /// `status` for a parameter, `items[2].area` for a body field, `body` for the body itself.
        public var field: String
        public var keyword: String
        /// The bound that was broken (`200` for maximum 200), for the message.
        public var limit: String? = nil
    }

    /// Every violation of a request, in document order (at most `maxReported`).
    public struct Violations: Error, Sendable {
        public var all: [Violation]
        public var inPath = false
    }

    static let maxReported = 50

    struct Parameter: Sendable {
        var name: String
        var location: String
        var required: Bool
        var explode: Bool
        var schema: Schema
    }

    struct Operation: Sendable {
        var parameters: [Parameter]
        /// The JSON body schema, when the operation takes one.
        var jsonBody: Schema?
        var bodyRequired: Bool
        /// Whether the operation documents 422; if not, a violation is answered 400.
        var documents422: Bool
    }

    let operations: [String: Operation]
    let components: [String: Schema]

    init(document: [String: Any]) throws {
        let compiler = SchemaCompiler()
        var components: [String: Schema] = [:]
        for (name, raw) in ((document["components"] as? [String: Any])?["schemas"] as? [String: Any]) ?? [:] {
            components["#/components/schemas/\(name)"] = try compiler.compile(raw)
        }
        let sharedParameters = ((document["components"] as? [String: Any])?["parameters"] as? [String: Any]) ?? [:]
        func parameters(_ list: Any?) throws -> [Parameter] {
            try ((list as? [Any]) ?? []).compactMap { item in
                var p = item as? [String: Any] ?? [:]
                if let ref = p["$ref"] as? String {
                    p = sharedParameters[String(ref.split(separator: "/").last ?? "")] as? [String: Any] ?? [:]
                }
                guard let name = p["name"] as? String, let location = p["in"] as? String else { return nil }
                let style = p["style"] as? String ?? (location == "query" ? "form" : "simple")
                return Parameter(name: name, location: location, required: p["required"] as? Bool ?? false,
                                 explode: p["explode"] as? Bool ?? (style == "form"),
                                 schema: try compiler.compile(p["schema"] ?? [String: Any]()))
            }
        }
        var operations: [String: Operation] = [:]
        for (_, rawItem) in (document["paths"] as? [String: Any]) ?? [:] {
            guard let item = rawItem as? [String: Any] else { continue }
            let shared = try parameters(item["parameters"])
            for method in ["get", "put", "post", "delete", "patch"] {
                guard let op = item[method] as? [String: Any], let id = op["operationId"] as? String else { continue }
                var merged = shared
                for p in try parameters(op["parameters"]) {
                    merged.removeAll { $0.name == p.name && $0.location == p.location }
                    merged.append(p)
                }
                let body = op["requestBody"] as? [String: Any]
                let json = ((body?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"]
                operations[id] = Operation(parameters: merged, jsonBody: try json.map { try compiler.compile($0) },
                                           bodyRequired: body?["required"] as? Bool ?? false,
                                           documents422: (op["responses"] as? [String: Any])?["422"] != nil)
            }
        }
        self.operations = operations
        self.components = components
    }

    /// 422 where the operation documents it, else 400 (both mean: fix the request).
    func violationStatus(_ operationID: String) -> Int { operations[operationID]?.documents422 == false ? 400 : 422 }

    /// Whether the operation has a JSON body the validator must see.
    func takesJSONBody(_ operationID: String) -> Bool { operations[operationID]?.jsonBody != nil }

    /// Checks query and path parameters. `query` is the raw query string (no `?`).
    func checkParameters(operationID: String, path: [String: Substring], query: String?) throws(Violations) {
        guard let op = operations[operationID] else { return }
        var found: [Violation] = []
        let pairs = Self.formPairs(query ?? "")
        for p in op.parameters {
            switch p.location {
            case "path":
                // A path that cannot name a record names none: 404, as for an unknown id.
                guard let raw = path[p.name] else { continue }
                var bad: [Violation] = []
                check(p.schema, .string(String(raw)), at: p.name, fromText: true, into: &bad)
                if !bad.isEmpty { throw Violations(all: bad, inPath: true) }
            case "query":
                let values = pairs.filter { $0.0 == p.name }.map(\.1)
                if values.isEmpty {
                    if p.required { found.append(Violation(field: p.name, keyword: "required")) }
                    continue
                }
                if resolve(p.schema).types?.contains("array") == true {
                    let items = p.explode ? values : values.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
                    check(p.schema, .array(items.map { .string($0) }), at: p.name, fromText: true, into: &found)
                } else if values.count > 1 {
                    found.append(Violation(field: p.name, keyword: "maxItems", limit: "1"))
                } else {
                    check(p.schema, .string(values[0]), at: p.name, fromText: true, into: &found)
                }
            default:
                continue
            }
        }
        if !found.isEmpty { throw Violations(all: Array(found.prefix(Self.maxReported))) }
    }

    /// Checks a JSON body. Bytes that are not JSON at all are left to the decoder, whose error names the position.
    func checkBody(operationID: String, bytes: [UInt8]) throws(Violations) {
        guard let schema = operations[operationID]?.jsonBody else { return }
        guard !bytes.isEmpty, let value = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else { return }
        var found: [Violation] = []
        check(schema, value, at: "", fromText: false, into: &found)
        if !found.isEmpty { throw Violations(all: Array(found.prefix(Self.maxReported))) }
    }

    /// Whether a value meets a schema, without reasons.
    func holds(_ schema: Schema, _ value: JSONValue, fromText: Bool) -> Bool {
        var found: [Violation] = []
        check(schema, value, at: "", fromText: fromText, into: &found)
        return found.isEmpty
    }

    // MARK: - Validation

    func resolve(_ schema: Schema) -> Schema {
        var s = schema
        var hops = 0
        while let ref = s.ref, let target = components[ref], hops < 16 { s = target; hops += 1 }
        return s
    }

    /// `fromText`: the value came from a URL, so `integer`, `number` and `boolean` are read from its text.
    func check(_ raw: Schema, _ value: JSONValue, at field: String, fromText: Bool, into found: inout [Violation]) {
        guard found.count < Self.maxReported else { return }
        let s = resolve(raw)
        let here = field.isEmpty ? "body" : field
        func fail(_ keyword: String, _ limit: CustomStringConvertible? = nil) {
            found.append(Violation(field: here, keyword: keyword, limit: limit.map { Self.text($0) }))
        }
        var value = value
        if fromText, case .string(let text) = value, let types = s.types, !types.contains("string") {
            if types.contains("integer"), let i = Int64(text) { value = .integer(i) }
            else if types.contains("number"), let d = Double(text), d.isFinite { value = .number(d) }
            else if types.contains("boolean"), text == "true" || text == "false" { value = .bool(text == "true") }
            else { return fail("type") }
        }
        // A value of the wrong type has no further rules worth reporting.
        if let types = s.types, !types.contains(where: { value.isOfType($0) }) { return fail("type") }
        if let allowed = s.enumValues, !allowed.contains(where: { $0.sameValue(as: value) }) { return fail("enum") }
        if let c = s.constValue, !c.sameValue(as: value) { return fail("const") }
        for sub in s.allOf { check(sub, value, at: field, fromText: fromText, into: &found) }
        if !s.anyOf.isEmpty, !s.anyOf.contains(where: { holds($0, value, fromText: fromText) }) { fail("anyOf") }
        if !s.oneOf.isEmpty, s.oneOf.filter({ holds($0, value, fromText: fromText) }).count != 1 { fail("oneOf") }
        if let not = s.not, holds(not, value, fromText: fromText) { fail("not") }

        switch value {
        case .string(let text):
            let length = text.unicodeScalars.count
            if let m = s.minLength, length < m { fail("minLength", m) }
            if let m = s.maxLength, length > m { fail("maxLength", m) }
            if let p = s.pattern, !p.matches(text) { fail("pattern") }
            if let f = s.format, !Self.formatHolds(f, text) { fail("format") }
        case .integer(let i):
            checkNumber(s, Double(i), exact: i, fail)
        case .number(let d):
            checkNumber(s, d, exact: nil, fail)
        case .array(let items):
            if let m = s.minItems, items.count < m { fail("minItems", m) }
            if let m = s.maxItems, items.count > m { return fail("maxItems", m) }
            if s.uniqueItems, items.indices.contains(where: { i in items[..<i].contains { $0.sameValue(as: items[i]) } }) {
                fail("uniqueItems")
            }
            if let itemSchema = s.items {
                for (i, item) in items.enumerated() { check(itemSchema, item, at: "\(field)[\(i)]", fromText: fromText, into: &found) }
            }
        case .object(let members):
            if let m = s.minProperties, members.count < m { fail("minProperties", m) }
            if let m = s.maxProperties, members.count > m { fail("maxProperties", m) }
            for name in s.required where members[name] == nil {
                found.append(Violation(field: field.isEmpty ? name : "\(field).\(name)", keyword: "required"))
            }
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                let path = field.isEmpty ? name : "\(field).\(name)"
                if let p = s.properties[name] {
                    check(p, member, at: path, fromText: false, into: &found)
                } else {
                    switch s.additional {
                    case .allowed: continue
                    case .forbidden: found.append(Violation(field: path, keyword: "additionalProperties"))
                    case .schema(let extra): check(extra, member, at: path, fromText: false, into: &found)
                    }
                }
            }
        case .null, .bool:
            break
        }
    }

    private func checkNumber(_ s: Schema, _ d: Double, exact: Int64?, _ fail: (String, CustomStringConvertible?) -> Void) {
        if let m = s.minimum, d < m { fail("minimum", m) }
        if let m = s.maximum, d > m { fail("maximum", m) }
        if let m = s.exclusiveMinimum, d <= m { fail("exclusiveMinimum", m) }
        if let m = s.exclusiveMaximum, d >= m { fail("exclusiveMaximum", m) }
        if let m = s.multipleOf, m > 0 {
            if let i = exact, m == m.rounded(), m < 9e15 { if i % Int64(m) != 0 { fail("multipleOf", m) } }
            else if (d / m).rounded() != d / m { fail("multipleOf", m) }
        }
    }

    /// `200.0` reads as `200`.
    static func text(_ bound: CustomStringConvertible) -> String {
        if let d = bound as? Double, d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return bound.description
    }

    static func formatHolds(_ format: String, _ text: String) -> Bool {
        switch format {
        case "uuid":
            return UUID(uuidString: text) != nil
        case "date":
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            guard text.utf8.count == 10, parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
                  parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }), (1...12).contains(m), d >= 1
            else { return false }
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
            return d <= [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        default:
            // date-time is decoded (and refused) by the generated layer; binary is not text.
            return true
        }
    }

    /// `a=1&b=x%20y&b=z` → pairs, percent-decoded, `+` read as a space (HTML forms).
    static func formPairs(_ query: String) -> [(String, String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }
}

// MARK: - Schemas

/// A compiled schema: immutable, so it is shared across requests.
final class Schema: Sendable {
    enum Additional: Sendable { case allowed, forbidden, schema(Schema) }

    let ref: String?
    let types: Set<String>?
    let enumValues: [JSONValue]?
    let constValue: JSONValue?
    let pattern: Pattern?
    let format: String?
    let minLength: Int?, maxLength: Int?
    let minimum: Double?, maximum: Double?, exclusiveMinimum: Double?, exclusiveMaximum: Double?, multipleOf: Double?
    let minItems: Int?, maxItems: Int?
    let uniqueItems: Bool
    let items: Schema?
    let properties: [String: Schema]
    let required: [String]
    let additional: Additional
    let minProperties: Int?, maxProperties: Int?
    let allOf: [Schema], anyOf: [Schema], oneOf: [Schema]
    let not: Schema?

    init(_ d: [String: Any], compile: (Any) throws -> Schema) throws {
        func int(_ key: String) -> Int? { d[key] as? Int }
        func double(_ key: String) -> Double? { (d[key] as? Int).map(Double.init) ?? d[key] as? Double }
        func list(_ key: String) throws -> [Schema] { try ((d[key] as? [Any]) ?? []).map(compile) }
        ref = d["$ref"] as? String
        if let t = d["type"] as? String { types = [t] } else if let t = d["type"] as? [String] { types = Set(t) } else { types = nil }
        enumValues = (d["enum"] as? [Any])?.map(JSONValue.init(yaml:))
        constValue = d.keys.contains("const") ? JSONValue(yaml: d["const"] as Any) : nil
        pattern = try (d["pattern"] as? String).map(Pattern.init)
        format = d["format"] as? String
        minLength = int("minLength"); maxLength = int("maxLength")
        minimum = double("minimum"); maximum = double("maximum")
        exclusiveMinimum = double("exclusiveMinimum"); exclusiveMaximum = double("exclusiveMaximum")
        multipleOf = double("multipleOf")
        minItems = int("minItems"); maxItems = int("maxItems")
        uniqueItems = d["uniqueItems"] as? Bool ?? false
        items = try d["items"].map(compile)
        properties = try ((d["properties"] as? [String: Any]) ?? [:]).mapValues(compile)
        required = d["required"] as? [String] ?? []
        switch d["additionalProperties"] {
        case let b as Bool: additional = b ? .allowed : .forbidden
        case let schema as [String: Any]: additional = .schema(try compile(schema))
        default: additional = .allowed
        }
        minProperties = int("minProperties"); maxProperties = int("maxProperties")
        allOf = try list("allOf"); anyOf = try list("anyOf"); oneOf = try list("oneOf")
        not = try d["not"].map(compile)
    }
}

struct SchemaCompiler {
    func compile(_ raw: Any) throws -> Schema {
        try Schema(raw as? [String: Any] ?? [:], compile: compile)
    }
}

/// An ECMA-262 style pattern as JSON Schema means it: unanchored search.
struct Pattern: @unchecked Sendable {
    // NSRegularExpression is immutable once built and documented as thread-safe.
    let expression: NSRegularExpression

    init(_ pattern: String) throws { expression = try NSRegularExpression(pattern: pattern) }

    func matches(_ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

/// A JSON document as the validator reads it: integers kept apart from other numbers.
enum JSONValue: Sendable, Decodable {
    case null, bool(Bool), integer(Int64), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let i = try? c.decode(Int64.self) { self = .integer(i) }
        else if let d = try? c.decode(Double.self) { self = d == d.rounded() && abs(d) < 9.2e18 ? .integer(Int64(d)) : .number(d) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// From the YAML document (enum and const values).
    init(yaml: Any) {
        switch yaml {
        case let b as Bool: self = .bool(b)
        case let i as Int: self = .integer(Int64(i))
        case let d as Double: self = .number(d)
        case let s as String: self = .string(s)
        case let a as [Any]: self = .array(a.map(JSONValue.init(yaml:)))
        case let o as [String: Any]: self = .object(o.mapValues(JSONValue.init(yaml:)))
        default: self = .null
        }
    }

    func isOfType(_ type: String) -> Bool {
        switch (type, self) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object),
             ("integer", .integer), ("number", .integer), ("number", .number): return true
        default: return false
        }
    }

    func sameValue(as other: JSONValue) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.integer(a), .integer(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.integer(a), .number(b)), let (.number(b), .integer(a)): return Double(a) == b
        case let (.array(a), .array(b)): return a.count == b.count && zip(a, b).allSatisfy { $0.sameValue(as: $1) }
        case let (.object(a), .object(b)):
            return a.count == b.count && a.allSatisfy { k, v in b[k].map { v.sameValue(as: $0) } ?? false }
        default: return false
        }
    }
}
