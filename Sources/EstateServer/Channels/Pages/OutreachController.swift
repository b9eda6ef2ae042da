import EstateCore
import Foundation
import Vapor

/// 拓客 pages: plans vs actuals per team, area and day; the actuals entered per row or imported from .xlsx (all rows
/// or none); the channel report with its charts and .xlsx.
enum OutreachController {
    static func register(_ app: Application) {
        let p = app.grouped("projects", ":projectID", "channels", "outreach")
        p.on(.GET, guard: .allowed(.channelLeadsRegister), use: show)
        p.on(.POST, "plans", guard: .allowed(.channelsManage), use: plan)
        p.on(.POST, "import", guard: .allowed(.channelLeadsRegister), body: .collect(maxSize: "5mb"), use: importActuals)
        p.on(.GET, "report.xlsx", guard: .allowed(.channelsManage), use: sheet)
        app.on(.POST, "outreach-plans", ":planID", "actuals", guard: .allowed(.channelLeadsRegister), use: actuals)
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        Shell.response(OutreachPage.view(PageContext(req), try await OutreachPage.Model.load(req, try req.projectID())))
    }

    static func counts(_ req: Request) throws -> OutreachCounts {
        let n = try OutreachPage.kinds.map { k -> Int in
            let raw = req.formField(k)
            if raw.isEmpty { return 0 }
            guard let v = Int(raw) else { throw Problem.invalid(k, "outreach_count_invalid") }
            return v
        }
        return OutreachCounts(calls: n[0], flyers: n[1], interceptions: n[2], points: n[3], visits: n[4])
    }

    @Sendable static func plan(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let p = try req.requirePrincipal()
        guard p.canSee(project: projectID), p.may(.channelsManage, on: projectID) else { throw Problem.notFound }
        let back = "/projects/\(projectID)/channels/outreach"
        return try await FormAction.run(req) {
            guard let team = UUID(uuidString: req.formField("channelId")) else { throw Problem.invalid("channelId", "channel_not_found") }
            _ = try await req.services.outreach(req.db).putPlan(projectID: projectID, channelID: team, area: req.formField("area"),
                                                                day: req.formField("day"), plan: try counts(req), by: p.userID, context: req.auditContext)
            return .to(back, notice: "or.planned_notice")
        } failed: { problem in
            FormAction.back(req, to: back, problem)
        }
    }

    @Sendable static func actuals(_ req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let svc = req.services.outreach(req.db)
        let planID = try req.pathID("planID")
        guard let plan = try await ifFound({ try await svc.plan(planID) }), OutreachPage.Model.mayWork(p, plan.projectId) else { throw Problem.notFound }
        let back = "/projects/\(plan.projectId)/channels/outreach"
        return try await FormAction.run(req) {
            func money(_ k: String) throws -> Money {
                let raw = req.formField(k)
                if raw.isEmpty { return .zero }
                guard let m = Money(yuanText: raw) else { throw Problem.invalid(k, "outreach_cost_invalid") }
                return m
            }
            _ = try await svc.enterActuals(plan.id, counts: try counts(req),
                                           costs: OutreachCosts(staff: try money("staff"), materials: try money("materials"), fees: try money("fees")),
                                           by: p.userID, context: req.auditContext)
            return .to(back, notice: "or.actuals_notice")
        } failed: { problem in
            FormAction.back(req, to: back, problem)
        }
    }

    @Sendable static func importActuals(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let p = try req.requirePrincipal()
        guard OutreachPage.Model.mayWork(p, projectID) else { throw Problem.notFound }
        let back = "/projects/\(projectID)/channels/outreach"
        struct Upload: Content { var file: File? }
        return try await FormAction.run(req) {
            guard req.headers.contentType?.type == "multipart", let file = try? req.content.decode(Upload.self).file, file.data.readableBytes > 0 else {
                throw Problem.invalid("file", "attachment_missing")
            }
            _ = try await req.services.outreach(req.db).importActuals(Data(buffer: file.data), projectID: projectID, by: p.userID,
                                                                      context: req.auditContext)
            return .to(back, notice: "or.imported_notice")
        } failed: { problem in
            FormAction.back(req, to: back, problem)
        }
    }

    @Sendable static func sheet(_ req: Request) async throws -> Response {
        let m = try await OutreachPage.Model.load(req, try req.projectID())
        guard let r = m.report else { throw Problem.notFound }
        return Response.workbook(try OutreachPage.workbook(req.localizer, r), name: "\(req.localizer.language == .zh ? "渠道报表" : "channels")-\(m.project.code)-\(m.from)-\(m.to).xlsx")
    }
}
