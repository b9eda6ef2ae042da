import EstateCore
import Plot
import Vapor

/// The frame of the customer pages: project, switcher and tabs (客户, 我的跟进, 导入).
enum CustomerShell {
    enum Tab: String, CaseIterable { case list = "customers", followUps = "follow-ups", importing = "customers/import" }

    static func page(_ ctx: PageContext, project: InventoryShell.ProjectRef, projects: [InventoryShell.ProjectRef], tab: Tab?,
                     title: String, _ content: Node<HTML.BodyContext>) -> HTML {
        let t = ctx.t
        let tabs = Tab.allCases.filter { $0 != .importing || ctx.principal?.may(.customersEdit, on: project.id) == true }
        return Shell.page(ctx, title: "\(title) · \(project.name)", .group(
            .div(.class("inv-head"),
                .h1(.text(project.name), .span(.class("muted code"), .text(" " + project.code))),
                ProjectSwitcher.view(t, current: project, projects: projects, home: "/customers")),
            .nav(.class("tabs"), .attribute(named: "aria-label", value: t("nav.customers")),
                .forEach(tabs) { tb in
                    .a(.href("/projects/\(project.id)/\(tb.rawValue)"), .class(tb == tab ? "current" : ""), .text(t("cust.tab.\(tb == .importing ? "import" : tb.rawValue)")))
                }),
            content
        ))
    }

    static func options(_ items: [(String, String)], selected: String?) -> Node<HTML.SelectContext> {
        .group(items.map { item in Node<HTML.SelectContext>.choice(item.0, item.1, selected: item.0 == selected) })
    }

    static func grades(_ t: Localizer) -> [(String, String)] {
        CustomerService.Grade.allCases.map { ($0.rawValue, t("cust.grade.\($0.rawValue)")) }
    }

    static func grade(_ g: String) -> Node<HTML.BodyContext> { .span(.class("grade grade-\(g.lowercased())"), .text(g)) }

    static func owner(_ t: Localizer, _ r: CustomerService.Record) -> Node<HTML.BodyContext> {
        r.ownerID == nil ? .span(.class("pool"), .text(t("cust.pool"))) : .text(r.ownerName ?? "—")
    }

    static func mobile(_ a: CustomerAccess, _ r: CustomerService.Record) -> String {
        a.seesFullMobile(owner: r.ownerID) ? r.mobile : Masking.mobile(r.mobile)
    }
}
