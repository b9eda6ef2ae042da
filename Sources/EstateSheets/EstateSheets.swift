// Spreadsheet files in and out: .xlsx (read/write) and .csv (UTF-8 or GB18030/GBK).
//
// Self-contained: Foundation + ZIPFoundation. FoundationXML is not needed: the XML scanner in
// XMLScanner.swift is hand-written for speed and never expands entities. ZIP reading parses the
// directory with bounds checks (ZipPackage.swift) and uses ZIPFoundation to inflate; writing uses
// ZIPFoundation's Archive.
import Foundation

/// The kind of an uploaded spreadsheet file.
public enum SpreadsheetFormat: String, Sendable {
    case xlsx, csv

    /// xlsx when the data starts with the ZIP magic "PK\u{3}\u{4}", else csv.
    public static func detect(_ data: Data) -> SpreadsheetFormat {
        guard data.count >= 4 else { return .csv }
        let start = data.startIndex
        return data[start] == 0x50 && data[start + 1] == 0x4B && data[start + 2] == 0x03 && data[start + 3] == 0x04
            ? .xlsx : .csv
    }
}

/// One row read from a file: `number` is the 1-based row number as the user sees it in Excel;
/// `cells[i]` is column i (0 = A) as text, "" for empty; trailing empty cells may be omitted
/// (the readers in this module always omit them).
public struct SheetRow: Sendable, Equatable {
    public var number: Int
    public var cells: [String]

    public init(number: Int, cells: [String]) {
        self.number = number
        self.cells = cells
    }
}

/// Why a spreadsheet could not be read.
public struct SpreadsheetError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The data is not a (readable) ZIP archive, or an entry in it is corrupt.
        case notAZip
        /// A required part of the package (workbook, worksheet, relationships) is missing.
        case missingPart
        /// A part is not well-formed enough to read.
        case badXML
        /// A CSV file that is neither UTF-8 nor GB18030/GBK.
        case badEncoding
        /// A part or the sheet is larger than the limits (zip-bomb guard).
        case tooLarge
        /// More non-empty rows than `SheetLimits.maxRows`; reading stopped at the first one past it.
        case tooManyRows
    }

    public var kind: Kind
    public var detail: String

    public init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(kind.rawValue): \(detail)" }
}

/// How much a read may produce and inflate. The readers check these while they go, so an
/// oversized or zip-bomb file is refused at the first row, cell or byte past a limit.
public struct SheetLimits: Sendable, Equatable {
    /// Non-empty rows, a header row included.
    public var maxRows: Int
    /// Highest column (A = 1) a non-empty cell may be in.
    public var maxColumns: Int
    /// Cells produced in all, the empty ones before a filled cell included.
    public var maxCells: Int
    /// Uncompressed bytes of the worksheet or shared-string part (a CSV file's bytes are the upload's).
    public var maxPartBytes: Int
    /// Text of all cells together: one long shared string can be referenced from every cell.
    public var maxTextBytes: Int
    /// Entries in the shared-string table.
    public var maxSharedStrings: Int

    /// Hard ceiling on a part, whatever the row limit.
    public static let ceilingPartBytes = 128 * 1024 * 1024
    /// Workbook, relationships and other small parts.
    static let metadataPartBytes = 16 * 1024 * 1024

    /// Limits derived from the rows a caller accepts: per row on average 64 cells and 4 KB of
    /// XML, generous for the import templates (~20 columns, ~1 KB a row).
    public init(maxRows: Int, maxColumns: Int = 256) {
        self.maxRows = maxRows
        self.maxColumns = maxColumns
        let rows = min(max(1, maxRows), 1 << 30)
        maxCells = min(20_000_000, rows * 64)
        maxPartBytes = min(Self.ceilingPartBytes, rows * 4096 + 1024 * 1024)
        maxTextBytes = maxPartBytes
        maxSharedStrings = maxCells
    }

    /// Excel's own sheet size, within the hard ceilings: for reading files we wrote.
    public static let standard = SheetLimits(maxRows: 1_048_576, maxColumns: 16_384)
}

/// One cell to write.
public enum SheetCell: Sendable, Equatable {
    case text(String)
    case integer(Int64)
    /// A fixed-point number: value 123456 with scale 2 is 1234.56 (money in fen, area in hundredths).
    /// Written as an exact decimal number in the XML.
    case decimal(Int64, scale: Int)
    case empty
}

