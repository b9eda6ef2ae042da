import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/malls` (+ floors, tenants, gifts): the mall as a place (issue 20 point 1).
extension APIHandler {
    /// The mall of a path id: 404 unless its project is the caller's to see, an audited 403 without `action` there.
    func mall(_ raw: String, _ action: Action) async throws -> MallService.Mall {
        let p = try call.requirePrincipal()
        guard let m = try await ifFound({ try await services.malls(database).mall(try Self.uuid(raw)) }), p.canSee(project: m.projectId) else { throw Problem.notFound }
        try await require(action, on: m.projectId)
        return m
    }

    static func floorSchema(_ f: MallService.Floor) -> Schemas.MallFloor {
        Schemas.MallFloor(id: f.id.uuidString, label: f.label, level: f.level, managerId: f.managerId?.uuidString, managerName: f.managerName,
                          zones: f.zones.map { .init(id: $0.id.uuidString, name: $0.name) })
    }

    func mallSchema(_ m: MallService.Mall) async throws -> Schemas.Mall {
        Schemas.Mall(id: m.id.uuidString, projectId: m.projectId.uuidString, name: m.name,
                     floors: try await services.malls(database).floors(m.id).map(Self.floorSchema), createdAt: m.createdAt)
    }

    static func tenantSchema(_ t: MallService.Tenant, floors: [UUID: String], today: CalendarDay) -> Schemas.MallTenant {
        Schemas.MallTenant(id: t.id.uuidString, mallId: t.mallId.uuidString, floorId: t.floorId.uuidString, floorLabel: floors[t.floorId] ?? "",
                           zoneId: t.zoneId?.uuidString, unitNo: t.unitNo, shopName: t.shopName, category: t.category, contactName: t.contactName,
                           contactMobile: t.contactMobile.map(Masking.mobile), leaseStarts: t.leaseStarts, leaseEnds: t.leaseEnds,
                           leased: t.leased(on: today))
    }

    func listMalls(_ input: Operations.ListMalls.Input) async throws -> Operations.ListMalls.Output {
        let p = try call.requirePrincipal()
        var items: [Schemas.Mall] = []
        for m in try await services.malls(database).malls(in: p.projects(where: .mallDesk)) { items.append(try await mallSchema(m)) }
        return .ok(.init(body: .json(.init(items: items))))
    }

    func createMall(_ input: Operations.CreateMall.Input) async throws -> Operations.CreateMall.Output {
        let b = switch input.body { case .json(let json): json }
        let project = try await reportProject(b.projectId, .mallSupervise)
        let floors = b.floors.map { MallService.FloorDraft(label: $0.label, level: $0.level, zones: $0.zones ?? []) }
        let m = try await services.malls(database).create(projectID: project.id, name: b.name, floors: floors,
                                                          by: try call.requirePrincipal().userID, context: call.auditContext)
        try await services.complaints(database).prepare(m, context: call.auditContext)
        return .created(.init(body: .json(try await mallSchema(m))))
    }

    func getMall(_ input: Operations.GetMall.Input) async throws -> Operations.GetMall.Output {
        .ok(.init(body: .json(try await mallSchema(try await mall(input.path.mallId, .mallDesk)))))
    }

    func setMallFloorManager(_ input: Operations.SetMallFloorManager.Input) async throws -> Operations.SetMallFloorManager.Output {
        let b = switch input.body { case .json(let json): json }
        let m = try await mall(input.path.mallId, .mallSupervise)
        let manager = try b.managerId.map { try Self.uuid($0, field: "managerId") }
        let f = try await services.malls(database).setFloorManager(try Self.uuid(input.path.floorId), of: m, managerID: manager, context: call.auditContext)
        return .ok(.init(body: .json(Self.floorSchema(f))))
    }

    func listMallTenants(_ input: Operations.ListMallTenants.Input) async throws -> Operations.ListMallTenants.Output {
        let m = try await mall(input.path.mallId, .mallDesk)
        let svc = services.malls(database)
        let floor = try input.query.floorId.map { try Self.uuid($0, field: "floorId") }
        let labels = Dictionary(try await svc.floors(m.id).map { ($0.id, $0.label) }, uniquingKeysWith: { a, _ in a })
        let today = CalendarDay(services.now())
        let items = try await svc.tenants(m.id, floorID: floor, query: input.query.q).map { Self.tenantSchema($0, floors: labels, today: today) }
        return .ok(.init(body: .json(.init(items: items))))
    }

    func createMallTenant(_ input: Operations.CreateMallTenant.Input) async throws -> Operations.CreateMallTenant.Output {
        let b = switch input.body { case .json(let json): json }
        let m = try await mall(input.path.mallId, .mallDesk)
        var d = MallService.TenantDraft(floorID: try Self.uuid(b.floorId, field: "floorId"), unitNo: b.unitNo, shopName: b.shopName, category: b.category,
                                        contactName: b.contactName, leaseStarts: b.leaseStarts, leaseEnds: b.leaseEnds)
        d.zoneID = try b.zoneId.map { try Self.uuid($0, field: "zoneId") }
        d.contactMobile = b.contactMobile
        let svc = services.malls(database)
        let t = try await svc.addTenant(d, to: m, context: call.auditContext)
        let labels = Dictionary(try await svc.floors(m.id).map { ($0.id, $0.label) }, uniquingKeysWith: { a, _ in a })
        return .created(.init(body: .json(Self.tenantSchema(t, floors: labels, today: CalendarDay(services.now())))))
    }

    static func giftSchema(_ g: MemberService.Gift) -> Schemas.MallGift {
        Schemas.MallGift(id: g.id.uuidString, name: g.name, pointsCost: g.pointsCost, stock: g.stock)
    }

    func listMallGifts(_ input: Operations.ListMallGifts.Input) async throws -> Operations.ListMallGifts.Output {
        let m = try await mall(input.path.mallId, .mallDesk)
        return .ok(.init(body: .json(.init(items: try await services.members(database).gifts(m.id).map(Self.giftSchema)))))
    }

    func createMallGift(_ input: Operations.CreateMallGift.Input) async throws -> Operations.CreateMallGift.Output {
        let b = switch input.body { case .json(let json): json }
        let m = try await mall(input.path.mallId, .mallSupervise)
        let g = try await services.members(database).addGift(m, name: b.name, pointsCost: b.pointsCost, stock: b.stock, context: call.auditContext)
        return .created(.init(body: .json(Self.giftSchema(g))))
    }
}
