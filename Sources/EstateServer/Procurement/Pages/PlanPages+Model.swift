import EstateCore
import Foundation
import Vapor

/// 计划: a project's purchase plans, the form that consolidates open needs into a plan (needs of one material grouped
/// into a budget line), and one plan with its budget lines (budget, ordered, remaining, the needs each consolidates)
/// and its approval.
enum PlanPages {
    /// Open needs of one category, material and unit: one budget line of a new plan.
    struct Group {
        var category: String
        var material: String
        var unit: String
        var needs: [PurchasePlanService.Need]
    }

    static func groups(_ needs: [PurchasePlanService.Need]) -> [Group] {
        var out: [Group] = []
        for n in needs where n.status == "open" {
            if let i = out.firstIndex(where: { $0.category == n.category && $0.material == n.material && $0.unit == n.unit }) {
                out[i].needs.append(n)
            } else {
                out.append(Group(category: n.category, material: n.material, unit: n.unit, needs: [n]))
            }
        }
        return out
    }

    struct ListModel {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var plans: [PurchasePlanService.Plan]
        var status: String?
        var groups: [Group]
        var period: String
        var failure: FormFailure?

        static func load(_ req: Request, failure: FormFailure? = nil) async throws -> ListModel {
            let (project, projects) = try await ProcurementShell.project(req, .plans)
            let svc = req.services.purchasePlans(req.db)
            let status = req.queryText("status").flatMap { PlanPages.statuses.contains($0) ? $0 : nil }
            return ListModel(project: project, projects: projects, plans: try await svc.plans(projectID: project.id, status: status), status: status,
                             groups: PlanPages.groups(try await svc.needs(projectID: project.id, status: "open")),
                             period: String(CalendarDay(req.services.now()).description.prefix(7)), failure: failure)
        }
    }

    static let statuses = ["submitted", "approved", "rejected", "withdrawn"]

    struct Model {
        var project: InventoryShell.ProjectRef
        var plan: PurchasePlanService.Plan
        var lines: [PurchasePlanService.Line]
        var needs: [UUID: [PurchasePlanService.Need]]

        static func load(_ req: Request) async throws -> Model {
            let svc = req.services.purchasePlans(req.db)
            guard let plan = try await ifFound({ try await svc.plan(try req.pathID("planID")) }) else { throw Problem.notFound }
            _ = try ProcurementShell.check(req, .plans, plan.projectId)
            let lines = try await svc.lines(plan.id)
            let ids = Set(lines.map(\.id))
            let needs = Dictionary(grouping: try await svc.needs(projectID: plan.projectId, status: "planned").filter { $0.planLineId.map(ids.contains) ?? false },
                                   by: { $0.planLineId! })
            return Model(project: try await ProcurementShell.ref(req, plan.projectId), plan: plan, lines: lines, needs: needs)
        }
    }
}
