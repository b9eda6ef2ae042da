import EstateCore
import Testing

private func day(_ s: String) -> CalendarDay { CalendarDay(s)! }

@Suite("The sale's rules: checklist, shares, plan, penalties, stages")
struct SaleRulesTests {
    @Test func checklistDependsOnMethodAndBuyer() {
        #expect(DocumentChecklist.required(method: .full, buyer: .localIndividual) == [.idDocument, .householdRegister, .maritalStatus])
        #expect(DocumentChecklist.required(method: .full, buyer: .nonlocalIndividual).contains(.purchaseQualification))
        #expect(DocumentChecklist.required(method: .commercialLoan, buyer: .localIndividual)
            == [.idDocument, .householdRegister, .maritalStatus, .incomeProof, .bankStatement])
        #expect(DocumentChecklist.required(method: .combinedLoan, buyer: .company)
            == [.businessLicense, .legalRepresentativeID, .authorizationLetter, .incomeProof, .bankStatement, .providentFundRecord])
        #expect(!DocumentChecklist.required(method: .commercialLoan, buyer: .localIndividual).contains(.providentFundRecord))
        #expect(DocumentChecklist.missing(method: .providentLoan, buyer: .localIndividual, received: [.idDocument, .incomeProof])
            == [.householdRegister, .maritalStatus, .bankStatement, .providentFundRecord])
        #expect(DocumentChecklist.missing(method: .full, buyer: .localIndividual,
                                          received: [.idDocument, .householdRegister, .maritalStatus]).isEmpty)
    }

    @Test func sharesAddUpToExactlyOneHundredPercent() {
        #expect(BuyerShares.parse("50") == 5_000)
        #expect(BuyerShares.parse("33.33") == 3_333)
        #expect(BuyerShares.parse("0") == nil)
        #expect(BuyerShares.parse("100.01") == nil)
        #expect(BuyerShares.parse("33.333") == nil)
        #expect(BuyerShares.check([(id: 1, share: 10_000)]) == nil)
        #expect(BuyerShares.check([(id: 1, share: 3_333), (id: 2, share: 3_333), (id: 3, share: 3_334)]) == nil)
        #expect(BuyerShares.check([(id: 1, share: 3_333), (id: 2, share: 3_333), (id: 3, share: 3_333)]) == .notWhole)
        #expect(BuyerShares.check([(id: 1, share: 5_000), (id: 1, share: 5_000)]) == .duplicate)
        #expect(BuyerShares.check([Int]().map { (id: $0, share: 0) }) == BuyerShares.Problem.none)
        #expect(BuyerShares.check((1...6).map { (id: $0, share: 1) }) == .tooMany)
        #expect(BuyerShares.text(3_333) == "33.33")
    }

    @Test func planAddsUpToTheTotal() throws {
        let deposit = PaymentPlan.Line(kind: .deposit, amount: Money(yuan: 50_000), due: day("2026-11-01"))
        let lines = try PaymentPlan.make(method: .commercialLoan, total: Money(fen: 312_345_678), deposit: deposit,
                                         firstPaymentDue: day("2026-11-30"), loan: Money(yuan: 2_000_000), providentLoan: .zero,
                                         loanDue: day("2027-01-31"), instalments: [],
                                         maintenanceFund: .init(kind: .maintenanceFund, amount: Money(yuan: 9_000), due: day("2026-11-30")))
        #expect(lines.map(\.kind) == [.deposit, .downPayment, .mortgage, .maintenanceFund])
        #expect(lines[1].amount == Money(fen: 312_345_678 - 5_000_000 - 200_000_000))
        // Price items add up to the total exactly; the maintenance fund is on top.
        #expect(lines.filter(\.kind.isPrice).reduce(Money.zero) { $0 + $1.amount } == Money(fen: 312_345_678))
    }

    @Test func planRefusesWhatTheMethodDoesNotAllow() {
        let deposit = PaymentPlan.Line(kind: .deposit, amount: Money(yuan: 50_000), due: day("2026-11-01"))
        func make(_ m: PaymentMethod, loan: Int64 = 0, provident: Int64 = 0, instalments: [PaymentPlan.Line] = [], due: CalendarDay? = day("2027-01-01"))
            -> PaymentPlan.Problem? {
            do {
                _ = try PaymentPlan.make(method: m, total: Money(yuan: 1_000_000), deposit: deposit, firstPaymentDue: day("2026-12-01"),
                                         loan: Money(yuan: loan), providentLoan: Money(yuan: provident), loanDue: due,
                                         instalments: instalments, maintenanceFund: nil)
                return nil
            } catch { return error }
        }
        #expect(make(.full) == nil)
        #expect(make(.full, loan: 1) == .loanNotAllowed)
        #expect(make(.commercialLoan) == .loanRequired)
        #expect(make(.commercialLoan, loan: 600_000, provident: 1) == .loanNotAllowed)
        #expect(make(.providentLoan, provident: 600_000) == nil)
        #expect(make(.combinedLoan, loan: 300_000) == .loanRequired)
        #expect(make(.combinedLoan, loan: 300_000, provident: 300_000) == nil)
        #expect(make(.commercialLoan, loan: 600_000, due: nil) == .loanDueRequired)
        #expect(make(.commercialLoan, loan: 950_000) == .exceedsTotal)   // nothing left for the first payment
        #expect(make(.instalment) == .instalmentsRequired)
        #expect(make(.instalment, instalments: [.init(kind: .instalment, amount: Money(yuan: 400_000), due: day("2027-06-01"))]) == nil)
        #expect(make(.full, instalments: [.init(kind: .instalment, amount: Money(yuan: 1), due: day("2027-06-01"))]) == .instalmentsNotAllowed)
        #expect(make(.instalment, instalments: [.init(kind: .instalment, amount: Money(fen: 0), due: day("2027-06-01"))]) == .amountInvalid)
    }

    @Test func penaltyAccruesOnWhatIsUnpaidEachDay() {
        let amount = Money(yuan: 100_000)
        let due = day("2026-10-01")
        // 万分之五 a day (50 per 100,000): ¥50 a day on ¥100,000.
        #expect(LatePenalty.accrued(amount: amount, due: due, payments: [], asOf: day("2026-10-01"), ratePer100k: 50) == .zero)
        #expect(LatePenalty.accrued(amount: amount, due: due, payments: [], asOf: day("2026-10-11"), ratePer100k: 50) == Money(yuan: 500))
        // Paid on the due day: never late.
        #expect(LatePenalty.accrued(amount: amount, due: due, payments: [.init(day: due, amount: amount)], asOf: day("2026-12-01"),
                                    ratePer100k: 50) == .zero)
        // Half paid 4 days late, the rest 10 days late: 4 days on 100,000 + 6 days on 50,000 = 200 + 150.
        let payments = [LatePenalty.Payment(day: day("2026-10-05"), amount: Money(yuan: 50_000)),
                        LatePenalty.Payment(day: day("2026-10-11"), amount: Money(yuan: 50_000))]
        #expect(LatePenalty.accrued(amount: amount, due: due, payments: payments, asOf: day("2026-12-31"), ratePer100k: 50) == Money(yuan: 350))
        // As of a day between the payments, the later one has not happened yet.
        #expect(LatePenalty.accrued(amount: amount, due: due, payments: payments, asOf: day("2026-10-07"), ratePer100k: 50) == Money(yuan: 250))
        // Order of the list does not matter.
        #expect(LatePenalty.accrued(amount: amount, due: due, payments: payments.reversed(), asOf: day("2026-12-31"), ratePer100k: 50)
            == Money(yuan: 350))
        // Rate zero: nothing.
        #expect(LatePenalty.accrued(amount: amount, due: due, payments: [], asOf: day("2026-12-31"), ratePer100k: 0) == .zero)
        // Rounded half-up per stretch: ¥333.33 × 3 days × 0.0005 = 0.499995 → 0.50.
        #expect(LatePenalty.accrued(amount: Money(fen: 33_333), due: due, payments: [], asOf: day("2026-10-04"), ratePer100k: 50) == Money(fen: 50))
    }

    @Test func stagesMoveOneStepAtATime() {
        #expect(MortgageStage.collecting.next == .submitted)
        #expect(MortgageStage.approved.next == .disbursed)
        #expect(MortgageStage.disbursed.next == nil)
        #expect(TitleStage.none.next == .documentsGathered)
        #expect(TitleStage.issued.next == .handedOver)
        #expect(TitleStage.handedOver.next == nil)
        #expect(LoanType.expected(for: .combinedLoan) == .combined)
        #expect(LoanType.expected(for: .instalment) == nil)
        // Approvers: refunds above ¥50,000 and waivers above ¥10,000 go to the GM.
        #expect(ApprovalPolicy.refundApprover(Money(yuan: 50_000)) == .csManager)
        #expect(ApprovalPolicy.refundApprover(Money(fen: 5_000_001)) == .gm)
        #expect(ApprovalPolicy.waiverApprover(Money(yuan: 10_000)) == .salesManager)
        #expect(ApprovalPolicy.waiverApprover(Money(fen: 1_000_001)) == .gm)
    }
}
