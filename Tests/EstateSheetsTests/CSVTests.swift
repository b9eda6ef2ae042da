import Foundation
import Testing
@testable import EstateSheets

@Suite("CSV reader and writer")
struct CSVTests {
    @Test("quotes, doubled quotes, embedded newlines, CRLF/LF/CR, empty lines and row numbers")
    func rfc4180() throws {
        let text = "房号,备注,金额\r\n"
            + "3-1-101,\"含,逗号\",89.12\r\n"
            + "\r\n"                                          // empty line: skipped but counted
            + "3-1-102,\"两行\r\n文本\",\"他说\"\"好\"\"\"\n"   // one record over two lines, then LF
            + ",,\r"                                          // all fields empty: skipped, counted; CR line end
            + "3-1-103,,\"\"\r\n"                             // trailing empties dropped
            + "3-1-104,a\"b,\"q\"tail\n"                      // stray quotes kept literally
            + "last,no newline"
        let (encoding, rows) = try CSVReader.rows(Data(text.utf8))
        #expect(encoding == .utf8)
        #expect(rows == [
            SheetRow(number: 1, cells: ["房号", "备注", "金额"]),
            SheetRow(number: 2, cells: ["3-1-101", "含,逗号", "89.12"]),
            SheetRow(number: 4, cells: ["3-1-102", "两行\r\n文本", "他说\"好\""]),
            SheetRow(number: 6, cells: ["3-1-103"]),
            SheetRow(number: 7, cells: ["3-1-104", "a\"b", "qtail"]),
            SheetRow(number: 8, cells: ["last", "no newline"]),
        ])
    }

    @Test("a UTF-8 BOM is dropped")
    func utf8BOM() throws {
        let data = Data([0xEF, 0xBB, 0xBF] + Array("房号,面积\r\n1,2\r\n".utf8))
        let (encoding, rows) = try CSVReader.rows(data)
        #expect(encoding == .utf8)
        #expect(rows == [SheetRow(number: 1, cells: ["房号", "面积"]), SheetRow(number: 2, cells: ["1", "2"])])
        #expect(rows[0].cells[0].unicodeScalars.first == "房")
    }

    @Test("GBK bytes as Chinese Excel saves them (made with iconv -f UTF-8 -t GBK)")
    func gbk() throws {
        // 房号,面积,业主\r\n3-1-101,89.12,"张三,李四"\r\n
        let bytes: [UInt8] = [
            0xb7, 0xbf, 0xba, 0xc5, 0x2c, 0xc3, 0xe6, 0xbb, 0xfd, 0x2c, 0xd2, 0xb5,
            0xd6, 0xf7, 0x0d, 0x0a, 0x33, 0x2d, 0x31, 0x2d, 0x31, 0x30, 0x31, 0x2c,
            0x38, 0x39, 0x2e, 0x31, 0x32, 0x2c, 0x22, 0xd5, 0xc5, 0xc8, 0xfd, 0x2c,
            0xc0, 0xee, 0xcb, 0xc4, 0x22, 0x0d, 0x0a,
        ]
        let (encoding, rows) = try CSVReader.rows(Data(bytes))
        #expect(encoding == .gb18030)
        #expect(rows == [
            SheetRow(number: 1, cells: ["房号", "面积", "业主"]),
            SheetRow(number: 2, cells: ["3-1-101", "89.12", "张三,李四"]),
        ])
    }

    @Test("GB18030 four-byte characters and code page 936's euro byte")
    func gb18030() throws {
        let text = "业主,𠀀生僻字,€\r\n"
        let encoded = try #require(text.data(using: CSVReader.gb18030))
        #expect(String(validating: [UInt8](encoded), as: UTF8.self) == nil)
        let (encoding, rows) = try CSVReader.rows(encoded)
        #expect(encoding == .gb18030)
        #expect(rows == [SheetRow(number: 1, cells: ["业主", "𠀀生僻字", "€"])])
        // 价格€ in CP936 (iconv -t CP936): the euro is the single byte 0x80.
        let cp936: [UInt8] = [0xbc, 0xdb, 0xb8, 0xf1, 0x80, 0x2c, 0x31]
        let euro = try CSVReader.rows(Data(cp936))
        #expect(euro.encoding == .gb18030)
        #expect(euro.rows == [SheetRow(number: 1, cells: ["价格€", "1"])])
    }

    @Test("bytes that are neither UTF-8 nor GB18030 → badEncoding")
    func badEncoding() {
        #expect(spreadsheetErrorKind { _ = try CSVReader.rows(Data([0x41, 0xFF, 0x42, 0xFF])) } == .badEncoding)
    }

    @Test("empty input gives no rows")
    func empty() throws {
        #expect(try CSVReader.rows(Data()).rows == [])
        #expect(try CSVReader.rows(Data([0xEF, 0xBB, 0xBF])).rows == [])
        #expect(try CSVReader.rows(Data("\r\n\r\n".utf8)).rows == [])
    }

    @Test("writer: BOM, CRLF, quoting, formula guard, numbers")
    func writer() throws {
        let data = CSVWriter.data(
            header: ["房号", "备注", "金额"],
            rows: [
                [.text("3-1-101"), .text("含,逗号"), .decimal(123456, scale: 2)],
                [.text("=HYPERLINK(\"x\")"), .text("两行\n文本"), .integer(-5)],
                [.text("+1"), .text("-2"), .empty],
                [.text("@a"), .text("\tb"), .decimal(-5, scale: 2)],
                [.text(" 空格 "), .text("他说\"好\""), .text("plain")],
            ])
        let bytes = [UInt8](data)
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        #expect(text == "房号,备注,金额\r\n"
            + "3-1-101,\"含,逗号\",1234.56\r\n"
            + "\"'=HYPERLINK(\"\"x\"\")\",\"两行\n文本\",-5\r\n"
            + "'+1,'-2,\r\n"
            + "'@a,'\tb,-0.05\r\n"
            + "\" 空格 \",\"他说\"\"好\"\"\",plain\r\n")
        // And it reads back (with the guard quote kept, as Excel shows it).
        let (encoding, rows) = try CSVReader.rows(data)
        #expect(encoding == .utf8)
        #expect(rows.count == 6)
        #expect(rows[2].cells == ["'=HYPERLINK(\"x\")", "两行\n文本", "-5"])
        #expect(rows[5].cells == [" 空格 ", "他说\"好\"", "plain"])
        #expect(rows[5].number == 6)
    }
}
