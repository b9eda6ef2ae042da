/// Masking of personal data for lists and pages (个人信息保护法): only roles that
/// need the full value see it.
public enum Masking {
    /// "13812341234" → "138****1234"; anything else keeps its first and last quarter.
    public static func mobile(_ s: String) -> String {
        let c = Array(s)
        guard c.count >= 7 else { return String(repeating: "*", count: c.count) }
        if c.count == 11 { return String(c[0..<3]) + "****" + String(c[7...]) }
        let keep = c.count / 4
        return String(c[0..<keep]) + String(repeating: "*", count: c.count - 2 * keep) + String(c[(c.count - keep)...])
    }

    /// "张三丰" → "张**": a name another consultant's customer shows in a duplicate check.
    public static func name(_ s: String) -> String {
        guard let first = s.first else { return "" }
        return String(first) + String(repeating: "*", count: max(1, s.count - 1))
    }
}
