import EstateCore
import Plot
import Vapor

/// 销控表: one building's grid (floors top-down, rooms left to right), the totals
/// and legend; live through server-sent events (`/assets/board.js`).
enum BoardPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        /// The whole project, unfiltered (tabs, columns).
        var board: Board
        var building: Board.Building?
        var filter: UnitFilter
        var layouts: [String]
        var query: String
    }
}
