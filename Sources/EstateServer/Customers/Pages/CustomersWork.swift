import EstateCore
import Foundation
import Vapor

/// The 工作台 card of the customers a consultant owns: follow-ups due today and overdue (跟进提醒).
struct CustomersWork: WorkSource {
    func cards(_ req: Request, for p: Principal, projects: [WorkProject]) async throws -> [WorkCard] {
        let customers = req.services.customers(req.db)
        var cards: [WorkCard] = []
        for project in projects {
            let roles = p.roles(on: project.id)
            guard roles.contains(.consultant) || roles.contains(.salesManager) else { continue }
            let due = try await customers.followUps(owner: p.userID, in: project.id)
            let all = due.overdue + due.today
            guard roles.contains(.consultant) || !all.isEmpty else { continue }
            cards.append(WorkCard(title: "home.work.follow_ups", project: project.name, count: all.count, late: due.overdue.count,
                                  href: "/projects/\(project.id)/follow-ups",
                                  lines: all.prefix(WorkCard.lineLimit).map { c in
                                      WorkCard.Line(text: c.name, state: c.grade.isEmpty ? nil : "cust.grade.\(c.grade)",
                                                    due: c.nextFollowUpOn.flatMap(CalendarDay.init).map(WorkCard.Due.day),
                                                    late: due.overdue.contains { $0.id == c.id },
                                                    href: "/projects/\(project.id)/customers/\(c.id)")
                                  }))
        }
        return cards
    }
}
