import Crypto
import Foundation

/// The QR code a broker shows at the sales site (带访确认): the registration id and an expiry,
/// signed with HMAC-SHA256 under the keyring's visit-token key. Text: `<uuid>.<expiry>.<mac>`,
/// the mac in base64url over "<uuid>.<expiry>".
public enum VisitToken {
    public enum Failure: String, Error, Sendable { case forged = "visit_token_invalid", expired = "visit_token_expired" }

    public static func make(_ id: UUID, expires: Date, key: SymmetricKey) -> String {
        let body = "\(id.uuidString.lowercased()).\(Int64(expires.timeIntervalSince1970.rounded(.down)))"
        return body + "." + mac(body, key)
    }

    /// The registration the token names, or why it is refused.
    public static func verify(_ token: String, now: Date, key: SymmetricKey) -> Result<UUID, Failure> {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.count <= 200, parts.count == 3, let id = UUID(uuidString: String(parts[0])), let exp = Int64(parts[1]) else { return .failure(.forged) }
        let body = "\(parts[0]).\(parts[1])"
        guard let given = Data(base64URL: String(parts[2])),
              HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Data(body.utf8), using: key) else { return .failure(.forged) }
        guard Double(exp) >= now.timeIntervalSince1970 else { return .failure(.expired) }
        return .success(id)
    }

    static func mac(_ body: String, _ key: SymmetricKey) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: key)).base64URLEncodedString()
    }
}

extension Data {
    func base64URLEncodedString() -> String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    init?(base64URL s: String) {
        guard s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var b = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        self.init(base64Encoded: b)
    }
}
