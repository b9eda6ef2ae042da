/// 三单匹配 (three-way match): an invoice line against its order line (quantity ordered, unit price) and the
/// quantity accepted at inspection. Tolerances in parts per ten thousand; a line within them matches and is paid
/// at the invoiced amount, anything else goes to the mismatch queue with every reason named.
public struct MatchTolerance: Sendable, Equatable, Codable {
    /// How far the invoiced quantity may exceed the accepted quantity (卷材、砂石 weigh differently on site).
    public var quantityPermyriad: Int
    /// How far the invoiced unit price may exceed the order's.
    public var pricePermyriad: Int

    public init(quantityPermyriad: Int, pricePermyriad: Int) {
        self.quantityPermyriad = quantityPermyriad
        self.pricePermyriad = pricePermyriad
    }

    /// 0.5 % on quantity, 0 on price: a supplier bills the agreed price.
    public static let standard = MatchTolerance(quantityPermyriad: 50, pricePermyriad: 0)
}

public enum MatchProblem: String, Sendable, Equatable, CaseIterable, Codable {
    /// More invoiced than accepted (beyond the tolerance).
    case quantityOverAccepted = "match_quantity_over_accepted"
    /// More invoiced than ordered, whatever was accepted.
    case quantityOverOrdered = "match_quantity_over_ordered"
    /// Unit price above the order's (beyond the tolerance).
    case priceOverOrder = "match_price_over_order"
    /// The line's amount is not its quantity × unit price.
    case amountArithmetic = "match_amount_arithmetic"
}

public struct MatchLine: Sendable, Equatable {
    public var orderedMilli: Int64
    public var orderPrice: Money
    public var acceptedMilli: Int64
    public var invoicedMilli: Int64
    public var invoicedPrice: Money
    public var invoicedAmount: Money

    public init(orderedMilli: Int64, orderPrice: Money, acceptedMilli: Int64, invoicedMilli: Int64, invoicedPrice: Money, invoicedAmount: Money) {
        self.orderedMilli = orderedMilli; self.orderPrice = orderPrice; self.acceptedMilli = acceptedMilli
        self.invoicedMilli = invoicedMilli; self.invoicedPrice = invoicedPrice; self.invoicedAmount = invoicedAmount
    }
}

public enum ThreeWayMatch {
    /// `a ≤ b × (1 + permyriad / 10,000)`, exactly.
    static func within(_ a: Int64, of b: Int64, permyriad: Int) -> Bool {
        Int128(a) * 10_000 <= Int128(b) * Int128(10_000 + permyriad)
    }

    /// The reasons a line does not match, empty when it does.
    public static func problems(_ l: MatchLine, tolerance: MatchTolerance = .standard) -> [MatchProblem] {
        var out: [MatchProblem] = []
        if l.invoicedMilli > l.orderedMilli { out.append(.quantityOverOrdered) }
        if !within(l.invoicedMilli, of: l.acceptedMilli, permyriad: tolerance.quantityPermyriad) { out.append(.quantityOverAccepted) }
        if !within(l.invoicedPrice.fen, of: l.orderPrice.fen, permyriad: tolerance.pricePermyriad) { out.append(.priceOverOrder) }
        if PurchaseQuantity.amount(milli: l.invoicedMilli, unitPrice: l.invoicedPrice) != l.invoicedAmount { out.append(.amountArithmetic) }
        return out
    }

    /// The whole invoice: matched when every line is.
    public static func matches(_ lines: [MatchLine], tolerance: MatchTolerance = .standard) -> Bool {
        !lines.isEmpty && lines.allSatisfy { problems($0, tolerance: tolerance).isEmpty }
    }
}

/// 付款条件: a contract's payment terms as instalments of its amount (预付款, 到货款, 质保金…), each a share in
/// parts per ten thousand due a number of days after its event. The shares add up to exactly 100 %.
public struct PaymentTerm: Sendable, Equatable, Codable {
    public enum Event: String, Sendable, Codable, CaseIterable {
        /// On approval of the order (预付款).
        case approval
        /// On the invoice's match (到货/验收款).
        case invoice
        /// After the warranty period from the match (质保金).
        case warranty
    }
    public var event: Event
    public var permyriad: Int
    public var days: Int

    public init(event: Event, permyriad: Int, days: Int) {
        self.event = event; self.permyriad = permyriad; self.days = days
    }

    /// 30 % on approval, 65 % 30 days after the matched invoice, 5 % 质保金 a year later.
    public static let standard = [PaymentTerm(event: .approval, permyriad: 3_000, days: 0),
                                  PaymentTerm(event: .invoice, permyriad: 6_500, days: 30),
                                  PaymentTerm(event: .warranty, permyriad: 500, days: 365)]

    public static func fault(_ terms: [PaymentTerm]) -> String? {
        if terms.isEmpty || terms.count > 6 { return "payment_terms_invalid" }
        if terms.contains(where: { $0.permyriad <= 0 || $0.days < 0 || $0.days > 1_095 }) { return "payment_terms_invalid" }
        return terms.reduce(0) { $0 + $1.permyriad } == 10_000 ? nil : "payment_terms_not_whole"
    }

    /// Splits `total` by the terms; the last instalment takes the rounding, so they add up to the fen.
    public static func split(_ total: Money, _ terms: [PaymentTerm]) -> [Money] {
        var out: [Money] = []
        var left = total
        for (i, t) in terms.enumerated() {
            let part = i == terms.count - 1 ? left : total.scaled(by: Int64(t.permyriad), over: 10_000)
            out.append(part)
            left -= part
        }
        return out
    }
}
