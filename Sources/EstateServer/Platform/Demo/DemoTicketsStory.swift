import EstateCore
import FluentKit
import Foundation
import SQLKit

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
final class DemoTicketsStory {
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

    init(_ services: AppServices, db: any Database, projectID: UUID) async throws {
        end = services.now()
        today = CalendarDay(end)
        clock = DemoClock(end)
        demo = services.running(on: clock)
        self.db = db
        self.projectID = projectID
        csStaff = try await DemoActor.named("cs-staff", services, db)
        csManager = try await DemoActor.named("cs-manager", services, db)
        engineer = try await DemoActor.named("engineer", services, db)
        property = try await DemoActor.named("property", services, db)
        // The call-centre desk (a 班长 answers; `agent` is an outside broker since issue 13).
        agent = try await DemoActor.named("shift-lead", services, db)
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
                _ = try await tickets.attach(t.id!, fileName: "外墙渗水照片.png", data: DemoPhoto.dampWall(), visibleToOwner: true,
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
            assign(t, -45, 10, to: property, .property)
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
            assign(t, -20, 9, to: property, .property)
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
        let decoder = SQLRowDecoder.snakeCase
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
}
