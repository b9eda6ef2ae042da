import Foundation
import ZIPFoundation

/// Read access to the parts of an Office Open XML package (a ZIP archive) from untrusted bytes.
///
/// The ZIP directory is parsed here, with every offset and size checked against the data, and
/// ZIPFoundation is used only to inflate. ZIPFoundation 0.9.20's in-memory `Archive` is not used
/// for reading because a corrupt directory offset makes it trap (a Range precondition in
/// `Archive.MemoryFile.readData`, found by RobustnessTests), which would take a server down, and
/// its inflate loop keeps asking for input past the end of a truncated stream; the provider
/// below hands it exactly the entry's bytes and then fails instead.
struct ZipPackage {
    /// Largest uncompressed part we extract (zip-bomb guard); imports pass a smaller limit (`SheetLimits`).
    static let maxPartSize: UInt64 = 200 * 1024 * 1024

    struct Entry {
        var path: String
        var method: UInt16
        var flags: UInt16
        var crc32: UInt32
        var compressedSize: UInt64
        var uncompressedSize: UInt64
        var localHeaderOffset: UInt64
    }

    private let data: Data
    /// Entry by path; also by lower-cased path for producers that spell names differently.
    private var entries: [String: Entry] = [:]
    private var entriesLowercased: [String: Entry] = [:]

    init(_ data: Data) throws {
        guard SpreadsheetFormat.detect(data) == .xlsx else {
            throw SpreadsheetError(kind: .notAZip, detail: "the data does not start with a ZIP header")
        }
        // A zero-based copy only when needed (a slice of a larger Data keeps its indices).
        self.data = data.startIndex == 0 ? data : Data(data)
        let list = try self.data.withUnsafeBytes { raw in try Self.readDirectory(raw.bindMemory(to: UInt8.self)) }
        for entry in list {
            var path = entry.path.replacingOccurrences(of: "\\", with: "/")
            if path.hasPrefix("/") { path.removeFirst() }
            if path.isEmpty || path.hasSuffix("/") { continue }  // directories
            if entries[path] == nil { entries[path] = entry }
            let lower = path.lowercased()
            if entriesLowercased[lower] == nil { entriesLowercased[lower] = entry }
        }
        if entries.isEmpty {
            throw SpreadsheetError(kind: .notAZip, detail: "the ZIP archive has no files")
        }
    }

    func contains(_ path: String) -> Bool { entry(path) != nil }

    private func entry(_ path: String) -> Entry? {
        entries[path] ?? entriesLowercased[path.lowercased()]
    }

    // MARK: Directory

    private static func corrupt(_ detail: String) -> SpreadsheetError {
        SpreadsheetError(kind: .notAZip, detail: "corrupt ZIP archive: \(detail)")
    }

    private static func readDirectory(_ bytes: UnsafeBufferPointer<UInt8>) throws -> [Entry] {
        let n = UInt64(bytes.count)
        func u16(_ p: UInt64) -> UInt16 { UInt16(bytes[Int(p)]) | UInt16(bytes[Int(p) + 1]) << 8 }
        func u32(_ p: UInt64) -> UInt32 { UInt32(u16(p)) | UInt32(u16(p + 2)) << 16 }
        func u64(_ p: UInt64) -> UInt64 { UInt64(u32(p)) | UInt64(u32(p + 4)) << 32 }
        /// Whether [offset, offset + length) lies inside the data, without overflow.
        func fits(_ offset: UInt64, _ length: UInt64) -> Bool { offset <= n && length <= n - offset }

        // End of central directory: the last signature whose comment reaches the end (else the last one).
        guard n >= 22 else { throw corrupt("too short") }
        var eocd: UInt64?
        var fallback: UInt64?
        var p = n - 22
        let lowest = n > 22 + 65_535 ? n - 22 - 65_535 : 0
        while true {
            if u32(p) == 0x0605_4B50 {
                if fallback == nil { fallback = p }
                if p + 22 + UInt64(u16(p + 20)) == n { eocd = p; break }
            }
            if p == lowest { break }
            p -= 1
        }
        guard let end = eocd ?? fallback else { throw corrupt("no end-of-central-directory record") }

        var count = UInt64(u16(end + 10))
        var directorySize = UInt64(u32(end + 12))
        var directoryOffset = UInt64(u32(end + 16))
        // ZIP64: locator right before the record, pointing at the ZIP64 end record.
        if end >= 20 && u32(end - 20) == 0x0706_4B50 {
            let recordOffset = u64(end - 20 + 8)
            guard fits(recordOffset, 56), u32(recordOffset) == 0x0606_4B50 else { throw corrupt("bad ZIP64 end record") }
            count = u64(recordOffset + 32)
            directorySize = u64(recordOffset + 40)
            directoryOffset = u64(recordOffset + 48)
        }
        guard fits(directoryOffset, directorySize) else { throw corrupt("central directory outside the data") }

        var entries: [Entry] = []
        var q = directoryOffset
        let directoryEnd = directoryOffset + directorySize
        while UInt64(entries.count) < count {
            guard q + 46 <= directoryEnd, u32(q) == 0x0201_4B50 else {
                throw corrupt("central directory entry \(entries.count + 1) of \(count) is missing")
            }
            let flags = u16(q + 8)
            let method = u16(q + 10)
            let crc = u32(q + 16)
            var compressed = UInt64(u32(q + 20))
            var uncompressed = UInt64(u32(q + 24))
            let nameLength = UInt64(u16(q + 28))
            let extraLength = UInt64(u16(q + 30))
            let commentLength = UInt64(u16(q + 32))
            var localOffset = UInt64(u32(q + 42))
            let nameStart = q + 46
            let extraStart = nameStart + nameLength
            let next = extraStart + extraLength + commentLength
            guard next <= directoryEnd else { throw corrupt("central directory entry runs past its end") }
            let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[Int(nameStart)..<Int(extraStart)]), as: UTF8.self)

