import EstateCore
import Plot
import Vapor

extension ReceiptsDeskPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)/receipts"
        let tabs: [(String, String)] = [("pending", t("sale.receipt_status.pending")), ("awaiting_approval", t("sale.receipt_status.awaiting_approval")),
                                        ("confirmed", t("sale.receipt_status.confirmed")), ("rejected", t("sale.receipt_status.rejected")),
                                        ("all", t("list.all"))]
        let current = m.status?.rawValue ?? "all"
        return SaleShell.page(ctx, project: m.project, projects: m.projects, tab: .receipts, title: t("sale.tab.receipts"), .group(
            .nav(.class("building-tabs"), .attribute(named: "aria-label", value: t("field.status")),
                .group(tabs.map { tb in
                    Node<HTML.BodyContext>.a(.href("\(base)?status=\(tb.0)"), .class(tb.0 == current ? "current" : ""), .text(tb.1))
                })),
            .if(!m.access.confirms, .p(.class("muted small"), .text(t("sale.confirm_by_finance")))),
            m.page.items.isEmpty ? .p(.class("muted"), .text(t("sale.no_receipts"))) :
            .table(.class("data receipts"),
                .thead(.tr(.th(.text(t("sale.receipt.number"))), .th(.text(t("sale.unit"))), .th(.text(t("sale.item"))),
                           .th(.class("num"), .text(t("sale.amount"))), .th(.text(t("sale.receipt.method"))), .th(.text(t("sale.receipt.received_on"))),
                           .th(.text(t("sale.receipt.payer"))), .th(.text(t("sale.receipt.reference"))), .th(.text(t("sale.receipt.recorded_by"))),
                           .th(.text(t("field.status"))), .th(.text("")))),
                .tbody(.group(m.page.items.map { r in row(ctx, m, r) }))),
            Shell.pager(ctx, m.page, query: m.query)
        ))
    }

    static func row(_ ctx: PageContext, _ m: Model, _ r: SaleService.Receipt) -> Node<HTML.TableContext> {
        let t = ctx.t
        let own = r.createdBy == m.access.principal.userID
        return .tr(
            .td(.class("mono"), .text(r.number)),
            .td(.a(.href("/sales/\(r.subscriptionId)"), .text(r.unitCode))),
            .td(.text(t("sale.item.\(r.itemKind)")), .if(r.kind == "refund", .span(.class("badge warn"), .text(" " + t("sale.refund"))))),
            .td(.class("num"), .text(r.amount.description)),
            .td(.text(t("sale.receipt_method.\(r.method)"))),
            .td(.class("nowrap"), .text(r.receivedOn)),
            .td(.text(r.payer)), .td(.text(r.reference)),
            .td(.text(r.createdByName), .span(.class("muted small"), .text(" " + Shell.dateTime(r.createdAt)))),
            .td(SaleShell.receiptBadge(t, r.status),
                .unwrap(r.confirmedByName) { .div(.class("muted small"), .text("\($0) · \(Shell.dateTime(r.confirmedAt))")) }),
            .td(.if(m.access.confirms && r.status == SaleService.ReceiptStatus.pending.rawValue,
                .form(.class("inline"), .method(.post), .action("/projects/\(m.project.id)/receipts/\(r.id)/confirm"), Shell.csrfField(ctx),
                      .input(.type(.hidden), .name("back"), .value(m.status?.rawValue ?? "all")),
                      .button(.type(.submit), .class(own ? "" : "primary"),
                              .attribute(named: "title", value: own ? t("sale.own_receipt") : t("sale.confirm_hint")),
                              .attribute(named: "data-confirm", value: t("sale.confirm_confirm", ["number": r.number, "amount": r.amount.description])),
                              .text(t("sale.confirm")))))))
    }
}
