import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 采购 on the demo (issue 19), told through `SupplierService`, `PurchasePlanService`, `PurchaseOrderService` and the
/// approvals engine on the demo's clock (40 days back to today):
/// - 25 suppliers across the categories, each with a credit code that passes GB 32100 and a qualification; 川西建材
///   (wrong steel grades delivered) blacklisted through 朱涛's approval; 蓉城电梯's 特种设备安装许可 lapsing in 12 days;
/// - needs from engineering, property and the sales site, consolidated into this month's plan (approved by the GM) and
///   next month's (waiting for the GM);
/// - orders in every state: approved (they make the 市场行情), waiting for the procurement manager (< ¥30,000) and for
///   the GM (≥ ¥30,000, one priced above the market with a reason, one at the public-tender threshold), rejected and
///   withdrawn; the steel delivered into six units, inspected (one tonne returned), invoiced and paid; the cement's
///   invoice billing above the order's price, in the mismatch queue; the second steel batch partly returned (1 of the 2
///   rejected tonnes) and its two mismatched invoices resolved (one accepted by the manager with the reason, one
///   replaced by a corrected invoice); the steel and the cement stocked into their site stores and drawn by the sites;
///   the buyer's and the engineer's ratings of the steel and cement suppliers' service;
/// - a tender for the facade paint with four sealed bids, opening three days after today.
struct DemoProcurementStory {
    let services: AppServices
    let db: any Database
    let projectID: UUID

    init(_ services: AppServices, db: any Database, projectID: UUID) {
        self.services = services
        self.db = db
        self.projectID = projectID
    }

    static let suppliers: [(String, [SupplierCategory], String)] = [
        ("川西建材有限公司", [.materials], "刘川"), ("成都华西钢材贸易有限公司", [.materials], "陈钢"), ("四川蜀南水泥有限公司", [.materials], "罗敏"),
        ("成都天府商砼有限公司", [.materials], "黄河"), ("四川金牛防水材料有限公司", [.materials], "杜鹏"), ("成都锦江门窗幕墙有限公司", [.materials, .decoration], "许红"),
        ("蓉城电梯工程有限公司", [.equipment], "马骏"), ("四川中空调设备有限公司", [.equipment], "胡峰"), ("成都安顺消防设备有限公司", [.equipment], "郭亮"),
        ("四川明光照明电器有限公司", [.equipment], "林森"), ("成都雅居装饰工程有限公司", [.decoration], "何静"), ("四川锦华精装工程有限公司", [.decoration], "吕洋"),
        ("成都石材世家有限公司", [.decoration, .materials], "邓石"), ("四川绿野园林景观有限公司", [.landscaping], "叶青"), ("成都花木苗圃有限公司", [.landscaping], "苗春"),
        ("四川山水景观工程有限公司", [.landscaping, .construction], "袁山"), ("成都办公家具有限公司", [.office], "蔡文"), ("四川文达办公用品有限公司", [.office], "宋达"),
        ("成都华建建设工程有限公司", [.construction], "唐建"), ("四川蜀道路桥工程有限公司", [.construction], "孟路"), ("成都正衡工程监理有限公司", [.services], "曹衡"),
        ("四川宏图建筑设计院有限公司", [.services], "魏图"), ("成都锦程物业服务有限公司", [.services], "姜诚"), ("四川安居保洁服务有限公司", [.services], "范洁"),
        ("成都弱电智能化工程有限公司", [.equipment, .construction], "彭智"),
    ]

    static let qualificationNames: [SupplierCategory: String] = [
        .materials: "建筑材料供应备案证", .equipment: "特种设备安装改造维修许可证", .decoration: "建筑装修装饰工程专业承包资质",
        .landscaping: "园林绿化工程施工资质", .office: "营业执照（办公用品）", .construction: "建筑工程施工总承包资质", .services: "工程监理资质",
    ]

