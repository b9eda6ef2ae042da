import Foundation

/// How a report's rows are cut: per day, per ISO week (Monday to Sunday) or per calendar month
/// (日报 / 周报 / 月报).
public enum ReportGranularity: String, Sendable, CaseIterable, Codable {
    case day, week, month
}

/// One row of a report's time series: the days it covers, clipped to the report's range.
public struct ReportBucket: Sendable, Hashable {
    public let label: String
    public let from: CalendarDay
    public let to: CalendarDay
}

/// A report's date range and the cuts through it.
public struct ReportPeriod: Sendable, Hashable {
    public let from: CalendarDay
    public let to: CalendarDay

    public enum Invalid: Error, Equatable { case reversed, tooLong(maxDays: Int) }

    /// The longest range a report covers (ten years), and the most day rows one report returns.
    public static let maxDays = 3_660
    public static let maxDayRows = 370

    public init(from: CalendarDay, to: CalendarDay, granularity: ReportGranularity = .month) throws(Invalid) {
        guard from <= to else { throw .reversed }
        let days = from.days(until: to) + 1
        guard days <= Self.maxDays else { throw .tooLong(maxDays: Self.maxDays) }
        if granularity == .day, days > Self.maxDayRows { throw .tooLong(maxDays: Self.maxDayRows) }
        self.from = from; self.to = to
    }

    private init(unchecked from: CalendarDay, _ to: CalendarDay) { self.from = from; self.to = to }

    public var dayCount: Int { from.days(until: to) + 1 }

    /// The period to compare with: whole calendar months compare with as many months just
    /// before (November with October, Q4 with Q3); any other range with the same number of
    /// days just before it.
    public var previous: ReportPeriod {
        if from.day == 1, to.day == CalendarDay.days(in: to.month, of: to.year) {
            let months = (to.year * 12 + to.month) - (from.year * 12 + from.month) + 1
            let start = Self.monthStart(from, plus: -months)
            return ReportPeriod(unchecked: start, from.adding(days: -1))
        }
        return ReportPeriod(unchecked: from.adding(days: -dayCount), from.adding(days: -1))
    }

    /// Month `m` after (or before) the month of `day`, at its first day.
    public static func monthStart(_ day: CalendarDay, plus m: Int) -> CalendarDay {
        let index = day.year * 12 + (day.month - 1) + m
        return CalendarDay(year: index / 12, month: index % 12 + 1, day: 1)!
    }

    /// The rows of the series, first to last, each clipped to the range.
    public func buckets(_ granularity: ReportGranularity) -> [ReportBucket] {
        var out: [ReportBucket] = []
        var start = from
        while start <= to {
            let end: CalendarDay
            let label: String
            switch granularity {
            case .day:
                end = start; label = start.description
            case .week:
                end = min(start.adding(days: 6 - Self.weekdayIndex(start)), to)
                label = Self.isoWeekLabel(start)
            case .month:
                end = min(Self.monthStart(start, plus: 1).adding(days: -1), to)
                label = String(format: "%04d-%02d", start.year, start.month)
            }
            out.append(ReportBucket(label: label, from: start, to: min(end, to)))
            start = end.adding(days: 1)
        }
        return out
    }

    /// Monday = 0 … Sunday = 6.
    public static func weekdayIndex(_ day: CalendarDay) -> Int {
        // 1970-01-05 was a Monday.
        let monday = CalendarDay(year: 1970, month: 1, day: 5)!
        let n = monday.days(until: day) % 7
        return n < 0 ? n + 7 : n
    }

    /// ISO 8601 week label, "2026-W48": the week belongs to the year of its Thursday.
    public static func isoWeekLabel(_ day: CalendarDay) -> String {
        let thursday = day.adding(days: 3 - weekdayIndex(day))
        let jan1 = CalendarDay(year: thursday.year, month: 1, day: 1)!
        let week = jan1.days(until: thursday) / 7 + 1
        return String(format: "%04d-W%02d", thursday.year, week)
    }
}

/// Count, area and amount of a kind of deal (认购, 签约, 退订, 退房).
public struct Deal: Sendable, Hashable, Codable {
    public var count: Int
    public var area: Area
    public var amount: Money

    public init(count: Int = 0, area: Area = .zero, amount: Money = .zero) {
        self.count = count; self.area = area; self.amount = amount
    }

    public static func += (a: inout Deal, b: Deal) { a.count += b.count; a.area += b.area; a.amount += b.amount }
}

/// Confirmed money in (refunds count negative).
public struct Collected: Sendable, Hashable, Codable {
    public var count: Int
    public var amount: Money

    public init(count: Int = 0, amount: Money = .zero) { self.count = count; self.amount = amount }

    public static func += (a: inout Collected, b: Collected) { a.count += b.count; a.amount += b.amount }
}

/// A sales report's figures for a stretch of days (one row, a total, or one building's share).
public struct SalesFigures: Sendable, Hashable, Codable {
    public var calls = 0
    public var visitsFirst = 0
    public var visitsReturn = 0
    public var subscriptions = Deal()
    public var contracts = Deal()
    public var cancellations = Deal()
    public var terminations = Deal()
    public var collections = Collected()

    public init() {}

    public static func += (a: inout SalesFigures, b: SalesFigures) {
        a.calls += b.calls; a.visitsFirst += b.visitsFirst; a.visitsReturn += b.visitsReturn
        a.subscriptions += b.subscriptions; a.contracts += b.contracts
        a.cancellations += b.cancellations; a.terminations += b.terminations; a.collections += b.collections
    }
}

/// Ratios shown as percentages with two decimals, rounded half up: "62.50". Nil when the base is 0.
public enum Ratio {
    public static func percent(_ part: Int64, of whole: Int64) -> String? {
        guard whole != 0 else { return nil }
        let sign: Int128 = whole < 0 ? -1 : 1
        let v = Rounding.halfUp(Int128(part) * 10_000 * sign, divisor: Int128(whole) * sign)
        return DecimalText.format(v, scale: 2, grouping: false)
    }
}
