import Foundation
import OpenAPIRuntime

/// RFC 3339 date-times: written in UTC with milliseconds; read with or without
/// fractions and with any offset (`2026-11-26T08:00:00+08:00`).
struct FlexibleISO8601: DateTranscoder {
    func encode(_ date: Date) throws -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    func decode(_ string: String) throws -> Date {
        guard let date = Self.parse(string) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "Expected an RFC 3339 date-time, got \(string)"))
        }
        return date
    }

    private static var pattern: Regex<(Substring, Substring, Substring, Substring, Substring, Substring, Substring, Substring?, Substring, Substring?, Substring?, Substring?)> { /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/ }

    static func parse(_ s: String) -> Date? {
        guard let m = s.wholeMatch(of: pattern),
              let year = Int(m.1), let month = Int(m.2), let day = Int(m.3),
              let hour = Int(m.4), let minute = Int(m.5), let second = Int(m.6),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard components.isValidDate(in: calendar) || second == 60, let base = calendar.date(from: components) else { return nil }
        let fraction = m.7.flatMap { Double("0" + $0) } ?? 0
        var offset = 0
        if let sign = m.9, let oh = m.10.flatMap({ Int($0) }), let om = m.11.flatMap({ Int($0) }) {
            guard oh < 24, om < 60 else { return nil }
            offset = (oh * 3600 + om * 60) * (sign == "-" ? -1 : 1)
        }
        return base.addingTimeInterval(fraction - Double(offset))
    }
}
