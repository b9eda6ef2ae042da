import EstateCore
import Foundation
import Plot

extension OrderPages {
    static let form = "order"

    /// "+12.5%" above (or below) the median.
    static func deviation(_ price: Int64, median: Int64?) -> String {
        guard let median, median > 0 else { return "—" }
        let permille = (price - median) * 1000 / median
        let sign = permille > 0 ? "+" : permille < 0 ? "−" : ""
        return "\(sign)\(abs(permille) / 10).\(abs(permille) % 10)%"
    }

    static func lineLabel(_ t: Localizer, _ l: OpenLine) -> String {
        "\(t("pr.plan_title", ["period": l.plan.period])) · \(l.line.material)（\(ProcurementShell.qty(l.line.quantityMilli)) \(l.line.unit)）· "
            + t("pr.remaining_amount", ["amount": l.line.remaining.description])
    }

    static func list(_ ctx: PageContext, _ m: ListModel) -> HTML {
        let t = ctx.t
        let v = FormFailure.values(m.failure, form: form)
        let base = ProcurementShell.Tab.orders.href(m.project.id)
        return ProcurementShell.page(ctx, tab: .orders, project: m.project, projects: m.projects, title: t("pr.tab.orders"), .group(
            .section(.class("card"), .id("pr-orders"),
                .div(.class("toolbar"), .h2(.text(t("pr.orders")), .span(.class("muted small"), .text(" \(m.orders.count)"))), .div(.class("spacer")),
                    ProcurementShell.statusFilter(t, action: base, prefix: "pr.order_status", statuses: statuses, selected: m.status)),
                m.orders.isEmpty ? ProcurementShell.empty(t("pr.no_orders")) : .div(.class("table-wrap"), .table(.class("data"),
                    .thead(.tr(.th(.text(t("pr.order_number"))), .th(.text(t("pr.order_title"))), .th(.text(t("pr.supplier"))),
                               .th(.class("num"), .text(t("pr.total"))), .th(.text(t("pr.approver"))), .th(.text(t("field.status"))),
                               .th(.text(t("pr.created"))))),
                    .tbody(.group(m.orders.map { o in
                        Node<HTML.TableContext>.tr(.class(o.flaggedLines > 0 ? "pr-flagged" : ""),
                            .td(.class("mono"), .a(.href("/procurement/orders/\(o.id)"), .text(o.number))),
                            .td(.text(o.title), .if(o.flaggedLines > 0, .span(.class("ch-st pr-flag"), .text(" " + t("pr.price_flagged")))),
                                .if(o.publicTender, .span(.class("ch-st pr-flag"), .text(" " + t("pr.public_tender"))))),
                            .td(.text(m.names[o.supplierId] ?? "")),
                            .td(.class("num mono"), .text(ProcurementShell.money(o.totalFen))),
                            .td(.text(t.catalog.has("role.\(o.requiredRole)") ? t("role.\(o.requiredRole)") : o.requiredRole)),
                            .td(ProcurementShell.badge(t, "pr.order_status", o.status)),
                            .td(.class("nowrap small"), .text(Shell.dateTime(o.createdAt))))
                    })),
                    .tfoot(.tr(.class("total"), .th(.attribute(named: "colspan", value: "3"), .text(t("pr.orders_total", ["n": "\(m.orders.count)"]))),
                               .td(.class("num mono"), .strong(.text(m.total.description))), .td(.attribute(named: "colspan", value: "3"))))))),
            .section(.class("card"), .id("pr-order-form"),
                .h2(.text(t("pr.file_order"))),
                .p(.class("muted small"), .text(t("pr.file_order_hint"))),
                FormFailure.view(m.failure, form: form),
                m.lines.isEmpty ? ProcurementShell.empty(t("pr.no_open_lines")) :
                .form(.class("ch-form"), .method(.post), .action(base), Shell.csrfField(ctx),
                    ServiceShell.select(t, form: form, "line", "pr.field.planLine",
                                        m.lines.map { ("\($0.plan.id)|\($0.line.id)", lineLabel(t, $0)) },
                                        selected: v["line"] ?? m.lines.first { $0.line.id.uuidString == m.chosenLine }.map { "\($0.plan.id)|\($0.line.id)" },
                                        failure: m.failure, errorFields: ["line", "planId", "planLineId", "lines"], required: true, cls: "wide"),
                    ServiceShell.select(t, form: form, "supplierId", "pr.supplier", m.suppliers.map { ($0.id.uuidString, $0.name) },
                                        selected: v["supplierId"], failure: m.failure, empty: t("pr.choose_supplier"), required: true),
                    ServiceShell.input(t, form: form, "title", "pr.order_title", value: v["title"] ?? "", failure: m.failure, required: true, maxLength: 100),
                    ServiceShell.input(t, form: form, "quantity", "pr.field.quantity", value: v["quantity"] ?? "", failure: m.failure, required: true),
                    ServiceShell.input(t, form: form, "unitPrice", "pr.field.unitPrice", value: v["unitPrice"] ?? "", failure: m.failure, required: true),
                    ServiceShell.input(t, form: form, "dueOn", "pr.field.dueOn", .date, value: v["dueOn"] ?? "", failure: m.failure, required: true),
                    ServiceShell.textarea(t, form: form, "priceReason", "pr.field.priceReason", value: v["priceReason"] ?? "", failure: m.failure,
                                          rows: 2, maxLength: 500, placeholder: t("pr.price_reason_hint")),
                    .p(.class("muted small wide full"), .text(t("pr.standard_terms"))),
                    .button(.type(.submit), .class("primary"), .text(t("pr.file_order_submit")))))))
    }

