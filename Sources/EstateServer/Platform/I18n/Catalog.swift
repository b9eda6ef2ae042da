import Foundation

/// The interface languages. Chinese first; English available.
public enum Language: String, CaseIterable, Sendable, Codable {
    case zh = "zh-Hans"
    case en

    /// Picks from an `Accept-Language` header, honouring q-values; Chinese when nothing matches.
    public static func from(acceptLanguage header: String?) -> Language {
        guard let header, !header.isEmpty else { return .zh }
        var best: (Language, Double)?
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first?.lowercased() else { continue }
            var q = 1.0
            for p in pieces.dropFirst() where p.hasPrefix("q=") { q = Double(p.dropFirst(2)) ?? 0 }
            let lang: Language? = tag.hasPrefix("zh") ? .zh : tag.hasPrefix("en") ? .en : nil
            if let lang, q > (best?.1 ?? 0) { best = (lang, q) }
        }
        return best?.0 ?? .zh
    }

    public var htmlCode: String { self == .zh ? "zh-CN" : "en" }
}

/// One string catalogue per language (`Resources/i18n/<lang>.json`), loaded once.
public struct Catalog: Sendable {
    public let strings: [Language: [String: String]]

    /// Read once per process (the files are in the bundle and never change).
    public static func load() throws -> Catalog { try parsed.get() }

    private static let parsed = Result { try parse() }

    private static func parse() throws -> Catalog {
        var strings: [Language: [String: String]] = [:]
        for lang in Language.allCases {
            guard let url = Bundle.module.url(forResource: lang.rawValue, withExtension: "json", subdirectory: "Resources/i18n")
                ?? Bundle.module.url(forResource: lang.rawValue, withExtension: "json")
            else { throw CatalogError.missing(lang.rawValue) }
            strings[lang] = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: url))
        }
        return Catalog(strings: strings)
    }

    enum CatalogError: Error { case missing(String) }

    /// The string for `key`; falls back to Chinese, then to the key itself so a
    /// missing entry shows up on screen and in the catalogue test.
    public func text(_ key: String, _ lang: Language, _ args: [String: String] = [:]) -> String {
        var s = strings[lang]?[key] ?? strings[.zh]?[key] ?? key
        // A placeholder nobody fills reads better as nothing than as "{code}".
        if s.contains("{") {
            for m in Self.unfilled.matches(in: s, range: NSRange(s.startIndex..., in: s)).reversed() {
                guard let r = Range(m.range, in: s), args[String(s[r].dropFirst().dropLast())] == nil else { continue }
                s.removeSubrange(r)
            }
        }
        for (name, value) in args { s = s.replacingOccurrences(of: "{\(name)}", with: value) }
        return s
    }

    private static let unfilled = try! NSRegularExpression(pattern: "\\{[a-zA-Z]+\\}")

    public func has(_ key: String) -> Bool { strings[.zh]?[key] != nil }
    public func has(_ key: String, in language: Language) -> Bool { strings[language]?[key] != nil }
}

/// The catalogue bound to one request's language, as pages use it.
public struct Localizer: Sendable {
    public let catalog: Catalog
    public let language: Language

    public func callAsFunction(_ key: String, _ args: [String: String] = [:]) -> String {
        catalog.text(key, language, args)
    }
}
