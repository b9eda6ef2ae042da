/// 结算排期: what an invoice adds to its order's payment schedule. The order's prepayment (预付款, the `approval`
/// terms) is scheduled on approval; each matched invoice is then scheduled **net of it**, so that whatever is scheduled
/// for an order never exceeds the order's amount:
///
/// - `covered`: the part of the invoice the order still has room for (an invoice larger than what remains of the order
///   is scheduled only up to the order's amount; the rest is `uncovered` and never scheduled);
/// - each retention term (`warranty`, 质保金) keeps its share of the cumulative covered amount, rounded half up on the
///   cumulative figure, so several invoices retain exactly what one invoice of their sum would;
/// - the prepayment not yet credited is credited against the invoices in the order they are scheduled (the first
///   invoices absorb it), never against a retention;
/// - what is left is 到货款, split over the `invoice` terms by their shares (the last takes the rounding).
///
/// So prepayment + every invoice's instalments = the order's amount exactly once the order is fully invoiced.
public struct InvoiceInstalments: Sendable, Equatable {
    /// The order's state before this invoice: what earlier invoices covered and how much prepayment they were credited.
    public struct Before: Sendable, Equatable {
        public var covered: Money
        public var credited: Money
        public init(covered: Money = .zero, credited: Money = .zero) { self.covered = covered; self.credited = credited }
    }

    public struct Part: Sendable, Equatable {
        public var term: PaymentTerm
        public var amount: Money
        public init(term: PaymentTerm, amount: Money) { self.term = term; self.amount = amount }
    }

    /// How much of the invoice counts against the order.
    public var covered: Money
    /// How much of the invoice lies beyond the order's amount (not scheduled).
    public var uncovered: Money
    /// The prepayment credited against this invoice.
    public var credited: Money
    /// The instalments to schedule, in the terms' order; zero parts are left out.
    public var parts: [Part]

    public var scheduled: Money { parts.reduce(.zero) { $0 + $1.amount } }
    /// The order's state after this invoice.
    public func after(_ b: Before) -> Before { Before(covered: b.covered + covered, credited: b.credited + credited) }

    public init(covered: Money, uncovered: Money, credited: Money, parts: [Part]) {
        self.covered = covered; self.uncovered = uncovered; self.credited = credited; self.parts = parts
    }

    /// The prepayment instalments an order's terms schedule on approval, one per approval term: rounded half up on the
    /// cumulative share, so they never add up to more than that share of the order (nor than the order).
    public static func prepaymentParts(orderTotal: Money, terms: [PaymentTerm]) -> [Money] {
        var cum = 0, out: [Money] = []
        for t in terms where t.event == .approval {
            let before = orderTotal.scaled(by: Int64(min(cum, 10_000)), over: 10_000)
            cum += t.permyriad
            out.append(orderTotal.scaled(by: Int64(min(cum, 10_000)), over: 10_000) - before)
        }
        return out
    }

    public static func prepayment(orderTotal: Money, terms: [PaymentTerm]) -> Money {
        prepaymentParts(orderTotal: orderTotal, terms: terms).reduce(.zero, +)
    }

    /// The instalments of one invoice of `amount` against an order of `orderTotal` whose prepayment is `prepayment`.
    public static func of(_ amount: Money, orderTotal: Money, prepayment: Money, terms: [PaymentTerm], before: Before) -> InvoiceInstalments {
        let amount = max(amount, .zero), orderTotal = max(orderTotal, .zero)
        let covered = min(amount, max(.zero, orderTotal - before.covered))
        let cumBefore = before.covered, cumAfter = before.covered + covered
        // 质保金: each retention term's share of the cumulative covered amount, less what earlier invoices retained.
        var retentions: [Part] = terms.filter { $0.event == .warranty }.map { t in
            Part(term: t, amount: max(.zero, cumAfter.scaled(by: Int64(t.permyriad), over: 10_000) - cumBefore.scaled(by: Int64(t.permyriad), over: 10_000)))
        }
        let retained = retentions.reduce(Money.zero) { $0 + $1.amount }
        // The prepayment still to credit: against this invoice first (not against its retention), and at least as much as
        // the rest of the order could no longer absorb — so the whole prepayment is credited by the time the order is.
        let open = max(.zero, min(prepayment, orderTotal) - before.credited)
        let must = max(.zero, open - (orderTotal - cumAfter))
        let credit = min(covered, max(min(open, max(.zero, covered - retained)), must))
        // A retention gives way (from the last term back) only where the credit had to take it.
        var over = retained + credit - covered
        for i in retentions.indices.reversed() where over > .zero {
            let cut = min(over, retentions[i].amount)
            retentions[i].amount -= cut
            over -= cut
        }
        let due = covered - credit - retentions.reduce(Money.zero) { $0 + $1.amount }
        let onInvoice = terms.filter { $0.event == .invoice }
        var invoiceParts: [Part] = []
        if onInvoice.isEmpty {
            // No 到货款 term: what is left (a rounding fen at most) goes to the last retention, or is due on the invoice.
            if due > .zero {
                if let i = retentions.indices.last { retentions[i].amount += due }
                else { invoiceParts.append(Part(term: PaymentTerm(event: .invoice, permyriad: 0, days: 0), amount: due)) }
            }
        } else {
            let shares = Int64(max(1, onInvoice.reduce(0) { $0 + $1.permyriad }))
            var left = due
            for (i, t) in onInvoice.enumerated() {
                let part = i == onInvoice.count - 1 ? left : due.scaled(by: Int64(t.permyriad), over: shares)
                left -= part
                invoiceParts.append(Part(term: t, amount: part))
            }
        }
        return InvoiceInstalments(covered: covered, uncovered: amount - covered, credited: credit,
                                  parts: (invoiceParts + retentions).filter { $0.amount > .zero })
    }

    /// Several invoices against one order, scheduled in turn (what the order's history amounts to).
    public static func sequence(_ amounts: [Money], orderTotal: Money, terms: [PaymentTerm]) -> [InvoiceInstalments] {
        let prepayment = prepayment(orderTotal: orderTotal, terms: terms)
        var before = Before()
        var out: [InvoiceInstalments] = []
        for a in amounts {
            let i = of(a, orderTotal: orderTotal, prepayment: prepayment, terms: terms, before: before)
            before = i.after(before)
            out.append(i)
        }
        return out
    }
}
