import EstateCore
import Plot
import Vapor

/// Finance's desk: receipts by status, pending first, each with 核实 for those who confirm.
enum ReceiptsDeskPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var page: Paged<SaleService.Receipt>
        var status: SaleService.ReceiptStatus?
        var access: SaleAccess
        var query: [String: String]
    }
}
