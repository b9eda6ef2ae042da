import EstateCore
import Foundation
import Testing

@Suite("Report periods")
struct ReportPeriodTests {
    func day(_ s: String) -> CalendarDay { CalendarDay(s)! }

    @Test func isoWeeksBelongToTheYearOfTheirThursday() {
        // 2026-12-31 is a Thursday: week 53 of 2026, and so are the first three days of 2027.
        #expect(ReportPeriod.isoWeekLabel(day("2026-12-31")) == "2026-W53")
        #expect(ReportPeriod.isoWeekLabel(day("2027-01-03")) == "2026-W53")
        #expect(ReportPeriod.isoWeekLabel(day("2027-01-04")) == "2027-W01")
        // 2024-12-30 (Monday) already belongs to 2025's first week.
        #expect(ReportPeriod.isoWeekLabel(day("2024-12-30")) == "2025-W01")
        #expect(ReportPeriod.isoWeekLabel(day("2026-11-27")) == "2026-W48")
        // Against Foundation's ISO calendar, every day of three years.
        var iso = Calendar(identifier: .iso8601)
        iso.timeZone = CalendarDay.zone
        var d = day("2025-01-01")
        while d <= day("2027-12-31") {
            let c = iso.dateComponents([.yearForWeekOfYear, .weekOfYear, .weekday], from: d.start)
            #expect(ReportPeriod.isoWeekLabel(d) == String(format: "%04d-W%02d", c.yearForWeekOfYear!, c.weekOfYear!), "\(d)")
            #expect(ReportPeriod.weekdayIndex(d) == (c.weekday! + 5) % 7, "\(d)")
            d = d.adding(days: 1)
        }
    }

    @Test func bucketsCoverTheRangeExactlyOnce() throws {
        let p = try ReportPeriod(from: day("2026-10-28"), to: day("2027-01-05"))
        for g in ReportGranularity.allCases {
            let b = p.buckets(g)
            #expect(b.first?.from == p.from && b.last?.to == p.to)
            for (x, y) in zip(b, b.dropFirst()) { #expect(x.to.adding(days: 1) == y.from) }
            #expect(b.reduce(0) { $0 + $1.from.days(until: $1.to) + 1 } == p.dayCount)
        }
        #expect(p.buckets(.month).map(\.label) == ["2026-10", "2026-11", "2026-12", "2027-01"])
        #expect(p.buckets(.month)[0].from == day("2026-10-28") && p.buckets(.month)[0].to == day("2026-10-31"))
        let weeks = p.buckets(.week)
        #expect(weeks[0].label == "2026-W44" && weeks[0].to == day("2026-11-01"))   // Wednesday to Sunday
        #expect(weeks.allSatisfy { ReportPeriod.weekdayIndex($0.from) == 0 || $0.from == p.from })
        #expect(p.buckets(.day).count == 70)
    }

    @Test func thePreviousPeriod() throws {
        // Whole months compare with the months before, whatever their lengths.
        #expect(try ReportPeriod(from: day("2026-03-01"), to: day("2026-03-31")).previous == ReportPeriod(from: day("2026-02-01"), to: day("2026-02-28")))
        #expect(try ReportPeriod(from: day("2026-10-01"), to: day("2026-12-31")).previous == ReportPeriod(from: day("2026-07-01"), to: day("2026-09-30")))
        #expect(try ReportPeriod(from: day("2026-01-01"), to: day("2026-01-31")).previous == ReportPeriod(from: day("2025-12-01"), to: day("2025-12-31")))
        // Any other range: as many days just before.
        #expect(try ReportPeriod(from: day("2026-11-27"), to: day("2026-11-27")).previous == ReportPeriod(from: day("2026-11-26"), to: day("2026-11-26")))
        #expect(try ReportPeriod(from: day("2026-03-01"), to: day("2026-03-10")).previous == ReportPeriod(from: day("2026-02-19"), to: day("2026-02-28")))
    }

    @Test func limitsAndRatios() {
        #expect(throws: ReportPeriod.Invalid.reversed) { try ReportPeriod(from: day("2026-02-01"), to: day("2026-01-31")) }
        #expect(throws: ReportPeriod.Invalid.tooLong(maxDays: 370)) { try ReportPeriod(from: day("2025-01-01"), to: day("2026-01-31"), granularity: .day) }
        #expect((try? ReportPeriod(from: day("2025-01-01"), to: day("2026-01-31"), granularity: .week)) != nil)
        #expect(throws: ReportPeriod.Invalid.tooLong(maxDays: 3_660)) { try ReportPeriod(from: day("2016-01-01"), to: day("2026-01-31")) }
        #expect(Ratio.percent(5, of: 8) == "62.50")
        #expect(Ratio.percent(1, of: 3) == "33.33")
        #expect(Ratio.percent(2, of: 3) == "66.67")
        #expect(Ratio.percent(-1, of: 8) == "-12.50")
        #expect(Ratio.percent(1, of: -8) == "-12.50")
        #expect(Ratio.percent(3, of: 0) == nil)
    }
}
