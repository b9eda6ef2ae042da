import EstateCore
import Foundation
import Vapor

/// The 工作台 cards of the sale (DOMAIN §3): finance's receipts waiting to be confirmed, and the
/// stages past their deadline — the project's for those who run the sales office, a consultant's own.
struct SalesWork: WorkSource {
    func cards(_ req: Request, for p: Principal, projects: [WorkProject]) async throws -> [WorkCard] {
        let sales = req.services.sales(req.db)
        var cards: [WorkCard] = []
        for project in projects {
            if p.may(.paymentsConfirm, on: project.id) {
                let pending = try await sales.receipts(project.id, status: .pending, sale: nil, page: try PageRequest(page: 1, perPage: WorkCard.lineLimit))
                cards.append(WorkCard(title: "home.work.receipts", project: project.name, count: pending.total,
                                      href: "/projects/\(project.id)/receipts?status=pending",
                                      lines: pending.items.map { r in
                                          WorkCard.Line(text: [r.number, r.unitCode, "¥" + r.amount.description, r.payer].filter { !$0.isEmpty }.joined(separator: " · "),
                                                        state: "sale.item.\(r.itemKind)", due: CalendarDay(r.receivedOn).map(WorkCard.Due.day),
                                                        late: false, href: "/projects/\(project.id)/receipts?status=pending")
                                      }))
            }
            // 逾期环节: the sales office sees the project's, a consultant (who sells, but runs no office) their own.
            let consultant: UUID?
            if p.may(.salesApprove, on: project.id) || p.roles(on: project.id).contains(.gm) { consultant = nil }
            else if p.roles(on: project.id).contains(.consultant) { consultant = p.userID }
            else { continue }
            var lines: [WorkCard.Line] = []
            var total = 0
            for list in SaleService.WorkList.allCases {
                let n = try await sales.workList(list, projectID: project.id, consultantID: consultant, page: try PageRequest(page: 1, perPage: 1)).total
                total += n
                if n > 0 {
                    lines.append(WorkCard.Line(text: "\(n)", state: list.catalogKey, due: nil, late: true,
                                               href: "/projects/\(project.id)/work-lists/\(list.rawValue)"))
                }
            }
            cards.append(WorkCard(title: consultant == nil ? "home.work.overdue_stages" : "home.work.my_overdue_stages", project: project.name,
                                  count: total, href: "/projects/\(project.id)/work-lists", lines: lines))
        }
        return cards
    }
}
