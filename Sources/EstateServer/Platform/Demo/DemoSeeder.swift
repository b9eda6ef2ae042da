import EstateCore
import FluentKit
import Foundation

/// The demo company: one project mid-launch with two buildings (400 units) and
/// one user per role, all with the password `demo1234`. Runs once.
public enum DemoSeeder {
    public static let password = "demo1234"
    static let projectCode = "HXY"

    /// One user per role: user name = role id, a realistic Chinese name.
    static let people: [(Role, String)] = [
        (.admin, "系统管理员"), (.gm, "王建国"), (.csManager, "李静"), (.csStaff, "陈晓雯"), (.salesManager, "赵磊"),
        (.consultant, "孙丽娜"), (.finance, "周敏"), (.channelManager, "吴强"), (.channelStaff, "郑浩"),
        (.agent, "冯雪"), (.shiftLead, "褚婷"), (.ccSupervisor, "卫东"), (.engineer, "蒋工"), (.property, "沈物业"),
        (.legal, "韩律"), (.procurementStaff, "杨帆"), (.procurementManager, "朱涛"), (.mallCS, "秦悦"),
    ]

    /// Returns false when the demo was already there.
    @discardableResult
    public static func seed(_ services: AppServices, db: any Database) async throws -> Bool {
        let store = services.store(db)
        if try await ProjectRecord.query(on: db).filter(\.$code == projectCode).count() > 0 { return false }
        let hash = try await services.hasher.hash(password)
        let now = services.now()
        try await store.audited(.system("demo")) { tx in
            let project = ProjectRecord()
            project.id = UUID()
            project.code = projectCode
            project.name = "华熙悦府"
            project.city = "成都"
            project.priceRounding = "fen"
            project.isActive = true
            project.createdAt = now
            project.updatedAt = now
            try await project.create(on: tx)
            let projectID = project.id!

            for (role, name) in people {
                let username = role.rawValue.replacingOccurrences(of: "_", with: "-")
                let user: UserRecord
                if let existing = try await UserRecord.query(on: tx).filter(\.$username == username).first() {
                    user = existing
                } else {
                    user = UserRecord(username: username, displayName: name, passwordHash: hash, now: now)
                    try await user.create(on: tx)
                }
                // Administrators and the GM act company-wide; everyone else on the demo project.
                let scope: UUID? = role == .admin || role == .gm ? nil : projectID
                var existing = RoleGrantRecord.query(on: tx).filter(\.$userID == user.id!).filter(\.$role == role.rawValue)
                existing = scope.map { existing.filter(\.$projectID == $0) } ?? existing.filter(\.$projectID == nil)
                if try await existing.count() == 0 {
                    try await RoleGrantRecord(userID: user.id!, role: role, projectID: scope, now: now).create(on: tx)
                }
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
                                              floor: floor, room: room, released: floor <= 18, now: now))
                        }
                    }
                }
                try await units.create(on: tx)
            }
            return ((), AuditEntry(action: "demo.seed", entity: "project", entityID: projectID.uuidString, projectID: projectID,
                                   summary: "seeded the demo project HXY 华熙悦府 (400 units) and one user per role"))
        }
        return true
    }

    static func unit(project: UUID, building: BuildingRecord, number: Int, entrance: Int, floor: Int, room: Int,
                     released: Bool, now: Date) -> UnitRecord {
        let corner = room == 1 || room == 4
        let u = UnitRecord()
        u.id = UUID()
        u.projectID = project
        u.buildingID = building.id!
        u.entrance = entrance
        u.floor = floor
        u.room = String(format: "%02d", room)
        u.code = "\(number)-\(entrance)-\(floor)\(u.room)"
        u.layout = corner ? "3室2厅2卫" : "2室2厅1卫"
        u.orientation = corner ? "南北" : "南"
        u.usage = "住宅"
        u.builtArea = corner ? 11856 : 8932
        u.innerArea = corner ? 9487 : 7143
        u.pricingBasis = "built"
        // 表价 rises 150 元/m² a floor from 16,800; corner units +600.
        u.listUnitPrice = Int64(1_680_000 + (floor - 1) * 15_000 + (corner ? 60_000 : 0))
        u.listTotal = (Int64(u.builtArea) * u.listUnitPrice + 50) / 100
        u.floorPrice = u.listTotal * 95 / 100
        u.status = released ? "available" : "unreleased"
        u.updatedAt = now
        return u
    }
}
