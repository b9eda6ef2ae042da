import EstateCore
import FluentKit
import Foundation
import SQLKit

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

    /// The demo user of a role: its id with dashes ("sales-manager"); user names need three
    /// characters, so the GM is "general-manager".
    public static func username(for role: Role) -> String {
        role == .gm ? "general-manager" : role.rawValue.replacingOccurrences(of: "_", with: "-")
    }

    /// Returns false when the demo was already there.
    @discardableResult
    public static func seed(_ services: AppServices, db: any Database) async throws -> Bool {
        let store = services.store(db)
        if let existing = try await ProjectRecord.query(on: db).filter(\.$code == projectCode).first() {
            // A demo from before the 楼盘表 existed gets its sales state once.
            let lists = try await services.pricing(db).priceLists(existing.id!)
            if lists.isEmpty, try await services.inventory(db).layouts(existing.id!).isEmpty {
                try await upgrade(services, db: db, projectID: existing.id!)
                return true
            }
            return false
        }
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
                let username = username(for: role)
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
            return ((), AuditEntry(action: "demo.seed", entity: "project", entityID: projectID.uuidString, projectID: projectID,
                                   summary: "seeded the demo project HXY 华熙悦府 (400 units) and one user per role"))
        }
        try await midSale(services, db: db)
        return true
    }

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

    /// Brings a demo seeded by an older version up to date: layouts, current unit fields, then the sales state.
    static func upgrade(_ services: AppServices, db: any Database, projectID: UUID) async throws {
        let now = services.now()
        try await services.store(db).audited(.system("demo")) { tx in
            for (name, description) in [("A户型", "3室2厅2卫 118㎡ 边套"), ("B户型", "2室2厅1卫 89㎡ 中间套")] {
                try await tx.sql.insert(into: "layouts").columns("id", "project_id", "name", "description", "created_at")
                    .values(SQLBind(UUID()), SQLBind(projectID), SQLBind(name), SQLBind(description), SQLBind(now)).run()
            }
            try await tx.sql.delete(from: "units").where("project_id", .equal, projectID).run()
            for b in try await BuildingRecord.query(on: tx).filter(\.$projectID == projectID).all() {
                let number = Int(b.name.prefix { $0.isNumber }) ?? b.sortOrder
                var units: [UnitRecord] = []
                for entrance in 1...b.entrances { for floor in 1...b.floors { for room in 1...4 {
                    units.append(unit(project: projectID, building: b, number: number, entrance: entrance, floor: floor, room: room, now: now))
                } } }
                try await units.create(on: tx)
            }
            return ((), AuditEntry(action: "demo.upgrade", entity: "project", entityID: projectID.uuidString, projectID: projectID,
                                   summary: "brought the demo project up to date"))
        }
        try await midSale(services, db: db)
    }

    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高")
    static let givenNames = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平"]

    /// The project mid-sale, through the real services: two release batches, discount
    /// rules, an approved price list and a pending one, holds, reservations, and sold
    /// units (subscriptions and contracts stand in until the sales module records them).
    static func midSale(_ services: AppServices, db: any Database) async throws {
        guard let projectID = try await ProjectRecord.query(on: db).filter(\.$code == projectCode).first()?.id else { return }
        func context(_ username: String) async throws -> AuditContext {
            let u = try await UserRecord.query(on: db).filter(\.$username == username).first()
            return AuditContext(actorID: u?.id, actorName: username, requestID: nil, ip: nil)
        }
        let manager = try await context("sales-manager"), gm = try await context(username(for: .gm)), consultant = try await context("consultant")
        let inventory = services.inventory(db), control = services.salesControl(db), pricing = services.pricing(db)
        let units = try await inventory.allUnits(projectID)
        let buildings = try await inventory.buildings(projectID)
        let first = buildings.first { $0.name == "1号楼" }!.id

        // 推盘: 1–18 层 at launch, then 1号楼 19–22 层.
        _ = try await control.release(units.filter { $0.floor <= 18 }.map(\.id), in: projectID, batchName: "首开 1–18层", context: manager)
        _ = try await control.release(units.filter { $0.buildingID == first && (19...22).contains($0.floor) }.map(\.id), in: projectID,
                                      batchName: "二批 1号楼 19–22层", context: manager)

        // Discount rules and the launch price list (approved by the GM).
        _ = try await pricing.createRule(projectID, name: "一次性付款", rate: "98折", reduction: "", context: manager)
        _ = try await pricing.createRule(projectID, name: "按揭", rate: "99折", reduction: "", context: manager)
        _ = try await pricing.createRule(projectID, name: "老带新", rate: "", reduction: "10000", context: manager)
        let staff = try await pricing.createRule(projectID, name: "员工内购", rate: "97折", reduction: "", context: manager)
        try await pricing.setRuleActive(staff.id, in: projectID, active: false, context: manager)
        let launch = try await pricing.propose(projectID, name: "首开价目表", note: "开盘价格，底价为表价 95%",
                                               items: units.map { .init(code: $0.code, unitPrice: $0.listUnitPrice, total: nil, floorPrice: $0.floorPrice) },
                                               context: manager)
        let approvals = services.approvals(db)
        guard let gmPrincipal = try await services.auth(db).loadPrincipal(userID: gm.actorID!, on: db) else { return }
        if let a = launch.approvalID { _ = try await approvals.decide(a, approve: true, comment: "同意按此价格开盘", by: gmPrincipal, context: gm) }

        // Sold, reserved and withheld units: a deterministic spread, denser on low floors.
        var rng = SplitMix(seed: 20_261_126)
        let released = try await inventory.allUnits(projectID).filter { $0.status == .available }
        for u in released {
            let roll = rng.next() % 100
            let floorBias = u.floor <= 10 ? 18 : 0
            let name = String(surnames[Int(rng.next() % UInt64(surnames.count))]) + givenNames[Int(rng.next() % UInt64(givenNames.count))]
            let mobile = "13\(Int(rng.next() % 10))\(String(format: "%08d", Int(rng.next() % 100_000_000)))"
            if roll < 28 + floorBias {
                try await standIn(.sign, unit: u, customer: name, mobile: mobile, services: services, db: db, context: consultant)
            } else if roll < 40 + floorBias {
                try await standIn(.subscribe, unit: u, customer: name, mobile: mobile, services: services, db: db, context: consultant)
            } else if roll < 43 + floorBias {
                _ = try await control.apply(.reserve, unit: u.id, in: projectID, reason: "",
                                            reservation: .init(customerName: name, customerMobile: mobile,
                                                               expiresAt: services.now() + Double(1 + rng.next() % 5) * 86_400, note: "等待家人看房"),
                                            context: consultant)
            } else if roll < 47 + floorBias / 3 {
                _ = try await control.apply(.withhold, unit: u.id, in: projectID, reason: rng.next() % 2 == 0 ? "领导保留" : "样板间", context: manager)
            }
        }

        // Waiting in the inboxes: a +2 % adjustment of 1号楼 19–26 层 (GM), and a consultant's special discount (sales manager).
        var adjustment = PricingService.Adjustment()
        adjustment.buildingID = first
        adjustment.floorFrom = 19
        adjustment.changePermyriad = 200
        adjustment.floorPermyriad = 9_500
        _ = try await pricing.proposeAdjustment(projectID, name: "二批调价 +2%", note: "二批去化快，高区上调", adjustment: adjustment, context: manager)
        if let target = try await inventory.allUnits(projectID).first(where: { $0.status == .available && $0.floor > 12 }) {
            let oneOff = try await pricing.rules(projectID).first { $0.name == "一次性付款" }!
            guard let consultantPrincipal = try await services.auth(db).loadPrincipal(userID: consultant.actorID!, on: db) else { return }
            _ = try await pricing.requestDiscount(unit: target.id, in: projectID, ruleIDs: [oneOff.id], special: 9_950, customer: "刘女士",
                                                  reason: "老业主推荐，全款", principal: consultantPrincipal, context: consultant)
        }
    }

    /// A subscription (and for `.sign` a contract) recorded as a live claim with its
    /// status moves, until the sales module records real sales.
    static func standIn(_ move: UnitMove, unit: UnitRow, customer: String, mobile: String, services: AppServices,
                        db: any Database, context: AuditContext) async throws {
        let now = services.now()
        try await services.store(db).audited(context, announcing: services.unitEvents) { tx in
            _ = try await SalesControlService.insertClaim(kind: move == .sign ? "contract" : "subscription", unitID: unit.id,
                                                          projectID: unit.projectID, customerName: customer, mobile: mobile,
                                                          note: "演示数据", expiresAt: nil, context: context, now: now, on: tx)
            _ = try await SalesControlService.transition(.subscribe, unit: unit.id, in: unit.projectID, reason: "认购 \(customer)",
                                                         claimID: nil, batchID: nil, context: context, now: now, on: tx)
            if move == .sign {
                _ = try await SalesControlService.transition(.sign, unit: unit.id, in: unit.projectID, reason: "签约 \(customer)",
                                                             claimID: nil, batchID: nil, context: context, now: now, on: tx)
            }
            return ((), AuditEntry(action: "demo.\(move.rawValue)", entity: "unit", entityID: unit.id.uuidString, projectID: unit.projectID,
                                   summary: "demo \(move.rawValue) of \(unit.code) for \(customer)"),
                    UnitChange(projectID: unit.projectID, unitIDs: [unit.id]))
        }
    }
}

/// A small deterministic generator, so every demo looks the same.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
