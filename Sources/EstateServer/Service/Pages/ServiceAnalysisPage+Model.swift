import EstateCore
import Foundation
import Plot

/// 客服分析 (DOMAIN §4): complaints, satisfaction, SLA compliance and repeat repairs in a
/// period; complaints by month, category, building and cause as charts (greys, hatching and
/// labels, so they print) and tables; the repeat-repair list; the same figures as .xlsx.
enum ServiceAnalysisPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var query: ReportQuery
        var today: CalendarDay
        var analysis: TicketService.Analysis?
        var failure: FormFailure?
    }
}
