import EstateCore
import Foundation
import Plot

/// Planned against collected per month and item kind, and what was overdue on the ageing day by
/// how long.
enum CollectionsReportPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var query: ReportQuery
        var today: CalendarDay
        var report: ReportService.CollectionsReport?
        var failure: FormFailure?
    }
}