    static func show(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let o = m.order
        let title = "\(o.number) \(o.title)"
        let terms = o.terms
        let parts = PaymentTerm.split(Money(fen: o.totalFen), terms)
        let handles = ctx.principal?.may(.procurementHandle, on: o.projectId) == true
        return ProcurementShell.page(ctx, tab: .orders, project: m.project, title: title, .group(
            .section(.class("card"), .id("pr-order"),
                .div(.class("toolbar"), .h2(.text(title), .text(" "), ProcurementShell.badge(t, "pr.order_status", o.status)), .div(.class("spacer")),
                    .if(o.status == "approved" && handles, .group(
                        .a(.class("button"), .href("/procurement/orders/\(o.id)/delivery"), .text(t("pr.record_delivery"))),
                        .a(.class("button"), .href("/procurement/orders/\(o.id)/invoice"), .text(t("pr.enter_invoice")))))),
                .dl(.class("facts"),
                    .dt(.text(t("pr.supplier"))), .dd(.a(.href("/procurement/suppliers/\(o.supplierId)"), .text(m.names[o.supplierId] ?? ""))),
                    .dt(.text(t("pr.category"))), .dd(.text(ProcurementShell.category(t, o.category))),
                    .dt(.text(t("pr.total"))), .dd(.class("mono"), .text(ProcurementShell.money(o.totalFen))),
                    .dt(.text(t("pr.approver"))), .dd(.text(PlanPages.approver(t, o.requiredRole, version: o.matrixVersion))),
                    .dt(.text(t("pr.approval"))), .dd(.unwrap(o.approvalId, { .a(.href("/approvals/\($0)"), .text(t("pr.order_status.\(o.status)"))) },
                                                              else: .text("—"))),
                    .dt(.text(t("pr.decided"))), .dd(.text(Shell.dateTime(o.decidedAt))),
                    .unwrap(o.score) { .group(.dt(.text(t("pr.report.scores"))), .dd(.text("\($0) · \(t("pr.score.standing.\(Scorecard.standing($0).rawValue)"))"))) },
                    .if(o.publicTender, .group(.dt(.text(t("pr.public_tender"))), .dd(.text(t("pr.public_tender_note"))))),
                    .if(!o.priceReason.isEmpty, .group(.dt(.text(t("pr.field.priceReason"))), .dd(.text(o.priceReason)))))),
            .section(.class("card"), .id("pr-order-lines"),
                .h2(.text(t("pr.order_lines"))),
                .div(.class("table-wrap"), .table(.class("data"),
                    .thead(.tr(.th(.text("#")), .th(.text(t("pr.field.material"))), .th(.class("num"), .text(t("pr.field.quantity"))),
                               .th(.class("num"), .text(t("pr.field.unitPrice"))), .th(.class("num"), .text(t("pr.median_90"))),
                               .th(.class("num"), .text(t("pr.deviation"))), .th(.class("num"), .text(t("pr.amount"))), .th(.text(t("pr.field.dueOn"))))),
                    .tbody(.group(m.lines.map { l in
                        Node<HTML.TableContext>.group(
                            .tr(.class(l.flagged ? "pr-flagged" : ""),
                                .td(.text("\(l.position)")), .td(.text(l.material), .if(l.flagged, .span(.class("ch-st pr-flag"), .text(" " + t("pr.price_flagged"))))),
                                .td(.class("num mono"), .text("\(ProcurementShell.qty(l.quantityMilli)) \(l.unit)")),
                                .td(.class("num mono"), .text(ProcurementShell.money(l.unitPriceFen))),
                                .td(.class("num mono"), .text(l.medianFen.map(ProcurementShell.money) ?? "—")),
                                .td(.class("num mono"), .text(deviation(l.unitPriceFen, median: l.medianFen))),
                                .td(.class("num mono"), .text(ProcurementShell.money(l.amountFen))), .td(.class("nowrap mono"), .text(l.dueOn))),
                            .if(l.flagged, .tr(.class("pr-flagged pr-flag-reason"), .td(), .td(.attribute(named: "colspan", value: "7"),
                                .text(t("pr.flag_reason_line", ["reason": o.priceReason.isEmpty ? "—" : o.priceReason]))))))
                    }))))),
            .section(.class("card"), .id("pr-order-terms"),
                .h2(.text(t("pr.payment_terms"))),
                ProcurementShell.table([t("pr.payment_event"), t("pr.share"), t("pr.days_after"), t("pr.amount")], numeric: [1, 2, 3],
                    zip(terms, parts).map { term, part in
                        Node<HTML.TableContext>.tr(.td(.text(t("pr.payment_event.\(term.event.rawValue)"))),
                                                   .td(.class("num mono"), .text("\(term.permyriad / 100)%")),
                                                   .td(.class("num mono"), .text("\(term.days)")), .td(.class("num mono"), .text(part.description)))
                    })),
            .section(.class("card"), .id("pr-order-deliveries"),
                .h2(.text(t("pr.deliveries")), .span(.class("muted small"), .text(" \(m.deliveries.count)"))),
                m.deliveries.isEmpty ? ProcurementShell.empty(t("pr.no_deliveries")) : DeliveryPages.table(t, m.deliveries, names: m.names, orders: [o.id: o])),
            m.rating.view(ctx, failure: m.failure),
            .section(.class("card"), .id("pr-order-invoices"),
                .h2(.text(t("pr.invoices")), .span(.class("muted small"), .text(" \(m.invoices.count)"))),
                m.invoices.isEmpty ? ProcurementShell.empty(t("pr.no_invoices")) : InvoicePages.table(t, m.invoices, names: m.names, orders: [o.id: o]),
                m.payments.isEmpty ? .empty : .group(.h3(.text(t("pr.payment_schedule"))), InvoicePages.payments(t, m.payments))),
            .section(.class("card"), .id("pr-price-history"),
                .h2(.text(t("pr.price_history"))),
                .group(m.history.enumerated().map { i, h in priceHistory(t, id: "pr-ph-\(i)", material: h.material, unit: h.unit, points: h.points, names: m.names) }))))
    }

