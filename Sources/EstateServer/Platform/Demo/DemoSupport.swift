import Foundation
import NIOConcurrencyHelpers

// What both stories of the demo rely on: a fixed random sequence, a clock the services run on,
// and the error a refused step is reported with.

/// A small deterministic generator, so every demo looks the same.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The demo's clock. The story of the sale is told through the real services on this clock, day
/// by day since the launch, so every date (deadlines, due dates, receipts, stages) is one the
/// services accepted on its day; it ends at the real now. Audit lines keep the real time.
final class DemoClock: Sendable {
    private let box: NIOLockedValueBox<Date>
    init(_ start: Date) { box = NIOLockedValueBox(start) }
    var now: Date { box.withLockedValue { $0 } }
    func set(_ date: Date) { box.withLockedValue { $0 = date } }
}

extension AppServices {
    /// The same services on another clock.
    func running(on clock: DemoClock) -> AppServices {
        AppServices(config: config, engine: engine, catalog: catalog, keyring: keyring, hasher: hasher, contract: contract, metrics: metrics,
                    writeGate: writeGate, selectionGate: selectionGate, imports: imports, unitEvents: unitEvents, principals: principals, now: { clock.now })
    }
}

/// A step of a demo story the services refused, or something the story expected and did not find.
struct DemoFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Small images the demo attaches, drawn here so the demo needs no files.
enum DemoPhoto {
    /// A small valid PNG (24×16, a grey wall with a darker damp patch): the photo on the leak.
    static func dampWall() -> Data {
        let width = 24, height = 16
        var raw: [UInt8] = []
        for y in 0..<height {
            raw.append(0)   // filter: none
            for x in 0..<width {
                let dx = x - 15, dy = y - 6
                let damp = dx * dx + 2 * dy * dy < 40
                raw += damp ? [0x8A, 0x8F, 0x7A] : [0xD8, 0xD6, 0xCF]
            }
        }
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        func crc32(_ bytes: [UInt8]) -> UInt32 {
            var c: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                c ^= UInt32(byte)
                for _ in 0..<8 { c = (c & 1) == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            }
            return ~c
        }
        func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
            let typed = Array(type.utf8) + body
            return be32(UInt32(body.count)) + typed + be32(crc32(typed))
        }
        // zlib with one stored (uncompressed) deflate block: the image is tiny.
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in raw { a = (a + UInt32(byte)) % 65_521; b = (b + a) % 65_521 }
        let n = UInt16(raw.count)
        var zlib: [UInt8] = [0x78, 0x01, 0x01, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8(~n >> 8)]
        zlib += raw
        zlib += be32((b << 16) | a)
        var header = be32(UInt32(width)) + be32(UInt32(height))
        header += [8, 2, 0, 0, 0]   // 8-bit RGB
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += chunk("IHDR", header)
        png += chunk("IDAT", zlib)
        png += chunk("IEND", [])
        return Data(png)
    }
}
