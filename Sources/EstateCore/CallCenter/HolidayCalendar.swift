import Foundation

/// China's public holidays and 调休 working days as the State Council published them (国务院办公厅
/// 关于部分节假日安排的通知), for loading into the managed calendar a year at a time; the supervisor
/// edits the loaded days on the calendar page.
///
/// - 2026: the notice of 2025-11-04, complete (holidays and the weekend days worked).
/// - 2027: its notice is not in the sources this was written from, so only the holidays on fixed
///   Gregorian dates are here — 元旦 1 January, 劳动节 1–2 May, 国庆节 1–3 October (the statutory days
///   since 2025). 春节, 清明节, 端午节, 中秋节 (lunar or solar-term dates), the bridge days and the
///   调休 working days are added on the page when the notice is published.
public enum HolidayCalendar {
    public struct Entry: Sendable, Equatable {
        public var day: CalendarDay
        public var kind: StaffingDayKind
        public var name: String
    }

    /// Whether a year's list is the whole published schedule (false: fixed-date holidays only).
    public static func isComplete(_ year: Int) -> Bool { year == 2026 }

    /// The years there is a list for.
    public static let years = [2026, 2027]

    public static func entries(_ year: Int) -> [Entry] {
        var out: [Entry] = []
        func off(_ from: String, _ to: String, _ name: String) {
            var d = CalendarDay(from)!
            while d <= CalendarDay(to)! { out.append(Entry(day: d, kind: .holiday, name: name)); d = d.adding(days: 1) }
        }
        func work(_ day: String, _ name: String) { out.append(Entry(day: CalendarDay(day)!, kind: .workday, name: name)) }
        switch year {
        case 2026:
            off("2026-01-01", "2026-01-03", "元旦")
            work("2026-01-04", "元旦调休")
            off("2026-02-15", "2026-02-23", "春节")
            work("2026-02-14", "春节调休")
            work("2026-02-28", "春节调休")
            off("2026-04-04", "2026-04-06", "清明节")
            off("2026-05-01", "2026-05-05", "劳动节")
            work("2026-05-09", "劳动节调休")
            off("2026-06-19", "2026-06-21", "端午节")
            off("2026-09-25", "2026-09-27", "中秋节")
            off("2026-10-01", "2026-10-07", "国庆节")
            work("2026-09-20", "国庆节调休")
            work("2026-10-10", "国庆节调休")
        case 2027:
            off("2027-01-01", "2027-01-01", "元旦")
            off("2027-05-01", "2027-05-02", "劳动节")
            off("2027-10-01", "2027-10-03", "国庆节")
        default:
            break
        }
        return out.sorted { $0.day < $1.day }
    }
}
