import EstateCore
import EstateSheets
import Foundation

/// Work lists as .xlsx, for the page and the API alike: every row of the list (not one page),
/// headers in the reader's language, money with thousands separators.
enum SaleSheets {
    static func workList(_ list: SaleService.WorkList, projectID: UUID, consultantID: UUID? = nil, sales: SaleService,
                         t: Localizer) async throws -> Data {
        let rows = try await PageRequest.everyRow { try await sales.workList(list, projectID: projectID, consultantID: consultantID, page: $0) }
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

    /// The receipts desk as filtered, every row (not one page), newest first: money as numbers
    /// (refunds negative) with the money format, so finance can sum and reconcile in Excel.
    static func receipts(_ filter: SaleService.ReceiptFilter, projectID: UUID, sales: SaleService, t: Localizer) async throws -> Data {
        let rows = try await PageRequest.everyRow { try await sales.receipts(projectID, filter: filter, page: $0) }
        let columns = [SheetColumn(t("sale.receipt.number"), width: 12, format: .text), SheetColumn(t("sale.unit"), width: 12, format: .text),
                       SheetColumn(t("sale.item"), width: 12, format: .text), SheetColumn(t("sale.receipt.kind"), width: 8, format: .text),
                       SheetColumn(t("sale.amount_yuan"), width: 16, format: .money), SheetColumn(t("sale.receipt.method"), width: 10, format: .text),
                       SheetColumn(t("sale.receipt.received_on"), width: 11, format: .text), SheetColumn(t("sale.receipt.payer"), width: 14, format: .text),
                       SheetColumn(t("sale.receipt.reference"), width: 16, format: .text),
                       SheetColumn(t("sale.receipt.recorded_by"), width: 10, format: .text), SheetColumn(t("sale.receipt.recorded_at"), width: 17, format: .text),
                       SheetColumn(t("field.status"), width: 8, format: .text), SheetColumn(t("sale.receipt.decided_by"), width: 10, format: .text),
                       SheetColumn(t("sale.receipt.decided_at"), width: 17, format: .text),
                       SheetColumn(t("sale.receipt.rejection_reason"), width: 24, format: .text)]
        let cells: [[SheetCell]] = rows.map { r in
            [.text(r.number), .text(r.unitCode), .text(t("sale.item.\(r.itemKind)")), .text(t("sale.receipt_kind.\(r.kind)")),
             .decimal(r.amountFen, scale: 2), .text(t("sale.receipt_method.\(r.method)")), .text(r.receivedOn), .text(r.payer), .text(r.reference),
             .text(r.createdByName), .text(Shell.dateTime(r.createdAt)), .text(t("sale.receipt_status.\(r.status)")),
             .text(r.confirmedByName ?? ""), .text(r.confirmedAt.map { Shell.dateTime($0) } ?? ""), .text(r.rejectionReason ?? "")]
        }
        return try XLSXWriter.data([Sheet(name: t("sale.tab.receipts"), columns: columns, rows: cells)])
    }

    /// `收款核实-HXY-待核实-2026-11-27.xlsx` (`receipts-HXY-pending-…` in English).
    static func receiptsFileName(status: SaleService.ReceiptStatus?, projectCode: String, day: CalendarDay, t: Localizer) -> String {
        let zh = t.language == .zh
        let name = zh ? t("sale.tab.receipts") : "receipts"
        let part = status.map { zh ? t($0.catalogKey) : $0.rawValue.replacingOccurrences(of: "_", with: "-") }.map { "-\($0)" } ?? ""
        return "\(name)-\(projectCode)\(part)-\(day).xlsx"
    }

    /// `逾期欠款-HXY-2026-11-27.xlsx` (the list's name in English: `payments-overdue-…`).
    static func fileName(_ list: SaleService.WorkList, projectCode: String, day: CalendarDay, t: Localizer) -> String {
        let name = t.language == .zh ? t(list.catalogKey) : list.rawValue.replacingOccurrences(of: "_", with: "-")
        return "\(name)-\(projectCode)-\(day).xlsx"
    }
}
