import EstateCore
import EstateSheets
import Foundation
import NIOCore
import Vapor

/// The 楼盘表 pages' handlers. Each reads the project from the path; the route
/// guard has checked the action on it.
enum InventoryController {
    static func register(_ app: Application) {
        app.on(.GET, "inventory", guard: .allowed(.inventoryView), use: InventoryHome.show)
        let p = app.grouped("projects", ":projectID")
        p.on(.GET, "board", guard: .allowed(.inventoryView), use: board)
        p.on(.GET, "board", "totals", guard: .allowed(.inventoryView), use: boardTotals)
        p.on(.GET, "board.xlsx", guard: .allowed(.inventoryView), use: boardExport)
        p.on(.GET, "board", "events", guard: .allowed(.inventoryView), use: BoardController.events)
        p.on(.GET, "units", guard: .allowed(.inventoryView), use: units)
        p.on(.POST, "units", guard: .allowed(.inventoryEdit), use: createUnit)
        p.on(.GET, "units.xlsx", guard: .allowed(.inventoryView), use: export)
        p.on(.GET, "template.xlsx", guard: .allowed(.inventoryView), use: template)
        p.on(.POST, "releases", guard: .allowed(.salesControl), use: release)
        p.on(.GET, "units", ":unitID", guard: .allowed(.inventoryView), use: unit)
        p.on(.GET, "units", ":unitID", "panel", guard: .allowed(.inventoryView), use: panel)
        p.on(.POST, "units", ":unitID", guard: .allowed(.inventoryEdit), use: updateUnit)
        p.on(.POST, "units", ":unitID", "moves", guard: .allowed(.salesControl), use: move)
        p.on(.POST, "units", ":unitID", "price-change", guard: .allowed(.pricesPropose), use: priceChange)
        p.on(.POST, "units", ":unitID", "discount-request", guard: .allowed(.salesCreate), use: discountRequest)
        p.on(.GET, "structure", guard: .allowed(.inventoryView), use: structure)
        p.on(.POST, "buildings", guard: .allowed(.inventoryEdit), use: createBuilding)
        p.on(.POST, "buildings", ":buildingID", guard: .allowed(.inventoryEdit), use: updateBuilding)
        p.on(.POST, "layouts", guard: .allowed(.inventoryEdit), use: createLayout)
        p.on(.GET, "import", guard: .allowed(.inventoryEdit), use: importPage)
        p.on(.POST, "import", guard: .allowed(.inventoryEdit), body: .collect(maxSize: ByteCount(value: app.services.config.maxUploadMegabytes * 1024 * 1024)),
             use: importUpload)
        p.on(.GET, "prices", guard: .allowed(.pricesView), use: prices)
        p.on(.GET, "prices", ":listID", guard: .allowed(.pricesView), use: priceList)
        p.on(.POST, "prices", "adjust", guard: .allowed(.pricesPropose), use: adjust)
        p.on(.POST, "discounts", guard: .allowed(.pricesPropose), use: createRule)
        p.on(.POST, "discounts", ":ruleID", "toggle", guard: .allowed(.pricesPropose), use: toggleRule)
    }

    // MARK: Helpers

    static func refs(_ req: Request, _ projectID: UUID) async throws -> (InventoryShell.ProjectRef, [InventoryShell.ProjectRef]) {
        try await ProjectSwitcher.refs(req, projectID, any: [.inventoryView])
    }
}
