import EstateCore
import Plot
import Vapor

extension HomePage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        return Shell.page(ctx, title: t("nav.home"), .group(
            .h1(.text(t("home.greeting", ["name": ctx.principal?.displayName ?? ""]))),
            workView(ctx, m),
            DashboardPanel.view(ctx, m.dashboards),
            .section(.class("grid"),
                .forEach(m.projects) { p in
                    .a(.class("card project"), .href(projectLink(ctx, p.id)),
                       .div(.class("muted"), .text("\(p.code) · \(p.city)")),
                       .h2(.text(p.name)),
                       .div(.class("stats"),
                            .span(.strong(.text("\(p.buildingCount)")), .text(" " + t("project.buildings"))),
                            .span(.strong(.text("\(p.unitCount)")), .text(" " + t("project.units")))))
                },
                .if(m.projects.isEmpty, .div(.class("card muted"), .text(t("home.no_projects"))))
            ),
            .h2(.text(t("home.my_roles"))),
            .div(.class("chips"),
                .forEach(m.grants) { g in
                    .span(.class("chip"), .text(t(g.role.catalogKey)), .span(.class("muted"), .text(" · " + (g.projectName ?? t("project.all")))))
                }),
            .unwrap(m.recentAudit) { lines in
                .group(
                    .h2(.text(t("home.recent_audit")), .a(.class("more"), .href("/admin/audit"), .text(t("list.more")))),
                    AuditPage.table(ctx, lines, names: m.auditNames)
                )
            }
        ))
    }

    /// Where a project card leads: its settings for those who change them, else its 楼盘表, else its tickets.
    static func projectLink(_ ctx: PageContext, _ id: UUID) -> String {
        guard let p = ctx.principal else { return "/" }
        if p.may(.projectEdit, on: id) { return "/admin/projects/\(id)" }
        if p.may(.inventoryView, on: id) { return "/projects/\(id)/board" }
        if p.may(.ticketsView, on: id) { return "/projects/\(id)/tickets" }
        return "/"
    }

    /// The cards of what waits, then one line per module not built yet; a user with neither is told so.
    static func workView(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .section(.class("work"), .attribute(named: "aria-label", value: t("home.work.title")),
            .if(!m.work.isEmpty, .div(.class("work-grid"), .forEach(m.work) { card(ctx, $0) })),
            .if(!m.notLive.isEmpty,
                .p(.class("card muted not-live"), .text(t("home.work.not_live", ["module": m.notLive.map { t($0) }.joined(separator: t.language == .zh ? "、" : ", ")])))),
            .if(m.work.isEmpty && m.notLive.isEmpty && m.dashboards.isEmpty,
                .p(.class("card muted"), .text(t("home.work.nothing"))))
        )
    }

    static func card(_ ctx: PageContext, _ c: WorkCard) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .article(.class(c.late > 0 ? "card work-card has-late" : "card work-card"),
            .div(.class("work-head"),
                .h2(.a(.href(c.href), .text(t(c.title)))),
                .span(.class("work-count"), .text("\(c.count)")),
                .if(c.late > 0, .span(.class("badge warn"), .text(t("home.work.late", ["count": "\(c.late)"]))))),
            .unwrap(c.project) { .div(.class("muted small"), .text($0)) },
            c.lines.isEmpty
                ? .p(.class("muted"), .text(t("home.work.none")))
                : .ul(.class("work-lines"), .forEach(c.lines) { line in
                    .li(.class(line.late ? "late-line" : ""),
                        .unwrap(line.state) { .span(.class("chip"), .text(t($0))) },
                        .a(.href(line.href), .text(line.text)),
                        .unwrap(line.due) { due in
                            .span(.class(line.late ? "due late" : "due muted"), .text(dueText(due)))
                        })
                }),
            .if(c.count > c.lines.count && !c.lines.isEmpty,
                .a(.class("more"), .href(c.href), .text(t("home.work.all", ["count": "\(c.count)"]))))
        )
    }

    static func dueText(_ due: WorkCard.Due) -> String {
        switch due {
        case .day(let d): d.description
        case .moment(let m): Shell.dateTime(m)
        }
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        Shell.response(view(PageContext(req), try await build(req)))
    }
}
