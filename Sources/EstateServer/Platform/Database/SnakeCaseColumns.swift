import NIOConcurrencyHelpers
import SQLKit

/// Rows decoded into camel-case Swift properties from snake-case columns (`unitPriceFen` ← `unit_price_fen`), with each
/// key's column name worked out once per process. SQLKit's `.convertFromSnakeCase` converts the key again for every
/// column of every row it decodes: 9 % of the demo seed's CPU in a debug build (perf), and most of the cost of decoding
/// a wide list. The conversion is SQLKit's own rule (`convertedToSnakeCase`, after Foundation's), so the two decoders
/// read the same columns; a test decodes rows with both.
enum SnakeCaseColumns {
    private static let names = NIOLockedValueBox<[String: String]>([:])

    /// The column of a key: "unitPriceFen" → "unit_price_fen", "orderLineId" → "order_line_id".
    static func column(_ key: String) -> String {
        if let known = names.withLockedValue({ $0[key] }) { return known }
        let column = convert(key)
        names.withLockedValue { $0[key] = column }
        return column
    }

    /// SQLKit's `StringProtocol.convertedToSnakeCase` (internal there): words start at an uppercase letter, a run of
    /// capitals is one word up to the capital before the next lowercase letter; each word's first letter lowercased.
    static func convert(_ key: String) -> String {
        guard !key.isEmpty else { return key }
        var words: [Range<String.Index>] = []
        var wordStart = key.startIndex, searchIndex = key.index(after: wordStart)
        while let upper = key[searchIndex...].firstIndex(where: \.isUppercase) {
            words.append(wordStart..<upper)
            wordStart = upper
            guard let lower = key[upper...].firstIndex(where: \.isLowercase) else { break }
            searchIndex = lower
            if lower != key.index(after: upper) {
                let beforeLower = key.index(before: lower)
                words.append(upper..<beforeLower)
                wordStart = beforeLower
            }
        }
        words.append(wordStart..<key.endIndex)
        return words.map { word in
            let w = key[word]
            return w.isEmpty ? "" : "\(w[w.startIndex].lowercased())\(w.dropFirst())"
        }.joined(separator: "_")
    }

    static let strategy = SQLRowDecoder.KeyDecodingStrategy.custom { path in
        SomeCodingKey(stringValue: column(path.last?.stringValue ?? ""))
    }
}

extension SQLRowDecoder {
    /// The decoder for rows of snake-case columns (see `SnakeCaseColumns`).
    static let snakeCase = SQLRowDecoder(keyDecodingStrategy: SnakeCaseColumns.strategy)
}
