import EstateCore
import Plot
import Vapor

/// One contract: summary, document file and review, signing, 网签/备案, mortgage, the payment plan
/// with a receipt form per item, refunds and waivers, handover, appointment, delivery, 退房, title.
enum ContractPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var contract: SaleService.Contract
        var sale: SaleService.Subscription
        var receipts: [SaleService.Receipt]
        var banks: [SaleService.Bank]
        var batches: [SaleService.Batch]
        var access: SaleAccess
        var today: CalendarDay
        var now: Date
        var failure: FormFailure?
    }
}
