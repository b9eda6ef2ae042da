import EstateCore
import Foundation

/// Hand-written JSON for the board: the one response where JSONEncoder's cost
/// (≈10× the query on 10,000 units, PERFORMANCE.md) matters. The shape is the
/// `Board` schema of openapi.yaml; `BoardJSONTests` decodes it with JSONDecoder.
enum BoardJSON {
    static func encode(_ board: Board) -> [UInt8] {
        var w = JSONWriter()
        w.raw("{\"project\":{\"id\":"); w.string(board.project.id.uuidString)
        w.raw(",\"code\":"); w.string(board.project.code)
        w.raw(",\"name\":"); w.string(board.project.name)
        w.raw("},\"rounding\":"); w.string(board.rounding.rawValue)
        w.raw(",\"generatedAt\":"); w.string(board.generatedAt.rfc3339)
        w.raw(",\"totals\":"); totals(board.totals, &w)
        w.raw(",\"buildings\":[")
        for (i, b) in board.buildings.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"id\":"); w.string(b.building.id.uuidString)
            w.raw(",\"name\":"); w.string(b.building.name)
            w.raw(",\"floors\":"); w.int(b.building.floors)
            w.raw(",\"entrances\":"); w.int(b.building.entrances)
            w.raw(",\"totals\":"); totals(b.totals, &w)
            w.raw(",\"units\":[")
            for (j, u) in b.units.enumerated() {
                if j > 0 { w.raw(",") }
                cell(u, &w)
            }
            w.raw("]}")
        }
        w.raw("]}")
        return w.bytes
    }

    static func cell(_ u: UnitRow, _ w: inout JSONWriter) {
        w.raw("{\"id\":"); w.uuid(u.id)
        w.raw(",\"buildingId\":"); w.uuid(u.buildingID)
        w.raw(",\"code\":"); w.string(u.code)
        w.raw(",\"entrance\":"); w.int(u.entrance)
        w.raw(",\"floor\":"); w.int(u.floor)
        w.raw(",\"room\":"); w.string(u.room)
        w.raw(",\"layout\":"); w.string(u.layout)
        w.raw(",\"orientation\":"); w.string(u.orientation)
        w.raw(",\"usage\":"); w.string(u.usage)
        w.raw(",\"builtArea\":"); w.fixed(Int64(u.builtArea.hundredths))
        w.raw(",\"innerArea\":"); w.fixed(Int64(u.innerArea.hundredths))
        w.raw(",\"pricingBasis\":"); w.string(u.pricingBasis)
        w.raw(",\"listUnitPrice\":"); w.fixed(u.listUnitPrice.fen)
        w.raw(",\"listTotal\":"); w.fixed(u.listTotal.fen)
        w.raw(",\"status\":"); w.string(u.status.rawValue)
        w.raw("}")
    }

    static func cells(_ units: [UnitRow]) -> [UInt8] {
        var w = JSONWriter()
        w.raw("[")
        for (i, u) in units.enumerated() { if i > 0 { w.raw(",") }; cell(u, &w) }
        w.raw("]")
        return w.bytes
    }

    /// Board cells without their prices (`listUnitPrice`, `listTotal`), for a viewer who may not see prices.
    static func withoutPrices(_ cells: [UInt8]) -> [UInt8] {
        guard let array = try? JSONSerialization.jsonObject(with: Data(cells)) as? [[String: Any]] else { return Array("[]".utf8) }
        let stripped = array.map { $0.filter { $0.key != "listUnitPrice" && $0.key != "listTotal" } }
        return (try? JSONSerialization.data(withJSONObject: stripped)).map(Array.init) ?? Array("[]".utf8)
    }

    static func totals(_ t: Board.Totals, _ w: inout JSONWriter) {
        w.raw("{\"units\":"); w.int(t.units)
        w.raw(",\"released\":"); w.int(t.released)
        w.raw(",\"sold\":"); w.int(t.sold)
        w.raw(",\"soldArea\":"); w.string(t.soldArea.description)
        w.raw(",\"soldAmount\":"); w.string(t.soldAmount.plain)
        w.raw(",\"availableAmount\":"); w.string(t.availableAmount.plain)
        w.raw(",\"sellThrough\":"); w.string(DecimalText.format(Int64(t.sellThroughPermyriad), scale: 4, grouping: false))
        w.raw(",\"byStatus\":{")
        for (i, s) in UnitStatus.allCases.enumerated() {
            let v = t.byStatus[s] ?? .init()
            if i > 0 { w.raw(",") }
            w.string(s.rawValue)
            w.raw(":{\"count\":"); w.int(v.count)
            w.raw(",\"area\":"); w.string(v.area.description)
            w.raw(",\"amount\":"); w.string(v.amount.plain)
            w.raw("}")
        }
        w.raw("}}")
    }
}

struct JSONWriter {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(64 * 1024) }

    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func int(_ v: Int) { bytes.append(contentsOf: String(v).utf8) }

    mutating func uuid(_ id: UUID) {
        bytes.append(UInt8(ascii: "\""))
        UUIDText.append(id, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A fixed-point value with two decimals as a JSON string ("1234.56", "-0.05"), written
    /// digit by digit: the same text as `DecimalText.format(v, scale: 2, grouping: false)`.
    mutating func fixed(_ v: Int64) {
        bytes.append(UInt8(ascii: "\""))
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        var m = v.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat { d[n] = UInt8(m % 10) + 48; m /= 10; n += 1 } while m > 0 || n < 3
            for i in stride(from: n - 1, through: 0, by: -1) {
                if i == 1 { bytes.append(UInt8(ascii: ".")) }
                bytes.append(d[i])
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension Date {
    /// RFC 3339 in UTC with milliseconds, as the API writes times.
    var rfc3339: String {
        let f = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
        return self.formatted(f)
    }
}
