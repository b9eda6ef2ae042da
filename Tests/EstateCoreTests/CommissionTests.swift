import EstateCore
import Foundation
import Testing

@Suite("Channels: commission rules, tiers and claw-back")
struct CommissionTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)
    static let asOf = t0.addingTimeInterval(30 * 86_400)

    static func deals(_ n: Int, price: Int64 = 1_000_000, signed: Bool = true) -> [CommissionDeal] {
        (0..<n).map { i in
            CommissionDeal(reference: String(format: "RG%03d", i), finalPrice: Money(yuan: price), subscribedAt: t0,
                           contractSignedAt: signed ? t0.addingTimeInterval(86_400) : nil)
        }
    }

    /// 1 % + ¥1,000 below 5 deals; 1.5 % from 5; 2 % + ¥2,000 from 10 — on every deal of the month.
    static let tiered = CommissionRule(fixedPerUnit: Money(yuan: 1_000), rateBasisPoints: 100,
                                       tiers: [CommissionTier(minDeals: 10, rateBasisPoints: 200, fixedPerUnit: Money(yuan: 2_000)),
                                               CommissionTier(minDeals: 5, rateBasisPoints: 150)],
                                       payableOn: .contract)

    @Test("Tiers at their boundaries: 4 → base, 5 → first tier, 9 → first tier, 10 → second tier, retroactively on every deal",
          arguments: [(4, 11_000_00 as Int64, nil as Int?), (5, 15_000_00, 5), (9, 15_000_00, 5), (10, 22_000_00, 10), (11, 22_000_00, 10)])
    func tierBoundaries(count: Int, perDealFen: Int64, tier: Int?) {
        let s = CommissionCalculator.statement(rule: Self.tiered, deals: Self.deals(count), asOf: Self.asOf)
        #expect(s.payableDeals == count)
        #expect(s.tier == tier)
        #expect(s.lines.count == count)
        #expect(s.lines.allSatisfy { $0.amount.fen == perDealFen && $0.kind == .commission })
        #expect(s.total.fen == perDealFen * Int64(count))
    }

    @Test("Clawed-back deals do not count towards a tier and, once stated, come back as a negative line")
    func clawBack() {
        var ds = Self.deals(5)
        ds[4].clawedBack = true
        let s = CommissionCalculator.statement(rule: Self.tiered, deals: ds, asOf: Self.asOf)
        #expect(s.payableDeals == 4 && s.tier == nil)
        #expect(s.lines.count == 4 && s.total.fen == 4 * 11_000_00)
        ds[4].alreadyStated = Money(yuan: 15_000)
        let s2 = CommissionCalculator.statement(rule: Self.tiered, deals: ds, asOf: Self.asOf)
        let back = s2.lines.first { $0.kind == .clawBack }
        #expect(back?.reference == "RG004" && back?.amount.fen == -15_000_00)
    }

    @Test("A deal stated earlier is only adjusted to what it is due")
    func adjustment() {
        var ds = Self.deals(5)
        for i in 0..<4 { ds[i].alreadyStated = Money(yuan: 11_000) }
        let s = CommissionCalculator.statement(rule: Self.tiered, deals: ds, asOf: Self.asOf)
        // Four top-ups of ¥4,000 (1.5 % − 1 % − ¥1,000 fixed) and one new deal at ¥15,000.
        #expect(s.lines.filter { $0.amount.fen == 4_000_00 }.count == 4)
        #expect(s.lines.filter { $0.amount.fen == 15_000_00 }.count == 1)
    }

    @Test("Payable on 认购 / 签约 / 回款 ≥ x %, at the boundary")
    func events() {
        var d = CommissionDeal(reference: "A", finalPrice: Money(yuan: 1_000_000), subscribedAt: Self.t0)
        #expect(CommissionCalculator.isPayable(d, on: .subscription, asOf: Self.asOf))
        #expect(!CommissionCalculator.isPayable(d, on: .contract, asOf: Self.asOf))
        d.contractSignedAt = Self.asOf.addingTimeInterval(1)
        #expect(!CommissionCalculator.isPayable(d, on: .contract, asOf: Self.asOf))
        d.contractSignedAt = Self.asOf
        #expect(CommissionCalculator.isPayable(d, on: .contract, asOf: Self.asOf))
        d.received = Money(fen: 300_000_00 - 1)
        #expect(!CommissionCalculator.isPayable(d, on: .receipts(basisPoints: 3_000), asOf: Self.asOf))
        d.received = Money(yuan: 300_000)
        #expect(CommissionCalculator.isPayable(d, on: .receipts(basisPoints: 3_000), asOf: Self.asOf))
        d.clawedBack = true
        #expect(!CommissionCalculator.isPayable(d, on: .subscription, asOf: Self.asOf))
        #expect(CommissionEvent(code: "receipts:3000") == .receipts(basisPoints: 3_000))
        #expect(CommissionEvent(code: "receipts:0") == nil && CommissionEvent(code: "receipts:10001") == nil)
        #expect(CommissionEvent(code: CommissionEvent.contract.code) == .contract)
    }

    @Test("老带新 bonus per payable referred deal; rounding half-up to the fen; invalid rules named")
    func bonusAndFaults() {
        let rule = CommissionRule(rateBasisPoints: 33, referrerBonus: Money(yuan: 2_000), payableOn: .subscription)
        var d = CommissionDeal(reference: "B", finalPrice: Money(fen: 150), subscribedAt: Self.t0, byReferrer: true)
        let s = CommissionCalculator.statement(rule: rule, deals: [d], asOf: Self.asOf)
        // 150 fen × 0.33 % = 0.495 fen → 0; the bonus ¥2,000 stands on its own line.
        #expect(s.lines.map(\.kind) == [.commission, .bonus])
        #expect(s.lines[0].amount.fen == 0 && s.lines[1].amount.fen == 2_000_00)
        d.finalPrice = Money(fen: 1_000_000_00 + 50)
        // 100,000,050 × 33 / 10,000 = 330,000.165 → 330,000 fen.
        #expect(CommissionCalculator.amount(price: d.finalPrice, rateBasisPoints: 33, fixedPerUnit: .zero).fen == 330_000)
        #expect(CommissionCalculator.amount(price: Money(fen: 50), rateBasisPoints: 1_000, fixedPerUnit: .zero).fen == 5)
        #expect(CommissionCalculator.amount(price: Money(fen: 15), rateBasisPoints: 1_000, fixedPerUnit: .zero).fen == 2)
        #expect(CommissionRule(rateBasisPoints: 10_001).faults == ["commission_rate_invalid"])
        #expect(CommissionRule(tiers: [.init(minDeals: 1, rateBasisPoints: 100)]).faults == ["commission_tier_invalid"])
        #expect(CommissionRule(tiers: [.init(minDeals: 3, rateBasisPoints: 100), .init(minDeals: 3, rateBasisPoints: 200)]).faults
            == ["commission_tier_invalid"])
        #expect(CommissionRule(fixedPerUnit: Money(fen: -1)).faults == ["commission_amount_invalid"])
        #expect(Self.tiered.faults.isEmpty)
    }

    @Test func theReferrerBonusNamesTheReferrerOnlyOnDealsBroughtByOne() {
        // setup: two deals, one registered with a named referrer.
        let rule = CommissionRule(fixedPerUnit: Money(yuan: 3_000), referrerBonus: Money(yuan: 2_000), payableOn: .subscription)
        let named = CommissionDeal(reference: "A", finalPrice: Money(yuan: 1_000_000), subscribedAt: Self.t0, byReferrer: true, referrer: "刘阿姨")
        let plain = CommissionDeal(reference: "B", finalPrice: Money(yuan: 1_000_000), subscribedAt: Self.t0)
        // MUT
        let s = CommissionCalculator.statement(rule: rule, deals: [named, plain], asOf: Self.asOf)
        // validate
        let bonus = s.lines.filter { $0.kind == .bonus }
        #expect(bonus.count == 1 && bonus[0].reference == "A" && bonus[0].explanation.contains("刘阿姨"))
        #expect(s.total == Money(yuan: 8_000))
    }
}
