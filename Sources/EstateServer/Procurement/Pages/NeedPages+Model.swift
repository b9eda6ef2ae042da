import EstateCore
import Foundation
import Vapor

/// 需求: a project's material and equipment needs with filters (status, department), and the form to raise one.
/// Procurement sees every need of the project; a department that only raises needs (engineering, property) sees its own.
enum NeedPages {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var needs: [PurchasePlanService.Need]
        var status: String?
        var department: String?
        var handles: Bool
        var defaultDepartment: String
        /// The departments the reader may raise a need for (`PurchaseNeedAccess`).
        var departments: [String]
        var failure: FormFailure?

        static func load(_ req: Request, failure: FormFailure? = nil) async throws -> Model {
            let (project, projects) = try await ProcurementShell.project(req, .needs)
            let p = try req.requirePrincipal()
            let handles = p.may(.procurementHandle, on: project.id)
            let status = req.queryText("status").flatMap { ["open", "planned"].contains($0) ? $0 : nil }
            let department = req.queryText("department").flatMap { PurchasePlanService.departments.contains($0) ? $0 : nil }
            let needs = try await req.services.purchasePlans(req.db).needs(projectID: project.id, status: status, department: department,
                                                                          raisedBy: handles ? nil : p.userID)
            let roles = p.roles(on: project.id)
            let choices = PurchaseNeedAccess.choices(roles)
            // A department raises its own; procurement (who may enter any) defaults to the office's.
            let own = PurchaseNeedAccess.choices(roles.subtracting([.procurementStaff, .procurementManager, .gm]))
            let dept = own.first ?? (choices.contains("office") ? "office" : choices.first ?? "office")
            return Model(project: project, projects: projects, needs: needs, status: status, department: department, handles: handles,
                         defaultDepartment: dept, departments: choices, failure: failure)
        }
    }
}