    func tell() async throws {
        let end = services.now()
        let clock = DemoClock(end.addingTimeInterval(-40 * 86_400))
        let demo = services.running(on: clock)
        let suppliers = demo.suppliers(db), plans = demo.purchasePlans(db), orders = demo.purchaseOrders(db), approvals = demo.approvals(db)
        let staff = try await DemoActor.named("procurement-staff", services, db)
        let manager = try await DemoActor.named("procurement-manager", services, db)
        let gm = try await DemoActor.named("general-manager", services, db)
        let engineer = try await DemoActor.named("engineer", services, db)
        let property = try await DemoActor.named("property", services, db)
        let start = CalendarDay(clock.now)

        // 25 suppliers with a qualification each (蓉城电梯's lapses 12 days after today).
        var ids: [UUID] = []
        for (i, (name, categories, contact)) in Self.suppliers.enumerated() {
            guard let code = CreditCode.completing("915101" + String(format: "%02d", 4 + i % 10) + "MA6C" + String(format: "%05d", 1_000 + i * 37)) else {
                throw DemoFailure("demo credit code \(i)")
            }
            let s = try await suppliers.create(.init(name: name, creditCode: code, categories: categories, address: "成都市高新区天府大道\(100 + i * 11)号",
                                                     bankName: ["中国建设银行成都高新支行", "招商银行成都分行", "中国工商银行成都天府支行"][i % 3],
                                                     bankAccount: "5100" + String(format: "%012d", 770_000_000 + i * 1_379), contactName: contact,
                                                     contactMobile: String(format: "1380282%04d", 100 + i)),
                                               by: staff.id, context: staff.context)
            let expires = i == 6 ? CalendarDay(end).adding(days: 12) : start.adding(days: 200 + i * 20)
            _ = try await suppliers.addQualification(s.id, category: categories[0], name: Self.qualificationNames[categories[0]] ?? "资质证书",
                                                     number: String(format: "ZZ-%04d-%03d", 2024, i + 1), expiresOn: expires.description,
                                                     context: staff.context)
            ids.append(s.id)
        }

        // Needs from the departments, then this month's plan (the GM approves) with budget lines.
        clock.set(clock.now.addingTimeInterval(2 * 86_400))
        var steelNeeds: [UUID] = []
        for (who, dept, material, qty, days) in [(engineer, "engineering", "HRB400 钢筋", "180", 20), (engineer, "engineering", "HRB400 钢筋", "60", 35),
                                                  (property, "property", "P.O 42.5 水泥", "300", 25)] {
            let n = try await plans.raiseNeed(.init(projectID: projectID, department: dept, category: .materials, material: material, unit: "吨",
                                                    quantity: qty, neededOn: CalendarDay(clock.now).adding(days: days).description,
                                                    note: "2号楼主体"), by: who.id, context: who.context)
            if material.hasPrefix("HRB") { steelNeeds.append(n.id) }
        }
        _ = try await plans.raiseNeed(.init(projectID: projectID, department: "sales_site", category: .office, material: "洽谈桌椅", unit: "套",
                                            quantity: "12", neededOn: CalendarDay(clock.now).adding(days: 40).description, note: "样板间开放"),
                                      by: property.id, context: property.context)
        let month = String(CalendarDay(clock.now).description.prefix(7))
        let plan = try await plans.createPlan(projectID: projectID, period: month, lines: [
            .init(category: .materials, material: "HRB400 钢筋", unit: "吨", quantity: "240", budget: "1100000", needIDs: steelNeeds),
            .init(category: .materials, material: "P.O 42.5 水泥", unit: "吨", quantity: "300", budget: "150000"),
            .init(category: .equipment, material: "乘客电梯 1000kg", unit: "台", quantity: "8", budget: "2400000"),
            .init(category: .landscaping, material: "香樟（胸径15cm）", unit: "株", quantity: "60", budget: "120000"),
            .init(category: .office, material: "办公家具", unit: "套", quantity: "20", budget: "60000"),
            .init(category: .decoration, material: "外墙真石漆", unit: "平方米", quantity: "12000", budget: "960000"),
        ], by: staff.principal, context: staff.context)
        clock.set(clock.now.addingTimeInterval(3_600))
        _ = try await approvals.decide(try required(plan.approvalId), approve: true, comment: "同意本月采购计划", by: gm.principal, context: gm.context)
        let lines = Dictionary(uniqueKeysWithValues: try await plans.lines(plan.id).map { ($0.material, $0.id) })
        func line(_ m: String) throws -> UUID { guard let id = lines[m] else { throw DemoFailure("demo plan line \(m)") }; return id }

        // Orders: approved ones first (they make the market), over the weeks.
        func order(_ supplier: Int, _ title: String, _ material: String, _ qty: String, _ price: String, reason: String = "",
                   by actor: DemoActor) async throws -> PurchaseOrderService.Order {
            clock.set(clock.now.addingTimeInterval(86_400))
            return try await orders.create(.init(projectID: projectID, supplierID: ids[supplier], planID: plan.id, title: title,
                                                 lines: [.init(planLineID: try line(material), quantity: qty, unitPrice: price,
                                                               dueOn: CalendarDay(clock.now).adding(days: 15).description)],
                                                 priceReason: reason), by: actor.principal, context: actor.context)
        }
        func decide(_ o: PurchaseOrderService.Order, _ approve: Bool, _ comment: String) async throws {
            clock.set(clock.now.addingTimeInterval(4 * 3_600))
            let by = o.requiredRole == Role.gm.rawValue ? gm : manager
            _ = try await approvals.decide(try required(o.approvalId), approve: approve, comment: comment, by: by.principal, context: by.context)
        }
        let steel = try await order(1, "2号楼主体钢筋（第一批）", "HRB400 钢筋", "60", "4050", by: staff)
        try await decide(steel, true, "价格合理")
        let cement = try await order(2, "2号楼水泥", "P.O 42.5 水泥", "100", "468", by: staff)
        try await decide(cement, true, "同意")
        // The steel arrives into the first units of building 2, is inspected (1 t rejected and returned), invoiced and paid;
        // the cement's invoice bills more than the order's price and waits in the mismatch queue.
        struct U: Decodable { var id: UUID }
        let units = try await db.sql.raw("SELECT id FROM units WHERE project_id = \(bind: projectID) ORDER BY code LIMIT 6").all(decoding: U.self).map(\.id)
        let deliveries = demo.deliveries(db), invoices = demo.invoices(db)
        // The site's two stores, set up before the first goods arrive.
        let yard = try await demo.siteStores(db).create(projectID: projectID, name: "2号楼钢筋堆场", by: staff.id, context: staff.context)
        let shed = try await demo.siteStores(db).create(projectID: projectID, name: "2号楼水泥库", by: staff.id, context: staff.context)
        clock.set(clock.now.addingTimeInterval(2 * 86_400))
        let steelLine = try await orders.lines(steel.id)[0]
        let d1 = try await deliveries.record(orderID: steel.id, deliveredOn: CalendarDay(clock.now).description, batch: "HX-2026-0412", siteStore: "", siteStoreID: yard.id,
                                             lines: [.init(orderLineID: steelLine.id, quantity: "60")], units: units.map { ($0, RepairComponent.structure) },
                                             by: staff.id, context: staff.context)
        let d1Line = try await deliveries.lines(d1.id)[0]
        _ = try await deliveries.inspect(d1.id, lines: [.init(lineID: d1Line.id, accepted: "59", rejected: "1", reason: "一捆钢筋锈蚀", returned: true)],
                                         by: engineer.id, context: engineer.context)
        let inv = try await invoices.record(orderID: steel.id, number: "51012611001", invoicedOn: CalendarDay(clock.now).description,
                                            lines: [.init(orderLineID: steelLine.id, quantity: "59", unitPrice: "4050", amount: "238950")],
                                            by: staff.id, context: staff.context)
        let finance = try await DemoActor.named("finance", services, db)
        clock.set(clock.now.addingTimeInterval(86_400))
        _ = try await invoices.pay(inv.id, by: finance.id, context: finance.context)
        let cementLine = try await orders.lines(cement.id)[0]
        let d2 = try await deliveries.record(orderID: cement.id, deliveredOn: CalendarDay(clock.now).description, batch: "SN-1108", siteStore: "", siteStoreID: shed.id,
                                             lines: [.init(orderLineID: cementLine.id, quantity: "100")], units: [], by: staff.id, context: staff.context)
        _ = try await deliveries.inspect(d2.id, lines: [.init(lineID: try await deliveries.lines(d2.id)[0].id, accepted: "100", rejected: "0", reason: "",
                                                              returned: false)], by: engineer.id, context: engineer.context)
        _ = try await invoices.record(orderID: cement.id, number: "51012611002", invoicedOn: CalendarDay(clock.now).description,
                                      lines: [.init(orderLineID: cementLine.id, quantity: "100", unitPrice: "475", amount: "47500")],
                                      by: staff.id, context: staff.context)
        let steel2 = try await order(1, "2号楼主体钢筋（第二批）", "HRB400 钢筋", "50", "3980", by: staff)
        try await decide(steel2, true, "同意")
        try await storeStory(demo: demo, clock: clock, staff: staff, engineer: engineer, inspected: [d1, d2], into: [yard, shed], steel2: steel2)
        // 服务评价: the buyer and the engineer who inspected rate each supplier's service on the delivered orders — 华西钢材
        // 3.25 stars over its two steel orders (service 65), 蜀南水泥 4.5 (service 90).
        let ratings = ScorecardService(store: demo.store(db), now: demo.now)
        for (o, who, stars, comment) in [
            (steel, staff, 4, "到货准时，质保书、复试委托资料齐全"), (steel, engineer, 3, "一捆钢筋锈蚀，换货两天到位"),
            (steel2, engineer, 2, "直径负偏差超标，剩余 1 吨退货供应商迟迟不来车"), (steel2, staff, 4, "价格执行合同，配合现场签证"),
            (cement, engineer, 5, "批次稳定，复试一次合格"), (cement, staff, 4, "发票单价开错，沟通后同意更正"),
        ] {
            clock.set(clock.now.addingTimeInterval(2 * 3_600))
            _ = try await ratings.rateService(orderID: o.id, stars: stars, comment: comment, by: who.principal, context: who.context)
        }
        try await decide(try await order(16, "售楼处办公家具", "办公家具", "6", "3200", by: staff), true, "同意")
        try await decide(try await order(13, "示范区香樟", "香樟（胸径15cm）", "20", "1850", by: staff), false, "苗木规格不符，重新询价")
        let withdrawn = try await order(3, "3号楼水泥（重复提交）", "P.O 42.5 水泥", "50", "470", by: staff)
        clock.set(clock.now.addingTimeInterval(3_600))
        _ = try await approvals.withdraw(try required(withdrawn.approvalId), by: staff.principal, context: staff.context)
        // Waiting: one for the procurement manager, one for the GM priced above the market with a reason, and the lifts at
        // the public-tender threshold.
        _ = try await order(2, "地下室水泥", "P.O 42.5 水泥", "50", "472", by: staff)
        _ = try await order(1, "2号楼主体钢筋（第三批，急单）", "HRB400 钢筋", "40", "4600", reason: "工期紧，供应商加急调货", by: staff)
        _ = try await order(6, "1号楼乘客电梯", "乘客电梯 1000kg", "8", "265000", by: staff)

        // A tender for the facade paint: four decoration firms invited, four sealed bids, opening three days after today.
        let tenders = demo.tenders(db)
        let tender = try await tenders.create(projectID: projectID, planLineID: try line("外墙真石漆"), title: "2号楼外墙真石漆供应及施工",
                                              opensAt: end.addingTimeInterval(3 * 86_400), invited: [ids[5], ids[10], ids[11], ids[12]],
                                              by: staff.id, context: staff.context)
        for (i, (s, price, days)) in [(5, "76.50", 30), (10, "72.00", 45), (11, "79.80", 25), (12, "74.20", 35)].enumerated() {
            clock.set(clock.now.addingTimeInterval(Double(3_600 * (i + 1))))
            _ = try await tenders.submitBid(tender.id, supplierID: ids[s], unitPrice: price, deliveryDays: days, terms: "含施工及两年质保",
                                            by: staff.id, context: staff.context)
        }

        // Next month's plan waits for the GM.
        let next = CalendarDay(clock.now).adding(days: 31)
        _ = try await plans.createPlan(projectID: projectID, period: String(next.description.prefix(7)), lines: [
            .init(category: .materials, material: "加气混凝土砌块", unit: "立方米", quantity: "800", budget: "280000"),
            .init(category: .decoration, material: "入户门", unit: "樘", quantity: "120", budget: "360000"),
        ], by: staff.principal, context: staff.context)

        // 川西建材 delivered the wrong steel grade: staff ask, the procurement manager blacklists it.
        clock.set(end.addingTimeInterval(-2 * 86_400))
        let ask = try await suppliers.requestBlacklist(ids[0], projectID: projectID, reason: "以HRB335冒充HRB400，复试不合格", by: staff.principal,
                                                       context: staff.context)
        clock.set(end.addingTimeInterval(-86_400))
        _ = try await approvals.decide(ask, approve: true, comment: "列入黑名单，三年内不得合作", by: manager.principal, context: manager.context)
    }