/// One column of a sheet to write.
public struct SheetColumn: Sendable {
    public enum Format: Sendable {
        case general
        /// "@": Excel keeps what is typed as text.
        case text
        /// "0"
        case integer
        /// "#,##0.00"
        case money
        /// "0.00"
        case area
        /// "0.00%"
        case percent
        /// General, wrapped and top-aligned: a cell of several lines (a 销控 board cell).
        case wrapped
    }

    public var title: String
    /// Excel character units.
    public var width: Double
    public var format: Format

    /// Set when `width` was nil in the initialiser: the writer then widens the column to fit the
    /// content, as long as `width` still holds the title-fit value computed here.
    let autoWidthFromTitle: Double?

    /// - Parameter width: nil fits the column to the title and content (CJK characters count
    ///   double), capped at 60.
    public init(_ title: String, width: Double? = nil, format: Format = .general) {
        self.title = title
        self.format = format
        if let width {
            self.width = width
            self.autoWidthFromTitle = nil
        } else {
            let fit = ColumnWidth.fit(displayWidth: ColumnWidth.displayWidth(of: title), bold: true)
            self.width = fit
            self.autoWidthFromTitle = fit
        }
    }
}

/// One worksheet to write.
public struct Sheet: Sendable {
    /// Sanitised to Excel's rules: at most 31 characters, none of []:*?/\ , not empty, not
    /// starting or ending with an apostrophe.
    public var name: String
    public var columns: [SheetColumn]
    public var rows: [[SheetCell]]

    public init(name: String, columns: [SheetColumn], rows: [[SheetCell]]) {
        self.name = SheetName.sanitise(name)
        self.columns = columns
        self.rows = rows
    }
}

// MARK: - Helpers shared by the writers

enum SheetName {
    static let maxLength = 31

    /// Excel: 1...31 characters (UTF-16 units), none of []:*?/\ , not starting or ending with ',
    /// and not the reserved name "History". Characters XML cannot hold are dropped.
    static func sanitise(_ raw: String, fallback: String = "Sheet1") -> String {
        var scalars = String.UnicodeScalarView()
        var utf16Count = 0
        for scalar in raw.unicodeScalars {
            var s = scalar
            switch scalar {
            case "[", "]", ":", "*", "?", "/", "\\": s = "_"
            default:
                if !XMLText.isAllowed(scalar) || scalar.value < 0x20 { continue }
            }
            let width = s.utf16.count
            if utf16Count + width > maxLength { break }
            scalars.append(s)
            utf16Count += width
        }
        var name = String(scalars)
        while name.hasPrefix("'") { name.removeFirst() }
        while name.hasSuffix("'") { name.removeLast() }
        name = name.trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.caseInsensitiveCompare("History") == .orderedSame { return fallback }
        return name
    }

    /// Sanitised, case-insensitively unique names for a workbook.
    static func unique(_ names: [String]) -> [String] {
        var used = Set<String>()
        var result: [String] = []
        for (index, raw) in names.enumerated() {
            var name = sanitise(raw, fallback: "Sheet\(index + 1)")
            if used.contains(name.lowercased()) {
                var n = 2
                while true {
                    let suffix = " (\(n))"
                    var base = name
                    while base.utf16.count + suffix.utf16.count > maxLength { base.removeLast() }
                    let candidate = base + suffix
                    if !used.contains(candidate.lowercased()) { name = candidate; break }
                    n += 1
                }
            }
            used.insert(name.lowercased())
            result.append(name)
        }
        return result
    }
}

enum ColumnWidth {
    static let cap = 60.0
    static let minimum = 6.0

    /// Character units: East Asian wide/fullwidth characters count 2, others 1; the longest line counts.
    static func displayWidth(of text: String) -> Int {
        var best = 0
        var current = 0
        for scalar in text.unicodeScalars {
            if scalar == "\n" || scalar == "\r" {
                best = max(best, current)
                current = 0
                continue
            }
            if scalar.value < 0x20 { continue }  // other control characters: invisible (or dropped)
            current += isWide(scalar) ? 2 : 1
        }
        return max(best, current)
    }

