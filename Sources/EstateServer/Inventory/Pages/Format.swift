import EstateCore
import Foundation

/// Number formats staff read: 万元, percentages.
enum Format {
    /// 2,187,432.00 元 → "218.74万"
    static func wan(_ m: Money) -> String {
        DecimalText.format(Rounding.halfUp(Int128(m.fen), divisor: 10_000), scale: 2, grouping: true) + "万"
    }

    /// 4375 → "43.75%"
    static func percent(_ permyriad: Int) -> String {
        DecimalText.format(Int64(permyriad), scale: 2, grouping: false) + "%"
    }

    /// For `<input type=datetime-local>` in Beijing time.
    static func localInput(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm"
        return f.string(from: d)
    }

    static func parseLocalInput(_ s: String) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd"] {
            f.dateFormat = format
            if let d = f.date(from: s) { return d }
        }
        return nil
    }
}
