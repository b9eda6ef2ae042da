/// A QR code (ISO/IEC 18004) for the visit codes brokers show and the 带看单 prints: byte mode,
/// error correction M, versions 1–10 (up to 213 bytes), after Project Nayuki's reference
/// implementation (https://www.nayuki.io/page/qr-code-generator-library).
public struct QRCode: Sendable, Equatable {
    public let version: Int
    public let mask: Int
    /// Rows of modules, true = dark.
    public let modules: [[Bool]]
    public var size: Int { modules.count }

    /// (error-correction codewords per block, [(blocks, data codewords per block)]) for level M.
    static let blocksM: [Int: (ec: Int, groups: [(Int, Int)])] = [
        1: (10, [(1, 16)]), 2: (16, [(1, 28)]), 3: (26, [(1, 44)]), 4: (18, [(2, 32)]), 5: (24, [(2, 43)]),
        6: (16, [(4, 27)]), 7: (18, [(4, 31)]), 8: (22, [(2, 38), (2, 39)]), 9: (22, [(3, 36), (2, 37)]), 10: (26, [(4, 43), (1, 44)]),
    ]
    static let alignment: [Int: [Int]] = [
        1: [], 2: [6, 18], 3: [6, 22], 4: [6, 26], 5: [6, 30], 6: [6, 34], 7: [6, 22, 38], 8: [6, 24, 42], 9: [6, 26, 46], 10: [6, 28, 50],
    ]

    static func dataCapacity(_ version: Int) -> Int { blocksM[version]!.groups.reduce(0) { $0 + $1.0 * $1.1 } }

    /// The code for `text` (UTF-8 bytes), smallest version that holds it; nil when it is too long.
    /// `mask` nil: the mask with the lowest penalty.
    public static func encode(_ text: String, mask fixed: Int? = nil) -> QRCode? {
        let bytes = Array(text.utf8)
        guard let version = (1...10).first(where: { v in 4 + (v < 10 ? 8 : 16) + bytes.count * 8 <= dataCapacity(v) * 8 }) else { return nil }
        // Bits: mode 0100, count, data, terminator, pad.
        var bits: [Bool] = []
        func put(_ value: Int, _ n: Int) { for i in stride(from: n - 1, through: 0, by: -1) { bits.append((value >> i) & 1 == 1) } }
        put(0b0100, 4)
        put(bytes.count, version < 10 ? 8 : 16)
        for b in bytes { put(Int(b), 8) }
        let capacityBits = dataCapacity(version) * 8
        put(0, min(4, capacityBits - bits.count))
        while bits.count % 8 != 0 { bits.append(false) }
        var data: [UInt8] = stride(from: 0, to: bits.count, by: 8).map { i in bits[i..<i + 8].reduce(UInt8(0)) { $0 << 1 | ($1 ? 1 : 0) } }
        var pad: UInt8 = 0xEC
        while data.count < dataCapacity(version) { data.append(pad); pad = pad == 0xEC ? 0x11 : 0xEC }

        // Blocks, their error correction, interleaved.
        let spec = blocksM[version]!
        var blocks: [[UInt8]] = []
        var k = 0
        for (count, length) in spec.groups { for _ in 0..<count { blocks.append(Array(data[k..<k + length])); k += length } }
        let divisor = rsDivisor(spec.ec)
        let ecc = blocks.map { rsRemainder($0, divisor) }
        var all: [UInt8] = []
        for i in 0..<(blocks.map(\.count).max() ?? 0) { for b in blocks where i < b.count { all.append(b[i]) } }
        for i in 0..<spec.ec { for e in ecc { all.append(e[i]) } }

        var m = Matrix(version: version)
        m.drawFunctionPatterns()
        m.drawCodewords(all)
        let chosen: Int
        if let fixed { chosen = fixed } else {
            chosen = (0..<8).min { a, b in
                var ma = m, mb = m
                ma.applyMask(a); ma.drawFormat(a)
                mb.applyMask(b); mb.drawFormat(b)
                return ma.penalty() < mb.penalty()
            }!
        }
        m.applyMask(chosen)
        m.drawFormat(chosen)
        return QRCode(version: version, mask: chosen, modules: m.modules)
    }

