import Foundation
import ZIPFoundation

/// Writes .xlsx workbooks.
public enum XLSXWriter {
    /// A real .xlsx (Office Open XML, opens in Excel and LibreOffice): header row bold with the column titles and
    /// frozen (pane ySplit=1), column widths, number formats per column (money "#,##0.00", area "0.00", percent
    /// "0.00%"), shared strings for text, numbers as numeric cells. Text beginning with = + - @ or a tab/CR is
    /// written with a cell style that has quotePrefix="1" (Excel shows and keeps it as literal text, never a
    /// formula), and the value itself is unchanged so it reads back identically. XML-escape everything; drop
    /// characters XML 1.0 forbids (control chars other than tab/LF/CR). Several sheets allowed. Include
    /// docProps/core.xml and app.xml. Deterministic output for the same input (fixed timestamps in the zip entries).
    ///
    /// An empty `sheets` list writes one empty sheet ("Sheet1"), since a workbook needs one. Rows may be longer
    /// than `columns`; the extra cells get the general format. Duplicate sheet names get " (2)", " (3)", ....
    public static func data(_ sheets: [Sheet]) throws -> Data {
        let sheets = sheets.isEmpty ? [Sheet(name: "Sheet1", columns: [], rows: [])] : sheets
        let names = SheetName.unique(sheets.map(\.name))
        var strings = SharedStrings()
        strings.reserve(min(1_000_000, sheets.reduce(0) { $0 + $1.rows.count * max(1, $1.columns.count) } / 2 + 64))

        var sheetParts: [[UInt8]] = []
        for (index, sheet) in sheets.enumerated() {
            sheetParts.append(try worksheetXML(sheet, selected: index == 0, strings: &strings))
        }

        var parts: [(String, [UInt8])] = []
        parts.append(("[Content_Types].xml", contentTypesXML(sheetCount: sheets.count)))
        parts.append(("_rels/.rels", Array(rootRelationships.utf8)))
        parts.append(("docProps/core.xml", Array(coreXML.utf8)))
        parts.append(("docProps/app.xml", appXML(names)))
        parts.append(("xl/workbook.xml", workbookXML(names)))
        parts.append(("xl/_rels/workbook.xml.rels", workbookRelationshipsXML(sheetCount: sheets.count)))
        parts.append(("xl/styles.xml", Array(stylesXML.utf8)))
        parts.append(("xl/sharedStrings.xml", strings.xml()))
        for (index, part) in sheetParts.enumerated() {
            parts.append(("xl/worksheets/sheet\(index + 1).xml", part))
        }
        return try zip(parts)
    }

    // MARK: Styles (indices into cellXfs)

    enum Style {
        static let general = 0
        static let header = 1
        static let text = 2
        static let integer = 3
        static let money = 4
        static let area = 5
        static let percent = 6
        static let quoted = 7
        static let headerQuoted = 8
        static let wrapped = 9

        static func forColumn(_ format: SheetColumn.Format) -> Int {
            switch format {
            case .general: return general
            case .text: return text
            case .integer: return integer
            case .money: return money
            case .area: return area
            case .percent: return percent
            case .wrapped: return wrapped
            }
        }
    }

