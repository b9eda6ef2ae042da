import Foundation
import Testing
@testable import EstateSheets

@Suite("XLSX reader on hand-written packages")
struct XLSXReaderTests {
    static let sharedStrings = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="5" uniqueCount="5">
    <si><t>房号</t></si>
    <si><r><rPr><b/></rPr><t>业主</t></r><r><t xml:space="preserve"> 姓名</t></r></si>
    <si><t>东京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh></si>
    <si><t>line1_x000D_
    line2 &amp; &lt;tag&gt; &#x4E2D;&#25991;</t></si>
    <si><t/></si>
    </sst>
    """

    static let sheet = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
    <dimension ref="A1:D9"/>
    <sheetData>
    <row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>
    <row r="2"><c r="A2" t="inlineStr"><is><t>内联</t></is></c><c r="B2" t="inlineStr"><is><r><t>富</t></r><r><rPr><i/></rPr><t>文本</t></r></is></c><c r="C2" t="s"><v>2</v></c></row>
    <row r="3"><c r="A3"><v>89.120000000000005</v></c><c r="B3" s="2"><v>1000000</v></c><c r="C3"><v>1E-3</v></c><c r="D3" t="n"><v>-7</v></c></row>
    <row r="4"><c r="A4" t="b"><v>1</v></c><c r="B4" t="b"><v>0</v></c><c r="C4" t="str"><f>A1&amp;"x"</f><v>房号x</v></c><c r="D4" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>
    <row r="5"><c r="A5" s="3"/><c r="B5" t="s"><v>4</v></c><c r="C5"><f>SUM(A3:B3)</f></c></row>
    <row r="7"><c r="B7" t="s"><v>3</v></c></row>
    <row><c t="inlineStr"><is><t>无r属性</t></is></c><c><v>42</v></c></row>
    <row r="10"/>
    <row r="11"><c r="A11" t="inlineStr"><is><t><![CDATA[<raw> & ]]></t></is></c><!-- a comment --><c r="B11" t="d"><v>2024-03-01T00:00:00</v></c></row>
    </sheetData>
    <mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>
    </worksheet>
    """

