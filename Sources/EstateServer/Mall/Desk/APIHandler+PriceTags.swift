import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/price-tags` (issue 20 point 7).
extension APIHandler {
    static func priceTagSchema(_ r: PriceTagService.Request) -> Schemas.PriceTagRequest {
        Schemas.PriceTagRequest(id: r.id.uuidString, number: r.number, tenantId: r.tenantId.uuidString,
                                tags: r.lines.map { l in
                                    Schemas.PriceTagLine(item: l.tag.item, price: l.tag.price.plain, unit: l.tag.unit, origin: l.tag.origin,
                                                         specification: l.tag.specification, originalPrice: l.tag.originalPrice?.plain, copies: l.copies)
                                },
                                tagCount: r.tagCount, fee: Money(fen: r.feeFen).plain, status: .init(rawValue: r.status) ?? .requested,
                                requestedAt: r.requestedAt, printedAt: r.printedAt, printCount: r.printCount)
    }

    func listPriceTagRequests(_ input: Operations.ListPriceTagRequests.Input) async throws -> Operations.ListPriceTagRequests.Output {
        let m = try await mall(input.query.mallId, .mallDesk)
        return .ok(.init(body: .json(.init(items: try await services.priceTags(database).list(m.id).map(Self.priceTagSchema)))))
    }

    func requestPriceTags(_ input: Operations.RequestPriceTags.Input) async throws -> Operations.RequestPriceTags.Output {
        let b = switch input.body { case .json(let json): json }
        let m = try await mall(b.mallId, .mallDesk)
        var bad: [Problem.FieldError] = []
        let lines = b.tags.enumerated().map { i, l -> PriceTagService.Line in
            let price = Money(yuanText: l.price)
            if price == nil { bad.append(.init(field: "tags[\(i)].price", code: PriceTagRule.priceInvalid.rawValue)) }
            let original = l.originalPrice.map { Money(yuanText: $0) }
            if let original, original == nil { bad.append(.init(field: "tags[\(i)].originalPrice", code: PriceTagRule.originalPriceInvalid.rawValue)) }
            return .init(tag: PriceTag(item: l.item, price: price ?? .zero, unit: l.unit, origin: l.origin, specification: l.specification,
                                       originalPrice: original ?? nil), copies: l.copies)
        }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let r = try await services.priceTags(database).request(mall: m, tenantID: try Self.uuid(b.tenantId, field: "tenantId"), lines: lines,
                                                               by: try call.requirePrincipal().userID, context: call.auditContext)
        return .created(.init(body: .json(Self.priceTagSchema(r))))
    }

    func printPriceTags(_ input: Operations.PrintPriceTags.Input) async throws -> Operations.PrintPriceTags.Output {
        let svc = services.priceTags(database)
        guard let r = try await ifFound({ try await svc.get(try Self.uuid(input.path.requestId)) }) else { throw Problem.notFound }
        let m = try await deskMall(of: r.mallId)
        return .ok(.init(body: .json(Self.priceTagSchema(try await svc.printed(r.id, mall: m, by: try call.requirePrincipal().userID, context: call.auditContext)))))
    }
}
