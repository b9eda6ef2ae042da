import Testing
@testable import EstateCore

@Suite("Money, area and decimal text")
struct MoneyAreaTests {
    @Test func parsesYuanExactly() {
        #expect(Money(yuanText: "1234.56")?.fen == 123_456)
        #expect(Money(yuanText: "1,234,567.8")?.fen == 123_456_780)
        #expect(Money(yuanText: "¥12")?.fen == 1_200)
        #expect(Money(yuanText: "-0.01")?.fen == -1)
        #expect(Money(yuanText: " 5 ")?.fen == 500)
        #expect(Money(yuanText: "1.234") == nil)
        #expect(Money(yuanText: "12a") == nil)
        #expect(Money(yuanText: "") == nil)
        #expect(Money(yuanText: "1.2.3") == nil)
        #expect(Money(yuanText: "99999999999999999999") == nil)
    }

    @Test func spreadsheetFloatArtefactsRoundToTheirTwoDecimalValue() {
        #expect(DecimalText.fixed("89.120000000000005", scale: 2) == 8912)
        #expect(DecimalText.fixed("89.11999999999999", scale: 2) == 8912)
        #expect(DecimalText.fixed("-89.11999999999999", scale: 2) == -8912)
        #expect(DecimalText.fixed("1E3", scale: 2) == 100_000)
        #expect(DecimalText.fixed("1.5E-1", scale: 2) == 15)
        #expect(DecimalText.fixed("89.125", scale: 2) == nil)
        #expect(DecimalText.fixed("1E-3", scale: 2) == nil)
        #expect(DecimalText.fixed(".5", scale: 2) == 50)
        #expect(DecimalText.fixed("-", scale: 2) == nil)
    }

    @Test func formatsWithGrouping() {
        #expect(Money(fen: 123_456_789).description == "1,234,567.89")
        #expect(Money(fen: -5).description == "-0.05")
        #expect(Money(fen: 100_000).plain == "1000.00")
        #expect(Money(fen: 99_900).description == "999.00")
        #expect(Area(hundredths: 8912).description == "89.12")
        #expect(Area(hundredths: 7).description == "0.07")
    }

    @Test func areaAcceptsUnits() {
        #expect(Area(text: "89.12㎡")?.hundredths == 8912)
        #expect(Area(text: "120 平方米")?.hundredths == 12_000)
        #expect(Area(text: "八十") == nil)
        #expect(Area(text: "89.123") == nil)
    }

    @Test func roundingIsHalfUpAwayFromZero() {
        #expect(Rounding.halfUp(250, divisor: 100) == 3)
        #expect(Rounding.halfUp(249, divisor: 100) == 2)
        #expect(Rounding.halfUp(-250, divisor: 100) == -3)
        #expect(Money(fen: 123_450).rounded(.yuan).fen == 123_500)
        #expect(Money(fen: 123_449).rounded(.yuan).fen == 123_400)
        #expect(Money(fen: 123_449).rounded(.fen).fen == 123_449)
    }

    @Test func totalIsAreaTimesUnitPriceRoundedPerProject() {
        // 89.12 m² × 15,888.88 元/m² = 1,416,017.0… : 89.12 × 1588888 fen = 141,601,698.56 fen
        let area = Area(hundredths: 8912), price = Money(fen: 1_588_888)
        #expect(UnitPricing.total(area: area, unitPrice: price, rounding: .fen).fen == 141_601_699)
        #expect(UnitPricing.total(area: area, unitPrice: price, rounding: .yuan).fen == 141_601_700)
        #expect(UnitPricing.unitPrice(total: Money(fen: 141_601_699), area: area).fen == 1_588_888)
        #expect(UnitPricing.pricedArea(basis: .innerArea, built: area, inner: Area(hundredths: 7000)) == Area(hundredths: 7000))
        #expect(UnitPricing.pricedArea(basis: .perUnit, built: area, inner: area) == nil)
    }
}

@Suite("Unit status machine")
struct UnitStatusTests {
    /// DOMAIN §2, restated independently of the implementation.
    static let allowed: Set<String> = [
        "unreleased>available", "available>withheld", "withheld>available",
        "available>reserved", "reserved>available", "reserved>subscribed",
        "available>subscribed", "subscribed>signed", "subscribed>available",
        "signed>available", "signed>delivered",
    ]

    @Test(arguments: UnitStatus.allCases)
    func everyPairIsAllowedExactlyWhenTheDomainSaysSo(from: UnitStatus) {
        for to in UnitStatus.allCases {
            let move = from.move(to: to)
            #expect((move != nil) == Self.allowed.contains("\(from.rawValue)>\(to.rawValue)"),
                    "\(from) → \(to)")
            if let move { #expect(from.allows(move) && move.to == to) }
        }
    }

