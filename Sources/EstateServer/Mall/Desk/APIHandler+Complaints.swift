import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/malls/{mallId}/complaints`: complaints taken at the desk, as service tickets with the desk's record
/// (issue 20 point 3); their resolution, callback and closing are `/api/v1/tickets`.
extension APIHandler {
    static func complaintSchema(_ c: ComplaintService.Complaint, now: Date) -> Schemas.MallComplaint {
        Schemas.MallComplaint(id: c.id.uuidString, ticketId: c.ticketId.uuidString, ticketNumber: c.ticketNumber, channel: c.channel,
                              category: .init(rawValue: c.category) ?? .other, tenantId: c.tenantId?.uuidString, floorId: c.floorId?.uuidString,
                              managerId: c.managerId?.uuidString, title: c.ticket?.title ?? "", status: c.ticket?.status ?? "",
                              takenAt: c.takenAt, dueAt: c.dueAt, overdue: c.overdue(at: now), escalatedAt: c.escalatedAt)
    }

    func listMallComplaints(_ input: Operations.ListMallComplaints.Input) async throws -> Operations.ListMallComplaints.Output {
        let m = try await mall(input.path.mallId, .mallDesk)
        var f = ComplaintService.Filter()
        if input.query.mine == true { f.managerID = try call.requirePrincipal().userID }
        f.openOnly = input.query.unresolved == true
        let now = services.now()
        let items = try await services.complaints(database).list(m.id, f).map { Self.complaintSchema($0, now: now) }
        return .ok(.init(body: .json(.init(items: items))))
    }

    func takeMallComplaint(_ input: Operations.TakeMallComplaint.Input) async throws -> Operations.TakeMallComplaint.Output {
        let b = switch input.body { case .json(let json): json }
        let m = try await mall(input.path.mallId, .mallDesk)
        var d = ComplaintService.Draft(channel: TicketChannel(rawValue: b.channel.rawValue) ?? .frontDesk,
                                       category: MallComplaintCategory(rawValue: b.category.rawValue) ?? .other, title: b.title)
        d.tenantID = try b.tenantId.map { try Self.uuid($0, field: "tenantId") }
        d.floorID = try b.floorId.map { try Self.uuid($0, field: "floorId") }
        d.description = b.description ?? ""
        d.contactName = b.contactName ?? ""
        d.contactMobile = b.contactMobile ?? ""
        let c = try await services.complaints(database).take(d, mall: m, by: try call.requirePrincipal(), context: call.auditContext)
        return .created(.init(body: .json(Self.complaintSchema(c, now: services.now()))))
    }
}
