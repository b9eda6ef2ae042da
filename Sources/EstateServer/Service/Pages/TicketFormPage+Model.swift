import EstateCore
import Foundation
import Plot

/// 新建工单: what the owner came with, where, who handles it. The 维修部位 shows for repairs
/// only (CSS `:has`, no script: the page's CSP allows none inline); the server decides anyway.
enum TicketFormPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var categories: [TicketService.Category]
        var handlers: [TicketService.Handler]
        var values: [String: String]
        var failure: FormFailure?
        /// The contact mobile is on no record: show the box the agent ticks after checking it.
        var askToConfirmContact = false
    }
}
