import EstateCore
import Foundation
import Vapor

/// 计划: the list with the form that builds a plan from open needs, and one plan.
enum PlansController {
    static func register(_ app: Application) {
        let p = app.grouped("procurement", "projects", ":projectID")
        p.on(.GET, "plans", guard: .allowed(.procurementHandle), use: PlanPages.listPage.respond)
        p.on(.POST, "plans", guard: .allowed(.procurementHandle), use: create)
        app.on(.GET, "procurement", "plans", ":planID", guard: .allowed(.procurementHandle), use: PlanPages.showPage.respond)
    }

    /// Each group of the form (`l<i>_need` ticked, `l<i>_budget`) with a need ticked becomes a budget line: its
    /// category, material and unit from the needs, its quantity their sum.
    @Sendable static func create(_ req: Request) async throws -> Response {
        let (project, _) = try await ProcurementShell.project(req, .plans)
        let svc = req.services.purchasePlans(req.db)
        let period = req.formField("period")
        var values = ["period": period]
        let count = min(200, max(0, Int(req.formField("groups")) ?? 0))
        var chosen: [(group: Int, needs: [UUID], budget: String)] = []
        for i in 0..<count {
            let ids = req.formList("l\(i)_need").compactMap(UUID.init(uuidString:))
            let budget = req.formField("l\(i)_budget")
            values["l\(i)_budget"] = budget
            for id in ids { values["need:\(id)"] = "1" }
            if !ids.isEmpty { chosen.append((i, ids, budget)) }
        }
        return try await ProcurementController.form(req, name: PlanPages.form, values: values) {
            let open = Dictionary(uniqueKeysWithValues: try await svc.needs(projectID: project.id, status: "open").map { ($0.id, $0) })
            var lines: [PurchasePlanService.NewLine] = []
            for c in chosen {
                let needs = c.needs.compactMap { open[$0] }
                guard needs.count == c.needs.count, let first = needs.first,
                      needs.allSatisfy({ $0.category == first.category && $0.material == first.material && $0.unit == first.unit }),
                      let category = SupplierCategory(rawValue: first.category)
                else { throw Problem.conflict("need_not_open") }
                lines.append(.init(category: category, material: first.material, unit: first.unit,
                                   quantity: PurchaseQuantity.format(needs.reduce(0) { $0 + $1.quantityMilli }), budget: c.budget, needIDs: c.needs))
            }
            do {
                let plan = try await svc.createPlan(projectID: project.id, period: period, lines: lines, by: try req.requirePrincipal(),
                                                    context: req.auditContext)
                return FormAction.Next.to("/procurement/plans/\(plan.id)", notice: "pr.plan_created")
            } catch var p as Problem {
                // lines[k].budget names the k-th chosen group: the form's field is l<group>_budget.
                p.fields = p.fields.map { f in
                    guard f.field.hasPrefix("lines["), let close = f.field.firstIndex(of: "]"),
                          let k = Int(f.field[f.field.index(f.field.startIndex, offsetBy: 6)..<close]), k < chosen.count else { return f }
                    return Problem.FieldError(field: "l\(chosen[k].group)_" + (f.field.split(separator: ".").last.map(String.init) ?? ""), code: f.code,
                                              arguments: f.arguments)
                }
                throw p
            }
        } page: { failure in
            try await PlanPages.listPage.draw(req, failure)
        }
    }
}
