import Crypto
@testable import EstateServer
import Foundation
import Testing

@Suite struct PersonalDataCipherTests {
    let keyring = Keyring(master: Array(repeating: 7, count: 32))

    @Test func sealedValuesOpenAndHideTheNumber() throws {
        let cipher = PersonalDataCipher(keyring: keyring)
        let id = "11010519491231002X"
        let a = try cipher.seal(id), b = try cipher.seal(id)
        #expect(a != b, "a fresh nonce each time")
        #expect(!a.contains(id) && !a.contains("19491231"))
        #expect(try cipher.open(a) == id && cipher.open(b) == id)
    }

    @Test func tamperingOrAnotherKeyIsRefused() throws {
        let cipher = PersonalDataCipher(keyring: keyring)
        var sealed = Array(try cipher.seal("13812345678").utf8)
        sealed[10] = sealed[10] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: (any Error).self) { try cipher.open(String(decoding: sealed, as: UTF8.self)) }
        let other = PersonalDataCipher(keyring: Keyring(master: Array(repeating: 9, count: 32)))
        #expect(throws: (any Error).self) { try other.open(try cipher.seal("x")) }
        #expect(throws: (any Error).self) { try cipher.open("not sealed") }
    }

    @Test func lookupKeysAreStableKeyedAndPerPurpose() {
        let cipher = PersonalDataCipher(keyring: keyring)
        let k = cipher.lookupKey("11010519491231002X", purpose: "id")
        #expect(k == cipher.lookupKey("11010519491231002X", purpose: "id"))
        #expect(k.count == 64)
        #expect(k != cipher.lookupKey("11010519491231002X", purpose: "mobile"))
        #expect(k != PersonalDataCipher(keyring: Keyring(master: Array(repeating: 9, count: 32))).lookupKey("11010519491231002X", purpose: "id"))
        // Not a plain digest anyone could recompute.
        let plain = SHA256.hash(data: Data("11010519491231002X".utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(k != plain)
    }
}
