import EstateCore
import FluentKit
import Foundation

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
final class DemoSalesStory {
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
        consultant = try await DemoActor.named("consultant", services, db)
        manager = try await DemoActor.named("sales-manager", services, db)
        gm = try await DemoActor.named(DemoSeeder.username(for: .gm), services, db)
        csManager = try await DemoActor.named("cs-manager", services, db)
        csStaff = try await DemoActor.named("cs-staff", services, db)
        finance = try await DemoActor.named("finance", services, db)
        admin = try await DemoActor.named("admin", services, db)
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
        let name = String(DemoCustomers.surnames[roll(DemoCustomers.surnames.count)]) + DemoCustomers.givenNames[roll(DemoCustomers.givenNames.count)]
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
            let name = String(DemoCustomers.surnames[Int(rng.next() % UInt64(DemoCustomers.surnames.count))])
                + DemoCustomers.givenNames[Int(rng.next() % UInt64(DemoCustomers.givenNames.count))]
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
        try await DemoCustomers.seed(demo, db: db, projectID: projectID, rng: &rng)

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
        let c = try await customers.create(.init(name: name, mobile: mobile, idKind: .residentID, idNumber: DemoCustomers.residentID(&rng),
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
