import Foundation

/// Reads the first worksheet of an .xlsx file into rows of text.
public enum XLSXReader {
    /// Rows of the first worksheet (workbook order, resolved via workbook.xml + rels). Shared strings
    /// (including rich-text runs <r><t>), inline strings, numbers, booleans ("TRUE"/"FALSE"), str formula
    /// results; cell refs with gaps (e.g. A1, C1 → cells ["x","","y"]); rows without r attribute. Numbers are
    /// returned as the literal text in <v> (e.g. "89.12", "1000000", "89.120000000000005", "1E-3") — the
    /// caller parses them. Completely empty rows are skipped.
    ///
    /// Also: error cells give their text ("#N/A"), `t="d"` cells their ISO text, and the OOXML escape
    /// `_xHHHH_` in strings is decoded as Excel does. Date-formatted numbers come back as the serial number.
    ///
    /// The shared strings and the sheet are scanned while they inflate, and `limits` are checked as they
    /// go: `tooManyRows` at the first non-empty row past `maxRows`, `tooLarge` for the other limits.
    public static func rows(_ data: Data, limits: SheetLimits = .standard) throws -> [SheetRow] {
        var stats = ReadStats()
        return try rows(data, limits: limits, stats: &stats)
    }

    static func rows(_ data: Data, limits: SheetLimits, stats: inout ReadStats) throws -> [SheetRow] {
        let package = try ZipPackage(data)
        let workbookPath = try officeDocumentPath(package)
        guard let workbook = try package.part(workbookPath, limit: UInt64(SheetLimits.metadataPartBytes)) else {
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
        guard package.contains(sheetPath) else {
            throw SpreadsheetError(kind: .missingPart, detail: "worksheet \(sheetPath) is missing")
        }

        // The sheet refers to the shared strings, so they are read first.
        var sharedStrings: [String] = []
        let stringsPath = relationships.first(where: { $0.type.hasSuffix("/sharedStrings") })
            .map { PartPath.resolve($0.target, from: workbookPath) } ?? "xl/sharedStrings.xml"
        var strings = XMLFeed(SharedStringReader(limits: limits), part: stringsPath)
        if try package.stream(stringsPath, limit: UInt64(limits.maxPartBytes), stats: &stats, { try strings.feed($0) }) {
            try strings.finish()
            sharedStrings = strings.reader.strings
        }

        var feed = XMLFeed(SheetReader(sharedStrings: sharedStrings, limits: limits, part: sheetPath), part: sheetPath)
        defer { stats.rows = feed.reader.rows.count }
        _ = try package.stream(sheetPath, limit: UInt64(limits.maxPartBytes), stats: &stats, { try feed.feed($0) })
        try feed.finish()
        return feed.reader.rows
    }

    // MARK: Package structure

    struct Relationship {
        var id: String
        var type: String
        var target: String
    }

    static func officeDocumentPath(_ package: ZipPackage) throws -> String {
        if let rels = try package.part("_rels/.rels", limit: UInt64(SheetLimits.metadataPartBytes)) {
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
        guard let data = try package.part(path, limit: UInt64(SheetLimits.metadataPartBytes)) else { return [] }
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

    static func readSharedStrings(_ data: Data, part: String, limits: SheetLimits = .standard) throws -> [String] {
        var feed = XMLFeed(SharedStringReader(limits: limits), part: part)
        try feed.feed(data)
        try feed.finish()
        return feed.reader.strings
    }

    struct SharedStringReader: XMLTokenReader {
        let limits: SheetLimits
        private(set) var strings: [String] = []
        private var textBytes = 0
        private var buffer: [UInt8] = []

        init(limits: SheetLimits) {
            self.limits = limits
            buffer.reserveCapacity(256)
        }

        mutating func read(_ token: XMLScanner.Token, _ scanner: inout XMLScanner) throws -> Bool {
            guard token == .start else { return true }
            if scanner.nameIs("sst"), let count = scanner.attributeString("uniqueCount").flatMap({ Int($0) }) {
                strings.reserveCapacity(max(0, min(count, limits.maxSharedStrings, 1_000_000)))
            } else if scanner.nameIs("si") {
                buffer.removeAll(keepingCapacity: true)
                if !scanner.selfClosing { try readRichText(&scanner, endingAt: "si", into: &buffer) }
                guard strings.count < limits.maxSharedStrings else {
                    throw SpreadsheetError(kind: .tooLarge, detail: "more than \(limits.maxSharedStrings) shared strings")
                }
                textBytes += buffer.count
                guard textBytes <= limits.maxTextBytes else {
                    throw SpreadsheetError(kind: .tooLarge, detail: "shared strings longer than \(limits.maxTextBytes) bytes")
                }
                strings.append(OOXMLEscape.decode(buffer))
            }
            return true
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

    fileprivate enum CellType { case number, shared, inline, boolean, string, error, date }

    static func readSheet(_ data: Data, sharedStrings: [String], part: String, limits: SheetLimits = .standard) throws -> [SheetRow] {
        var feed = XMLFeed(SheetReader(sharedStrings: sharedStrings, limits: limits, part: part), part: part)
        try feed.feed(data)
        try feed.finish()
        return feed.reader.rows
    }

    struct SheetReader: XMLTokenReader {
        let sharedStrings: [String]
        let limits: SheetLimits
        let part: String
        private(set) var rows: [SheetRow] = []
        private var cellBudget: Int
        private var textBudget: Int
        private var inSheetData = false

        private var rowNumber = 0
        private var cells: [String] = []
        private var hasContent = false
        private var inRow = false
        private var column = -1
        private var type = CellType.number
        private var value: [UInt8] = []
        private var inlineText: [UInt8] = []
        private var haveInline = false
        private var inValue = false
        private var inCell = false

        init(sharedStrings: [String], limits: SheetLimits, part: String) {
            self.sharedStrings = sharedStrings
            self.limits = limits
            self.part = part
            cellBudget = limits.maxCells
            textBudget = limits.maxTextBytes
            value.reserveCapacity(64)
        }

        mutating func read(_ token: XMLScanner.Token, _ scanner: inout XMLScanner) throws -> Bool {
            guard inSheetData else {
                // Up to <sheetData>.
                if token == .start && scanner.nameIs("sheetData") {
                    if scanner.selfClosing { return false }
                    inSheetData = true
                }
                return token != .eof
            }
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
                    if scanner.selfClosing { return true }
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
                    return false
                }
            case .eof:
                if inRow { finishRow() }
                return false
            }
            return true
        }

        private mutating func finishRow() {
            if hasContent {
                while let last = cells.last, last.isEmpty { cells.removeLast() }
                rows.append(SheetRow(number: rowNumber, cells: cells))
            }
            cells = []
            hasContent = false
            inRow = false
        }

        private mutating func finishCell() throws {
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
            if !hasContent && rows.count >= limits.maxRows {
                throw SpreadsheetError(kind: .tooManyRows, detail: "\(part): more than \(limits.maxRows) rows")
            }
            if column >= limits.maxColumns {
                throw SpreadsheetError(kind: .tooLarge, detail: "\(part): a cell past column \(limits.maxColumns)")
            }
            textBudget -= text.utf8.count
            if textBudget < 0 {
                throw SpreadsheetError(kind: .tooLarge, detail: "\(part): more than \(limits.maxTextBytes) bytes of text")
            }
            if column < cells.count {
                cells[column] = text
            } else {
                let padding = column - cells.count
                cellBudget -= padding + 1
                if cellBudget < 0 {
                    throw SpreadsheetError(kind: .tooLarge, detail: "\(part): more than \(limits.maxCells) cells")
                }
                if padding > 0 { cells.append(contentsOf: repeatElement("", count: padding)) }
                cells.append(text)
            }
            hasContent = true
        }
    }

    fileprivate static func cellType(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> CellType {
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

    fileprivate static func parseInt(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
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

    fileprivate static func parseInt(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { parseInt($0, 0..<$0.count) }
    }

    @inline(__always)
    fileprivate static func trimmedText(_ bytes: [UInt8]) -> String {
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
