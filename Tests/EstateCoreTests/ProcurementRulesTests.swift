import Testing
@testable import EstateCore

@Suite("Procurement rules: authority, three-way match, scores, market prices")
struct ProcurementRulesTests {
    @Test(arguments: [
        (Int64(2_999_999), Role.procurementManager), // 29,999.99
        (3_000_000, .gm),                            // 30,000.00
        (1, .procurementManager),
        (0, .procurementManager),
        (3_000_001, .gm),
        (100_000_000_00, .gm),
    ])
    func theMatrixRoutesByAmount(_ fen: Int64, _ role: Role) {
        #expect(AuthorityMatrix.current.approver(for: Money(fen: fen)) == role)
    }

    @Test func matrixVersionsAreNamedAndTheLastIsInForce() {
        #expect(AuthorityMatrix.current.version == "2026-01")
        #expect(AuthorityMatrix.version("2026-01") == AuthorityMatrix.current)
        #expect(AuthorityMatrix.version("1999-01") == nil)
        #expect(Set(AuthorityMatrix.versions.map(\.version)).count == AuthorityMatrix.versions.count)
        // A later matrix routes by its own limit; the old one is unchanged.
        let later = AuthorityMatrix(version: "2027-01", managerBelow: Money(yuan: 50_000))
        #expect(later.approver(for: Money(yuan: 40_000)) == .procurementManager)
        #expect(AuthorityMatrix.current.approver(for: Money(yuan: 40_000)) == .gm)
    }

    static func line(ordered: Int64 = 100_000, price: Int64 = 5_000, accepted: Int64 = 100_000, invoiced: Int64 = 100_000,
                     invoicedPrice: Int64 = 5_000, amount: Int64? = nil) -> MatchLine {
        MatchLine(orderedMilli: ordered, orderPrice: Money(fen: price), acceptedMilli: accepted, invoicedMilli: invoiced,
                  invoicedPrice: Money(fen: invoicedPrice),
                  invoicedAmount: amount.map(Money.init(fen:)) ?? PurchaseQuantity.amount(milli: invoiced, unitPrice: Money(fen: invoicedPrice)))
    }

    @Test func aLineWithinTolerancesMatches() {
        #expect(ThreeWayMatch.problems(Self.line()).isEmpty)
        // 0.5 % over the accepted 99.5: 99.9975 may be invoiced, 100 of 100 ordered.
        #expect(ThreeWayMatch.problems(Self.line(accepted: 99_500, invoiced: 99_997)).isEmpty)
        // Exactly at the edge: 99.5 × 1.005 = 99.9975.
        #expect(ThreeWayMatch.problems(Self.line(ordered: 200_000, accepted: 199_000, invoiced: 199_995)).isEmpty)
        #expect(ThreeWayMatch.problems(Self.line(ordered: 200_000, accepted: 199_000, invoiced: 199_996)) == [.quantityOverAccepted])
        // Cheaper than ordered is fine.
        #expect(ThreeWayMatch.problems(Self.line(invoicedPrice: 4_900)).isEmpty)
        #expect(ThreeWayMatch.matches([Self.line(), Self.line(invoicedPrice: 4_999)]))
        #expect(!ThreeWayMatch.matches([]))
    }

    @Test func eachMismatchIsNamed() {
        #expect(ThreeWayMatch.problems(Self.line(accepted: 90_000)) == [.quantityOverAccepted])
        #expect(ThreeWayMatch.problems(Self.line(ordered: 90_000, accepted: 100_000)) == [.quantityOverOrdered])
        #expect(ThreeWayMatch.problems(Self.line(invoicedPrice: 5_001)) == [.priceOverOrder])
        #expect(ThreeWayMatch.problems(Self.line(amount: 500_001)) == [.amountArithmetic])
        let price = MatchTolerance(quantityPermyriad: 0, pricePermyriad: 100) // 1 % on price
        #expect(ThreeWayMatch.problems(Self.line(invoicedPrice: 5_050), tolerance: price).isEmpty)
        #expect(ThreeWayMatch.problems(Self.line(invoicedPrice: 5_051), tolerance: price) == [.priceOverOrder])
        #expect(ThreeWayMatch.problems(Self.line(accepted: 99_999), tolerance: price) == [.quantityOverAccepted])
        #expect(!ThreeWayMatch.matches([Self.line(), Self.line(invoicedPrice: 5_001)]))
    }

    @Test func quantitiesAndAmountsAreExact() {
        #expect(PurchaseQuantity.parse("12.5") == 12_500)
        #expect(PurchaseQuantity.parse("0.001") == 1)
        #expect(PurchaseQuantity.parse("0.0001") == nil)
        #expect(PurchaseQuantity.parse("-1") == nil)
        #expect(PurchaseQuantity.parse("10000001") == nil)
        #expect(PurchaseQuantity.format(12_500) == "12.5")
        #expect(PurchaseQuantity.format(3_000) == "3")
        // 1.333 t at ¥4,321.07 = 5,759.98631 → 5,759.99
        #expect(PurchaseQuantity.amount(milli: 1_333, unitPrice: Money(fen: 432_107)) == Money(fen: 575_999))
    }

