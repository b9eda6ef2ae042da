import Foundation

/// Reads a document token by token for `XMLFeed`.
protocol XMLTokenReader {
    /// Handles `token`, reading further tokens from `scanner` if it needs to; returns false once it
    /// needs nothing more. When the bytes run out (`XMLScanIncomplete`) it is called again with the
    /// same token once more bytes have arrived, so it changes its state only after its last `next()`.
    mutating func read(_ token: XMLScanner.Token, _ scanner: inout XMLScanner) throws -> Bool
}

/// Scans a part while it is being inflated, so a limit stops the work at the first token past it
/// instead of after inflating and scanning everything. Only the unfinished tail of the bytes is kept.
struct XMLFeed<Reader: XMLTokenReader> {
    private(set) var reader: Reader
    let part: String
    private var buffer: [UInt8] = []
    private var started = false
    private var utf16 = false
    private(set) var done = false
    /// After a cut-off token, scan again only once the buffer has doubled: a token spanning many
    /// chunks then costs linear, not quadratic, time.
    private var retryAt = 0

    init(_ reader: Reader, part: String) {
        self.reader = reader
        self.part = part
    }

    mutating func feed(_ chunk: UnsafeRawBufferPointer) throws {
        if done { return }
        buffer.append(contentsOf: chunk)
        if !started {
            guard buffer.count >= 3 else { return }
            start()
        }
        if utf16 || buffer.count < retryAt { return }
        try scan(final: false)
    }

    mutating func feed(_ data: Data) throws {
        try data.withUnsafeBytes { try feed($0) }
    }

    /// The end of the part: scans what is left; a token still cut off is an error now.
    mutating func finish() throws {
        if done { return }
        if !started { start() }
        if utf16 {
            // Rare (Excel writes UTF-8); such a part is transcoded whole, still within the part limit.
            guard let text = String(data: Data(buffer), encoding: .utf16) else {
                throw SpreadsheetError(kind: .badXML, detail: "\(part): undecodable UTF-16")
            }
            buffer = Array(text.utf8)
            if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { buffer.removeFirst(3) }
        }
        try scan(final: true)
        done = true
    }

    private mutating func start() {
        started = true
        if buffer.starts(with: [0xEF, 0xBB, 0xBF]) {
            buffer.removeFirst(3)
        } else if buffer.starts(with: [0xFF, 0xFE]) || buffer.starts(with: [0xFE, 0xFF]) {
            utf16 = true
        }
    }

    private mutating func scan(final: Bool) throws {
        let bytes = buffer
        buffer = []
        var consumed = 0
        do {
            try bytes.withUnsafeBufferPointer { raw in
                var scanner = XMLScanner(raw, isFinal: final, skipBOM: false)
                while true {
                    consumed = scanner.position
                    let token = try scanner.next()
                    if try !reader.read(token, &scanner) || token == .eof {
                        done = true
                        return
                    }
                }
            }
        } catch is XMLScanIncomplete {
            buffer = Array(bytes[consumed...])
            retryAt = 2 * buffer.count
        } catch let error as XMLScanError {
            throw SpreadsheetError(kind: .badXML, detail: "\(part): \(error.message)")
        }
    }
}
