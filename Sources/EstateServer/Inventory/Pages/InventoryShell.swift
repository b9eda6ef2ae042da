import EstateCore
import Plot
import Vapor

/// The frame of every 楼盘表 page: project name and switcher, and the tabs.
enum InventoryShell {
    enum Tab: String, CaseIterable {
        case board, units, structure, importing = "import", prices

        var key: String { "inv.tab.\(rawValue)" }
        func href(_ project: UUID) -> String { "/projects/\(project)/\(self == .importing ? "import" : rawValue)" }
        var action: Action {
            switch self {
            case .importing: .inventoryEdit
            case .prices: .pricesView
            default: .inventoryView
            }
        }
    }

    struct ProjectRef: Sendable { var id: UUID; var code: String; var name: String }

    static func page(_ ctx: PageContext, project: ProjectRef, projects: [ProjectRef], tab: Tab, title: String,
                     _ content: Node<HTML.BodyContext>) -> HTML {
        let t = ctx.t
        let tabs = Tab.allCases.filter { ctx.principal?.may($0.action, on: project.id) == true }
        return Shell.page(ctx, title: "\(title) · \(project.name)", .group(
            .div(.class("inv-head"),
                .h1(.text(project.name), .span(.class("muted code"), .text(" " + project.code))),
                ProjectSwitcher.view(t, current: project, projects: projects, home: "/inventory")),
            .nav(.class("tabs"), .attribute(named: "aria-label", value: t("nav.inventory")),
                .forEach(tabs) { tb in
                    .a(.href(tb.href(project.id)), .class(tb == tab ? "current" : ""), .text(t(tb.key)))
                }),
            content
        ))
    }

    static func projects(_ req: Request) async throws -> [ProjectRef] {
        try await ProjectSwitcher.projects(req, any: [.inventoryView])
    }

    static func statusBadge(_ t: Localizer, _ s: UnitStatus) -> Node<HTML.BodyContext> {
        .span(.class("st st-\(s.rawValue)"), .text(t(s.catalogKey)))
    }
}

enum InventoryHome {
    /// `/inventory`: the chosen (or only) project's board; a picker when there are several.
    @Sendable static func show(_ req: Request) async throws -> Response {
        let projects = try await InventoryShell.projects(req)
        if let chosen = (try? req.query.get(String.self, at: "project")).flatMap(UUID.init(uuidString:)),
           projects.contains(where: { $0.id == chosen }) {
            return req.redirect(to: "/projects/\(chosen)/board")
        }
        if projects.count == 1 { return req.redirect(to: "/projects/\(projects[0].id)/board") }
        let ctx = PageContext(req), t = ctx.t
        return Shell.response(Shell.page(ctx, title: t("nav.inventory"), .group(
            .h1(.text(t("nav.inventory"))),
            projects.isEmpty ? .p(.class("muted"), .text(t("inv.no_projects"))) :
            .div(.class("grid"), .forEach(projects) { p in
                .a(.class("card project"), .href("/projects/\(p.id)/board"), .h2(.text(p.name)), .span(.class("muted"), .text(p.code)))
            }))))
    }
}
