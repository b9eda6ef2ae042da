import Testing
@testable import EstateCore

/// 结算排期: an invoice's instalments net of the order's prepayment; never more scheduled than the order's amount.
@Suite("Procurement settlement: instalments net of the prepayment")
struct ProcurementSettlementTests {
    typealias I = InvoiceInstalments
    static let std = PaymentTerm.standard

    static func yuan(_ text: String) -> Money { Money(yuanText: text)! }
    static func amounts(_ i: I) -> [PaymentTerm.Event: Money] {
        i.parts.reduce(into: [:]) { $0[$1.term.event, default: .zero] += $1.amount }
    }

    @Test func theDemoSteelOrderIsScheduledToItsAmountExactly() {
        // setup: CG000001, 60 t × ¥4,050 = ¥243,000; 30 % prepaid (¥72,900); 59 t invoiced, then the replaced tonne.
        let total = Self.yuan("243000")
        #expect(I.prepayment(orderTotal: total, terms: Self.std) == Self.yuan("72900"))
        // MUT
        let s = I.sequence([Self.yuan("238950"), Self.yuan("4050")], orderTotal: total, terms: Self.std)
        // validate: the first absorbs the whole prepayment, 5 % of each is retained, the rest is 到货款.
        #expect(s[0].credited == Self.yuan("72900") && s[0].covered == Self.yuan("238950") && s[0].uncovered == .zero)
        #expect(Self.amounts(s[0]) == [.invoice: Self.yuan("154102.50"), .warranty: Self.yuan("11947.50")])
        #expect(s[1].credited == .zero && Self.amounts(s[1]) == [.invoice: Self.yuan("3847.50"), .warranty: Self.yuan("202.50")])
        #expect(Self.yuan("72900") + s[0].scheduled + s[1].scheduled == total, "was ¥311,850.00 for the first invoice alone")
        #expect(Self.yuan("72900") + s[0].scheduled <= total)
    }

    @Test func aPrepaymentLargerThanTheFirstInvoicesIsCreditedAcrossThemInOrder() {
        // setup: ¥100,000, ¥30,000 prepaid; invoices of ¥10,000, ¥20,000, ¥70,000.
        let s = I.sequence([Self.yuan("10000"), Self.yuan("20000"), Self.yuan("70000")], orderTotal: Self.yuan("100000"), terms: Self.std)
        // validate: the first two are all prepayment but their 质保金; the third takes the rest of the credit.
        #expect(s.map(\.credited) == [Self.yuan("9500"), Self.yuan("19000"), Self.yuan("1500")])
        #expect(Self.amounts(s[0]) == [.warranty: Self.yuan("500")])
        #expect(Self.amounts(s[1]) == [.warranty: Self.yuan("1000")])
        #expect(Self.amounts(s[2]) == [.invoice: Self.yuan("65000"), .warranty: Self.yuan("3500")])
        #expect(s.reduce(Self.yuan("30000")) { $0 + $1.scheduled } == Self.yuan("100000"))
    }

    @Test func anInvoiceLargerThanWhatRemainsIsScheduledOnlyUpToTheOrder() {
        // setup: ¥100,000; ¥80,000 invoiced, then ¥30,000 (¥10,000 more than remains), then ¥5,000 more.
        let s = I.sequence([Self.yuan("80000"), Self.yuan("30000"), Self.yuan("5000")], orderTotal: Self.yuan("100000"), terms: Self.std)
        // validate
        #expect(s[1].covered == Self.yuan("20000") && s[1].uncovered == Self.yuan("10000"))
        #expect(s[2].covered == .zero && s[2].uncovered == Self.yuan("5000") && s[2].parts.isEmpty && s[2].credited == .zero)
        #expect(s.reduce(Self.yuan("30000")) { $0 + $1.scheduled } == Self.yuan("100000"))
        // One invoice for more than the whole order.
        let one = I.sequence([Self.yuan("120000")], orderTotal: Self.yuan("100000"), terms: Self.std)[0]
        #expect(one.covered == Self.yuan("100000") && one.uncovered == Self.yuan("20000") && one.scheduled == Self.yuan("70000"))
    }

