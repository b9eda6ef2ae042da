import Foundation

/// Reads the first worksheet of an .xlsx file into rows of text.
public enum XLSXReader {
    /// Largest number of cells (including the "" padding for gaps) a sheet may produce;
    /// guards against a small file that names far-apart cells on every row.
    static let maxCells = 20_000_000

    /// Rows of the first worksheet (workbook order, resolved via workbook.xml + rels). Shared strings
    /// (including rich-text runs <r><t>), inline strings, numbers, booleans ("TRUE"/"FALSE"), str formula
    /// results; cell refs with gaps (e.g. A1, C1 → cells ["x","","y"]); rows without r attribute. Numbers are
    /// returned as the literal text in <v> (e.g. "89.12", "1000000", "89.120000000000005", "1E-3") — the
    /// caller parses them. Completely empty rows are skipped.
    ///
    /// Also: error cells give their text ("#N/A"), `t="d"` cells their ISO text, and the OOXML escape
    /// `_xHHHH_` in strings is decoded as Excel does. Date-formatted numbers come back as the serial number.
    public static func rows(_ data: Data) throws -> [SheetRow] {
        let package = try ZipPackage(data)
        let workbookPath = try officeDocumentPath(package)
        guard let workbook = try package.part(workbookPath) else {
            throw SpreadsheetError(kind: .missingPart, detail: "workbook part \(workbookPath) is missing")
        }
        let relationships = try readRelationships(package, of: workbookPath)
        let sheetIDs = try sheetRelationshipIDs(workbook, part: workbookPath)

        var sheetPath: String?
        for id in sheetIDs {
            guard let rel = relationships.first(where: { $0.id == id }) else { continue }
            if rel.type.hasSuffix("/worksheet") || rel.type.isEmpty {
                sheetPath = PartPath.resolve(rel.target, from: workbookPath)
                break
            }
        }
        if sheetPath == nil, package.contains("xl/worksheets/sheet1.xml") {
            // A workbook without usable relationships: try the conventional name.
            sheetPath = "xl/worksheets/sheet1.xml"
        }
        guard let sheetPath else {
            throw SpreadsheetError(kind: .missingPart, detail: "the workbook lists no worksheet")
        }
        guard let sheet = try package.part(sheetPath) else {
            throw SpreadsheetError(kind: .missingPart, detail: "worksheet \(sheetPath) is missing")
        }

        var sharedStrings: [String] = []
        if let rel = relationships.first(where: { $0.type.hasSuffix("/sharedStrings") }) {
            let path = PartPath.resolve(rel.target, from: workbookPath)
            if let part = try package.part(path) { sharedStrings = try readSharedStrings(part, part: path) }
        } else if let part = try package.part("xl/sharedStrings.xml") {
            sharedStrings = try readSharedStrings(part, part: "xl/sharedStrings.xml")
        }
        return try readSheet(sheet, sharedStrings: sharedStrings, part: sheetPath)
    }

    // MARK: Package structure

    struct Relationship {
        var id: String
        var type: String
        var target: String
    }

    static func officeDocumentPath(_ package: ZipPackage) throws -> String {
        if let rels = try package.part("_rels/.rels") {
            let list = try parseRelationships(rels, part: "_rels/.rels")
            if let main = list.first(where: { $0.type.hasSuffix("/officeDocument") }) {
                return PartPath.resolve(main.target, from: "")
            }
        }
        if package.contains("xl/workbook.xml") { return "xl/workbook.xml" }
        throw SpreadsheetError(kind: .missingPart, detail: "no workbook (no officeDocument relationship and no xl/workbook.xml)")
    }

    static func readRelationships(_ package: ZipPackage, of part: String) throws -> [Relationship] {
        let path = PartPath.relationships(of: part)
        guard let data = try package.part(path) else { return [] }
        return try parseRelationships(data, part: path)
    }

