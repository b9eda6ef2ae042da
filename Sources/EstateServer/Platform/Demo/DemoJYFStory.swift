import EstateCore
import FluentKit
import Foundation
import SQLKit

/// The demo's second project (issue 16): JYF 锦园府, one building of 40 units, sold and handed
/// over a year ago to 24 owners (16 of them bought two flats), told through the services on the
/// demo's clock as `DemoSalesStory` tells HXY's. The call centre answers both projects: its
/// agents, the shift lead and customer service hold the same roles here.
///
/// 林晓峰 (one mobile) owns 1-1-101 here and is buying in HXY (a subscription of the last days):
/// the desk shows both. He called about a leak (a repair, linked to the call, fixed and called
/// back), about his HXY contract, and today about the property fee (an inquiry, still open).
final class DemoJYFStory {
    static let projectCode = "JYF"
    /// 林晓峰's mobile: apart from the stories' random ones (13x/15x/18x/19x in HXY, 177 here).
    static let linMobile = "17700001688"
    static let linName = "林晓峰"
    /// Roles the demo's staff hold on JYF too.
    static let staffRoles: [(String, Role)] = [
        ("consultant", .consultant), ("sales-manager", .salesManager), ("cs-staff", .csStaff), ("cs-manager", .csManager),
        ("finance", .finance), ("engineer", .engineer), ("property", .property), ("shift-lead", .shiftLead),
        ("cc-supervisor", .ccSupervisor),
    ]

    let services: AppServices
    let demo: AppServices
    let db: any Database
    let clock: DemoClock
    let end: Date
    let today: CalendarDay
    var rng = SplitMix(seed: 20_261_206)
    var keys = 0

    init(_ services: AppServices, db: any Database) {
        self.services = services
        end = services.now()
        today = CalendarDay(end)
        clock = DemoClock(end)
        demo = services.running(on: clock)
        self.db = db
    }

    func at(_ day: Int, _ hour: Double) { clock.set(min(today.adding(days: day).start.addingTimeInterval(hour * 3600), end.addingTimeInterval(-60))) }
    func roll(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }

    /// The project, its building and the grants, in one transaction with their audit line.
    static func create(now: Date, on tx: any Database) async throws -> UUID {
        let project = ProjectRecord()
        project.id = UUID()
        project.code = projectCode
        project.name = "锦园府"
        project.city = "杭州"
        project.priceRounding = "fen"
        project.customerProtectionDays = 30
        project.isActive = true
        project.sellerName = "杭州锦园置业有限公司"
        project.sellerCreditCode = "91330106MA2CF7QP5L"
        project.sellerAddress = "浙江省杭州市拱墅区湖墅南路168号"
        project.presaleLicense = "杭售许字（2024）第000057号"
        project.serviceHotline = "400-826-1688"
        project.createdAt = now - 480 * 86_400
        project.updatedAt = now
        try await project.create(on: tx)
        let projectID = project.id!
        try await tx.sql.insert(into: "layouts").columns("id", "project_id", "name", "description", "created_at")
            .values(SQLBind(UUID()), SQLBind(projectID), SQLBind("A户型"), SQLBind("3室2厅2卫 118㎡"), SQLBind(now)).run()
        try await tx.sql.insert(into: "layouts").columns("id", "project_id", "name", "description", "created_at")
            .values(SQLBind(UUID()), SQLBind(projectID), SQLBind("B户型"), SQLBind("2室2厅1卫 89㎡"), SQLBind(now)).run()
        // 1号楼: 10 floors, one entrance, 4 rooms a floor.
        let building = BuildingRecord()
        building.id = UUID()
        building.projectID = projectID
        building.name = "1号楼"
        building.sortOrder = 1
        building.floors = 10
        building.entrances = 1
        try await building.create(on: tx)
        var units: [UnitRecord] = []
        for floor in 1...10 {
            for room in 1...4 {
                units.append(DemoInventory.unit(project: projectID, building: building, number: 1, entrance: 1, floor: floor, room: room, now: now))
            }
        }
        try await units.create(on: tx)
        var users: [String: UUID] = [:]
        for u in try await UserRecord.query(on: tx).all() { users[u.username] = u.id }
        let grants = staffRoles.map { ($0.0, $0.1) } + DemoCallCentreAgents.usernames.map { ($0, Role.csStaff) }
        for (username, role) in grants {
            guard let id = users[username] else { throw DemoFailure("demo user \(username) missing") }
            try await RoleGrantRecord(userID: id, role: role, projectID: projectID, now: now).create(on: tx)
        }
        return projectID
    }

