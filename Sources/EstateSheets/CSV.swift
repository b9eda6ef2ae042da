import Foundation

/// Reads CSV files as Excel writes them (UTF-8 with or without BOM, or GBK/GB18030 from Chinese Excel).
public enum CSVReader {
    public enum Encoding: String, Sendable { case utf8, gb18030 }

    /// Largest CSV accepted, the same limit as for an xlsx part.
    static let maxSize = 200 * 1024 * 1024

    /// RFC 4180: quoted fields, doubled quotes, embedded newlines, CRLF/LF/CR line ends, a UTF-8 BOM is dropped.
    /// Encoding: UTF-8 BOM or valid UTF-8 → utf8; otherwise decoded as GB18030 (a superset of GBK, what Chinese
    /// Excel saves) → gb18030; if neither decodes, throw badEncoding. Completely empty lines are skipped; row
    /// numbers count physical records (line 1 = first record) as Excel would show them.
    ///
    /// Also: a record whose fields are all empty (",,,") counts as empty; trailing empty fields are dropped;
    /// a quote inside an unquoted field, or text after a closing quote, is kept literally (as Excel does);
    /// GBK's single-byte euro sign 0x80 (code page 936) is accepted.
    ///
    /// `limits` are checked while parsing: `tooManyRows` at the first non-empty record past `maxRows`,
    /// `tooLarge` for a non-empty field past `maxColumns` or more than `maxCells` fields in all.
    public static func rows(_ data: Data, limits: SheetLimits = .standard) throws -> (encoding: Encoding, rows: [SheetRow]) {
        var stats = ReadStats()
        return try rows(data, limits: limits, stats: &stats)
    }

    static func rows(_ data: Data, limits: SheetLimits, stats: inout ReadStats) throws -> (encoding: Encoding, rows: [SheetRow]) {
        let limit = min(maxSize, limits.maxPartBytes)
        guard data.count <= limit else {
            throw SpreadsheetError(kind: .tooLarge, detail: "the CSV file is \(data.count) bytes (limit \(limit))")
        }
        let (encoding, text) = try decode(data)
        var text2 = text
        let rows = try text2.withUTF8 { try parse($0, limits: limits, stats: &stats) }
        return (encoding, rows)
    }

    static func decode(_ data: Data) throws -> (Encoding, String) {
        let bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            return (.utf8, String(decoding: bytes[3...], as: UTF8.self))
        }
        if let text = String(validating: bytes, as: UTF8.self) {
            return (.utf8, text)
        }
        if let text = String(data: data, encoding: gb18030) {
            return (.gb18030, text)
        }
        if let fixed = replacingCP936Euro(bytes), let text = String(data: Data(fixed), encoding: gb18030) {
            return (.gb18030, text)
        }
        throw SpreadsheetError(kind: .badEncoding, detail: "the CSV file is neither UTF-8 nor GB18030/GBK text")
    }

    /// GB18030 (kCFStringEncodingGB_18030_2000), which swift-corelibs-foundation and Apple's Foundation decode.
    static let gb18030 = String.Encoding(rawValue: 0x8000_0632)

    /// Code page 936 writes "€" as the single byte 0x80, which GB18030 does not allow; map it to GB18030's A2 E3.
    private static func replacingCP936Euro(_ bytes: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 8)
        var changed = false
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 {
                out.append(b)
                i += 1
            } else if b == 0x80 {
                out.append(0xA2)
                out.append(0xE3)
                changed = true
                i += 1
            } else {
                // Lead byte: four-byte sequence when the next byte is a digit, else two bytes.
                let length = (i + 1 < bytes.count && bytes[i + 1] >= 0x30 && bytes[i + 1] <= 0x39) ? 4 : 2
                let end = min(bytes.count, i + length)
                out.append(contentsOf: bytes[i..<end])
                i = end
            }
        }
        return changed ? out : nil
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, limits: SheetLimits = .standard) throws -> [SheetRow] {
        var stats = ReadStats()
        return try parse(bytes, limits: limits, stats: &stats)
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, limits: SheetLimits, stats: inout ReadStats) throws -> [SheetRow] {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr: UInt8 = 0x0D, lf: UInt8 = 0x0A
        let n = bytes.count
        var rows: [SheetRow] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var record = 0
        var cellBudget = limits.maxCells
        var i = 0
        func text(_ range: Range<Int>) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
        while i < n {
            record += 1
            fields.removeAll(keepingCapacity: true)
            var endOfRecord = false
            while !endOfRecord {
                if i < n && bytes[i] == quote {
                    // Quoted field: "" is a quote; anything after the closing quote is kept literally.
                    field.removeAll(keepingCapacity: true)
                    i += 1
                    var runStart = i
                    while i < n {
                        if bytes[i] == quote {
                            field.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                            if i + 1 < n && bytes[i + 1] == quote {
                                field.append(quote)
                                i += 2
                                runStart = i
                                continue
                            }
                            i += 1
                            runStart = -1
                            break
                        }
                        i += 1
                    }
                    if runStart >= 0 {  // no closing quote: the rest of the file is the field
                        field.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<n]))
                    }
                    let tailStart = i
                    while i < n && bytes[i] != comma && bytes[i] != cr && bytes[i] != lf { i += 1 }
                    if i > tailStart { field.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[tailStart..<i])) }
                    fields.append(String(decoding: field, as: UTF8.self))
                } else {
                    let start = i
                    while i < n && bytes[i] != comma && bytes[i] != cr && bytes[i] != lf { i += 1 }
                    fields.append(start == i ? "" : text(start..<i))
                }
                // Empty fields past the last column are dropped as they come (Excel pads ragged rows
                // with commas); a filled one there refuses the file before a huge record builds up.
                if fields.count > limits.maxColumns {
                    guard fields.removeLast().isEmpty else {
                        throw SpreadsheetError(kind: .tooLarge, detail: "record \(record): a field past column \(limits.maxColumns)")
                    }
                }
                if i >= n {
                    endOfRecord = true
                } else if bytes[i] == comma {
                    i += 1
                    if i >= n { fields.append(""); endOfRecord = true }
                } else {
                    if bytes[i] == cr && i + 1 < n && bytes[i + 1] == lf { i += 1 }
                    i += 1
                    endOfRecord = true
                }
            }
            while let last = fields.last, last.isEmpty { fields.removeLast() }
            if !fields.isEmpty {
                if rows.count >= limits.maxRows {
                    throw SpreadsheetError(kind: .tooManyRows, detail: "more than \(limits.maxRows) rows")
                }
                cellBudget -= fields.count
                if cellBudget < 0 {
                    throw SpreadsheetError(kind: .tooLarge, detail: "more than \(limits.maxCells) cells")
                }
                rows.append(SheetRow(number: record, cells: fields))
                stats.rows = rows.count
            }
        }
        return rows
    }
}

