import EstateCore
import Foundation
import Plot
import Vapor

/// The frame every procurement page shares: the tabs 供应商 / 需求 / 计划 / 招标 / 订单 / 到货验收 / 仓库 / 发票结算 / 报表,
/// each shown only to those who may open it (the same rule its routes apply), and the project switcher for the pages
/// of one project. Also the small pieces the pages share (status badges, quantities, money).
enum ProcurementShell {
    enum Tab: String, CaseIterable, Sendable {
        case suppliers, needs, plans, tenders, orders, deliveries, stores, invoices, report
        var key: String { "pr.tab.\(rawValue)" }

        /// The tab's page of a project; the supplier directory is the company's.
        func href(_ project: UUID?) -> String {
            guard self != .suppliers else { return "/procurement/suppliers" }
            guard let project else { return "/procurement/\(rawValue)" }
            return "/procurement/projects/\(project)/\(rawValue)"
        }
    }

    /// Who may open a tab on a project (nil: on at least one). Procurement staff, their manager and the GM hold
    /// `procurementHandle` and open every tab; engineering (工程部) raises needs and inspects deliveries; the property
    /// department raises needs; finance pays invoices (`paymentsConfirm`). The API answers by the same rights.
    static func may(_ p: Principal, _ tab: Tab, on project: UUID?) -> Bool {
        if p.may(.procurementHandle, on: project) { return true }
        switch tab {
        case .needs: return raisesNeeds(p, on: project)
        case .deliveries: return inspects(p, on: project)
        case .invoices: return p.may(.paymentsConfirm, on: project)
        default: return false
        }
    }

    /// Whether the reader may open any procurement tab on some project (the side nav's 采购).
    static func opensAny(_ p: Principal) -> Bool { Tab.allCases.contains { may(p, $0, on: nil) } }

    static func hasRole(_ p: Principal, _ roles: Set<Role>, on project: UUID?) -> Bool {
        if let project { return p.canSee(project: project) && !p.roles(on: project).isDisjoint(with: roles) }
        return p.grants.contains { roles.contains($0.role) }
    }

    /// Departments that raise needs without handling procurement: engineering, property, the sales site's manager
    /// (`PurchaseNeedAccess`).
    static func raisesNeeds(_ p: Principal, on project: UUID?) -> Bool {
        if let project { return p.canSee(project: project) && PurchaseNeedAccess.raisesNeeds(p.roles(on: project)) }
        return PurchaseNeedAccess.raisesNeeds(p.grants.map(\.role))
    }

    /// The API's and the page's one rule for raising a need: 404 when the project is unseen; 403 purchase_need_forbidden
    /// for a role that raises no needs, or for a department that is not the raiser's (an unknown department is left to
    /// the service's 422).
    static func checkRaises(_ p: Principal, department: String?, on project: UUID) throws {
        guard p.canSee(project: project) else { throw Problem.notFound }
        let roles = p.roles(on: project)
        let forbidden = Problem(.forbidden, "purchase_need_forbidden", arguments: ["department": department ?? ""])
        guard PurchaseNeedAccess.raisesNeeds(roles) else { throw forbidden }
        if let department, PurchaseNeedAccess.departments.contains(department), !PurchaseNeedAccess.may(roles, raiseFor: department) { throw forbidden }
    }

    /// Engineering's 质量检验 (the API's inspectDelivery rule).
    static func inspects(_ p: Principal, on project: UUID?) -> Bool {
        p.may(.procurementHandle, on: project) || hasRole(p, [.engineer], on: project)
    }

    /// Projects where the reader may open `tab`, in the project list's order.
    static func projects(_ req: Request, _ tab: Tab) async throws -> [InventoryShell.ProjectRef] {
        let p = try req.requirePrincipal()
        return try await req.services.projects(req.db).all()
            .filter { p.canSee(project: $0.id!) && may(p, tab, on: $0.id!) }
            .map { InventoryShell.ProjectRef(id: $0.id!, code: $0.code, name: $0.name) }
    }

    /// The project of the path for `tab`: 404 when the reader cannot see it, 403 when they may not open the tab there.
    static func project(_ req: Request, _ tab: Tab) async throws -> (InventoryShell.ProjectRef, [InventoryShell.ProjectRef]) {
        let p = try req.requirePrincipal()
        let id = try req.projectID()
        guard p.canSee(project: id) else { throw Problem.notFound }
        guard may(p, tab, on: id) else { throw Problem.forbidden }
        let all = try await projects(req, tab)
        guard let me = all.first(where: { $0.id == id }) else { throw Problem.notFound }
        return (me, all)
    }

    /// A record's project: 404 when unseen or when the reader may not open `tab` there (as the API's record reads).
    static func check(_ req: Request, _ tab: Tab, _ project: UUID) throws -> Principal {
        let p = try req.requirePrincipal()
        guard p.canSee(project: project), may(p, tab, on: project) else { throw Problem.notFound }
        return p
    }

    static func ref(_ req: Request, _ project: UUID) async throws -> InventoryShell.ProjectRef {
        let pr = try await req.services.projects(req.db).find(project, for: try req.requirePrincipal())
        return InventoryShell.ProjectRef(id: project, code: pr.code, name: pr.name)
    }

