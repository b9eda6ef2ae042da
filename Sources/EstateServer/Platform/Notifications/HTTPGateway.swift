import Foundation
import NIOCore
import Vapor

/// An SMS/e-mail provider over HTTP: `POST url` with a JSON body
/// `{"id", "channel", "to", "subject", "body"}`, `Authorization: Bearer <key>` and
/// `Idempotency-Key: <message id>`, so a resend after a crash is dropped by the provider.
public struct HTTPGateway: NotificationGateway {
    public let url: URI
    let key: String
    let client: any Client
    public let timeout: TimeAmount

    public init(url: String, key: String, client: any Client, timeout: TimeAmount = .seconds(10)) {
        self.url = URI(string: url)
        self.key = key
        self.client = client
        self.timeout = timeout
    }

    struct Payload: Content {
        var id: String
        var channel: String
        var to: String
        var subject: String
        var body: String
    }

    public func send(_ m: OutgoingMessage) async throws -> GatewayResult {
        var headers = HTTPHeaders()
        headers.bearerAuthorization = BearerAuthorization(token: key)
        headers.replaceOrAdd(name: "Idempotency-Key", value: m.id.uuidString)
        var request = ClientRequest(method: .POST, url: url, headers: headers, body: nil, timeout: timeout)
        try request.content.encode(Payload(id: m.id.uuidString, channel: m.channel.rawValue, to: m.recipient,
                                           subject: m.subject, body: m.body), as: .json)
        let response: ClientResponse
        do {
            response = try await client.send(request)
        } catch {
            return .retry("no answer: \(String(describing: error).prefix(300))", httpStatus: nil)
        }
        let code = Int(response.status.code)
        let text = response.body.map { String(buffer: $0) } ?? ""
        switch code {
        case 200..<300:
            return .sent(providerRef: Self.reference(in: response))
        case 408, 429, 500..<600:
            return .retry("HTTP \(code) \(text.prefix(300))", httpStatus: code)
        default:
            return .rejected("HTTP \(code) \(text.prefix(300))", httpStatus: code)
        }
    }

    /// The provider's id for the message: `ref`, else `id`, when the answer is a JSON object.
    static func reference(in response: ClientResponse) -> String? {
        guard let body = response.body,
              let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] else { return nil }
        for key in ["ref", "id"] {
            if let s = object[key] as? String, !s.isEmpty { return String(s.prefix(200)) }
            if let n = object[key] as? NSNumber { return n.stringValue }
        }
        return nil
    }
}
