import EstateCore
import Foundation
import Vapor

/// The 工作台 card of approvals waiting for the user's decision, on every project they see.
struct ApprovalsWork: WorkSource {
    func cards(_ req: Request, for p: Principal, projects: [WorkProject]) async throws -> [WorkCard] {
        let inbox = try await req.services.approvals(req.db).list(.inbox, projectID: nil, status: .pending, for: p,
                                                                  page: try PageRequest(page: 1, perPage: WorkCard.lineLimit))
        // Only those who decide something get the card (an empty inbox says "nothing waits").
        guard inbox.total > 0 || Self.decidesAny(p) else { return [] }
        return [WorkCard(title: "home.work.approvals", project: nil, count: inbox.total, href: "/approvals?box=inbox",
                         lines: inbox.items.map { a in
                             WorkCard.Line(text: [a.title, a.requestedByName].filter { !$0.isEmpty }.joined(separator: " · "),
                                           state: a.kind.catalogKey, due: .moment(a.requestedAt), late: false, href: "/approvals/\(a.id)")
                         })]
    }

    /// Holds a deciding action (prices, sales, refunds) on some project: the roles approvals are routed to.
    static func decidesAny(_ p: Principal) -> Bool {
        [Action.pricesApprove, .salesApprove, .refundsApprove].contains { p.may($0) }
    }
}

/// How many approvals wait for the signed-in user, for the count beside 审批 in the navigation:
/// counted when a browser opens a page (not for downloads, panels or event streams), and only
/// for users who decide something.
enum ApprovalsWaiting: StorageKey {
    typealias Value = Int

    static func count(for req: Request) async throws {
        guard req.method == .GET, let p = req.principal, ApprovalsWork.decidesAny(p),
              req.headers.first(name: .accept)?.contains("text/html") == true else { return }
        req.storage[Self.self] = try await req.services.approvals(req.db).waitingCount(for: p)
    }
}
