import Foundation
import Testing
@testable import EstateSheets

@Suite("XLSX writer and round trip")
struct XLSXWriterTests {
    static let columns = [
        SheetColumn("房号"),
        SheetColumn("业主姓名", format: .text),
        SheetColumn("楼层", format: .integer),
        SheetColumn("面积(㎡)", format: .area),
        SheetColumn("物业费", format: .money),
        SheetColumn("收缴率", format: .percent),
        SheetColumn("备注", width: 30),
    ]

    static let rows: [[SheetCell]] = [
        [.text("3-1-101"), .text("张三"), .integer(1), .decimal(8912, scale: 2), .decimal(123456, scale: 2),
         .decimal(9512, scale: 4), .text("=SUM(A1:A2)")],
        [.text("3-1-102"), .empty, .integer(-2), .decimal(-5, scale: 2), .empty, .decimal(1, scale: 0), .text("+86 138 0000 0000")],
        [.text("3-1-103"), .text("李四"), .integer(Int64.max), .decimal(Int64.min, scale: 2), .decimal(7, scale: -2),
         .decimal(0, scale: 2), .text("-负数开头")],
        [.text("@mention"), .text("\ttab"), .empty, .empty, .empty, .empty, .text("\r回车开头")],
        [.text("a<b>&\"c'"), .text("  两端空格  "), .empty, .empty, .empty, .empty, .text("第一行\n第二行\r\n第三行")],
        [.text("_x0041_ literal"), .text("bell\u{7}dropped\u{0}"), .empty, .empty, .empty, .empty, .text("😀 emoji 𠀀")],
    ]

    static func workbook() throws -> Data {
        try XLSXWriter.data([Sheet(name: "房源", columns: columns, rows: rows)])
    }

    @Test("write → read keeps Chinese text, numbers, decimals, gaps and formula-like text")
    func roundTrip() throws {
        let read = try XLSXReader.rows(try Self.workbook())
        #expect(read.count == 7)
        #expect(read[0] == SheetRow(number: 1, cells: ["房号", "业主姓名", "楼层", "面积(㎡)", "物业费", "收缴率", "备注"]))
        #expect(read[1] == SheetRow(number: 2, cells: ["3-1-101", "张三", "1", "89.12", "1234.56", "0.9512", "=SUM(A1:A2)"]))
        #expect(read[2] == SheetRow(number: 3, cells: ["3-1-102", "", "-2", "-0.05", "", "1", "+86 138 0000 0000"]))
        #expect(read[3] == SheetRow(number: 4, cells: ["3-1-103", "李四", "9223372036854775807", "-92233720368547758.08", "700", "0.00", "-负数开头"]))
        #expect(read[4] == SheetRow(number: 5, cells: ["@mention", "\ttab", "", "", "", "", "\r回车开头"]))
        #expect(read[5] == SheetRow(number: 6, cells: ["a<b>&\"c'", "  两端空格  ", "", "", "", "", "第一行\n第二行\r\n第三行"]))
        #expect(read[6] == SheetRow(number: 7, cells: ["_x0041_ literal", "belldropped", "", "", "", "", "😀 emoji 𠀀"]))
    }

    @Test("formula-looking text gets the quotePrefix style; the value is unchanged")
    func quotePrefix() throws {
        let data = try Self.workbook()
        let styles = try xlsxPart(data, "xl/styles.xml")
        // cellXfs index 7 is the quote-prefixed style.
        let xfs = styles.components(separatedBy: "<cellXfs")[1].components(separatedBy: "</cellXfs>")[0]
        let xfList = xfs.components(separatedBy: "<xf ").dropFirst().map { "<xf " + $0 }
        #expect(xfList.count == 10)
        #expect(xfList[XLSXWriter.Style.wrapped].contains("wrapText=\"1\""), "the board's multi-line cells wrap")
        #expect(xfList[XLSXWriter.Style.quoted].contains("quotePrefix=\"1\""))
        #expect(!xfList[0].contains("quotePrefix"))

        let sheet = try xlsxPart(data, "xl/worksheets/sheet1.xml")
        for ref in ["G2", "G3", "G4", "A5", "B5", "G5"] {
            let cell = try #require(cellXML(sheet, ref), "cell \(ref)")
            #expect(cell.contains("s=\"7\""), "\(ref) should be quote-prefixed: \(cell)")
            #expect(cell.contains("t=\"s\""))
        }
        // Ordinary text and negative numbers are not quote-prefixed.
        #expect(cellXML(sheet, "A2")?.contains("s=\"7\"") == false)
        let negative = try #require(cellXML(sheet, "C3"))
        #expect(negative.contains("<v>-2</v>") && !negative.contains("s=\"7\"") && !negative.contains("t=\"s\""))
        // The shared string keeps the formula text as is (escaped), not as a <f> formula.
        let strings = try xlsxPart(data, "xl/sharedStrings.xml")
        #expect(strings.contains("<t>=SUM(A1:A2)</t>"))
        #expect(!sheet.contains("<f>"))
    }