    static let stylesXML = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
    <numFmts count="3">\
    <numFmt numFmtId="164" formatCode="#,##0.00"/>\
    <numFmt numFmtId="165" formatCode="0.00"/>\
    <numFmt numFmtId="166" formatCode="0.00%"/>\
    </numFmts>\
    <fonts count="2">\
    <font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
    <font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
    </fonts>\
    <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
    <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
    <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
    <cellXfs count="10">\
    <xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
    <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
    <xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
    <xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
    <xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
    <xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
    <xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
    <xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>\
    <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" quotePrefix="1"/>\
    <xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>\
    </cellXfs>\
    <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
    <dxfs count="0"/><tableStyles count="0"/>\
    </styleSheet>
    """

    // MARK: Worksheet

    /// Excel's grid: 1,048,576 rows × 16,384 columns; 32,767 characters in a cell.
    static let maxRows = 1_048_576
    static let maxColumns = 16_384
    static let maxCellText = 32_767

    static func worksheetXML(_ sheet: Sheet, selected: Bool, strings: inout SharedStrings) throws -> [UInt8] {
        let columns = sheet.columns
        let hasHeader = !columns.isEmpty
        let widestRow = sheet.rows.reduce(0) { max($0, $1.count) }
        let columnCount = max(columns.count, widestRow)
        guard columnCount <= maxColumns else {
            throw SpreadsheetError(kind: .tooLarge, detail: "sheet \(sheet.name) has \(columnCount) columns (Excel allows \(maxColumns))")
        }
        guard sheet.rows.count + (hasHeader ? 1 : 0) <= maxRows else {
            throw SpreadsheetError(kind: .tooLarge, detail: "sheet \(sheet.name) has \(sheet.rows.count) rows (Excel allows \(maxRows) including the header)")
        }
        let letters = (0..<max(columnCount, 1)).map { Array(columnName($0).utf8) }
        let columnStyles = columns.map { Style.forColumn($0.format) }
        let lastRow = sheet.rows.count + (hasHeader ? 1 : 0)

        var out: [UInt8] = []
        out.reserveCapacity(64 * (sheet.rows.count + 1) * max(columnCount, 1) + 1024)
        out.append(contentsOf: """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
        xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
        """.utf8)
        if columnCount > 0 && lastRow > 0 {
            out.append(contentsOf: "<dimension ref=\"A1:\(columnName(columnCount - 1))\(lastRow)\"/>".utf8)
        } else {
            out.append(contentsOf: "<dimension ref=\"A1\"/>".utf8)
        }
        out.append(contentsOf: "<sheetViews><sheetView workbookViewId=\"0\"\(selected ? " tabSelected=\"1\"" : "")>".utf8)
        if hasHeader {
            out.append(contentsOf: "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>".utf8)
            out.append(contentsOf: "<selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/>".utf8)
        }
        out.append(contentsOf: "</sheetView></sheetViews><sheetFormatPr defaultRowHeight=\"15\"/>".utf8)

        if hasHeader {
            out.append(contentsOf: "<cols>".utf8)
            for (index, column) in columns.enumerated() {
                var width = column.width
                if let auto = column.autoWidthFromTitle, auto == width {
                    var widest = 0
                    for row in sheet.rows where index < row.count {
                        widest = max(widest, DecimalText.displayWidth(row[index], format: column.format))
                    }
                    let title = ColumnWidth.fit(displayWidth: ColumnWidth.displayWidth(of: column.title), bold: true)
                    width = max(title, ColumnWidth.fit(displayWidth: widest))
                }
                width = min(255, max(0, width.isFinite ? width : 10))
                let n = index + 1
                out.append(contentsOf: "<col min=\"\(n)\" max=\"\(n)\" width=\"\(formatWidth(width))\" customWidth=\"1\"".utf8)
                if columnStyles[index] != Style.general { out.append(contentsOf: " style=\"\(columnStyles[index])\"".utf8) }
                out.append(contentsOf: "/>".utf8)
            }
            out.append(contentsOf: "</cols>".utf8)
        }

        out.append(contentsOf: "<sheetData>".utf8)
        var rowNumber = 0
        if hasHeader {
            rowNumber = 1
            out.append(contentsOf: "<row r=\"1\">".utf8)
            for (index, column) in columns.enumerated() {
                let title = cellText(column.title)
                // No cell for an empty title, so a long title to its left shows in full.
                if title.isEmpty { continue }
                let style = FormulaGuard.looksLikeFormula(title) ? Style.headerQuoted : Style.header
                appendTextCell(title, column: letters[index], row: 1, style: style, to: &out, strings: &strings)
            }
            out.append(contentsOf: "</row>".utf8)
        }
        for row in sheet.rows {
            rowNumber += 1
            out.append(contentsOf: "<row r=\"".utf8)
            appendInt(rowNumber, to: &out)
            out.append(contentsOf: "\">".utf8)
            for (index, cell) in row.enumerated() {
                let columnStyle = index < columnStyles.count ? columnStyles[index] : Style.general
                switch cell {
                case .empty:
                    continue
                case .text(let raw):
                    let text = cellText(raw)
                    let style = FormulaGuard.looksLikeFormula(text) ? Style.quoted : columnStyle
                    appendTextCell(text, column: letters[index], row: rowNumber, style: style, to: &out, strings: &strings)
                case .integer(let value):
                    appendCellStart(column: letters[index], row: rowNumber, style: columnStyle, to: &out)
                    out.append(contentsOf: "><v>".utf8)
                    appendInt64(value, to: &out)
                    out.append(contentsOf: "</v></c>".utf8)
                case .decimal(let value, let scale):
                    appendCellStart(column: letters[index], row: rowNumber, style: columnStyle, to: &out)
                    out.append(contentsOf: "><v>".utf8)
                    out.append(contentsOf: numberText(value, scale: scale).utf8)
                    out.append(contentsOf: "</v></c>".utf8)
                }
            }
            out.append(contentsOf: "</row>".utf8)
        }
        out.append(contentsOf: "</sheetData>".utf8)
        out.append(contentsOf: "<pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/>".utf8)
        out.append(contentsOf: "</worksheet>".utf8)
        return out
    }

    /// Text as a cell can hold it: without XML-forbidden characters, at most 32,767 UTF-16 units
    /// (Excel refuses longer cell text), never splitting a character.
    @inline(__always)
    static func cellText(_ raw: String) -> String {
        let text = XMLText.sanitised(raw)
        guard text.utf8.count > maxCellText, text.utf16.count > maxCellText else { return text }
        var units = 0
        var end = text.startIndex
        for index in text.indices {
            let next = text.index(after: index)
            let width = text.utf16.distance(from: index, to: next)
            if units + width > maxCellText { break }
            units += width
            end = next
        }
        return String(text[..<end])
    }

    /// Exact decimal text; absurd scales (beyond ±40) fall back to the nearest Double.
    static func numberText(_ value: Int64, scale: Int) -> String {
        if abs(scale) <= 40 { return DecimalText.format(value, scale: scale) }
        let double = Double(value) * pow(10, Double(-scale))
        return double.isFinite ? "\(double)" : "0"
    }

    @inline(__always)
    private static func appendCellStart(column: [UInt8], row: Int, style: Int, to out: inout [UInt8]) {
        out.append(contentsOf: "<c r=\"".utf8)
        out.append(contentsOf: column)
        appendInt(row, to: &out)
        out.append(UInt8(ascii: "\""))
        if style != Style.general {
            out.append(contentsOf: " s=\"".utf8)
            appendInt(style, to: &out)
            out.append(UInt8(ascii: "\""))
        }
    }

    @inline(__always)
    private static func appendTextCell(_ text: String, column: [UInt8], row: Int, style: Int,
                                       to out: inout [UInt8], strings: inout SharedStrings) {
        let index = strings.index(of: text)
        appendCellStart(column: column, row: row, style: style, to: &out)
        out.append(contentsOf: " t=\"s\"><v>".utf8)
        appendInt(index, to: &out)
        out.append(contentsOf: "</v></c>".utf8)
    }

    @inline(__always)
    static func appendInt(_ value: Int, to out: inout [UInt8]) {
        appendInt64(Int64(value), to: &out)
    }

    static func appendInt64(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        if magnitude < 10 { out.append(UInt8(ascii: "0") + UInt8(magnitude)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            out.append(contentsOf: buffer[(20 - count)...])
        }
    }

    private static func formatWidth(_ width: Double) -> String {
        let rounded = (width * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(rounded)
    }

    /// 0 → "A", 25 → "Z", 26 → "AA", 27 → "AB", 16383 → "XFD".
    static func columnName(_ index: Int) -> String {
        var n = index + 1
        var scalars: [Unicode.Scalar] = []
        while n > 0 {
            let remainder = (n - 1) % 26
            scalars.append(Unicode.Scalar(UInt8(ascii: "A") + UInt8(remainder)))
            n = (n - 1) / 26
        }
        return String(String.UnicodeScalarView(scalars.reversed()))
    }

    // MARK: Shared strings

    struct SharedStrings {
        /// Keyed by the exact UTF-8 bytes: cheaper than String hashing (no Unicode normalisation), and
        /// canonically equivalent but differently encoded texts stay distinct, so they read back byte for byte.
        private struct Key: Hashable {
            let text: String
            static func == (a: Key, b: Key) -> Bool { a.text.utf8.elementsEqual(b.text.utf8) }
            func hash(into hasher: inout Hasher) {
                var text = text
                text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
            }
        }

        private var indices: [Key: Int] = [:]
        private(set) var list: [String] = []
        private(set) var references = 0

        mutating func reserve(_ count: Int) {
            indices.reserveCapacity(count)
            list.reserveCapacity(count)
        }

        mutating func index(of text: String) -> Int {
            references += 1
            let key = Key(text: text)
            if let index = indices[key] { return index }
            let index = list.count
            indices[key] = index
            list.append(text)
            return index
        }

        func xml() -> [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(list.reduce(0) { $0 + $1.utf8.count + 24 } + 256)
            out.append(contentsOf: """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="\(references)" uniqueCount="\(list.count)">
            """.utf8)
            for text in list {
                let escaped = OOXMLEscape.encode(text)
                if needsPreserve(escaped) {
                    out.append(contentsOf: "<si><t xml:space=\"preserve\">".utf8)
                } else {
                    out.append(contentsOf: "<si><t>".utf8)
                }
                XMLWriter.appendEscaped(escaped, to: &out)
                out.append(contentsOf: "</t></si>".utf8)
            }
            out.append(contentsOf: "</sst>".utf8)
            return out
        }

        private func needsPreserve(_ text: String) -> Bool {
            guard let first = text.utf8.first, let last = text.utf8.last else { return false }
            func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
            return isSpace(first) || isSpace(last) || text.utf8.contains(0x0A) || text.utf8.contains(0x09)
        }
    }

    // MARK: Package parts

    static func contentTypesXML(sheetCount: Int) -> [UInt8] {
        var xml = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
        <Default Extension="xml" ContentType="application/xml"/>\
        <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
        """
        for n in 1...sheetCount {
            xml += "<Override PartName=\"/xl/worksheets/sheet\(n).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }
        xml += """
        <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
        <Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>\
        <Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>\
        <Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>\
        </Types>
        """
        return Array(xml.utf8)
    }