/// Writes CSV files that Excel (including Chinese Excel) opens correctly.
public enum CSVWriter {
    /// UTF-8 with BOM (what Chinese Excel opens correctly), CRLF, fields quoted when needed; text starting with
    /// = + - @ tab CR is prefixed with a single quote ' (CSV has no other way to stop formula evaluation).
    ///
    /// Quoting is needed for a comma, quote, CR or LF, and for leading or trailing spaces. Numbers are written
    /// plainly ("1234.56", "-5"); `.empty` is an empty field.
    public static func data(header: [String], rows: [[SheetCell]]) -> Data {
        var out: [UInt8] = [0xEF, 0xBB, 0xBF]
        out.reserveCapacity(3 + 16 * (rows.count + 1) * max(header.count, 1))
        if !header.isEmpty {
            appendRecord(header.map { SheetCell.text($0) }, to: &out)
        }
        for row in rows { appendRecord(row, to: &out) }
        return Data(out)
    }

    private static func appendRecord(_ cells: [SheetCell], to out: inout [UInt8]) {
        for (index, cell) in cells.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            switch cell {
            case .empty: break
            case .integer(let value): out.append(contentsOf: String(value).utf8)
            case .decimal(let value, let scale): out.append(contentsOf: XLSXWriter.numberText(value, scale: scale).utf8)
            case .text(let text): appendField(text, to: &out)
            }
        }
        out.append(0x0D)
        out.append(0x0A)
    }

    private static func appendField(_ text: String, to out: inout [UInt8]) {
        let guarded = FormulaGuard.looksLikeFormula(text) ? "'" + text : text
        var needsQuotes = false
        for b in guarded.utf8 where b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") || b == 0x0D || b == 0x0A {
            needsQuotes = true
            break
        }
        if let first = guarded.utf8.first, let last = guarded.utf8.last, first == 0x20 || last == 0x20 || first == 0x09 || last == 0x09 {
            needsQuotes = true
        }
        guard needsQuotes else {
            out.append(contentsOf: guarded.utf8)
            return
        }
        out.append(UInt8(ascii: "\""))
        for b in guarded.utf8 {
            if b == UInt8(ascii: "\"") { out.append(b) }
            out.append(b)
        }
        out.append(UInt8(ascii: "\""))
    }
}
