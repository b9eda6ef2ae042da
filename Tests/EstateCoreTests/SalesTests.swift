import EstateCore
import Testing

@Suite("Amounts in Chinese capitals (大写)")
struct ChineseAmountTests {
    @Test(arguments: [
        (123_456_789, "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
        (100_050_000, "壹佰万零伍佰元整"),
        (1_005, "壹拾元零伍分"),
        (50, "伍角"),
        (0, "零元整"),
        (10_000_000_000, "壹亿元整"),
        (10_001_000_000, "壹亿零壹万元整"),
        (168_032, "壹仟陆佰捌拾元零叁角贰分"),     // 支付结算办法's own example
        (10_700_053, "壹拾万柒仟元零伍角叁分"),     // 元 place 0 before 角 (issue 21)
        (100_500_000, "壹佰万零伍仟元整"),          // zeros in the 十万 and 万 places before 仟 (issue 21)
        (10_500_000, "壹拾万伍仟元整"),             // a lone zero in the 万 place, as 107000.53's
        (32_500_040, "叁拾贰万伍仟元零肆角"),
        (1_050, "壹拾元零伍角"),
        (101_000, "壹仟零壹拾元整"),
        (1_000_010, "壹万元零壹角"),
        (1_010_000, "壹万零壹佰元整"),
        (10_000_000_010, "壹亿元零壹角"),
        (10_500_000_000, "壹亿零伍佰万元整"),
        (12_000_500_000, "壹亿贰仟万零伍仟元整"),
        (12_345_600_000, "壹亿贰仟叁佰肆拾伍万陆仟元整"),
        (1_002_000_000, "壹仟零贰万元整"),
        (5, "伍分"),
        (100, "壹元整"),
        (1_615, "壹拾陆元壹角伍分"),
        (100_100, "壹仟零壹元整"),
        (200_000_000_000, "贰拾亿元整"),
        (3_000_500_000, "叁仟万零伍仟元整"),
        (3_000_050_000, "叁仟万零伍佰元整"),
        (100_000_000_100, "壹拾亿零壹元整"),
        (1_000_000_000_000, "壹佰亿元整"),
        (-1_230, "负壹拾贰元叁角"),
    ] as [(Int64, String)])
    func capitals(fen: Int64, expected: String) {
        #expect(ChineseAmount.capitals(Money(fen: fen)) == expected)
    }
}

@Suite("Area difference, deposit and late penalty")
struct SettlementTests {
    static let price = Money(yuan: 20_000)  // per m²
    static let contract = Area(hundredths: 10_000)  // 100.00 m²

    static func settle(_ registered: Int, basis: PricingBasis = .builtArea) -> AreaDifference {
        AreaDifference.settle(contract: contract, registered: Area(hundredths: registered), unitPrice: price, basis: basis)
    }

    @Test func withinThreePercentSettlesAtTheContractPriceBothWays() {
        #expect(Self.settle(10_000).buyerPays == Money(fen: 0))
        #expect(Self.settle(10_000).band == .within)
        #expect(Self.settle(9_900).buyerPays == Money(yuan: -20_000))  // −1 %
        #expect(Self.settle(9_700).band == .within)  // −3 % exactly
        #expect(Self.settle(9_700).buyerPays == Money(yuan: -60_000))
        #expect(Self.settle(10_299).buyerPays == Money(yuan: 59_800))  // +2.99 %
        #expect(Self.settle(10_299).band == .within)
        #expect(Self.settle(10_300).band == .within)  // +3 % exactly
        #expect(Self.settle(10_300).buyerPays == Money(yuan: 60_000))
        #expect(!Self.settle(10_300).buyerMayReturn)
    }

    @Test func aboveThreePercentTheBuyerPaysUpToThreeAndMayReturn() {
        let s = Self.settle(10_400)  // +4 %
        #expect(s.band == .above && s.buyerMayReturn)
        #expect(s.buyerPays == Money(yuan: 60_000))
        #expect(s.developerBears == Money(yuan: 20_000))
        #expect(s.ratioPPM == 40_000)
        // Just above the line: 3.01 %.
        #expect(Self.settle(10_301).band == .above)
    }

    @Test func belowThreePercentTheRestIsRefundedTwiceOrTheBuyerMayReturn() {
        let s = Self.settle(9_500)  // −5 %: 3 m² once (60,000) and 2 m² twice (80,000)
        // 第20条: the absolute error beyond 3 % gives the right to return, in either direction (issue 21).
        #expect(s.band == .below && s.buyerMayReturn)
        #expect(!Self.settle(9_700).buyerMayReturn && Self.settle(9_699).buyerMayReturn)
        #expect(s.buyerPays == Money(yuan: -140_000))
        #expect(s.ratioPPM == -50_000)
        #expect(Self.settle(9_699).band == .below)  // −3.01 %
    }

    @Test func oddAreasAndPricesStayExactOnEitherBasis() {
        // 89.32 m² at 17,913.12 /m² on the inner area; registered 92.10 (+3.11 %).
        let up = AreaDifference.settle(contract: Area(hundredths: 8_932), registered: Area(hundredths: 9_210),
                                       unitPrice: Money(fen: 1_791_312), basis: .innerArea)
        #expect(up.band == .above && up.ratioPPM == 31_124)
        #expect(up.buyerPays == Money(fen: 4_800_000))
        #expect(up.developerBears == Money(fen: 179_847))
        let down = AreaDifference.settle(contract: Area(hundredths: 8_932), registered: Area(hundredths: 8_500),
                                         unitPrice: Money(fen: 1_791_312), basis: .builtArea)
        #expect(down.buyerPays == Money(fen: -10_676_936))
        // Priced per unit (按套): no area settlement.
        #expect(Self.settle(9_000, basis: .perUnit).band == .notApplicable)
        #expect(Self.settle(9_000, basis: .perUnit).buyerPays == Money(fen: 0))
    }

    @Test func aDepositIsAtMostTwentyPercent() {
        let price = Money(fen: 100_000_001)
        #expect(DepositRule.maximum(for: price) == Money(yuan: 200_000))
        #expect(DepositRule.isAllowed(Money(yuan: 200_000), price: price))
        #expect(!DepositRule.isAllowed(Money(fen: 20_000_001), price: price))
        #expect(!DepositRule.isAllowed(Money(fen: 0), price: price))
    }

    @Test func latePenaltyIsTheDailyRateOnTheOverdueAmount() {
        #expect(LatePenalty.amount(overdue: Money(yuan: 100_000), days: 10, ratePer100k: 50) == Money(yuan: 500))
        #expect(LatePenalty.amount(overdue: Money(fen: 3_333_333), days: 7, ratePer100k: 50) == Money(fen: 11_667))
        #expect(LatePenalty.amount(overdue: Money(yuan: 100), days: 0, ratePer100k: 50) == Money(fen: 0))
    }
}
