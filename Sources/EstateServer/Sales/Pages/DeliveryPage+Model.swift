import EstateCore
import Plot
import Vapor

/// Delivery batches with their appointment slots (booked / capacity), and a form for a new batch.
enum DeliveryPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var batches: [SaleService.Batch]
        var access: SaleAccess
        var today: CalendarDay
        var failure: FormFailure?
    }
}
