import EstateCore
import Foundation
import Vapor

/// The desk's place tab: floors top-down with their managers and zones, the tenants by floor, the forms to add
/// a tenant and (for the supervisor) to name a floor's manager; with no mall yet, the supervisor's form to set one up.
enum MallDeskPage {
    struct Model {
        var mall: MallService.Mall
        var malls: [MallService.Mall]
        var floors: [MallService.Floor]
        var tenants: [MallService.Tenant]
        var staff: [StaffDirectory.Member]
        var mayManage: Bool
        var today: CalendarDay

        static func load(_ req: Request) async throws -> Model {
            let (mall, malls) = try await MallShell.mall(req)
            let svc = req.services.malls(req.db)
            let p = try req.requirePrincipal()
            let manage = p.may(.mallSupervise, on: mall.projectId)
            return Model(mall: mall, malls: malls, floors: try await svc.floors(mall.id), tenants: try await svc.tenants(mall.id),
                         staff: manage ? try await svc.deskStaff(mall) : [], mayManage: manage, today: CalendarDay(req.services.now()))
        }

        func floorLabel(_ id: UUID) -> String { floors.first { $0.id == id }?.label ?? "" }
    }

    /// Where a reader with no mall lands: the projects they supervise, to set one up on.
    struct Setup {
        var projects: [InventoryShell.ProjectRef]
    }
}