    @Test func everyMoveIsUsedAndNamesItsStart() {
        let covered = Set(UnitMove.allCases.flatMap { m in m.from.map { "\($0.rawValue)>\(m.to.rawValue)" } })
        #expect(covered == Self.allowed)
        #expect(!UnitStatus.delivered.allows(.terminate))
        #expect(!UnitStatus.withheld.allows(.subscribe))
        #expect(UnitStatus.reserved.allows(.subscribe))
    }

    @Test func soldAndReleased() {
        #expect(UnitStatus.allCases.filter(\.isSold) == [.subscribed, .signed, .delivered])
        #expect(UnitStatus.allCases.filter { !$0.isReleased } == [.unreleased])
        #expect(UnitMove.allCases.filter(\.needsReason) == [.withhold, .unwithhold, .unreserve, .cancelSubscription, .terminate])
    }
}

@Suite("Discounts and approvals")
struct DiscountTests {
    @Test func ratesParseFromHowStaffWriteThem() {
        #expect(DiscountRule.permyriad(text: "98折") == 9800)
        #expect(DiscountRule.permyriad(text: "9.8折") == 9800)
        #expect(DiscountRule.permyriad(text: "95折") == 9500)
        #expect(DiscountRule.permyriad(text: "8折") == 8000)
        #expect(DiscountRule.permyriad(text: "0.985") == 9850)
        #expect(DiscountRule.permyriad(text: "99.5%") == 9950)
        #expect(DiscountRule.permyriad(text: "0") == nil)
        #expect(DiscountRule.permyriad(text: "1.2") == nil)
        #expect(DiscountRule.permyriad(text: "abc") == nil)
    }

    @Test func ratesComposeMultiplicativelyAndRoundOnce() {
        let rules = [DiscountRule(name: "一次性付款", effect: .rate(permyriad: 9800)),
                     DiscountRule(name: "老带新", effect: .rate(permyriad: 9900))]
        // 1,000,001 元 × 0.98 × 0.99 = 970,200.9702 元 → 97,020,097.02 fen → .fen: 97,020,097
        let q = PriceQuote.make(listTotal: Money(fen: 100_000_100), rules: rules, rounding: .fen)
        #expect(q.finalTotal.fen == 97_020_097)
        #expect(q.steps.map(\.priceAfter.fen) == [98_000_098, 97_020_097])
        #expect(q.effectivePermyriad == 9702)
        let y = PriceQuote.make(listTotal: Money(fen: 100_000_100), rules: rules, rounding: .yuan)
        #expect(y.finalTotal.fen == 97_020_100)
    }

    @Test func reductionsFollowRatesAndNeverGoNegative() {
        let rules = [DiscountRule(name: "直减", effect: .reduction(Money(yuan: 10_000))),
                     DiscountRule(name: "98折", effect: .rate(permyriad: 9800))]
        let q = PriceQuote.make(listTotal: Money(yuan: 1_000_000), rules: rules, rounding: .fen)
        #expect(q.finalTotal == Money(yuan: 970_000))
        let z = PriceQuote.make(listTotal: Money(yuan: 10), rules: [rules[0]], rounding: .fen)
        #expect(z.finalTotal == .zero)
        let none = PriceQuote.make(listTotal: Money(yuan: 10), rules: [], rounding: .fen)
        #expect(none.finalTotal == Money(yuan: 10) && none.effectivePermyriad == 10_000)
    }

    @Test func manyStackedRatesDoNotOverflow() {
        let rules = Array(repeating: DiscountRule(name: "x", effect: .rate(permyriad: 9999)), count: 12)
        let q = PriceQuote.make(listTotal: Money(yuan: 5_000_000), rules: rules, rounding: .fen)
        #expect(q.finalTotal.fen > 0 && q.finalTotal < Money(yuan: 5_000_000))
    }

    @Test func discountsRouteToTheRoleWithAuthority() {
        #expect(ApprovalPolicy.discountApprover(requesterRoles: [.consultant], specialPermyriad: 10_000, belowFloor: false) == nil)
        #expect(ApprovalPolicy.discountApprover(requesterRoles: [.consultant], specialPermyriad: 9_950, belowFloor: false) == .salesManager)
        #expect(ApprovalPolicy.discountApprover(requesterRoles: [.consultant], specialPermyriad: 9_899, belowFloor: false) == .gm)
        #expect(ApprovalPolicy.discountApprover(requesterRoles: [.salesManager], specialPermyriad: 9_900, belowFloor: false) == nil)
        #expect(ApprovalPolicy.discountApprover(requesterRoles: [.salesManager], specialPermyriad: 9_800, belowFloor: false) == .gm)
        #expect(ApprovalPolicy.discountApprover(requesterRoles: [.salesManager], specialPermyriad: 10_000, belowFloor: true) == .gm)
        #expect(ApprovalPolicy.discountApprover(requesterRoles: [.gm], specialPermyriad: 5_000, belowFloor: true) == nil)
    }

