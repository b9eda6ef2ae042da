import EstateCore
import Foundation
import Plot
import Vapor

extension SalesController {
    static func banksModel(_ req: Request, _ projectID: UUID, failure: FormFailure? = nil) async throws -> BanksPage.Model {
        let (project, projects) = try await refs(req, projectID)
        return BanksPage.Model(project: project, projects: projects, banks: try await req.services.sales(req.db).banks(),
                               manages: try access(req, projectID).may(.salesApprove), failure: failure)
    }

    @Sendable static func banks(_ req: Request) async throws -> Response {
        Shell.response(BanksPage.view(PageContext(req), try await banksModel(req, try req.projectID())))
    }

    @Sendable static func createBank(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let v = req.formFields(["name", "branch"])
        return try await FormAction.run(req) {
            _ = try await req.services.sales(req.db).createBank(name: v["name"] ?? "", branch: v["branch"] ?? "", context: req.auditContext)
            return .to("/projects/\(projectID)/banks", notice: "sale.bank_created_notice")
        } failed: { p in
            let m = try await banksModel(req, projectID, failure: failure(req, p, form: "bank", values: v))
            return Shell.response(BanksPage.view(PageContext(req), m), status: p.status)
        }
    }

    @Sendable static func updateBank(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let path = "/projects/\(projectID)/banks"
        return try await FormAction.run(req) {
            _ = try await req.services.sales(req.db).updateBank(try req.pathID("bankID"), name: nil, branch: nil,
                                                                active: req.formField("active") == "true", context: req.auditContext)
            return .to(path, notice: "sale.bank_updated_notice")
        } failed: { p in
            return FormAction.redirect(req, to: path, error: p)
        }
    }
}
