import EstateCore
import Plot
import Vapor

/// One unit (房间): its description, status and hold, the 销控 actions the user
/// may take, a price quote, a price-change request and the history.
enum UnitPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var unit: UnitRow
        var building: String
        var buildings: [BuildingRow]
        var layouts: [String]
        var claim: SalesControlService.Claim?
        var history: [InventoryService.HistoryLine]
        var rules: [PricingService.Rule]
        var quote: PricingService.Quote?
        var chosenRules: Set<UUID> = []
        var special: String = ""
        var errors: [Problem.FieldError] = []
        var formError: String?
        var revealMobile: Bool
    }
}
