import Vapor

/// An error the user can act on, rendered as `application/problem+json`
/// (RFC 9457) with a stable machine `code`; the message comes from the string
/// catalogue (`error.<code>`) in the caller's language.
public struct Problem: Error, Sendable {
    public var status: HTTPResponseStatus
    public var code: String
    /// Values substituted into `{name}` placeholders of the catalogue message.
    public var arguments: [String: String]
    /// Per-field reasons for form and body validation (`field` → catalogue code).
    public var fields: [FieldError]
    public var headers: HTTPHeaders
    /// Per-row reasons for spreadsheet imports.
    public var rows: [RowError] = []

    /// One bad cell (or row) of an uploaded file: row as Excel numbers it, column letter.
    public struct RowError: Sendable, Codable, Equatable {
        public var row: Int
        public var column: String?
        public var field: String?
        public var code: String
        public var value: String?
    }

    public struct FieldError: Sendable, Codable, Equatable {
        public var field: String
        public var code: String
        /// Values for the placeholders of the field's message (`{limit}`).
        public var arguments: [String: String] = [:]

        public init(field: String, code: String, arguments: [String: String] = [:]) {
            self.field = field
            self.code = code
            self.arguments = arguments
        }
    }

    public init(_ status: HTTPResponseStatus, _ code: String, arguments: [String: String] = [:],
                fields: [FieldError] = [], headers: HTTPHeaders = [:]) {
        self.status = status
        self.code = code
        self.arguments = arguments
        self.fields = fields
        self.headers = headers
    }

    public static let unauthenticated = Problem(.unauthorized, "unauthenticated")
    public static let forbidden = Problem(.forbidden, "forbidden")
    public static let notFound = Problem(.notFound, "not_found")
    public static let csrf = Problem(.forbidden, "csrf_failed")

    public static func invalid(_ fields: [FieldError]) -> Problem {
        Problem(.unprocessableEntity, "validation_failed", fields: fields)
    }

    public static func invalid(_ field: String, _ code: String) -> Problem {
        invalid([FieldError(field: field, code: code)])
    }

    public static func conflict(_ code: String, _ arguments: [String: String] = [:]) -> Problem {
        Problem(.conflict, code, arguments: arguments)
    }
}

/// The JSON body of a problem response.
struct ProblemBody: Content {
    var type: String
    var title: String
    var status: Int
    var code: String
    var detail: String
    var requestId: String?
    var errors: [FieldErrorBody]?
    var rows: [RowErrorBody]?

    struct RowErrorBody: Content {
        var row: Int
        var column: String?
        var field: String?
        var code: String
        var value: String?
        var message: String
    }

    struct FieldErrorBody: Content {
        var field: String
        var code: String
        var message: String
    }
}

/// What `lookup` finds, or nil when it answers 404 — and only then: a database that is down or a query that fails
/// still fails, where `try?` would have read it as "no such record" and answered 404.
public func ifFound<T>(_ lookup: () async throws -> T) async throws -> T? {
    do { return try await lookup() } catch let p as Problem where p.status == .notFound { return nil }
}
