import Foundation

/// A small, fast, non-validating pull scanner for the XML in .xlsx packages.
///
/// It works on raw UTF-8 bytes and never copies element names: it reports where the local
/// name (the part after any `prefix:`) and the attribute text lie, and decodes text and
/// attribute values only when asked. It understands comments, processing instructions,
/// CDATA sections, a DOCTYPE (skipped; its entities are never expanded, so no entity
/// bombs), the five predefined entities and character references, and XML's line-end
/// normalisation (CR LF and lone CR become LF in text).
///
/// Measured on a 10,000 × 16 workbook in a release build (2-core Linux box): the whole
/// `XLSXReader.rows` (unzip + shared strings + sheet) takes about 52 ms with this scanner, while
/// unzip + FoundationXML's `XMLParser` with a minimal delegate takes about 220 ms, so the reader
/// uses this scanner and does not need FoundationXML at all.
struct XMLScanner {
    enum Token: Equatable { case start, end, text, cdata, eof }

    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var position: Int = 0

    // Results of the last `next()`:
    /// Local name of a start or end tag.
    private(set) var nameStart = 0
    private(set) var nameEnd = 0
    /// Attribute text of a start tag (between the name and `>` or `/>`).
    private(set) var attributesStart = 0
    private(set) var attributesEnd = 0
    /// A start tag written `<x/>`: no end token follows.
    private(set) var selfClosing = false
    /// Raw text (for `.text`, still with entities) or CDATA content.
    private(set) var textStart = 0
    private(set) var textEnd = 0

    /// False while more of the document is still to come (`XMLFeed`): a token cut off by the end of
    /// `bytes` then throws `XMLScanIncomplete` instead of being an error or a short text.
    let isFinal: Bool

    init(_ bytes: UnsafeBufferPointer<UInt8>, isFinal: Bool = true, skipBOM: Bool = true) {
        self.bytes = bytes
        self.isFinal = isFinal
        // Skip a UTF-8 byte order mark.
        if skipBOM && bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { position = 3 }
    }

    /// The error for a construct that runs to the end of the bytes.
    private func cutOff(_ message: String) -> any Error {
        isFinal ? XMLScanError(message) : XMLScanIncomplete()
    }

    // MARK: Tokens

