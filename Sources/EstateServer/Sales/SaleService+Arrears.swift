import Crypto
import EstateCore
import FluentKit
import Foundation
import SQLKit

extension SaleService {
    // MARK: Arrears

    public struct ArrearsRow: Sendable, Equatable {
        public var consultantID: UUID?
        public var consultantName: String
        public var contracts: Int
        public var outstanding: Money
        public var overdue: Money
        /// Of the overdue, what has been recorded and waits for finance (the overdue work list no longer chases it).
        public var overduePending: Money = .zero
        public var penalty: Money
    }

    /// 欠款: per consultant and for the project, over live sales — outstanding (all not yet
    /// collected), overdue (past due) and the penalty accrued net of waivers.
    public func arrears(_ projectID: UUID) async throws -> (rows: [ArrearsRow], total: ArrearsRow) {
        struct R: Decodable { var subscriptionId: UUID; var consultantId: UUID?; var penaltyRate: Int?; var signedOn: String? }
        let sales = try await store.sql.raw("""
            SELECT s.id AS subscription_id, s.consultant_id,
                   CASE WHEN c.status = 'signed' THEN c.penalty_rate ELSE 0 END AS penalty_rate, c.signed_on
            FROM subscriptions s LEFT JOIN contracts c ON c.subscription_id = s.id
            WHERE s.project_id = \(bind: projectID) AND s.status <> 'cancelled' AND (c.status IS NULL OR c.status <> 'terminated')
              AND (EXISTS (SELECT 1 FROM payment_items i WHERE i.subscription_id = s.id AND i.is_live AND i.confirmed_fen < i.amount_fen)
                   OR c.status = 'signed')
            """).all(decoding: R.self, with: sqlDecoder)
        let names = try await StaffDirectory.displayNames(sales.compactMap(\.consultantId), sql: store.sql)
        var byConsultant: [UUID?: ArrearsRow] = [:]
        var total = ArrearsRow(consultantID: nil, consultantName: "合计", contracts: 0, outstanding: .zero, overdue: .zero, penalty: .zero)
        let plans = try await Self.plans(Dictionary(sales.map { ($0.subscriptionId, $0.penaltyRate ?? 0) }, uniquingKeysWith: { a, _ in a }),
                                         from: Dictionary(sales.compactMap { s in s.signedOn.flatMap(CalendarDay.init).map { (s.subscriptionId, $0) } },
                                                          uniquingKeysWith: { a, _ in a }),
                                         today: today, on: store.sql)
        for s in sales {
            let live = (plans[s.subscriptionId] ?? []).filter(\.isLive)
            let items = live.filter { $0.outstanding.fen > 0 }
            let outstanding = items.reduce(Money.zero) { $0 + $1.outstanding }
            let overdue = items.filter { $0.overdueDays > 0 }.reduce(Money.zero) { $0 + $1.outstanding }
            let overduePending = items.filter { $0.overdueDays > 0 }.reduce(Money.zero) { $0 + max(min($1.pendingIn, $1.outstanding), .zero) }
            // A penalty stays owed after the late money came in.
            let penalty = live.reduce(Money.zero) { $0 + $1.penaltyDue }
            if outstanding.fen == 0, penalty.fen == 0 { continue }
            var row = byConsultant[s.consultantId] ?? ArrearsRow(consultantID: s.consultantId, consultantName: s.consultantId.flatMap { names[$0] } ?? "—", contracts: 0,
                                                                 outstanding: .zero, overdue: .zero, penalty: .zero)
            row.contracts += 1; row.outstanding += outstanding; row.overdue += overdue; row.overduePending += overduePending; row.penalty += penalty
            byConsultant[s.consultantId] = row
            total.contracts += 1; total.outstanding += outstanding; total.overdue += overdue; total.overduePending += overduePending
            total.penalty += penalty
        }
        return (byConsultant.values.sorted { ($0.overdue, $0.outstanding) > ($1.overdue, $1.outstanding) }, total)
    }
}