    func tell(projectID: UUID, hxy: UUID) async throws {
        let consultant = try await DemoActor.named("consultant", services, db)
        let manager = try await DemoActor.named("sales-manager", services, db)
        let csStaff = try await DemoActor.named("cs-staff", services, db)
        let finance = try await DemoActor.named("finance", services, db)
        let sales = demo.sales(db), customers = demo.customers(db)
        let units = try await demo.inventory(db).allUnits(projectID).sorted { ($0.floor, $0.room) < ($1.floor, $1.room) }

        // 开盘 420 days ago; every unit sold within 40 days, full payment; 24 owners, 16 with a second flat.
        at(-430, 9)
        _ = try await demo.salesControl(db).release(units.map(\.id), in: projectID, batchName: "开盘 1号楼", context: manager.context)
        var owners: [(name: String, mobile: String)] = [(Self.linName, Self.linMobile)]
        while owners.count < 24 {
            let name = String(DemoCustomers.surnames[roll(DemoCustomers.surnames.count)]) + DemoCustomers.givenNames[roll(DemoCustomers.givenNames.count)]
            owners.append((name, "177\(String(format: "%08d", 10_000_000 + owners.count * 137_531))"))
        }
        var ownerIDs: [UUID] = []
        var contracts: [(UUID, Int)] = []
        for (i, u) in units.enumerated() {
            // 林晓峰 (owner 0) has one flat; owners 1–16 two; 17–23 one.
            let owner = i == 0 ? 0 : i <= 32 ? 1 + (i - 1) / 2 : 17 + (i - 33)
            let day = -420 + i
            at(day, 10)
            if owner == ownerIDs.count {
                let (name, mobile) = owners[owner]
                ownerIDs.append(try await customers.create(.init(name: name, mobile: mobile, idKind: .residentID, idNumber: DemoCustomers.residentID(&rng),
                                                                 gender: ["male", "female"][roll(2)], address: "杭州市拱墅区湖墅南路\(100 + roll(300))号",
                                                                 source: "自然到访", grade: "A"),
                                                           in: projectID, owner: consultant.id, context: consultant.context).id)
            }
            let sub = try await sales.subscribe(.init(unitID: u.id, buyers: [.init(customerID: ownerIDs[owner], share: 10_000)], method: .full,
                                                      deposit: Money(yuan: 50_000), contractDeadline: CalendarDay(clock.now).adding(days: 7)),
                                                in: projectID, principal: consultant.principal, context: consultant.context)
            try await pay(sub.id, .deposit, payer: owners[owner].name, consultant)
            at(day + 1, 10)
            try await confirm(sub.id, in: projectID, finance)
            let now = CalendarDay(clock.now)
            let c = try await sales.createContract(.init(subscriptionID: sub.id, buyerKind: .localIndividual, firstPaymentDue: now.adding(days: 7),
                                                         deliveryDue: today.adding(days: -60)), context: consultant.context)
            for code in DocumentChecklist.required(method: .full, buyer: .localIndividual) {
                _ = try await sales.setDocument(c.id, code: code, received: true, note: "", context: consultant.context)
            }
            _ = try await sales.review(c.id, approve: true, note: "", context: csStaff.context)
            at(day + 2, 15)
            _ = try await sales.sign(c.id, on: CalendarDay(clock.now), context: csStaff.context)
            try await pay(sub.id, .downPayment, payer: owners[owner].name, consultant)
            at(day + 3, 10)
            try await confirm(sub.id, in: projectID, finance)
            contracts.append((c.id, i))
        }
        // 交付 two months ago, a few flats a day; the registered area as contracted.
        for (id, i) in contracts {
            at(-75 + i / 4, 10 + Double(i % 4))
            let c = try await sales.contract(id)
            _ = try await sales.recordHandover(id, registered: c.area, decision: nil, context: csStaff.context)
            _ = try await sales.deliver(id, on: CalendarDay(clock.now), note: "钥匙两把、门禁卡两张", context: csStaff.context)
        }
        try await linXiaofeng(jyf: projectID, hxy: hxy, flat: units[0], owner: ownerIDs[0])
        try await dutyLogs(hxy)
        clock.set(end)
    }

