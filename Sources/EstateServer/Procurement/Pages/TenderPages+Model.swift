import EstateCore
import Foundation
import Vapor

/// 招标: a project's tenders and the form creating one for an approved plan line; one tender with its invited suppliers,
/// the count of sealed bids (never their content: the page loads bids only once the tender is opened), the two-person
/// opening, the side-by-side comparison after it and the award with its written reason.
enum TenderPages {
    struct ListModel {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var tenders: [(TenderService.Tender, bids: Int, invited: Int)]
        var lines: [OrderPages.OpenLine]
        var suppliers: [SupplierService.Supplier]
        var chosenLine: String?
        var failure: FormFailure?

        static func load(_ req: Request, failure: FormFailure? = nil) async throws -> ListModel {
            let (project, projects) = try await ProcurementShell.project(req, .tenders)
            let svc = req.services.tenders(req.db)
            var tenders: [(TenderService.Tender, Int, Int)] = []
            for t in try await svc.tenders(projectID: project.id) { tenders.append((t, try await svc.bidCount(t.id), try await svc.invited(t.id).count)) }
            let lines = try await OrderPages.openLines(req, project.id)
            // The invite list offers the suppliers the chosen line (the form's, the query's, or the first) may go to: of its
            // category, not blacklisted, not lapsed in it — the rule the service applies.
            let wanted = failure.flatMap { $0.values["line"] } ?? req.queryText("line")
            let chosen = lines.first { $0.line.id.uuidString == wanted } ?? lines.first
            var eligible: [SupplierService.Supplier] = []
            if let chosen, let category = SupplierCategory(rawValue: chosen.line.category) {
                let svc = req.services.suppliers(req.db), today = CalendarDay(req.services.now())
                for s in try await svc.list(status: "active") where s.categoryList.contains(category) {
                    if SupplierService.orderRefusal(s, qualifications: try await svc.qualifications(s.id), category: category, on: today) == nil {
                        eligible.append(s)
                    }
                }
            }
            return ListModel(project: project, projects: projects, tenders: tenders.map { ($0.0, $0.1, $0.2) }, lines: lines,
                             suppliers: eligible, chosenLine: chosen?.line.id.uuidString, failure: failure)
        }
    }

    struct Model {
        var project: InventoryShell.ProjectRef
        var tender: TenderService.Tender
        var line: PurchasePlanService.Line?
        var invited: [SupplierService.Supplier]
        var bidCount: Int
        /// Only after the opening.
        var bids: [TenderService.Bid]
        var scores: [UUID: ScorecardService.Card]
        var names: [UUID: String]
        var now: Date
        var me: UUID
        var failure: FormFailure?

        static func load(_ req: Request, failure: FormFailure? = nil) async throws -> Model {
            let svc = req.services.tenders(req.db)
            guard let t = try await ifFound({ try await svc.tender(try req.pathID("tenderID")) }) else { throw Problem.notFound }
            let p = try ProcurementShell.check(req, .tenders, t.projectId)
            let suppliers = req.services.suppliers(req.db)
            let invited = try await suppliers.suppliers(try await svc.invited(t.id))
            // Sealed until the opening: the bids are not read (a read before it is refused and logged by the service).
            let bids = t.openedAt == nil ? [] : try await svc.bids(t.id, context: req.auditContext)
            let cards = ScorecardService(store: req.services.store(req.db), now: req.services.now)
            var scores: [UUID: ScorecardService.Card] = [:]
            for b in bids { scores[b.supplierId] = try await cards.current(b.supplierId) }
            let plans = req.services.purchasePlans(req.db)
            var line: PurchasePlanService.Line?
            for plan in try await plans.plans(projectID: t.projectId) where line == nil {
                line = try await plans.lines(plan.id).first { $0.id == t.planLineId }
            }
            return Model(project: try await ProcurementShell.ref(req, t.projectId), tender: t, line: line, invited: invited,
                         bidCount: try await svc.bidCount(t.id), bids: bids, scores: scores,
                         names: Dictionary(invited.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a }), now: req.services.now(), me: p.userID,
                         failure: failure)
        }
    }
}
