/// 房号 as staff type it: "1-1-0101", "1-1-101" and "１－１－１０１" are the same unit. The canonical
/// form has ASCII digits and dashes, upper-case letters, and no leading zeros in a numeric part.
public enum UnitCode {
    public static func canonical(_ text: String) -> String {
        var s = ""
        for ch in text.unicodeScalars {
            switch ch.value {
            case 0xFF10...0xFF19: s.unicodeScalars.append(Unicode.Scalar(ch.value - 0xFF10 + 0x30)!)   // full-width digits
            case 0xFF21...0xFF3A, 0xFF41...0xFF5A: s.unicodeScalars.append(Unicode.Scalar(ch.value - 0xFEE0)!)
            case 0xFF0D, 0x2010...0x2015, 0x2212, 0x30FC: s.append("-")                                 // dashes people type
            default:
                if ch.isASCII, ch.properties.isAlphabetic || ("0"..."9").contains(ch) || ch == "-" { s.unicodeScalars.append(ch) }
            }
        }
        return s.uppercased().split(separator: "-", omittingEmptySubsequences: false).map { part -> String in
            guard !part.isEmpty, part.allSatisfy(\.isNumber) else { return String(part) }
            let stripped = part.drop { $0 == "0" }
            return stripped.isEmpty ? "0" : String(stripped)
        }.joined(separator: "-")
    }

    /// Whether two codes name the same unit.
    public static func same(_ a: String, _ b: String) -> Bool { canonical(a) == canonical(b) }
}
