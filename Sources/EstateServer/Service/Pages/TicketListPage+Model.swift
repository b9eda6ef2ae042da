import EstateCore
import Foundation
import Plot

/// 工单列表 and 回访工作台: queues (全部 / 我的 / 待回访 / 已超时), filters, and the table with
/// each ticket's running deadline; breached tickets first (the service orders them).
enum TicketListPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var page: Paged<TicketService.Ticket>
        var filter: TicketService.Filter
        /// The filters as query items, for the pager and the queue links.
        var query: [String: String]
        var counts: [TicketService.Queue: Int]
        /// The 回访工作台 route (the callback queue with its own tab).
        var workbench: Bool
        var mayCreate: Bool
        var now: Date
        /// Those who manage the desk may reassign tickets in bulk: the people they may choose.
        var handlers: [TicketService.Handler] = []
    }
}
