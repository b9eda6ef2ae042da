/// Rules for one-line text fields (names, cities), matching the API contract's
/// pattern `^[^\u0000-\u0020\u00A0\u3000](?:[^\n\r]*[^\u0000-\u0020\u00A0\u3000])?$`
/// and min/maxLength, which count Unicode scalars. The pattern spells its
/// classes out because `\s` and `.` differ between regex engines (ECMA 262 vs
/// Python's, which schemathesis uses).
public enum Text {
    /// Not allowed at either end: controls, space, no-break space, ideographic space.
    static func isEdgeBlank(_ s: Unicode.Scalar) -> Bool {
        s.value <= 0x20 || s.value == 0xA0 || s.value == 0x3000
    }

    /// Line breaks, and NUL, which PostgreSQL text cannot hold.
    static func isLineBreak(_ s: Unicode.Scalar) -> Bool { s == "\n" || s == "\r" || s == "\0" }

    /// Free text from a query string or search box, safe to hand to either database.
    public static func withoutNUL(_ s: String) -> String {
        s.contains("\0") ? String(String.UnicodeScalarView(s.unicodeScalars.filter { $0 != "\0" })) : s
    }

    /// Non-empty, at most `maxLength` scalars, one line, nothing blank at either end.
    public static func isCleanLine(_ s: String, maxLength: Int) -> Bool {
        let scalars = s.unicodeScalars
        guard let first = scalars.first, let last = scalars.last, scalars.count <= maxLength else { return false }
        return !isEdgeBlank(first) && !isEdgeBlank(last) && !scalars.contains(where: isLineBreak)
    }
}
