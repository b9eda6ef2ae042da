/// Why a 统一社会信用代码 is refused, as a catalogue code.
public enum CreditCodeProblem: String, Sendable, Equatable, Error {
    case length = "credit_code_length"
    case characters = "credit_code_characters"
    case checkDigit = "credit_code_check_digit"
}

/// 统一社会信用代码 (GB 32100-2015): the 18-character code every company, institution and
/// individual business carries on its licence, and the seller (出卖人) names on a 认购书 and a
/// 商品房买卖合同. Layout: registering authority (1), organisation kind (1), region (6 digits,
/// GB/T 2260), 组织机构代码 (9), check character (1). The alphabet is the digits and the capital
/// letters without I, O, Z, S, V; the check character is 31 − (Σ value × weight mod 31), 31 → 0.
public enum CreditCode {
    static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// As stored: spaces removed, upper-case.
    public static func normalized(_ raw: String) -> String {
        String(raw.unicodeScalars.filter { !$0.properties.isWhitespace }.map(Character.init)).uppercased()
    }

    /// The normalised code when it is well formed and its check character is right.
    public static func check(_ raw: String) -> Result<String, CreditCodeProblem> {
        let code = normalized(raw)
        let c = Array(code)
        guard c.count == 18 else { return .failure(.length) }
        var values: [Int] = []
        for ch in c {
            guard let v = alphabet.firstIndex(of: ch) else { return .failure(.characters) }
            values.append(v)
        }
        // The region is six digits.
        guard values[2..<8].allSatisfy({ $0 < 10 }) else { return .failure(.characters) }
        let sum = zip(values.prefix(17), weights).reduce(0) { $0 + $1.0 * $1.1 }
        return values[17] == (31 - sum % 31) % 31 ? .success(code) : .failure(.checkDigit)
    }

    public static func isValid(_ raw: String) -> Bool {
        if case .success = check(raw) { return true }
        return false
    }
}
