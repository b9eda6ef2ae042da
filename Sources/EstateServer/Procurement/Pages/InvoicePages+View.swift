import EstateCore
import Foundation
import Plot

extension InvoicePages {
    static let form = "invoice"
    static let resolveForm = "invoice-resolve"

    static func problems(_ t: Localizer, _ codes: [String]) -> String {
        codes.isEmpty ? "—" : codes.map { t.catalog.has("pr.match.\($0)") ? t("pr.match.\($0)") : $0 }.joined(separator: t.language == .zh ? "；" : "; ")
    }

    static func table(_ t: Localizer, _ list: [InvoiceService.Invoice], names: [UUID: String],
                      orders: [UUID: PurchaseOrderService.Order] = [:], linkOrders: Bool = true) -> Node<HTML.BodyContext> {
        ProcurementShell.table([t("pr.invoice_number"), t("pr.order_number"), t("pr.supplier"), t("pr.field.invoicedOn"), t("pr.total"),
                                t("field.status"), t("pr.match_problems")], numeric: [4],
            list.map { i in
                Node<HTML.TableContext>.tr(.class(i.status == "mismatch" ? "pr-flagged" : ""),
                    .td(.class("mono"), .a(.href("/procurement/invoices/\(i.id)"), .text(i.number))),
                    .td(.class("mono"), ProcurementShell.orderRef(i.orderId, orders[i.orderId]?.number ?? "↗", link: linkOrders)),
                    .td(.text(names[i.supplierId] ?? "")), .td(.class("nowrap mono"), .text(i.invoicedOn)),
                    .td(.class("num mono"), .text(ProcurementShell.money(i.totalFen))), .td(ProcurementShell.badge(t, "pr.invoice_status", i.status)),
                    .td(.class("small"), .text(problems(t, i.problemCodes))))
            })
    }

    static func payments(_ t: Localizer, _ list: [InvoiceService.Payment]) -> Node<HTML.BodyContext> {
        ProcurementShell.table([t("pr.payment_event"), t("pr.amount"), t("pr.due_on"), t("field.status"), t("pr.paid_at")], numeric: [1],
            list.map { p in
                Node<HTML.TableContext>.tr(.td(.text(t("pr.payment_event.\(p.event)"))), .td(.class("num mono"), .text(ProcurementShell.money(p.amountFen))),
                                           .td(.class("nowrap mono"), .text(p.dueOn)), .td(ProcurementShell.badge(t, "pr.payment_status", p.status)),
                                           .td(.class("nowrap small"), .text(Shell.dateTime(p.paidAt))))
            })
    }

    static func list(_ ctx: PageContext, _ m: ListModel) -> HTML {
        let t = ctx.t
        let base = ProcurementShell.Tab.invoices.href(m.project.id)
        let queue = m.invoices.filter { $0.status == "mismatch" }.count
        return ProcurementShell.page(ctx, tab: .invoices, project: m.project, projects: m.projects, title: t("pr.tab.invoices"), .group(
            .section(.class("card"), .id("pr-invoices"),
                .div(.class("toolbar"), .h2(.text(t("pr.invoices")), .span(.class("muted small"), .text(" \(m.invoices.count)"))),
                    .if(queue > 0 && m.status == nil, .a(.class("ch-st pr-flag"), .href("\(base)?status=mismatch"), .text(t("pr.mismatch_queue", ["n": "\(queue)"])))),
                    .div(.class("spacer")),
                    ProcurementShell.statusFilter(t, action: base, prefix: "pr.invoice_status", statuses: statuses, selected: m.status)),
                m.invoices.isEmpty ? ProcurementShell.empty(t("pr.no_invoices")) : table(t, m.invoices, names: m.names, orders: m.orders,
                                                                                               linkOrders: ProcurementShell.opensOrders(ctx, m.project.id)))))
    }

