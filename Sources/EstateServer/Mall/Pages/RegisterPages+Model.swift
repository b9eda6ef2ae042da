import EstateCore
import Foundation
import Vapor

/// The desk's registers as pages (issue 20 points 3–8): complaints (the floor manager's list first), returns, the
/// other records (found items, broadcasts, screens), mail and bags, price tags, and the day (follow-ups, the daily
/// log to sign, the week's figures). Each a list and the form that adds to it.
enum RegisterPages {
    struct Model {
        var mall: MallService.Mall
        var malls: [MallService.Mall]
        var viewer: Principal
        var maySupervise: Bool
        var floors: [MallService.Floor]
        var tenants: [MallService.Tenant]
        var now: Date
        var today: CalendarDay
        var complaints: [ComplaintService.Complaint] = []
        var returns: [ReturnService.Return] = []
        var lost: [DeskLogService.LostItem] = []
        var broadcasts: [DeskLogService.Broadcast] = []
        var screens: [DeskLogService.ScreenMessage] = []
        var mail: [MailService.Item] = []
        var priceTags: [PriceTagService.Request] = []
        var followUps: [DeskDayService.FollowUp] = []
        var log: DeskDayService.DailyLog? = nil
        var day: CalendarDay
        var report: DeskDayService.Report? = nil

        static func load(_ req: Request, _ tab: MallShell.Tab) async throws -> Model {
            let (mall, malls) = try await MallShell.mall(req)
            let p = try req.requirePrincipal()
            let s = req.services, db = req.db
            let now = s.now(), today = CalendarDay(now)
            var m = Model(mall: mall, malls: malls, viewer: p, maySupervise: p.may(.mallSupervise, on: mall.projectId),
                          floors: try await s.malls(db).floors(mall.id), tenants: try await s.malls(db).tenants(mall.id), now: now, today: today,
                          day: req.queryText("day").flatMap(CalendarDay.init) ?? today)
            switch tab {
            case .complaints:
                var f = ComplaintService.Filter()
                f.from = today.adding(days: -30).start
                m.complaints = try await s.complaints(db).list(mall.id, f)
                // The floor manager's own first.
                m.complaints.sort { ($0.managerId == p.userID ? 0 : 1, -$0.takenAt.timeIntervalSince1970) < ($1.managerId == p.userID ? 0 : 1, -$1.takenAt.timeIntervalSince1970) }
            case .returns:
                m.returns = try await s.returns(db).list(mall.id)
            case .records:
                m.lost = try await s.deskLog(db).lostItems(mall.id)
                m.broadcasts = try await s.deskLog(db).broadcasts(mall.id, from: today.adding(days: -7).start)
                m.screens = try await s.deskLog(db).screenMessages(mall.id)
            case .mail:
                m.mail = try await s.mail(db).items(mall.id, from: today.adding(days: -30).start)
            case .priceTags:
                m.priceTags = try await s.priceTags(db).list(mall.id, from: today.adding(days: -30).start)
            case .day:
                let day = m.day
                m.log = try await s.deskDay(db).log(mall, day: day)
                m.followUps = try await s.deskDay(db).followUps(mall.id, from: day.adding(days: -6).start, to: day.adding(days: 1).start)
                m.report = try await s.deskDay(db).report(mall, from: day.adding(days: -6), to: day)
                var f = ComplaintService.Filter()
                f.from = day.adding(days: -30).start
                m.complaints = try await s.complaints(db).list(mall.id, f)
                m.returns = try await s.returns(db).list(mall.id, from: day.adding(days: -30).start)
            case .place, .members, .orders, .rota, .report:
                break
            }
            return m
        }

        func tenantName(_ id: UUID?) -> String { id.flatMap { i in tenants.first { $0.id == i }.map { "\($0.unitNo) \($0.shopName)" } } ?? "—" }
        func floorLabel(_ id: UUID?) -> String { id.flatMap { i in floors.first { $0.id == i }?.label } ?? "—" }
        func managerName(_ id: UUID?) -> String { id.flatMap { i in floors.first { $0.managerId == i }?.managerName } ?? "—" }
    }
}
