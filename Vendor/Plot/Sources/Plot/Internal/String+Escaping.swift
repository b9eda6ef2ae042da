/**
*  Plot
*  Copyright (c) John Sundell 2019
*  MIT license, see LICENSE file for details
*
*  Patched for EstateDesk: every `&` is escaped (upstream let `&lt;`-like sequences through),
*  and attribute values have their own escaping (upstream wrote them raw).
*/

internal extension String {
    /// Text content: `&`, `<` and `>`.
    func escaped() -> String {
        guard contains(where: { $0 == "&" || $0 == "<" || $0 == ">" }) else { return self }
        var out = ""
        out.reserveCapacity(utf8.count + 16)
        for c in self {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A double-quoted attribute value: also `"` and `'`, so a value can never end its attribute.
    func attributeEscaped() -> String {
        guard contains(where: { $0 == "&" || $0 == "<" || $0 == ">" || $0 == "\"" || $0 == "'" }) else { return self }
        var out = ""
        out.reserveCapacity(utf8.count + 16)
        for c in self {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
