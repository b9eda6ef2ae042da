import Foundation
import Testing
@testable import EstateSheets

/// Zip bombs and oversized files are refused at the first row, cell or byte past the limits,
/// having inflated and scanned only that far (issue 13, point 3).
@Suite("Import limits while reading")
struct ImportLimitTests {
    /// What the unit and customer imports pass: 50,000 rows after the header.
    static let importLimits = SheetLimits(maxRows: 50_001)

    static func deflated(sheet: String, sharedStrings: String? = nil) throws -> Data {
        var entries: [(String, [UInt8])] = [("xl/workbook.xml", Array("<workbook/>".utf8)), ("xl/worksheets/sheet1.xml", Array(sheet.utf8))]
        if let sharedStrings { entries.append(("xl/sharedStrings.xml", Array(sharedStrings.utf8))) }
        return try XLSXWriter.zip(entries)
    }

    static func read(_ data: Data, _ limits: SheetLimits) -> (SpreadsheetError.Kind?, ReadStats) {
        var stats = ReadStats()
        do {
            _ = try XLSXReader.rows(data, limits: limits, stats: &stats)
            return (nil, stats)
        } catch let error as SpreadsheetError {
            return (error.kind, stats)
        } catch {
            return (nil, stats)
        }
    }

    @Test("a tall bomb (120,000 rows) stops at the first row past the limit, half-way through the sheet")
    func tallBomb() throws {
        let row = "<row>" + String(repeating: "<c><v>1</v></c>", count: 8) + "</row>"
        let sheet = "<worksheet><sheetData>" + String(repeating: row, count: 120_000) + "</sheetData></worksheet>"
        let data = try Self.deflated(sheet: sheet)
        #expect(data.count < sheet.utf8.count / 50)

        let (kind, stats) = Self.read(data, Self.importLimits)
        #expect(kind == .tooManyRows)
        #expect(stats.rows == 50_001)
        // The row past the limit ends at 50,002 rows' worth of XML; at most a chunk more was inflated.
        let cut = 22 + 50_002 * row.utf8.count
        #expect(stats.bytesInflated <= cut + 256 * 1024 + 64, "inflated \(stats.bytesInflated) of \(sheet.utf8.count)")
        #expect(stats.bytesInflated < sheet.utf8.count / 2 + 256 * 1024)
    }

    @Test("one huge row (1,000,000 cells) stops at the column limit after one chunk")
    func wideBomb() throws {
        let sheet = "<worksheet><sheetData><row>" + String(repeating: "<c><v>1</v></c>", count: 1_000_000) + "</row></sheetData></worksheet>"
        let (kind, stats) = Self.read(try Self.deflated(sheet: sheet), Self.importLimits)
        #expect(kind == .tooLarge)
        #expect(stats.rows == 0)
        #expect(stats.bytesInflated <= 2 * 256 * 1024, "inflated \(stats.bytesInflated) of \(sheet.utf8.count)")
    }

    @Test("200 cells a row on every row runs out of the cell budget (64 a row on average)")
    func cellBudget() throws {
        let row = "<row>" + String(repeating: "<c><v>1</v></c>", count: 200) + "</row>"
        let sheet = "<worksheet><sheetData>" + String(repeating: row, count: 12_000) + "</sheetData></worksheet>"
        let limits = SheetLimits(maxRows: 10_000)
        #expect(sheet.utf8.count < limits.maxPartBytes)
        let (kind, stats) = Self.read(try Self.deflated(sheet: sheet), limits)
        #expect(kind == .tooLarge)
        #expect(stats.rows == limits.maxCells / 200)
        #expect(stats.bytesInflated < sheet.utf8.count / 2)
    }

    @Test("a sheet of empty rows over the part's byte limit is refused without inflating it (sizes that lie: inflateCounted)")
    func byteCap() throws {
        let sheet = "<worksheet><sheetData>" + String(repeating: "<row/>", count: 1_000_000) + "</sheetData></worksheet>"
        let limits = SheetLimits(maxRows: 100)
        #expect(limits.maxPartBytes < sheet.utf8.count)
        let (kind, stats) = Self.read(try Self.deflated(sheet: sheet), limits)
        #expect(kind == .tooLarge)
        #expect(stats.bytesInflated <= limits.maxPartBytes + 256 * 1024)
    }

