import EstateCore
import EstateSheets
import Foundation

/// 采购报表 as .xlsx: spend by category, supplier and month; tender savings; overdue deliveries; scorecards.
enum ProcurementSheets {
    static func workbook(_ r: ProcurementReportService.Report, t: Localizer) throws -> Data {
        let money = SheetColumn(t("pr.report.amount"), width: 16, format: .money), count = SheetColumn(t("pr.report.orders"), width: 8, format: .integer)
        let byCategory = Sheet(name: t("pr.report.by_category"), columns: [SheetColumn(t("pr.category"), width: 14, format: .text), money, count],
                               rows: r.byCategory.map { [.text(SupplierCategory(rawValue: $0.key).map { t($0.catalogKey) } ?? $0.key),
                                                         .decimal($0.amountFen, scale: 2), .integer(Int64($0.orders))] })
        let bySupplier = Sheet(name: t("pr.report.by_supplier"), columns: [SheetColumn(t("pr.supplier"), width: 30, format: .text), money, count],
                               rows: r.bySupplier.map { [.text($0.1), .decimal($0.0.amountFen, scale: 2), .integer(Int64($0.0.orders))] })
        let byMonth = Sheet(name: t("pr.report.by_month"), columns: [SheetColumn(t("cm.month"), width: 10, format: .text), money, count],
                            rows: r.byMonth.map { [.text($0.key), .decimal($0.amountFen, scale: 2), .integer(Int64($0.orders))] })
        let savings = Sheet(name: t("pr.report.savings"), columns: [SheetColumn(t("pr.report.tender"), width: 30, format: .text),
                                                                     SheetColumn(t("pr.report.estimate"), width: 16, format: .money),
                                                                     SheetColumn(t("pr.report.awarded"), width: 16, format: .money),
                                                                     SheetColumn(t("pr.report.saved"), width: 16, format: .money)],
                            rows: r.savings.map { [.text($0.title), .decimal($0.estimateFen, scale: 2), .decimal($0.awardedFen, scale: 2),
                                                   .decimal($0.estimateFen - $0.awardedFen, scale: 2)] })
        let overdue = Sheet(name: t("pr.report.overdue"), columns: [SheetColumn(t("pr.order_number"), width: 12, format: .text),
                                                                     SheetColumn(t("pr.report.material"), width: 24, format: .text),
                                                                     SheetColumn(t("pr.report.due_on"), width: 12, format: .text),
                                                                     SheetColumn(t("pr.report.outstanding"), width: 12, format: .general)],
                            rows: r.overdue.map { [.text($0.number), .text($0.material), .text($0.dueOn),
                                                   .decimal($0.quantityMilli - $0.deliveredMilli, scale: 3)] })
        let cards = Sheet(name: t("pr.report.scores"), columns: [SheetColumn(t("pr.supplier"), width: 30, format: .text),
                                                                  SheetColumn(t("pr.score.total"), width: 8, format: .integer),
                                                                  SheetColumn(t("pr.score.quality"), width: 8, format: .integer),
                                                                  SheetColumn(t("pr.score.delivery"), width: 8, format: .integer),
                                                                  SheetColumn(t("pr.score.price"), width: 8, format: .integer),
                                                                  SheetColumn(t("pr.score.service"), width: 8, format: .integer),
                                                                  SheetColumn(t("pr.score.repairs"), width: 8, format: .integer),
                                                                  SheetColumn(t("pr.score.standing"), width: 10, format: .text)],
                          rows: r.cards.map { name, c in
                              [.text(name), .integer(Int64(c.total)), .integer(Int64(c.criteria.quality)), .integer(Int64(c.criteria.delivery)),
                               .integer(Int64(c.criteria.price)), c.criteria.service.map { .integer(Int64($0)) } ?? .empty, .integer(Int64(c.repairTickets)),
                               .text(t("pr.score.standing.\(c.standing.rawValue)"))]
                          })
        return try XLSXWriter.data([byCategory, bySupplier, byMonth, savings, overdue, cards])
    }

    static func fileName(_ r: ProcurementReportService.Report, projectCode: String, t: Localizer) -> String {
        "\(t.language == .zh ? "采购报表" : "procurement-report")-\(projectCode)-\(r.from)-\(r.to).xlsx"
    }
}
