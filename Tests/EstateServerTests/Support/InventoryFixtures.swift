import EstateCore
@testable import EstateServer
import Foundation
import Vapor

/// A small 楼盘表 for tests: one building, `floors` × 2 rooms, all unreleased
/// unless `release` is set.
struct Inventory {
    let app: Application
    var services: AppServices { app.services }

    @discardableResult
    func seed(_ projectID: UUID, building: String = "1号楼", floors: Int = 3, rooms: Int = 2, release: Bool = true) async throws -> [UnitRow] {
        let inv = services.inventory(app.db)
        if try await inv.layouts(projectID).isEmpty {
            try await inv.createLayout(projectID, name: "A户型", description: "3室2厅2卫", context: .system("test"))
            try await inv.createLayout(projectID, name: "B户型", description: "2室2厅1卫", context: .system("test"))
        }
        _ = try await inv.createBuilding(projectID, name: building, floors: floors, entrances: 1, sortOrder: nil, context: .system("test"))
        for floor in 1...floors {
            for room in 1...rooms {
                let area = room == 1 ? Area(hundredths: 11856) : Area(hundredths: 8932)
                let price = Money(yuan: Int64(18000 + floor * 100))
                let floorPrice = UnitPricing.total(area: area, unitPrice: price, rounding: .fen).scaled(by: 9_000, over: 10_000)
                _ = try await inv.createUnit(projectID, UnitDraft(
                    building: building, entrance: "1", floor: "\(floor)", room: String(format: "%02d", room),
                    layout: room == 1 ? "A户型" : "B户型", orientation: "南", usage: "住宅",
                    builtArea: room == 1 ? "118.56" : "89.32", innerArea: room == 1 ? "94.87" : "71.43",
                    pricingBasis: "按建筑面积", unitPrice: price.plain, floorPrice: floorPrice.plain), context: .system("test"))
            }
        }
        var units = try await inv.allUnits(projectID).filter { $0.code.hasPrefix(UnitValidator.defaultCode(building: building, entrance: 1, floor: 1, room: "x").split(separator: "-").first! + "-") }
        if release {
            _ = try await services.salesControl(app.db).release(units.map(\.id), in: projectID, batchName: "首开", context: .system("test"))
            units = try await inv.allUnits(projectID)
        }
        return units
    }
}
