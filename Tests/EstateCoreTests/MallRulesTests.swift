import Foundation
import Testing
@testable import EstateCore

/// The mall desk's rules (issue 20): tiers and points, 30-day returns, the complaint clock, 明码标价 price tags,
/// lost-and-found claims, screens and the follow-up pass rate.
@Suite struct MallRulesTests {
    let day = CalendarDay(year: 2026, month: 11, day: 1)!

    @Test func tiersFollowThePointsEarnedAndSetTheRate() {
        #expect(MemberTier.reached(by: 0) == .standard)
        #expect(MemberTier.reached(by: 4_999) == .standard)
        #expect(MemberTier.reached(by: 5_000) == .silver)
        #expect(MemberTier.reached(by: 20_000) == .gold)
        #expect(MemberTier.reached(by: 49_999) == .gold)
        #expect(MemberTier.reached(by: 50_000) == .diamond)
        // Whole yuan only, rounded down; gold 1.2 a yuan, diamond 1.5.
        #expect(PointsRule.points(for: Money(fen: 100_099), tier: .standard) == 1_000)
        #expect(PointsRule.points(for: Money(fen: 99), tier: .diamond) == 0)
        #expect(PointsRule.points(for: Money(yuan: 101), tier: .gold) == 121)
        #expect(PointsRule.points(for: Money(yuan: 101), tier: .diamond) == 151)
        #expect(PointsRule.points(for: Money(fen: -500), tier: .gold) == 0)
    }

    @Test func aReceiptEarnsWithinThirtyDays() {
        #expect(PointsRule.check(amount: Money(yuan: 10), day: day, today: day.adding(days: 30)) == nil)
        #expect(PointsRule.check(amount: Money(yuan: 10), day: day, today: day.adding(days: 31)) == .receiptTooOld)
        #expect(PointsRule.check(amount: Money(yuan: 10), day: day.adding(days: 1), today: day) == .receiptInFuture)
        #expect(PointsRule.check(amount: .zero, day: day, today: day) == .amountInvalid)
        #expect(PointsRule.check(amount: Money(yuan: 1_000_001), day: day, today: day) == .amountInvalid)
    }

    @Test func returnsAreAcceptedOnDayThirtyAndRefusedOnDayThirtyOne() {
        let amount = Money(yuan: 299)
        #expect(ReturnRule.check(purchased: day, asked: day, amount: amount) == nil)
        #expect(ReturnRule.check(purchased: day, asked: day.adding(days: 30), amount: amount) == nil)
        #expect(ReturnRule.check(purchased: day, asked: day.adding(days: 31), amount: amount) == .outsideWindow)
        #expect(ReturnRule.Refusal.outsideWindow.rawValue == ReturnRule.code)
        #expect(ReturnRule.check(purchased: day.adding(days: 1), asked: day, amount: amount) == .purchaseInFuture)
        #expect(ReturnRule.check(purchased: day, asked: day, amount: .zero) == .amountInvalid)
        // Across a month's end: 2026-11-15 → 2026-12-15 is day 30.
        let bought = CalendarDay(year: 2026, month: 11, day: 15)!
        #expect(ReturnRule.day(purchased: bought, asked: CalendarDay(year: 2026, month: 12, day: 15)!) == 30)
    }

    @Test func aReturnNeedsTheTenantThenTheFloorManagerBeforeTheRefund() {
        #expect(ReturnFlow.after(.requested, .tenant) == .tenantAgreed)
        #expect(ReturnFlow.after(.requested, .floorManager) == nil)
        #expect(ReturnFlow.after(.tenantAgreed, .floorManager) == .approved)
        #expect(ReturnFlow.after(.requested, .refund) == nil)
        #expect(ReturnFlow.after(.tenantAgreed, .refund) == nil)
        #expect(ReturnFlow.after(.approved, .refund) == .refunded)
        #expect(ReturnFlow.after(.approved, .reject) == nil)
        #expect(ReturnFlow.after(.tenantAgreed, .reject) == .rejected)
        #expect(ReturnFlow.after(.refunded, .refund) == nil)
    }