    @Test("inline strings, rich-text shared strings, numbers, booleans, formulas, gaps, rows without r")
    func handWritten() throws {
        let rows = try XLSXReader.rows(minimalXLSX(sheet: Self.sheet, sharedStrings: Self.sharedStrings))
        #expect(rows == [
            SheetRow(number: 1, cells: ["房号", "", "业主 姓名"]),
            SheetRow(number: 2, cells: ["内联", "富文本", "东京"]),
            SheetRow(number: 3, cells: ["89.120000000000005", "1000000", "1E-3", "-7"]),
            SheetRow(number: 4, cells: ["TRUE", "FALSE", "房号x", "#DIV/0!"]),
            SheetRow(number: 7, cells: ["", "line1\r\nline2 & <tag> 中文"]),
            SheetRow(number: 8, cells: ["无r属性", "42"]),
            SheetRow(number: 11, cells: ["<raw> & ", "2024-03-01T00:00:00"]),
        ])
    }

    @Test("pretty-printed XML: whitespace around numbers and shared-string indices is ignored")
    func prettyPrinted() throws {
        let sheet = """
        <worksheet>
          <sheetData>
            <row r="2">
              <c r="A2" t="s">
                <v>
                  0
                </v>
              </c>
              <c r="B2">
                <v> 12.5 </v>
              </c>
            </row>
          </sheetData>
        </worksheet>
        """
        let rows = try XLSXReader.rows(minimalXLSX(sheet: sheet, sharedStrings: "<sst><si><t>甲</t></si></sst>"))
        #expect(rows == [SheetRow(number: 2, cells: ["甲", "12.5"])])
    }

    @Test("first sheet in workbook order is found through the relationships, with prefixed XML")
    func workbookOrderAndPrefixes() throws {
        // The first <sheet> points at rId7 → a part whose name does not say "sheet1"; the XML uses an x: prefix
        // (as the Open XML SDK writes) and shared strings live at a non-default path given by the rels.
        let entries: [(String, String)] = [
            ("[Content_Types].xml", "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"),
            ("_rels/.rels", """
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
            <Relationship Id="a" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
            <Relationship Id="b" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/book/main.xml"/>
            </Relationships>
            """),
            ("book/main.xml", """
            <x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:rel="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
            <x:sheets><x:sheet name="第二" sheetId="2" rel:id="rId7"/><x:sheet name="Sheet1" sheetId="1" rel:id="rId1"/></x:sheets>
            </x:workbook>
            """),
            ("book/_rels/main.xml.rels", """
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
            <Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="../parts/data%20two.xml"/>
            <Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="strings/sst.xml"/>
            <Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://example.com" TargetMode="External"/>
            </Relationships>
            """),
            ("book/worksheets/sheet1.xml", "<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row></sheetData></worksheet>"),
            ("parts/data two.xml", """
            <?xml version="1.0" encoding="utf-8"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>
            <x:row r="3"><x:c r="B3" t="s"><x:v>0</x:v></x:c><x:c r='C3' t='inlineStr'><x:is><x:t>单引号属性</x:t></x:is></x:c></x:row>
            </x:sheetData></x:worksheet>
            """),
            ("book/strings/sst.xml", "<x:sst xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><x:si><x:t>第二个表</x:t></x:si></x:sst>"),
        ]
        let rows = try XLSXReader.rows(StoredZip.make(entries))
        #expect(rows == [SheetRow(number: 3, cells: ["", "第二个表", "单引号属性"])])
    }

    @Test("a package without relationships falls back to xl/workbook.xml and xl/worksheets/sheet1.xml")
    func conventionalNames() throws {
        let data = StoredZip.make([
            ("xl/workbook.xml", "<workbook><sheets><sheet name=\"a\" sheetId=\"1\"/></sheets></workbook>"),
            ("xl/worksheets/sheet1.xml", "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>ok</t></is></c></row></sheetData></worksheet>"),
        ])
        #expect(try XLSXReader.rows(data) == [SheetRow(number: 1, cells: ["ok"])])
    }

    @Test("not a zip → notAZip")
    func notAZip() {
        #expect(spreadsheetErrorKind { _ = try XLSXReader.rows(Data("房号,面积\n".utf8)) } == .notAZip)
        #expect(spreadsheetErrorKind { _ = try XLSXReader.rows(Data()) } == .notAZip)
        // ZIP magic but garbage after it.
        #expect(spreadsheetErrorKind { _ = try XLSXReader.rows(Data([0x50, 0x4B, 0x03, 0x04] + Array(repeating: 0x41, count: 100))) } == .notAZip)
    }

    @Test("zip without workbook → missingPart")
    func noWorkbook() {
        let data = StoredZip.make([("hello.txt", "hi"), ("word/document.xml", "<document/>")])
        #expect(spreadsheetErrorKind { _ = try XLSXReader.rows(data) } == .missingPart)
    }

    @Test("workbook whose worksheet part is missing → missingPart")
    func missingWorksheet() {
        let data = StoredZip.make([
            ("_rels/.rels", "<Relationships><Relationship Id=\"r\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"),
            ("xl/workbook.xml", "<workbook xmlns:r=\"r\"><sheets><sheet name=\"a\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"),
            ("xl/_rels/workbook.xml.rels", "<Relationships><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/gone.xml\"/></Relationships>"),
        ])
        #expect(spreadsheetErrorKind { _ = try XLSXReader.rows(data) } == .missingPart)
    }

    @Test("broken XML and bad shared-string index → badXML")
    func badXML() {
        let truncated = minimalXLSX(sheet: "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s")
        #expect(spreadsheetErrorKind { _ = try XLSXReader.rows(truncated) } == .badXML)
        let badIndex = minimalXLSX(sheet: "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>5</v></c></row></sheetData></worksheet>",
                                   sharedStrings: "<sst><si><t>only</t></si></sst>")
        #expect(spreadsheetErrorKind { _ = try XLSXReader.rows(badIndex) } == .badXML)
    }

    @Test("a part declaring more than 200 MB uncompressed → tooLarge")
    func declaredTooLarge() {
        let sheet = "<worksheet><sheetData/></worksheet>"
        let data = StoredZip.make([
            ("xl/workbook.xml", "<workbook/>"),
            ("xl/worksheets/sheet1.xml", sheet),
        ], declaredSizes: ["xl/worksheets/sheet1.xml": 300 * 1024 * 1024])
        #expect(spreadsheetErrorKind { _ = try XLSXReader.rows(data) } == .tooLarge)
    }

    @Test("inflated bytes are counted even when the declared size lies")
    func inflateCounted() throws {
        // A highly compressible 1 MB part, then its declared sizes patched down to 10 bytes.
        let big = String(repeating: "<row/>", count: 180_000)
        let sheet = "<worksheet><sheetData>\(big)</sheetData></worksheet>"
        var data = try XLSXWriter.zip([("xl/workbook.xml", Array("<workbook/>".utf8)), ("xl/worksheets/sheet1.xml", Array(sheet.utf8))])
        #expect(data.count < 100_000)
        // Patch the uncompressed size (offset 24 in central directory headers, 22 in local headers).
        let bytes = [UInt8](data)
        for i in 0..<(bytes.count - 4) {
            let signature = UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
            let sizeOffset = signature == 0x0201_4B50 ? 24 : signature == 0x0403_4B50 ? 22 : -1
            guard sizeOffset > 0, i + 48 < bytes.count else { continue }
            let nameOffset = signature == 0x0201_4B50 ? 46 : 30
            let nameLength = Int(bytes[i + (signature == 0x0201_4B50 ? 28 : 26)])
            guard i + nameOffset + nameLength <= bytes.count else { continue }
            let name = String(decoding: bytes[(i + nameOffset)..<(i + nameOffset + nameLength)], as: UTF8.self)
            if name == "xl/worksheets/sheet1.xml" {
                data.replaceSubrange((i + sizeOffset)..<(i + sizeOffset + 4), with: [10, 0, 0, 0])
            }
        }
        let package = try ZipPackage(data)
        #expect(spreadsheetErrorKind { _ = try package.part("xl/worksheets/sheet1.xml", limit: 100_000) } == .tooLarge)
        // With the normal limit the part inflates fine.
        #expect(try package.part("xl/worksheets/sheet1.xml")?.count == sheet.utf8.count)
    }

    @Test("a truncated deflate stream → notAZip, not a hang (ZIPFoundation's Archive.extract loops forever on it)")
    func truncatedDeflate() {
        // A deflate stored block that announces 65,535 bytes, followed by only 5.
        let payload = Data([0x00, 0xFF, 0xFF, 0x00, 0x00] + Array("hello".utf8))
        let data = StoredZip.make([
            ("xl/workbook.xml", Data("<workbook/>".utf8)),
            ("xl/worksheets/sheet1.xml", payload),
        ], declaredSizes: ["xl/worksheets/sheet1.xml": 65_535], methods: ["xl/worksheets/sheet1.xml": 8])
        #expect(spreadsheetErrorKind { _ = try XLSXReader.rows(data) } == .notAZip)
    }

    @Test("a corrupt directory offset → notAZip (ZIPFoundation's in-memory Archive traps on it)")
    func directoryOffsetPastEnd() {
        var data = minimalXLSX(sheet: "<worksheet/>")
        // Point the first central directory entry's local header offset far past the end.
        let bytes = [UInt8](data)
        let cd = (0..<(bytes.count - 4)).first { bytes[$0] == 0x50 && bytes[$0 + 1] == 0x4B && bytes[$0 + 2] == 0x01 && bytes[$0 + 3] == 0x02 }!
        data.replaceSubrange((cd + 42)..<(cd + 46), with: [0x00, 0x00, 0x00, 0x7F])
        #expect(spreadsheetErrorKind { _ = try XLSXReader.rows(data) } == .notAZip)
        // And the end record pointing the directory past the end.
        var data2 = minimalXLSX(sheet: "<worksheet/>")
        let n = data2.count
        data2.replaceSubrange((n - 6)..<(n - 2), with: [0xFF, 0xFF, 0xFF, 0x00])
        #expect(spreadsheetErrorKind { _ = try XLSXReader.rows(data2) } == .notAZip)
    }

    @Test("far-apart cells on many rows hit the cell budget → tooLarge")
    func cellBudget() {
        let rows = (1...1_300).map { "<row r=\"\($0)\"><c r=\"XFD\($0)\"><v>1</v></c></row>" }.joined()
        let data = minimalXLSX(sheet: "<worksheet><sheetData>\(rows)</sheetData></worksheet>")
        #expect(spreadsheetErrorKind { _ = try XLSXReader.rows(data) } == .tooLarge)
    }

    @Test("an entity-expansion DOCTYPE is skipped, never expanded")
    func noEntityExpansion() throws {
        let sheet = """
        <?xml version="1.0"?>
        <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
        <worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>
        """
        #expect(try XLSXReader.rows(minimalXLSX(sheet: sheet)) == [SheetRow(number: 1, cells: ["&lol2;"])])
    }

    @Test("SpreadsheetFormat.detect")
    func detect() {
        #expect(SpreadsheetFormat.detect(Data([0x50, 0x4B, 0x03, 0x04, 0x00])) == .xlsx)
        #expect(SpreadsheetFormat.detect(Data("PK,x".utf8)) == .csv)
        #expect(SpreadsheetFormat.detect(Data()) == .csv)
        #expect(SpreadsheetFormat.detect(Data([0xEF, 0xBB, 0xBF, 0x41])) == .csv)
        let slice = Data([0x00, 0x50, 0x4B, 0x03, 0x04])[1...]
        #expect(SpreadsheetFormat.detect(slice) == .xlsx)
    }

    @Test("SpreadsheetError description")
    func errorDescription() {
        let error = SpreadsheetError(kind: .missingPart, detail: "xl/workbook.xml is missing")
        #expect(error.description == "missingPart: xl/workbook.xml is missing")
    }
}
