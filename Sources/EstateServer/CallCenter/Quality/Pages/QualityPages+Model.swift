import EstateCore
import Foundation
import Vapor

/// 质检 (tab of 呼叫中心). The supervisor and shift lead see the agents' scores of the last 30 days,
/// the answered calls of the last 7 days not yet reviewed, the recent reviews and the form; an agent
/// sees their own reviews only (item by item, with the reviewer's comment).
enum QualityPage {
    static let scoreDays = 30
    static let queueDays = 7

    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var manages: Bool
        var seesNumbers: Bool
        var from: CalendarDay
        var to: CalendarDay
        var form: CallQualityService.Form?
        var scores: [CallQualityService.AgentScore]
        var queue: [CallService.Record]
        var agentNames: [UUID: String]
        var reviews: [CallQualityService.Review]

        static func load(_ req: Request, project: InventoryShell.ProjectRef, projects: [InventoryShell.ProjectRef]) async throws -> Model {
            let p = try req.requirePrincipal()
            let qa = req.services.callQuality(req.db)
            let now = req.services.now()
            let to = CalendarDay(now), from = to.adding(days: -(scoreDays - 1))
            let manages = p.may(.callCenterManage, on: project.id)
            let form = try await qa.activeForm(project.id)
            if manages {
                let queue = try await qa.queue(project.id, since: now.addingTimeInterval(-Double(queueDays) * 86_400))
                return Model(project: project, projects: projects, manages: true, seesNumbers: p.may(.personalDataReveal, on: project.id),
                             from: from, to: to, form: form, scores: try await qa.scores(project.id, from: from, to: to), queue: queue,
                             agentNames: try await req.services.calls(req.db).agentNames(queue), reviews: try await qa.reviews(project.id, limit: 50))
            }
            let mine = try await qa.reviews(project.id, agent: p.userID, limit: 200)
            let recent = mine.filter { CalendarDay($0.createdAt) >= from }
            let score = CallQualityService.AgentScore(agentId: p.userID, name: nil, reviews: recent.count, sumTenths: recent.reduce(0) { $0 + $1.scoreTenths })
            return Model(project: project, projects: projects, manages: false, seesNumbers: p.may(.personalDataReveal, on: project.id),
                         from: from, to: to, form: form, scores: recent.isEmpty ? [] : [score], queue: [], agentNames: [:], reviews: mine)
        }
    }
}

/// 质检表: the form the supervisor defines — a name and up to 12 items, each with its weight (adding up
/// to 100) and whether it is critical (致命项). Saving makes a new form; reviews keep the one they used.
enum QualityFormPage {
    struct Row: Equatable { var title = "", weight = "", critical = false }

    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var name: String
        var rows: [Row]
        var history: [CallQualityService.Form]
        var problem: Problem?

        static func load(_ req: Request, project: InventoryShell.ProjectRef, projects: [InventoryShell.ProjectRef],
                         typed: (name: String, rows: [Row])? = nil, problem: Problem? = nil) async throws -> Model {
            let history = try await req.services.callQuality(req.db).forms(project.id)
            let active = history.first(where: \.active)
            let t = req.localizer
            var rows = typed?.rows ?? active.map { $0.items.map { Row(title: $0.title, weight: "\($0.weight)", critical: $0.critical) } }
                ?? Self.starter(t)
            rows += Array(repeating: Row(), count: max(0, CallQuality.maxItems - rows.count))
            return Model(project: project, projects: projects, name: typed?.name ?? active?.name ?? t("qa.form.default_name"),
                         rows: Array(rows.prefix(CallQuality.maxItems)), history: history, problem: problem)
        }

        /// What a first form starts from: the items call centres commonly score.
        static func starter(_ t: Localizer) -> [Row] {
            [Row(title: t("qa.starter.greeting"), weight: "10"), Row(title: t("qa.starter.accuracy"), weight: "30"),
             Row(title: t("qa.starter.empathy"), weight: "20"), Row(title: t("qa.starter.resolution"), weight: "25"),
             Row(title: t("qa.starter.closing"), weight: "10"), Row(title: t("qa.starter.privacy"), weight: "5", critical: true)]
        }

        /// The field errors of item `i` (`items.i.title` / `.weight`).
        func errors(_ i: Int) -> [Problem.FieldError] { problem?.fields.filter { $0.field.hasPrefix("items.\(i).") } ?? [] }
        var formErrors: [Problem.FieldError] { problem?.fields.filter { !$0.field.hasPrefix("items.") } ?? [] }
    }
}

/// 通话质检: an answered call's facts and the review form (a level per item of the active form and a
/// comment), or its review once made.
enum QualityReviewPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var call: CallService.Record
        var agentName: String?
        var seesNumbers: Bool
        var form: CallQualityService.Form?
        var review: CallQualityService.Review?
        var ownCall: Bool
        var typed: [Int: QAMark]
        var comment: String
        var problem: Problem?

        static func load(_ req: Request, project: InventoryShell.ProjectRef, projects: [InventoryShell.ProjectRef], callID: UUID,
                         typed: [Int: QAMark] = [:], comment: String = "", problem: Problem? = nil) async throws -> Model {
            let calls = req.services.calls(req.db)
            guard let call = try await calls.record(callID), call.projectID == nil || call.projectID == project.id,
                  call.answeredAt != nil, call.agentID != nil else { throw Problem.notFound }
            let qa = req.services.callQuality(req.db)
            let p = try req.requirePrincipal()
            return Model(project: project, projects: projects, call: call, agentName: try await calls.agentNames([call])[call.agentID!],
                         seesNumbers: p.may(.personalDataReveal, on: project.id), form: try await qa.activeForm(project.id),
                         review: try await qa.review(ofCall: callID, in: project.id), ownCall: call.agentID == p.userID,
                         typed: typed, comment: comment, problem: problem)
        }
    }
}
