import Crypto
import Foundation
import NIOPosix
import Vapor

/// bcrypt over an HMAC-SHA256 pre-hash: bcrypt reads only the first 72 bytes,
/// which is 24 Chinese characters, so long passphrases would otherwise be
/// silently truncated. The pre-hash is keyed (a pepper), so a stolen database
/// alone does not allow offline guessing.
public struct PasswordHasher: Sendable {
    let pepper: SymmetricKey
    let cost: Int
    let threadPool: NIOThreadPool
    /// A hash of nothing anyone knows, verified against when the user name does
    /// not exist, so that response time does not reveal which names exist.
    let decoy: String

    init(pepper: SymmetricKey, cost: Int, threadPool: NIOThreadPool) throws {
        self.pepper = pepper
        self.cost = cost
        self.threadPool = threadPool
        self.decoy = try Bcrypt.hash(UUID().uuidString, cost: cost)
    }

    private func prehash(_ password: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data(password.utf8), using: pepper)).base64EncodedString()
    }

    /// Hashing takes ~0.25 s at cost 12, so it runs off the event loop.
    public func hash(_ password: String) async throws -> String {
        let pre = prehash(password)
        let cost = cost
        return try await threadPool.runIfActive { try Bcrypt.hash(pre, cost: cost) }
    }

    public func verify(_ password: String, against hash: String) async throws -> Bool {
        let pre = prehash(password)
        return try await threadPool.runIfActive { (try? Bcrypt.verify(pre, created: hash)) ?? false }
    }

}