            // ZIP64 extended information: 8-byte values for the fields that are 0xFFFFFFFF, in this order.
            if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
                var e = extraStart
                let extraEnd = extraStart + extraLength
                var found = false
                while e + 4 <= extraEnd {
                    let id = u16(e)
                    let size = UInt64(u16(e + 2))
                    guard e + 4 + size <= extraEnd else { break }
                    if id == 0x0001 {
                        var v = e + 4
                        let fieldEnd = v + size
                        func take() throws -> UInt64 {
                            guard v + 8 <= fieldEnd else { throw corrupt("short ZIP64 field in \(name)") }
                            defer { v += 8 }
                            return u64(v)
                        }
                        if uncompressed == 0xFFFF_FFFF { uncompressed = try take() }
                        if compressed == 0xFFFF_FFFF { compressed = try take() }
                        if localOffset == 0xFFFF_FFFF { localOffset = try take() }
                        found = true
                        break
                    }
                    e += 4 + size
                }
                guard found else { throw corrupt("missing ZIP64 field in \(name)") }
            }
            entries.append(Entry(path: name, method: method, flags: flags, crc32: crc, compressedSize: compressed,
                                 uncompressedSize: uncompressed, localHeaderOffset: localOffset))
            q = next
        }
        // Local headers: only their position and length matter; the central directory is authoritative.
        for index in entries.indices {
            let offset = entries[index].localHeaderOffset
            guard fits(offset, 30), u32(offset) == 0x0403_4B50 else { throw corrupt("no local header for \(entries[index].path)") }
            let dataStart = offset + 30 + UInt64(u16(offset + 26)) + UInt64(u16(offset + 28))
            guard fits(dataStart, entries[index].compressedSize) else { throw corrupt("\(entries[index].path) runs past the end of the data") }
            entries[index].localHeaderOffset = dataStart  // from here on: where the entry's bytes start
        }
        return entries
    }

    // MARK: Parts

    /// The uncompressed bytes of a part, or nil if there is no such part.
    func part(_ path: String, limit: UInt64 = maxPartSize) throws -> Data? {
        var out = Data()
        var stats = ReadStats()
        guard try stream(path, limit: limit, stats: &stats, { out.append($0) }) else { return nil }
        return out
    }

    func requiredPart(_ path: String, limit: UInt64 = maxPartSize) throws -> Data {
        guard let data = try part(path, limit: limit) else {
            throw SpreadsheetError(kind: .missingPart, detail: "\(path) is missing")
        }
        return data
    }

    private static let chunkSize = 256 * 1024

    /// Hands a part to `consume` chunk by chunk as it inflates, and refuses it as soon as more than
    /// `limit` bytes come out (the size in the directory can lie); false if there is no such part.
    func stream(_ path: String, limit: UInt64, stats: inout ReadStats, _ consume: (Data) throws -> Void) throws -> Bool {
        guard let entry = entry(path) else { return false }
        if entry.uncompressedSize > limit {
            throw SpreadsheetError(kind: .tooLarge, detail: "\(path) is \(entry.uncompressedSize) bytes uncompressed (limit \(limit))")
        }
        if entry.flags & 1 != 0 {
            throw SpreadsheetError(kind: .notAZip, detail: "\(path) is encrypted")
        }
        let start = Int(entry.localHeaderOffset)
        let compressed = data[start..<(start + Int(entry.compressedSize))]
        var produced: UInt64 = 0
        func take(_ chunk: Data) throws {
            produced += UInt64(chunk.count)
            stats.bytesInflated += chunk.count
            if produced > limit {
                throw SpreadsheetError(kind: .tooLarge, detail: "\(path) inflates to more than \(limit) bytes")
            }
            try consume(chunk)
        }
        let checksum: UInt32
        switch entry.method {
        case 0:
            var crc: UInt32 = 0
            var from = compressed.startIndex
            while from < compressed.endIndex {
                let to = min(compressed.endIndex, from + Self.chunkSize)
                let chunk = Data(compressed[from..<to])
                try take(chunk)
                crc = chunk.crc32(checksum: crc)
                from = to
            }
            checksum = crc
        case 8:
            checksum = try inflate(compressed, path: path, take)
        default:
            throw SpreadsheetError(kind: .notAZip, detail: "\(path) uses unsupported compression method \(entry.method)")
        }
        if checksum != entry.crc32 {
            throw SpreadsheetError(kind: .notAZip, detail: "\(path) is corrupt (CRC mismatch)")
        }
        return true
    }

    private struct TruncatedStream: Error {}

    private func inflate(_ compressed: Data, path: String, _ take: (Data) throws -> Void) throws -> UInt32 {
        let base = compressed.startIndex
        do {
            return try Data.decompress(size: Int64(compressed.count), bufferSize: Self.chunkSize, skipCRC32: false,
                                       provider: { position, size in
                // ZIPFoundation's zlib loop tells zlib a full `size` bytes are available, so every chunk is
                // exactly `size` long (zero-padded at the end); once the entry is used up, fail instead of
                // looping forever on a stream that never ends.
                let from = Int(position)
                guard from < compressed.count else { throw TruncatedStream() }
                let to = min(compressed.count, from + size)
                var chunk = Data(compressed[(base + from)..<(base + to)])
                if chunk.count < size { chunk.append(Data(count: size - chunk.count)) }
                return chunk
            }, consumer: take)
        } catch let error as SpreadsheetError {
            throw error
        } catch is TruncatedStream {
            throw SpreadsheetError(kind: .notAZip, detail: "\(path) is corrupt (truncated deflate stream)")
        } catch {
            throw SpreadsheetError(kind: .notAZip, detail: "\(path) is corrupt (\(error))")
        }
    }
}

