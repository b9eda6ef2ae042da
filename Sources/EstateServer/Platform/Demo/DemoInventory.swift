import EstateCore
import FluentKit
import Foundation
import SQLKit

/// The demo's 楼盘: project HXY 华熙悦府 in 杭州 with two layouts and two buildings of 400 units,
/// all unreleased; the sales story releases and prices them.
enum DemoInventory {
    static let projectCode = "HXY"

    /// The project, set up two weeks before the launch the sales story starts with.
    static func createProject(now: Date, on tx: any Database) async throws -> UUID {
        let project = ProjectRecord()
        project.id = UUID()
        project.code = projectCode
        project.name = "华熙悦府"
        project.city = "杭州"
        project.priceRounding = "fen"
        project.customerProtectionDays = 30
        project.isActive = true
        // 出卖人 (fictional; the credit code's check character is right).
        project.sellerName = "杭州华熙置业有限公司"
        project.sellerCreditCode = "91330106MA2CF7QP5L"
        project.sellerAddress = "浙江省杭州市西湖区文三路388号华熙中心12楼"
        project.presaleLicense = "杭售许字（2026）第000128号"
        project.serviceHotline = "400-826-1688"
        project.createdAt = now - Double(DemoSalesStory.launchDaysAgo + 14) * 86_400
        project.updatedAt = now
        try await project.create(on: tx)
        return project.id!
    }

    /// The layouts (户型) and the buildings with their units.
    static func build(projectID: UUID, now: Date, on tx: any Database) async throws {
        for (name, description) in [("A户型", "3室2厅2卫 118㎡ 边套"), ("B户型", "2室2厅1卫 89㎡ 中间套")] {
            try await tx.sql.insert(into: "layouts").columns("id", "project_id", "name", "description", "created_at")
                .values(SQLBind(UUID()), SQLBind(projectID), SQLBind(name), SQLBind(description), SQLBind(now)).run()
        }
        // 1号楼: 26 floors, 2 entrances × 4 rooms; 2号楼: 24 floors. 400 units.
        for (index, floors) in [26, 24].enumerated() {
            let building = BuildingRecord()
            building.id = UUID()
            building.projectID = projectID
            building.name = "\(index + 1)号楼"
            building.sortOrder = index + 1
            building.floors = floors
            building.entrances = 2
            try await building.create(on: tx)
            var units: [UnitRecord] = []
            for entrance in 1...2 {
                for floor in 1...floors {
                    for room in 1...4 {
                        units.append(unit(project: projectID, building: building, number: index + 1, entrance: entrance,
                                          floor: floor, room: room, now: now))
                    }
                }
            }
            try await units.create(on: tx)
        }
    }

    /// One unit, unreleased, at its 表价 (list price) and 底价 (floor price, 95 % of it).
    static func unit(project: UUID, building: BuildingRecord, number: Int, entrance: Int, floor: Int, room: Int, now: Date) -> UnitRecord {
        let corner = room == 1 || room == 4
        let u = UnitRecord()
        u.id = UUID()
        u.projectID = project
        u.buildingID = building.id!
        u.entrance = entrance
        u.floor = floor
        u.room = String(format: "%02d", room)
        u.code = "\(number)-\(entrance)-\(floor)\(u.room)"
        u.layout = corner ? "A户型" : "B户型"
        u.orientation = corner ? "南北" : "南"
        u.usage = UnitUsage.residential.rawValue
        u.builtArea = corner ? 11856 : 8932
        u.innerArea = corner ? 9487 : 7143
        u.pricingBasis = PricingBasis.builtArea.rawValue
        // 表价 rises 150 元/m² a floor from 16,800; corner units +600; 2号楼 (river view) +300.
        let unitPrice = Money(fen: Int64(1_680_000 + (floor - 1) * 15_000 + (corner ? 60_000 : 0) + (number == 2 ? 30_000 : 0)))
        let total = UnitPricing.total(area: Area(hundredths: u.builtArea), unitPrice: unitPrice, rounding: .fen)
        u.listUnitPrice = unitPrice.fen
        u.listTotal = total.fen
        u.floorPrice = total.scaled(by: 9_500, over: 10_000).fen
        u.status = UnitStatus.unreleased.rawValue
        u.updatedAt = now
        return u
    }
}