    @Test func aComplaintEscalatesAtTwentyFourHoursUnlessResolved() {
        let taken = Date(timeIntervalSince1970: 1_790_000_000)
        #expect(!ComplaintClock.mustEscalate(taken: taken, resolved: false, escalated: false, now: taken.addingTimeInterval(24 * 3600 - 1)))
        #expect(ComplaintClock.mustEscalate(taken: taken, resolved: false, escalated: false, now: taken.addingTimeInterval(24 * 3600)))
        #expect(!ComplaintClock.mustEscalate(taken: taken, resolved: true, escalated: false, now: taken.addingTimeInterval(48 * 3600)))
        #expect(!ComplaintClock.mustEscalate(taken: taken, resolved: false, escalated: true, now: taken.addingTimeInterval(48 * 3600)))
    }

    @Test func aPriceTagNamesItemPriceUnitOriginAndSpecification() {
        let good = PriceTag(item: "纯棉T恤", price: Money(yuan: 99), unit: "件", origin: "江苏南通", specification: "L / 白色")
        #expect(PriceTagRule.check(good).isEmpty)
        var t = good
        t.item = " "; t.unit = ""; t.origin = ""; t.specification = ""; t.price = .zero
        #expect(PriceTagRule.check(t) == [.itemRequired, .priceInvalid, .unitRequired, .originRequired, .specificationRequired])
        // A discount tag shows an original price above the price asked.
        var discount = good
        discount.originalPrice = Money(yuan: 159)
        #expect(PriceTagRule.check(discount).isEmpty && discount.isDiscount)
        discount.originalPrice = Money(yuan: 99)
        #expect(PriceTagRule.check(discount) == [.originalPriceInvalid])
        discount.originalPrice = Money(yuan: 50)
        #expect(PriceTagRule.check(discount) == [.originalPriceInvalid])
        var long = good
        long.item = String(repeating: "长", count: 41)
        #expect(PriceTagRule.check(long) == [.textTooLong])
        // Fees: ¥0.50 a tag, ¥1.00 a discount tag, per copy.
        var d2 = good
        d2.originalPrice = Money(yuan: 120)
        #expect(PriceTagFee.fee([good, d2], copies: [3, 2]) == Money(fen: 350))
    }

    @Test func aClaimNeedsAValidIdentityDocumentAndASignature() {
        let today = 20261201
        #expect(LostItemRule.checkClaim(idKind: .residentID, idNumber: "11010519491231002X", signature: "王小明", today: today) == nil)
        #expect(LostItemRule.checkClaim(idKind: nil, idNumber: "", signature: "王小明", today: today) == .idRequired)
        #expect(LostItemRule.checkClaim(idKind: .residentID, idNumber: "110105194912310021", signature: "王小明", today: today) == .idRequired)
        #expect(LostItemRule.checkClaim(idKind: .residentID, idNumber: "11010519491231002X", signature: " ", today: today) == .signatureRequired)
        #expect(LostItemRule.handoverDue(found: day) == day.adding(days: 30))
    }

    @Test func aScreenShowsTheMessagesWhoseWindowCoversNowInRotationOrder() {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let a = ScreenSlot(id: UUID(), startsAt: now.addingTimeInterval(-60), endsAt: now.addingTimeInterval(60), rotation: 2)
        let b = ScreenSlot(id: UUID(), startsAt: now, endsAt: now.addingTimeInterval(1), rotation: 1)
        let ended = ScreenSlot(id: UUID(), startsAt: now.addingTimeInterval(-60), endsAt: now, rotation: 0)
        let later = ScreenSlot(id: UUID(), startsAt: now.addingTimeInterval(1), endsAt: now.addingTimeInterval(60), rotation: 0)
        #expect(ScreenSlot.showing([a, b, ended, later], at: now).map(\.id) == [b.id, a.id])
    }

    @Test func followUpsCountWithinThirtyDaysAndThePassRateIsPerMille() {
        #expect(FollowUpRule.within(day, day.adding(days: 30)))
        #expect(!FollowUpRule.within(day, day.adding(days: 31)))
        #expect(!FollowUpRule.within(day, day.adding(days: -1)))
        #expect(FollowUpRule.passRate(passed: 49, total: 50) == 980)
        #expect(FollowUpRule.passRate(passed: 0, total: 0) == nil)
        #expect(FollowUpRule.passRate(passed: 2, total: 3) == 666)
    }
}
