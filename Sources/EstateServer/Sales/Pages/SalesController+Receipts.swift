import EstateCore
import EstateSheets
import Foundation
import Plot
import Vapor

extension SalesController {
    // MARK: 收款核实

    @Sendable static func receiptsDesk(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, projects) = try await refs(req, projectID)
        let raw = (try? req.query.get(String.self, at: "status")) ?? "pending"
        let status = raw == "all" ? nil : SaleService.ReceiptStatus(rawValue: raw) ?? .pending
        let pageNumber = (try? req.query.get(Int.self, at: "page")).map { max(1, min($0, 100_000)) }
        let page = try await req.services.sales(req.db).receipts(projectID, status: status, sale: nil, page: try PageRequest(page: pageNumber, perPage: 50))
        return Shell.response(ReceiptsDeskPage.view(PageContext(req), .init(
            project: project, projects: projects, page: page, status: status, access: try access(req, projectID),
            query: ["status": status?.rawValue ?? "all"])))
    }

    @Sendable static func confirmReceipt(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let back = SaleService.ReceiptStatus(rawValue: req.formField("back"))?.rawValue ?? "all"
        let path = "/projects/\(projectID)/receipts?status=\(back)"
        let sales = req.services.sales(req.db)
        let r = try await sales.receipt(try req.pathID("receiptID"))
        guard r.projectId == projectID else { throw Problem.notFound }
        return try await FormAction.run(req) {
            _ = try await sales.confirm(r.id, principal: try req.requirePrincipal(), context: req.auditContext)
            return .to(path, notice: "sale.confirmed_notice")
        } failed: { p in
            return FormAction.redirect(req, to: path, error: p)
        }
    }
}