    /// An SVG of the code with a quiet zone of 4 modules, `scale` pixels a module.
    public func svg(scale: Int = 4) -> String {
        let n = size + 8
        var path = ""
        for (y, row) in modules.enumerated() {
            for (x, dark) in row.enumerated() where dark { path += "M\(x + 4) \(y + 4)h1v1h-1z" }
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(n) \(n)\" width=\"\(n * scale)\" height=\"\(n * scale)\" shape-rendering=\"crispEdges\">"
            + "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path d=\"\(path)\" fill=\"#000\"/></svg>"
    }

    // MARK: Reed–Solomon over GF(256), polynomial 0x11D

    static func mul(_ x: UInt8, _ y: UInt8) -> UInt8 {
        var z = 0
        for i in stride(from: 7, through: 0, by: -1) {
            z = (z << 1) ^ ((z >> 7) * 0x11D)
            z ^= ((Int(y) >> i) & 1) * Int(x)
        }
        return UInt8(z & 0xFF)
    }

    static func rsDivisor(_ degree: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: degree)
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for j in 0..<degree {
                result[j] = mul(result[j], root)
                if j + 1 < degree { result[j] ^= result[j + 1] }
            }
            root = mul(root, 0x02)
        }
        return result
    }

    static func rsRemainder(_ data: [UInt8], _ divisor: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: divisor.count)
        for b in data {
            let factor = b ^ result[0]
            result.removeFirst()
            result.append(0)
            for i in result.indices { result[i] ^= mul(divisor[i], factor) }
        }
        return result
    }

    struct Matrix {
        let version: Int
        let size: Int
        var modules: [[Bool]]
        var function: [[Bool]]

        init(version: Int) {
            self.version = version
            size = version * 4 + 17
            modules = Array(repeating: Array(repeating: false, count: size), count: size)
            function = modules
        }

        mutating func set(_ x: Int, _ y: Int, _ dark: Bool) { modules[y][x] = dark; function[y][x] = true }

        mutating func drawFunctionPatterns() {
            for i in 0..<size { set(6, i, i % 2 == 0); set(i, 6, i % 2 == 0) }
            for (cx, cy) in [(3, 3), (size - 4, 3), (3, size - 4)] {
                for dy in -4...4 { for dx in -4...4 {
                    let x = cx + dx, y = cy + dy
                    guard (0..<size).contains(x), (0..<size).contains(y) else { continue }
                    let d = max(abs(dx), abs(dy))
                    set(x, y, d != 2 && d != 4)
                } }
            }
            let pos = QRCode.alignment[version]!
            for (i, a) in pos.enumerated() { for (j, b) in pos.enumerated() {
                if (i == 0 && j == 0) || (i == 0 && j == pos.count - 1) || (i == pos.count - 1 && j == 0) { continue }
                for dy in -2...2 { for dx in -2...2 { set(a + dx, b + dy, max(abs(dx), abs(dy)) != 1) } }
            } }
            drawFormat(0)
            if version >= 7 {
                var rem = version
                for _ in 0..<12 { rem = (rem << 1) ^ ((rem >> 11) * 0x1F25) }
                let bits = version << 12 | rem
                for i in 0..<18 {
                    let bit = (bits >> i) & 1 == 1
                    let a = size - 11 + i % 3, b = i / 3
                    set(a, b, bit); set(b, a, bit)
                }
            }
        }

        mutating func drawFormat(_ mask: Int) {
            let data = 0b00 << 3 | mask   // level M
            var rem = data
            for _ in 0..<10 { rem = (rem << 1) ^ ((rem >> 9) * 0x537) }
            let bits = (data << 10 | rem) ^ 0x5412
            func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }
            for i in 0...5 { set(8, i, bit(i)) }
            set(8, 7, bit(6)); set(8, 8, bit(7)); set(7, 8, bit(8))
            for i in 9..<15 { set(14 - i, 8, bit(i)) }
            for i in 0..<8 { set(size - 1 - i, 8, bit(i)) }
            for i in 8..<15 { set(8, size - 15 + i, bit(i)) }
            set(8, size - 8, true)
        }

        mutating func drawCodewords(_ data: [UInt8]) {
            var i = 0
            var right = size - 1
            while right >= 1 {
                if right == 6 { right = 5 }
                for vert in 0..<size {
                    for j in 0..<2 {
                        let x = right - j
                        let upward = (right + 1) & 2 == 0
                        let y = upward ? size - 1 - vert : vert
                        if !function[y][x] && i < data.count * 8 {
                            modules[y][x] = (data[i >> 3] >> (7 - (i & 7))) & 1 == 1
                            i += 1
                        }
                    }
                }
                right -= 2
            }
        }

        mutating func applyMask(_ mask: Int) {
            for y in 0..<size { for x in 0..<size where !function[y][x] {
                let invert: Bool = switch mask {
                case 0: (x + y) % 2 == 0
                case 1: y % 2 == 0
                case 2: x % 3 == 0
                case 3: (x + y) % 3 == 0
                case 4: (x / 3 + y / 2) % 2 == 0
                case 5: x * y % 2 + x * y % 3 == 0
                case 6: (x * y % 2 + x * y % 3) % 2 == 0
                default: ((x + y) % 2 + x * y % 3) % 2 == 0
                }
                if invert { modules[y][x].toggle() }
            } }
        }

        /// The standard's penalty: runs of five or more, 2×2 blocks, finder-like patterns, dark balance.
        func penalty() -> Int {
            var p = 0
            func lines(_ get: (Int, Int) -> Bool) {
                for a in 0..<size {
                    var run = 1
                    var line: [Bool] = [get(a, 0)]
                    for b in 1..<size {
                        let v = get(a, b); line.append(v)
                        if v == get(a, b - 1) { run += 1; if run == 5 { p += 3 } else if run > 5 { p += 1 } } else { run = 1 }
                    }
                    let pattern: [Bool] = [true, false, true, true, true, false, true]
                    for s in 0...(size - 7) where Array(line[s..<s + 7]) == pattern {
                        let before = s >= 4 && line[(s - 4)..<s].allSatisfy { !$0 }
                        let after = s + 11 <= size && line[(s + 7)..<(s + 11)].allSatisfy { !$0 }
                        if before || after { p += 40 }
                    }
                }
            }
            lines { modules[$0][$1] }
            lines { modules[$1][$0] }
            for y in 0..<(size - 1) { for x in 0..<(size - 1) {
                let c = modules[y][x]
                if c == modules[y][x + 1] && c == modules[y + 1][x] && c == modules[y + 1][x + 1] { p += 3 }
            } }
            let dark = modules.reduce(0) { $0 + $1.filter { $0 }.count }
            let total = size * size
            p += (abs(dark * 20 - total * 10) + total - 1) / total - 1 > 0 ? ((abs(dark * 20 - total * 10) + total - 1) / total - 1) * 10 : 0
            return p
        }
    }
}
