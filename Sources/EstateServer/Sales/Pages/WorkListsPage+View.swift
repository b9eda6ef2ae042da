import EstateCore
import Plot
import Vapor

extension WorkListsPage {
    static func stage(_ t: Localizer, _ list: SaleService.WorkList, _ stage: String) -> String {
        switch list {
        case .subscriptionsOverdue: stage == "no_contract" ? t("sale.worklist.stage.no_contract") : t("sale.worklist.stage.review", ["review": t("sale.review.\(stage)")])
        case .contractsUnregistered: t("sale.worklist.stage.\(stage)")
        case .mortgagesStuck: t("sale.mortgage.\(stage)")
        case .paymentsOverdue: t("sale.item.\(stage)")
        case .titlesPending: t("sale.title.\(stage)")
        }
    }

    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)/work-lists"
        return SaleShell.page(ctx, project: m.project, projects: m.projects, tab: .workLists, title: t(m.list.catalogKey), .group(
            .nav(.class("building-tabs"), .attribute(named: "aria-label", value: t("sale.tab.work-lists")),
                .group(SaleService.WorkList.allCases.map { l in
                    Node<HTML.BodyContext>.a(.href("\(base)/\(l.rawValue)"), .class(l == m.list ? "current" : ""), .text(t(l.catalogKey)))
                })),
            .div(.class("toolbar"),
                .p(.class("muted small"), .text(t("sale.worklist.hint.\(m.list.rawValue)"))),
                .div(.class("spacer")),
                .a(.class("button"), .href("\(base)/\(m.list.rawValue)/export"), .text(t("sale.export_excel")))),
            .unwrap(m.arrears) { a in arrears(t, a.rows, a.total) },
            m.page.items.isEmpty ? .p(.class("muted"), .text(t("sale.worklist.empty"))) : table(ctx, m),
            Shell.pager(ctx, m.page, query: [:])
        ))
    }

    static func table(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let money = m.list == .paymentsOverdue
        return .table(.class("data worklist"),
            .thead(.tr(.th(.text(t("sale.worklist.number"))), .th(.text(t("sale.unit"))), .th(.text(t("sale.buyers"))),
                       .th(.text(t("sale.consultant"))), .th(.text(t("sale.worklist.stage"))),
                       .th(.text(t("sale.worklist.due.\(m.list.rawValue)"))), .th(.class("num"), .text(t("sale.worklist.days.\(m.list.rawValue)"))),
                       .th(.class("num"), .text(t("sale.worklist.amount.\(m.list.rawValue)"))),
                       .if(money, .th(.class("num"), .text(t("sale.penalty")))))),
            .tbody(.group(m.page.items.map { r in row(t, m, r, money: money) })))
    }

    static func row(_ t: Localizer, _ m: Model, _ r: SaleService.WorkRow, money: Bool) -> Node<HTML.TableContext> {
        let href = r.contractId.map { "/contracts/\($0)" } ?? "/sales/\(r.subscriptionId)"
        return .tr(
            .td(.a(.class("mono"), .href(href), .text(r.number))),
            .td(.text(r.unitCode)), .td(.text(r.buyers.isEmpty ? "—" : r.buyers)), .td(.text(r.consultantName ?? "—")),
            .td(.text(stage(t, m.list, r.stage))),
            .td(.class("nowrap"), .text(r.dueOn ?? "—")),
            .td(.class(r.days > 0 && m.list != .contractsUnregistered ? "num late" : "num"), .text(r.days > 0 ? "\(r.days)" : "—")),
            .td(.class("num"), .text(r.amountFen.map { Money(fen: $0).description } ?? "—")),
            .if(money, .td(.class("num"), .text(r.penaltyFen.map { Money(fen: $0).description } ?? "—"))))
    }

    static func arrears(_ t: Localizer, _ rows: [SaleService.ArrearsRow], _ total: SaleService.ArrearsRow) -> Node<HTML.BodyContext> {
        func line(_ r: SaleService.ArrearsRow, total: Bool) -> Node<HTML.TableContext> {
            .tr(.class(total ? "total" : ""),
                .td(total ? .strong(.text(t("sale.total"))) : .text(r.consultantName)),
                .td(.class("num"), .text("\(r.contracts)")),
                .td(.class("num"), .text(r.outstanding.description)),
                .td(.class(r.overdue.fen > 0 ? "num late" : "num"), .text(r.overdue.description)),
                .td(.class("num"), .text(r.overduePending.description)),
                .td(.class("num"), .text(r.penalty.description)))
        }
        return .section(.class("card"),
            .h2(.text(t("sale.arrears"))),
            .table(.class("data arrears"),
                .thead(.tr(.th(.text(t("sale.consultant"))), .th(.class("num"), .text(t("sale.arrears.sales"))),
                           .th(.class("num"), .text(t("sale.outstanding"))), .th(.class("num"), .text(t("sale.arrears.overdue"))),
                           .th(.class("num"), .text(t("sale.arrears.overdue_pending"))), .th(.class("num"), .text(t("sale.penalty"))))),
                .tbody(.group(rows.map { line($0, total: false) }), line(total, total: true))))
    }
}
