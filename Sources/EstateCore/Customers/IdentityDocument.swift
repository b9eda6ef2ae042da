/// An identity document (证件) a buyer signs with: the 居民身份证 most of all (GB 11643-1999),
/// or a passport, a 港澳居民来往内地通行证, a 台湾居民来往大陆通行证.
public enum IdentityKind: String, CaseIterable, Sendable, Codable {
    /// 居民身份证
    case residentID = "resident_id"
    /// 护照
    case passport
    /// 港澳居民来往内地通行证 (回乡证)
    case hkMacaoPermit = "hk_macao_permit"
    /// 台湾居民来往大陆通行证 (台胞证)
    case taiwanPermit = "taiwan_permit"

    public var catalogKey: String { "id.kind.\(rawValue)" }
}

/// Why a document number is refused, as a catalogue code.
public enum IdentityProblem: String, Sendable, Equatable, Error {
    case empty = "id_required"
    case length = "id_length"
    case characters = "id_characters"
    case region = "id_region"
    case birthDate = "id_birth_date"
    case checkDigit = "id_check_digit"
}

public enum IdentityNumber {
    /// The number as stored: trimmed, upper-case, spaces removed. A 身份证 ending in a lower-case
    /// x is the same card as one ending in X.
    public static func normalized(_ raw: String) -> String {
        String(raw.unicodeScalars.filter { !$0.properties.isWhitespace }.map(Character.init)).uppercased()
    }

    /// Checks a number of `kind`; `today` (yyyymmdd) bounds a 身份证's birth date.
    public static func check(_ raw: String, kind: IdentityKind, today: Int) -> Result<String, IdentityProblem> {
        let n = normalized(raw)
        if n.isEmpty { return .failure(.empty) }
        switch kind {
        case .residentID: return residentID(n, today: today).map { n }
        case .passport:
            // ICAO 9303: up to 9 characters, letters and digits (Chinese passports E/G + 8 digits).
            guard (5...9).contains(n.count) else { return .failure(.length) }
            return n.unicodeScalars.allSatisfy(Self.isUpperAlnum) ? .success(n) : .failure(.characters)
        case .hkMacaoPermit:
            // H or M followed by 8 digits (old) or 10 digits (new).
            guard n.count == 9 || n.count == 11 else { return .failure(.length) }
            guard let first = n.first, first == "H" || first == "M", n.dropFirst().allSatisfy(\.isASCIIDigit) else {
                return .failure(.characters)
            }
            return .success(n)
        case .taiwanPermit:
            // 8 digits (since 2015), or the older 10-character form with a letter or digit suffix.
            guard n.count == 8 || n.count == 10 else { return .failure(.length) }
            return n.unicodeScalars.allSatisfy(Self.isUpperAlnum) && n.prefix(8).allSatisfy(\.isASCIIDigit) ? .success(n) : .failure(.characters)
        }
    }

    /// GB 11643-1999: 6-digit region, 8-digit birth date, 3-digit sequence, check character.
    static func residentID(_ n: String, today: Int) -> Result<Void, IdentityProblem> {
        let c = Array(n.utf8)
        guard c.count == 18 else { return .failure(.length) }
        guard c[0..<17].allSatisfy({ (48...57).contains($0) }), (48...57).contains(c[17]) || c[17] == UInt8(ascii: "X") else {
            return .failure(.characters)
        }
        let digits = c[0..<17].map { Int($0 - 48) }
        guard provinces.contains(digits[0] * 10 + digits[1]) else { return .failure(.region) }
        let year = digits[6...9].reduce(0) { $0 * 10 + $1 }, month = digits[10] * 10 + digits[11], day = digits[12] * 10 + digits[13]
        // Any real day from 1800 (GB 11643's own example is born 1880) to today.
        guard year >= 1800, (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              year * 10_000 + month * 100 + day <= today else { return .failure(.birthDate) }
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        let expected = Array("10X98765432".utf8)[sum % 11]
        return c[17] == expected ? .success(()) : .failure(.checkDigit)
    }

    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    /// Province-level codes of GB/T 2260 (71 台湾, 81 香港, 82 澳门 included).
    static let provinces: Set<Int> = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
                                      50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82]

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func isUpperAlnum(_ s: Unicode.Scalar) -> Bool { ("A"..."Z").contains(s) || ("0"..."9").contains(s) }
}

/// A mainland mobile number (DOMAIN §3.1: 11 digits, `1[3-9]\d{9}`).
public enum MobileNumber {
    /// "+86 138-1234-5678", "138 1234 5678" → "13812345678"; nil when it is not a mobile.
    public static func normalized(_ raw: String) -> String? {
        var digits = String(raw.unicodeScalars.filter { !$0.properties.isWhitespace && $0 != "-" && $0 != "(" && $0 != ")" }
            .map(Character.init))
        if digits.hasPrefix("+86") { digits.removeFirst(3) } else if digits.hasPrefix("0086") { digits.removeFirst(4) }
        let u = Array(digits.utf8)
        guard u.count == 11, u[0] == UInt8(ascii: "1"), (UInt8(ascii: "3")...UInt8(ascii: "9")).contains(u[1]),
              u.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return digits
    }

    /// The last four digits, by which staff look customers up.
    public static func suffix(_ mobile: String) -> String { String(mobile.suffix(4)) }
}

extension Masking {
    /// 身份证: first 6 and last 4 ("110105********123X"); other documents keep their first and last two.
    public static func identity(_ number: String, kind: IdentityKind) -> String {
        let c = Array(number)
        switch kind {
        case .residentID where c.count == 18:
            return String(c[0..<6]) + String(repeating: "*", count: 8) + String(c[14...])
        default:
            guard c.count > 4 else { return String(repeating: "*", count: c.count) }
            return String(c[0..<2]) + String(repeating: "*", count: c.count - 4) + String(c[(c.count - 2)...])
        }
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension MobileNumber {
    /// Exactly a normalised mainland mobile, as stored.
    public static func isValid(_ s: String) -> Bool { normalized(s) == s }
}