    /// 值班日志 of the call centre (on HXY, its home project): yesterday's day shift signed off by the
    /// shift lead, today's open.
    func dutyLogs(_ hxy: UUID) async throws {
        let lead = try await DemoActor.named("shift-lead", services, db)
        let logs = demo.dutyLogs(db)
        let names = DemoCallCentreAgents.names
        at(-1, 8)
        var y = DutyLogService.Draft(shiftDate: today.adding(days: -1).description, shiftName: "早班",
                                     startsAt: today.adding(days: -1).start.addingTimeInterval(8 * 3600),
                                     endsAt: today.adding(days: -1).start.addingTimeInterval(17 * 3600))
        y.onDuty = "褚婷（班长）、" + names[0..<6].joined(separator: "、")
        y.incidents = "09:40 话务高峰，排队最长 3 分钟，临时加开 2 个坐席。\n14:10 锦园府业主来电咨询车位租赁，已转物业答复。"
        y.complaints = "华熙悦府 1号楼业主投诉电梯噪音（已建工单，工程部跟进）。"
        y.handover = "1号楼电梯噪音工单待工程部回复，今日早班跟进回电业主。"
        let yesterday = try await logs.create(y, in: hxy, by: lead.principal, context: lead.context)
        at(-1, 17.1)
        _ = try await logs.signOff(yesterday.id, by: lead.principal, context: lead.context)
        let morning = today.start.addingTimeInterval(8 * 3600)
        clock.set(morning < end ? morning : end.addingTimeInterval(-600))
        var d = DutyLogService.Draft(shiftDate: today.description, shiftName: "早班", startsAt: today.start.addingTimeInterval(8 * 3600),
                                     endsAt: today.start.addingTimeInterval(17 * 3600))
        d.onDuty = "褚婷（班长）、" + names[6..<12].joined(separator: "、")
        d.incidents = "林晓峰（锦园府 1-1-101 业主，华熙悦府认购中）来电询问物业费，已建咨询工单。"
        d.handover = ""
        _ = try await logs.create(d, in: hxy, by: lead.principal, context: lead.context)
    }

    func pay(_ sale: UUID, _ kind: PlanItemKind, payer: String, _ by: DemoActor) async throws {
        let sales = demo.sales(db)
        guard let item = try await sales.plan(sale, rate: 0).first(where: { $0.kind == kind && $0.isLive }) else {
            throw DemoFailure("JYF: nothing to pay on \(kind.rawValue)")
        }
        keys += 1
        _ = try await sales.postReceipt(.init(itemID: item.id, amount: item.amount - item.collected - item.pending, method: .transfer,
                                              receivedOn: CalendarDay(clock.now), payer: payer, reference: "网银 \(String(format: "%06d", roll(1_000_000)))"),
                                        sale: sale, idempotencyKey: "demo-jyf-receipt-\(keys)", principal: by.principal, context: by.context)
    }

    func confirm(_ sale: UUID, in projectID: UUID, _ finance: DemoActor) async throws {
        let sales = demo.sales(db)
        for r in try await sales.receipts(projectID, status: .pending, sale: sale, page: PageRequest(page: 1, perPage: 50)).items {
            _ = try await sales.confirm(r.id, principal: finance.principal, context: finance.context)
        }
    }

