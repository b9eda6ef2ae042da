import EstateCore
import Plot
import Vapor

/// 我的跟进: the signed-in consultant's follow-ups, overdue first, then today's.
enum FollowUpsPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var due: CustomerService.FollowUps
        var access: CustomerAccess
    }
}
