import EstateCore
import Foundation
import Vapor

/// 佣金结算 pages: the list per month and channel (the channel manager generates a month), one statement with its
/// lines, submit (channel manager) and pay (finance) buttons, and the .xlsx statement.
enum CommissionsController {
    static func register(_ app: Application) {
        app.on(.GET, "commissions", guard: .signedIn, use: home)
        let p = app.grouped("projects", ":projectID", "channels", "commissions")
        p.on(.GET, guard: .signedIn, use: list)
        p.on(.POST, guard: .allowed(.channelsManage), use: generate)
        let s = app.grouped("commissions", ":statementID")
        s.on(.GET, guard: .signedIn, use: show)
        s.on(.GET, "statement.xlsx", guard: .signedIn, use: sheet)
        s.on(.POST, "submit", guard: .allowed(.channelsManage), use: submit)
        s.on(.POST, "pay", guard: .allowed(.paymentsConfirm), use: pay)
    }

    /// The side nav's 佣金结算 (finance): the statements of the first project the reader may read them in.
    @Sendable static func home(_ req: Request) async throws -> Response {
        let projects = try await ProjectSwitcher.projects(req, any: [.channelsManage, .salesApprove, .paymentsConfirm])
        if let chosen = req.queryText("project").flatMap(UUID.init(uuidString:)), projects.contains(where: { $0.id == chosen }) {
            return req.redirect(to: "/projects/\(chosen)/channels/commissions")
        }
        guard let first = projects.first else { throw Problem.notFound }
        return req.redirect(to: "/projects/\(first.id)/channels/commissions")
    }

    @Sendable static func list(_ req: Request) async throws -> Response {
        Shell.response(CommissionPage.list(PageContext(req), try await CommissionPage.ListModel.load(req, try req.projectID())))
    }

    @Sendable static func generate(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let p = try req.requirePrincipal()
        guard p.canSee(project: projectID), p.may(.channelsManage, on: projectID) else { throw Problem.notFound }
        let back = "/projects/\(projectID)/channels/commissions"
        return try await FormAction.run(req) {
            guard let channel = UUID(uuidString: req.formField("channelId")),
                  try await !req.services.channels(req.db).agreements(channelIDs: [channel], projectID: projectID).isEmpty
            else { throw Problem.invalid("channelId", "channel_not_found") }
            let s = try await req.services.commissions(req.db).createStatement(channelID: channel, projectID: projectID, month: req.formField("month"),
                                                                             by: p.userID, context: req.auditContext)
            return .to("/commissions/\(s.id)", notice: "cm.generated_notice")
        } failed: { problem in
            FormAction.back(req, to: back, problem)
        }
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        Shell.response(CommissionPage.show(PageContext(req), try await CommissionPage.Model.load(req, try req.pathID("statementID"))))
    }

    @Sendable static func sheet(_ req: Request) async throws -> Response {
        let m = try await CommissionPage.Model.load(req, try req.pathID("statementID"))
        return Response.workbook(try CommissionPage.workbook(req.localizer, m), name: CommissionPage.fileName(req.localizer, m))
    }

    @Sendable static func submit(_ req: Request) async throws -> Response {
        let m = try await CommissionPage.Model.load(req, try req.pathID("statementID"))
        let p = try req.requirePrincipal()
        guard p.may(.channelsManage, on: m.statement.projectId) else { throw Problem.notFound }
        let back = "/commissions/\(m.statement.id)"
        return try await FormAction.run(req) {
            _ = try await req.services.commissions(req.db).submit(m.statement.id, reason: "", by: p, context: req.auditContext)
            return .to(back, notice: "cm.submitted_notice")
        } failed: { problem in
            FormAction.back(req, to: back, problem)
        }
    }

    @Sendable static func pay(_ req: Request) async throws -> Response {
        let m = try await CommissionPage.Model.load(req, try req.pathID("statementID"))
        let p = try req.requirePrincipal()
        guard p.may(.paymentsConfirm, on: m.statement.projectId) else { throw Problem.notFound }
        let back = "/commissions/\(m.statement.id)"
        return try await FormAction.run(req) {
            _ = try await req.services.commissions(req.db).markPaid(m.statement.id, context: req.auditContext)
            return .to(back, notice: "cm.paid_notice")
        } failed: { problem in
            FormAction.back(req, to: back, problem)
        }
    }
}