    @Test func unitPriceChangesRouteBySize() {
        #expect(ApprovalPolicy.unitPriceApprover(old: Money(yuan: 10_000), new: Money(yuan: 10_300), belowFloor: false) == .salesManager)
        #expect(ApprovalPolicy.unitPriceApprover(old: Money(yuan: 10_000), new: Money(yuan: 10_301), belowFloor: false) == .gm)
        #expect(ApprovalPolicy.unitPriceApprover(old: Money(yuan: 10_000), new: Money(yuan: 9_700), belowFloor: false) == .salesManager)
        #expect(ApprovalPolicy.unitPriceApprover(old: Money(yuan: 10_000), new: Money(yuan: 9_900), belowFloor: true) == .gm)
        #expect(ApprovalPolicy.mayDecide(roles: [.gm], required: .salesManager, isRequester: false))
        #expect(!ApprovalPolicy.mayDecide(roles: [.gm], required: .gm, isRequester: true))
        #expect(!ApprovalPolicy.mayDecide(roles: [.salesManager], required: .gm, isRequester: false))
    }
}

@Suite("Masking")
struct MaskingTests {
    @Test func mobilesShowThreeAndFour() {
        #expect(Masking.mobile("13812341234") == "138****1234")
        #expect(Masking.mobile("12345") == "*****")
        #expect(Masking.mobile("85212345678") != "85212345678")
    }
}

@Suite("Rounding once")
struct RoundingOnceTests {
    @Test func yuanTotalsRoundFromTheExactProduct() {
        // 100.01 m² × 20,049.50 = 2,005,150.495 元: to the yuan 2,005,150 (not 2,005,151 via the fen).
        let total = UnitPricing.total(area: Area(hundredths: 10_001), unitPrice: Money(fen: 2_004_950), rounding: .yuan)
        #expect(total == Money(yuan: 2_005_150))
        #expect(UnitPricing.total(area: Area(hundredths: 10_001), unitPrice: Money(fen: 2_004_950), rounding: .fen) == Money(fen: 200_515_050))
    }

    @Test func quotesRoundOnceToo() {
        // 2,005,150.50 × 99.99 % = 2,004,949.98495 元 → 200,494,998 fen (the .495 fen rounds down);
        // 1,000,000.49 rounds down by the yuan.
        let q = PriceQuote.make(listTotal: Money(fen: 200_515_050), rules: [.init(name: "x", effect: .rate(permyriad: 9_999))], rounding: .fen)
        #expect(q.finalTotal.fen == 200_494_998)
        let y = PriceQuote.make(listTotal: Money(fen: 100_000_049), rules: [], rounding: .yuan)
        #expect(y.finalTotal == Money(yuan: 1_000_000))
        let z = PriceQuote.make(listTotal: Money(fen: 100_000_050), rules: [.init(name: "减", effect: .reduction(Money(fen: 1)))], rounding: .yuan)
        #expect(z.finalTotal == Money(yuan: 1_000_000), "1,000,000.49 rounds down by the yuan")
    }

    @Test func theThreePercentLineIsExact() {
        #expect(ApprovalPolicy.unitPriceApprover(old: Money(fen: 1_000_000), new: Money(fen: 1_030_000), belowFloor: false) == .salesManager)
        #expect(ApprovalPolicy.unitPriceApprover(old: Money(fen: 1_000_000), new: Money(fen: 1_030_049), belowFloor: false) == .gm)
    }

    @Test func stackedReductionsSaturateInsteadOfTrapping() {
        let huge = DiscountRule(name: "x", effect: .reduction(Money(fen: .max / 2 + 1)))
        #expect(PriceQuote.make(listTotal: Money(yuan: 100), rules: [huge, huge, huge], rounding: .fen).finalTotal == .zero)
    }
}

@Suite struct UnitCodeTests {
    @Test func theCodesStaffTypeNameTheSameUnit() {
        for (typed, canonical) in [("1-1-0101", "1-1-101"), ("1-1-101", "1-1-101"), ("１－１－１０１", "1-1-101"), (" 1-1-101 ", "1-1-101"),
                                   ("3-2-1201", "3-2-1201"), ("b1-01", "B1-1"), ("1-1-0", "1-1-0"), ("S-1-0008", "S-1-8"), ("1—1—101", "1-1-101")] {
            #expect(UnitCode.canonical(typed) == canonical, "\(typed)")
        }
        #expect(UnitCode.same("1-1-0101", "1-1-101"))
        #expect(!UnitCode.same("1-1-1010", "1-1-101"))
        #expect(!UnitCode.same("1-10-101", "1-1-0101"))
    }
}
