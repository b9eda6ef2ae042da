import EstateCore
import Plot
import Vapor

/// The five work lists, each the longest-waiting first, with an Excel export; the overdue
/// payments list also shows the arrears per consultant.
enum WorkListsPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var list: SaleService.WorkList
        var page: Paged<SaleService.WorkRow>
        var arrears: (rows: [SaleService.ArrearsRow], total: SaleService.ArrearsRow)?
        var today: CalendarDay
    }
}
