import EstateCore
import Foundation
import Vapor

/// What the 佣金结算 pages need: a project's statements (by month and channel) with the generate form for the
/// channel manager; one statement with its lines and the buttons its reader's role may press.
enum CommissionPage {
    struct ListModel {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var statements: [CommissionService.Statement]
        var channels: [ChannelService.Channel]
        var month: String?
        var channelID: UUID?
        var mayGenerate: Bool
        /// This month, the form's default.
        var currentMonth: String

        func channelName(_ id: UUID) -> String { channels.first { $0.id == id }?.name ?? "" }

        static func load(_ req: Request, _ projectID: UUID) async throws -> ListModel {
            let (project, projects) = try await ProjectSwitcher.refs(req, projectID, any: [.channelsManage, .salesApprove, .paymentsConfirm])
            let p = try req.requirePrincipal()
            guard APIHandler.mayReadCommissions(p, project: projectID) else { throw Problem.notFound }
            let month = req.queryText("month", max: 7).flatMap { CommissionService.bounds($0) == nil ? nil : $0 }
            let channelID = req.queryText("channel").flatMap(UUID.init(uuidString:))
            let statements = try await req.services.commissions(req.db).list(projectID: projectID, channelID: channelID, month: month)
            let channels = try await req.services.channels(req.db).list(projectID: projectID)
            return ListModel(project: project, projects: projects, statements: statements, channels: channels, month: month, channelID: channelID,
                             mayGenerate: p.may(.channelsManage, on: projectID), currentMonth: CommissionService.month(of: req.services.now()))
        }
    }

    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var statement: CommissionService.Statement
        var channelName: String
        var lines: [CommissionService.Line]
        var maySubmit: Bool
        var mayPay: Bool

        static func load(_ req: Request, _ id: UUID) async throws -> Model {
            let p = try req.requirePrincipal()
            let svc = req.services.commissions(req.db)
            guard let s = try await ifFound({ try await svc.statement(id) }), APIHandler.mayReadCommissions(p, project: s.projectId) else { throw Problem.notFound }
            let (project, projects) = try await ProjectSwitcher.refs(req, s.projectId, any: [.channelsManage, .salesApprove, .paymentsConfirm])
            let name = (try? await req.services.channels(req.db).channel(s.channelId).name) ?? ""
            return Model(project: project, projects: projects, statement: s, channelName: name, lines: try await svc.lines(id),
                         maySubmit: s.status == "draft" && p.may(.channelsManage, on: s.projectId),
                         mayPay: s.status == "approved" && p.may(.paymentsConfirm, on: s.projectId))
        }
    }
}
