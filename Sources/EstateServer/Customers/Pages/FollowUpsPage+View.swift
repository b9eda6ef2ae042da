import EstateCore
import Plot
import Vapor

extension FollowUpsPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        func table(_ rows: [CustomerService.Record], _ cls: String) -> Node<HTML.BodyContext> {
            rows.isEmpty ? .p(.class("muted"), .text(t("cust.none_due"))) :
            .table(.class("data \(cls)"),
                .thead(.tr(.th(.text(t("cust.next_follow_up"))), .th(.text(t("cust.name"))), .th(.text(t("cust.mobile"))),
                           .th(.text(t("cust.grade"))), .th(.text(t("cust.next_step"))), .th(.text(t("cust.last_contact"))))),
                .tbody(.forEach(rows) { r in
                    .tr(.td(.span(.class(cls == "overdue" ? "late" : "due-today"), .text(r.nextFollowUpOn ?? ""))), .td(.a(.href("/projects/\(m.project.id)/customers/\(r.id)"), .text(r.name))),
                        .td(.class("mono"), .text(CustomerShell.mobile(m.access, r))), .td(CustomerShell.grade(r.grade)),
                        .td(.text(r.nextStep)), .td(.text(Shell.dateTime(r.lastContactAt))))
                }))
        }
        return CustomerShell.page(ctx, project: m.project, projects: m.projects, tab: .followUps, title: t("cust.tab.follow-ups"), .group(
            .section(.class("card"), .h2(.text(t("cust.overdue")), .span(.class("count"), .text(" \(m.due.overdue.count)"))), table(m.due.overdue, "overdue")),
            .section(.class("card"), .h2(.text(t("cust.due_today")), .span(.class("count"), .text(" \(m.due.today.count)"))), table(m.due.today, "today"))
        ))
    }
}
