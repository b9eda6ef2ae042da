import Crypto
import Foundation

/// Keys derived from the one master secret (HKDF-SHA256), one per purpose, so
/// that no key is used for two things.
public struct Keyring: Sendable {
    public let passwordPepper: SymmetricKey
    /// For personal-data encryption and its keyed lookup hash (customers issue).
    public let personalDataEncryption: SymmetricKey
    public let personalDataLookup: SymmetricKey
    /// Signs the visit QR codes brokers show at the sales site (带访确认, issue 17).
    public let channelVisitToken: SymmetricKey
    /// Seals tender bids (招投标) until their opening (issue 19).
    public let tenderBids: SymmetricKey

    public init(master: [UInt8]) {
        let ikm = SymmetricKey(data: master)
        func derive(_ purpose: String) -> SymmetricKey {
            HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm, info: Data("estatedesk/\(purpose)".utf8), outputByteCount: 32)
        }
        passwordPepper = derive("password-pepper")
        personalDataEncryption = derive("personal-data-encryption")
        personalDataLookup = derive("personal-data-lookup")
        channelVisitToken = derive("channel-visit-token")
        tenderBids = derive("tender-bids")
    }

    /// The configured key, or the one in `<dataDirectory>/secret.key`, created (0600) on first run.
    static func loadMaster(configured: [UInt8]?, dataDirectory: String, logger: Logger) throws -> [UInt8] {
        if let configured { return configured }
        let path = dataDirectory + "/secret.key"
        let fm = FileManager.default
        if let data = fm.contents(atPath: path) {
            guard let decoded = Data(base64Encoded: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
                  decoded.count == 32 else {
                throw AppConfiguration.Invalid(variable: "ESTATE_SECRET_KEY", reason: "\(path) does not hold 32 bytes in base64")
            }
            return Array(decoded)
        }
        try fm.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        guard fm.createFile(atPath: path, contents: Data((Data(key).base64EncodedString() + "\n").utf8),
                            attributes: [.posixPermissions: 0o600]) else {
            throw AppConfiguration.Invalid(variable: "ESTATE_DATA_DIR", reason: "cannot write \(path)")
        }
        logger.notice("Generated a new secret key at \(path); set ESTATE_SECRET_KEY to share one key between servers.")
        return key
    }
}

import Logging