    /// The page: heading (the project when there is one), the switcher, the tabs the reader may open, content.
    static func page(_ ctx: PageContext, tab: Tab?, project: InventoryShell.ProjectRef?, projects: [InventoryShell.ProjectRef] = [],
                     title: String, _ content: Node<HTML.BodyContext>) -> HTML {
        let t = ctx.t
        let tabs = Tab.allCases.filter { tb in ctx.principal.map { may($0, tb, on: project?.id) } ?? false }
        return Shell.page(ctx, title: project.map { "\(title) · \($0.name)" } ?? title, .div(.class("service-page procurement-page"),
            .div(.class("inv-head"),
                .h1(.text(t("nav.procurement")),
                    .unwrap(project) { .span(.class("report-title"), .text(" · \($0.name)"), .span(.class("muted code"), .text(" " + $0.code))) }),
                .unwrap(project) { current in
                    ProjectSwitcher.view(t, current: current, projects: projects, home: "/procurement/\(tab?.rawValue ?? "needs")")
                }),
            .nav(.class("tabs pr-tabs"), .attribute(named: "aria-label", value: t("nav.procurement")),
                .group(tabs.map { tb in
                    Node<HTML.BodyContext>.a(.href(tb.href(tb == .suppliers ? nil : project?.id)), .class(tb == tab ? "current" : ""), .text(t(tb.key)))
                })),
            content))
    }

    // MARK: Pieces

    /// An order named by `text`, linked only for those who may open the orders tab (engineering and finance see it unlinked).
    static func orderRef(_ id: UUID, _ text: String, link: Bool) -> Node<HTML.BodyContext> {
        link ? .a(.href("/procurement/orders/\(id)"), .text(text)) : .text(text)
    }

    static func opensOrders(_ ctx: PageContext, _ project: UUID) -> Bool { ctx.principal.map { may($0, .orders, on: project) } ?? false }

    static func money(_ fen: Int64) -> String { Money(fen: fen).description }
    static func qty(_ milli: Int64) -> String { PurchaseQuantity.format(milli) }

    static func badge(_ t: Localizer, _ prefix: String, _ status: String) -> Node<HTML.BodyContext> {
        .span(.class("ch-st pr-st-\(status)"), .text(t.catalog.has("\(prefix).\(status)") ? t("\(prefix).\(status)") : status))
    }

    static func category(_ t: Localizer, _ raw: String) -> String { SupplierCategory(rawValue: raw).map { t($0.catalogKey) } ?? raw }

    static func empty(_ text: String) -> Node<HTML.BodyContext> { .p(.class("muted empty"), .text(text)) }

    static func table(_ heads: [String], numeric: Set<Int> = [], _ rows: [Node<HTML.TableContext>]) -> Node<HTML.BodyContext> {
        .div(.class("table-wrap"), .table(.class("data"),
            .thead(.tr(.group(heads.enumerated().map { i, h in Node<HTML.TableRowContext>.th(.class(numeric.contains(i) ? "num" : ""), .text(h)) }))),
            .tbody(.group(rows))))
    }

    /// A status filter (GET) over a list.
    static func statusFilter(_ t: Localizer, action: String, prefix: String, statuses: [String], selected: String?,
                             extra: [Node<HTML.FormContext>] = []) -> Node<HTML.BodyContext> {
        .form(.class("inline"), .method(.get), .action(action),
            .select(.named("status", id: "pr-filter-status"), .attribute(named: "aria-label", value: t("field.status")),
                    Node<HTML.SelectContext>.choice("", t("ch.all")),
                    .group(statuses.map { Node<HTML.SelectContext>.choice($0, t("\(prefix).\($0)"), selected: $0 == selected) })),
            .group(extra),
            .button(.type(.submit), .text(t("ch.filter"))))
    }

    /// A refused form's failure in the reader's language, fields named by the procurement labels.
    /// `rename` turns the service's field names (`lines[0].quantity`) into the form's (`quantity`).
    static func failure(_ t: Localizer, _ p: Problem, form: String, values: [String: String],
                        rename: (String) -> String = singleLine) -> FormFailure {
        var p = p
        p.fields = p.fields.map { Problem.FieldError(field: rename($0.field), code: $0.code, arguments: $0.arguments) }
        return FormFailure(t, p, form: form, values: values, label: { field in
            let base = field.split(whereSeparator: { $0 == "." || $0 == "_" }).last.map(String.init) ?? field
            return t.catalog.has("pr.field.\(base)") ? t("pr.field.\(base)") : nil
        })
    }

    /// A one-line form's fields: `lines[0].quantity` is the form's `quantity`.
    static func singleLine(_ field: String) -> String {
        field.hasPrefix("lines[0].") ? String(field.dropFirst("lines[0].".count)) : field
    }

    /// `lines[k].<name>` → `<prefix><id of line k>` for a form of several lines, one input per line.
    static func perLine(_ ids: [UUID]) -> (String) -> String {
        { field in
            guard field.hasPrefix("lines["), let close = field.firstIndex(of: "]"),
                  let k = Int(field[field.index(field.startIndex, offsetBy: 6)..<close]), k < ids.count else { return field }
            let name = field[field.index(after: close)...].drop(while: { $0 == "." })
            return "\(name)_\(ids[k])"
        }
    }
}