    @Test func percentagesRoundInFenOnTheCumulativeFigure() {
        // setup: ¥1,000.01 in three invoices of 333.33, 333.33, 333.35; 5 % of each would round to 16.67 + 16.67 + 16.67.
        let total = Money(fen: 100_001)
        let s = I.sequence([Money(fen: 33_333), Money(fen: 33_333), Money(fen: 33_335)], orderTotal: total, terms: Self.std)
        // validate: 质保金 is 5 % of the whole (5,000.05 fen → 5,000), not three roundings (5,001); the total to the fen.
        let warranty = s.map { Self.amounts($0)[.warranty] ?? .zero }
        #expect(warranty == [Money(fen: 1_667), Money(fen: 1_666), Money(fen: 1_667)])
        #expect(warranty.reduce(.zero, +) == total.scaled(by: 500, over: 10_000))
        #expect(I.prepayment(orderTotal: total, terms: Self.std) == Money(fen: 30_000))
        #expect(s.reduce(Money(fen: 30_000)) { $0 + $1.scheduled } == total)
        // Approval shares rounding up one by one would schedule 2 fen of a 1-fen order; cumulatively they are 1.
        let halves = [PaymentTerm(event: .approval, permyriad: 5_000, days: 0), PaymentTerm(event: .approval, permyriad: 5_000, days: 10)]
        #expect(I.prepaymentParts(orderTotal: Money(fen: 1), terms: halves) == [Money(fen: 1), .zero])
        #expect(I.prepaymentParts(orderTotal: Money(fen: 3), terms: halves) == [Money(fen: 2), Money(fen: 1)])
    }

    @Test func twoInvoiceTermsShareWhatIsDueByTheirShares() {
        // setup: 10 % prepaid, 40 % + 45 % on the invoice (30 and 60 days), 5 % 质保金.
        let terms = [PaymentTerm(event: .approval, permyriad: 1_000, days: 0), PaymentTerm(event: .invoice, permyriad: 4_000, days: 30),
                     PaymentTerm(event: .invoice, permyriad: 4_500, days: 60), PaymentTerm(event: .warranty, permyriad: 500, days: 365)]
        // MUT
        let i = I.sequence([Self.yuan("10000")], orderTotal: Self.yuan("10000"), terms: terms)[0]
        // validate: 8,500 due split 40:45, the last taking the rounding.
        #expect(i.parts.map(\.amount) == [Self.yuan("4000"), Self.yuan("4500"), Self.yuan("500")])
        #expect(i.parts.map(\.term.days) == [30, 60, 365] && i.credited == Self.yuan("1000"))
        let odd = I.sequence([Money(fen: 1_001)], orderTotal: Money(fen: 1_001), terms: terms)[0]
        #expect(odd.parts.map(\.amount) == [Money(fen: 400), Money(fen: 451), Money(fen: 50)])
    }

    /// Every order, term set and way of invoicing it: never more than the order scheduled at any point, exactly the order
    /// once it is fully invoiced, the whole prepayment credited, no negative instalment.
    @Test(arguments: [
        PaymentTerm.standard,
        [PaymentTerm(event: .invoice, permyriad: 9_500, days: 30), PaymentTerm(event: .warranty, permyriad: 500, days: 365)],
        [PaymentTerm(event: .approval, permyriad: 10_000, days: 0)],
        [PaymentTerm(event: .approval, permyriad: 5_000, days: 0), PaymentTerm(event: .warranty, permyriad: 5_000, days: 365)],
        [PaymentTerm(event: .approval, permyriad: 3_333, days: 0), PaymentTerm(event: .approval, permyriad: 3_333, days: 5),
         PaymentTerm(event: .invoice, permyriad: 3_000, days: 30), PaymentTerm(event: .warranty, permyriad: 334, days: 365)],
        [PaymentTerm(event: .invoice, permyriad: 10_000, days: 0)],
    ])
    func neverMoreThanTheOrderAndExactlyTheOrderWhenFullyInvoiced(_ terms: [PaymentTerm]) {
        #expect(PaymentTerm.fault(terms) == nil)
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int64) -> Int64 { seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407; return Int64((seed >> 33) % UInt64(n)) }
        for total in [Int64(0), 1, 2, 3, 7, 99, 100_001, 24_300_000, 999_999_999, 207_200_000] {
            for _ in 0..<40 {
                // Split the order into 1…6 invoices, sometimes with one overshooting.
                var left = total, amounts: [Money] = []
                for _ in 0..<(1 + next(6)) where left > 0 {
                    let a = 1 + next(left)
                    amounts.append(Money(fen: a)); left -= a
                }
                if left > 0 { amounts.append(Money(fen: left)) }
                if next(3) == 0 { amounts.append(Money(fen: 1 + next(10_000))) }
                let order = Money(fen: total)
                let prepay = I.prepayment(orderTotal: order, terms: terms)
                let s = I.sequence(amounts, orderTotal: order, terms: terms)
                var running = prepay
                #expect(prepay <= order)
                for i in s {
                    running += i.scheduled
                    #expect(running <= order, "\(total) \(amounts)")
                    #expect(i.parts.allSatisfy { $0.amount > .zero } && i.credited >= .zero && i.covered + i.uncovered >= .zero)
                }
                #expect(running == order, "\(total) \(amounts) → \(running)")
                #expect(s.reduce(Money.zero) { $0 + $1.credited } == prepay)
            }
        }
    }
}
