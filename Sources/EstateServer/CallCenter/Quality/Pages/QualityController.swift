import EstateCore
import Foundation
import Vapor

/// 质检 routes. The project comes from `?project=` as on the other call-centre tabs and is checked against
/// the action here (the route guard has checked it on some project): every agent opens the tab (their own
/// scores), the form and the reviews are the supervisor's and shift lead's (`callcenter.manage`).
enum QualityController {
    static func register(_ app: Application) {
        let qa = app.grouped("callcentre", "qa")
        qa.on(.GET, guard: .allowed(.callsHandle), use: home)
        qa.on(.GET, "form", guard: .allowed(.callCenterManage), use: form)
        qa.on(.POST, "form", guard: .allowed(.callCenterManage), use: saveForm)
        qa.on(.GET, "calls", ":callID", guard: .allowed(.callCenterManage), use: call)
        qa.on(.POST, "calls", ":callID", guard: .allowed(.callCenterManage), use: review)
    }

    static func project(_ req: Request, _ action: Action) async throws -> (InventoryShell.ProjectRef, [InventoryShell.ProjectRef]) {
        guard let found = try await CallsController.project(req, action) else { throw Problem.notFound }
        return found
    }

    @Sendable static func home(_ req: Request) async throws -> Response {
        guard let (project, projects) = try await CallsController.project(req, .callsHandle) else { return CallsController.noProjects(req) }
        return Shell.response(QualityPage.view(PageContext(req), try await QualityPage.Model.load(req, project: project, projects: projects)))
    }

    @Sendable static func form(_ req: Request) async throws -> Response {
        let (project, projects) = try await project(req, .callCenterManage)
        return Shell.response(QualityFormPage.view(PageContext(req), try await QualityFormPage.Model.load(req, project: project, projects: projects)))
    }

    /// The rows as typed: an item is a row with a title (blank rows are the spare ones).
    static func typedRows(_ req: Request) -> [QualityFormPage.Row] {
        (0..<CallQuality.maxItems).map { i in
            QualityFormPage.Row(title: req.formField("title\(i)"), weight: req.formField("weight\(i)"),
                                critical: req.formField("critical\(i)") == "1")
        }
    }

    @Sendable static func saveForm(_ req: Request) async throws -> Response {
        let (project, projects) = try await project(req, .callCenterManage)
        let name = req.formField("name")
        let rows = typedRows(req)
        return try await FormAction.run(req) {
            // A weight that is not a whole number is the item's error, as a weight out of range is.
            var items: [QAItem] = [], bad: [Problem.FieldError] = []
            for row in rows where !row.title.isEmpty {
                if Int(row.weight) == nil {
                    bad.append(.init(field: "items.\(items.count).weight", code: CallQuality.Problem.weightInvalid.rawValue))
                }
                items.append(QAItem(title: row.title, weight: Int(row.weight) ?? 0, critical: row.critical))
            }
            guard bad.isEmpty else { throw Problem.invalid(bad) }
            _ = try await req.services.callQuality(req.db).createForm(project.id, name: name, items: items, by: try req.requirePrincipal(),
                                                                      context: req.auditContext)
            return .to("/callcentre/qa?project=\(project.id)", notice: "qa.form.saved_notice")
        } failed: { problem in
            // Again with what was typed; the item numbers of the errors are those of the filled rows, in order.
            let filled = rows.filter { !$0.title.isEmpty }
            let m = try await QualityFormPage.Model.load(req, project: project, projects: projects, typed: (name, filled), problem: problem)
            return Shell.response(QualityFormPage.view(PageContext(req), m), status: problem.status)
        }
    }

    @Sendable static func call(_ req: Request) async throws -> Response {
        let (project, projects) = try await project(req, .callCenterManage)
        let m = try await QualityReviewPage.Model.load(req, project: project, projects: projects, callID: try req.pathID("callID"))
        return Shell.response(QualityReviewPage.view(PageContext(req), m))
    }

    @Sendable static func review(_ req: Request) async throws -> Response {
        let (project, projects) = try await project(req, .callCenterManage)
        let callID = try req.pathID("callID")
        let qa = req.services.callQuality(req.db)
        let count = try await qa.activeForm(project.id)?.items.count ?? 0
        var typed: [Int: QAMark] = [:]
        for i in 0..<count { typed[i] = Int(req.formField("mark\(i)")).flatMap(QAMark.init(rawValue:)) }
        let comment = (try? req.content.get(String.self, at: "comment")) ?? ""
        return try await FormAction.run(req) {
            // Every item needs its level: a missing one is named, not scored as 0.
            let missing = (0..<count).filter { typed[$0] == nil }
            guard missing.isEmpty else {
                throw Problem.invalid(missing.map { .init(field: "marks.\($0)", code: "qa_mark_missing", arguments: ["count": "\($0 + 1)"]) })
            }
            _ = try await qa.review(call: callID, in: project.id, marks: (0..<count).map { typed[$0]! }, comment: comment,
                                    by: try req.requirePrincipal(), context: req.auditContext)
            return .to("/callcentre/qa?project=\(project.id)", notice: "qa.saved_notice", anchor: "qa-queue")
        } failed: { problem in
            let m = try await QualityReviewPage.Model.load(req, project: project, projects: projects, callID: callID, typed: typed,
                                                           comment: comment, problem: problem)
            return Shell.response(QualityReviewPage.view(PageContext(req), m), status: problem.status)
        }
    }
}
