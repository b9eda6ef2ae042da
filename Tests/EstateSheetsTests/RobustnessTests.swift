import Foundation
import Testing
@testable import EstateSheets

/// Damaged input must give rows or a SpreadsheetError, never a crash or another error type.
@Suite("Damaged input")
struct RobustnessTests {
    struct XorShift: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }

    static let sheetXML = XLSXReaderTests.sheet
    static let strings = XLSXReaderTests.sharedStrings

    /// Runs the sheet and shared-string scanners directly on `sheet` (no ZIP, so thousands of cases stay fast).
    static func scan(_ sheet: [UInt8], strings: [UInt8]) -> Bool {
        do {
            let shared = try XLSXReader.readSharedStrings(Data(strings), part: "sst")
            _ = try XLSXReader.readSheet(Data(sheet), sharedStrings: shared, part: "sheet")
            return true
        } catch is SpreadsheetError {
            return true
        } catch {
            return false
        }
    }

    @Test("every truncation of a sheet and of the shared strings")
    func truncations() {
        let sheet = Array(Self.sheetXML.utf8)
        let strings = Array(Self.strings.utf8)
        var unexpected = 0
        for end in 0...sheet.count where !Self.scan(Array(sheet[..<end]), strings: strings) { unexpected += 1 }
        for end in 0...strings.count where !Self.scan(sheet, strings: Array(strings[..<end])) { unexpected += 1 }
        #expect(unexpected == 0)
    }

    @Test("random byte mutations")
    func mutations() {
        var rng = XorShift(state: 0x9E37_79B9_7F4A_7C15)
        let sheet = Array(Self.sheetXML.utf8)
        let strings = Array(Self.strings.utf8)
        let interesting: [UInt8] = Array("<>/\"'&;=#x![]-?: \n\r\u{0}".utf8) + [0xFF, 0xE4, 0x80]
        var unexpected = 0
        for _ in 0..<3_000 {
            var s = sheet, t = strings
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                if Bool.random(using: &rng) {
                    s[Int.random(in: 0..<s.count, using: &rng)] = interesting.randomElement(using: &rng)!
                } else {
                    t[Int.random(in: 0..<t.count, using: &rng)] = interesting.randomElement(using: &rng)!
                }
            }
            if !Self.scan(s, strings: t) { unexpected += 1 }
        }
        #expect(unexpected == 0)
    }

    @Test("damaged ZIP bytes of a written workbook")
    func damagedZip() throws {
        let data = try XLSXWriter.data([Sheet(name: "s", columns: [SheetColumn("a")], rows: [[.text("x")], [.integer(1)]])])
        var rng = XorShift(state: 42)
        var unexpected = 0
        for _ in 0..<300 {
            var bytes = [UInt8](data)
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                bytes[Int.random(in: 4..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            do {
                _ = try XLSXReader.rows(Data(bytes))
            } catch is SpreadsheetError {
            } catch {
                unexpected += 1
            }
        }
        #expect(unexpected == 0)
        for end in stride(from: 0, to: data.count, by: 7) {
            #expect(spreadsheetErrorKind { _ = try XLSXReader.rows(data.prefix(end)) } != nil || end == data.count)
        }
    }

    @Test("random bytes as CSV")
    func csvNoise() {
        var rng = XorShift(state: 7)
        var unexpected = 0
        for _ in 0..<500 {
            let bytes = (0..<Int.random(in: 0...200, using: &rng)).map { _ in
                Bool.random(using: &rng) ? UInt8.random(in: 0...255, using: &rng) : Array("\",\r\n房".utf8).randomElement(using: &rng)!
            }
            do {
                _ = try CSVReader.rows(Data(bytes))
            } catch let error as SpreadsheetError where error.kind == .badEncoding {
            } catch {
                unexpected += 1
            }
        }
        #expect(unexpected == 0)
    }
}