    mutating func next() throws -> Token {
        let count = bytes.count
        while true {
            guard position < count else {
                if !isFinal { throw XMLScanIncomplete() }
                return .eof
            }
            if bytes[position] != UInt8(ascii: "<") {
                let end = find(UInt8(ascii: "<"), from: position)
                if end == nil && !isFinal { throw XMLScanIncomplete() }  // the text may go on
                textStart = position
                position = end ?? count
                textEnd = position
                return .text
            }
            guard position + 1 < count else { throw cutOff("unexpected end after '<'") }
            let second = bytes[position + 1]
            if second == UInt8(ascii: "/") {
                var p = position + 2
                let qStart = p
                var colon = -1
                while p < count {
                    let b = bytes[p]
                    if b == UInt8(ascii: ">") || isSpace(b) { break }
                    if b == UInt8(ascii: ":") { colon = p }
                    p += 1
                }
                nameStart = colon >= 0 ? colon + 1 : qStart
                nameEnd = p
                guard let close = find(UInt8(ascii: ">"), from: p) else { throw cutOff("unterminated end tag") }
                position = close + 1
                return .end
            }
            if second == UInt8(ascii: "?") {
                guard let end = find(sequence: "?>", from: position + 2) else { throw cutOff("unterminated processing instruction") }
                position = end + 2
                continue
            }
            if second == UInt8(ascii: "!") {
                if matches("<!--", at: position) {
                    guard let end = find(sequence: "-->", from: position + 4) else { throw cutOff("unterminated comment") }
                    position = end + 3
                    continue
                }
                if matches("<![CDATA[", at: position) {
                    let start = position + 9
                    guard let end = find(sequence: "]]>", from: start) else { throw cutOff("unterminated CDATA") }
                    textStart = start
                    textEnd = end
                    position = end + 3
                    return .cdata
                }
                // <!DOCTYPE ...> possibly with an internal subset [...]: skip, expand nothing.
                var p = position + 2
                var depth = 0
                var quote: UInt8 = 0
                while p < count {
                    let b = bytes[p]
                    if quote != 0 {
                        if b == quote { quote = 0 }
                    } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                        quote = b
                    } else if b == UInt8(ascii: "[") {
                        depth += 1
                    } else if b == UInt8(ascii: "]") {
                        depth -= 1
                    } else if b == UInt8(ascii: ">") && depth <= 0 {
                        break
                    }
                    p += 1
                }
                guard p < count else { throw cutOff("unterminated declaration") }
                position = p + 1
                continue
            }
            // Start tag.
            var p = position + 1
            let qStart = p
            var colon = -1
            while p < count {
                let b = bytes[p]
                if b == UInt8(ascii: ">") || b == UInt8(ascii: "/") || isSpace(b) { break }
                if b == UInt8(ascii: ":") { colon = p }
                p += 1
            }
            guard p > qStart else { throw XMLScanError("empty element name") }
            nameStart = colon >= 0 ? colon + 1 : qStart
            nameEnd = p
            attributesStart = p
            var quote: UInt8 = 0
            while p < count {
                let b = bytes[p]
                if quote != 0 {
                    if b == quote { quote = 0 }
                } else if b == UInt8(ascii: ">") {
                    break
                } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                    quote = b
                }
                p += 1
            }
            guard p < count else { throw cutOff("unterminated start tag") }
            selfClosing = p > attributesStart && bytes[p - 1] == UInt8(ascii: "/")
            attributesEnd = selfClosing ? p - 1 : p
            position = p + 1
            return .start
        }
    }

    /// Skips to just after the end tag matching the start tag just returned.
    mutating func skipElement() throws {
        if selfClosing { return }
        var depth = 1
        while depth > 0 {
            switch try next() {
            case .start: if !selfClosing { depth += 1 }
            case .end: depth -= 1
            case .eof: throw XMLScanError("unexpected end of document")
            case .text, .cdata: break
            }
        }
    }

    // MARK: Names and attributes

    /// Whether the current tag's local name is `name` (ASCII).
    @inline(__always)
    func nameIs(_ name: StaticString) -> Bool {
        let length = name.utf8CodeUnitCount
        guard nameEnd - nameStart == length else { return false }
        let p = name.utf8Start
        for i in 0..<length where bytes[nameStart + i] != p[i] { return false }
        return true
    }

    /// The raw value range (without quotes, entities undecoded) of the attribute whose local
    /// name is `name`. With `prefixed: true` only a prefixed attribute (e.g. `r:id`) matches.
    func attribute(_ name: StaticString, prefixed: Bool = false) -> Range<Int>? {
        let length = name.utf8CodeUnitCount
        let target = name.utf8Start
        var p = attributesStart
        let end = attributesEnd
        while p < end {
            while p < end && isSpace(bytes[p]) { p += 1 }
            guard p < end else { return nil }
            let qStart = p
            var colon = -1
            while p < end {
                let b = bytes[p]
                if b == UInt8(ascii: "=") || isSpace(b) { break }
                if b == UInt8(ascii: ":") { colon = p }
                p += 1
            }
            let localStart = colon >= 0 ? colon + 1 : qStart
            let localEnd = p
            while p < end && isSpace(bytes[p]) { p += 1 }
            guard p < end, bytes[p] == UInt8(ascii: "=") else { return nil }
            p += 1
            while p < end && isSpace(bytes[p]) { p += 1 }
            guard p < end else { return nil }
            let quote = bytes[p]
            guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { return nil }
            let valueStart = p + 1
            p = valueStart
            while p < end && bytes[p] != quote { p += 1 }
            let valueEnd = p
            p += 1
            if localEnd - localStart == length && (!prefixed || colon >= 0) {
                var same = true
                for i in 0..<length where bytes[localStart + i] != target[i] { same = false; break }
                if same { return valueStart..<valueEnd }
            }
        }
        return nil
    }

    /// Decoded attribute value as a String.
    func attributeString(_ name: StaticString, prefixed: Bool = false) -> String? {
        guard let range = attribute(name, prefixed: prefixed) else { return nil }
        var out: [UInt8] = []
        appendDecoded(range, to: &out, normaliseLineEnds: false)
        return String(decoding: out, as: UTF8.self)
    }

    /// Decoded text of the last `.text` token appended to `out`; CDATA content is appended as is.
    @inline(__always)
    func appendText(of token: Token, to out: inout [UInt8]) {
        if token == .cdata {
            appendNormalisingLineEnds(textStart..<textEnd, to: &out)
        } else {
            appendDecoded(textStart..<textEnd, to: &out, normaliseLineEnds: true)
        }
    }

    // MARK: Decoding

    /// Appends bytes in `range`, replacing entity and character references.
    func appendDecoded(_ range: Range<Int>, to out: inout [UInt8], normaliseLineEnds: Bool) {
        var p = range.lowerBound
        let end = range.upperBound
        var runStart = p
        while p < end {
            let b = bytes[p]
            if b == UInt8(ascii: "&") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<p]))
                var q = p + 1
                while q < end && q - p < 12 && bytes[q] != UInt8(ascii: ";") { q += 1 }
                if q < end && bytes[q] == UInt8(ascii: ";"), appendEntity(p + 1..<q, to: &out) {
                    p = q + 1
                } else {
                    // Not a reference we know: keep it literally (no entity expansion).
                    out.append(b)
                    p += 1
                }
                runStart = p
            } else if b == 0x0D && normaliseLineEnds {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<p]))
                out.append(0x0A)
                p += 1
                if p < end && bytes[p] == 0x0A { p += 1 }
                runStart = p
            } else {
                p += 1
            }
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<end]))
    }

    private func appendNormalisingLineEnds(_ range: Range<Int>, to out: inout [UInt8]) {
        var p = range.lowerBound
        while p < range.upperBound {
            let b = bytes[p]
            if b == 0x0D {
                out.append(0x0A)
                if p + 1 < range.upperBound && bytes[p + 1] == 0x0A { p += 1 }
            } else {
                out.append(b)
            }
            p += 1
        }
    }

    private func appendEntity(_ range: Range<Int>, to out: inout [UInt8]) -> Bool {
        let n = range.count
        guard n > 0 else { return false }
        let s = range.lowerBound
        if bytes[s] == UInt8(ascii: "#") {
            var value: UInt32 = 0
            var p = s + 1
            let hex = p < range.upperBound && (bytes[p] == UInt8(ascii: "x") || bytes[p] == UInt8(ascii: "X"))
            if hex { p += 1 }
            guard p < range.upperBound else { return false }
            while p < range.upperBound {
                let c = bytes[p]
                let digit: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: digit = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: digit = UInt32(c - UInt8(ascii: "A") + 10)
                default: return false
                }
                value = value * (hex ? 16 : 10) + digit
                if value > 0x10FFFF { return false }
                p += 1
            }
            guard let scalar = Unicode.Scalar(value) else { return false }
            out.append(contentsOf: String(Character(scalar)).utf8)
            return true
        }
        func isName(_ text: StaticString) -> Bool {
            guard text.utf8CodeUnitCount == n else { return false }
            for i in 0..<n where bytes[s + i] != text.utf8Start[i] { return false }
            return true
        }
        if isName("lt") { out.append(UInt8(ascii: "<")); return true }
        if isName("gt") { out.append(UInt8(ascii: ">")); return true }
        if isName("amp") { out.append(UInt8(ascii: "&")); return true }
        if isName("quot") { out.append(UInt8(ascii: "\"")); return true }
        if isName("apos") { out.append(UInt8(ascii: "'")); return true }
        return false
    }

    // MARK: Byte search

    @inline(__always)
    private func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    @inline(__always)
    private func find(_ byte: UInt8, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress else { return nil }
        guard let hit = memchr(base + start, Int32(byte), bytes.count - start) else { return nil }
        return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
    }

    private func find(sequence: StaticString, from start: Int) -> Int? {
        let length = sequence.utf8CodeUnitCount
        let first = sequence.utf8Start[0]
        var p = start
        while let hit = find(first, from: p) {
            if hit + length > bytes.count { return nil }
            var same = true
            for i in 1..<length where bytes[hit + i] != sequence.utf8Start[i] { same = false; break }
            if same { return hit }
            p = hit + 1
        }
        return nil
    }

    private func matches(_ sequence: StaticString, at p: Int) -> Bool {
        let length = sequence.utf8CodeUnitCount
        guard p + length <= bytes.count else { return false }
        for i in 0..<length where bytes[p + i] != sequence.utf8Start[i] { return false }
        return true
    }
}

struct XMLScanError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// A token runs past the bytes scanned so far; more are coming.
struct XMLScanIncomplete: Error {}

/// Runs `body` with a scanner over `data`, converting UTF-16 documents to UTF-8 first.
func withXMLScanner<T>(_ data: Data, part: String, _ body: (inout XMLScanner) throws -> T) throws -> T {
    var bytes = data
    if data.count >= 2 {
        let b0 = data[data.startIndex], b1 = data[data.startIndex + 1]
        if (b0 == 0xFF && b1 == 0xFE) || (b0 == 0xFE && b1 == 0xFF) {
            guard let text = String(data: data, encoding: .utf16) else {
                throw SpreadsheetError(kind: .badXML, detail: "\(part): undecodable UTF-16")
            }
            bytes = Data(text.utf8)
        }
    }
    do {
        return try bytes.withUnsafeBytes { raw in
            var scanner = XMLScanner(raw.bindMemory(to: UInt8.self))
            return try body(&scanner)
        }
    } catch let error as XMLScanError {
        throw SpreadsheetError(kind: .badXML, detail: "\(part): \(error.message)")
    }
}
