import EstateCore
import EstateSheets
import Foundation
import Plot
import Vapor

extension SalesController {
    // MARK: 交付批次

    static func deliveryModel(_ req: Request, _ projectID: UUID) async throws -> DeliveryPage.Model {
        let (project, projects) = try await refs(req, projectID)
        return DeliveryPage.Model(project: project, projects: projects, batches: try await req.services.sales(req.db).batches(projectID),
                                  access: try access(req, projectID), today: today(req), failure: nil)
    }

    @Sendable static func delivery(_ req: Request) async throws -> Response {
        Shell.response(DeliveryPage.view(PageContext(req), try await deliveryModel(req, try req.projectID())))
    }

    @Sendable static func createBatch(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        try await require(req, [.salesApprove, .contractsReview], on: projectID)
        let v = req.formFields(["name", "firstDay", "lastDay", "times", "capacity"])
        return try await FormAction.run(req) {
            var bad: [Problem.FieldError] = []
            let first = day(v["firstDay"], "firstDay", into: &bad), last = day(v["lastDay"], "lastDay", into: &bad)
            let times = (v["times"] ?? "").split(whereSeparator: { ",，、; ".contains($0) }).map(String.init)
            let capacity = Int(v["capacity"] ?? "")
            if capacity == nil { bad.append(.init(field: "capacity", code: "capacity_invalid")) }
            guard bad.isEmpty, let first, let last, let capacity else { throw Problem.invalid(bad) }
            _ = try await req.services.sales(req.db).createBatch(projectID, name: v["name"] ?? "", first: first, last: last, times: times,
                                                                 capacity: capacity, context: req.auditContext)
            return .to("/projects/\(projectID)/delivery", notice: "sale.batch_created_notice")
        } failed: { p in
            var m = try await deliveryModel(req, projectID)
            m.failure = failure(req, p, form: "batch", values: v)
            return Shell.response(DeliveryPage.view(PageContext(req), m), status: p.status)
        }
    }
}