    /// 退货 and 仓库: the second steel batch comes in short of spec (2 t rejected, 1 t gone back so far, 1 t awaiting the
    /// supplier's lorry); the first steel and the cement go into their site stores; the sites draw from them.
    func storeStory(demo: AppServices, clock: DemoClock, staff: DemoActor, engineer: DemoActor, inspected: [DeliveryService.Delivery],
                    into: [SiteStoreService.SiteStore], steel2: PurchaseOrderService.Order) async throws {
        let yard = into[0], shed = into[1]
        let deliveries = demo.deliveries(db), stores = demo.siteStores(db)
        clock.set(clock.now.addingTimeInterval(86_400))
        let line = try await demo.purchaseOrders(db).lines(steel2.id)[0]
        let d = try await deliveries.record(orderID: steel2.id, deliveredOn: CalendarDay(clock.now).description, batch: "HX-2026-0507", siteStore: "", siteStoreID: yard.id,
                                            lines: [.init(orderLineID: line.id, quantity: "20")], units: [], by: staff.id, context: staff.context)
        let dLine = try await deliveries.lines(d.id)[0]
        _ = try await deliveries.inspect(d.id, lines: [.init(lineID: dLine.id, accepted: "18", rejected: "2", reason: "直径负偏差超标（复试报告 FS-0507）",
                                                            returned: false)], by: engineer.id, context: engineer.context)
        clock.set(clock.now.addingTimeInterval(86_400))
        _ = try await deliveries.returnGoods(d.id, lineID: dLine.id, quantity: "1", reason: "首车退回，余 1 吨待供应商来车", returnedOn: CalendarDay(clock.now).description,
                                             by: staff.id, context: staff.context)
        for (delivery, store) in zip(inspected, [yard, shed]) {
            _ = try await stores.stockIn(deliveryID: delivery.id, storeID: store.id, by: staff.id, context: staff.context)
        }
        _ = try await stores.stockIn(deliveryID: d.id, storeID: yard.id, by: staff.id, context: staff.context)
        // Its two invoices left the mismatch queue: one billing ¥4,000 a tonne (the order: ¥3,980) accepted by the procurement
        // manager with the reason, one billing ¥4,050 replaced by the supplier's corrected invoice.
        let invoices = demo.invoices(db), manager = try await DemoActor.named("procurement-manager", services, db)
        let today = CalendarDay(clock.now).description
        let over = try await invoices.record(orderID: steel2.id, number: "51012611005", invoicedOn: today,
                                             lines: [.init(orderLineID: line.id, quantity: "10", unitPrice: "4000", amount: "40000")], by: staff.id, context: staff.context)
        clock.set(clock.now.addingTimeInterval(3_600))
        _ = try await invoices.accept(over.id, reason: "含二次倒运费 ¥20/吨，经现场签证核实同意", by: manager.id, context: manager.context)
        let wrong = try await invoices.record(orderID: steel2.id, number: "51012611006", invoicedOn: today,
                                              lines: [.init(orderLineID: line.id, quantity: "8", unitPrice: "4050", amount: "32400")], by: staff.id, context: staff.context)
        clock.set(clock.now.addingTimeInterval(3_600))
        _ = try await invoices.replace(wrong.id, number: "51012611007", invoicedOn: today,
                                       lines: [.init(orderLineID: line.id, quantity: "8", unitPrice: "3980", amount: "31840")],
                                       reason: "红字发票 51012611006-R 冲销后按合同价 ¥3,980 重开", by: staff.id, context: staff.context)
        for (store, material, unit, quantity, purpose, who) in [
            (yard, "HRB400 钢筋", "吨", "12", "2号楼基础筏板", "张建军（钢筋班）"), (yard, "HRB400 钢筋", "吨", "15.5", "2号楼一层柱墙", "张建军（钢筋班）"),
            (shed, "P.O 42.5 水泥", "吨", "30", "2号楼砌体砂浆", "李明（泥工班）"), (shed, "P.O 42.5 水泥", "吨", "12", "2号楼地坪找平", "李明（泥工班）"),
        ] {
            clock.set(clock.now.addingTimeInterval(6 * 3_600))
            _ = try await stores.issue(storeID: store.id, .init(material: material, unit: unit, quantity: quantity, purpose: purpose, receivedBy: who),
                                       by: staff.id, context: staff.context)
        }
    }

    func required(_ id: UUID?) throws -> UUID {
        guard let id else { throw DemoFailure("demo approval missing") }
        return id
    }
}
