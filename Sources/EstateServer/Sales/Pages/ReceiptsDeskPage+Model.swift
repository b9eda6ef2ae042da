import EstateCore
import Foundation
import Plot
import Vapor

/// Finance's desk: receipts by status, pending first, filtered by received day and a search;
/// each pending one with 核实 and 退回 (with a reason) for those who confirm, several at once by
/// 批量核实, the list as .xlsx, and a printable 收据 for each confirmed receipt.
enum ReceiptsDeskPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var page: Paged<SaleService.Receipt>
        var filter: Filter
        var access: SaleAccess
        var batch: BatchReport?
    }

    /// The desk's filter as the page's query carries it (`status`, `q`, `from`, `to`).
    struct Filter: Equatable {
        var status: SaleService.ReceiptStatus?
        var q = ""
        var from: CalendarDay?
        var to: CalendarDay?

        /// Pending first: the desk opens on what waits for finance.
        static func parse(_ value: (String) -> String?) -> Filter {
            let raw = value("status") ?? "pending"
            let q = String((value("q") ?? "").trimmed.prefix(40)).filter { $0 != "\u{0}" }
            return Filter(status: raw == "all" ? nil : SaleService.ReceiptStatus(rawValue: raw) ?? .pending, q: q,
                          from: value("from").flatMap(CalendarDay.init), to: value("to").flatMap(CalendarDay.init))
        }

        static func parse(_ req: Request) -> Filter {
            parse { try? req.query.get(String.self, at: $0) }
        }

        /// From the `back` field of a desk form (the desk's query string, as the page drew it).
        static func parse(back: String) -> Filter {
            let items = URLComponents(string: "/?" + back)?.queryItems ?? []
            return parse { key in items.first { $0.name == key }?.value }
        }

        var service: SaleService.ReceiptFilter {
            .init(status: status, from: from, to: to, search: q.isEmpty ? nil : q)
        }

        var query: [String: String] {
            ["status": status?.rawValue ?? "all", "q": q, "from": from?.description ?? "", "to": to?.description ?? ""]
        }

        /// `status=pending&q=…`, empty values left out.
        var queryString: String {
            query.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }
                .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
                .joined(separator: "&")
        }

        func with(status: SaleService.ReceiptStatus?) -> Filter {
            var f = self
            f.status = status
            return f
        }
    }

    /// What a 批量核实 did, as the desk shows it after the redirect: the receipts are read again,
    /// so the page says what they are now (and who decided a skipped one), not what a link claims.
    struct BatchReport {
        var confirmed: [SaleService.Receipt]
        var skipped: [(receipt: SaleService.Receipt, code: String)]
        var total: Money { confirmed.reduce(Money.zero) { $0 + $1.amount } }

        static let codes: Set<String> = ["receipt_not_pending", "receipt_own_confirmation", "sale_not_live", "not_found"]

        /// `ok=<id>,<id>&skipped=<id>:<code>,…`
        static func query(_ b: SaleService.BatchConfirmation) -> String {
            "ok=" + b.confirmed.map(\.id.uuidString).joined(separator: ",")
                + "&skipped=" + b.skipped.map { "\($0.id.uuidString):\($0.code)" }.joined(separator: ",")
        }

        static func load(_ req: Request, projectID: UUID) async throws -> BatchReport? {
            guard let ok = try? req.query.get(String.self, at: "ok") else { return nil }
            let skipped = (try? req.query.get(String.self, at: "skipped")) ?? ""
            let okIDs = ok.split(separator: ",").prefix(SaleService.batchLimit).compactMap { UUID(uuidString: String($0)) }
            let skips: [(UUID, String)] = skipped.split(separator: ",").prefix(SaleService.batchLimit).compactMap { part in
                let bits = part.split(separator: ":")
                guard bits.count == 2, let id = UUID(uuidString: String(bits[0])), codes.contains(String(bits[1])) else { return nil }
                return (id, String(bits[1]))
            }
            let found = try await req.services.sales(req.db).receipts(okIDs + skips.map(\.0), in: projectID)
            let byID = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            return BatchReport(confirmed: okIDs.compactMap { byID[$0] }.filter { $0.status == SaleService.ReceiptStatus.confirmed.rawValue },
                               skipped: skips.compactMap { id, code in byID[id].map { ($0, code) } })
        }
    }
}
