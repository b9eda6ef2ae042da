import Crypto
import Foundation

/// Personal data at rest (个人信息保护法): identity numbers are stored sealed with AES-GCM under a
/// key derived from the master secret, and found by exact value through a keyed hash (HMAC-SHA256
/// under a second derived key), so the database holds neither the number nor an unkeyed digest a
/// dictionary of all 18-digit numbers could reverse.
public struct PersonalDataCipher: Sendable {
    let encryption: SymmetricKey
    let lookup: SymmetricKey

    public init(keyring: Keyring) {
        encryption = keyring.personalDataEncryption
        lookup = keyring.personalDataLookup
    }

    /// Versioned so a key rotation can tell old from new: "v1:" + base64(nonce ‖ ciphertext ‖ tag).
    static let prefix = "v1:"

    public func seal(_ plain: String) throws -> String {
        let box = try AES.GCM.seal(Data(plain.utf8), using: encryption)
        guard let combined = box.combined else { throw CipherError.sealFailed }
        return Self.prefix + combined.base64EncodedString()
    }

    public func open(_ sealed: String) throws -> String {
        guard sealed.hasPrefix(Self.prefix), let data = Data(base64Encoded: String(sealed.dropFirst(Self.prefix.count))) else {
            throw CipherError.malformed
        }
        let plain = try AES.GCM.open(AES.GCM.SealedBox(combined: data), using: encryption)
        return String(decoding: plain, as: UTF8.self)
    }

    /// The lookup key for an exact value (already normalized by the caller), hex.
    public func lookupKey(_ value: String, purpose: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data((purpose + "\u{1F}" + value).utf8), using: lookup)
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    public enum CipherError: Error { case sealFailed, malformed }
}
