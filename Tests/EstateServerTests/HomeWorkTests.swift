import EstateCore
@testable import EstateServer
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// The 工作台 per role (issue 15 point 5): each role sees its own waiting work with the same
/// counts as the lists behind it, not another department's figures; a role whose module is not
/// built yet is told so; approvers see the waiting count in the navigation.
@Suite struct HomeWorkTests {
    /// The number a card titled `title` shows (the first such card).
    static func count(of title: String, in html: String) -> Int? {
        guard let h = html.range(of: ">\(title)</a></h2><span class=\"work-count\">") else { return nil }
        return Int(html[h.upperBound...].prefix { $0.isNumber })
    }

    static func home(_ app: Application, _ user: String) async throws -> String {
        var browser = Browser(app: app)
        _ = try await browser.signIn(user, DemoSeeder.password)
        let res = try await browser.get("/")
        #expect(res.status == .ok)
        return res.body.string
    }

    @Test func eachRoleSeesItsOwnWorkWithTheListsCounts() async throws {
        try await withTestApp(.demo) { app, _ in
            let project = try #require(try await app.services.projects(app.db).id(code: "HXY"))
            let sql = app.db as! any SQLDatabase
            struct N: Decodable { var n: Int }
            func n(_ q: SQLQueryString) async throws -> Int { try await sql.raw(q).first(decoding: N.self)?.n ?? -1 }

            // Finance: the receipts waiting for confirmation, as many as the desk lists; no tickets, no follow-ups.
            let pending = try await n("SELECT COUNT(*) AS n FROM receipts WHERE project_id = \(bind: project) AND status = 'pending'")
            #expect(pending > 0)
            let finance = try await Self.home(app, "finance")
            #expect(Self.count(of: "待核实收款", in: finance) == pending)
            #expect(!finance.contains("待回访") && !finance.contains("今日及逾期跟进"))

            // Customer service: its tickets by SLA and the callbacks, and no sales figures.
            let csStaff = try #require(try await app.services.users(app.db).find(username: "cs-staff")).id
            let mine = try await n("""
                SELECT COUNT(*) AS n FROM tickets WHERE project_id = \(bind: project) AND status IN ('new', 'assigned', 'in_progress')
                AND (assignee_id = \(bind: csStaff) OR assignee_id IS NULL)
                """)
            let callbacks = try await n("""
                SELECT COUNT(*) AS n FROM tickets WHERE project_id = \(bind: project) AND status IN ('resolved', 'callback')
                AND kind IN ('complaint', 'repair', 'emergency_repair')
                """)
            #expect(callbacks > 0)
            for user in ["cs-staff", "cs-manager"] {
                let cs = try await Self.home(app, user)
                #expect(!cs.contains("dash-list"), "\(user) sees no sales dashboard")
                #expect(Self.count(of: "待回访", in: cs) == callbacks, "\(user): callbacks")
                #expect(!cs.contains("待核实收款"))
                if user == "cs-staff" { #expect(Self.count(of: "我的工单与待领工单（按时限）", in: cs) == mine) }
                else {
                    let open = try await n("SELECT COUNT(*) AS n FROM tickets WHERE project_id = \(bind: project) AND status IN ('new', 'assigned', 'in_progress')")
                    #expect(Self.count(of: "本项目未结工单（按时限）", in: cs) == open)
                }
            }

            // The engineer: the repairs assigned to them.
            let engineer = try #require(try await app.services.users(app.db).find(username: "engineer")).id
            let repairs = try await n("""
                SELECT COUNT(*) AS n FROM tickets WHERE project_id = \(bind: project) AND status IN ('new', 'assigned', 'in_progress')
                AND assignee_id = \(bind: engineer) AND kind IN ('repair', 'emergency_repair')
                """)
            let engineerHome = try await Self.home(app, "engineer")
            #expect(Self.count(of: "派给我的维修", in: engineerHome) == repairs)
            #expect(!engineerHome.contains("dash-list"))

            // The consultant: follow-ups and their own late stages; the sales manager: the project's late stages.
            let consultant = try await Self.home(app, "consultant")
            #expect(Self.count(of: "今日及逾期跟进", in: consultant) != nil)
            #expect(Self.count(of: "我的逾期环节", in: consultant) != nil)
            // The customer list marks a follow-up date that has passed (issue 15 point 8).
            let consultantID = try #require(try await app.services.users(app.db).find(username: "consultant")).id
            struct C: Decodable { var name: String; var next_follow_up_on: String }
            let today = CalendarDay(app.services.now()).description
            let overdue = try #require(try await sql.raw("""
                SELECT name, next_follow_up_on FROM customers WHERE project_id = \(bind: project) AND owner_id = \(bind: consultantID)
                AND merged_into IS NULL AND next_follow_up_on < \(bind: today) ORDER BY next_follow_up_on LIMIT 1
                """).first(decoding: C.self))
            var consultantBrowser = Browser(app: app)
            _ = try await consultantBrowser.signIn("consultant", DemoSeeder.password)
            let list = try await consultantBrowser.get("/projects/\(project)/customers?q=\(overdue.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)").body.string
            #expect(list.contains("<span class=\"late\" title=\"跟进已逾期\">\(overdue.next_follow_up_on) （逾期）</span>"))

            let sales = app.services.sales(app.db)
            var late = 0
            for list in SaleService.WorkList.allCases {
                late += try await sales.workList(list, projectID: project, page: try PageRequest(page: 1, perPage: 1)).total
            }
            #expect(late > 0)
            let manager = try await Self.home(app, "sales-manager")
            #expect(Self.count(of: "逾期环节", in: manager) == late)

            // The GM: the approvals waiting, on the home page and beside 审批 in the navigation.
            let gm = try #require(try await app.services.users(app.db).find(username: DemoSeeder.username(for: .gm))).id
            let waiting = try await n("SELECT COUNT(*) AS n FROM approvals WHERE status = 'pending' AND (requested_by IS NULL OR requested_by <> \(bind: gm))")
            #expect(waiting > 0)
            let gmHome = try await Self.home(app, DemoSeeder.username(for: .gm))
            #expect(Self.count(of: "待我审批", in: gmHome) == waiting)
            #expect(gmHome.contains("<span class=\"nav-count\" title=\"待我审批\">\(waiting)</span>"))
            #expect(!finance.contains("nav-count"), "finance decides no approval")

            // 系统管理 › 项目 for those who change projects; everyone else reaches a project through its modules.
            #expect(!consultant.contains("href=\"/admin/projects\"") && consultant.contains("href=\"/projects/\(project)/board\""))
            #expect(!engineerHome.contains("href=\"/admin/projects"))
            let admin = try await Self.home(app, "admin")
            #expect(admin.contains("href=\"/admin/projects\"") && admin.contains("href=\"/admin/projects/\(project)\""))

            // A role whose module is not built yet gets one honest line, not an empty page.
            // Procurement is built (issue 19): its staff reach it from the navigation (/procurement opens their first tab).
            let procurement = try await Self.home(app, "procurement-staff")
            #expect(procurement.contains("href=\"/procurement\"") && !procurement.contains("模块尚未上线"))
            // The mall desk is built (issue 20): 商场客服 reach it from the navigation.
            let mallDesk = try await Self.home(app, "mall-cs")
            #expect(mallDesk.contains("href=\"/mall\"") && !mallDesk.contains("模块尚未上线"))
            // Channels are built (issue 17): their staff reach them from the navigation, with no such line.
            let channelStaff = try await Self.home(app, "channel-staff")
            #expect(channelStaff.contains("href=\"/channels\"") && !channelStaff.contains("模块尚未上线"))
        }
    }

    /// The side navigation marks the module a page belongs to, once: 渠道拓客 on a project's channel
    /// desk, 开盘选房 on its openings, 楼盘表 on the board (all three live under /projects/:id/…).
    @Test func theSideNavigationMarksTheModuleOfEachProjectPage() async throws {
        try await withTestApp(.demo) { app, _ in
            let project = try #require(try await app.services.projects(app.db).id(code: "HXY"))
            var browser = Browser(app: app)
            _ = try await browser.signIn("general-manager", DemoSeeder.password)
            func current(_ path: String) async throws -> [String] {
                let html = try await browser.get(path).body.string
                let nav = html.components(separatedBy: "<nav class=\"side\"").dropFirst().first?.components(separatedBy: "</nav>").first ?? ""
                return nav.components(separatedBy: "<a href=\"").dropFirst().compactMap { a in
                    a.contains("class=\"current\"") ? String(a.prefix { $0 != "\"" }) : nil
                }
            }
            #expect(try await current("/projects/\(project)/channels") == ["/channels"])
            #expect(try await current("/projects/\(project)/openings") == ["/openings"])
            #expect(try await current("/projects/\(project)/board") == ["/inventory"])
            // 佣金结算 has its own item for those who pay statements (the GM too); the channel desk stays 渠道拓客.
            #expect(try await current("/projects/\(project)/channels/commissions") == ["/commissions"])
            // Finance, who has no channels page, reaches the statements from the side nav.
            var finance = Browser(app: app)
            _ = try await finance.signIn("finance", DemoSeeder.password)
            let home = try await finance.get("/")
            #expect(home.body.string.contains("href=\"/commissions\"") && !home.body.string.contains("href=\"/channels\""))
            let go = try await finance.get("/commissions")
            #expect(go.status == .seeOther || go.status == .found, "\(go.status)")
            #expect(go.headers.first(name: .location) == "/projects/\(project)/channels/commissions")
            let list = try await finance.get("/projects/\(project)/channels/commissions")
            #expect(list.status == .ok)
            // …without a button to the channel desk, which finance may not open.
            #expect(!list.body.string.contains("href=\"/projects/\(project)/channels\""))
            // A consultant has neither.
            var consultant = Browser(app: app)
            _ = try await consultant.signIn("consultant", DemoSeeder.password)
            #expect(try await consultant.get("/commissions").status == .notFound)
        }
    }
}
