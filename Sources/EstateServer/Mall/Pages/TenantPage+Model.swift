import EstateCore
import Foundation
import Vapor

/// A tenant's page (issue 20 point 1): the shop, its contact (masked) and lease, the form that changes them (audited),
/// and the desk's recent records with the shop — complaints, returns, orders taken for it, price-tag requests.
enum TenantPage {
    struct Model {
        var mall: MallService.Mall
        var malls: [MallService.Mall]
        var tenant: MallService.Tenant
        var floor: String
        var complaints: [ComplaintService.Complaint]
        var returns: [ReturnService.Return]
        var orders: [DeskOrderService.Order]
        var priceTags: [PriceTagService.Request]
        var today: CalendarDay

        static func load(_ req: Request) async throws -> Model {
            let (mall, malls) = try await MallShell.mall(req)
            let s = req.services, db = req.db
            guard let t = try await ifFound({ try await s.malls(db).tenant(try req.pathID("tenantID")) }), t.mallId == mall.id else { throw Problem.notFound }
            let today = CalendarDay(s.now()), since = today.adding(days: -90).start
            var cf = ComplaintService.Filter()
            cf.from = since
            var of = DeskOrderService.Filter()
            of.tenantID = t.id
            return Model(mall: mall, malls: malls, tenant: t, floor: try await s.malls(db).floor(t.floorId).label,
                         complaints: try await s.complaints(db).list(mall.id, cf, limit: 2000).filter { $0.tenantId == t.id },
                         returns: try await s.returns(db).list(mall.id, from: since, limit: 2000).filter { $0.tenantId == t.id },
                         orders: try await s.deskOrders(db).list(mall.id, of, limit: 50),
                         priceTags: try await s.priceTags(db).list(mall.id, from: since).filter { $0.tenantId == t.id }, today: today)
        }
    }
}
