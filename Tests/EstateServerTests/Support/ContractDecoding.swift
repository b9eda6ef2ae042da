@testable import EstateServer
import Foundation
import VaporTesting

/// The contract's generated types (`Sources/EstateServer/openapi.yaml`); tests read response
/// bodies through them, so a body that drifts from the contract fails to decode.
typealias Schemas = Components.Schemas

/// A decoder that reads bodies as the generated server code does: date-times through the
/// server's own transcoder (`FlexibleISO8601`, as configured in `Routes.swift`).
func contractDecoder() -> JSONDecoder {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .custom { decoder in
        try FlexibleISO8601().decode(try decoder.singleValueContainer().decode(String.self))
    }
    return decoder
}

/// A body that did not decode as the expected contract type.
struct ContractDecodingFailure: Error, CustomStringConvertible {
    let type: String
    let status: HTTPResponseStatus
    let body: String
    let underlying: any Error
    var description: String { "\(status.code) body is not a \(type): \(underlying)\n\(body)" }
}

extension TestingHTTPResponse {
    /// The body as the generated contract type `type`, e.g. `try res.decode(Schemas.Customer.self)`.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try contractDecoder().decode(T.self, from: Data(body.readableBytesView))
        } catch {
            throw ContractDecodingFailure(type: "\(T.self)", status: status, body: body.string, underlying: error)
        }
    }

    /// The body as the contract's problem+json error (`Schemas.Problem`).
    func problem() throws -> Schemas.Problem { try decode(Schemas.Problem.self) }
}
