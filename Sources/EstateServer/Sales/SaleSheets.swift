import EstateCore
import EstateSheets
import Foundation

/// Work lists as .xlsx, for the page and the API alike: every row of the list (not one page),
/// headers in the reader's language, money with thousands separators.
enum SaleSheets {
    static func workList(_ list: SaleService.WorkList, projectID: UUID, consultantID: UUID? = nil, sales: SaleService,
                         t: Localizer) async throws -> Data {
        var rows: [SaleService.WorkRow] = []
        var n = 1
        while true {
            let chunk = try await sales.workList(list, projectID: projectID, consultantID: consultantID, page: try PageRequest(page: n, perPage: 200))
            rows += chunk.items
            if chunk.items.count < 200 || n >= 500 { break }
            n += 1
        }
        let money = list == .paymentsOverdue
        var columns = [SheetColumn(t("sale.worklist.number"), width: 14, format: .text), SheetColumn(t("sale.unit"), width: 12, format: .text),
                       SheetColumn(t("sale.buyers"), width: 16, format: .text), SheetColumn(t("sale.consultant"), width: 12, format: .text),
                       SheetColumn(t("sale.worklist.stage"), width: 14, format: .text),
                       SheetColumn(t("sale.worklist.due.\(list.rawValue)"), width: 12, format: .text),
                       SheetColumn(t("sale.worklist.days.\(list.rawValue)"), width: 10, format: .integer),
                       SheetColumn(t("sale.worklist.amount.\(list.rawValue)"), width: 16, format: .money)]
        if money { columns.append(SheetColumn(t("sale.penalty"), width: 14, format: .money)) }
        let cells: [[SheetCell]] = rows.map { r in
            var line: [SheetCell] = [.text(r.number), .text(r.unitCode), .text(r.buyers), .text(r.consultantName ?? ""),
                                     .text(WorkListsPage.stage(t, list, r.stage)), .text(r.dueOn ?? ""), .integer(Int64(max(r.days, 0))),
                                     r.amountFen.map { .decimal($0, scale: 2) } ?? .empty]
            if money { line.append(r.penaltyFen.map { .decimal($0, scale: 2) } ?? .empty) }
            return line
        }
        return try XLSXWriter.data([Sheet(name: t(list.catalogKey), columns: columns, rows: cells)])
    }

    /// `逾期欠款-HXY-2026-11-27.xlsx` (the list's name in English: `payments-overdue-…`).
    static func fileName(_ list: SaleService.WorkList, projectCode: String, day: CalendarDay, t: Localizer) -> String {
        let name = t.language == .zh ? t(list.catalogKey) : list.rawValue.replacingOccurrences(of: "_", with: "-")
        return "\(name)-\(projectCode)-\(day).xlsx"
    }
}
