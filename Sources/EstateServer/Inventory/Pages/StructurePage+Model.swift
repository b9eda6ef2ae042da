import EstateCore
import Plot
import Vapor

/// 楼栋与户型: the buildings (floors, entrances, order) and the layouts units name.
enum StructurePage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var buildings: [BuildingRow]
        var unitCounts: [UUID: Int]
        var layouts: [InventoryService.Layout]
        var errors: [Problem.FieldError] = []
        var formError: String?
    }
}