    static func parseRelationships(_ data: Data, part: String) throws -> [Relationship] {
        try withXMLScanner(data, part: part) { scanner in
            var list: [Relationship] = []
            while true {
                let token = try scanner.next()
                if token == .eof { break }
                guard token == .start, scanner.nameIs("Relationship") else { continue }
                if scanner.attributeString("TargetMode") == "External" { continue }
                guard let target = scanner.attributeString("Target") else { continue }
                let decodedTarget = target.contains("%") ? (target.removingPercentEncoding ?? target) : target
                list.append(Relationship(
                    id: scanner.attributeString("Id") ?? "",
                    type: scanner.attributeString("Type") ?? "",
                    target: decodedTarget))
            }
            return list
        }
    }

    /// The relationship ids (`r:id`) of `<sheet>` elements, in workbook order.
    static func sheetRelationshipIDs(_ data: Data, part: String) throws -> [String] {
        try withXMLScanner(data, part: part) { scanner in
            var ids: [String] = []
            while true {
                let token = try scanner.next()
                if token == .eof { break }
                guard token == .start else { continue }
                if scanner.nameIs("sheet"), let id = scanner.attributeString("id", prefixed: true) ?? scanner.attributeString("id") {
                    ids.append(id)
                } else if scanner.nameIs("definedNames") || scanner.nameIs("calcPr") {
                    break  // <sheets> comes before these; nothing more to find
                }
            }
            return ids
        }
    }

    // MARK: Shared strings

    static func readSharedStrings(_ data: Data, part: String) throws -> [String] {
        try withXMLScanner(data, part: part) { scanner in
            var strings: [String] = []
            var buffer: [UInt8] = []
            buffer.reserveCapacity(256)
            while true {
                let token = try scanner.next()
                if token == .eof { break }
                if token == .start && scanner.nameIs("sst"), let count = scanner.attributeString("uniqueCount").flatMap({ Int($0) }) {
                    strings.reserveCapacity(min(count, 1_000_000))
                }
                guard token == .start, scanner.nameIs("si") else { continue }
                buffer.removeAll(keepingCapacity: true)
                if !scanner.selfClosing { try readRichText(&scanner, endingAt: "si", into: &buffer) }
                strings.append(OOXMLEscape.decode(buffer))
            }
            return strings
        }
    }

    /// Collects the text of `<t>` elements (plain or inside `<r>` runs) up to the end tag `end`,
    /// ignoring phonetic runs `<rPh>`.
    static func readRichText(_ scanner: inout XMLScanner, endingAt end: StaticString, into buffer: inout [UInt8]) throws {
        var inText = false
        var phoneticDepth = 0
        while true {
            let token = try scanner.next()
            switch token {
            case .start:
                if scanner.selfClosing { continue }
                if scanner.nameIs("rPh") {
                    phoneticDepth += 1
                } else if scanner.nameIs("t") && phoneticDepth == 0 {
                    inText = true
                }
            case .end:
                if scanner.nameIs("t") {
                    inText = false
                } else if scanner.nameIs("rPh") {
                    phoneticDepth -= 1
                } else if scanner.nameIs(end) {
                    return
                }
            case .text, .cdata:
                if inText { scanner.appendText(of: token, to: &buffer) }
            case .eof:
                throw XMLScanError("unexpected end of document inside <\(end)>")
            }
        }
    }

    // MARK: Worksheet

    private enum CellType { case number, shared, inline, boolean, string, error, date }

