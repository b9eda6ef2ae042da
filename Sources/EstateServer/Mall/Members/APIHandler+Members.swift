import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/members`: VIP cards, approval, issue, points earned and redeemed (issue 20 point 2). Mobiles are
/// masked in every answer.
extension APIHandler {
    static func memberSchema(_ m: MemberService.Member) -> Schemas.Member {
        Schemas.Member(id: m.id.uuidString, mallId: m.mallId.uuidString, kind: .init(rawValue: m.kind) ?? .person, name: m.name,
                       organisation: m.organisation, mobile: m.maskedMobile, status: .init(rawValue: m.status) ?? .applied, cardNumber: m.cardNumber,
                       tier: .init(rawValue: m.tier) ?? .standard, pointsBalance: m.pointsBalance, pointsEarned: m.pointsEarned, appliedAt: m.appliedAt,
                       decidedAt: m.decidedAt, issuedAt: m.issuedAt)
    }

    static func entrySchema(_ e: MemberService.Entry) -> Schemas.PointsEntry {
        Schemas.PointsEntry(id: e.id.uuidString, kind: .init(rawValue: e.kind) ?? .earn, points: e.points, balanceAfter: e.balanceAfter,
                            tenantId: e.tenantId?.uuidString, receiptNumber: e.receiptNo, receiptDay: e.receiptDay,
                            amount: e.amountFen.map { Money(fen: $0).plain }, giftId: e.giftId?.uuidString, quantity: e.quantity, note: e.note,
                            createdAt: e.createdAt)
    }

    /// The member of a path id and its mall: 404 unless the mall's project is the caller's to see.
    func member(_ raw: String, _ action: Action = .mallDesk) async throws -> (MemberService.Member, MallService.Mall) {
        let p = try call.requirePrincipal()
        guard let m = try await ifFound({ try await services.members(database).member(try Self.uuid(raw)) }),
              let mall = try await ifFound({ try await services.malls(database).mall(m.mallId) }), p.canSee(project: mall.projectId) else { throw Problem.notFound }
        try await require(action, on: mall.projectId)
        return (m, mall)
    }

    func listMembers(_ input: Operations.ListMembers.Input) async throws -> Operations.ListMembers.Output {
        let q = input.query
        let m = try await mall(q.mallId, .mallDesk)
        var f = MemberService.Filter()
        f.status = q.status.flatMap { MemberStatus(rawValue: $0.rawValue) }
        f.tier = q.tier.flatMap { MemberTier(rawValue: $0.rawValue) }
        f.query = q.q
        let page = try await services.members(database).list(m.id, f, page: try PageRequest(page: q.page ?? 1, perPage: q.perPage ?? 50))
        return .ok(.init(body: .json(.init(items: page.items.map(Self.memberSchema), page: page.page, perPage: page.perPage, total: page.total))))
    }

    func applyMember(_ input: Operations.ApplyMember.Input) async throws -> Operations.ApplyMember.Output {
        let b = switch input.body { case .json(let json): json }
        let m = try await mall(b.mallId, .mallDesk)
        var a = MemberService.Application(kind: MemberKind(rawValue: b.kind.rawValue) ?? .person, name: b.name, mobile: b.mobile)
        a.organisation = b.organisation ?? ""
        a.note = b.note ?? ""
        let member = try await services.members(database).apply(a, mall: m, by: try call.requirePrincipal().userID, context: call.auditContext)
        return .created(.init(body: .json(Self.memberSchema(member))))
    }

    func getMember(_ input: Operations.GetMember.Input) async throws -> Operations.GetMember.Output {
        let (m, _) = try await member(input.path.memberId)
        let svc = services.members(database)
        return .ok(.init(body: .json(.init(member: Self.memberSchema(m), entries: try await svc.entries(m.id).map(Self.entrySchema),
                                           customerProjectIds: try await svc.customerProjects(m).map(\.uuidString)))))
    }

    func decideMember(_ input: Operations.DecideMember.Input) async throws -> Operations.DecideMember.Output {
        let b = switch input.body { case .json(let json): json }
        let (m, _) = try await member(input.path.memberId, .mallSupervise)
        let decided = try await services.members(database).decide(m.id, approve: b.approve, note: b.note ?? "", by: try call.requirePrincipal(),
                                                                  context: call.auditContext)
        return .ok(.init(body: .json(Self.memberSchema(decided))))
    }

    func issueMemberCard(_ input: Operations.IssueMemberCard.Input) async throws -> Operations.IssueMemberCard.Output {
        let b = switch input.body { case .json(let json): json }
        let (m, _) = try await member(input.path.memberId)
        let issued = try await services.members(database).issue(m.id, cardNumber: b.cardNumber, by: try call.requirePrincipal().userID,
                                                                context: call.auditContext)
        return .ok(.init(body: .json(Self.memberSchema(issued))))
    }

    func earnMemberPoints(_ input: Operations.EarnMemberPoints.Input) async throws -> Operations.EarnMemberPoints.Output {
        let b = switch input.body { case .json(let json): json }
        let (m, _) = try await member(input.path.memberId)
        guard let amount = Money(yuanText: b.amount) else { throw Problem.invalid("amount", "mall_receipt_amount_invalid") }
        let r = MemberService.Receipt(tenantID: try Self.uuid(b.tenantId, field: "tenantId"), number: b.receiptNumber, amount: amount, day: b.day)
        let e = try await services.members(database).earn(m.id, r, by: try call.requirePrincipal().userID, context: call.auditContext)
        return .created(.init(body: .json(Self.entrySchema(e))))
    }

    func redeemMemberPoints(_ input: Operations.RedeemMemberPoints.Input) async throws -> Operations.RedeemMemberPoints.Output {
        let b = switch input.body { case .json(let json): json }
        let (m, _) = try await member(input.path.memberId)
        let e = try await services.members(database).redeem(m.id, giftID: try Self.uuid(b.giftId, field: "giftId"), quantity: b.quantity,
                                                             by: try call.requirePrincipal().userID, context: call.auditContext)
        return .created(.init(body: .json(Self.entrySchema(e))))
    }
}

extension APIHandler {
    func importMembers(_ input: Operations.ImportMembers.Input) async throws -> Operations.ImportMembers.Output {
        let body: HTTPBody = switch input.body {
        case .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(let b), .csv(let b), .binary(let b): b
        }
        let m = try await mall(input.query.mallId, .mallSupervise)
        let data = try await upload(body)
        let n = try await services.imports.run {
            try await services.memberBook(database).importBook(data, mall: m, by: try call.requirePrincipal().userID, context: call.auditContext)
        }
        return .ok(.init(body: .json(.init(imported: n))))
    }
}