    @Test("header is bold and frozen; widths and number formats per column")
    func headerWidthsAndFormats() throws {
        let data = try Self.workbook()
        let sheet = try xlsxPart(data, "xl/worksheets/sheet1.xml")
        #expect(sheet.contains("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"))
        #expect(cellXML(sheet, "A1")?.contains("s=\"1\"") == true)
        #expect(cellXML(sheet, "G1")?.contains("s=\"1\"") == true)
        let styles = try xlsxPart(data, "xl/styles.xml")
        #expect(styles.contains("<font><b/>"))
        #expect(styles.contains("formatCode=\"#,##0.00\""))
        #expect(styles.contains("formatCode=\"0.00\""))
        #expect(styles.contains("formatCode=\"0.00%\""))
        // Numbers are numeric cells with the column's format.
        #expect(cellXML(sheet, "C2") == "<c r=\"C2\" s=\"3\"><v>1</v></c>")
        #expect(cellXML(sheet, "D2") == "<c r=\"D2\" s=\"5\"><v>89.12</v></c>")
        #expect(cellXML(sheet, "E2") == "<c r=\"E2\" s=\"4\"><v>1234.56</v></c>")
        #expect(cellXML(sheet, "F2") == "<c r=\"F2\" s=\"6\"><v>0.9512</v></c>")
        #expect(cellXML(sheet, "B2")?.contains("s=\"2\"") == true)  // text column "@"
        // Empty cells are not written.
        #expect(cellXML(sheet, "B3") == nil)
        // Widths: explicit 30 for 备注; 业主姓名 (8 units) is widened to fit "  两端空格  " (12) + 2.
        #expect(sheet.contains("<col min=\"7\" max=\"7\" width=\"30\" customWidth=\"1\"/>"))
        #expect(sheet.contains("<col min=\"2\" max=\"2\" width=\"14\" customWidth=\"1\" style=\"2\"/>"))
        #expect(sheet.contains("<dimension ref=\"A1:G7\"/>"))
    }

    @Test("auto width fits CJK content (double width) and is capped at 60")
    func autoWidth() throws {
        let sheet = Sheet(name: "w", columns: [SheetColumn("A"), SheetColumn("B"), SheetColumn("C", width: 5)],
                          rows: [[.text("一二三四五六七八九十"), .text(String(repeating: "x", count: 200)), .text("long long long")]])
        #expect(sheet.columns[0].width == 6)  // title only: minimum
        let xml = try xlsxPart(try XLSXWriter.data([sheet]), "xl/worksheets/sheet1.xml")
        #expect(xml.contains("<col min=\"1\" max=\"1\" width=\"22\" customWidth=\"1\"/>"))  // 20 + 2
        #expect(xml.contains("<col min=\"2\" max=\"2\" width=\"60\" customWidth=\"1\"/>"))
        #expect(xml.contains("<col min=\"3\" max=\"3\" width=\"5\" customWidth=\"1\"/>"))
    }

    @Test("column letters beyond Z", arguments: [(0, "A"), (25, "Z"), (26, "AA"), (27, "AB"), (51, "AZ"), (52, "BA"), (701, "ZZ"), (702, "AAA"), (16383, "XFD")])
    func columnNames(index: Int, name: String) {
        #expect(XLSXWriter.columnName(index) == name)
    }

    @Test("30 columns round trip through AA, AB, AD")
    func wideSheet() throws {
        let columns = (0..<30).map { SheetColumn("列\($0)") }
        let row: [SheetCell] = (0..<30).map { .text("v\($0)") }
        var gapRow: [SheetCell] = Array(repeating: .empty, count: 28)
        gapRow[0] = .integer(1)
        gapRow.append(.text("AC!"))
        let data = try XLSXWriter.data([Sheet(name: "wide", columns: columns, rows: [row, gapRow])])
        let xml = try xlsxPart(data, "xl/worksheets/sheet1.xml")
        #expect(cellXML(xml, "AA2")?.contains("t=\"s\"") == true)
        #expect(cellXML(xml, "AB2") != nil)
        #expect(cellXML(xml, "AD2") != nil)
        #expect(cellXML(xml, "AE2") == nil)
        #expect(cellXML(xml, "AC3") != nil)
        let read = try XLSXReader.rows(data)
        #expect(read[1].cells.count == 30)
        #expect(read[1].cells[26] == "v26")
        #expect(read[1].cells[27] == "v27")
        #expect(read[1].cells[29] == "v29")
        #expect(read[2].cells.count == 29)
        #expect(read[2].cells[0] == "1")
        #expect(read[2].cells[1...27].allSatisfy { $0.isEmpty })
        #expect(read[2].cells[28] == "AC!")
    }

