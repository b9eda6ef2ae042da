import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/deliveries/{id}/returns` (退货), `/api/v1/deliveries/{id}/stock-in` (入库) and `/api/v1/site-stores` (仓库, its
/// balances, ledger and issues): procurement's, checked per project (404 for a project the caller does not handle).
extension APIHandler {
    static func returnSchema(_ r: DeliveryService.Return) -> Schemas.DeliveryReturn {
        var out = Schemas.DeliveryReturn(id: r.id.uuidString, deliveryId: r.deliveryId.uuidString, lineId: r.deliveryLineId.uuidString,
                                         quantity: PurchaseQuantity.format(r.quantityMilli), reason: r.reason, returnedOn: r.returnedOn, createdAt: r.createdAt)
        out.createdBy = r.createdBy?.uuidString
        return out
    }

    static func siteStoreSchema(_ s: SiteStoreService.SiteStore) -> Schemas.SiteStore {
        .init(id: s.id.uuidString, projectId: s.projectId.uuidString, name: s.name, createdAt: s.createdAt)
    }

    static func movementSchema(_ m: SiteStoreService.Movement) -> Schemas.StockMovement {
        var out = Schemas.StockMovement(id: m.id.uuidString, material: m.material, unit: m.unit, kind: .init(rawValue: m.kind) ?? .out,
                                        quantity: PurchaseQuantity.format(m.quantityMilli), balance: PurchaseQuantity.format(m.balanceMilli),
                                        purpose: m.purpose, receivedBy: m.receivedBy, createdAt: m.createdAt)
        out.deliveryId = m.deliveryId?.uuidString
        return out
    }

    func siteStoreDetail(_ s: SiteStoreService.SiteStore) async throws -> Schemas.SiteStoreDetail {
        let svc = services.siteStores(database)
        return .init(store: Self.siteStoreSchema(s),
                     balances: try await svc.balances(s.id).map { .init(material: $0.material, unit: $0.unit, balance: PurchaseQuantity.format($0.balanceMilli)) },
                     movements: try await svc.movements(s.id).map(Self.movementSchema))
    }

    func listDeliveryReturns(_ input: Operations.ListDeliveryReturns.Input) async throws -> Operations.ListDeliveryReturns.Output {
        let svc = services.deliveries(database)
        let d = try await svc.delivery(try Self.uuid(input.path.deliveryId))
        _ = try procurementRecord(d.projectId)
        return .ok(.init(body: .json(.init(items: try await svc.returns(d.id).map(Self.returnSchema)))))
    }

    func createDeliveryReturn(_ input: Operations.CreateDeliveryReturn.Input) async throws -> Operations.CreateDeliveryReturn.Output {
        let b = switch input.body { case .json(let json): json }
        let svc = services.deliveries(database)
        let d = try await svc.delivery(try Self.uuid(input.path.deliveryId))
        let p = try procurementRecord(d.projectId)
        let r = try await svc.returnGoods(d.id, lineID: try Self.uuid(b.lineId, field: "lineId"), quantity: b.quantity, reason: b.reason,
                                          returnedOn: b.returnedOn, by: p.userID, context: call.auditContext)
        return .created(.init(body: .json(Self.returnSchema(r))))
    }

    func stockInDelivery(_ input: Operations.StockInDelivery.Input) async throws -> Operations.StockInDelivery.Output {
        let b = switch input.body { case .json(let json): json }
        let d = try await services.deliveries(database).delivery(try Self.uuid(input.path.deliveryId))
        let p = try procurementRecord(d.projectId)
        let storeID = try Self.uuid(b.storeId, field: "storeId")
        let svc = services.siteStores(database)
        _ = try await svc.stockIn(deliveryID: d.id, storeID: storeID, by: p.userID, context: call.auditContext)
        return .ok(.init(body: .json(try await siteStoreDetail(try await svc.siteStore(storeID)))))
    }

    func listSiteStores(_ input: Operations.ListSiteStores.Input) async throws -> Operations.ListSiteStores.Output {
        let project = try await procurementProject(input.query.projectId)
        return .ok(.init(body: .json(.init(items: try await services.siteStores(database).stores(projectID: project).map(Self.siteStoreSchema)))))
    }

    func createSiteStore(_ input: Operations.CreateSiteStore.Input) async throws -> Operations.CreateSiteStore.Output {
        let b = switch input.body { case .json(let json): json }
        let project = try await procurementProject(b.projectId)
        let s = try await services.siteStores(database).create(projectID: project, name: b.name, by: try call.requirePrincipal().userID,
                                                              context: call.auditContext)
        return .created(.init(body: .json(Self.siteStoreSchema(s))))
    }

    func getSiteStore(_ input: Operations.GetSiteStore.Input) async throws -> Operations.GetSiteStore.Output {
        let s = try await services.siteStores(database).siteStore(try Self.uuid(input.path.storeId))
        _ = try procurementRecord(s.projectId)
        return .ok(.init(body: .json(try await siteStoreDetail(s))))
    }

    func issueSiteStock(_ input: Operations.IssueSiteStock.Input) async throws -> Operations.IssueSiteStock.Output {
        let b = switch input.body { case .json(let json): json }
        let svc = services.siteStores(database)
        let s = try await svc.siteStore(try Self.uuid(input.path.storeId))
        let p = try procurementRecord(s.projectId)
        let m = try await svc.issue(storeID: s.id, .init(material: b.material, unit: b.unit, quantity: b.quantity, purpose: b.purpose, receivedBy: b.receivedBy),
                                    by: p.userID, context: call.auditContext)
        return .created(.init(body: .json(Self.movementSchema(m))))
    }
}
