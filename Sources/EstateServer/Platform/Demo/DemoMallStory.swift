import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 商场服务台 on the demo (issue 20): HXM 华熙汇, a mall of four floors (1F–4F, 楼层主管 秦悦 on 1F–2F and 柳青
/// on 3F–4F) with 60 tenants and 500 members (bulk-loaded: cards, tiers, points), then a week of the desk told
/// through the services on the demo's clock — applications and cards, receipts and gift handouts, complaints
/// (one still open past its 24 hours, escalated), returns in every state, found items, broadcasts, screen
/// messages, mail and bags, price tags (a printable sheet), follow-up calls, and the daily logs signed.
struct DemoMallStory {
    static let projectCode = "HXM"
    let services: AppServices
    let db: any Database

    /// The demo's shops, each with the category it really is (the tenant list shows it and staff filter by
    /// it: ZARA is 服装, not 餐饮 as a round-robin once made it).
    static let shops: [(name: String, category: String)] = [
        ("优衣库", "服装"), ("ZARA", "服装"), ("H&M", "服装"), ("星巴克", "餐饮"), ("海底捞", "餐饮"), ("周大福", "珠宝"), ("老凤祥", "珠宝"),
        ("丝芙兰", "化妆品"), ("屈臣氏", "化妆品"), ("孩子王", "儿童"), ("乐高", "儿童"), ("Apple 授权店", "数码"), ("华为", "数码"),
        ("小米之家", "数码"), ("宜家生活", "家居"), ("无印良品", "家居"), ("耐克", "运动"), ("阿迪达斯", "运动"), ("安踏", "运动"),
        ("李宁", "运动"), ("盒马", "超市"), ("西西弗书店", "书店"), ("喜茶", "餐饮"), ("奈雪的茶", "餐饮"), ("必胜客", "餐饮"),
        ("肯德基", "餐饮"), ("麦当劳", "餐饮"), ("太平鸟", "服装"), ("江南布衣", "服装"), ("Only", "服装"), ("歌莉娅", "服装"),
        ("蕉内", "服装"), ("名创优品", "家居"), ("泡泡玛特", "儿童"), ("九木杂物社", "家居"), ("迪卡侬", "运动"), ("斯凯奇", "运动"),
        ("李宁童装", "儿童"), ("巴拉巴拉", "儿童"), ("好孩子", "儿童"), ("完美日记", "化妆品"), ("花西子", "化妆品"), ("欧莱雅", "化妆品"),
        ("兰蔻", "化妆品"), ("雅诗兰黛", "化妆品"), ("周生生", "珠宝"), ("六福珠宝", "珠宝"), ("潮宏基", "珠宝"), ("西贝莜面村", "餐饮"),
        ("外婆家", "餐饮"), ("绿茶餐厅", "餐饮"), ("太二酸菜鱼", "餐饮"), ("瑞幸咖啡", "餐饮"), ("Manner", "餐饮"), ("鲍师傅", "餐饮"),
        ("良品铺子", "超市"), ("三只松鼠", "超市"), ("苏宁易购", "数码"), ("OPPO", "数码"), ("vivo", "数码"),
    ]

    func tell() async throws {
        let end = services.now()
        let today = CalendarDay(end)
        let clock = DemoClock(end.addingTimeInterval(-8 * 86_400))
        let demo = services.running(on: clock)
        func at(_ day: Int, _ hour: Double) { clock.set(min(today.adding(days: day).start.addingTimeInterval(hour * 3600), end.addingTimeInterval(-60))) }

        // The project (a commercial one) and the desk's grants, with their audit line.
        at(-8, 9)
        let now = clock.now
        let projectID: UUID = try await services.store(db).audited(.system("demo")) { tx in
            let project = ProjectRecord()
            project.id = UUID()
            project.code = Self.projectCode
            project.name = "华熙汇购物中心"
            project.city = "成都"
            project.priceRounding = "fen"
            project.customerProtectionDays = 30
            project.isActive = true
            project.sellerName = "成都华熙商业管理有限公司"
            project.sellerCreditCode = "91510100MA6CGUX93T"
            project.sellerAddress = "四川省成都市高新区天府大道北段966号"
            project.presaleLicense = ""
            project.serviceHotline = "028-8888-6688"
            project.createdAt = now - 400 * 86_400
            project.updatedAt = now
            try await project.create(on: tx)
            let id = project.id!
            for (username, role) in [("mall-cs", Role.mallCS), ("mall-supervisor", .mallSupervisor)] {
                guard let u = try await UserRecord.query(on: tx).filter(\.$username == username).first() else { throw DemoFailure("demo user \(username) missing") }
                try await RoleGrantRecord(userID: u.id!, role: role, projectID: id, now: now).create(on: tx)
            }
            return (id, AuditEntry(action: "demo.seed", entity: "project", entityID: id.uuidString, projectID: id,
                                   summary: "seeded the demo mall HXM 华熙汇 (4 floors, 60 tenants, 500 members) and a week at its desk"))
        }
        let desk = try await DemoActor.named("mall-cs", services, db)
        let boss = try await DemoActor.named("mall-supervisor", services, db)
        let malls = demo.malls(db)
        let mall = try await malls.create(projectID: projectID, name: "华熙汇", floors: (1...4).map {
            MallService.FloorDraft(label: "\($0)F", level: $0, zones: ["A区", "B区", "C区"])
        }, by: boss.id, context: boss.context)
        try await demo.complaints(db).prepare(mall, context: boss.context)
        var floors = try await malls.floors(mall.id).sorted { $0.level < $1.level }
        for (i, f) in floors.enumerated() {
            floors[i] = try await malls.setFloorManager(f.id, of: mall, managerID: i < 2 ? desk.id : boss.id, context: boss.context)
        }

        // 60 tenants, 15 a floor, in one statement with its audit line.
        let tenantRows: [(UUID, UUID, UUID?, String, String, String)] = (0..<60).map { i in
            let floor = floors[i / 15]
            return (UUID(), floor.id, floor.zones[(i % 15) / 5].id, "\(floor.label)-\(String(format: "%02d", i % 15 + 1))", Self.shops[i].name,
                    Self.shops[i].category)
        }
        let mallID = mall.id
        try await services.store(db).audited(boss.context) { tx in
            let insert = tx.sql.insert(into: "mall_tenants").columns("id", "mall_id", "floor_id", "zone_id", "unit_no", "shop_name", "category", "contact_name",
                                                                     "contact_mobile", "lease_starts", "lease_ends", "created_at", "updated_at")
            for (n, r) in tenantRows.enumerated() {
                _ = insert.values(SQLBind(r.0), SQLBind(mallID), SQLBind(r.1), SQLBind(r.2), SQLBind(r.3), SQLBind(r.4), SQLBind(r.5), SQLBind("店长"),
                                  SQLBind("1360000\(String(format: "%04d", n))"), SQLBind(today.adding(days: -400 + n).description),
                                  SQLBind(today.adding(days: 700 + 10 * n).description), SQLBind(now), SQLBind(now))
            }
            try await insert.run()
            return ((), AuditEntry(action: "mall.tenant_create", entity: "mall", entityID: mallID.uuidString, projectID: projectID,
                                   summary: "60 tenants on 4 floors (demo)"))
        }
        let tenants = try await malls.tenants(mall.id)

        // 500 members: 480 with cards (HY000001 …) and points earned from one receipt each, the rest applied or approved.
        var rng = SplitMix(seed: 20_261_207)
        func roll(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        struct Row { var id: UUID; var name: String; var mobile: String; var status: MemberStatus; var card: String?; var earned: Int64; var tenant: UUID }
        var members: [Row] = []
        for i in 0..<500 {
            let name = String(DemoCustomers.surnames[roll(DemoCustomers.surnames.count)]) + DemoCustomers.givenNames[roll(DemoCustomers.givenNames.count)]
            let earned = i < 480 ? Int64([300, 1_200, 3_600, 6_800, 12_000, 26_000, 58_000][roll(7)] + roll(500)) : 0
            members.append(Row(id: UUID(), name: name, mobile: "1580000\(String(format: "%04d", i))", status: i < 480 ? .issued : i < 490 ? .approved : .applied,
                               card: i < 480 ? "HY\(String(format: "%06d", i + 1))" : nil, earned: earned, tenant: tenants[roll(60)].id))
        }
        let joined = now - 300 * 86_400
        let loaded = members
        try await services.store(db).audited(boss.context) { tx in
            for chunk in stride(from: 0, to: loaded.count, by: 250) {
                let rows = loaded[chunk..<min(chunk + 250, loaded.count)]
                let insert = tx.sql.insert(into: "mall_members").columns("id", "mall_id", "kind", "name", "organisation", "mobile", "status", "card_number", "tier",
                                                                         "points_balance", "points_earned", "applied_by", "applied_at", "decided_by",
                                                                         "decided_at", "issued_by", "issued_at", "note", "updated_at")
                for m in rows {
                    let decided = m.status == .applied ? nil : joined
                    _ = insert.values(SQLBind(m.id), SQLBind(mallID), SQLBind("person"), SQLBind(m.name), SQLBind(""), SQLBind(m.mobile), SQLBind(m.status.rawValue),
                                      SQLBind(m.card), SQLBind(MemberTier.reached(by: m.earned).rawValue), SQLBind(m.earned), SQLBind(m.earned),
                                      SQLBind(desk.id), SQLBind(joined), SQLBind(decided == nil ? nil : boss.id), SQLBind(decided),
                                      SQLBind(m.card == nil ? nil : desk.id), SQLBind(m.card == nil ? nil : joined), SQLBind(""), SQLBind(joined))
                }
                try await insert.run()
                let points = tx.sql.insert(into: "mall_points").columns("id", "mall_id", "member_id", "kind", "points", "balance_after", "tenant_id", "receipt_no",
                                                                        "receipt_day", "amount_fen", "note", "created_by", "created_at")
                var any = false
                for m in rows where m.earned > 0 {
                    any = true
                    _ = points.values(SQLBind(UUID()), SQLBind(mallID), SQLBind(m.id), SQLBind("earn"), SQLBind(m.earned), SQLBind(m.earned), SQLBind(m.tenant),
                                      SQLBind("DEMO-\(m.card ?? "")"), SQLBind(CalendarDay(joined).description), SQLBind(m.earned * 100), SQLBind(""),
                                      SQLBind(desk.id), SQLBind(joined))
                }
                if any { try await points.run() }
            }
            // The next card drawn follows the 480 issued.
            try await tx.sql.insert(into: "number_series").columns("series", "value").values(SQLBind("HY:\(projectID.uuidString)"), SQLBind(Int64(480))).run()
            return ((), AuditEntry(action: "member.issue", entity: "mall", entityID: mallID.uuidString, projectID: projectID,
                                   summary: "500 members loaded from the paper VIP book (demo): 480 cards HY000001–HY000480"))
        }

        // Gifts.
        let members_ = demo.members(db)
        var gifts: [MemberService.Gift] = []
        for (name, points, stock) in [("保温杯", Int64(800), 50), ("电影票两张", 1_500, 30), ("停车券（3小时）", 300, 200), ("华熙汇定制帆布袋", 500, 80)] {
            gifts.append(try await members_.addGift(mall, name: name, pointsCost: points, stock: stock, context: boss.context))
        }

        // A week at the desk.
        let complaints = demo.complaints(db), returns = demo.returns(db), log = demo.deskLog(db), mail = demo.mail(db), tags = demo.priceTags(db)
        let day = demo.deskDay(db)
        let complaintTitles: [(MallComplaintCategory, String)] = [(.quality, "羽绒服洗后掉色"), (.service, "店员态度冷淡"), (.price, "标价与结账价格不符"),
                                                                   (.environment, "3F 卫生间无纸巾"), (.safety, "扶梯口地面湿滑"), (.quality, "儿童玩具零件脱落")]
        var open: [ComplaintService.Complaint] = []
        var toCall: [(String, UUID)] = []
        for d in -7...0 {
            at(d, 10)
            // Applications and cards.
            let m = try await members_.apply(.init(kind: d % 3 == 0 ? .organisation : .person, name: "新会员\(d + 8)", mobile: "1590000\(String(format: "%04d", d + 8))")
                .with { $0.organisation = d % 3 == 0 ? "天府软件园\(d + 8)号楼" : "" }, mall: mall, by: desk.id, context: desk.context)
            at(d, 10.5)
            if d < 0 {
                _ = try await members_.decide(m.id, approve: true, note: "", by: boss.principal, context: boss.context)
                _ = try await members_.issue(m.id, cardNumber: nil, by: desk.id, context: desk.context)
                _ = try await members_.earn(m.id, .init(tenantID: tenants[(d + 8) * 7 % 60].id, number: "XP\(d + 8)0001", amount: Money(yuan: Int64(380 + 120 * (d + 8))),
                                                        day: today.adding(days: d).description), by: desk.id, context: desk.context)
            }
            // A member redeems a gift.
            at(d, 11)
            let holder = members[(d + 8) * 37]
            let gift = gifts.filter { $0.pointsCost <= holder.earned }[(d + 8) % gifts.filter { $0.pointsCost <= holder.earned }.count]
            _ = try await members_.redeem(holder.id, giftID: gift.id, quantity: 1, by: desk.id, context: desk.context)
            // Complaints: one a day by phone or at the desk; resolved by the floor manager, called back and closed, except the last two.
            at(d, 13)
            let (cat, title) = complaintTitles[(d + 8) % complaintTitles.count]
            var draft = ComplaintService.Draft(channel: d % 2 == 0 ? .frontDesk : .hotline, category: cat, title: title)
            draft.tenantID = tenants[((d + 8) * 11) % 60].id
            draft.contactName = "顾客\(d + 8)"
            draft.contactMobile = "1370000\(String(format: "%04d", d + 8))"
            let c = try await complaints.take(draft, mall: mall, by: desk.principal, context: desk.context)
            toCall.append(("complaint", c.id))
            if d <= -3 {
                let handler = c.managerId == boss.id ? boss : desk
                let tickets = demo.tickets(db)
                at(d, 15)
                var input = TicketService.ActionInput()
                _ = try await tickets.act(c.ticketId, .start, input, by: handler.principal, context: handler.context)
                input.note = "已与商户沟通，为顾客办理更换并致歉"
                input.cause = .other
                _ = try await tickets.act(c.ticketId, .resolve, input, by: handler.principal, context: handler.context)
                at(d, 17)
                let caller = handler.id == desk.id ? boss : desk
                _ = try await tickets.act(c.ticketId, .startCallback, TicketService.ActionInput(), by: caller.principal, context: caller.context)
                _ = try await tickets.recordCallback(c.ticketId, satisfaction: 5, solved: true, note: "顾客满意", by: .staff(caller.principal), context: caller.context)
            } else {
                open.append(c)
            }
            // A return: day-by-day through its states.
            at(d, 14)
            let r = try await returns.request(.init(tenantID: tenants[((d + 8) * 13) % 60].id, receiptNo: "TH-R\(d + 8)", purchasedOn: today.adding(days: d - 3).description,
                                                    goods: ["连衣裙 M码", "运动鞋 42码", "蓝牙耳机", "儿童外套 120"][(d + 8) % 4], amount: Money(yuan: Int64(199 + 100 * (d + 8))),
                                                    reason: "尺码不合适", customerName: "顾客R\(d + 8)", customerMobile: "1350000\(String(format: "%04d", d + 8))"),
                                              mall: mall, by: desk.id, context: desk.context)
            toCall.append(("return", r.id))
            if d <= -1 {
                var s = ReturnService.StepInput()
                s.tenantContact = "店长"
                _ = try await returns.step(r.id, .tenant, s, by: desk.principal, context: desk.context)
                if d <= -2 {
                    _ = try await returns.step(r.id, .floorManager, ReturnService.StepInput(), by: boss.principal, context: boss.context)
                    if d <= -3 {
                        var refund = ReturnService.StepInput()
                        refund.refund = Money(yuan: Int64(199 + 100 * (d + 8)))
                        refund.method = "original"
                        _ = try await returns.step(r.id, .refund, refund, by: desk.principal, context: desk.context)
                    }
                }
            }
            // Found items, broadcasts, screens, mail.
            at(d, 15.5)
            let item = try await log.found(mall: mall, description: ["黑色钱包", "儿童水壶", "蓝色雨伞", "华为手机", "钥匙串", "购物袋（内有衣物）", "身份证", "眼镜盒"][d + 7],
                                           foundAt: clock.now.addingTimeInterval(-1800), place: "\((d + 8) % 4 + 1)F 休息区", finder: "保洁员", storage: "服务台 A 柜",
                                           keepDays: 30, by: desk.id, context: desk.context)
            if d % 2 == 0 {
                _ = try await log.claim(item.id, mall: mall, claimant: "失主\(d + 8)", idKind: .residentID, idNumber: "11010519491231002X", signature: "失主\(d + 8)",
                                        by: desk.id, context: desk.context)
            }
            let b = try await log.broadcast(mall: mall, kind: d % 2 == 0 ? .car : .person, requestedBy: d % 2 == 0 ? "B2 车场保安" : "顾客 王女士",
                                            text: d % 2 == 0 ? "川A·8\(d + 8)8\(d + 8)8 车主请速到 B2 挪车" : "寻找 5 岁男孩，穿红色外套，请到 1F 服务台",
                                            by: desk.id, context: desk.context)
            _ = try await log.read(b.id, mall: mall, context: desk.context)
            _ = try await log.read(b.id, mall: mall, context: desk.context)
            at(d, 21.5)
            _ = try await log.broadcast(mall: mall, kind: .closing, requestedBy: "值班经理", text: "各位顾客，本商场将于 22:00 闭店，请带好随身物品。",
                                        by: desk.id, context: desk.context)
            at(d, 9)
            _ = try await log.schedule(mall: mall, screen: "1F 中庭大屏", text: "会员日 第\(d + 8)天：积分兑换礼品", startsAt: clock.now,
                                       endsAt: clock.now.addingTimeInterval(d == 0 ? 3 * 86_400 : 12 * 3600), rotation: (d + 8) % 3, by: desk.id, context: desk.context)
            at(d, 12)
            var parcel = MailService.Draft(kind: .parcel, recipient: "")
            parcel.tenantID = tenants[((d + 8) * 5) % 60].id
            parcel.carrier = "顺丰"
            parcel.trackingNo = "SF10\(d + 8)2026"
            let p = try await mail.receive(parcel, mall: mall, by: desk.id, context: desk.context)
            var bag = MailService.Draft(kind: .bag, recipient: "寄存顾客\(d + 8)")
            bag.tag = "A-\(String(format: "%03d", d + 8))"
            let stored = try await mail.receive(bag, mall: mall, by: desk.id, context: desk.context)
            at(d, 18)
            if d < 0 {
                _ = try await mail.pickUp(p.id, mall: mall, by: "店员", signature: "店员", tag: "", staff: desk.id, context: desk.context)
                _ = try await mail.pickUp(stored.id, mall: mall, by: "寄存顾客\(d + 8)", signature: "顾客", tag: bag.tag, staff: desk.id, context: desk.context)
            }
            // Follow-up calls two days after: the complaint and the return taken on day d − 2 (the goal is 98 % satisfied;
            // one unsatisfied and one unreachable in the week keep the dashboard honest about missing it).
            if d >= -5 {
                at(d, 19)
                let first = (d - 2 + 7) * 2
                for i in first ..< first + 2 {
                    let (kind, id) = toCall[i]
                    _ = try await day.followUp(mall: mall, kind: kind, sourceID: id, outcome: i == 3 ? .unsatisfied : i == 7 ? .unreachable : .satisfied,
                                               note: i == 3 ? "顾客认为处理太慢" : "", by: desk.id, context: desk.context)
                }
            }
            // Price tags every other day; today's is the printable sheet.
            if d % 2 == 0 {
                at(d, 16)
                let lines: [PriceTagService.Line] = [
                    .init(tag: PriceTag(item: "纯棉圆领T恤", price: Money(yuan: 99), unit: "件", origin: "江苏南通", specification: "S–XXL 白/黑"), copies: 6),
                    .init(tag: PriceTag(item: "轻薄羽绒服", price: Money(yuan: 599), unit: "件", origin: "浙江平湖", specification: "M–XL 藏青",
                                        originalPrice: Money(yuan: 899)), copies: 6),
                    .init(tag: PriceTag(item: "羊毛围巾", price: Money(fen: 25_900), unit: "条", origin: "内蒙古", specification: "180×30cm 驼色",
                                        originalPrice: Money(yuan: 369)), copies: 6),
                    .init(tag: PriceTag(item: "运动短袜", price: Money(yuan: 39), unit: "双", origin: "浙江诸暨", specification: "3双装 均码"), copies: 6),
                ]
                let request = try await tags.request(mall: mall, tenantID: tenants[d + 8].id, lines: lines, by: desk.id, context: desk.context)
                _ = try await tags.printed(request.id, mall: mall, by: desk.id, context: desk.context)
            }
        }
        // The rota (早晚班) of this week and the next: the desk and the supervisor take turns; and the orders taken for
        // tenants — phone orders, a school's group purchase, appliance tests — at every stage, one past its day.
        let rota = demo.rota(db), orders = demo.deskOrders(db)
        func shop(_ name: String) throws -> MallService.Tenant {
            guard let t = tenants.first(where: { $0.shopName == name }) else { throw DemoFailure("demo shop \(name) missing") }
            return t
        }
        at(-8, 8)
        for d in -7...13 {
            let (early, late) = d % 2 == 0 ? (desk.id, boss.id) : (boss.id, desk.id)
            _ = try await rota.assign(mall, day: today.adding(days: d), kind: .early, userID: early, by: boss.id, context: boss.context)
            _ = try await rota.assign(mall, day: today.adding(days: d), kind: .late, userID: late, by: boss.id, context: boss.context)
        }
        let orderPlan: [(Int, DeskOrderKind, String, String, String, Int?, String, Int, [(DeskOrderFlow.Step, String)])] = [
            (-6, .phoneOrder, "苏宁易购", "陈先生", "美的变频空调 KFR-35GW 两台，周六上午送货上门", 2, "", 3,
             [(.pass, "苏宁 刘店长"), (.confirm, "有现货，周六 9–12 点送达"), (.done, "已送货安装")]),
            (-5, .applianceTest, "小米之家", "周女士", "小米电视 S Pro 85 寸，提货前通电试机", nil, "", 1,
             [(.pass, "小米 店员小杨"), (.confirm, "周三 14:00 在店内试机"), (.done, "试机正常，顾客已提货")]),
            (-4, .groupPurchase, "星巴克", "李老师", "教师节咖啡券 120 张，开具发票", 120, "成都市实验小学", 4,
             [(.pass, "星巴克 王店长"), (.confirm, "可按团购价 85 折")]),
            (-3, .phoneOrder, "优衣库", "黄女士", "羽绒服 M 码 藏青 一件，预留三天", 1, "", 1,
             [(.pass, "优衣库 店员小何"), (.decline, "该尺码已售罄"), (.cancel, "已电话告知顾客")]),
            (-2, .applianceTest, "华为", "吴先生", "MateBook 14 笔记本，提货前检测", nil, "", 0, [(.pass, "华为 店员小邓")]),
            (-1, .groupPurchase, "海底捞", "赵经理", "公司年会 40 人包场，需发票", 40, "天府软件园 8 号楼", 10, []),
            (0, .phoneOrder, "周大福", "钱女士", "足金手镯 30g，预留到周末", 1, "", 3, []),
        ]
        for (d, kind, shopName, name, details, quantity, org, due, steps) in orderPlan {
            at(d, 11)
            var draft = DeskOrderService.Draft(kind: kind, tenantID: try shop(shopName).id, customerName: name,
                                               customerMobile: "1580000\(String(format: "%04d", d + 8))", details: details,
                                               dueOn: today.adding(days: d + due).description)
            draft.quantity = quantity
            draft.organisation = org
            let o = try await orders.take(draft, mall: mall, by: desk.id, context: desk.context)
            for (i, (step, text)) in steps.enumerated() {
                at(d, 12 + Double(i))
                _ = try await orders.step(o.id, step, text: text, by: desk.id, context: desk.context)
            }
        }

        // The logs of the past days, signed by the supervisor at the close of each.
        for d in -7 ... -1 {
            at(d, 22.5)
            _ = try await day.sign(mall, day: today.adding(days: d), by: boss.principal, context: boss.context)
        }
        // The complaint of two days ago, still open: past its 24 hours, escalated to the supervisor.
        at(0, 12)
        let escalated = try await demo.complaints(db).escalateDue()
        guard escalated >= 1, !open.isEmpty else { throw DemoFailure("the mall's open complaint did not escalate") }
    }
}

extension MemberService.Application {
    /// The application with one more change: the story reads top to bottom.
    func with(_ change: (inout Self) -> Void) -> Self {
        var copy = self
        change(&copy)
        return copy
    }
}
