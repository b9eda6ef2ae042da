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
            project.customerProtectionDays = 30
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

        try await demoCustomers(services, db: db, projectID: projectID, rng: &rng)

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

    /// 客户档案: everyone holding a unit, plus walk-ins and callers of the last weeks, owned by the
    /// demo consultant and the sales manager or in the pool, with calls, visits and follow-ups
    /// (some due today, some overdue), and one pair of duplicates left for a manager to merge.
    static func demoCustomers(_ services: AppServices, db: any Database, projectID: UUID, rng: inout SplitMix) async throws {
        func user(_ name: String) async throws -> (UUID?, AuditContext) {
            let u = try await UserRecord.query(on: db).filter(\.$username == name).first()
            return (u?.id, AuditContext(actorID: u?.id, actorName: name, requestID: nil, ip: nil))
        }
        let (consultantID, consultant) = try await user("consultant")
        let (managerID, manager) = try await user("sales-manager")
        let customers = services.customers(db)
        let sources = CustomerService.knownSources
        let interests = ["三居 高区", "四居 南向", "两居 低总价", "1号楼 景观", "大平层", "学区", "近地铁"]
        let steps = ["约周末带家人看房", "发送价目表", "确认贷款额度", "邀请参加开盘活动", "回访装修意向"]
        struct Claim: Decodable { var customer_name: String; var customer_mobile: String }
        let holders = try await (db as! any SQLDatabase).select().columns("customer_name", "customer_mobile").from("unit_claims")
            .where("project_id", .equal, projectID).where("is_live", .equal, true).all(decoding: Claim.self)
        var people = holders.map { ($0.customer_name, $0.customer_mobile) }
        for i in 0..<80 {
            let name = String(surnames[Int(rng.next() % UInt64(surnames.count))]) + givenNames[Int(rng.next() % UInt64(givenNames.count))]
            people.append((name, "1\([3, 5, 7, 8, 9][i % 5])\(String(format: "%09d", Int(rng.next() % 1_000_000_000)))"))
        }
        let now = services.now()
        var seen = Set<String>()
        for (i, person) in people.enumerated() where seen.insert(person.1).inserted {
            let ownerRoll = rng.next() % 10
            let (owner, context) = ownerRoll < 6 ? (consultantID, consultant) : ownerRoll < 8 ? (managerID, manager) : (nil, manager)
            let grade = ["A", "B", "B", "C", "C", "D"][Int(rng.next() % 6)]
            let draft = CustomerService.Draft(
                name: person.0, mobile: person.1, idKind: i % 3 == 0 ? .residentID : nil,
                idNumber: i % 3 == 0 ? demoResidentID(&rng) : "", gender: ["male", "female", "unknown"][Int(rng.next() % 3)],
                address: i % 4 == 0 ? "杭州市西湖区文三路\(100 + i)号" : "", source: sources[Int(rng.next() % UInt64(sources.count))],
                grade: grade, tags: i % 5 == 0 ? ["改善"] : i % 7 == 0 ? ["首置", "学区"] : [], notes: "")
            let c: CustomerService.Record
            do { c = try await customers.create(draft, in: projectID, owner: owner, context: context) } catch {
                FileHandle.standardError.write(Data("demo customer \(person.1) not created: \(error)\n".utf8))
                continue
            }
            // One to three contacts over the last weeks; the newest plans the next follow-up.
            let contacts = 1 + Int(rng.next() % 3)
            for k in 0..<contacts {
                let daysAgo = Double(contacts - k) * Double(1 + rng.next() % 9)
                let last = k == contacts - 1
                let follow = CalendarDay(now).adding(days: Int(rng.next() % 9) - 3)
                let kind: CustomerService.ContactKind = k == 0 || rng.next() % 2 == 0 ? .visit : .call
                _ = try? await customers.logContact(c.id, in: projectID, .init(
                    kind: kind, direction: kind == .call ? (rng.next() % 2 == 0 ? .inbound : .outbound) : nil,
                    partySize: kind == .visit ? 1 + Int(rng.next() % 4) : nil, occurredAt: now - daysAgo * 86_400 - Double(rng.next() % 36_000),
                    interests: interests[Int(rng.next() % UInt64(interests.count))], notes: "",
                    nextStep: last ? steps[Int(rng.next() % UInt64(steps.count))] : "",
                    nextFollowUpOn: last && owner != nil ? max(follow, CalendarDay(now - daysAgo * 86_400)).description : nil),
                    by: owner, context: context)
            }
        }
        // The same person registered twice by two colleagues, for the merge.
        if let a = try? await customers.create(.init(name: "周明", mobile: "13905710001", source: "来电"), in: projectID, owner: consultantID, context: consultant),
           let b = try? await customers.create(.init(name: "周明", mobile: "13905710002", source: "自然到访", grade: "B",
                                                     tags: ["改善"], notes: "第二个手机号，同一人"), in: projectID, owner: managerID, context: manager) {
            _ = (a, b)
        }
    }

    /// A resident ID with a valid GB 11643 check digit (杭州西湖区, born 1970–1999).
    static func demoResidentID(_ rng: inout SplitMix) -> String {
        let body = "330106" + String(1970 + Int(rng.next() % 30)) + String(format: "%02d%02d", 1 + Int(rng.next() % 12), 1 + Int(rng.next() % 28))
            + String(format: "%03d", Int(rng.next() % 1000))
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(body, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        return body + String(Array("10X98765432")[sum % 11])
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
