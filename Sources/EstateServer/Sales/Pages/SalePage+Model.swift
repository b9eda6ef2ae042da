import EstateCore
import Plot
import Vapor

/// One sale: its header, buyers, price and deposit, the contract, receipts and the timeline, and
/// the changes its state allows (退订, 换房, 更名, 起草合同).
enum SalePage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var sale: SaleService.Subscription
        var contract: SaleService.Contract?
        var receipts: [SaleService.Receipt]
        var rules: [PricingService.Rule]
        var access: SaleAccess
        var today: CalendarDay
        var failure: FormFailure?
        /// The buyers' mobiles for the 更名 form, when the user may see them.
        var buyerMobiles: [String: String]
        /// The plan before a contract exists (the deposit), for recording its receipt.
        var plan: [SaleService.PlanItem] = []
    }
}