    static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x1100 { return false }
        return (0x1100...0x115F).contains(v)       // Hangul Jamo
            || (0x2E80...0x303E).contains(v)       // CJK radicals, punctuation
            || (0x3041...0x33FF).contains(v)       // Kana, CJK compatibility
            || (0x3400...0x4DBF).contains(v)       // CJK ext A
            || (0x4E00...0x9FFF).contains(v)       // CJK unified
            || (0xA000...0xA4CF).contains(v)       // Yi
            || (0xAC00...0xD7A3).contains(v)       // Hangul syllables
            || (0xF900...0xFAFF).contains(v)       // CJK compatibility ideographs
            || (0xFE30...0xFE4F).contains(v)       // CJK compatibility forms
            || (0xFF00...0xFF60).contains(v)       // Fullwidth forms
            || (0xFFE0...0xFFE6).contains(v)
            || (0x1F300...0x1F64F).contains(v)     // emoji
            || (0x1F900...0x1F9FF).contains(v)
            || (0x20000...0x3FFFD).contains(v)     // CJK ext B+
    }

    static func fit(displayWidth: Int, bold: Bool = false) -> Double {
        let padding = bold ? 3.0 : 2.0
        return min(cap, max(minimum, Double(displayWidth) + padding))
    }
}

enum XMLText {
    /// XML 1.0 Char production: tab, LF, CR, U+0020...U+D7FF, U+E000...U+FFFD, U+10000...
    @inline(__always)
    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v >= 0x20 { return v <= 0xD7FF || (v >= 0xE000 && v <= 0xFFFD) || v >= 0x10000 }
        return v == 0x09 || v == 0x0A || v == 0x0D
    }
}

extension XMLText {
    /// `text` without the characters XML 1.0 cannot carry (returned as is when there are none).
    static func sanitised(_ text: String) -> String {
        var clean = true
        var previous: UInt8 = 0
        var beforePrevious: UInt8 = 0
        for b in text.utf8 {
            if b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D { clean = false; break }
            if (b == 0xBE || b == 0xBF) && previous == 0xBF && beforePrevious == 0xEF { clean = false; break }
            beforePrevious = previous
            previous = b
        }
        if clean { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where isAllowed(scalar) { scalars.append(scalar) }
        return String(scalars)
    }
}

enum FormulaGuard {
    /// Text a spreadsheet program would treat as a formula (or a DDE payload) when typed.
    @inline(__always)
    static func looksLikeFormula(_ text: String) -> Bool {
        guard let first = text.utf8.first else { return false }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D: return true
        default: return false
        }
    }
}

enum DecimalText {
    /// Exact decimal text of value × 10^-scale: (123456, 2) → "1234.56", (-5, 2) → "-0.05",
    /// (7, -2) → "700".
    static func format(_ value: Int64, scale: Int) -> String {
        let negative = value < 0
        var digits = String(value.magnitude)
        if scale <= 0 {
            if value == 0 { return "0" }
            if scale < 0 { digits += String(repeating: "0", count: -scale) }
            return negative ? "-" + digits : digits
        }
        if digits.count <= scale {
            digits = String(repeating: "0", count: scale - digits.count + 1) + digits
        }
        let split = digits.index(digits.endIndex, offsetBy: -scale)
        var result = String(digits[..<split]) + "." + String(digits[split...])
        if negative && value != 0 { result = "-" + result }
        return result
    }

    /// Approximate displayed text in a column format, for column-width fitting.
    static func displayWidth(_ cell: SheetCell, format: SheetColumn.Format) -> Int {
        switch cell {
        case .empty: return 0
        case .text(let s): return ColumnWidth.displayWidth(of: s)
        case .integer(let v):
            return widthOfNumber(digits: String(v.magnitude).count, negative: v < 0, fraction: 0, format: format)
        case .decimal(let v, let scale):
            let magnitude = String(v.magnitude).count
            let intDigits = max(1, magnitude - max(0, scale))
            return widthOfNumber(digits: intDigits, negative: v < 0, fraction: max(0, scale), format: format)
        }
    }

    private static func widthOfNumber(digits: Int, negative: Bool, fraction: Int, format: SheetColumn.Format) -> Int {
        let sign = negative ? 1 : 0
        switch format {
        case .money: return sign + digits + (digits - 1) / 3 + 3
        case .area: return sign + digits + 3
        case .percent: return sign + digits + 2 + 4
        case .integer: return sign + digits
        case .general, .text, .wrapped: return sign + digits + (fraction > 0 ? fraction + 1 : 0)
        }
    }
}
