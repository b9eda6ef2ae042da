import EstateCore
import FluentKit
import Foundation
import NIOConcurrencyHelpers
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

    /// The demo user of `people[i]`'s mobile, for the SMS of tickets (13900000001, …).
    static func mobile(_ i: Int) -> String { String(format: "139000000%02d", i + 1) }

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
            // One from before 客服 gets its service staff, their mobiles and the tickets once.
            if try await DemoTickets.count(projectID: existing.id!, db: db) == 0 {
                let hash = try await services.hasher.hash(password)
                let now = services.now()
                try await store.audited(.system("demo")) { tx in
                    try await ensurePeople(projectID: existing.id!, hash: hash, now: now, on: tx)
                    return ((), AuditEntry(action: "demo.upgrade", entity: "project", entityID: existing.id!.uuidString, projectID: existing.id!,
                                           summary: "gave the demo staff their mobiles and the service tickets"))
                }
                try await DemoTickets(services, db: db, projectID: existing.id!).tell()
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
            project.city = "杭州"
            project.priceRounding = "fen"
            project.customerProtectionDays = 30
            project.isActive = true
            // Set up two weeks before the launch the sales story starts with (DemoStory).
            project.createdAt = now - Double(DemoStory.launchDaysAgo + 14) * 86_400
            project.updatedAt = now
            try await project.create(on: tx)
            let projectID = project.id!

            try await ensurePeople(projectID: projectID, hash: hash, now: now, on: tx)

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

    /// One user per role (kept when there), each with a mobile for SMS unless one is on file.
    static func ensurePeople(projectID: UUID, hash: String, now: Date, on tx: any Database) async throws {
        for (i, (role, name)) in people.enumerated() {
            let username = username(for: role)
            let user: UserRecord
            if let existing = try await UserRecord.query(on: tx).filter(\.$username == username).first() {
                user = existing
            } else {
                user = UserRecord(username: username, displayName: name, passwordHash: hash, now: now)
                try await user.create(on: tx)
            }
            try await tx.sql.update("users").set("mobile", to: SQLBind(mobile(i))).where("id", .equal, user.id!)
                .where(SQLColumn("mobile"), .is, SQLLiteral.null).run()
            // Administrators and the GM act company-wide; everyone else on the demo project.
            let scope: UUID? = role == .admin || role == .gm ? nil : projectID
            var existing = RoleGrantRecord.query(on: tx).filter(\.$userID == user.id!).filter(\.$role == role.rawValue)
            existing = scope.map { existing.filter(\.$projectID == $0) } ?? existing.filter(\.$projectID == nil)
            if try await existing.count() == 0 {
                try await RoleGrantRecord(userID: user.id!, role: role, projectID: scope, now: now).create(on: tx)
            }
        }
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

    /// The project mid-sale, told through the real services as it happened since the launch
    /// four months ago (`DemoStory`): two release batches, discount rules, an approved price
    /// list and a pending one, holds, reservations, and the sales themselves in every stage.
    static func midSale(_ services: AppServices, db: any Database) async throws {
        guard let projectID = try await ProjectRecord.query(on: db).filter(\.$code == projectCode).first()?.id else { return }
        let story = try await DemoStory(services, db: db, projectID: projectID)
        try await story.tell()
        try await DemoTickets(services, db: db, projectID: projectID).tell()
    }

    /// 客户档案 beyond the buyers (who became customers when they bought): everyone holding a
    /// reservation, plus walk-ins and callers of the last weeks, owned by the demo consultant and
    /// the sales manager or in the pool, with calls, visits and follow-ups (some due today, some
    /// overdue), and one pair of duplicates left for a manager to merge.
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
            .where("project_id", .equal, projectID).where("is_live", .equal, true).where("kind", .equal, "reservation")
            .all(decoding: Claim.self)
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

/// The demo's clock. The story of the sale is told through the real services on this clock, day
/// by day since the launch, so every date (deadlines, due dates, receipts, stages) is one the
/// services accepted on its day; it ends at the real now. Audit lines keep the real time.
final class DemoClock: Sendable {
    private let box: NIOLockedValueBox<Date>
    init(_ start: Date) { box = NIOLockedValueBox(start) }
    var now: Date { box.withLockedValue { $0 } }
    func set(_ date: Date) { box.withLockedValue { $0 = date } }
}

extension AppServices {
    /// The same services on another clock.
    func running(on clock: DemoClock) -> AppServices {
        AppServices(config: config, engine: engine, catalog: catalog, keyring: keyring, hasher: hasher, contract: contract, metrics: metrics,
                    writeGate: writeGate, imports: imports, unitEvents: unitEvents, now: { clock.now })
    }
}

struct DemoFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A demo user acting: audit context and principal.
struct DemoActor {
    let id: UUID
    let context: AuditContext
    let principal: Principal
}

/// One sale of the story and what the services answered so far.
final class DemoSale {
    let unit: UnitRow
    let name: String
    let mobile: String
    var coBuyer: (name: String, mobile: String)?
    var method = PaymentMethod.full
    var kind = BuyerKind.localIndividual
    var rules: [String] = []
    var deposit = Money(yuan: 50_000)
    var total = Money.zero
    var buyerID: UUID?
    var coBuyerID: UUID?
    var subscriptionID: UUID?
    var contractID: UUID?
    var approvalID: UUID?
    var failed = false
    init(unit: UnitRow, name: String, mobile: String) { self.unit = unit; self.name = name; self.mobile = mobile }
}

/// The sale of 华熙悦府 from its launch 120 days ago to today, through the services: what each
/// demo user did, in the order they did it. Days are counted from today (-3: three days ago).
///
/// - Launch: 1–18 层 released, discount rules, the price list approved by the GM; 1号楼 19–22 层
///   60 days ago. Banks on the managed list.
/// - Units rolled "sign" (about 100) were subscribed, contracted (document file, review by
///   customer service), signed, registered (网签 then 备案), paid (deposit and first payment
///   recorded by the consultant and confirmed by finance a day or two later, some late, some
///   unpaid, some not yet confirmed), loans through 资料收集 → 已交银行 → 已审批 → 已放款 (some
///   stuck), instalments; the oldest delivered through a delivery batch (appointments, the
///   registered area on each side of ±3 %, titles in every stage), a few booked for the coming
///   days; one waits for a refund approval, one for a penalty waiver.
/// - Units rolled "subscribe" (about 40) are active subscriptions: recent ones, some past their
///   contract deadline, some deposits unpaid or unconfirmed, draft contracts (file incomplete,
///   refused in review, passed), one 换房, one 更名 waiting for the sales manager.
/// - Three subscriptions were cancelled (退订, two deposits refunded, one forfeited): their units
///   are for sale again.
final class DemoStory {
    static let launchDaysAgo = 120
    static let secondBatchDaysAgo = 60

    let demo: AppServices
    let db: any Database
    let projectID: UUID
    let clock: DemoClock
    let end: Date
    let today: CalendarDay
    let consultant: DemoActor, manager: DemoActor, gm: DemoActor, csManager: DemoActor, csStaff: DemoActor, finance: DemoActor,
        admin: DemoActor
    var rng = SplitMix(seed: 20_261_126)
    var rules: [String: UUID] = [:]
    var banks: [UUID] = []
    var batch: SaleService.Batch?
    private var steps: [(at: Date, seq: Int, sale: DemoSale?, what: String, run: () async throws -> Void)] = []
    private var keys = 0
    private var usedMobiles: Set<String> = []
    private(set) var failures: [String] = []
    var sales: SaleService { demo.sales(db) }
    /// The services' day now.
    var day: CalendarDay { CalendarDay(clock.now) }

    init(_ services: AppServices, db: any Database, projectID: UUID) async throws {
        end = services.now()
        today = CalendarDay(end)
        clock = DemoClock(today.adding(days: -Self.launchDaysAgo).start.addingTimeInterval(9 * 3600))
        demo = services.running(on: clock)
        self.db = db
        self.projectID = projectID
        consultant = try await Self.actor("consultant", services, db)
        manager = try await Self.actor("sales-manager", services, db)
        gm = try await Self.actor(DemoSeeder.username(for: .gm), services, db)
        csManager = try await Self.actor("cs-manager", services, db)
        csStaff = try await Self.actor("cs-staff", services, db)
        finance = try await Self.actor("finance", services, db)
        admin = try await Self.actor("admin", services, db)
    }

    static func actor(_ username: String, _ services: AppServices, _ db: any Database) async throws -> DemoActor {
        guard let u = try await UserRecord.query(on: db).filter(\.$username == username).first(), let id = u.id,
              let p = try await services.auth(db).loadPrincipal(userID: id, on: db)
        else { throw DemoFailure("demo user \(username) missing") }
        return DemoActor(id: id, context: AuditContext(actorID: id, actorName: username, requestID: nil, ip: nil), principal: p)
    }

    // MARK: The timeline

    /// A moment `day` days from today at `hour` (Beijing), never after the real now.
    func time(_ day: Int, _ hour: Double) -> Date {
        let limit = max(today.start, end.addingTimeInterval(-60))
        return min(today.adding(days: day).start.addingTimeInterval(hour * 3600), limit)
    }

    /// Plans a step; steps run in time order (a sale's steps in the order planned).
    func at(_ day: Int, _ hour: Double, _ sale: DemoSale?, _ what: String, _ run: @escaping () async throws -> Void) {
        guard day <= 0 else { return }
        steps.append((time(day, hour), steps.count, sale, what, run))
    }

    /// Runs the planned steps on the clock. A step the services refuse ends its sale's story
    /// (and is reported); the others go on.
    func run() async {
        let ordered = steps.sorted { ($0.at, $0.seq) < ($1.at, $1.seq) }
        steps = []
        for step in ordered {
            if step.sale?.failed == true { continue }
            clock.set(step.at)
            do { try await step.run() } catch {
                step.sale?.failed = true
                failures.append("\(step.what) \(step.sale?.unit.code ?? ""): \(String(reflecting: error))")
            }
        }
    }

    func roll(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
    func chance(_ percent: Int) -> Bool { roll(100) < percent }

    func person() -> (name: String, mobile: String) {
        let name = String(DemoSeeder.surnames[roll(DemoSeeder.surnames.count)]) + DemoSeeder.givenNames[roll(DemoSeeder.givenNames.count)]
        return (name, freshMobile())
    }

    func freshMobile() -> String {
        while true {
            let m = "1\([3, 5, 8, 8, 9][roll(5)])\(String(format: "%09d", roll(1_000_000_000)))"
            if usedMobiles.insert(m).inserted { return m }
        }
    }

    // MARK: The story

    func tell() async throws {
        let inventory = demo.inventory(db), control = demo.salesControl(db), pricing = demo.pricing(db)
        let buildings = try await inventory.buildings(projectID)
        // In building order (the database orders buildings by their random ids), so every demo is the same.
        let order = Dictionary(uniqueKeysWithValues: buildings.map { ($0.id, $0.sortOrder) })
        let units = try await inventory.allUnits(projectID).sorted {
            (order[$0.buildingID] ?? 0, $0.entrance, $0.floor, $0.room) < (order[$1.buildingID] ?? 0, $1.entrance, $1.floor, $1.room)
        }
        let first = buildings.first { $0.name == "1号楼" }!.id
        func secondBatch(_ u: UnitRow) -> Bool { u.buildingID == first && (19...22).contains(u.floor) }

        // 推盘 and the launch price list (approved by the GM), discount rules, banks.
        clock.set(time(-Self.launchDaysAgo, 9))
        _ = try await control.release(units.filter { $0.floor <= 18 }.map(\.id), in: projectID, batchName: "首开 1–18层", context: manager.context)
        _ = try await pricing.createRule(projectID, name: "一次性付款", rate: "98折", reduction: "", context: manager.context)
        _ = try await pricing.createRule(projectID, name: "按揭", rate: "99折", reduction: "", context: manager.context)
        _ = try await pricing.createRule(projectID, name: "老带新", rate: "", reduction: "10000", context: manager.context)
        let staff = try await pricing.createRule(projectID, name: "员工内购", rate: "97折", reduction: "", context: manager.context)
        try await pricing.setRuleActive(staff.id, in: projectID, active: false, context: manager.context)
        for r in try await pricing.rules(projectID) { rules[r.name] = r.id }
        let launch = try await pricing.propose(projectID, name: "首开价目表", note: "开盘价格，底价为表价 95%",
                                               items: units.map { .init(code: $0.code, unitPrice: $0.listUnitPrice, total: nil, floorPrice: $0.floorPrice) },
                                               context: manager.context)
        clock.set(time(-Self.launchDaysAgo, 9.5))
        if let a = launch.approvalID {
            _ = try await demo.approvals(db).decide(a, approve: true, comment: "同意按此价格开盘", by: gm.principal, context: gm.context)
        }
        let known = try await sales.banks()
        for (name, branch) in [("中国工商银行", "杭州西湖支行"), ("中国建设银行", "杭州分行"), ("招商银行", "杭州分行")] {
            if let b = known.first(where: { $0.name == name && $0.branch == branch }) { banks.append(b.id); continue }
            banks.append(try await sales.createBank(name: name, branch: branch, context: admin.context).id)
        }
        at(-Self.secondBatchDaysAgo, 9, nil, "release") { [self] in
            _ = try await control.release(units.filter(secondBatch).map(\.id), in: projectID, batchName: "二批 1号楼 19–22层", context: manager.context)
        }

        // Who holds what: the same deterministic spread as ever, denser on low floors.
        var signed: [DemoSale] = [], subscribed: [DemoSale] = [], spare: [UnitRow] = []
        var reservations: [(UnitRow, String, String, Double)] = []
        let released = units.filter { $0.floor <= 18 || secondBatch($0) }
        for u in released {
            let dice = rng.next() % 100
            let floorBias: UInt64 = u.floor <= 10 ? 18 : 0
            let name = String(DemoSeeder.surnames[Int(rng.next() % UInt64(DemoSeeder.surnames.count))])
                + DemoSeeder.givenNames[Int(rng.next() % UInt64(DemoSeeder.givenNames.count))]
            var mobile = "13\(Int(rng.next() % 10))\(String(format: "%08d", Int(rng.next() % 100_000_000)))"
            while !usedMobiles.insert(mobile).inserted { mobile = freshMobile() }
            if dice < 28 + floorBias {
                signed.append(DemoSale(unit: u, name: name, mobile: mobile))
            } else if dice < 40 + floorBias {
                subscribed.append(DemoSale(unit: u, name: name, mobile: mobile))
            } else if dice < 43 + floorBias {
                reservations.append((u, name, mobile, Double(1 + rng.next() % 5)))
            } else if dice < 47 + floorBias / 3 {
                let reason = rng.next() % 2 == 0 ? "领导保留" : "样板间"
                at(secondBatch(u) ? -Self.secondBatchDaysAgo : -Self.launchDaysAgo, 11, nil, "withhold") { [self] in
                    _ = try await control.apply(.withhold, unit: u.id, in: projectID, reason: reason, context: manager.context)
                }
            } else if !secondBatch(u) {
                spare.append(u)
            }
        }

        planSigned(signed, secondBatch: secondBatch)
        planSubscribed(subscribed, spare: spare)
        planCancelled(spare)
        await run()
        clock.set(end)
        if !failures.isEmpty {
            FileHandle.standardError.write(Data(("demo: \(failures.count) steps refused:\n" + failures.prefix(20).joined(separator: "\n") + "\n").utf8))
        }

        // Today: reservations waiting for family visits, the other customers, and the inboxes.
        for (u, name, mobile, days) in reservations {
            _ = try await control.apply(.reserve, unit: u.id, in: projectID, reason: "",
                                        reservation: .init(customerName: name, customerMobile: mobile,
                                                           expiresAt: end + days * 86_400, note: "等待家人看房"),
                                        context: consultant.context)
        }
        try await DemoSeeder.demoCustomers(demo, db: db, projectID: projectID, rng: &rng)

        // Waiting in the inboxes: a +2 % adjustment of 1号楼 19–26 层 (GM), and a consultant's special discount (sales manager).
        var adjustment = PricingService.Adjustment()
        adjustment.buildingID = first
        adjustment.floorFrom = 19
        adjustment.changePermyriad = 200
        adjustment.floorPermyriad = 9_500
        _ = try await pricing.proposeAdjustment(projectID, name: "二批调价 +2%", note: "二批去化快，高区上调", adjustment: adjustment, context: manager.context)
        if let target = try await inventory.allUnits(projectID).first(where: { $0.status == .available && $0.floor > 12 }), let oneOff = rules["一次性付款"] {
            _ = try await pricing.requestDiscount(unit: target.id, in: projectID, ruleIDs: [oneOff], special: 9_950, customer: "刘女士",
                                                  reason: "老业主推荐，全款", principal: consultant.principal, context: consultant.context)
        }
        if !failures.isEmpty { throw DemoFailure("demo: \(failures.count) steps refused; first: \(failures[0])") }
    }

    // MARK: Signed contracts

    enum FirstPayment { case onTime, late, unpaid, partial, bounced }

    func planSigned(_ all: [DemoSale], secondBatch: (UnitRow) -> Bool) {
        // When each was subscribed: denser at the launch, none in the last three days.
        var dated: [(sale: DemoSale, day: Int, index: Int)] = []
        for (i, s) in all.enumerated() {
            let earliest = (secondBatch(s.unit) ? -Self.secondBatchDaysAgo : -Self.launchDaysAgo) + 1
            let r = Double(roll(1000)) / 1000
            dated.append((s, earliest + Int(Double(-3 - earliest) * r * r), i))
        }
        dated.sort { ($0.day, $0.index) < ($1.day, $1.index) }
        for (s, _, _) in dated {
            let m = roll(100)
            s.method = m < 20 ? .full : m < 68 ? .commercialLoan : m < 80 ? .providentLoan : m < 92 ? .combinedLoan : .instalment
            s.rules = s.method == .full ? ["一次性付款"] : s.method.usesLoan ? ["按揭"] : []
            if chance(10) { s.rules.append("老带新") }
            s.deposit = Money(yuan: [50_000, 50_000, 100_000, 200_000][roll(4)])
            s.kind = chance(10) ? .nonlocalIndividual : .localIndividual
            if chance(15) { s.coBuyer = person() }
        }
        // The oldest (not on instalments) reach handover; a few more are booked for the coming days.
        let deliverable = dated.filter { $0.sale.method != .instalment }
        let handovers = Array(deliverable.prefix(12).map(\.sale))
        let bookedLater = Array(deliverable.dropFirst(12).prefix(4).map(\.sale))
        // Special cases, each from its own stretch of the list so none is two of them.
        let taken = handovers + bookedLater
        func between(_ from: Int, _ to: Int, loans: Bool = false) -> [DemoSale] {
            dated.filter { d in (from...to).contains(d.day) && (!loans || d.sale.method.usesLoan) && !taken.contains { $0 === d.sale } }.map(\.sale)
        }
        // Paid a few months ago: a refund being asked for, a first payment bounced by finance then paid.
        let refund = between(-100, -80).first, bounced = between(-100, -80).dropFirst(1).first
        // Loans held up at the bank (the stuck-mortgage list): one in each stage, signed two months ago.
        let stuck: [(DemoSale, MortgageStage)] = zip(between(-70, -50, loans: true).prefix(3), [MortgageStage.collecting, .submitted, .approved])
            .map { ($0, $1) }
        // Paid late some weeks ago (a penalty waiver is asked for); two not paid at all, one half.
        let late = between(-45, -35).first
        let unpaid = Array(between(-30, -12).prefix(2)), partial = between(-30, -12).dropFirst(2).first
        // The three most recent contracts are not yet 网签.
        let unregistered = dated.suffix(3).map(\.sale)

        for (s, subscribed, _) in dated {
            let contractDay = subscribed + 1 + roll(2)
            let signDay = min(contractDay + 1 + roll(2), 0)
            let deadline = 7 + roll(8)
            let firstDue = signDay + 7 + roll(4)
            var payment: FirstPayment
            let p = roll(100)
            payment = p < 85 ? .onTime : p < 93 ? .late : p < 97 ? .unpaid : .partial
            if handovers.contains(where: { $0 === s }) || bookedLater.contains(where: { $0 === s }) || s === refund { payment = .onTime }
            // Nobody stays unpaid for months: older arrears were paid late.
            if firstDue < -45, payment == .unpaid || payment == .partial { payment = .late }
            if s === late { payment = .late }
            if s === bounced { payment = .bounced }
            if unpaid.contains(where: { $0 === s }) { payment = .unpaid }
            if s === partial { payment = .partial }

            planSubscription(s, day: subscribed, deadline: deadline, depositPaid: true)
            at(contractDay, 14, s, "contract") { [self] in try await draftContract(s, firstDue: firstDue, documents: nil) }
            at(contractDay + 1, 10, s, "review") { [self] in _ = try await sales.review(s.contractID!, approve: true, note: "", context: csStaff.context) }
            at(signDay, 15, s, "sign") { [self] in _ = try await sales.sign(s.contractID!, on: day, context: csStaff.context) }
            // 网签 a few days after signing, 备案 one to three weeks later.
            let online = unregistered.contains { $0 === s } ? 1 : signDay + 1 + roll(7), filing = online + 5 + roll(16)
            at(online, 11, s, "网签") { [self] in
                _ = try await sales.recordRegistration(s.contractID!, onlineSignNo: "WQ\(day.number)\(String(format: "%04d", roll(10_000)))",
                                                       onlineSignOn: day, filingNo: nil, filingOn: nil, context: csStaff.context)
            }
            at(filing, 11, s, "备案") { [self] in
                _ = try await sales.recordRegistration(s.contractID!, onlineSignNo: nil, onlineSignOn: nil,
                                                       filingNo: "BA\(day.number)\(String(format: "%04d", roll(10_000)))", filingOn: day,
                                                       context: csStaff.context)
            }
            // The first payment.
            if firstDue >= 0 {
                if chance(40) { payAndConfirm(s, .downPayment, on: signDay + roll(max(1, -signDay + 1))) }
            } else {
                switch payment {
                case .onTime: payAndConfirm(s, .downPayment, on: max(signDay, firstDue - roll(4)))
                case .late: payAndConfirm(s, .downPayment, on: min(firstDue + 4 + roll(6), -1))
                case .unpaid: break
                case .partial: payAndConfirm(s, .downPayment, on: firstDue, half: true)
                case .bounced:
                    // Finance finds no money behind the first receipt; the buyer pays again the next day.
                    let paid = max(signDay, firstDue - 1)
                    at(paid, 14, s, "down_payment") { [self] in try await pay(s, .downPayment) }
                    at(paid + 1, 9.5, s, "reject") { [self] in
                        for r in try await sales.receipts(projectID, status: .pending, sale: s.subscriptionID!, page: PageRequest(page: 1, perPage: 50)).items
                        where r.itemKind == PlanItemKind.downPayment.rawValue {
                            _ = try await sales.reject(r.id, reason: "银行流水未见到账，请核对付款账户", principal: finance.principal, context: finance.context)
                        }
                    }
                    payAndConfirm(s, .downPayment, on: paid + 1, hour: 15)
                }
            }
            if s === late {
                at(-2, 15, s, "waiver") { [self] in
                    let c = try await sales.contract(s.contractID!)
                    guard let item = c.plan.first(where: { $0.kind == .downPayment }), item.penaltyDue.fen > 0 else { throw DemoFailure("no penalty") }
                    _ = try await sales.requestPenaltyWaiver(c.id, item: item.id, amount: item.penaltyDue, reason: "网银单日限额分次转账，延误非买受人主观原因",
                                                             context: consultant.context)
                }
            }
            if s === refund {
                at(-1, 16, s, "refund") { [self] in
                    let c = try await sales.contract(s.contractID!)
                    guard let item = c.plan.first(where: { $0.kind == .downPayment }) else { throw DemoFailure("no first payment") }
                    keys += 1
                    _ = try await sales.requestRefund(.init(itemID: item.id, amount: Money(yuan: 10_000), method: .transfer, receivedOn: day, payer: s.name),
                                                      sale: s.subscriptionID!, reason: "老带新优惠签约后补享，退还首付款差额 1 万元",
                                                      idempotencyKey: "demo-refund-\(keys)", principal: consultant.principal, context: consultant.context)
                }
            }
            // Instalments on their due days.
            if s.method == .instalment {
                for (n, due) in [firstDue + 60, firstDue + 120].enumerated() where due <= -1 && chance(90) {
                    payAndConfirm(s, .instalment, on: due, what: "instalment \(n + 1)")
                }
            }
            // The loan: 资料收集 → 已交银行 → 已审批 → 已放款; now and then one sits too long.
            if s.method.usesLoan {
                let held = stuck.first { $0.0 === s }?.1
                let collecting = signDay + 1 + roll(3)
                let submitted = held == .collecting ? 1 : collecting + (chance(8) ? 16 + roll(8) : 4 + roll(9))
                let approved = held == .submitted ? 1 : submitted + (chance(8) ? 21 + roll(6) : 6 + roll(10))
                let disbursed = held == .approved ? 1 : approved + (chance(8) ? 16 + roll(6) : 4 + roll(9))
                at(collecting, 10, s, "mortgage") { [self] in try await setMortgage(s) }
                for (stage, day) in [(MortgageStage.submitted, submitted), (.approved, approved), (.disbursed, disbursed)] {
                    at(day, 16, s, "mortgage \(stage.rawValue)") { [self] in try await advance(s, stage) }
                }
                let confirmDay = disbursed + 1 + roll(2)
                if confirmDay <= -1 { at(confirmDay, 10, s, "confirm loan") { [self] in try await confirmAll(s) } }
            }
            // A call now and then keeps the buyer with the consultant (保护期).
            if subscribed < -25 {
                let call = -1 - roll(20)
                at(call, 18, s, "follow-up") { [self] in try await followUp(s, "交房及产权办理进度回访") }
            }
        }
        planHandovers(handovers, later: bookedLater)
    }

    /// 交付: a batch from 35 days ago to 20 days ahead, booked 38 days ago by the oldest buyers;
    /// the registered area on either side of ±3 %, delivery, then the title in every stage.
    func planHandovers(_ sales: [DemoSale], later: [DemoSale]) {
        at(-40, 10, nil, "delivery batch") { [self] in
            batch = try await self.sales.createBatch(projectID, name: "1号楼 首批交付", first: today.adding(days: -35), last: today.adding(days: 20),
                                                     times: ["09:30", "14:00", "16:00"], capacity: 3, context: csManager.context)
        }
        let hours = [9.5, 14, 16]
        // Appointment day, registered area against the contract (‰), final title stage.
        let plan: [(day: Int, permille: Int, title: TitleStage?)] = [
            (-30, 0, .handedOver), (-29, -6, .issued), (-27, 7, .applied), (-25, -41, .deedTaxPaid), (-22, 0, .documentsGathered),
            (-18, 12, .applied), (-15, 0, .documentsGathered), (-10, -3, TitleStage.none), (-6, 0, TitleStage.none),
            (-4, 43, nil), (3, 0, nil), (8, 0, nil),
        ]
        for (i, s) in sales.enumerated() where i < plan.count {
            let p = plan[i], hour = hours[i % 3]
            at(-38, 10 + Double(i) / 10, s, "book") { [self] in try await book(s, day: p.day, slot: i % 3) }
            guard p.day < 0 else { continue }
            at(p.day, hour + 0.25, s, "area") { [self] in
                let c = try await self.sales.contract(s.contractID!)
                let registered = Area(hundredths: c.area.hundredths + c.area.hundredths * p.permille / 1000)
                _ = try await self.sales.recordHandover(c.id, registered: registered, decision: abs(p.permille) > 30 ? "keep" : nil, context: csStaff.context)
            }
            guard let title = p.title else { continue }   // above +3 %: the difference is still to be paid
            if p.permille > 0 {
                at(p.day, hour + 0.5, s, "area difference") { [self] in try await pay(s, .areaDifference, method: .pos) }
                at(p.day, hour + 0.75, s, "confirm area difference") { [self] in try await confirmAll(s) }
            }
            at(p.day, hour + 1, s, "deliver") { [self] in _ = try await self.sales.deliver(s.contractID!, on: day, note: "钥匙两把、门禁卡两张", context: csStaff.context) }
            if p.permille < -30 {
                // Below −3 %: the developer pays back the difference (beyond 3 % twice), by approval, paid out by finance.
                at(p.day + 1, 10, s, "area refund") { [self] in
                    let owed = try await self.sales.plan(s.subscriptionID!, rate: 0).first { $0.kind == .areaDifference && $0.isLive }
                    guard let owed, owed.amount.fen < 0 else { throw DemoFailure("nothing owed") }
                    keys += 1
                    let (r, _) = try await self.sales.requestRefund(.init(itemID: owed.id, amount: -owed.amount, method: .transfer, receivedOn: day, payer: s.name),
                                                                    sale: s.subscriptionID!, reason: "实测面积较合同面积减少超过3%，按合同第二十条退还面积差价款",
                                                                    idempotencyKey: "demo-refund-\(keys)", principal: csStaff.principal, context: csStaff.context)
                    s.approvalID = r.approvalId
                }
                at(p.day + 2, 9.5, s, "area refund approval") { [self] in
                    let row = try await demo.approvals(db).find(s.approvalID!, for: gm.principal)
                    let by = row.requiredRole == .gm ? gm : csManager
                    _ = try await demo.approvals(db).decide(s.approvalID!, approve: true, comment: "同意退还", by: by.principal, context: by.context)
                }
                at(p.day + 3, 10, s, "area refund paid") { [self] in try await confirmAll(s) }
            }
            let stages = TitleStage.allCases.filter { $0 != .none && $0 <= title }
            for (k, stage) in stages.enumerated() {
                let d = p.day + (k + 1) * max(1, (-1 - p.day) / max(stages.count, 1))
                at(min(d, -1), 11 + Double(k) / 10, s, "title \(stage.rawValue)") { [self] in
                    _ = try await self.sales.advanceTitle(s.contractID!, to: stage, on: day,
                                                          certificateNo: stage == .issued ? "浙(\(today.year))杭州市不动产权第\(String(format: "%07d", 100_000 + roll(900_000)))号" : nil,
                                                          context: csStaff.context)
                }
            }
        }
        for (i, s) in later.enumerated() {
            at(-3, 10 + Double(i) / 10, s, "book") { [self] in try await book(s, day: 2 + 4 * i, slot: i % 3) }
        }
    }

    // MARK: Active subscriptions

    func planSubscribed(_ all: [DemoSale], spare: [UnitRow]) {
        var active: [(sale: DemoSale, day: Int, deadline: Int)] = []
        for s in all {
            // Most from the last ten days; some long past their contract deadline.
            let old = chance(15)
            let day = old ? -15 - roll(13) : -roll(11)
            let m = roll(100)
            s.method = m < 25 ? .full : m < 75 ? .commercialLoan : m < 90 ? .combinedLoan : .providentLoan
            s.rules = s.method == .full ? ["一次性付款"] : ["按揭"]
            s.deposit = Money(yuan: [50_000, 50_000, 100_000][roll(3)])
            if chance(10) { s.coBuyer = person() }
            active.append((s, day, old ? 7 + roll(4) : 10 + roll(8)))
        }
        let byAge = active.enumerated().sorted { ($0.element.day, $0.offset) < ($1.element.day, $1.offset) }.map(\.element)
        // Roles among the recent ones (−4…−10 days): drafts in every state, a 更名, a 换房.
        let recent = byAge.filter { $0.day <= -4 && $0.day >= -10 }.map(\.sale)
        let incomplete = Array(recent.prefix(3)), refused = recent.dropFirst(3).first, passed = recent.dropFirst(4).first
        let rename = recent.dropFirst(5).first, move = recent.dropFirst(6).first
        let unpaid = byAge.filter { $0.day <= -2 && $0.day >= -10 }.map(\.sale).suffix(2)
        if let i = incomplete.last { i.kind = .nonlocalIndividual }

        for (s, day, deadline) in active {
            let paid = !unpaid.contains { $0 === s }
            if s === move, let from = spare.dropFirst(30).first {
                // 换房: subscribed another unit first, moved to this one three days later.
                planSubscription(s, day: day, deadline: deadline, depositPaid: true, unit: from)
                at(day + 3, 15, s, "换房") { [self] in
                    _ = try await sales.changeUnit(s.subscriptionID!, to: s.unit.id, ruleIDs: s.rules.compactMap { rules[$0] }, special: nil,
                                                   discountApprovalID: nil, reason: "客户改选南向户型，定金转入新房号",
                                                   principal: consultant.principal, context: consultant.context)
                }
                continue
            }
            planSubscription(s, day: day, deadline: deadline, depositPaid: paid)
            if day + deadline < 0 { at(-1 - roll(3), 17, s, "follow-up") { [self] in try await followUp(s, "催促签约，确认贷款资料") } }
            if incomplete.contains(where: { $0 === s }) {
                let n = s === incomplete.last ? 3 : 1 + roll(2)
                at(day + 1, 14, s, "contract") { [self] in try await draftContract(s, firstDue: day + 15, documents: n) }
            } else if s === refused {
                at(day + 1, 14, s, "contract") { [self] in try await draftContract(s, firstDue: day + 15, documents: 2) }
                at(day + 2, 10, s, "review") { [self] in
                    _ = try await sales.review(s.contractID!, approve: false, note: "户口簿为复印件，需补原件", context: csStaff.context)
                }
            } else if s === passed {
                at(day + 1, 14, s, "contract") { [self] in try await draftContract(s, firstDue: day + 15, documents: nil) }
                at(day + 2, 10, s, "review") { [self] in _ = try await sales.review(s.contractID!, approve: true, note: "", context: csStaff.context) }
            } else if s === rename {
                let spouse = person()
                at(-2, 10, s, "更名") { [self] in
                    let c = try await newCustomer(spouse.name, spouse.mobile)
                    s.approvalID = try await sales.requestBuyerChange(s.subscriptionID!, buyers: [.init(customerID: s.buyerID!, share: 5_000),
                                                                                                   .init(customerID: c, share: 5_000)],
                                                                      reason: "婚后购房，增加配偶\(spouse.name)为共有人", principal: consultant.principal,
                                                                      context: consultant.context)
                }
            }
        }
    }

    // MARK: 退订

    func planCancelled(_ spare: [UnitRow]) {
        let cases: [(day: Int, request: Int, outcome: SaleService.DepositOutcome, reason: String, refundPaid: Bool)] = [
            (-40, -33, .refund, "客户贷款资质不足，协商退订", true),
            (-12, -5, .forfeit, "客户个人原因放弃购买", false),
            (-8, -2, .refund, "家庭成员反对购买，协商退还定金", false),
        ]
        for (i, c) in cases.enumerated() {
            guard let unit = spare.dropFirst(10 + 7 * i).first else { continue }
            let who = person()
            let s = DemoSale(unit: unit, name: who.name, mobile: who.mobile)
            s.method = .commercialLoan
            s.rules = ["按揭"]
            planSubscription(s, day: c.day, deadline: 14, depositPaid: true)
            at(c.request, 10, s, "退订") { [self] in
                s.approvalID = try await sales.requestCancellation(s.subscriptionID!, outcome: c.outcome, reason: c.reason, context: consultant.context)
            }
            at(c.request + 1, 9.5, s, "退订 approval") { [self] in
                _ = try await demo.approvals(db).decide(s.approvalID!, approve: true, comment: "同意退订", by: manager.principal, context: manager.context)
            }
            if c.refundPaid { at(c.request + 3, 10, s, "refund paid") { [self] in try await confirmAll(s) } }
        }
    }

    // MARK: Steps

    /// The buyer (and a co-buyer) as the consultant's customers, the visit, the subscription, the deposit.
    func planSubscription(_ s: DemoSale, day: Int, deadline: Int, depositPaid: Bool, unit: UnitRow? = nil) {
        at(day, 10, s, "buyer") { [self] in
            s.buyerID = try await newCustomer(s.name, s.mobile, visit: true)
            if let co = s.coBuyer { s.coBuyerID = try await newCustomer(co.name, co.mobile) }
        }
        at(day, 10.5, s, "subscribe") { [self] in
            var buyers = [SaleService.BuyerDraft(customerID: s.buyerID!, share: s.coBuyerID == nil ? 10_000 : 5_000)]
            if let co = s.coBuyerID { buyers.append(.init(customerID: co, share: 5_000)) }
            let sub = try await sales.subscribe(.init(unitID: (unit ?? s.unit).id, buyers: buyers, ruleIDs: s.rules.compactMap { rules[$0] },
                                                      method: s.method, deposit: s.deposit, contractDeadline: self.day.adding(days: deadline)),
                                                in: projectID, principal: consultant.principal, context: consultant.context)
            s.subscriptionID = sub.id
            s.total = sub.finalTotal
        }
        if depositPaid { payAndConfirm(s, .deposit, on: day, hour: 11, method: .pos) }
    }

    /// The consultant records the money on `day`; finance confirms it a day or two later (not yet, when that is today or later).
    func payAndConfirm(_ s: DemoSale, _ kind: PlanItemKind, on day: Int, hour: Double = 14, half: Bool = false, method: SaleService.ReceiptMethod = .transfer,
                       what: String? = nil) {
        at(day, hour, s, what ?? kind.rawValue) { [self] in try await pay(s, kind, half: half, method: method) }
        let confirm = day + 1 + roll(2)
        if confirm <= -1 { at(confirm, 9.5, s, "confirm \(what ?? kind.rawValue)") { [self] in try await confirmAll(s) } }
    }

    func newCustomer(_ name: String, _ mobile: String, visit: Bool = false) async throws -> UUID {
        let customers = demo.customers(db)
        let sources = ["自然到访", "自然到访", "老带新", "渠道分销", "线上推广", "来电"]
        let c = try await customers.create(.init(name: name, mobile: mobile, idKind: .residentID, idNumber: DemoSeeder.demoResidentID(&rng),
                                                 gender: ["male", "female"][roll(2)], address: "杭州市西湖区文三路\(100 + roll(400))号",
                                                 source: sources[roll(sources.count)], grade: "A", tags: chance(30) ? ["改善"] : [], notes: ""),
                                           in: projectID, owner: consultant.id, context: consultant.context)
        if visit {
            _ = try await customers.logContact(c.id, in: projectID, .init(
                kind: .visit, partySize: 1 + roll(3), occurredAt: clock.now.addingTimeInterval(-1800),
                interests: ["三居 高区", "四居 南向", "两居 低总价", "1号楼 景观"][roll(4)], notes: "", nextStep: "认购"),
                by: consultant.id, context: consultant.context)
        }
        return c.id
    }

    func followUp(_ s: DemoSale, _ step: String) async throws {
        for id in [s.buyerID, s.coBuyerID].compactMap({ $0 }) {
            _ = try await demo.customers(db).logContact(id, in: projectID, .init(kind: .call, direction: .outbound, occurredAt: clock.now,
                                                                                 interests: "", notes: "", nextStep: step),
                                                        by: consultant.id, context: consultant.context)
        }
    }

    /// The contract with its plan (first payment due `firstDue` days from today) and the first
    /// `documents` documents of its checklist received (all when nil).
    func draftContract(_ s: DemoSale, firstDue: Int, documents: Int?) async throws {
        let total = s.total
        func tenThousands(_ fen: Int64) -> Money { Money(fen: fen / 1_000_000 * 1_000_000) }
        let firstDay = today.adding(days: firstDue)
        var d = SaleService.ContractDraft(subscriptionID: s.subscriptionID!, buyerKind: s.kind, firstPaymentDue: firstDay,
                                          deliveryDue: today.adding(days: 60))
        switch s.method {
        case .full: break
        case .commercialLoan: d.loan = tenThousands(total.fen * 65 / 100)
        case .providentLoan: d.providentLoan = min(Money(yuan: 1_200_000), tenThousands(total.fen * 60 / 100))
        case .combinedLoan:
            d.providentLoan = Money(yuan: 600_000)
            d.loan = tenThousands(total.fen * 65 / 100) - Money(yuan: 600_000)
        case .instalment:
            let part = tenThousands(total.fen / 5)
            d.instalments = [.init(kind: .instalment, amount: part, due: firstDay.adding(days: 60)),
                             .init(kind: .instalment, amount: part, due: firstDay.adding(days: 120))]
        }
        if s.method.usesLoan { d.loanDue = firstDay.adding(days: 60) }
        let c = try await sales.createContract(d, context: consultant.context)
        s.contractID = c.id
        let required = DocumentChecklist.required(method: s.method, buyer: s.kind)
        for code in required.prefix(documents ?? required.count) {
            _ = try await sales.setDocument(c.id, code: code, received: true, note: "", context: consultant.context)
        }
    }

    /// The consultant records what is left of the sale's first live item of `kind` (half of it when `half`).
    func pay(_ s: DemoSale, _ kind: PlanItemKind, half: Bool = false, method: SaleService.ReceiptMethod = .transfer) async throws {
        let items = try await sales.plan(s.subscriptionID!, rate: 0)
        guard let item = items.first(where: { $0.kind == kind && $0.isLive && ($0.amount - $0.collected - $0.pending).fen > 0 }) else {
            throw DemoFailure("nothing to pay on \(kind.rawValue)")
        }
        let left = item.amount - item.collected - item.pending
        keys += 1
        _ = try await sales.postReceipt(.init(itemID: item.id, amount: half ? Money(fen: left.fen / 2) : left, method: method, receivedOn: day,
                                              payer: s.name, reference: "\(method == .pos ? "POS" : "网银") \(String(format: "%06d", roll(1_000_000)))"),
                                        sale: s.subscriptionID!, idempotencyKey: "demo-receipt-\(keys)", principal: consultant.principal,
                                        context: consultant.context)
    }

    /// Finance confirms everything of the sale waiting for it (receipts, loan money, refunds paid out).
    func confirmAll(_ s: DemoSale) async throws {
        let pending = try await sales.receipts(projectID, status: .pending, sale: s.subscriptionID!, page: PageRequest(page: 1, perPage: 200)).items
        for r in pending where r.createdBy != finance.id {
            _ = try await sales.confirm(r.id, principal: finance.principal, context: finance.context)
        }
    }

    func setMortgage(_ s: DemoSale) async throws {
        let c = try await sales.contract(s.contractID!)
        guard let type = LoanType.expected(for: c.method) else { throw DemoFailure("no loan") }
        let loan = c.plan.filter { $0.kind == .mortgage }.reduce(Money.zero) { $0 + $1.amount }
        let fund = c.plan.filter { $0.kind == .providentLoan }.reduce(Money.zero) { $0 + $1.amount }
        _ = try await sales.setMortgage(c.id, .init(bankID: banks[roll(banks.count)], loanType: type, commercial: loan, provident: fund,
                                                    termMonths: [360, 360, 300, 240][roll(4)], staffID: csStaff.id), context: csStaff.context)
    }

    func advance(_ s: DemoSale, _ stage: MortgageStage) async throws {
        keys += 1
        _ = try await sales.advanceMortgage(s.contractID!, to: stage, on: day, idempotencyKey: "demo-mortgage-\(keys)",
                                            principal: csStaff.principal, context: csStaff.context)
    }

    func book(_ s: DemoSale, day: Int, slot: Int) async throws {
        let date = today.adding(days: day)
        let slots = batch?.slots.filter { CalendarDay($0.startsAt) == date } ?? []
        guard slot < slots.count else { throw DemoFailure("no slot on \(date)") }
        _ = try await sales.book(s.contractID!, slot: slots[slot].id, context: csStaff.context)
    }
}

/// 客服 on the demo: about forty tickets of the last 90 days, told through `TicketService` on the
/// demo's clock as they happened — the call center takes them, the customer-service manager
/// assigns, the engineer and property staff work them, the call center calls back.
///
/// - Repairs and two emergency repairs (抢修) on the delivered units, in warranty (one found at
///   the handover inspection, before delivery; one out of warranty when a unit was delivered
///   long enough ago), one a repeat of an earlier repair of the same place (重复维修), one
///   reopened when the owner came back, one with a photo.
/// - Complaints in the category tree with their causes: one major (面积差), one crisis (学区),
///   one not solved at the callback and worked again.
/// - Inquiries, suggestions, praise; a few waiting for the callback; a few new ones today.
/// - A few left past their deadlines, escalated by the job at the end (`escalateDue`).
final class DemoTickets {
    /// A ticket of the story and what the service answered.
    final class Ref {
        let title: String
        var id: UUID?
        var failed = false
        init(_ title: String) { self.title = title }
    }

    /// A sold unit and its first buyer.
    struct Home {
        var unitID: UUID
        var code: String
        var customerID: UUID
        var mobile: String
        var signedOn: CalendarDay
        var deliveredOn: CalendarDay?
    }

    typealias Department = TicketService.Department

    let demo: AppServices
    let db: any Database
    let projectID: UUID
    let clock: DemoClock
    let end: Date
    let today: CalendarDay
    let csStaff: DemoActor, csManager: DemoActor, engineer: DemoActor, property: DemoActor, agent: DemoActor
    private var steps: [(at: Date, seq: Int, ticket: Ref, run: () async throws -> Void)] = []
    private(set) var failures: [String] = []
    var categories: [String: UUID] = [:]
    var tickets: TicketService { demo.tickets(db) }

    static func count(projectID: UUID, db: any Database) async throws -> Int {
        struct N: Decodable { var n: Int }
        return try await (db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM tickets WHERE project_id = \(bind: projectID)")
            .first(decoding: N.self)?.n ?? 0
    }

    init(_ services: AppServices, db: any Database, projectID: UUID) async throws {
        end = services.now()
        today = CalendarDay(end)
        clock = DemoClock(end)
        demo = services.running(on: clock)
        self.db = db
        self.projectID = projectID
        csStaff = try await DemoStory.actor("cs-staff", services, db)
        csManager = try await DemoStory.actor("cs-manager", services, db)
        engineer = try await DemoStory.actor("engineer", services, db)
        property = try await DemoStory.actor("property", services, db)
        // The call-centre desk (a 班长 answers; `agent` is an outside broker since issue 13).
        agent = try await DemoStory.actor("shift-lead", services, db)
    }

    // MARK: The timeline

    /// A moment `day` days from today at `hour` (Beijing), never after the real now; today with a
    /// negative `hour`, that many hours ago.
    func time(_ day: Int, _ hour: Double) -> Date {
        if day == 0, hour < 0 { return end.addingTimeInterval(hour * 3600) }
        return min(today.adding(days: day).start.addingTimeInterval(hour * 3600), max(today.start, end.addingTimeInterval(-60)))
    }

    /// Plans a step of a ticket; steps run in time order (a ticket's in the order planned). Days
    /// still to come are left out.
    func at(_ t: Ref, _ day: Int, _ hour: Double, _ run: @escaping () async throws -> Void) {
        guard day <= 0 else { return }
        steps.append((time(day, hour), steps.count, t, run))
    }

    /// Runs the steps on the clock; a step refused ends its ticket's story (and is reported).
    func run() async {
        let ordered = steps.sorted { ($0.at, $0.seq) < ($1.at, $1.seq) }
        steps = []
        for step in ordered where !step.ticket.failed {
            clock.set(step.at)
            do { try await step.run() } catch {
                step.ticket.failed = true
                failures.append("\(step.ticket.title): \(String(reflecting: error))")
            }
        }
        clock.set(end)
    }

    // MARK: Steps

    @discardableResult
    func ticket(_ day: Int, _ hour: Double, _ kind: TicketKind, _ title: String, channel: TicketChannel = .hotline,
                severity: TicketSeverity = .normal, category: String? = nil, home: Home? = nil, component: RepairComponent? = nil,
                location: String = "", description: String = "", by: DemoActor? = nil, fromOwner: Bool = false,
                assignee: (DemoActor, Department)? = nil) -> Ref {
        let t = Ref(title)
        at(t, day, hour) { [self] in
            var d = TicketService.Draft(kind: kind, channel: fromOwner ? .ownerPage : channel, severity: severity, title: title)
            if let category {
                guard let id = categories[category] else { throw DemoFailure("no ticket category \(category)") }
                d.categoryID = id
            }
            d.description = description
            d.customerID = home?.customerID
            d.unitID = home?.unitID
            d.component = component
            d.location = location
            if let assignee { d.assigneeID = assignee.0.id; d.department = assignee.1 }
            let who = by ?? agent
            if fromOwner, let home {
                t.id = try await tickets.create(d, in: projectID, by: .owner(mobile: home.mobile), context: ownerContext(home)).id
            } else {
                t.id = try await tickets.create(d, in: projectID, by: .staff(who.principal), context: who.context).id
            }
        }
        return t
    }

    func ownerContext(_ home: Home) -> AuditContext {
        AuditContext(actorID: nil, actorName: OwnerSignIn.actorName(home.mobile), requestID: nil, ip: nil)
    }

    func act(_ t: Ref, _ day: Int, _ hour: Double, _ action: TicketAction, by: DemoActor, note: String = "",
             _ fill: @escaping (inout TicketService.ActionInput) -> Void = { _ in }) {
        at(t, day, hour) { [self] in
            var input = TicketService.ActionInput()
            input.note = note
            fill(&input)
            _ = try await tickets.act(t.id!, action, input, by: by.principal, context: by.context)
        }
    }

    /// 派单 (by the customer-service manager unless said).
    func assign(_ t: Ref, _ day: Int, _ hour: Double, to who: DemoActor, _ department: Department, by: DemoActor? = nil, note: String = "") {
        act(t, day, hour, .assign, by: by ?? csManager, note: note) { $0.assigneeID = who.id; $0.department = department }
    }

    func start(_ t: Ref, _ day: Int, _ hour: Double, by: DemoActor, note: String = "") { act(t, day, hour, .start, by: by, note: note) }

    func resolve(_ t: Ref, _ day: Int, _ hour: Double, by: DemoActor, _ note: String, cause: TicketCause? = nil, contractor: String? = nil,
                 costYuan: Int? = nil, chargeable: Bool? = nil) {
        act(t, day, hour, .resolve, by: by, note: note) {
            $0.cause = cause
            $0.contractor = contractor
            $0.cost = costYuan.map { Money(yuan: Int64($0)) }
            $0.chargeable = chargeable
        }
    }

    /// 回访 by the call center: started, then recorded (unless `satisfaction` is nil: still waiting).
    func callback(_ t: Ref, _ day: Int, _ hour: Double, satisfaction: Int?, solved: Bool = true, note: String = "", by: DemoActor? = nil) {
        let who = by ?? agent
        act(t, day, hour, .startCallback, by: who)
        guard let satisfaction else { return }
        at(t, day, hour + 0.1) { [self] in
            _ = try await tickets.recordCallback(t.id!, satisfaction: satisfaction, solved: solved, note: note, by: .staff(who.principal),
                                                 context: who.context)
        }
    }

    /// The owner confirms on their own page.
    func ownerCallback(_ t: Ref, _ home: Home, _ day: Int, _ hour: Double, satisfaction: Int, note: String) {
        at(t, day, hour) { [self] in
            _ = try await tickets.recordCallback(t.id!, satisfaction: satisfaction, solved: true, note: note, by: .owner(mobile: home.mobile),
                                                 context: ownerContext(home))
        }
    }

    func comment(_ t: Ref, _ day: Int, _ hour: Double, by: DemoActor, _ note: String, toOwner: Bool) {
        at(t, day, hour) { [self] in
            _ = try await tickets.comment(t.id!, note: note, visibleToOwner: toOwner, by: .staff(by.principal), context: by.context)
        }
    }

    /// Inquiries, suggestions and praise: answered and closed by whoever has them.
    func answer(_ t: Ref, _ day: Int, _ hour: Double, by: DemoActor, _ note: String, close: Bool = true) {
        start(t, day, hour, by: by)
        resolve(t, day, hour + 0.3, by: by, note)
        if close { act(t, day, hour + 0.4, .close, by: by) }
    }

    // MARK: The story

    func tell() async throws {
        let all = try await tickets.categories(projectID)
        for (id, path) in TicketService.paths(all) where all.first(where: { $0.id == id })?.active == true { categories[path] = id }
        let (signed, delivered, inspected) = try await homes()

        // The day `n` days after a home was delivered, if that is before today.
        func after(_ h: Home, _ n: Int) -> Int? {
            guard let on = h.deliveredOn else { return nil }
            let d = min(-on.days(until: today) + n, -1)
            return CalendarDay(time(d, 12)) > on ? d : nil
        }
        func home(_ i: Int) -> Home? { delivered.isEmpty ? nil : delivered[i % delivered.count] }
        /// A buyer who had signed by `day`.
        func buyer(_ day: Int, _ i: Int) -> Home? {
            let ok = signed.filter { $0.signedOn <= today.adding(days: day) }
            return ok.isEmpty ? nil : ok[i % ok.count]
        }

        // MARK: Repairs (房修) on delivered units

        if let h = home(0), let d = after(h, 4) {
            let t = ticket(d, 9.5, .repair, "卫生间地漏周边渗水", category: "工程质量 / 渗漏", home: h, component: .wetRoomWaterproofing,
                           location: "主卫", description: "楼下业主反映卫生间顶板有水渍，怀疑本户地漏周边渗水")
            assign(t, d, 10, to: engineer, .engineering)
            start(t, d, 14, by: engineer, note: "已上门查看，安排闭水试验")
            comment(t, d + 2, 10, by: engineer, "闭水试验48小时，确认地漏周边防水层破损", toOwner: false)
            resolve(t, d + 2, 16, by: engineer, "地漏周边防水层重做，闭水试验合格", cause: .construction, contractor: "中建八局 防水班组")
            callback(t, d + 4, 10, satisfaction: 5, note: "业主确认不再渗水")
            // 重复维修: the same place leaks again within 90 days.
            if let d2 = after(h, 18) {
                let r = ticket(d2, 9, .repair, "卫生间再次渗水（同一位置）", category: "工程质量 / 渗漏", home: h, component: .wetRoomWaterproofing,
                               location: "主卫", description: "上次维修后地漏周边再次渗水", assignee: (engineer, .engineering))
                start(r, d2, 10, by: engineer)
                comment(r, d2, 11, by: csStaff, "已安排防水班组周四上门复查，请家中留人", toOwner: true)
                resolve(r, d2 + 3, 15, by: engineer, "更换地漏并整体重做卫生间防水层", cause: .material, contractor: "中建八局 防水班组", costYuan: 1_200)
                callback(r, d2 + 5, 10, satisfaction: nil)
            }
        }
        if let h = home(1), let d = after(h, 4) {
            let t = ticket(d, 15, .repair, "厨房插座无电", channel: .frontDesk, category: "工程质量 / 水电", home: h, component: .electrical,
                           location: "厨房", by: csStaff)
            assign(t, d, 15.5, to: engineer, .engineering)
            start(t, d + 1, 9, by: engineer)
            resolve(t, d + 1, 11, by: engineer, "插座回路接线松动，已紧固并测试", cause: .construction)
            callback(t, d + 2, 10, satisfaction: 4)
            // The owner calls again: the manager reopens it.
            if let again = after(h, 14), again > d + 2 {
                act(t, again, 10, .reopen, by: csManager, note: "业主反映插座再次无电")
                resolve(t, again, 16, by: engineer, "更换插座及回路断路器", cause: .material)
                callback(t, again + 1, 11, satisfaction: 4, note: "已正常使用")
            }
        }
        if let h = home(2), let d = after(h, 7) {
            // 抢修 at night: staff are told by SMS.
            let t = ticket(d, 21.5, .emergencyRepair, "厨房给水管接头爆裂", category: "工程质量 / 水电", home: h, component: .plumbing,
                           location: "厨房", description: "水漫到客厅，业主已关闭总阀", assignee: (engineer, .engineering))
            start(t, d, 21.65, by: engineer)
            comment(t, d, 21.7, by: agent, "维修师傅已出发，约20分钟到达", toOwner: true)
            resolve(t, d, 23.5, by: engineer, "更换爆裂的三通接头，试压正常", cause: .material, contractor: "伟星管业售后")
            callback(t, d + 1, 10, satisfaction: 5, note: "业主感谢连夜处理")
            if let d2 = after(h, 14) {
                let g = ticket(d2, 10, .repair, "燃气报警器频繁误报", category: "工程质量 / 设备设施", home: h, component: .equipment, location: "厨房")
                assign(g, d2, 10.5, to: engineer, .engineering)
                start(g, d2 + 1, 9, by: engineer)
                resolve(g, d2 + 1, 10, by: engineer, "更换报警器探头", cause: .material)
                callback(g, d2 + 2, 15, satisfaction: 5)
            }
        }
        if let h = home(3), let d = after(h, 6) {
            let t = ticket(d, 10, .repair, "主卧木门变形关不上", channel: .frontDesk, category: "工程质量 / 门窗", home: h, component: .decoration,
                           location: "主卧", by: csStaff)
            assign(t, d, 11, to: engineer, .engineering)
            start(t, d + 1, 14, by: engineer)
            resolve(t, d + 2, 16, by: engineer, "更换门扇并调整合页", cause: .material, contractor: "欧派木门售后")
            callback(t, d + 3, 10, satisfaction: 3, note: "问题已解决，但认为上门太慢")
        }
        if let h = home(4), let d = after(h, 6) {
            let t = ticket(d, 20, .repair, "可视对讲不能开单元门", home: h, component: .equipment, location: "入户门厅",
                           description: "对讲机按开门键无反应", fromOwner: true)
            assign(t, d + 1, 9, to: engineer, .engineering, by: csStaff)
            start(t, d + 1, 10, by: engineer)
            resolve(t, d + 1, 15, by: engineer, "对讲分机线路接头氧化，重新压接", cause: .construction)
            ownerCallback(t, h, d + 2, 9, satisfaction: 4, note: "可以开门了")
            if let d2 = after(h, 19) {
                let e = ticket(d2, 19, .emergencyRepair, "卫生间下水管堵塞返水", category: "工程质量 / 水电", home: h, component: .plumbing,
                               location: "次卫", assignee: (engineer, .engineering))
                start(e, d2, 19.2, by: engineer)
                resolve(e, d2, 20.5, by: engineer, "疏通下水管，发现装修垃圾堵塞，已告知业主", cause: .ownerUse, costYuan: 200, chargeable: true)
                callback(e, d2 + 1, 10, satisfaction: nil)
            }
        }
        if let h = home(5), let d = after(h, 9) {
            let t = ticket(d, 9, .repair, "次卧外墙渗水，墙纸发霉", category: "工程质量 / 渗漏", home: h, component: .exteriorWall, location: "次卧")
            at(t, d, 9.2) { [self] in
                _ = try await tickets.attach(t.id!, fileName: "外墙渗水照片.png", data: DemoTickets.photo(), visibleToOwner: true,
                                             by: .staff(csStaff.principal), context: csStaff.context)
            }
            assign(t, d, 9.5, to: engineer, .engineering)
            start(t, d + 1, 10, by: engineer)
            resolve(t, d + 3, 16, by: engineer, "外墙打胶封堵，室内墙面重新处理", cause: .construction, contractor: "浙江华坤外墙工程")
        }
        if let h = home(6), let d = after(h, 7) {
            // Never started: past both deadlines, escalated by the job.
            let t = ticket(d, 11, .repair, "空调冷凝水倒灌进室内", category: "工程质量 / 设备设施", home: h, component: .heatingCooling,
                           location: "客厅", assignee: (engineer, .engineering))
            comment(t, d + 2, 15, by: csStaff, "工程部称空调安装单位排期中", toOwner: false)
        }
        if let h = home(7), let d = after(h, 5) {
            let t = ticket(d, 14, .repair, "客厅木地板起拱", category: "工程质量 / 墙地面", home: h, component: .decoration, location: "客厅")
            assign(t, d, 15, to: engineer, .engineering)
            start(t, d + 1, 10, by: engineer, note: "已上门，待地板厂家确认方案")
        }
        if let h = home(8), let d = after(h, 2) {
            let t = ticket(d, 18, .repair, "入户门锁芯卡顿", home: h, component: .decoration, location: "入户门", fromOwner: true)
            assign(t, d + 1, 9, to: engineer, .engineering, by: csStaff)
            start(t, d + 1, 10, by: engineer)
            resolve(t, d + 2, 11, by: engineer, "更换锁芯", cause: .material)
        }
        if let h = home(8) {
            ticket(0, -2, .repair, "阳台地漏堵塞", category: "工程质量 / 水电", home: h, component: .plumbing, location: "生活阳台")
        }
        // Found at the handover inspection (验房), before delivery: the developer's to put right.
        if let h = inspected {
            let t = ticket(-3, 10, .repair, "验房：次卧墙面空鼓开裂", channel: .walkIn, category: "工程质量 / 开裂", home: h,
                           component: .decoration, location: "次卧", by: csStaff)
            assign(t, -3, 11, to: engineer, .engineering)
            start(t, -2, 9, by: engineer)
        }
        // Out of warranty (two years for pipes), where a unit was delivered that long ago.
        if let h = delivered.first(where: { $0.deliveredOn!.adding(days: 2 * 365 + 30) < today }) {
            let t = ticket(-16, 10, .repair, "厨房下水管漏水", category: "工程质量 / 水电", home: h, component: .plumbing, location: "厨房")
            assign(t, -16, 11, to: engineer, .engineering)
            start(t, -15, 9, by: engineer)
            resolve(t, -15, 15, by: engineer, "已过保修期，业主同意有偿更换下水管", cause: .ownerUse, costYuan: 350, chargeable: true)
            callback(t, -13, 10, satisfaction: 4)
        }

        // MARK: Complaints

        if let h = buyer(-85, 0) {
            let t = ticket(-85, 10, .complaint, "中心水景未按售楼处效果图建设", category: "销售承诺 / 景观配套", home: h,
                           description: "业主称销售承诺的中心水景面积缩小一半")
            assign(t, -85, 11, to: csStaff, .customerService)
            start(t, -85, 11.5, by: csStaff)
            comment(t, -84, 10, by: csStaff, "已转设计院核实景观施工图，三个工作日内答复", toOwner: true)
            resolve(t, -83, 16, by: csStaff, "出具景观调整说明，增设水景互动区", cause: .salesPromise)
            callback(t, -81, 10, satisfaction: 4)
        }
        if let h = buyer(-70, 1) {
            // Not solved at the callback: worked again, then closed.
            let t = ticket(-70, 9.5, .complaint, "补充协议车位条款与销售口径不一致", channel: .letter, category: "合同 / 条款争议", home: h, by: csStaff)
            assign(t, -70, 10, to: csStaff, .customerService)
            start(t, -70, 11, by: csStaff)
            resolve(t, -68, 15, by: csStaff, "法务解释条款，车位按补充协议执行", cause: .salesPromise)
            callback(t, -67, 10, satisfaction: 2, solved: false, note: "业主不认可解释，要求书面答复")
            comment(t, -66, 9, by: csManager, "约业主面谈，法务一同参加", toOwner: false)
            resolve(t, -63, 16, by: csStaff, "书面答复并同意车位优先选购权", cause: .salesPromise)
            callback(t, -62, 10, satisfaction: 4, note: "接受书面答复")
        }
        if let h = buyer(-60, 2) {
            let t = ticket(-60, 10, .complaint, "网签备案进度慢，影响贷款审批", category: "产权办理", home: h)
            assign(t, -60, 10.5, to: csStaff, .customerService)
            start(t, -60, 11, by: csStaff)
            resolve(t, -59, 15, by: csStaff, "已催办备案，次日完成", cause: .other)
            callback(t, -58, 10, satisfaction: 5)
        }
        do {
            let t = ticket(-52, 14, .complaint, "车位管理费收取标准不清楚", category: "物业服务 / 收费", home: buyer(-52, 3))
            assign(t, -52, 15, to: property, .property)
            start(t, -52, 15.5, by: property)
            resolve(t, -50, 11, by: property, "公示车位管理费标准及物价部门批文", cause: .propertyService)
            callback(t, -49, 10, satisfaction: 3)
        }
        do {
            let t = ticket(-45, 9, .complaint, "小区主干道地砖开裂", category: "工程质量 / 开裂", location: "3号门主干道")
            assign(t, -45, 10, to: property, .engineering)
            start(t, -45, 10.5, by: property)
            resolve(t, -43, 16, by: property, "更换开裂地砖并夯实基层", cause: .construction)
            callback(t, -42, 10, satisfaction: 4)
        }
        do {
            // 危机: many owners at the sales office; the manager is told at once.
            let t = ticket(-40, 10, .complaint, "多名业主聚集售楼处，反映学区承诺未兑现", channel: .walkIn, severity: .crisis,
                           category: "销售承诺 / 学区与配套", home: buyer(-40, 4), description: "约二十名业主到场，要求开发商书面答复",
                           by: csManager, assignee: (csManager, .customerService))
            start(t, -40, 10.2, by: csManager)
            comment(t, -40, 11, by: csManager, "已成立专项小组，三日内书面答复", toOwner: true)
            comment(t, -40, 11.5, by: csManager, "已报集团品牌部和法务", toOwner: false)
            resolve(t, -37, 17, by: csManager, "与教育局确认学区划片，向业主书面说明并组织沟通会", cause: .salesPromise)
            callback(t, -36, 10, satisfaction: 3, note: "多数业主接受说明")
        }
        do {
            let t = ticket(-35, 9, .complaint, "小区绿化带垃圾无人清理", channel: .online, category: "物业服务 / 保洁绿化", by: csStaff)
            assign(t, -35, 9.5, to: property, .property)
            start(t, -35, 10, by: property)
            resolve(t, -34, 11, by: property, "已清理并增加保洁巡查频次", cause: .propertyService)
            callback(t, -33, 10, satisfaction: 5)
        }
        if let h = delivered.first(where: { below.contains($0.unitID) }) ?? home(3), let d = after(h, 1) {
            // 重大: the registered area well below the contract's.
            let t = ticket(d, 10, .complaint, "实测面积比合同少4%，要求退差并赔偿", channel: .walkIn, severity: .major,
                           category: "合同 / 面积差", home: h, by: csStaff)
            assign(t, d, 10.5, to: csManager, .customerService, by: csStaff)
            start(t, d, 10.75, by: csManager)
            comment(t, d, 15, by: csManager, "面积差款已按合同第二十条走退款审批", toOwner: true)
            resolve(t, d + 1, 9.5, by: csManager, "超出3%部分按合同双倍退还差价，已审批", cause: .design)
            callback(t, d + 2, 10, satisfaction: 4)
        }
        do {
            let t = ticket(-20, 8.5, .complaint, "地下车库顶板渗水滴到车上", category: "工程质量 / 渗漏", location: "地下车库B1 23号车位")
            assign(t, -20, 9, to: property, .engineering)
            start(t, -20, 10, by: property)
            resolve(t, -18, 16, by: property, "车库顶板裂缝注浆堵漏", cause: .construction, contractor: "中建八局 防水班组")
            callback(t, -16, 10, satisfaction: nil)
        }
        if let h = buyer(-14, 5) {
            // Past its deadline, waiting on legal: escalated by the job.
            let t = ticket(-14, 10, .complaint, "交付时间比合同约定晚，要求支付违约金", channel: .letter, category: "合同 / 延期交付", home: h, by: csStaff)
            assign(t, -14, 11, to: csStaff, .customerService)
            start(t, -14, 14, by: csStaff)
            comment(t, -12, 10, by: csStaff, "等待法务出具违约金核算意见", toOwner: false)
        }
        if let h = home(7) {
            let d = after(h, 1) ?? -9
            let t = ticket(d, 10, .complaint, "厨房橱柜品牌与交付标准不符", channel: .frontDesk, category: "销售承诺 / 交付标准", home: h, by: csStaff)
            assign(t, d, 11, to: csStaff, .customerService)
            start(t, d, 11.5, by: csStaff)
            resolve(t, d + 2, 16, by: csStaff, "核对交付标准，同品质替换品牌已出具说明", cause: .salesPromise)
            callback(t, d + 4, 10, satisfaction: nil)
        }
        if let h = home(5) {
            let t = ticket(-6, 15, .complaint, "窗户密封条脱落漏风", channel: .online, category: "工程质量 / 门窗", home: h)
            assign(t, -6, 15.5, to: csStaff, .customerService)
            start(t, -6, 16.5, by: csStaff)
            resolve(t, -4, 15, by: csStaff, "联系门窗厂家更换密封条", cause: .construction)
        }
        do {
            let t = ticket(-8, 10, .complaint, "地库夜间照明不足", category: "物业服务 / 安全秩序", location: "地下车库B1")
            assign(t, -8, 10.5, to: property, .property)
            start(t, -8, 11.5, by: property)
            resolve(t, -6, 16, by: property, "更换损坏灯具，夜间照明改为常亮", cause: .propertyService)
        }

        // MARK: Inquiries, suggestions, praise

        for (day, title, category, reply) in [
            (-88, "咨询贷款审批进度", "咨询建议", "已告知按揭专员联系方式"),
            (-65, "咨询交付时间安排", "咨询建议", "告知交付批次及预约方式"),
            (-45, "咨询产权证办理所需材料", "产权办理", "发送材料清单"),
            (-22, "咨询车位租售政策", "咨询建议", "告知车位销售方案及租赁价格"),
        ] {
            let t = ticket(day, 10, .inquiry, title, category: category, home: buyer(day, -day), assignee: (csStaff, .customerService))
            answer(t, day, 10.5, by: csStaff, reply)
        }
        // Not answered since yesterday afternoon: past the response deadline.
        ticket(-1, 16, .inquiry, "咨询装修备案流程", channel: .online, category: "咨询建议", home: buyer(-1, 9), by: csStaff)
        ticket(0, -1, .inquiry, "咨询业主微信群加入方式", category: "咨询建议", home: buyer(0, 11))

        do {
            let t = ticket(-75, 10, .suggestion, "建议增加小区快递柜", channel: .online, category: "咨询建议")
            assign(t, -75, 11, to: property, .property)
            answer(t, -74, 10, by: property, "已与快递柜运营商签约，下月安装")
        }
        do {
            let t = ticket(-30, 10, .suggestion, "建议地库增加充电桩", category: "咨询建议", home: buyer(-30, 6))
            assign(t, -30, 11, to: property, .property)
            answer(t, -28, 10, by: property, "已纳入明年维修基金计划，先行增设10个充电桩")
        }
        do {
            let t = ticket(-3, 10, .suggestion, "建议开通业主线上缴费", channel: .online, category: "咨询建议", home: buyer(-3, 7))
            assign(t, -3, 11, to: property, .property)
            start(t, -2, 9.5, by: property, note: "与物业收费系统厂商沟通中")
        }
        for (i, (day, title, who)) in [(-55, "表扬置业顾问孙丽娜服务周到", "已转达销售部并通报表扬"),
                                       (-19, "表扬维修师傅蒋工连夜抢修", "已转达工程部并通报表扬"),
                                       (-5, "表扬交付现场组织有序", "已转达交付小组")].enumerated() {
            let t = ticket(day, 11, .praise, title, home: buyer(day, 13 + 7 * i), assignee: (csStaff, .customerService))
            answer(t, day, 15, by: csStaff, who)
        }

        await run()
        // The job: tickets past their deadlines go to the manager.
        _ = try await tickets.escalateDue()
        // The demo's people are invented: what the story queued is never sent, even with a real SMS gateway.
        try await (db as! any SQLDatabase).raw("""
            UPDATE outbox_messages SET status = 'failed', last_error = 'demo data: not sent'
            WHERE project_id = \(bind: projectID) AND status = 'pending'
            """).run()
        if !failures.isEmpty {
            throw DemoFailure("demo tickets: \(failures.count) steps refused; first: \(failures[0])")
        }
    }

    /// Units registered more than 3 % below the contract (the 面积差 complaint).
    private var below: Set<UUID> = []

    /// The sold units (signed), those delivered (oldest first), and one handed over but not
    /// yet delivered (验房 found something).
    func homes() async throws -> (signed: [Home], delivered: [Home], inspected: Home?) {
        struct R: Decodable {
            var unitId: UUID; var code: String; var subscriptionId: UUID; var signedOn: String; var deliveredOn: String?
            var registeredArea: Int64?; var contractArea: Int64
        }
        struct B: Decodable { var subscriptionId: UUID; var customerId: UUID; var mobile: String; var position: Int }
        let sql = db as! any SQLDatabase
        let decoder = SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase)
        let rows = try await sql.raw("""
            SELECT c.unit_id, u.code, c.subscription_id, c.signed_on, c.delivered_on, c.registered_area, c.contract_area
            FROM contracts c JOIN units u ON u.id = c.unit_id
            WHERE c.project_id = \(bind: projectID) AND c.status <> 'terminated' AND c.signed_on IS NOT NULL
            """).all(decoding: R.self, with: decoder)
        let buyers = try await sql.raw("""
            SELECT b.subscription_id, b.customer_id, cu.mobile, b.position FROM sale_buyers b JOIN customers cu ON cu.id = b.customer_id
            JOIN subscriptions s ON s.id = b.subscription_id
            WHERE s.project_id = \(bind: projectID) AND b.is_current = \(SQLLiteral.boolean(true))
            """).all(decoding: B.self, with: decoder)
        var first: [UUID: B] = [:]
        for b in buyers where first[b.subscriptionId].map({ b.position < $0.position }) ?? true { first[b.subscriptionId] = b }
        var signed: [Home] = [], delivered: [Home] = [], inspected: [Home] = []
        for r in rows {
            guard let b = first[r.subscriptionId], let on = CalendarDay(r.signedOn) else { continue }
            let h = Home(unitID: r.unitId, code: r.code, customerID: b.customerId, mobile: b.mobile, signedOn: on,
                         deliveredOn: r.deliveredOn.flatMap(CalendarDay.init))
            signed.append(h)
            if h.deliveredOn != nil {
                delivered.append(h)
                if let area = r.registeredArea, area * 100 < r.contractArea * 97 { below.insert(h.unitID) }
            } else if r.registeredArea != nil {
                inspected.append(h)
            }
        }
        signed.sort { ($0.signedOn, $0.code) < ($1.signedOn, $1.code) }
        delivered.sort { ($0.deliveredOn!, $0.code) < ($1.deliveredOn!, $1.code) }
        return (signed, delivered, inspected.sorted { $0.code < $1.code }.first)
    }

    /// A small valid PNG (24×16, a grey wall with a darker damp patch): the photo on the leak.
    static func photo() -> Data {
        let width = 24, height = 16
        var raw: [UInt8] = []
        for y in 0..<height {
            raw.append(0)   // filter: none
            for x in 0..<width {
                let dx = x - 15, dy = y - 6
                let damp = dx * dx + 2 * dy * dy < 40
                raw += damp ? [0x8A, 0x8F, 0x7A] : [0xD8, 0xD6, 0xCF]
            }
        }
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        func crc32(_ bytes: [UInt8]) -> UInt32 {
            var c: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                c ^= UInt32(byte)
                for _ in 0..<8 { c = (c & 1) == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            }
            return ~c
        }
        func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
            let typed = Array(type.utf8) + body
            return be32(UInt32(body.count)) + typed + be32(crc32(typed))
        }
        // zlib with one stored (uncompressed) deflate block: the image is tiny.
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in raw { a = (a + UInt32(byte)) % 65_521; b = (b + a) % 65_521 }
        let n = UInt16(raw.count)
        var zlib: [UInt8] = [0x78, 0x01, 0x01, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8(~n >> 8)]
        zlib += raw
        zlib += be32((b << 16) | a)
        var header = be32(UInt32(width)) + be32(UInt32(height))
        header += [8, 2, 0, 0, 0]   // 8-bit RGB
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += chunk("IHDR", header)
        png += chunk("IDAT", zlib)
        png += chunk("IEND", [])
        return Data(png)
    }
}
