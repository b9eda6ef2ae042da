import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/mail`: mail, parcels and stored bags (issue 20 point 6).
extension APIHandler {
    static func mailSchema(_ i: MailService.Item) -> Schemas.MallMail {
        Schemas.MallMail(id: i.id.uuidString, kind: .init(rawValue: i.kind) ?? .letter, tenantId: i.tenantId?.uuidString, recipient: i.recipient,
                         carrier: i.carrier, trackingNo: i.trackingNo, tag: i.tag, mobile: i.mobile.map(Masking.mobile), receivedAt: i.receivedAt,
                         pickedUpAt: i.pickedUpAt, pickedUpBy: i.pickedUpBy, signature: i.signature)
    }

    func listMail(_ input: Operations.ListMail.Input) async throws -> Operations.ListMail.Output {
        let m = try await mall(input.query.mallId, .mallDesk)
        return .ok(.init(body: .json(.init(items: try await services.mail(database).items(m.id, waiting: input.query.waiting == true).map(Self.mailSchema)))))
    }

    func receiveMail(_ input: Operations.ReceiveMail.Input) async throws -> Operations.ReceiveMail.Output {
        let b = switch input.body { case .json(let json): json }
        let m = try await mall(b.mallId, .mallDesk)
        var d = MailService.Draft(kind: MailService.Kind(rawValue: b.kind.rawValue) ?? .letter, recipient: b.recipient ?? "")
        d.tenantID = try b.tenantId.map { try Self.uuid($0, field: "tenantId") }
        d.carrier = b.carrier ?? ""
        d.trackingNo = b.trackingNo ?? ""
        d.tag = b.tag ?? ""
        d.mobile = b.mobile ?? ""
        let i = try await services.mail(database).receive(d, mall: m, by: try call.requirePrincipal().userID, context: call.auditContext)
        return .created(.init(body: .json(Self.mailSchema(i))))
    }

    func pickUpMail(_ input: Operations.PickUpMail.Input) async throws -> Operations.PickUpMail.Output {
        let b = switch input.body { case .json(let json): json }
        let svc = services.mail(database)
        guard let item = try await ifFound({ try await svc.item(try Self.uuid(input.path.mailId)) }) else { throw Problem.notFound }
        let m = try await deskMall(of: item.mallId)
        let i = try await svc.pickUp(item.id, mall: m, by: b.pickedUpBy, signature: b.signature, tag: b.tag ?? "", staff: try call.requirePrincipal().userID,
                                     context: call.auditContext)
        return .ok(.init(body: .json(Self.mailSchema(i))))
    }
}
