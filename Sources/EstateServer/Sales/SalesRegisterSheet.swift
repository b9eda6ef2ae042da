import EstateCore
import EstateSheets
import Foundation

/// The sales register as .xlsx: the rows the page would list under the same filters and order,
/// buyers named as the reader's page names them, money as numbers.
enum SalesRegisterSheet {
    static func data(_ rows: [SaleService.Subscription], access: SaleAccess, t: Localizer) throws -> Data {
        let columns = [SheetColumn(t("sale.number"), width: 14, format: .text), SheetColumn(t("sale.unit"), width: 12, format: .text),
                       SheetColumn(t("sale.buyers"), width: 18, format: .text), SheetColumn(t("sale.final_total"), width: 16, format: .money),
                       SheetColumn(t("sale.deposit"), width: 14, format: .money), SheetColumn(t("sale.contract_deadline"), width: 12, format: .text),
                       SheetColumn(t("field.status"), width: 10, format: .text), SheetColumn(t("sale.contract_number"), width: 14, format: .text),
                       SheetColumn(t("sale.consultant"), width: 12, format: .text), SheetColumn(t("sale.subscribed_at"), width: 18, format: .text)]
        let cells: [[SheetCell]] = rows.map { s in
            [.text(s.number), .text(s.unitCode), .text(access.names(s.buyers, consultant: s.consultantId)),
             .decimal(s.finalTotal.fen, scale: 2), .decimal(s.deposit.fen, scale: 2), .text(s.contractDeadline),
             .text(t(s.state.catalogKey)), .text(s.contractNumber ?? ""), .text(s.consultantName ?? ""), .text(Shell.dateTime(s.createdAt))]
        }
        return try XLSXWriter.data([Sheet(name: t("sale.tab.sales"), columns: columns, rows: cells)])
    }

    /// `销售台账-HXY-2026-12-06.xlsx` (`sales-register-…` in English).
    static func fileName(projectCode: String, day: CalendarDay, t: Localizer) -> String {
        "\(t.language == .zh ? "销售台账" : "sales-register")-\(projectCode)-\(day).xlsx"
    }
}
