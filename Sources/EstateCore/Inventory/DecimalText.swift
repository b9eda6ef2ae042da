/// Exact decimal text ⇄ fixed-point integers, for money, areas and rates.
public enum DecimalText {
    /// "89.12" → 8912 at scale 2. Accepts a sign, digits, one point, an exponent
    /// ("1E-3", as spreadsheets write small numbers). Digits beyond `scale` are
    /// accepted only when they are a binary floating-point artefact of a value with
    /// `scale` decimals (Excel stores 89.12 as 89.120000000000005); otherwise nil.
    public static func fixed(_ text: String, scale: Int) -> Int64? {
        var chars = Array(text.utf8)
        guard !chars.isEmpty else { return nil }
        var negative = false
        if chars[0] == UInt8(ascii: "-") || chars[0] == UInt8(ascii: "+") {
            negative = chars[0] == UInt8(ascii: "-"); chars.removeFirst()
        }
        var exponent = 0
        if let e = chars.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            guard let exp = Int(String(decoding: chars[(e + 1)...], as: UTF8.self)), abs(exp) < 30 else { return nil }
            exponent = exp
            chars = Array(chars[..<e])
        }
        var digits: [UInt8] = [], fractionDigits = 0, seenPoint = false
        for c in chars {
            if c == UInt8(ascii: ".") {
                if seenPoint { return nil }
                seenPoint = true
            } else if c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
                digits.append(c - UInt8(ascii: "0"))
                if seenPoint { fractionDigits += 1 }
            } else { return nil }
        }
        guard !digits.isEmpty, digits.count <= 40 else { return nil }
        // Value = digits × 10^(exponent − fractionDigits); we want it × 10^scale.
        let shift = exponent - fractionDigits + scale
        var magnitude: Int128 = 0
        var remainder: [UInt8] = []
        if shift >= 0 {
            for d in digits { magnitude = magnitude * 10 + Int128(d); if magnitude > Int128(Int64.max) { return nil } }
            for _ in 0..<shift { magnitude *= 10; if magnitude > Int128(Int64.max) { return nil } }
        } else {
            let keep = digits.count + shift
            for (i, d) in digits.enumerated() {
                if i < keep { magnitude = magnitude * 10 + Int128(d); if magnitude > Int128(Int64.max) { return nil } }
                else { remainder.append(d) }
            }
            if keep < 0 { remainder = Array(repeating: 0, count: -keep) + remainder }
            // Extra digits must be float noise: 000000000x… or 999999999x… (≥ 9 repeated).
            let zeros = remainder.prefix { $0 == 0 }.count
            let nines = remainder.prefix { $0 == 9 }.count
            if remainder.allSatisfy({ $0 == 0 }) {
            } else if zeros >= 9 {
            } else if nines >= 9 {
                magnitude += 1
            } else { return nil }
        }
        guard magnitude <= Int128(Int64.max) else { return nil }
        return negative ? -Int64(magnitude) : Int64(magnitude)
    }

    /// 8912 at scale 2 → "89.12"; with grouping "1,234.56".
    public static func format(_ value: Int64, scale: Int, grouping: Bool) -> String {
        let negative = value < 0
        var digits = String(value.magnitude)
        if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
        let split = digits.index(digits.endIndex, offsetBy: -scale)
        var whole = String(digits[..<split])
        let fraction = String(digits[split...])
        if grouping, whole.count > 3 {
            var grouped = ""
            for (i, c) in whole.enumerated() {
                if i > 0, (whole.count - i) % 3 == 0 { grouped.append(",") }
                grouped.append(c)
            }
            whole = grouped
        }
        return (negative ? "-" : "") + whole + (scale > 0 ? "." + fraction : "")
    }
}
