import EstateCore
import Plot
import Vapor

extension ReceiptsDeskPage {
    static let batchForm = "batch-confirm"

    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)/receipts"
        let tabs: [(SaleService.ReceiptStatus?, String)] = [(.pending, t("sale.receipt_status.pending")),
                                                            (.awaitingApproval, t("sale.receipt_status.awaiting_approval")),
                                                            (.confirmed, t("sale.receipt_status.confirmed")), (.rejected, t("sale.receipt_status.rejected")),
                                                            (nil, t("list.all"))]
        let batchable = m.access.confirms && m.page.items.contains { $0.status == SaleService.ReceiptStatus.pending.rawValue }
        return SaleShell.page(ctx, project: m.project, projects: m.projects, tab: .receipts, title: t("sale.tab.receipts"), .group(
            .nav(.class("building-tabs"), .attribute(named: "aria-label", value: t("field.status")),
                .group(tabs.map { tb in
                    Node<HTML.BodyContext>.a(.href("\(base)?\(m.filter.with(status: tb.0).queryString)"),
                                             .class(tb.0 == m.filter.status ? "current" : ""), .text(tb.1))
                })),
            .unwrap(m.batch) { report(ctx, $0) },
            filters(ctx, m, base: base),
            .if(!m.access.confirms, .p(.class("muted small"), .text(t("sale.confirm_by_finance")))),
            .if(batchable,
                .form(.id(batchForm), .class("batch-bar"), .method(.post), .action("\(base)/confirm"), Shell.csrfField(ctx),
                      .input(.type(.hidden), .name("back"), .value(m.filter.queryString)),
                      .span(.class("muted small"), .text(t("sale.batch_hint"))),
                      .button(.type(.submit), .class("primary"), .attribute(named: "data-confirm", value: t("sale.batch_confirm_confirm")),
                              .text(t("sale.batch_confirm"))))),
            m.page.items.isEmpty ? .p(.class("muted"), .text(t("sale.no_receipts"))) :
            .div(.class("table-wrap"), .table(.class("data receipts"),
                .thead(.tr(.if(batchable, .th(.class("pick"), .input(.type(.checkbox), .attribute(named: "data-check-all", value: "id"),
                                                                    .attribute(named: "aria-label", value: t("sale.batch_all"))))),
                           .th(.text(t("sale.receipt.number"))), .th(.text(t("sale.unit"))), .th(.text(t("sale.item"))),
                           .th(.class("num"), .text(t("sale.amount"))), .th(.text(t("sale.receipt.method"))), .th(.text(t("sale.receipt.received_on"))),
                           .th(.text(t("sale.receipt.payer"))), .th(.text(t("sale.receipt.reference"))), .th(.text(t("sale.receipt.recorded_by"))),
                           .th(.text(t("field.status"))), .th(.text(t("sale.receipt.actions"))))),
                .tbody(.group(m.page.items.map { r in row(ctx, m, r, batchable: batchable) })))),
            Shell.pager(ctx, m.page, query: m.filter.query)
        ))
    }

    static func filters(_ ctx: PageContext, _ m: Model, base: String) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .form(.class("filters"), .method(.get), .action(base),
            .input(.type(.hidden), .name("status"), .value(m.filter.status?.rawValue ?? "all")),
            .div(.class("field"), .label(.for("rq"), .text(t("sale.receipt.search"))),
                 .input(.type(.search), .id("rq"), .name("q"), .value(m.filter.q), .placeholder(t("sale.receipt.search_hint")))),
            .div(.class("field"), .label(.for("rfrom"), .text(t("sale.receipt.received_from"))),
                 .input(.type(.date), .id("rfrom"), .name("from"), .value(m.filter.from?.description ?? ""))),
            .div(.class("field"), .label(.for("rto"), .text(t("sale.receipt.received_to"))),
                 .input(.type(.date), .id("rto"), .name("to"), .value(m.filter.to?.description ?? ""))),
            .div(.class("field actions"), .label(.text(t("action.filter"))),
                 .button(.type(.submit), .text(t("action.filter"))),
                 .text(" "),
                 .a(.class("button"), .href("\(base)/export?\(m.filter.queryString)"), .text(t("sale.export_excel")))))
    }

    /// After a 批量核实: how many were confirmed and for how much, and each one left alone with why.
    static func report(_ ctx: PageContext, _ b: BatchReport) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .div(.class(b.skipped.isEmpty ? "flash ok" : "flash warn"), .attribute(named: "role", value: "status"),
            .p(.text(t("sale.batch_done", ["count": "\(b.confirmed.count)", "amount": b.total.description]))),
            .if(!b.skipped.isEmpty, .group(
                .p(.text(t("sale.batch_skipped", ["count": "\(b.skipped.count)"]))),
                .ul(.group(b.skipped.map { s in
                    Node<HTML.ListContext>.li(.span(.class("mono"), .text(s.receipt.number)), .text(" " + s.receipt.unitCode + " · "),
                                              .text(skipReason(t, s.receipt, s.code)))
                })))))
    }

    static func skipReason(_ t: Localizer, _ r: SaleService.Receipt, _ code: String) -> String {
        switch code {
        case "receipt_not_pending":
            return t("sale.batch_skip.decided", ["status": t("sale.receipt_status.\(r.status)"), "name": r.confirmedByName ?? "—",
                                                 "at": Shell.dateTime(r.confirmedAt)])
        case "receipt_own_confirmation": return t("sale.batch_skip.own")
        case "sale_not_live": return t("error.sale_not_live")
        default: return t("error.not_found")
        }
    }

    static func row(_ ctx: PageContext, _ m: Model, _ r: SaleService.Receipt, batchable: Bool) -> Node<HTML.TableContext> {
        let t = ctx.t
        let own = r.createdBy == m.access.principal.userID
        let pending = r.status == SaleService.ReceiptStatus.pending.rawValue
        let base = "/projects/\(m.project.id)/receipts/\(r.id)"
        return .tr(
            .if(batchable, .td(.class("pick"), .if(pending && !own,
                .input(.type(.checkbox), .name("id"), .value(r.id.uuidString), .attribute(named: "form", value: batchForm),
                       .attribute(named: "aria-label", value: t("sale.batch_pick", ["number": r.number])))))),
            .td(.class("mono"), .text(r.number)),
            .td(.class("nowrap"), .a(.href("/sales/\(r.subscriptionId)"), .text(r.unitCode))),
            .td(.text(t("sale.item.\(r.itemKind)")), .if(r.kind == "refund", .span(.class("badge warn"), .text(" " + t("sale.refund"))))),
            .td(.class("num nowrap"), .text(r.amount.description)),
            .td(.class("nowrap"), .text(t("sale.receipt_method.\(r.method)"))),
            .td(.class("nowrap"), .text(r.receivedOn)),
            .td(.class("nowrap"), .text(r.payer)), .td(.text(r.reference)),
            .td(.span(.class("nowrap"), .text(r.createdByName)), .div(.class("muted small nowrap"), .text(Shell.dateTime(r.createdAt)))),
            .td(SaleShell.receiptBadge(t, r.status),
                .unwrap(r.confirmedByName) { .div(.class("muted small"), .text("\($0) · \(Shell.dateTime(r.confirmedAt))")) },
                .unwrap(r.rejectionReason) { .div(.class("small reject-reason"), .text(t("sale.rejection_reason", ["reason": $0]))) }),
            .td(.class("actions"),
                .if(m.access.confirms && pending, .group(
                    .form(.class("inline"), .method(.post), .action("\(base)/confirm"), Shell.csrfField(ctx),
                          .input(.type(.hidden), .name("back"), .value(m.filter.queryString)),
                          .button(.type(.submit), .class(own ? "" : "primary"),
                                  .attribute(named: "title", value: own ? t("sale.own_receipt") : t("sale.confirm_hint")),
                                  .attribute(named: "data-confirm", value: t("sale.confirm_confirm", ["number": r.number, "amount": r.amount.description])),
                                  .text(t("sale.confirm")))),
                    .details(.class("reject"),
                        .summary(.text(t("sale.reject"))),
                        .form(.method(.post), .action("\(base)/reject"), Shell.csrfField(ctx),
                              .input(.type(.hidden), .name("back"), .value(m.filter.queryString)),
                              .input(.type(.text), .name("reason"), .required(true), .attribute(named: "maxlength", value: "200"),
                                     .placeholder(t("sale.reject_reason")), .attribute(named: "aria-label", value: t("sale.reject_reason"))),
                              .button(.type(.submit), .class("danger"),
                                      .attribute(named: "data-confirm", value: t("sale.reject_confirm", ["number": r.number, "amount": r.amount.description])),
                                      .text(t("sale.reject_submit"))))))),
                .if(r.kind == "receipt" && r.status == SaleService.ReceiptStatus.confirmed.rawValue,
                    .a(.href("\(base)/print"), .attribute(named: "target", value: "_blank"), .text(t("sale.voucher"))))))
    }
}
