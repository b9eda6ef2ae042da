import EstateCore
import Foundation
import Plot

/// 销售日报 / 周报 / 月报: this period against the one before and since launch, the series as a
/// chart and a table, then buildings, layouts (with what is left to sell) and consultants.
enum SalesReportPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var query: ReportQuery
        var today: CalendarDay
        var report: ReportService.SalesReport?
        var failure: FormFailure?
    }
}
