import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reverse proxies whose `X-Forwarded-For` is believed (`ESTATE_TRUSTED_PROXIES`: addresses or
/// CIDR blocks, comma-separated). A request's address is the socket peer; only when that peer
/// is a trusted proxy is the header read, right to left, skipping trusted hops, so a client
/// cannot choose its own address for the sign-in limits and the audit log (issue 13).
public struct TrustedProxies: Sendable, Equatable {
    struct Block: Sendable, Equatable {
        var bytes: [UInt8]
        var prefix: Int
        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var left = prefix
            for i in bytes.indices where left > 0 {
                let bits = min(8, left)
                let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                if address[i] & mask != bytes[i] & mask { return false }
                left -= bits
            }
            return true
        }
    }

    let blocks: [Block]
    public static let none = TrustedProxies(blocks: [])
    public var isEmpty: Bool { blocks.isEmpty }

    /// `10.0.0.1, 192.168.0.0/16, ::1`; nil when any entry is not an address or block.
    public init?(_ text: String) {
        var blocks: [Block] = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, let bytes = Self.parse(String(parts[0])) else { return nil }
            let prefix: Int
            if parts.count == 2 {
                guard let p = Int(parts[1]), (0...(bytes.count * 8)).contains(p) else { return nil }
                prefix = p
            } else {
                prefix = bytes.count * 8
            }
            blocks.append(Block(bytes: bytes, prefix: prefix))
        }
        self.blocks = blocks
    }

    init(blocks: [Block]) { self.blocks = blocks }

    public func trusts(_ address: String) -> Bool {
        guard let bytes = Self.parse(address) else { return false }
        return blocks.contains { $0.contains(bytes) }
    }

    /// The client's address: the peer, or — behind trusted proxies — the nearest untrusted hop
    /// of `X-Forwarded-For`.
    public func clientAddress(peer: String?, forwardedFor: [String]) -> String? {
        guard let peer else { return nil }
        guard trusts(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        var client = peer
        for hop in hops.reversed() {
            guard Self.parse(hop) != nil else { break }
            client = hop
            if !trusts(hop) { break }
        }
        return client
    }

    /// IPv4 or IPv6 text to its bytes (IPv4-mapped IPv6 read as IPv4).
    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF { return Array(bytes[12...]) }
            return bytes
        }
        return nil
    }
}
