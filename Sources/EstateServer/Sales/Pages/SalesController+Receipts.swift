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
        let filter = ReceiptsDeskPage.Filter.parse(req)
        let pageNumber = (try? req.query.get(Int.self, at: "page")).map { max(1, min($0, 100_000)) }
        let page = try await req.services.sales(req.db).receipts(projectID, filter: filter.service, page: try PageRequest(page: pageNumber, perPage: 50))
        return Shell.response(ReceiptsDeskPage.view(PageContext(req), .init(
            project: project, projects: projects, page: page, filter: filter, access: try access(req, projectID),
            batch: try await ReceiptsDeskPage.BatchReport.load(req, projectID: projectID))))
    }

    /// The desk a form came from, with its filter.
    static func deskPath(_ projectID: UUID, back: String) -> String {
        let q = ReceiptsDeskPage.Filter.parse(back: back).queryString
        return "/projects/\(projectID)/receipts" + (q.isEmpty ? "" : "?" + q)
    }

    /// A receipt of the path's project (404 for another project's).
    static func deskReceipt(_ req: Request, _ projectID: UUID) async throws -> SaleService.Receipt {
        let r = try await req.services.sales(req.db).receipt(try req.pathID("receiptID"))
        guard r.projectId == projectID else { throw Problem.notFound }
        return r
    }

    @Sendable static func confirmReceipt(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let path = deskPath(projectID, back: req.formField("back"))
        let r = try await deskReceipt(req, projectID)
        return try await FormAction.run(req) {
            _ = try await req.services.sales(req.db).confirm(r.id, principal: try req.requirePrincipal(), context: req.auditContext)
            return .to(path, notice: "sale.confirmed_notice")
        } failed: { p in
            FormAction.redirect(req, to: path, error: p)
        }
    }

    /// 退回: the API's rejection, with the reason it requires.
    @Sendable static func rejectReceipt(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let path = deskPath(projectID, back: req.formField("back"))
        let r = try await deskReceipt(req, projectID)
        return try await FormAction.run(req) {
            _ = try await req.services.sales(req.db).reject(r.id, reason: req.formField("reason"), principal: try req.requirePrincipal(),
                                                            context: req.auditContext)
            return .to(path, notice: "sale.rejected_notice")
        } failed: { p in
            FormAction.back(req, to: path, p)
        }
    }

    /// 批量核实: the ticked receipts, each confirmed or skipped with its reason (see `confirmMany`);
    /// the desk then says which.
    @Sendable static func confirmReceipts(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let path = deskPath(projectID, back: req.formField("back"))
        let ids = req.formList("id").compactMap(UUID.init(uuidString:))
        return try await FormAction.run(req) {
            let done = try await req.services.sales(req.db).confirmMany(ids, projectID: projectID, principal: try req.requirePrincipal(),
                                                                        context: req.auditContext)
            return .to(path + (path.contains("?") ? "&" : "?") + ReceiptsDeskPage.BatchReport.query(done), notice: nil)
        } failed: { p in
            FormAction.back(req, to: path, p)
        }
    }

    /// The desk's list as filtered, as .xlsx.
    @Sendable static func exportReceipts(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, _) = try await refs(req, projectID)
        let filter = ReceiptsDeskPage.Filter.parse(req)
        let data = try await SaleSheets.receipts(filter.service, projectID: projectID, sales: req.services.sales(req.db), t: req.localizer)
        return Response.workbook(data, name: SaleSheets.receiptsFileName(status: filter.status, projectCode: project.code, day: today(req),
                                                                         t: req.localizer))
    }

    /// 收据: only a confirmed receipt of money in prints as one (a refund pays out; a pending or
    /// rejected receipt is no proof of payment).
    @Sendable static func receiptVoucher(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, _) = try await refs(req, projectID)
        let r = try await deskReceipt(req, projectID)
        guard r.kind == "receipt", r.status == SaleService.ReceiptStatus.confirmed.rawValue else {
            throw Problem.conflict("receipt_not_printable", ["status": r.status])
        }
        return Shell.response(ReceiptVoucher.page(PageContext(req), project: project, receipt: r))
    }

    @Sendable static func voucherCSS(_ req: Request) async throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .css
        return Response(status: .ok, headers: headers, body: .init(string: ReceiptVoucher.css))
    }
}