    /// 林晓峰 buys in HXY, and calls the hotline about both homes.
    func linXiaofeng(jyf: UUID, hxy: UUID, flat: UnitRow, owner: UUID) async throws {
        let consultant = try await DemoActor.named("consultant", services, db)
        let finance = try await DemoActor.named("finance", services, db)
        let csManager = try await DemoActor.named("cs-manager", services, db)
        let engineer = try await DemoActor.named("engineer", services, db)
        let agent1 = try await DemoActor.named(DemoCallCentreAgents.usernames[0], services, db)
        let agent2 = try await DemoActor.named(DemoCallCentreAgents.usernames[1], services, db)
        let agent3 = try await DemoActor.named(DemoCallCentreAgents.usernames[2], services, db)
        let sales = demo.sales(db), customers = demo.customers(db), calls = demo.calls(db), tickets = demo.tickets(db)

        // HXY: a customer since his visit a week ago, subscribed four days ago (an improvement home for his parents).
        at(-7, 15)
        var buyer = try await customers.find(mobile: Self.linMobile, in: hxy)?.id
        if buyer == nil {
            buyer = try await customers.create(.init(name: Self.linName, mobile: Self.linMobile, gender: "male", source: "老带新", grade: "A",
                                                     tags: ["改善"], notes: "锦园府业主，为父母改善置业"),
                                               in: hxy, owner: consultant.id, context: consultant.context).id
        }
        guard let buyer else { throw DemoFailure("JYF: 林晓峰 not in HXY") }
        _ = try await customers.logContact(buyer, in: hxy, .init(kind: .visit, partySize: 2, interests: "三居 低区", notes: "锦园府业主，带父母看房",
                                                                 nextStep: "认购"), by: consultant.id, context: consultant.context)
        at(-4, 11)
        let unit = try await demo.inventory(db).allUnits(hxy).first { $0.status == .available && (6...12).contains($0.floor) }
        guard let unit else { throw DemoFailure("JYF: no HXY unit left for 林晓峰") }
        let sub = try await sales.subscribe(.init(unitID: unit.id, buyers: [.init(customerID: buyer, share: 10_000)], method: .commercialLoan,
                                                  deposit: Money(yuan: 50_000), contractDeadline: CalendarDay(clock.now).adding(days: 10)),
                                            in: hxy, principal: consultant.principal, context: consultant.context)
        try await pay(sub.id, .deposit, payer: Self.linName, consultant)
        at(-3, 10)
        try await confirm(sub.id, in: hxy, finance)

        // JYF, 40 days ago: 卫生间渗水 — the call, the repair linked to it, fixed, called back.
        at(-40, 9.2)
        let leakCall = try await calls.log(.init(direction: .inbound, number: Self.linMobile, projectID: jyf, agentID: agent1.id,
                                                 timing: try CallTiming(offeredAt: clock.now, answeredAt: clock.now + 12, endedAt: clock.now + 250,
                                                                        wrapSeconds: 40),
                                                 category: TicketKind.repair.rawValue, note: "主卫地面渗水到楼下", source: .desk), context: agent1.context)
        at(-40, 9.3)
        var d = TicketService.Draft(kind: .repair, channel: .hotline, severity: .normal, title: "主卫地面渗水")
        d.description = "业主来电：主卫地面渗水，楼下业主反映天花板有水渍。"
        d.customerID = owner
        d.unitID = flat.id
        d.location = "主卫"
        d.component = .wetRoomWaterproofing
        d.callID = leakCall.id
        let leak = try await tickets.create(d, in: jyf, by: .staff(agent1.principal), context: agent1.context)
        var input = TicketService.ActionInput()
        input.assigneeID = engineer.id
        input.department = .engineering
        at(-40, 10)
        _ = try await tickets.act(leak.id, .assign, input, by: csManager.principal, context: csManager.context)
        at(-39, 9)
        _ = try await tickets.act(leak.id, .start, .init(), by: engineer.principal, context: engineer.context)
        at(-37, 16)
        var done = TicketService.ActionInput()
        done.note = "重做主卫防水层，闭水试验 48 小时无渗漏"
        done.cause = .construction
        _ = try await tickets.act(leak.id, .resolve, done, by: engineer.principal, context: engineer.context)
        at(-36, 10)
        _ = try await tickets.act(leak.id, .startCallback, .init(), by: agent2.principal, context: agent2.context)
        _ = try await tickets.recordCallback(leak.id, satisfaction: 5, solved: true, note: "业主确认不再渗水，楼下已干", by: .staff(agent2.principal),
                                             context: agent2.context)

        // HXY, two days ago: when is the contract signed — answered on the call.
        at(-2, 14.5)
        _ = try await calls.log(.init(direction: .inbound, number: "+86 177-0000-1688", projectID: hxy, agentID: agent3.id,
                                      timing: try CallTiming(offeredAt: clock.now, answeredAt: clock.now + 8, endedAt: clock.now + 140),
                                      category: TicketKind.inquiry.rawValue, outcome: .resolved, note: "询问签约时间与按揭材料，已告知置业顾问会联系",
                                      source: .desk), context: agent3.context)

        // JYF, this morning: the property fee — an inquiry, open.
        let morning = today.start.addingTimeInterval(9.5 * 3600)
        clock.set(morning < end ? morning : end.addingTimeInterval(-1800))
        let feeCall = try await calls.log(.init(direction: .inbound, number: Self.linMobile, projectID: jyf, agentID: agent1.id,
                                                timing: try CallTiming(offeredAt: clock.now, answeredAt: clock.now + 20, endedAt: clock.now + 180),
                                                category: TicketKind.inquiry.rawValue, note: "物业费账单比去年多一个月", source: .desk),
                                          context: agent1.context)
        var q = TicketService.Draft(kind: .inquiry, channel: .hotline, severity: .normal, title: "物业费账单疑问")
        q.description = "业主反映今年物业费账单多计一个月，请物业核对。"
        q.customerID = owner
        q.unitID = flat.id
        q.callID = feeCall.id
        _ = try await tickets.create(q, in: jyf, by: .staff(agent1.principal), context: agent1.context)
    }
}