    @Test("a long shared string referenced from every cell exhausts the text budget")
    func sharedStringAmplification() throws {
        let long = String(repeating: "房", count: 400_000)  // 1.2 MB
        let row = "<row>" + String(repeating: "<c t=\"s\"><v>0</v></c>", count: 10) + "</row>"
        let sheet = "<worksheet><sheetData>" + String(repeating: row, count: 1_000) + "</sheetData></worksheet>"
        let limits = SheetLimits(maxRows: 1_000)
        let data = try Self.deflated(sheet: sheet, sharedStrings: "<sst><si><t>\(long)</t></si></sst>")
        let (kind, stats) = Self.read(data, limits)
        #expect(kind == .tooLarge)
        #expect(stats.rows < 1_000)
    }

    @Test("more shared strings than the cell budget are refused while reading them")
    func sharedStringCount() throws {
        let limits = SheetLimits(maxRows: 10)
        let strings = "<sst>" + String(repeating: "<si><t>a</t></si>", count: limits.maxSharedStrings + 1) + "</sst>"
        let data = try Self.deflated(sheet: "<worksheet><sheetData/></worksheet>", sharedStrings: strings)
        #expect(Self.read(data, limits).0 == .tooLarge)
        #expect(Self.read(data, .standard).0 == nil)
    }

    @Test("a file at the limits reads whole")
    func atTheLimits() throws {
        // 1,001 rows, the last filling all 256 columns.
        let rows = (1...1_000).map { "<row r=\"\($0)\"><c r=\"A\($0)\"><v>\($0)</v></c></row>" }
        let last = "<row r=\"1001\"><c r=\"A1001\"><v>1001</v></c><c r=\"IV1001\" t=\"inlineStr\"><is><t>x</t></is></c></row>"
        let sheet = "<worksheet><sheetData>\(rows.joined())\(last)</sheetData></worksheet>"
        var stats = ReadStats()
        let read = try XLSXReader.rows(try Self.deflated(sheet: sheet), limits: SheetLimits(maxRows: 1_001), stats: &stats)
        #expect(read.count == 1_001 && read.last?.cells.count == 256 && read.last?.cells.first == "1001")
        #expect(stats.rows == 1_001)
    }

    @Test("streamed in chunks of any size, a sheet reads the same as in one piece")
    func chunkBoundaries() throws {
        let sheet = Array(XLSXReaderTests.sheet.utf8)
        let strings = Array(XLSXReaderTests.sharedStrings.utf8)
        let shared = try XLSXReader.readSharedStrings(Data(strings), part: "sst")
        let whole = try XLSXReader.readSheet(Data(sheet), sharedStrings: shared, part: "sheet")
        #expect(!whole.isEmpty)
        for size in [1, 2, 3, 5, 8, 13, 64, 1_000] {
            var stringFeed = XMLFeed(XLSXReader.SharedStringReader(limits: .standard), part: "sst")
            for start in stride(from: 0, to: strings.count, by: size) {
                try strings[start..<min(strings.count, start + size)].withUnsafeBytes { try stringFeed.feed($0) }
            }
            try stringFeed.finish()
            #expect(stringFeed.reader.strings == shared, "chunk size \(size)")
            var sheetFeed = XMLFeed(XLSXReader.SheetReader(sharedStrings: shared, limits: .standard, part: "sheet"), part: "sheet")
            for start in stride(from: 0, to: sheet.count, by: size) {
                try sheet[start..<min(sheet.count, start + size)].withUnsafeBytes { try sheetFeed.feed($0) }
            }
            try sheetFeed.finish()
            #expect(sheetFeed.reader.rows == whole, "chunk size \(size)")
        }
    }

    @Test("a CSV with too many rows stops at the first row past the limit")
    func csvRows() throws {
        let csv = "楼栋,房号\n" + String(repeating: "1号楼,101\n", count: 120_000)
        var stats = ReadStats()
        #expect(spreadsheetErrorKind { _ = try CSVReader.rows(Data(csv.utf8), limits: Self.importLimits, stats: &stats) } == .tooManyRows)
        #expect(stats.rows == 50_001)
        #expect(try CSVReader.rows(Data(csv.utf8)).rows.count == 120_001)
    }

    @Test("a CSV record with a filled field past the column limit is refused; empty padding is not")
    func csvColumns() throws {
        let wide = String(repeating: "x,", count: 1_000_000)
        var stats = ReadStats()
        #expect(spreadsheetErrorKind { _ = try CSVReader.rows(Data(wide.utf8), limits: Self.importLimits, stats: &stats) } == .tooLarge)
        #expect(stats.rows == 0)
        let padded = "a,b" + String(repeating: ",", count: 5_000) + "\nc,d\n"
        #expect(try CSVReader.rows(Data(padded.utf8), limits: Self.importLimits).rows.map(\.cells) == [["a", "b"], ["c", "d"]])
    }
}