    static let rootRelationships = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
    <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
    <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>\
    <Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>\
    </Relationships>
    """

    /// No dates: the output must not depend on the clock.
    static let coreXML = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" \
    xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \
    xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
    <dc:creator>EstateDesk</dc:creator><cp:lastModifiedBy>EstateDesk</cp:lastModifiedBy>\
    </cp:coreProperties>
    """

    static func appXML(_ names: [String]) -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" \
        xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">\
        <Application>EstateDesk</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>\
        <HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant>\
        <vt:variant><vt:i4>\(names.count)</vt:i4></vt:variant></vt:vector></HeadingPairs>\
        <TitlesOfParts><vt:vector size="\(names.count)" baseType="lpstr">
        """.utf8)
        for name in names {
            out.append(contentsOf: "<vt:lpstr>".utf8)
            XMLWriter.appendEscaped(name, to: &out)
            out.append(contentsOf: "</vt:lpstr>".utf8)
        }
        out.append(contentsOf: ("</vt:vector></TitlesOfParts><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
            + "<HyperlinksChanged>false</HyperlinksChanged><AppVersion>16.0300</AppVersion></Properties>").utf8)
        return out
    }

    static func workbookXML(_ names: [String]) -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
        xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
        <bookViews><workbookView activeTab="0"/></bookViews><sheets>
        """.utf8)
        for (index, name) in names.enumerated() {
            out.append(contentsOf: "<sheet name=\"".utf8)
            XMLWriter.appendEscaped(name, to: &out)
            out.append(contentsOf: "\" sheetId=\"\(index + 1)\" r:id=\"rId\(index + 1)\"/>".utf8)
        }
        out.append(contentsOf: "</sheets><calcPr calcId=\"191029\"/></workbook>".utf8)
        return out
    }

    static func workbookRelationshipsXML(sheetCount: Int) -> [UInt8] {
        var xml = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
        """
        for n in 1...sheetCount {
            xml += "<Relationship Id=\"rId\(n)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\(n).xml\"/>"
        }
        xml += "<Relationship Id=\"rId\(sheetCount + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
        xml += "<Relationship Id=\"rId\(sheetCount + 2)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>"
        xml += "</Relationships>"
        return Array(xml.utf8)
    }

    // MARK: ZIP

    /// 1980-01-01 00:00:00 UTC, the earliest DOS timestamp: every entry gets it, so output is reproducible.
    static let fixedDate = Date(timeIntervalSince1970: 315_532_800)

    static func zip(_ parts: [(String, [UInt8])]) throws -> Data {
        let archive: Archive
        do {
            archive = try Archive(accessMode: .create)
        } catch {
            throw SpreadsheetError(kind: .notAZip, detail: "cannot create an in-memory ZIP archive (\(error))")
        }
        for (path, bytes) in parts {
            do {
                try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count),
                                     modificationDate: fixedDate, permissions: 0o644,
                                     compressionMethod: .deflate, bufferSize: 256 * 1024) { position, size in
                    let start = Int(position)
                    return Data(bytes[start..<min(bytes.count, start + size)])
                }
            } catch {
                throw SpreadsheetError(kind: .notAZip, detail: "cannot add \(path) to the ZIP archive (\(error))")
            }
        }
        guard let data = archive.data else {
            throw SpreadsheetError(kind: .notAZip, detail: "the in-memory ZIP archive has no data")
        }
        return data
    }
}

enum XMLWriter {
    /// Appends `text` escaped for XML element content or a double-quoted attribute. Characters XML 1.0
    /// forbids are dropped; CR is written as `&#13;` so parsers do not turn it into LF.
    static func appendEscaped(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            var i = 0
            let n = bytes.count
            while i < n {
                let b = bytes[i]
                let replacement: StaticString?
                switch b {
                case UInt8(ascii: "&"): replacement = "&amp;"
                case UInt8(ascii: "<"): replacement = "&lt;"
                case UInt8(ascii: ">"): replacement = "&gt;"
                case UInt8(ascii: "\""): replacement = "&quot;"
                case 0x0D: replacement = "&#13;"
                case 0x09, 0x0A: i += 1; continue
                case 0x00..<0x20: replacement = ""
                case 0xEF where i + 2 < n && bytes[i + 1] == 0xBF && (bytes[i + 2] == 0xBE || bytes[i + 2] == 0xBF):
                    // U+FFFE, U+FFFF
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                    i += 3
                    runStart = i
                    continue
                default: i += 1; continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                if let replacement {
                    out.append(contentsOf: UnsafeBufferPointer(start: replacement.utf8Start, count: replacement.utf8CodeUnitCount))
                }
                i += 1
                runStart = i
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<n]))
        }
    }
}
