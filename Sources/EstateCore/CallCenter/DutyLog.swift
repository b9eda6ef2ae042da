import Foundation

/// 值班日志 (duty log): one per shift, written by the shift, signed off by its shift lead (班长),
/// read-only once signed.
public enum DutyLogStatus: String, CaseIterable, Sendable, Codable {
    /// 填写中
    case open
    /// 已签收: read-only.
    case signed
    public var catalogKey: String { "duty.status.\(rawValue)" }
    public var editable: Bool { self == .open }
}

public enum DutyShiftRules {
    /// 早班 / 中班 / 晚班 / 通宵 as the roster names them; free text up to 20 characters.
    public static let commonNames = ["早班", "中班", "晚班", "通宵"]
    public static let maxHours = 16
    public static let maxText = 4000

    public enum Problem: String, Error, Sendable, Equatable {
        case nameInvalid = "duty_shift_name_invalid"
        case timesInvalid = "duty_shift_times_invalid"
    }

    /// The shift's name and times: a name of 1–20 characters on one line; it ends after it starts,
    /// within 16 hours (a 通宵 runs 22:00–08:00).
    public static func check(name: String, startsAt: Date, endsAt: Date) -> [Problem] {
        var out: [Problem] = []
        let n = name.trimmingCharacters(in: .whitespaces)
        if n.isEmpty || n.count > 20 || n.contains(where: \.isNewline) { out.append(.nameInvalid) }
        let hours = endsAt.timeIntervalSince(startsAt) / 3600
        if hours <= 0 || hours > Double(maxHours) { out.append(.timesInvalid) }
        return out
    }
}
