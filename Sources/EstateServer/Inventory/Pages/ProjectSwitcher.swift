import EstateCore
import Foundation
import Plot
import Vapor

/// 项目切换: the one project picker every module's pages share, and the projects a user may open
/// in a module. The module's home (`/sales?project=…`) takes the choice and goes to that project.
enum ProjectSwitcher {
    /// The projects where the user holds any of `actions`, in the order of the project list.
    static func projects(_ req: Request, any actions: [Action]) async throws -> [InventoryShell.ProjectRef] {
        let p = try req.requirePrincipal()
        return try await req.services.projects(req.db).all()
            .filter { project in actions.contains { p.may($0, on: project.id!) } }
            .map { InventoryShell.ProjectRef(id: $0.id!, code: $0.code, name: $0.name) }
    }

    /// The project of the path among them (404 when it is not one the user may open here), and all of them.
    static func refs(_ req: Request, _ projectID: UUID, any actions: [Action]) async throws
        -> (InventoryShell.ProjectRef, [InventoryShell.ProjectRef]) {
        let all = try await projects(req, any: actions)
        guard let me = all.first(where: { $0.id == projectID }) else { throw Problem.notFound }
        return (me, all)
    }

    /// The picker, when there is more than one project to pick: a select that submits itself
    /// (a button without JavaScript) to `home` with `project` and the `keep` fields (the tab).
    static func view(_ t: Localizer, current: InventoryShell.ProjectRef, projects: [InventoryShell.ProjectRef], home: String,
                     keep: [(name: String, value: String)] = []) -> Node<HTML.BodyContext> {
        guard projects.count > 1 else { return .empty }
        return .form(.class("inline"), .method(.get), .action(home),
            .forEach(keep) { .input(.type(.hidden), .name($0.name), .value($0.value)) },
            .select(.named("project", id: "project-switch"), .attribute(named: "aria-label", value: t("inv.switch_project")),
                    .attribute(named: "data-autosubmit", value: "1"),
                    .forEach(projects) { p in .choice(p.id.uuidString, "\(p.code) \(p.name)", selected: p.id == current.id) }),
            .noscript(.button(.type(.submit), .text(t("action.go")))))
    }
}
