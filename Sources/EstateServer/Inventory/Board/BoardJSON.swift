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
        w.raw("{\"id\":"); w.string(u.id.uuidString)
        w.raw(",\"buildingId\":"); w.string(u.buildingID.uuidString)
        w.raw(",\"code\":"); w.string(u.code)
        w.raw(",\"entrance\":"); w.int(u.entrance)
        w.raw(",\"floor\":"); w.int(u.floor)
        w.raw(",\"room\":"); w.string(u.room)
        w.raw(",\"layout\":"); w.string(u.layout)
        w.raw(",\"orientation\":"); w.string(u.orientation)
        w.raw(",\"usage\":"); w.string(u.usage)
        w.raw(",\"builtArea\":"); w.string(u.builtArea.description)
        w.raw(",\"innerArea\":"); w.string(u.innerArea.description)
        w.raw(",\"pricingBasis\":"); w.string(u.pricingBasis)
        w.raw(",\"listUnitPrice\":"); w.string(u.listUnitPrice.plain)
        w.raw(",\"listTotal\":"); w.string(u.listTotal.plain)
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
