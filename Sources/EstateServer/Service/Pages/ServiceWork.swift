import EstateCore
import Foundation
import Vapor

/// The 工作台 cards of customer service (DOMAIN §4): the desk's open tickets by their SLA clock
/// (all of them for those who manage it, one's own and the untaken for its staff), the 回访 that
/// wait, and an engineer's repairs.
struct ServiceWork: WorkSource {
    func cards(_ req: Request, for p: Principal, projects: [WorkProject]) async throws -> [WorkCard] {
        let tickets = req.services.tickets(req.db)
        let now = req.services.now()
        var cards: [WorkCard] = []
        for project in projects {
            let scope: TicketService.WorkScope?
            if p.may(.ticketsManage, on: project.id) { scope = .project }
            else if p.may(.ticketsHandle, on: project.id) { scope = .mineOrUnassigned }
            else if p.may(.repairsHandle, on: project.id) { scope = .myRepairs }
            else { scope = nil }
            guard let scope else { continue }
            let title = switch scope {
            case .project: "home.work.tickets"
            case .mineOrUnassigned: "home.work.my_tickets"
            case .myRepairs: "home.work.my_repairs"
            case .callbacks: "home.work.callbacks"
            }
            let open = try await tickets.work(project.id, scope, for: p, limit: WorkCard.lineLimit)
            cards.append(card(title, project, open, now: now, href: scope == .project ? "/projects/\(project.id)/tickets"
                                                                             : "/projects/\(project.id)/tickets?queue=mine"))
            if scope != .myRepairs {
                let callbacks = try await tickets.work(project.id, .callbacks, for: p, limit: WorkCard.lineLimit)
                cards.append(card("home.work.callbacks", project, callbacks, now: now, href: "/projects/\(project.id)/tickets/callbacks",
                                  callbacks: true))
            }
        }
        return cards
    }

    private func card(_ title: String, _ project: WorkProject, _ work: (page: Paged<TicketService.Ticket>, late: Int), now: Date,
                      href: String, callbacks: Bool = false) -> WorkCard {
        WorkCard(title: title, project: project.name, count: work.page.total, late: work.late, href: href,
                        lines: work.page.items.map { t in
                            let due = callbacks ? (t.resolvedAt ?? t.updatedAt).addingTimeInterval(TicketKind.callbackDue) : t.resolveDueAt
                            return WorkCard.Line(text: [t.number, t.unitCode ?? "", t.title].filter { !$0.isEmpty }.joined(separator: " · "),
                                                 state: "ticket.status.\(t.status)", due: .moment(due), late: due < now,
                                                 href: "/tickets/\(t.id)")
                        })
    }
}
