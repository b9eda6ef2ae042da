import EstateCore
import Foundation
import Testing

/// 拓客 counts, costs and the funnel's cost per registration / visit / deal (issue 17 point 6).
@Suite struct OutreachRulesTests {
    @Test func costPerOneIsRoundedHalfUpToTheFenAndAbsentWithNothingToDivideBy() {
        // setup
        let f = ChannelFunnel(registrations: 3, visits: 2, subscriptions: 0, contracts: 0, cost: Money(fen: 100_001))
        // MUT + validate: 1,000.01 / 3 = 333.336… → 333.34; / 2 = 500.005 → 500.01; no deal → nil.
        #expect(f.perRegistration == Money(fen: 33_334))
        #expect(f.perVisit == Money(fen: 50_001))
        #expect(f.perDeal == nil)
        #expect(ChannelFunnel.per(Money(fen: 1), 3) == Money(fen: 0))
        #expect(ChannelFunnel.per(Money(fen: 2), 3) == Money(fen: 1))
        #expect((f + f).perRegistration == Money(fen: 33_334) && (f + f).registrations == 6)
    }

    @Test func countsAndCostsOutsideTheirBoundsAreFaults() {
        #expect(OutreachCounts(calls: 0, visits: OutreachCounts.maximum).faults.isEmpty)
        #expect(OutreachCounts(calls: -1).faults == ["outreach_count_invalid"])
        #expect(OutreachCounts(flyers: OutreachCounts.maximum + 1).faults == ["outreach_count_invalid"])
        #expect(OutreachCosts(staff: Money(yuan: 10_000_000)).faults.isEmpty)
        #expect(OutreachCosts(fees: Money(fen: -1)).faults == ["outreach_cost_invalid"])
        #expect(OutreachCosts(staff: Money(yuan: 1), materials: Money(fen: 50), fees: Money(yuan: 2)).total == Money(fen: 350))
    }
}
