import EstateCore
import Foundation
import Plot

/// Every consultant of the project ranked by contract amount (then subscriptions, then
/// collections), with a bar per consultant.
enum ConsultantsReportPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var query: ReportQuery
        var today: CalendarDay
        var period: ReportPeriod?
        var rows: [ReportService.ConsultantRow]
        var failure: FormFailure?
    }
}
