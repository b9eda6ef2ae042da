import Foundation
import Testing
@testable import EstateCore

/// The desk's orders for tenants and its rota (issue 20 points 6 and 8): the order's steps in order, overdue only
/// while open; shift times and when two shifts overlap.
@Suite struct MallDeskOrderRulesTests {
    @Test func anOrderGoesTakenPassedAnsweredThenDoneOrCancelled() {
        #expect(DeskOrderFlow.after(.taken, .pass) == .passed)
        #expect(DeskOrderFlow.after(.passed, .confirm) == .confirmed)
        #expect(DeskOrderFlow.after(.passed, .decline) == .declined)
        #expect(DeskOrderFlow.after(.confirmed, .done) == .done)
        for s in [DeskOrderStatus.taken, .passed, .confirmed, .declined] { #expect(DeskOrderFlow.after(s, .cancel) == .cancelled) }
        // Out of order: nothing skips the tenant, nothing reopens.
        #expect(DeskOrderFlow.after(.taken, .confirm) == nil)
        #expect(DeskOrderFlow.after(.taken, .done) == nil)
        #expect(DeskOrderFlow.after(.passed, .done) == nil)
        #expect(DeskOrderFlow.after(.declined, .done) == nil)
        #expect(DeskOrderFlow.after(.confirmed, .decline) == nil)
        for s in [DeskOrderStatus.done, .cancelled] {
            for step in DeskOrderFlow.Step.allCases { #expect(DeskOrderFlow.after(s, step) == nil) }
        }
        #expect(!DeskOrderFlow.needsText(.done) && DeskOrderFlow.needsText(.pass) && DeskOrderFlow.needsText(.decline))
    }

    @Test func overdueOnlyWhileOpenAndPastTheDay() {
        let due = CalendarDay(year: 2026, month: 12, day: 7)!
        #expect(!DeskOrderFlow.overdue(.passed, due: due, today: due))
        #expect(DeskOrderFlow.overdue(.passed, due: due, today: due.adding(days: 1)))
        #expect(DeskOrderFlow.overdue(.taken, due: due, today: due.adding(days: 1)))
        #expect(!DeskOrderFlow.overdue(.done, due: due, today: due.adding(days: 9)))
        #expect(!DeskOrderFlow.overdue(.declined, due: due, today: due.adding(days: 9)))
    }

    @Test func shiftTimesAndOverlaps() {
        #expect(RotaRule.minutes("09:00") == 540 && RotaRule.minutes("23:59") == 1439 && RotaRule.minutes("00:00") == 0)
        for bad in ["9:00", "24:00", "12:60", "1200", "", "ab:cd", "12:3", "１２:００"] { #expect(RotaRule.minutes(bad) == nil, "\(bad)") }
        #expect(RotaRule.text(930) == "15:30")
        #expect(RotaRule.validWindow(starts: 540, ends: 930))
        #expect(!RotaRule.validWindow(starts: 930, ends: 540))
        #expect(!RotaRule.validWindow(starts: 540, ends: 540))
        #expect(!RotaRule.validWindow(starts: 0, ends: 13 * 60), "at most 12 hours")
        let early = ShiftKind.early.defaultTimes, late = ShiftKind.late.defaultTimes
        #expect(RotaRule.overlaps(early, late), "the usual shifts share half an hour of hand-over")
        #expect(!RotaRule.overlaps((540, 900), (900, 1320)), "one ending as the other starts does not overlap")
        #expect(RotaRule.overlaps((540, 1320), (600, 660)), "one inside the other")
        #expect(!RotaRule.overlaps((600, 660), (700, 800)))
    }
}
