import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

extension APIHandler {
    func listApprovals(_ input: Operations.ListApprovals.Input) async throws -> Operations.ListApprovals.Output {
        let q = input.query
        let page = try PageRequest(page: q.page, perPage: q.perPage)
        let principal = try call.requirePrincipal()
        let projectID = try q.projectId.map { try UUID(uuidString: $0) ?? { throw Problem.notFound }() }
        let result = try await services.approvals(database).list(
            ApprovalService.Box(rawValue: q.box?.rawValue ?? "inbox") ?? .inbox, projectID: projectID,
            status: q.status.flatMap { ApprovalStatus(rawValue: $0.rawValue) }, for: principal, page: page)
        return .ok(.init(body: .json(.init(items: result.items.map { Self.approval($0, for: principal) }, page: result.page,
                                           perPage: result.perPage, total: result.total))))
    }

    func getApproval(_ input: Operations.GetApproval.Input) async throws -> Operations.GetApproval.Output {
        let principal = try call.requirePrincipal()
        let row = try await services.approvals(database).find(try Self.uuid(input.path.approvalId), for: principal)
        return .ok(.init(body: .json(Self.approval(row, for: principal))))
    }

    func decideApproval(_ input: Operations.DecideApproval.Input) async throws -> Operations.DecideApproval.Output {
        let b = switch input.body { case .json(let json): json }
        let principal = try call.requirePrincipal()
        let row = try await services.approvals(database).decide(try Self.uuid(input.path.approvalId), approve: b.approve,
                                                                comment: b.comment ?? "", by: principal, context: call.auditContext)
        return .ok(.init(body: .json(Self.approval(row, for: principal))))
    }

    func withdrawApproval(_ input: Operations.WithdrawApproval.Input) async throws -> Operations.WithdrawApproval.Output {
        let principal = try call.requirePrincipal()
        let row = try await services.approvals(database).withdraw(try Self.uuid(input.path.approvalId), by: principal,
                                                                  context: call.auditContext)
        return .ok(.init(body: .json(Self.approval(row, for: principal))))
    }

    static func approval(_ a: ApprovalRow, for principal: Principal) -> Schemas.Approval {
        .init(id: a.id.uuidString, projectId: a.projectID.uuidString, kind: .init(rawValue: a.kind.rawValue)!,
              subjectType: a.subjectType, subjectId: a.subjectID?.uuidString, title: a.title, amount: a.amount?.plain,
              rate: a.permyriad.map(rate), requiredRole: role(a.requiredRole), status: .init(rawValue: a.status.rawValue)!,
              requestedBy: a.requestedByName, requestedAt: a.requestedAt, reason: a.reason, decidedBy: a.decidedByName,
              decidedAt: a.decidedAt, comment: a.comment,
              mayDecide: a.status == .pending && ApprovalPolicy.mayDecide(roles: principal.roles(on: a.projectID), required: a.requiredRole,
                                                                          isRequester: a.requestedBy == principal.userID))
    }
}
