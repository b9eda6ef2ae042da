/// Rules for user names and passwords, shared by the web, the API and the `estate user` command.
public enum Credentials {
    /// 3–32 characters: lower-case ASCII letters, digits, `.`, `_`, `-`; starts with a letter.
    public static func isValidUsername(_ s: String) -> Bool {
        guard (3...32).contains(s.count), let first = s.unicodeScalars.first,
              ("a"..."z").contains(first) else { return false }
        return s.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "_" || $0 == "-"
        }
    }

    /// Why a password is refused, or nil when it is acceptable.
    public enum PasswordProblem: String, Sendable, Equatable {
        case tooShort = "password_too_short"
        case tooLong = "password_too_long"
    }

    /// At least 8 characters (a Chinese character counts as one), at most 256.
    /// Length beats composition rules (NIST SP 800-63B §5.1.1.2). Counted in
    /// Unicode scalars, as JSON Schema's minLength counts them.
    public static func check(password: String) -> PasswordProblem? {
        let n = password.unicodeScalars.count
        if n < 8 { return .tooShort }
        if n > 256 { return .tooLong }
        return nil
    }
}
