import EstateCore
import Foundation
import Vapor

/// 供应商 pages: the directory (filters, the 30-day qualification reminders, registration) and one supplier (its
/// registration data, qualifications with their standing, orders, and the blacklist request).
enum SuppliersController {
    static func register(_ app: Application) {
        let s = app.grouped("procurement", "suppliers")
        s.on(.GET, guard: .allowed(.procurementHandle), use: SupplierPages.listPage.respond)
        s.on(.POST, guard: .allowed(.procurementHandle), use: create)
        s.on(.GET, ":supplierID", guard: .allowed(.procurementHandle), use: SupplierPages.showPage.respond)
        s.on(.POST, ":supplierID", "qualifications", guard: .allowed(.procurementHandle), use: addQualification)
        s.on(.POST, ":supplierID", "blacklisting", guard: .allowed(.procurementHandle), use: blacklist)
    }

    @Sendable static func create(_ req: Request) async throws -> Response {
        let v = req.formFields(["name", "creditCode", "address", "bankName", "bankAccount", "contactName", "contactMobile"])
        let categories = req.formList("categories").compactMap(SupplierCategory.init(rawValue:))
        return try await FormAction.run(req) {
            let s = try await req.services.suppliers(req.db).create(
                .init(name: v["name"] ?? "", creditCode: v["creditCode"] ?? "", categories: categories, address: v["address"] ?? "",
                      bankName: v["bankName"] ?? "", bankAccount: v["bankAccount"] ?? "", contactName: v["contactName"] ?? "",
                      contactMobile: v["contactMobile"] ?? ""),
                by: try req.requirePrincipal().userID, context: req.auditContext)
            return .to("/procurement/suppliers/\(s.id)", notice: "pr.supplier_created")
        } failed: { problem in
            FormAction.back(req, to: "/procurement/suppliers", problem)
        }
    }

    @Sendable static func addQualification(_ req: Request) async throws -> Response {
        let id = try req.pathID("supplierID")
        let back = "/procurement/suppliers/\(id)"
        return try await FormAction.run(req) {
            guard let category = SupplierCategory(rawValue: req.formField("category")) else { throw Problem.invalid("category", "supplier_category_mismatch") }
            _ = try await req.services.suppliers(req.db).addQualification(id, category: category, name: req.formField("name"),
                                                                          number: req.formField("number"), expiresOn: req.formField("expiresOn"),
                                                                          context: req.auditContext)
            return .to(back)
        } failed: { problem in
            FormAction.back(req, to: back, problem)
        }
    }

    @Sendable static func blacklist(_ req: Request) async throws -> Response {
        let id = try req.pathID("supplierID")
        let p = try req.requirePrincipal()
        let back = "/procurement/suppliers/\(id)"
        return try await FormAction.run(req) {
            guard let project = UUID(uuidString: req.formField("projectId")), p.canSee(project: project), p.may(.procurementHandle, on: project)
            else { throw Problem.invalid("projectId", "id_invalid") }
            _ = try await req.services.suppliers(req.db).requestBlacklist(id, projectID: project, reason: req.formField("reason"), by: p,
                                                                          context: req.auditContext)
            return .to(back, notice: "pr.blacklist_requested")
        } failed: { problem in
            FormAction.back(req, to: back, problem)
        }
    }
}
