import EstateCore
import Plot
import Vapor

/// 价格: price-list versions and their approval state, a price adjustment (调价)
/// that proposes a new version, and the named discount rules.
enum PricesPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var lists: [PricingService.PriceList]
        var rules: [PricingService.Rule]
        var buildings: [BuildingRow]
        var errors: [Problem.FieldError] = []
        var formError: String?
    }

    struct ListModel {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var list: PricingService.PriceList
        var items: Paged<PricingService.PriceListItem>
    }
}
