import EstateCore
import Foundation
import SQLKit

/// 采购报表 for a project and period: spend (approved orders, by the day approved) by category, supplier and month;
/// savings from tenders (the estimate less the awarded contract); open orders; overdue deliveries; and the scorecards
/// of the suppliers it bought from. Aggregated in SQL.
public struct ProcurementReportService: Sendable {
    let store: Store
    let now: @Sendable () -> Date

    public struct Row: Sendable, Decodable { public var key: String; public var amountFen: Int64; public var orders: Int }
    public struct Saving: Sendable, Decodable { public var title: String; public var estimateFen: Int64; public var awardedFen: Int64 }
    public struct Overdue: Sendable, Decodable {
        public var number: String; public var material: String; public var dueOn: String; public var quantityMilli: Int64; public var deliveredMilli: Int64
    }
    public struct Report: Sendable {
        public var from: CalendarDay, to: CalendarDay
        public var byCategory: [Row], bySupplier: [(Row, String)], byMonth: [Row]
        public var savings: [Saving]
        public var openOrders: Int, openAmount: Money
        public var overdue: [Overdue]
        public var cards: [(String, ScorecardService.Card)]
        public var total: Money { Money(fen: byCategory.reduce(0) { $0 + $1.amountFen }) }
        public var saved: Money { Money(fen: savings.reduce(0) { $0 + ($1.estimateFen - $1.awardedFen) }) }
    }

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    public func report(projectID: UUID, from: CalendarDay, to: CalendarDay) async throws -> Report {
        let sql = store.sql
        let start = from.start, end = to.adding(days: 1).start
        func spend(_ key: String) async throws -> [Row] {
            try await sql.raw("""
                SELECT \(unsafeRaw: key) AS key, CAST(SUM(total_fen) AS BIGINT) AS amount_fen, COUNT(*) AS orders FROM purchase_orders
                WHERE project_id = \(bind: projectID) AND status = 'approved' AND decided_at >= \(bind: start) AND decided_at < \(bind: end)
                GROUP BY \(unsafeRaw: key) ORDER BY amount_fen DESC
                """).all(decoding: Row.self, with: decoder)
        }
        let byCategory = try await spend("category")
        struct S: Decodable { var supplierId: UUID; var amountFen: Int64; var orders: Int }
        let bySupplierRaw = try await sql.raw("""
            SELECT supplier_id, CAST(SUM(total_fen) AS BIGINT) AS amount_fen, COUNT(*) AS orders FROM purchase_orders
            WHERE project_id = \(bind: projectID) AND status = 'approved' AND decided_at >= \(bind: start) AND decided_at < \(bind: end)
            GROUP BY supplier_id ORDER BY amount_fen DESC
            """).all(decoding: S.self, with: decoder)
        let names = try await SupplierService(store: store, now: now).names(bySupplierRaw.map(\.supplierId))
        var bySupplier: [(Row, String)] = []
        for r in bySupplierRaw {
            let name = names[r.supplierId] ?? ""
            bySupplier.append((Row(key: r.supplierId.uuidString, amountFen: r.amountFen, orders: r.orders), name))
        }
        // The month of the approval in China time, from its day: approvals are grouped by the day they were decided.
        struct M: Decodable { var decidedAt: Date; var totalFen: Int64 }
        let approved = try await sql.raw("""
            SELECT decided_at, total_fen FROM purchase_orders WHERE project_id = \(bind: projectID) AND status = 'approved'
            AND decided_at >= \(bind: start) AND decided_at < \(bind: end)
            """).all(decoding: M.self, with: decoder)
        var months: [String: (Int64, Int)] = [:]
        for a in approved {
            let m = String(CalendarDay(a.decidedAt).description.prefix(7))
            months[m, default: (0, 0)].0 += a.totalFen
            months[m, default: (0, 0)].1 += 1
        }
        let byMonth = months.keys.sorted().map { Row(key: $0, amountFen: months[$0]!.0, orders: months[$0]!.1) }
        let savings = try await sql.raw("""
            SELECT t.title, t.estimate_fen, o.total_fen AS awarded_fen FROM tenders t JOIN purchase_orders o ON o.id = t.order_id
            WHERE t.project_id = \(bind: projectID) AND t.status = 'awarded' AND o.status = 'approved' ORDER BY t.opens_at
            """).all(decoding: Saving.self, with: decoder)
        struct O: Decodable { var n: Int; var amountFen: Int64? }
        let open = try await sql.raw("""
            SELECT COUNT(*) AS n, CAST(SUM(total_fen) AS BIGINT) AS amount_fen FROM purchase_orders WHERE project_id = \(bind: projectID)
            AND status IN ('submitted', 'approved') AND id NOT IN (SELECT order_id FROM purchase_invoices WHERE status = 'paid')
            """).first(decoding: O.self, with: decoder)
        let today = CalendarDay(now()).description
        let overdue = try await sql.raw("""
            SELECT o.number, l.material, l.due_on, l.quantity_milli,
            CAST(COALESCE((SELECT SUM(dl.delivered_milli - dl.returned_milli) FROM purchase_delivery_lines dl WHERE dl.order_line_id = l.id), 0) AS BIGINT)
            AS delivered_milli FROM purchase_order_lines l JOIN purchase_orders o ON o.id = l.order_id
            WHERE o.project_id = \(bind: projectID) AND o.status = 'approved' AND l.due_on < \(bind: today) ORDER BY l.due_on, o.number
            """).all(decoding: Overdue.self, with: decoder).filter { $0.deliveredMilli < $0.quantityMilli }
        let scores = ScorecardService(store: store, now: now)
        var cards: [(String, ScorecardService.Card)] = []
        for (r, name) in bySupplier {
            guard let id = UUID(uuidString: r.key) else { continue }
            cards.append((name, try await scores.card(id, from: from, to: to)))
        }
        return Report(from: from, to: to, byCategory: byCategory, bySupplier: bySupplier, byMonth: byMonth, savings: savings,
                      openOrders: open?.n ?? 0, openAmount: Money(fen: open?.amountFen ?? 0), overdue: overdue, cards: cards)
    }
}
