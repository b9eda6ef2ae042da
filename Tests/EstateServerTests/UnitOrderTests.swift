import EstateCore
@testable import EstateServer
import Foundation
import Testing
import Vapor

/// Issue 15 point 8: units are listed as people count them — building in its set order, entrance,
/// floor, room — not as text sorts their codes (where 1-1-1001 comes before 1-1-101).
@Suite struct UnitOrderTests {
    @Test func listsExportsAndPriceListsCountFloorsAsNumbers() async throws {
        try await withTestApp { app, _ in
            // setup: two buildings, the one named second set to come first; eleven floors in one.
            let project = try await Fixtures(app: app).project("PX")
            _ = try await Inventory(app: app).seed(project, building: "2号楼", floors: 11, rooms: 2)
            _ = try await Inventory(app: app).seed(project, building: "1号楼", floors: 2, rooms: 1)
            let inv = app.services.inventory(app.db)
            let first = try #require(try await inv.buildings(project).first { $0.name == "1号楼" })
            let later = try #require(try await inv.buildings(project).first { $0.name == "2号楼" })
            _ = try await inv.updateBuilding(later.id, in: project, name: nil, floors: nil, entrances: nil, sortOrder: 5, context: .system("test"))
            _ = try await inv.updateBuilding(first.id, in: project, name: nil, floors: nil, entrances: nil, sortOrder: 1, context: .system("test"))
            // MUT
            let listed = try await inv.units(project, filter: .init(), page: try PageRequest(page: 1, perPage: 200)).items
            let exported = try await inv.allUnits(project)
            // validate
            func key(_ u: UnitRow) -> [Int] { [u.buildingID == first.id ? 0 : 1, u.entrance, u.floor, Int(u.room) ?? -1] }
            let expected = listed.sorted { key($0).lexicographicallyPrecedes(key($1)) }.map(\.code)
            #expect(listed.count == 24)
            #expect(listed.map(\.code) == expected)
            #expect(exported.map(\.code) == expected)
            // The text order would have put floor 10 before floor 2 in the second building.
            let second = listed.filter { $0.buildingID != first.id }.map(\.code)
            #expect(second != second.sorted(), "codes of floors 1–11 should not already be in text order: \(second)")
            #expect(listed.prefix(2).allSatisfy { $0.buildingID == first.id })
        }
    }
}
