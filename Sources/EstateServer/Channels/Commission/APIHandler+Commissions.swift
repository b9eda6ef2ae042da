import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/commissions` (佣金结算单): the channel manager generates a channel's month and submits it; the
/// sales manager (or GM) decides it in the approvals inbox; finance pays it once. Read by those three.
extension APIHandler {
    /// Who may read a project's statements: the channel manager, whoever approves sales (案场经理) and finance.
    static func mayReadCommissions(_ p: Principal, project: UUID) -> Bool {
        p.canSee(project: project) && (p.may(.channelsManage, on: project) || p.may(.salesApprove, on: project) || p.may(.paymentsConfirm, on: project))
    }

    /// A statement `p` may read, else 404 (its existence is not revealed).
    func loadStatement(_ raw: String) async throws -> (CommissionService.Statement, Principal) {
        let p = try call.requirePrincipal()
        let s = try await services.commissions(database).statement(try Self.uuid(raw))
        guard Self.mayReadCommissions(p, project: s.projectId) else { throw Problem.notFound }
        return (s, p)
    }

    func statementSchema(_ s: CommissionService.Statement, lines: [CommissionService.Line]?) async throws -> Schemas.CommissionStatement {
        let name = (try? await services.channels(database).channel(s.channelId).name) ?? ""
        var out = Schemas.CommissionStatement(
            id: s.id.uuidString, projectId: s.projectId.uuidString, channelId: s.channelId.uuidString, channelName: name, month: s.month,
            status: .init(rawValue: s.status) ?? .draft, total: Money(fen: s.totalFen).plain, deals: s.deals, createdAt: s.createdAt,
            lines: (lines ?? []).map { .init(subscriptionNumber: $0.subscriptionNumber, kind: .init(rawValue: $0.kind) ?? .commission,
                                             amount: Money(fen: $0.amountFen).plain, explanation: $0.explanation) })
        out.tier = s.tier
        out.approvalId = s.approvalId?.uuidString
        out.submittedAt = s.submittedAt
        out.decidedAt = s.decidedAt
        out.paidAt = s.paidAt
        out.replacedBy = s.replacedBy?.uuidString
        return out
    }

    func listCommissionStatements(_ input: Operations.ListCommissionStatements.Input) async throws -> Operations.ListCommissionStatements.Output {
        let p = try call.requirePrincipal()
        let projectID = try Self.uuid(input.query.projectId, field: "projectId")
        guard p.canSee(project: projectID) else { throw Problem.notFound }
        guard Self.mayReadCommissions(p, project: projectID) else { throw Problem.forbidden }
        let channel = try input.query.channelId.map { try Self.uuid($0, field: "channelId") }
        if let m = input.query.month, CommissionService.bounds(m) == nil { throw Problem.invalid("month", "month_invalid") }
        let list = try await services.commissions(database).list(projectID: projectID, channelID: channel, month: input.query.month,
                                                                 status: input.query.status?.rawValue)
        var items: [Schemas.CommissionStatement] = []
        for s in list { items.append(try await statementSchema(s, lines: nil)) }
        return .ok(.init(body: .json(.init(items: items))))
    }

    func createCommissionStatement(_ input: Operations.CreateCommissionStatement.Input) async throws -> Operations.CreateCommissionStatement.Output {
        let b = switch input.body { case .json(let json): json }
        let project = try await reportProject(b.projectId, .channelsManage)
        let channelID = try Self.uuid(b.channelId, field: "channelId")
        guard CommissionService.bounds(b.month) != nil else { throw Problem.invalid("month", "month_invalid") }
        // A channel working on the project only.
        guard try await !services.channels(database).agreements(channelIDs: [channelID], projectID: project.id).isEmpty else {
            throw Problem.invalid("channelId", "channel_not_found")
        }
        let svc = services.commissions(database)
        let s = try await svc.createStatement(channelID: channelID, projectID: project.id, month: b.month, by: try call.requirePrincipal().userID,
                                              context: call.auditContext)
        return .created(.init(body: .json(try await statementSchema(s, lines: try await svc.lines(s.id)))))
    }

    func getCommissionStatement(_ input: Operations.GetCommissionStatement.Input) async throws -> Operations.GetCommissionStatement.Output {
        let (s, _) = try await loadStatement(input.path.statementId)
        return .ok(.init(body: .json(try await statementSchema(s, lines: try await services.commissions(database).lines(s.id)))))
    }

    func submitCommissionStatement(_ input: Operations.SubmitCommissionStatement.Input) async throws -> Operations.SubmitCommissionStatement.Output {
        let (s, p) = try await loadStatement(input.path.statementId)
        guard p.may(.channelsManage, on: s.projectId) else { throw Problem.forbidden }
        let reason = switch input.body { case .json(let j): j.reason ?? "" }
        let svc = services.commissions(database)
        let done = try await svc.submit(s.id, reason: reason, by: p, context: call.auditContext)
        return .accepted(.init(body: .json(try await statementSchema(done, lines: try await svc.lines(s.id)))))
    }

    func payCommissionStatement(_ input: Operations.PayCommissionStatement.Input) async throws -> Operations.PayCommissionStatement.Output {
        let (s, p) = try await loadStatement(input.path.statementId)
        guard p.may(.paymentsConfirm, on: s.projectId) else { throw Problem.forbidden }
        let svc = services.commissions(database)
        let done = try await svc.markPaid(s.id, context: call.auditContext)
        return .ok(.init(body: .json(try await statementSchema(done, lines: try await svc.lines(s.id)))))
    }
}
