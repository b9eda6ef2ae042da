import EstateCore
import Foundation
import Vapor

/// The desk's orders for tenants, its week's rota and its weekly / monthly report (issue 20 points 6 and 8).
enum DeskPages {
    struct OrdersModel {
        var mall: MallService.Mall
        var malls: [MallService.Mall]
        var tenants: [MallService.Tenant]
        var open: [DeskOrderService.Order]
        var recent: [DeskOrderService.Order]
        var today: CalendarDay

        static func load(_ req: Request) async throws -> OrdersModel {
            let (mall, malls) = try await MallShell.mall(req)
            let today = CalendarDay(req.services.now())
            let svc = req.services.deskOrders(req.db)
            var open = DeskOrderService.Filter()
            open.open = true
            var recent = DeskOrderService.Filter()
            recent.from = today.adding(days: -30).start
            let openOrders = try await svc.list(mall.id, open).sorted { ($0.dueOn, $0.takenAt) < ($1.dueOn, $1.takenAt) }
            let closed = try await svc.list(mall.id, recent).filter { !$0.orderStatus.isOpen }
            return OrdersModel(mall: mall, malls: malls, tenants: try await req.services.malls(req.db).tenants(mall.id), open: openOrders, recent: closed,
                               today: today)
        }

        func tenantName(_ id: UUID) -> String { tenants.first { $0.id == id }.map { "\($0.unitNo) \($0.shopName)" } ?? "—" }
    }

    struct RotaModel {
        var mall: MallService.Mall
        var malls: [MallService.Mall]
        var monday: CalendarDay
        var shifts: [RotaService.Shift]
        var staff: [StaffDirectory.Member]
        var mayEdit: Bool
        var today: CalendarDay

        static func load(_ req: Request) async throws -> RotaModel {
            let (mall, malls) = try await MallShell.mall(req)
            let today = CalendarDay(req.services.now())
            let monday = RotaService.monday(of: req.queryText("week").flatMap(CalendarDay.init) ?? today)
            let svc = req.services.rota(req.db)
            let edit = try req.requirePrincipal().may(.mallSupervise, on: mall.projectId)
            return RotaModel(mall: mall, malls: malls, monday: monday, shifts: try await svc.shifts(mall, from: monday, to: monday.adding(days: 6)),
                             staff: edit ? try await svc.deskStaff(mall) : [], mayEdit: edit, today: today)
        }
    }

    struct ReportModel {
        enum Period: String { case week, month }
        var mall: MallService.Mall
        var malls: [MallService.Mall]
        var period: Period
        var from: CalendarDay
        var to: CalendarDay
        var report: DeskDayService.Report
        var figures: DeskDayService.Figures

        static func load(_ req: Request) async throws -> ReportModel {
            let (mall, malls) = try await MallShell.mall(req)
            let today = CalendarDay(req.services.now())
            let period = Period(rawValue: req.queryText("period") ?? "") ?? .week
            // Unasked, the period holding yesterday — the last whole day — so Monday's 周报 is last week's, not an empty one.
            let anchor = req.queryText("day").flatMap(CalendarDay.init) ?? today.adding(days: -1)
            let from: CalendarDay, to: CalendarDay
            switch period {
            case .week:
                from = RotaService.monday(of: anchor); to = from.adding(days: 6)
            case .month:
                from = CalendarDay(year: anchor.year, month: anchor.month, day: 1)!
                to = CalendarDay(year: anchor.year, month: anchor.month, day: CalendarDay.days(in: anchor.month, of: anchor.year))!
            }
            let svc = req.services.deskDay(req.db)
            return ReportModel(mall: mall, malls: malls, period: period, from: from, to: to, report: try await svc.report(mall, from: from, to: to),
                               figures: try await svc.figures(mall, from: from, to: to))
        }

        /// The period before and after, as the `day` the page is asked with.
        var previous: CalendarDay { from.adding(days: -1) }
        var next: CalendarDay { to.adding(days: 1) }
    }
}
