import Foundation
@testable import EstateSheets

/// A minimal ZIP writer (stored entries, no compression) independent of the module's own writer, so the
/// reader is tested against a second producer. `declaredSizes` lets a test lie about an entry's size.
enum StoredZip {
    static func make(_ entries: [(String, String)], declaredSizes: [String: UInt32] = [:]) -> Data {
        make(entries.map { ($0.0, Data($0.1.utf8)) }, declaredSizes: declaredSizes)
    }

    /// `methods` marks entries whose content is already raw deflate data (method 8).
    static func make(_ entries: [(String, Data)], declaredSizes: [String: UInt32] = [:], methods: [String: UInt16] = [:]) -> Data {
        var out = Data()
        var central = Data()
        for (path, content) in entries {
            let name = Data(path.utf8)
            let crc = crc32(content)
            let size = UInt32(content.count)
            let declared = declaredSizes[path] ?? size
            let offset = UInt32(out.count)
            // Local file header
            out.append(le32(0x0403_4B50))
            let method = methods[path] ?? 0
            out.append(le16(20)); out.append(le16(0)); out.append(le16(method)) // version, flags, method
            out.append(le16(0)); out.append(le16(0x21))                        // time, date (1980-01-01)
            out.append(le32(crc)); out.append(le32(size)); out.append(le32(declared))
            out.append(le16(UInt16(name.count))); out.append(le16(0))
            out.append(name)
            out.append(content)
            // Central directory header
            central.append(le32(0x0201_4B50))
            central.append(le16(20)); central.append(le16(20)); central.append(le16(0)); central.append(le16(method))
            central.append(le16(0)); central.append(le16(0x21))
            central.append(le32(crc)); central.append(le32(size)); central.append(le32(declared))
            central.append(le16(UInt16(name.count))); central.append(le16(0)); central.append(le16(0))
            central.append(le16(0)); central.append(le16(0)); central.append(le32(0o100644 << 16))
            central.append(le32(offset))
            central.append(name)
        }
        let centralOffset = UInt32(out.count)
        out.append(central)
        out.append(le32(0x0605_4B50))
        out.append(le16(0)); out.append(le16(0))
        out.append(le16(UInt16(entries.count))); out.append(le16(UInt16(entries.count)))
        out.append(le32(UInt32(central.count))); out.append(le32(centralOffset))
        out.append(le16(0))
        return out
    }

    static func crc32(_ data: Data) -> UInt32 {
        var table = [UInt32](repeating: 0, count: 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            table[i] = c
        }
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    private static func le16(_ v: UInt16) -> Data { withUnsafeBytes(of: v.littleEndian) { Data($0) } }
    private static func le32(_ v: UInt32) -> Data { withUnsafeBytes(of: v.littleEndian) { Data($0) } }
}

/// Parts of a written workbook, as text.
func xlsxPart(_ data: Data, _ path: String) throws -> String {
    let package = try ZipPackage(data)
    let part = try package.requiredPart(path)
    return String(decoding: part, as: UTF8.self)
}

/// The `<c ...>` element for `ref` in a sheet's XML, e.g. `cellXML(sheet, "B2")`.
func cellXML(_ sheetXML: String, _ ref: String) -> String? {
    guard let start = sheetXML.range(of: "<c r=\"\(ref)\"") else { return nil }
    guard let end = sheetXML[start.upperBound...].range(of: "</c>") else { return nil }
    return String(sheetXML[start.lowerBound..<end.upperBound])
}

/// Throws the SpreadsheetError kind `body` fails with, or nil when it does not fail that way.
func spreadsheetErrorKind(_ body: () throws -> Void) -> SpreadsheetError.Kind? {
    do {
        try body()
        return nil
    } catch let error as SpreadsheetError {
        return error.kind
    } catch {
        return nil
    }
}

/// A minimal package around the given sheet XML and shared strings.
func minimalXLSX(sheet: String, sharedStrings: String? = nil) -> Data {
    var entries: [(String, String)] = [
        ("[Content_Types].xml", """
        <?xml version="1.0" encoding="UTF-8"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
        <Default Extension="xml" ContentType="application/xml"/>
        </Types>
        """),
        ("_rels/.rels", """
        <?xml version="1.0" encoding="UTF-8"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
        </Relationships>
        """),
        ("xl/workbook.xml", """
        <?xml version="1.0" encoding="UTF-8"?>
        <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
        <sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets>
        </workbook>
        """),
        ("xl/_rels/workbook.xml.rels", """
        <?xml version="1.0" encoding="UTF-8"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
        <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
        </Relationships>
        """),
        ("xl/worksheets/sheet1.xml", sheet),
    ]
    if let sharedStrings { entries.append(("xl/sharedStrings.xml", sharedStrings)) }
    return StoredZip.make(entries)
}
