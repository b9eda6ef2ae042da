/// Rules for one-line text fields (names, cities), matching the API contract's
/// pattern `^\S(.*\S)?$` and min/maxLength, which count Unicode scalars.
public enum Text {
    /// ECMAScript's `\s` set: what JSON Schema patterns mean by white space.
    static func isECMAWhitespace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: true
        default: false
        }
    }

    /// Line terminators, which `.` does not match.
    static func isLineTerminator(_ s: Unicode.Scalar) -> Bool {
        [0x0A, 0x0D, 0x2028, 0x2029].contains(s.value)
    }

    /// Non-empty, at most `maxLength` scalars, one line, no white space at either end.
    public static func isCleanLine(_ s: String, maxLength: Int) -> Bool {
        let scalars = s.unicodeScalars
        guard let first = scalars.first, let last = scalars.last, scalars.count <= maxLength else { return false }
        return !isECMAWhitespace(first) && !isECMAWhitespace(last) && !scalars.contains(where: isLineTerminator)
    }
}
