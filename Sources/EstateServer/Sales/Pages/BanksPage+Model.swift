import EstateCore
import Foundation
import Plot
import Vapor

/// 按揭银行: the lending banks offered for new mortgages. Sales managers (and the GM) add one,
/// rename it, or take it off the list; mortgages already with a retired bank keep it.
enum BanksPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var banks: [SaleService.Bank]
        var manages: Bool
        var failure: FormFailure?
    }
}