    static func readSheet(_ data: Data, sharedStrings: [String], part: String) throws -> [SheetRow] {
        try withXMLScanner(data, part: part) { scanner in
            var rows: [SheetRow] = []
            var cellBudget = maxCells

            // Find <sheetData>.
            while true {
                let token = try scanner.next()
                if token == .eof { return rows }
                if token == .start && scanner.nameIs("sheetData") {
                    if scanner.selfClosing { return rows }
                    break
                }
            }

            var rowNumber = 0
            var cells: [String] = []
            var hasContent = false
            var inRow = false
            var column = -1
            var type = CellType.number
            var value: [UInt8] = []
            value.reserveCapacity(64)
            var inlineText: [UInt8] = []
            var haveInline = false
            var inValue = false
            var inCell = false

            func finishRow() {
                if hasContent {
                    while let last = cells.last, last.isEmpty { cells.removeLast() }
                    rows.append(SheetRow(number: rowNumber, cells: cells))
                }
                cells = []
                hasContent = false
                inRow = false
            }

            func finishCell() throws {
                inCell = false
                let text: String
                switch type {
                case .string:
                    text = value.isEmpty ? "" : OOXMLEscape.decode(value)
                case .number, .error, .date:
                    // Literal text of <v>; only whitespace from pretty-printed XML is trimmed.
                    text = value.isEmpty ? "" : trimmedText(value)
                case .boolean:
                    let v = String(decoding: value, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                    text = v.isEmpty ? "" : (v == "0" || v.lowercased() == "false" ? "FALSE" : "TRUE")
                case .shared:
                    if value.isEmpty { text = ""; break }
                    guard let index = parseInt(value), index >= 0, index < sharedStrings.count else {
                        throw SpreadsheetError(kind: .badXML, detail: "\(part): shared string index \(String(decoding: value, as: UTF8.self)) out of range (\(sharedStrings.count) strings)")
                    }
                    text = sharedStrings[index]
                case .inline:
                    text = haveInline ? OOXMLEscape.decode(inlineText) : (value.isEmpty ? "" : OOXMLEscape.decode(value))
                }
                guard !text.isEmpty, column >= 0 else { return }
                if column < cells.count {
                    cells[column] = text
                } else {
                    let padding = column - cells.count
                    cellBudget -= padding + 1
                    if cellBudget < 0 {
                        throw SpreadsheetError(kind: .tooLarge, detail: "\(part): more than \(maxCells) cells")
                    }
                    if padding > 0 { cells.append(contentsOf: repeatElement("", count: padding)) }
                    cells.append(text)
                }
                hasContent = true
            }

            while true {
                let token = try scanner.next()
                switch token {
                case .start:
                    if scanner.nameIs("c") {
                        if !inRow {  // a cell outside <row>: treat as its own row
                            inRow = true
                            rowNumber += 1
                        }
                        if let ref = scanner.attribute("r"), let col = columnIndex(scanner.bytes, ref) {
                            column = col
                        } else {
                            column += 1
                        }
                        type = .number
                        if let t = scanner.attribute("t") { type = cellType(scanner.bytes, t) }
                        if scanner.selfClosing { continue }
                        inCell = true
                        value.removeAll(keepingCapacity: true)
                        haveInline = false
                    } else if scanner.nameIs("v") {
                        if inCell && !scanner.selfClosing { inValue = true }
                    } else if scanner.nameIs("is") {
                        if inCell && !scanner.selfClosing {
                            inlineText.removeAll(keepingCapacity: true)
                            try readRichText(&scanner, endingAt: "is", into: &inlineText)
                            haveInline = true
                        }
                    } else if scanner.nameIs("row") {
                        if inRow { finishRow() }
                        if let r = scanner.attribute("r"), let n = parseInt(scanner.bytes, r), n > 0 {
                            rowNumber = n
                        } else {
                            rowNumber += 1
                        }
                        column = -1
                        inRow = true
                        inCell = false
                        inValue = false
                        if scanner.selfClosing { finishRow() }
                    } else if inCell {
                        // <f>, <extLst>, ...: nothing we need inside.
                        try scanner.skipElement()
                    }
                case .text, .cdata:
                    if inValue { scanner.appendText(of: token, to: &value) }
                case .end:
                    if scanner.nameIs("v") {
                        inValue = false
                    } else if scanner.nameIs("c") {
                        if inCell { try finishCell() }
                    } else if scanner.nameIs("row") {
                        finishRow()
                    } else if scanner.nameIs("sheetData") {
                        if inRow { finishRow() }
                        return rows
                    }
                case .eof:
                    if inRow { finishRow() }
                    return rows
                }
            }
        }
    }

    private static func cellType(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> CellType {
        let n = range.count
        let s = range.lowerBound
        if n == 1 {
            switch bytes[s] {
            case UInt8(ascii: "s"): return .shared
            case UInt8(ascii: "b"): return .boolean
            case UInt8(ascii: "e"): return .error
            case UInt8(ascii: "d"): return .date
            default: return .number
            }
        }
        if n == 3 && bytes[s] == UInt8(ascii: "s") && bytes[s + 1] == UInt8(ascii: "t") && bytes[s + 2] == UInt8(ascii: "r") {
            return .string
        }
        if n == 9 && bytes[s] == UInt8(ascii: "i") { return .inline }  // inlineStr
        return .number
    }

    /// "A1" → 0, "AB12" → 27, "$C$3" → 2.
    static func columnIndex(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        var column = 0
        var letters = 0
        for p in range {
            var b = bytes[p]
            if b == UInt8(ascii: "$") { continue }
            if b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") { b -= 32 }
            guard b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") else { break }
            column = column * 26 + Int(b - UInt8(ascii: "A") + 1)
            letters += 1
            if letters > 3 { return nil }
        }
        guard letters > 0, column <= 16_384 else { return nil }
        return column - 1
    }

    private static func parseInt(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        var value = 0
        var digits = 0
        for p in range {
            let b = bytes[p]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { continue }
            guard b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") else { return nil }
            value = value &* 10 &+ Int(b - UInt8(ascii: "0"))
            digits += 1
            if digits > 12 { return nil }
        }
        return digits > 0 ? value : nil
    }

    private static func parseInt(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { parseInt($0, 0..<$0.count) }
    }

    @inline(__always)
    private static func trimmedText(_ bytes: [UInt8]) -> String {
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }
        guard isSpace(bytes[0]) || isSpace(bytes[bytes.count - 1]) else { return String(decoding: bytes, as: UTF8.self) }
        var start = 0, end = bytes.count
        while start < end && isSpace(bytes[start]) { start += 1 }
        while end > start && isSpace(bytes[end - 1]) { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}

/// The ST_Xstring escape OOXML uses for characters XML cannot carry: `_x000D_` is U+000D, and a
/// literal "_x" sequence that would look like an escape is written `_x005F_xHHHH_`.
enum OOXMLEscape {
    static func decode(_ bytes: [UInt8]) -> String {
        guard bytes.count >= 7, bytes.contains(UInt8(ascii: "_")) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        let n = bytes.count
        while i < n {
            if bytes[i] == UInt8(ascii: "_"), i + 6 < n, bytes[i + 1] == UInt8(ascii: "x"), bytes[i + 6] == UInt8(ascii: "_"),
               let value = hexValue(bytes[i + 2], bytes[i + 3], bytes[i + 4], bytes[i + 5]),
               let scalar = Unicode.Scalar(value) {
                out.append(contentsOf: String(Character(scalar)).utf8)
                i += 7
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Escapes "_xHHHH_" look-alikes so Excel and our reader give back the literal text.
    static func encode(_ text: String) -> String {
        var candidate = false
        var previous: UInt8 = 0
        for b in text.utf8 {
            if b == UInt8(ascii: "x") && previous == UInt8(ascii: "_") { candidate = true; break }
            previous = b
        }
        guard candidate else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "_"), i + 6 < bytes.count, bytes[i + 1] == UInt8(ascii: "x"), bytes[i + 6] == UInt8(ascii: "_"),
               hexValue(bytes[i + 2], bytes[i + 3], bytes[i + 4], bytes[i + 5]) != nil {
                out.append(contentsOf: "_x005F_".utf8)
                i += 1
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> UInt32? {
        var value: UInt32 = 0
        for byte in [a, b, c, d] {
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }
}
