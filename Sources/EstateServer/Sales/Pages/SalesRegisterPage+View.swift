import EstateCore
import Plot
import Vapor

extension SalesRegisterPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)/sales"
        return SaleShell.page(ctx, project: m.project, projects: m.projects, tab: .register, title: t("sale.tab.sales"), .group(
            .nav(.class("building-tabs"), .attribute(named: "aria-label", value: t("field.status")),
                .a(.href(base + (m.q.isEmpty ? "" : "?q=\(enc(m.q))")), .class(m.status == nil ? "current" : ""), .text(t("list.all"))),
                .group(SubscriptionStatus.allCases.map { s in
                    Node<HTML.BodyContext>.a(.href("\(base)?status=\(s.rawValue)" + (m.q.isEmpty ? "" : "&q=\(enc(m.q))")),
                                             .class(m.status == s ? "current" : ""), .text(t(s.catalogKey)))
                })),
            .form(.class("filters"), .method(.get), .action(base),
                .unwrap(m.status) { .input(.type(.hidden), .name("status"), .value($0.rawValue)) },
                .div(.class("field wide"), .label(.for("q"), .text(t("action.search"))),
                     .input(.type(.search), .id("q"), .name("q"), .value(m.q), .placeholder(t("sale.search_hint")))),
                .div(.class("field"), .label(.for("consultantId"), .text(t("sale.consultant"))),
                     .select(.named("consultantId", id: "consultantId"), Node<HTML.SelectContext>.choice("", t("list.all")),
                             .group(m.consultants.map { c in .choice(c.id.uuidString, c.name, selected: m.filter.consultantID == c.id) }))),
                .div(.class("field"), .label(.for("from"), .text(t("sale.subscribed_from"))),
                     .input(.type(.date), .id("from"), .name("from"), .value(m.filter.from?.description ?? ""))),
                .div(.class("field"), .label(.for("to"), .text(t("sale.subscribed_to"))),
                     .input(.type(.date), .id("to"), .name("to"), .value(m.filter.to?.description ?? ""))),
                .unwrap(m.query["sort"]) { .input(.type(.hidden), .name("sort"), .value($0)) },
                .unwrap(m.query["dir"]) { .input(.type(.hidden), .name("dir"), .value($0)) },
                .div(.class("field actions"), .label(.text(" ")),
                     .div(.button(.type(.submit), .class("primary"), .text(t("action.search"))), .text(" "), .a(.href(base), .text(t("action.reset")))))),
            .p(.class("list-tools"), .a(.class("button"), .href("\(base)/export.xlsx" + ListQuery.string(m.query)), .text(t("sale.register_export")))),
            table(ctx, m),
            .if(m.page.items.isEmpty, .p(.class("muted"), .text(t("sale.none")))),
            Shell.pager(ctx, m.page, query: m.query),
            .if(m.access.sells, .p(.class("muted small"), .text(t("sale.subscribe_from_unit")), .text(" "),
                                   .a(.href("/projects/\(m.project.id)/units?status=available"), .text(t("inv.tab.units")))))
        ))
    }

    static func enc(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }

    static func table(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .table(.class("data sales"),
            .thead(.tr(sortable(ctx, m, .number, "sale.number"), .th(.text(t("sale.unit"))), .th(.text(t("sale.buyers"))),
                       sortable(ctx, m, .finalTotal, "sale.final_total", num: true), sortable(ctx, m, .deposit, "sale.deposit", num: true),
                       sortable(ctx, m, .deadline, "sale.contract_deadline"), .th(.text(t("field.status"))), .th(.text(t("sale.contract_number"))),
                       .th(.text(t("sale.consultant"))), sortable(ctx, m, .created, "sale.subscribed_at"))),
            .tbody(.group(m.page.items.map { s in row(ctx, m, s) })))
    }

    static func row(_ ctx: PageContext, _ m: Model, _ s: SaleService.Subscription) -> Node<HTML.TableContext> {
        let t = ctx.t
        return .tr(
            .td(.a(.class("mono"), .href("/sales/\(s.id)"), .text(s.number))),
            .td(.text(s.unitCode)),
            .td(.text(m.access.names(s.buyers, consultant: s.consultantId))),
            .td(.class("num"), .text(s.finalTotal.description)),
            .td(.class("num"), .text(s.deposit.description)),
            .td(SaleShell.due(s.contractDeadline, today: m.today, late: s.state == .active)),
            .td(SaleShell.subscriptionBadge(t, s.status), .if(s.pendingApprovalId != nil, .span(.class("muted small"), .text(" " + t("sale.change_pending"))))),
            .td(.unwrap(s.contractId, { c in .a(.class("mono"), .href("/contracts/\(c)"), .text(m.contracts[c] ?? t("sale.contract"))) }, else: .text("—"))),
            .td(.text(s.consultantName ?? "—")),
            .td(.class("nowrap"), .text(Shell.dateTime(s.createdAt))))
    }

    static func sortable(_ ctx: PageContext, _ m: Model, _ sort: SaleService.RegisterSort, _ label: String, num: Bool = false) -> Node<HTML.TableRowContext> {
        ListQuery.sortHeader(ctx.t(label), key: sort.rawValue, path: "/projects/\(m.project.id)/sales", query: m.query,
                             sortedBy: m.filter.sort.rawValue, ascending: m.filter.ascending, num: num)
    }
}