    static func show(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let i = m.invoice
        // Matched or accepted: finance pays it (when the prepayment covered it all, paying closes it with nothing more due).
        let payable = i.status == "matched" || i.status == "accepted"
        let rv = FormFailure.values(m.failure, form: resolveForm)
        return ProcurementShell.page(ctx, tab: .invoices, project: m.project, title: i.number, .group(
            .section(.class("card"), .id("pr-invoice"),
                .if(i.status != "mismatch", FormFailure.view(m.failure, form: resolveForm)),
                .div(.class("toolbar"), .h2(.text(t("pr.invoice_title", ["number": i.number])), .text(" "), ProcurementShell.badge(t, "pr.invoice_status", i.status)),
                    .div(.class("spacer")),
                    .if(payable && m.pays, .form(.class("inline"), .method(.post), .action("/procurement/invoices/\(i.id)/payment"), Shell.csrfField(ctx),
                        .button(.type(.submit), .class("primary"), .text(t("pr.pay")))))),
                .dl(.class("facts"),
                    .dt(.text(t("pr.order_number"))), .dd(ProcurementShell.orderRef(m.order.id, "\(m.order.number) \(m.order.title)",
                                                                                    link: ProcurementShell.opensOrders(ctx, m.project.id))),
                    .dt(.text(t("pr.supplier"))), .dd(.text(m.supplier)),
                    .dt(.text(t("pr.field.invoicedOn"))), .dd(.class("mono"), .text(i.invoicedOn)),
                    .dt(.text(t("pr.total"))), .dd(.class("mono"), .text(ProcurementShell.money(i.totalFen))),
                    .dt(.text(t("pr.match_problems"))), .dd(.text(problems(t, i.problemCodes))),
                    .unwrap(m.settlement) { st in .group(
                        .dt(.text(t("pr.prepayment_credited"))), .dd(.class("mono"), .text(ProcurementShell.money(st.creditedFen))),
                        .if(st.uncoveredFen > 0, .group(.dt(.text(t("pr.uncovered"))), .dd(.class("mono pr-flag"), .text(ProcurementShell.money(st.uncoveredFen)))))) },
                    .unwrap(m.resolution) { r in .group(
                        .dt(.text(t("pr.resolution"))), .dd(ProcurementShell.badge(t, "pr.invoice_status", r.outcome), .text(" " + r.reason),
                                                            .span(.class("muted small"), .text(" " + Shell.dateTime(r.decidedAt)))),
                        .unwrap(m.replacement) { n in .group(.dt(.text(t("pr.replaced_by"))),
                                                             .dd(.a(.class("mono"), .href("/procurement/invoices/\(n.id)"), .text(n.number)))) }) })),
            .if(i.status == "mismatch" && m.resolves, .section(.class("card"), .id("pr-resolve"),
                .h2(.text(t("pr.resolve_mismatch"))),
                .p(.class("muted small"), .text(t(m.accepts ? "pr.resolve_hint_manager" : "pr.resolve_hint"))),
                FormFailure.view(m.failure, form: resolveForm),
                .form(.class("ch-form"), .method(.post), .action("/procurement/invoices/\(i.id)/resolution"), Shell.csrfField(ctx),
                    ServiceShell.input(t, form: resolveForm, "reason", "pr.resolution_reason", value: rv["reason"] ?? "", failure: m.failure,
                                       required: true, wide: true, maxLength: 500),
                    .div(.class("actions full"),
                        .if(m.accepts, .button(.type(.submit), .name("outcome"), .value("accept"), .class("primary"), .text(t("pr.accept_mismatch")))),
                        .button(.type(.submit), .name("outcome"), .value("reject"), .text(t("pr.reject_invoice"))),
                        .a(.class("button"), .href("/procurement/invoices/\(i.id)/replacement"), .text(t("pr.replace_invoice"))))))),
            .section(.class("card"), .id("pr-match"),
                .h2(.text(t("pr.three_way_match"))),
                ProcurementShell.table([t("pr.field.material"), t("pr.ordered_qty"), t("pr.order_price"), t("pr.accepted"), t("pr.invoiced_qty"),
                                        t("pr.invoiced_price"), t("pr.amount"), t("pr.match_problems")], numeric: [1, 2, 3, 4, 5, 6],
                    m.lines.map { l in
                        let ol = m.orderLines[l.orderLineId]
                        let codes = l.problems.split(separator: ",").map(String.init)
                        return Node<HTML.TableContext>.tr(.class(codes.isEmpty ? "" : "pr-flagged"),
                            .td(.text(ol?.material ?? "")), .td(.class("num mono"), .text("\(ProcurementShell.qty(ol?.quantityMilli ?? 0)) \(ol?.unit ?? "")")),
                            .td(.class("num mono"), .text(ProcurementShell.money(ol?.unitPriceFen ?? 0))),
                            .td(.class("num mono"), .text("\(ProcurementShell.qty(m.accepted[l.orderLineId] ?? 0)) \(ol?.unit ?? "")")),
                            .td(.class("num mono"), .text("\(ProcurementShell.qty(l.quantityMilli)) \(ol?.unit ?? "")")),
                            .td(.class("num mono"), .text(ProcurementShell.money(l.unitPriceFen))),
                            .td(.class("num mono"), .text(ProcurementShell.money(l.amountFen))),
                            .td(.class("small"), .text(problems(t, codes))))
                    })),
            .section(.class("card"), .id("pr-invoice-payments"),
                .h2(.text(t("pr.payment_schedule"))),
                m.payments.isEmpty ? ProcurementShell.empty(t(i.status == "mismatch" ? "pr.no_payments_mismatch" : "pr.no_payments")) : payments(t, m.payments))))
    }