    @Test func paymentTermsAddUpToTheFen() {
        #expect(PaymentTerm.fault(PaymentTerm.standard) == nil)
        #expect(PaymentTerm.fault([PaymentTerm(event: .approval, permyriad: 5_000, days: 0)]) == "payment_terms_not_whole")
        #expect(PaymentTerm.fault([]) == "payment_terms_invalid")
        #expect(PaymentTerm.fault([PaymentTerm(event: .invoice, permyriad: 10_000, days: -1)]) == "payment_terms_invalid")
        let parts = PaymentTerm.split(Money(fen: 100_001), PaymentTerm.standard)
        #expect(parts == [Money(fen: 30_000), Money(fen: 65_001), Money(fen: 5_000)])
        #expect(parts.reduce(Money.zero, +) == Money(fen: 100_001))
    }

    @Test func weightsSetTheScore() {
        let c = ScoreCriteria(quality: 80, delivery: 60, price: 100, service: 50)
        // 0.4×80 + 0.3×60 + 0.2×100 + 0.1×50 = 32 + 18 + 20 + 5 = 75
        #expect(Scorecard.total(c, weights: .standard) == 75)
        // All on quality: 80.
        #expect(Scorecard.total(c, weights: ScoreWeights(quality: 100, delivery: 0, price: 0, service: 0)) == 80)
        // Half up: 0.33×80 + 0.33×60 + 0.34×50 = 26.4 + 19.8 + 17 = 63.2 → 63; 0.25 each of 81,60,100,50 = 72.75 → 73
        #expect(Scorecard.total(c, weights: ScoreWeights(quality: 33, delivery: 33, price: 0, service: 34)) == 63)
        #expect(Scorecard.total(ScoreCriteria(quality: 81, delivery: 60, price: 100, service: 50),
                                weights: ScoreWeights(quality: 25, delivery: 25, price: 25, service: 25)) == 73)
        #expect(ScoreWeights.standard.fault == nil)
        #expect(ScoreWeights(quality: 50, delivery: 30, price: 20, service: 10).fault == "score_weights_not_whole")
        #expect(ScoreWeights(quality: 110, delivery: -10, price: 0, service: 0).fault == "score_weights_invalid")
        #expect(Scorecard.standing(70) == .good)
        #expect(Scorecard.standing(69) == .warn)
        #expect(Scorecard.standing(50) == .warn)
        #expect(Scorecard.standing(49) == .block)
    }

    /// 服务评价: 100 × mean stars ÷ 5, half up; no rating → service's weight shared over the other three by largest
    /// remainder, so the total is neither a free 100 nor a 0 on service.
    @Test func serviceIsTheMeanRatingAndAnUnratedPeriodSharesItsWeight() {
        #expect(Scorecard.service(stars: []) == nil)
        #expect(Scorecard.service(stars: [5]) == 100)
        #expect(Scorecard.service(stars: [1]) == 20)
        // mean 11/3 = 3.667 → 73.33 → 73; mean 4.5 → 90; 4,4,5 → 86.67 → 87
        #expect(Scorecard.service(stars: [3, 4, 4]) == 73)
        #expect(Scorecard.service(stars: [4, 5]) == 90)
        #expect(Scorecard.service(stars: [4, 4, 5]) == 87)
        // 40/30/20 share 10: 4.44 / 3.33 / 2.22 → 4, 3, 2 and the 1 left to the largest remainder (quality).
        #expect(ScoreWeights.standard.withoutService == ScoreWeights(quality: 45, delivery: 33, price: 22, service: 0))
        // Equal remainders go to quality, then delivery: 30/30/30 share 10 → 3.33 each → 4, 3, 3.
        #expect(ScoreWeights(quality: 30, delivery: 30, price: 30, service: 10).withoutService
                == ScoreWeights(quality: 34, delivery: 33, price: 33, service: 0))
        // All on service: shared equally.
        #expect(ScoreWeights(quality: 0, delivery: 0, price: 0, service: 100).withoutService
                == ScoreWeights(quality: 34, delivery: 33, price: 33, service: 0))
        // A zero weight stays zero; nothing to share stays as it is.
        #expect(ScoreWeights(quality: 50, delivery: 0, price: 25, service: 25).withoutService
                == ScoreWeights(quality: 67, delivery: 0, price: 33, service: 0))
        #expect(ScoreWeights(quality: 50, delivery: 30, price: 20, service: 0).withoutService
                == ScoreWeights(quality: 50, delivery: 30, price: 20, service: 0))
        for w in [ScoreWeights.standard, ScoreWeights(quality: 1, delivery: 1, price: 1, service: 97), ScoreWeights(quality: 0, delivery: 99, price: 0, service: 1)] {
            #expect(w.withoutService.fault == nil, "\(w) → \(w.withoutService)")
        }
        // Unrated: 0.45×80 + 0.33×60 + 0.22×100 = 36 + 19.8 + 22 = 77.8 → 78 (not 75 with a 50, not 80 with a 100).
        let unrated = ScoreCriteria(quality: 80, delivery: 60, price: 100, service: nil)
        #expect(Scorecard.total(unrated, weights: .standard) == 78)
        #expect(Scorecard.applied(.standard, to: unrated) == ScoreWeights(quality: 45, delivery: 33, price: 22, service: 0))
        #expect(Scorecard.applied(.standard, to: ScoreCriteria(quality: 80, delivery: 60, price: 100, service: 40)) == .standard)
        // A rating: 1–5 stars, 1–2 need a reason.
        #expect(Scorecard.serviceRatingFault(stars: 0, comment: "x") == "service_stars_invalid")
        #expect(Scorecard.serviceRatingFault(stars: 6, comment: "") == "service_stars_invalid")
        #expect(Scorecard.serviceRatingFault(stars: 2, comment: " \u{3000}") == "service_comment_required")
        #expect(Scorecard.serviceRatingFault(stars: 2, comment: "售后三天未响应") == nil)
        #expect(Scorecard.serviceRatingFault(stars: 3, comment: "") == nil)
    }

    @Test func repairsAndRejectionsLowerQuality() {
        #expect(Scorecard.quality(deliveredMilli: 100_000, rejectedMilli: 0, repairTickets: 0, unitsInstalled: 10) == 100)
        // 5 % rejected: −10.
        #expect(Scorecard.quality(deliveredMilli: 100_000, rejectedMilli: 5_000, repairTickets: 0, unitsInstalled: 10) == 90)
        // 3 repairs on 10 units: −30.
        #expect(Scorecard.quality(deliveredMilli: 100_000, rejectedMilli: 0, repairTickets: 3, unitsInstalled: 10) == 70)
        #expect(Scorecard.quality(deliveredMilli: 100_000, rejectedMilli: 50_000, repairTickets: 30, unitsInstalled: 10) == 0)
        #expect(Scorecard.delivery(lines: 4, onTimeInFull: 3) == 75)
        #expect(Scorecard.delivery(lines: 0, onTimeInFull: 0) == 100)
        #expect(Scorecard.price(paid: Money(fen: 11_000), market: Money(fen: 10_000)) == 90)
        #expect(Scorecard.price(paid: Money(fen: 9_000), market: Money(fen: 10_000)) == 100)
    }

    @Test func aPriceMoreThanTenPercentAboveTheMedianIsFlagged() {
        let prices = [100, 120, 110, 90, 105].map { Money(fen: Int64($0)) }
        #expect(MarketPrice.median(prices) == Money(fen: 105))
        #expect(MarketPrice.median([Money(fen: 100), Money(fen: 101)]) == Money(fen: 101)) // 100.5 half up
        #expect(MarketPrice.median([]) == nil)
        let median = Money(fen: 10_000)
        #expect(!MarketPrice.isFlagged(Money(fen: 11_000), median: median)) // exactly 10 % above
        #expect(MarketPrice.isFlagged(Money(fen: 11_001), median: median))
        #expect(!MarketPrice.isFlagged(Money(fen: 99_999), median: nil))
    }

    @Test func publicTenderThresholdsFollowTheRegulation() {
        #expect(!PublicTenderRule.needsPublicTender(Money(fen: 199_999_999), category: .materials))
        #expect(PublicTenderRule.needsPublicTender(Money(yuan: 2_000_000), category: .equipment))
        #expect(!PublicTenderRule.needsPublicTender(Money(yuan: 3_999_999), category: .construction))
        #expect(PublicTenderRule.needsPublicTender(Money(yuan: 1_000_000), category: .services))
    }

    @Test func qualificationsRemindThirtyDaysAheadAndLapseTheDayAfter() {
        let expires = CalendarDay("2026-12-31")!
        #expect(QualificationStanding.of(expiresOn: expires, on: CalendarDay("2026-11-30")!) == .valid)
        #expect(QualificationStanding.of(expiresOn: expires, on: CalendarDay("2026-12-01")!) == .expiring)
        #expect(QualificationStanding.of(expiresOn: expires, on: expires) == .expiring)
        #expect(QualificationStanding.of(expiresOn: expires, on: CalendarDay("2027-01-01")!) == .expired)
    }
}

@Suite("统一社会信用代码 completed with its check character")
struct CreditCodeCompletionTests {
    @Test func theCompletedCodeIsTheKnownOneAndValid() {
        #expect(CreditCode.completing("91350100M000100Y4") == "91350100M000100Y43")
        #expect(CreditCode.completing("9144030071526726X") == "9144030071526726XG")
        #expect(CreditCode.completing("91350100M000100I4") == nil)
        #expect(CreditCode.completing("9135") == nil)
        for n in 0..<50 {
            let code = CreditCode.completing("9151010" + String(format: "%010d", n * 7_919))!
            #expect(CreditCode.isValid(code), "\(code)")
        }
    }
}