    @Test("several sheets: names sanitised and unique, the first one is read")
    func severalSheets() throws {
        let long = "业主[名单]:2024*?/\\" + String(repeating: "长", count: 40)
        let sheets = [
            Sheet(name: long, columns: [SheetColumn("a")], rows: [[.text("first")]]),
            Sheet(name: "Data & <More>", columns: [SheetColumn("b")], rows: [[.text("second")]]),
            Sheet(name: "data & <more>", columns: [], rows: [[.integer(3)]]),
            Sheet(name: "''", columns: [], rows: []),
        ]
        #expect(sheets[0].name.utf16.count == 31)
        #expect(!sheets[0].name.contains { "[]:*?/\\".contains($0) })
        #expect(sheets[0].name.hasPrefix("业主_名单__2024"))
        #expect(sheets[3].name == "Sheet1")
        let data = try XLSXWriter.data(sheets)
        let workbook = try xlsxPart(data, "xl/workbook.xml")
        #expect(workbook.contains("name=\"Data &amp; &lt;More&gt;\""))
        #expect(workbook.contains("name=\"data &amp; &lt;more&gt; (2)\""))
        #expect(workbook.components(separatedBy: "<sheet ").count == 5)
        #expect(try xlsxPart(data, "xl/worksheets/sheet4.xml").contains("<sheetData></sheetData>"))
        let read = try XLSXReader.rows(data)
        #expect(read == [SheetRow(number: 1, cells: ["a"]), SheetRow(number: 2, cells: ["first"])])
        // Without columns there is no header row and no frozen pane.
        let third = try xlsxPart(data, "xl/worksheets/sheet3.xml")
        #expect(!third.contains("<pane"))
        #expect(cellXML(third, "A1") == "<c r=\"A1\"><v>3</v></c>")
    }

    @Test("package parts, docProps and deterministic output")
    func packageAndDeterminism() throws {
        let a = try Self.workbook()
        let b = try Self.workbook()
        #expect(a == b)
        #expect(SpreadsheetFormat.detect(a) == .xlsx)
        for part in ["[Content_Types].xml", "_rels/.rels", "docProps/core.xml", "docProps/app.xml", "xl/workbook.xml",
                     "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"] {
            #expect(try ZipPackage(a).contains(part), "\(part)")
        }
        let app = try xlsxPart(a, "docProps/app.xml")
        #expect(app.contains("<vt:lpstr>房源</vt:lpstr>"))
        let types = try xlsxPart(a, "[Content_Types].xml")
        #expect(types.contains("/docProps/core.xml"))
        #expect(types.contains("/xl/worksheets/sheet1.xml"))
        // Shared strings: each distinct text once.
        let strings = try xlsxPart(a, "xl/sharedStrings.xml")
        #expect(strings.contains("uniqueCount=\"24\""))
        #expect(strings.contains("<si><t xml:space=\"preserve\">  两端空格  </t></si>"))
        #expect(strings.contains("&#13;"))           // CR survives XML line-end normalisation
        #expect(strings.contains("_x005F_x0041_"))   // literal _xHHHH_ escaped as Excel does
        #expect(!strings.contains("\u{7}"))
        #expect(try XLSXWriter.data([]).count > 0)   // an empty workbook still has one sheet
        #expect(try XLSXReader.rows(try XLSXWriter.data([])) == [])
    }

    @Test("Excel's limits: more than 16,384 columns → tooLarge; cell text cut at 32,767 characters")
    func limits() throws {
        let wide = Sheet(name: "w", columns: [], rows: [Array(repeating: SheetCell.integer(1), count: 16_385)])
        #expect(spreadsheetErrorKind { _ = try XLSXWriter.data([wide]) } == .tooLarge)
        let long = String(repeating: "长", count: 40_000)
        let data = try XLSXWriter.data([Sheet(name: "t", columns: [], rows: [[.text(long), .text("ok")]])])
        let read = try XLSXReader.rows(data)
        #expect(read[0].cells[0].count == 32_767)
        #expect(read[0].cells[1] == "ok")
        // A character outside the BMP is not split at the limit.
        let emoji = String(repeating: "a", count: 32_766) + "😀"
        let cut = XLSXWriter.cellText(emoji)
        #expect(cut.utf16.count == 32_766 && cut.unicodeScalars.allSatisfy { $0 == "a" })
    }

    @Test("decimal text is exact")
    func decimalText() {
        #expect(DecimalText.format(123456, scale: 2) == "1234.56")
        #expect(DecimalText.format(-5, scale: 2) == "-0.05")
        #expect(DecimalText.format(5, scale: 3) == "0.005")
        #expect(DecimalText.format(0, scale: 2) == "0.00")
        #expect(DecimalText.format(-100, scale: 2) == "-1.00")
        #expect(DecimalText.format(42, scale: 0) == "42")
        #expect(DecimalText.format(42, scale: -3) == "42000")
        #expect(DecimalText.format(Int64.min, scale: 0) == "-9223372036854775808")
        #expect(DecimalText.format(Int64.min, scale: 19) == "-0.9223372036854775808")
    }
}
