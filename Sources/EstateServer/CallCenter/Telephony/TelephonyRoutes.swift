import Crypto
import EstateCore
import Foundation
import Vapor

/// `POST /api/v1/call-events` (operationId `postCallEvent`): the telephony system's events, signed
/// with HMAC-SHA256 over "<X-Estate-Timestamp>.<raw body>" (hex in `X-Estate-Signature`). By hand,
/// because the signature is over the bytes as sent; the contract still describes it.
enum TelephonyRoutes {
    static let timestampHeader = "X-Estate-Timestamp"
    static let signatureHeader = "X-Estate-Signature"
    static let maxBody = 64 * 1024

    static func register(_ app: Application) {
        app.on(.POST, "api", "v1", "call-events", guard: APIGuards.table["postCallEvent"]!, body: .collect(maxSize: ByteCount(value: maxBody)), use: post)
    }

    /// The body as the telephony system sends it.
    struct Payload: Decodable {
        var eventId: String
        var callId: String
        var type: String
        var at: String
        var direction: String?
        var number: String?
        var queue: String?
        var agent: String?
        var wrapSeconds: Int?
    }

    struct Answer: Content {
        var eventId: String
        var callId: String
    }

    /// The hex signature for `body` sent at `timestamp` (the telephony system computes the same).
    static func signature(key: String, timestamp: String, body: some Collection<UInt8>) -> String {
        var mac = HMAC<SHA256>(key: SymmetricKey(data: Data(key.utf8)))
        mac.update(data: Data(timestamp.utf8))
        mac.update(data: Data(".".utf8))
        mac.update(data: Data(body))
        return Data(mac.finalize()).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `given` (hex, optionally "sha256=…") is the signature, compared in constant time.
    static func verify(key: String, timestamp: String, body: [UInt8], given: String) -> Bool {
        let hex = given.lowercased().hasPrefix("sha256=") ? String(given.dropFirst(7)) : given
        guard hex.count == 64 else { return false }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            guard let b = UInt8(hex[i..<j], radix: 16) else { return false }
            bytes.append(b)
            i = j
        }
        var mac = HMAC<SHA256>(key: SymmetricKey(data: Data(key.utf8)))
        mac.update(data: Data(timestamp.utf8))
        mac.update(data: Data(".".utf8))
        mac.update(data: Data(body))
        let expected = Array(mac.finalize())
        // Constant time: every byte is compared whatever the first difference.
        return zip(expected, bytes).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    @Sendable static func post(_ req: Request) async throws -> Response {
        guard let key = req.services.config.telephonyKey else { throw Problem(.serviceUnavailable, "telephony_not_configured") }
        let body = req.body.data.map { Array($0.readableBytesView) } ?? []
        guard let stamp = req.headers.first(name: timestampHeader), let seconds = Int(stamp),
              let given = req.headers.first(name: signatureHeader),
              verify(key: key, timestamp: stamp, body: body, given: given)
        else { throw Problem(.unauthorized, "telephony_signature_invalid") }
        guard TelephonySignature.isFresh(Date(timeIntervalSince1970: TimeInterval(seconds)), now: req.services.now()) else {
            throw Problem(.unauthorized, "telephony_timestamp_stale")
        }
        let p: Payload
        do { p = try JSONDecoder().decode(Payload.self, from: Data(body)) } catch { throw Problem(.badRequest, "telephony_body_invalid") }
        var fields: [Problem.FieldError] = []
        let kind = CallEventKind(rawValue: p.type)
        if kind == nil { fields.append(.init(field: "type", code: "telephony_event_type_invalid")) }
        let at = FlexibleISO8601.parse(p.at)
        if at == nil { fields.append(.init(field: "at", code: "schema_format")) }
        let direction = p.direction.map(CallDirection.init(rawValue:))
        if case .some(nil) = direction { fields.append(.init(field: "direction", code: "schema_enum")) }
        guard fields.isEmpty, let kind, let at else { throw Problem.invalid(fields) }
        let event = CallEvent(eventID: p.eventId, kind: kind, at: at, direction: direction ?? nil, number: p.number, queue: p.queue,
                              agent: p.agent, wrapSeconds: p.wrapSeconds)
        _ = try await req.services.telephony(req.db).receive(.init(callRef: p.callId, event: event, projectID: nil))
        // A replay gets the same answer as the first delivery: the sender may stop retrying either way.
        // Keys sorted: the same bytes each time.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .accepted, headers: headers, body: .init(data: try encoder.encode(Answer(eventId: p.eventId, callId: p.callId))))
    }
}