    /// 市场行情: a material's price records as bars (元 per unit), with the records listed under the chart.
    static func priceHistory(_ t: Localizer, id: String, material: String, unit: String, points: [PurchaseOrderService.PricePoint],
                             names: [UUID: String]) -> Node<HTML.BodyContext> {
        return .div(.class("pr-history"),
            .h3(.text("\(material)（\(t("pr.per_unit", ["unit": unit]))）")),
            points.isEmpty ? ProcurementShell.empty(t("pr.no_prices")) : .group(
                .div(.class("chart-box"), SVGChart.columns(
                    id: id, title: t("pr.price_history_of", ["item": material]), labels: points.map { String($0.recordedOn.dropFirst(5)) },
                    bars: [.init(name: t("pr.field.unitPrice"), values: points.map { Double($0.unitPriceFen) / 100 }, fill: .dark)],
                    leftTitle: t("pr.yuan"))),
                .h4(.class("muted small"), .text(t("pr.price_records", ["n": "\(points.count)"]))), .group(
                    ProcurementShell.table([t("pr.recorded_on"), t("pr.field.unitPrice"), t("pr.source"), t("pr.supplier")], numeric: [1],
                        points.map { p in
                            Node<HTML.TableContext>.tr(.td(.class("mono"), .text(p.recordedOn)), .td(.class("num mono"), .text(ProcurementShell.money(p.unitPriceFen))),
                                                       .td(.text(t.catalog.has("pr.source.\(p.source)") ? t("pr.source.\(p.source)") : p.source)),
                                                       .td(.text(p.supplierId.flatMap { names[$0] } ?? "—")))
                        }))))
    }
}
