import EstateCore
import Plot
import Vapor

/// 销控表: one building's grid (floors top-down, rooms left to right) or every building's,
/// the project's totals and legend; live through server-sent events (`/assets/board.js`).
enum BoardPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        /// The whole project, unfiltered: tabs, columns and the project's totals.
        var board: Board
        var scope: Board.Scope
        /// The view filter (never a building: that is `scope`). It dims cells and counts the "筛选" line;
        /// it never changes the project's totals or 去化率.
        var filter: UnitFilter
        var layouts: [String]
        /// The query string as given, for links that change one part of it.
        var query: String
        /// May the viewer see prices (表价, amounts)?
        var prices: Bool
        /// The typed unit code (`?find=`) and the unit it found.
        var find: String = ""
        var found: UnitRow?

        var shownBuildings: [Board.Building] { board.buildings(in: scope) }

        var totals: Totals { Totals(board: board, scope: scope, filter: filter, prices: prices) }
    }

    /// What the totals block shows; also served alone so the page can refresh it live.
    struct Totals {
        var board: Board
        var scope: Board.Scope
        var filter: UnitFilter
        var prices: Bool
    }

    /// Reads the page's query: building or all buildings, the view filter, the searched code.
    static func model(_ req: Request, project: InventoryShell.ProjectRef, projects: [InventoryShell.ProjectRef],
                      board: Board, layouts: [String]) throws -> Model {
        var filter = try BoardQuery.filter(req)
        let buildingParam = try? req.query.get(String.self, at: "building")
        filter.buildingID = nil
        var m = Model(project: project, projects: projects, board: board, scope: .resolve(buildingParam, in: board),
                      filter: filter, layouts: layouts, query: req.url.query ?? "",
                      prices: req.principal?.may(.pricesView, on: project.id) == true)
        if let text = try? req.query.get(String.self, at: "find"), !text.trimmed.isEmpty {
            m.find = String(text.trimmed.prefix(32))
            let near: UUID? = if case .building(let id) = m.scope { id } else { nil }
            m.found = board.find(m.find, near: near)
            // A unit in another building: show that building.
            if let u = m.found, case .building(let id) = m.scope, u.buildingID != id { m.scope = .building(u.buildingID) }
        }
        return m
    }
}
