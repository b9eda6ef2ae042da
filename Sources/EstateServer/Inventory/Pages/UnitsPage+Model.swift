import EstateCore
import Plot
import Vapor

/// 房源列表: every unit with filters, Excel export, batch release (推盘) of the
/// selected units, and a form for one new unit.
enum UnitsPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var page: Paged<UnitRow>
        var buildings: [BuildingRow]
        var layouts: [String]
        var filter: UnitFilter
        var query: [String: String]
        var draft = UnitDraft()
        var errors: [Problem.FieldError] = []
        var formError: String?
    }
}
