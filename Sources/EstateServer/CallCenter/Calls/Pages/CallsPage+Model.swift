import EstateCore
import Foundation
import Vapor

/// 通话记录: the calls of a project (and of the shared hotline) by day, agent, queue, direction and
/// number, newest first; numbers masked unless the reader may reveal personal data; the same list as .xlsx.
enum CallsPage {
    /// The filter as typed, for the form and the links that keep it.
    struct Query: Sendable {
        var from = "", to = "", agent = "", queue = "", direction = "", number = ""

        var items: [(String, String)] {
            [("from", from), ("to", to), ("agent", agent), ("queue", queue), ("direction", direction), ("number", number)].filter { !$0.1.isEmpty }
        }
    }

    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var query: Query
        var filter: CallService.Filter?
        var page: Paged<CallService.Record>
        var names: [UUID: String]
        var agents: [(id: UUID, name: String)]
        var queues: [String]
        var seesNumbers: Bool
        var failure: FormFailure?

        static func load(_ req: Request, project: InventoryShell.ProjectRef, projects: [InventoryShell.ProjectRef]) async throws -> Model {
            let calls = req.services.calls(req.db)
            let (q, result) = CallsController.filter(req, project: project.id)
            let pageRequest = try PageRequest(page: (try? req.query.get(Int.self, at: "page")).map { max(1, min($0, 1_000_000)) } ?? 1, perPage: 50)
            var m = Model(project: project, projects: projects, query: q, filter: nil,
                          page: Paged(items: [], page: 1, perPage: 50, total: 0), names: [:],
                          agents: try await StaffDirectory.holders(of: [.csStaff], on: project.id, sql: req.db.sql).map { ($0.id, $0.displayName) },
                          queues: try await calls.queues(), seesNumbers: try req.requirePrincipal().may(.personalDataReveal, on: project.id),
                          failure: nil)
            switch result {
            case .success(let f):
                m.filter = f
                m.page = try await calls.list(f, page: pageRequest)
                m.names = try await calls.agentNames(m.page.items)
            case .failure(let p):
                m.failure = FormFailure(req.localizer, p, label: { req.localizer.catalog.has("call.field.\($0)") ? req.localizer("call.field.\($0)") : nil })
            }
            return m
        }
    }
}