/// What a read got through before it finished or was refused (tests check that a bomb stops early).
struct ReadStats: Sendable {
    /// Uncompressed bytes of all parts read.
    var bytesInflated = 0
    /// Non-empty rows kept.
    var rows = 0
}

/// Path helpers for package part names and relationship targets.
enum PartPath {
    /// "xl/workbook.xml" → "xl/_rels/workbook.xml.rels"; "" (the package) → "_rels/.rels".
    static func relationships(of part: String) -> String {
        guard let slash = part.lastIndex(of: "/") else { return "_rels/\(part).rels" }
        let directory = part[..<slash]
        let name = part[part.index(after: slash)...]
        return "\(directory)/_rels/\(name).rels"
    }

    /// Resolves a relationship target relative to the part that owns the relationship.
    static func resolve(_ target: String, from part: String) -> String {
        var target = target.replacingOccurrences(of: "\\", with: "/")
        if let hash = target.firstIndex(of: "#") { target = String(target[..<hash]) }
        var components: [Substring]
        if target.hasPrefix("/") {
            components = []
        } else {
            components = part.split(separator: "/", omittingEmptySubsequences: true)
            if !components.isEmpty { components.removeLast() }  // the part's own file name
        }
        for piece in target.split(separator: "/", omittingEmptySubsequences: true) {
            if piece == "." { continue }
            if piece == ".." {
                if !components.isEmpty { components.removeLast() }
                continue
            }
            components.append(piece)
        }
        return components.joined(separator: "/")
    }
}
