import EstateCore
import EstateSheets
import Foundation

/// The 销控 board as .xlsx, as the page shows it: one sheet with a title, the totals (the project's,
/// whatever the filter, then each building shown, then the filtered count), and each building laid
/// out like the board — floors top-down as rows, entrance and room as columns, one cell per unit
/// with its code, status, area and (for viewers who may see prices) list total in 万元. Units the
/// filter leaves out are empty cells, as the page dims them.
enum BoardSheets {
    struct Input {
        var project: InventoryShell.ProjectRef
        var board: Board
        var scope: Board.Scope
        var filter: UnitFilter
        var prices: Bool
        var exportedAt: Date
    }

    static func board(_ input: Input, t: Localizer) throws -> Data {
        let b = input.board
        let shown = b.buildings(in: input.scope)
        let scopeName = BoardPage.scopeName(t, b, input.scope)
        var rows: [[SheetCell]] = []
        func text(_ s: String) -> SheetCell { s.isEmpty ? .empty : .text(s) }

        rows.append([text(t("inv.board.as_of", ["time": Shell.dateTime(input.exportedAt)]))])
        if let f = BoardPage.filterSummary(t, input.filter) { rows.append([text(t("inv.board.filter_is", ["filter": f]))]) }
        rows.append([])

        // Totals: one block of rows per line of the page's totals table.
        rows.append([.empty] + UnitStatus.allCases.map { text(t($0.catalogKey)) } + [text(t("inv.sold")), text(t("inv.sell_through"))])
        func totals(_ label: String, _ x: Board.Totals) {
            rows.append([text("\(label) · \(t("inv.board.xlsx.count"))")]
                        + UnitStatus.allCases.map { .integer(Int64(x.byStatus[$0]?.count ?? 0)) }
                        + [.integer(Int64(x.sold)), text(Format.percent(x.sellThroughPermyriad))])
            rows.append([text("\(label) · \(t("inv.board.xlsx.area"))")]
                        + UnitStatus.allCases.map { .decimal(Int64((x.byStatus[$0]?.area ?? .zero).hundredths), scale: 2) }
                        + [.decimal(Int64(x.soldArea.hundredths), scale: 2)])
            if input.prices {
                rows.append([text("\(label) · \(t("inv.board.xlsx.amount"))")]
                            + UnitStatus.allCases.map { .decimal((x.byStatus[$0]?.amount ?? .zero).fen, scale: 2) }
                            + [.decimal(x.soldAmount.fen, scale: 2)])
            }
        }
        totals(t("inv.project_total"), b.totals)
        for building in shown { totals(building.building.name, building.totals) }
        if input.filter.narrows {
            let f = b.filteredTotals(input.scope, input.filter)
            // One line as the page writes it: its numbers are not per status, so they do not go under the status columns.
            var line = [t("inv.board.filtered", ["scope": scopeName, "n": "\(f.units)"]),
                        "\(f.byStatus.values.reduce(Area.zero) { $0 + $1.area })㎡"]
            if input.prices { line.append(Format.wan(f.byStatus.values.reduce(Money.zero) { $0 + $1.amount })) }
            rows.append([text(line.joined(separator: " · "))])
        }
        rows.append([text(t(input.prices ? "inv.board.totals_rule" : "inv.board.totals_rule_no_prices"))])

        // The grids.
        var widest = 0
        for building in shown {
            let columns = Array(Set(building.units.map { BoardPage.Column(entrance: $0.entrance, room: $0.room) })).sorted()
            widest = max(widest, columns.count)
            var at: [BoardPage.Column: [Int: UnitRow]] = [:]
            for u in building.units { at[BoardPage.Column(entrance: u.entrance, room: u.room), default: [:]][u.floor] = u }
            rows.append([])
            rows.append([text("\(building.building.name) · \(t("inv.board.units_n", ["n": "\(building.units.count)"]))")])
            rows.append([text(t("inv.floor"))] + columns.map { text(t("inv.entrance_n", ["n": "\($0.entrance)"]) + " " + $0.room) })
            for floor in Array(Set(building.units.map(\.floor))).sorted(by: >) {
                rows.append([.integer(Int64(floor))] + columns.map { c in
                    guard let u = at[c]?[floor], input.filter.matches(u) else { return .empty }
                    return text(cell(u, prices: input.prices, t: t))
                })
            }
        }

        let count = max(UnitStatus.allCases.count + 3, widest + 1)
        let title = "\(input.project.name)（\(input.project.code)） · \(t("inv.tab.board")) · \(scopeName)"
        let columns = [SheetColumn(title, width: 16)] + (1..<count).map { _ in SheetColumn("", width: 13, format: .wrapped) }
        return try XLSXWriter.data([Sheet(name: "\(t("inv.tab.board")) \(scopeName)", columns: columns, rows: rows)])
    }

    /// One unit as the board shows it: code, status, area, and the list total in 万元 when the viewer may see prices.
    static func cell(_ u: UnitRow, prices: Bool, t: Localizer) -> String {
        var lines = [u.code, t(u.status.catalogKey), "\(u.builtArea)㎡"]
        if prices { lines.append(Format.wan(u.listTotal)) }
        return lines.joined(separator: "\n")
    }
}
