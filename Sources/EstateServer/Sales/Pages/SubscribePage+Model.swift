import EstateCore
import Plot
import Vapor

/// The subscription form of one unit: buyers by mobile with shares, discounts, deposit, deadline.
enum SubscribePage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var unit: UnitRow
        var building: String
        var rules: [PricingService.Rule]
        var values: [String: String]
        var chosenRules: Set<String>
        var quote: PricingService.Quote?
        var failure: FormFailure?
    }
}