    static func new(_ ctx: PageContext, _ m: NewModel) -> HTML {
        let t = ctx.t
        let o = m.order
        let v = FormFailure.values(m.failure, form: form)
        let f = m.failure
        let title = m.replacing.map { t("pr.replace_invoice_title", ["number": $0.number]) } ?? t("pr.enter_invoice")
        let action = m.replacing.map { "/procurement/invoices/\($0.id)/replacement" } ?? "/procurement/orders/\(o.id)/invoice"
        return ProcurementShell.page(ctx, tab: .invoices, project: m.project, title: title, .group(
            .section(.class("card"), .id("pr-invoice-form"),
                .h2(.text(title), .text(" · "), .a(.href("/procurement/orders/\(o.id)"), .text("\(o.number) \(o.title)")),
                    .span(.class("muted small"), .text(" " + m.supplier))),
                .p(.class("muted small"), .text(t(m.replacing == nil ? "pr.enter_invoice_hint" : "pr.replace_invoice_hint"))),
                FormFailure.view(f, form: form),
                .form(.class("ch-form"), .method(.post), .action(action), Shell.csrfField(ctx),
                    .if(m.replacing != nil, ServiceShell.input(t, form: form, "reason", "pr.replacement_reason", value: v["reason"] ?? "", failure: f,
                                                               required: true, wide: true, maxLength: 500)),
                    ServiceShell.input(t, form: form, "number", "pr.invoice_number", value: v["number"] ?? "", failure: f, required: true, maxLength: 40),
                    ServiceShell.input(t, form: form, "invoicedOn", "pr.field.invoicedOn", .date, value: v["invoicedOn"] ?? m.today.description, failure: f,
                                       required: true),
                    .div(.class("table-wrap wide full"), .table(.class("data"),
                        .thead(.tr(.th(.text(t("pr.field.material"))), .th(.class("num"), .text(t("pr.ordered_qty"))), .th(.class("num"), .text(t("pr.order_price"))),
                                   .th(.class("num"), .text(t("pr.accepted"))), .th(.text(t("pr.invoiced_qty"))), .th(.text(t("pr.invoiced_price"))),
                                   .th(.text(t("pr.amount"))))),
                        .tbody(.group(m.lines.map { l in
                            func cell(_ name: String, label: String) -> Node<HTML.TableRowContext> {
                                .td(.class(f?.form == form && f?.has("\(name)_\(l.id)") == true ? "invalid" : ""),
                                    .input(.type(.text), .name("\(name)_\(l.id)"), .value(v["\(name)_\(l.id)"] ?? ""), .attribute(named: "inputmode", value: "decimal"),
                                           .attribute(named: "aria-label", value: "\(l.material) \(label)")))
                            }
                            return Node<HTML.TableContext>.tr(
                                .td(.text(l.material)), .td(.class("num mono"), .text("\(ProcurementShell.qty(l.quantityMilli)) \(l.unit)")),
                                .td(.class("num mono"), .text(ProcurementShell.money(l.unitPriceFen))),
                                .td(.class("num mono"), .text("\(ProcurementShell.qty(m.accepted[l.id] ?? 0)) \(l.unit)")),
                                cell("quantity", label: t("pr.invoiced_qty")), cell("unitPrice", label: t("pr.invoiced_price")), cell("amount", label: t("pr.amount")))
                        })))),
                    .button(.type(.submit), .class("primary"), .text(t("pr.enter_invoice_submit")))))))
    }
}
