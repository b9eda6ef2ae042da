import EstateCore
import Plot
import Vapor

/// The sales register: subscriptions by status, searched by number, unit or buyer name.
enum SalesRegisterPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var page: Paged<SaleService.Subscription>
        var contracts: [UUID: String]
        var access: SaleAccess
        var status: SubscriptionStatus?
        var q: String
        var query: [String: String]
        var today: CalendarDay
        var filter = SaleService.ListFilter()
        /// Who may be chosen in the consultant filter (the project's consultants and sales managers).
        var consultants: [(id: UUID, name: String)] = []
    }
}
