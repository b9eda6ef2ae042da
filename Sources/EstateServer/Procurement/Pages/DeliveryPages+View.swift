import EstateCore
import Foundation
import Plot

extension DeliveryPages {
    static let inspectForm = "inspect"
    static let recordForm = "delivery"
    static let returnForm = "return"
    static let stockInForm = "stockin"

    static func table(_ t: Localizer, _ list: [DeliveryService.Delivery], names: [UUID: String],
                      orders: [UUID: PurchaseOrderService.Order] = [:], linkOrders: Bool = true) -> Node<HTML.BodyContext> {
        ProcurementShell.table([t("pr.delivery_number"), t("pr.order_number"), t("pr.supplier"), t("pr.field.deliveredOn"), t("pr.field.batch"),
                                t("pr.field.store"), t("field.status")],
            list.map { d in
                Node<HTML.TableContext>.tr(
                    .td(.class("mono"), .a(.href("/procurement/deliveries/\(d.id)"), .text(d.number))),
                    .td(.class("mono"), ProcurementShell.orderRef(d.orderId, orders[d.orderId]?.number ?? "↗", link: linkOrders)),
                    .td(.text(names[d.supplierId] ?? "")), .td(.class("nowrap mono"), .text(d.deliveredOn)), .td(.text(d.batch)),
                    .td(.text(d.store.isEmpty ? "—" : d.store)), .td(ProcurementShell.badge(t, "pr.delivery_status", d.status)))
            })
    }

    static func list(_ ctx: PageContext, _ m: ListModel) -> HTML {
        let t = ctx.t
        let waiting = m.deliveries.filter { $0.status == "received" }.count
        return ProcurementShell.page(ctx, tab: .deliveries, project: m.project, projects: m.projects, title: t("pr.tab.deliveries"), .group(
            .section(.class("card"), .id("pr-deliveries"),
                .h2(.text(t("pr.deliveries")), .span(.class("muted small"), .text(" " + t("pr.awaiting_inspection", ["n": "\(waiting)"])))),
                m.deliveries.isEmpty ? ProcurementShell.empty(t("pr.no_deliveries")) : table(t, m.deliveries, names: m.names, orders: m.orders,
                                                                                                    linkOrders: ProcurementShell.opensOrders(ctx, m.project.id))),
            .if(m.handles, .section(.class("card"), .id("pr-delivery-orders"),
                .h2(.text(t("pr.record_delivery"))),
                .p(.class("muted small"), .text(t("pr.record_delivery_hint"))),
                m.approved.isEmpty ? ProcurementShell.empty(t("pr.no_approved_orders")) : ProcurementShell.table(
                    [t("pr.order_number"), t("pr.order_title"), t("pr.supplier"), t("pr.total"), ""], numeric: [3],
                    m.approved.map { o in
                        Node<HTML.TableContext>.tr(.td(.class("mono"), .a(.href("/procurement/orders/\(o.id)"), .text(o.number))), .td(.text(o.title)),
                                                   .td(.text(m.names[o.supplierId] ?? "")), .td(.class("num mono"), .text(ProcurementShell.money(o.totalFen))),
                                                   .td(.class("nowrap"), .a(.href("/procurement/orders/\(o.id)/delivery"), .text(t("pr.record_delivery"))), .text(" · "),
                                                       .a(.href("/procurement/orders/\(o.id)/invoice"), .text(t("pr.enter_invoice")))))
                    })))))
    }

    static func show(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let d = m.delivery
        let v = FormFailure.values(m.failure, form: inspectForm)
        let f = m.failure
        return ProcurementShell.page(ctx, tab: .deliveries, project: m.project, title: d.number, .group(
            .section(.class("card"), .id("pr-delivery"),
                .div(.class("toolbar"), .h2(.text(t("pr.delivery_title", ["number": d.number])), .text(" "), ProcurementShell.badge(t, "pr.delivery_status", d.status))),
                .dl(.class("facts"),
                    .dt(.text(t("pr.order_number"))), .dd(ProcurementShell.orderRef(m.order.id, "\(m.order.number) \(m.order.title)",
                                                                                    link: ProcurementShell.opensOrders(ctx, m.project.id))),
                    .dt(.text(t("pr.supplier"))), .dd(.text(m.supplier)),
                    .dt(.text(t("pr.field.deliveredOn"))), .dd(.class("mono"), .text(d.deliveredOn)),
                    .dt(.text(t("pr.field.batch"))), .dd(.text(d.batch)),
                    .dt(.text(t("pr.field.store"))), .dd(.text(d.store.isEmpty ? "—" : d.store)),
                    .dt(.text(t("pr.inspected_at"))), .dd(.text(Shell.dateTime(d.inspectedAt))),
                    .dt(.text(t("pr.field.units"))), .dd(.text(m.units.isEmpty ? "—" : m.units.map { "\($0.code)（\(t("ticket.component.\($0.component)"))）" }
                        .joined(separator: "、"))))),
            .section(.class("card"), .id("pr-delivery-lines"),
                .h2(.text(t("pr.delivery_lines"))),
                ProcurementShell.table([t("pr.field.material"), t("pr.delivered"), t("pr.accepted"), t("pr.rejected"), t("pr.returned"), t("pr.field.reason"),
                                        t("pr.on_time")], numeric: [1, 2, 3, 4],
                    m.lines.map { l in
                        let ol = m.orderLines[l.orderLineId]
                        return Node<HTML.TableContext>.tr(.class(l.rejectedMilli > 0 ? "pr-flagged" : ""),
                            .td(.text(ol?.material ?? "")), .td(.class("num mono"), .text("\(ProcurementShell.qty(l.deliveredMilli)) \(ol?.unit ?? "")")),
                            .td(.class("num mono"), .text(d.status == "inspected" ? ProcurementShell.qty(l.acceptedMilli) : "—")),
                            .td(.class("num mono"), .text(d.status == "inspected" ? ProcurementShell.qty(l.rejectedMilli) : "—")),
                            .td(.class("num mono"), .text(d.status == "inspected" ? ProcurementShell.qty(l.returnedMilli) : "—")),
                            .td(.text(l.reason.isEmpty ? "—" : l.reason)), .td(.text(t(l.onTime ? "pr.yes" : "pr.late"))))
                    })),
            photos(ctx, m),
            .if(d.status == "inspected", returns(ctx, m)),
            .if(d.status == "inspected", stockIn(ctx, m)),
            m.rating.view(ctx, failure: m.failure),
            .if(d.status == "received" && m.inspects, .section(.class("card"), .id("pr-inspection"),
                .h2(.text(t("pr.inspection"))),
                .p(.class("muted small"), .text(t("pr.inspection_hint"))),
                FormFailure.view(f, form: inspectForm),
                .form(.class("ch-form"), .method(.post), .action("/procurement/deliveries/\(d.id)/inspection"), Shell.csrfField(ctx),
                    .div(.class("table-wrap wide full"), .table(.class("data"),
                        .thead(.tr(.th(.text(t("pr.field.material"))), .th(.class("num"), .text(t("pr.delivered"))), .th(.text(t("pr.accepted"))),
                                   .th(.text(t("pr.rejected"))), .th(.text(t("pr.field.reason"))), .th(.text(t("pr.returned"))))),
                        .tbody(.group(m.lines.map { l in
                            let ol = m.orderLines[l.orderLineId]
                            func cell(_ name: String, _ value: String, label: String) -> Node<HTML.TableRowContext> {
                                .td(.class(f?.form == inspectForm && f?.has("\(name)_\(l.id)") == true ? "invalid" : ""),
                                    .input(.type(.text), .name("\(name)_\(l.id)"), .value(value), .attribute(named: "aria-label", value: "\(ol?.material ?? "") \(label)")))
                            }
                            return Node<HTML.TableContext>.tr(
                                .td(.text(ol?.material ?? "")), .td(.class("num mono"), .text("\(ProcurementShell.qty(l.deliveredMilli)) \(ol?.unit ?? "")")),
                                cell("accepted", v["accepted_\(l.id)"] ?? ProcurementShell.qty(l.deliveredMilli), label: t("pr.accepted")),
                                cell("rejected", v["rejected_\(l.id)"] ?? "0", label: t("pr.rejected")),
                                cell("reason", v["reason_\(l.id)"] ?? "", label: t("pr.field.reason")),
                                .td(.input(.type(.checkbox), .name("returned_\(l.id)"), .value("1"), .checked(v["returned_\(l.id)"] == "1"),
                                           .attribute(named: "aria-label", value: "\(ol?.material ?? "") \(t("pr.returned"))"))))
                        })))),
                    .button(.type(.submit), .class("primary"), .text(t("pr.inspect_submit"))))))))
    }

    /// 验收照片: the inspection's photos (opened full size in a new tab) and, for who inspects, the upload form.
    static func photos(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t
        guard !m.photos.isEmpty || m.inspects else { return .empty }
        return .section(.class("card"), .id("pr-photos"),
            .h2(.text(t("pr.photos"))),
            m.photos.isEmpty ? ProcurementShell.empty(t("pr.no_photos")) : .div(.class("pr-photos"), .group(m.photos.map { a in
                .div(.class("pr-photo"),
                     .a(.href("/procurement/attachments/\(a.id)"), .attribute(named: "target", value: "_blank"),
                        .img(.src("/procurement/attachments/\(a.id)"), .alt(a.title.isEmpty ? t("pr.photos") : a.title), .attribute(named: "loading", value: "lazy"))),
                     .p(.class("small muted"), .text(a.title.isEmpty ? Shell.dateTime(a.createdAt) : "\(a.title) · \(Shell.dateTime(a.createdAt))")))
            })),
            .if(m.inspects, .form(.class("inline"), .method(.post), .action("/procurement/deliveries/\(m.delivery.id)/photos?_csrf=\(ctx.csrf ?? "")"),
                                  .enctype(.multipartData), Shell.csrfField(ctx),
                .input(.type(.text), .name("title"), .attribute(named: "maxlength", value: "100"), .attribute(named: "placeholder", value: t("pr.photo_title_hint")),
                       .attribute(named: "aria-label", value: t("pr.field.title"))),
                .input(.type(.file), .name("file"), .required(true), .attribute(named: "accept", value: "image/jpeg,image/png,image/webp"),
                       .attribute(named: "aria-label", value: t("pr.photo_add"))),
                .button(.type(.submit), .text(t("pr.photo_add"))))))
    }

    /// 退货: the returns so far (who, when, why) and, for procurement, the form returning more of a line's rejected goods.
    static func returns(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let v = FormFailure.values(m.failure, form: returnForm)
        let f = m.failure
        let open = m.lines.filter { $0.rejectedMilli > $0.returnedMilli }
        guard !m.returns.isEmpty || !open.isEmpty else { return .empty }
        let material = { (id: UUID) -> String in m.lines.first { $0.id == id }.flatMap { m.orderLines[$0.orderLineId] }.map { "\($0.material)（\($0.unit)）" } ?? "" }
        return .section(.class("card"), .id("pr-returns"),
            .h2(.text(t("pr.returns"))),
            m.returns.isEmpty ? ProcurementShell.empty(t("pr.no_returns")) : ProcurementShell.table(
                [t("pr.field.returnedOn"), t("pr.field.material"), t("pr.returned"), t("pr.field.returnReason"), t("pr.ledger.by")], numeric: [2],
                m.returns.map { r in
                    Node<HTML.TableContext>.tr(.td(.class("nowrap mono"), .text(r.returnedOn)), .td(.text(material(r.deliveryLineId))),
                                               .td(.class("num mono"), .text(ProcurementShell.qty(r.quantityMilli))), .td(.text(r.reason)),
                                               .td(.text(r.createdBy.flatMap { m.names[$0] } ?? "")))
                }),
            .if(m.handles && !open.isEmpty, .group(
                .h3(.text(t("pr.return_goods"))),
                .p(.class("muted small"), .text(t("pr.return_hint"))),
                FormFailure.view(f, form: returnForm),
                .form(.class("ch-form"), .method(.post), .action("/procurement/deliveries/\(m.delivery.id)/returns"), Shell.csrfField(ctx),
                    ServiceShell.select(t, form: returnForm, "lineId", "pr.field.material",
                                        open.map { l in (l.id.uuidString, "\(material(l.id)) · \(t("pr.left_to_return", ["n": ProcurementShell.qty(l.rejectedMilli - l.returnedMilli)]))") },
                                        selected: v["lineId"], failure: f, required: true),
                    ServiceShell.input(t, form: returnForm, "quantity", "pr.field.quantity", value: v["quantity"] ?? "", failure: f, required: true, maxLength: 12),
                    ServiceShell.input(t, form: returnForm, "returnedOn", "pr.field.returnedOn", .date, value: v["returnedOn"] ?? m.today.description,
                                       failure: f, required: true),
                    ServiceShell.input(t, form: returnForm, "reason", "pr.field.returnReason", value: v["reason"] ?? "", failure: f, required: true, wide: true,
                                       maxLength: 500),
                    .button(.type(.submit), .class("primary"), .text(t("pr.return_submit")))))))
    }

    /// 入库: where the accepted goods went, or (procurement, before it) the form choosing the project's store.
    static func stockIn(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let v = FormFailure.values(m.failure, form: stockInForm)
        guard m.lines.contains(where: { $0.acceptedMilli > 0 }) else { return .empty }
        if let into = m.stockedInto {
            return .section(.class("card"), .id("pr-stock-in"), .h2(.text(t("pr.stock_in"))),
                            .p(.text(t("pr.stocked_into")), .text(" "), .a(.href("/procurement/stores/\(into.id)"), .text(into.name))))
        }
        guard m.handles else { return .empty }
        let preferred = v["storeId"] ?? m.delivery.storeId?.uuidString
        return .section(.class("card"), .id("pr-stock-in"),
            .h2(.text(t("pr.stock_in"))),
            .p(.class("muted small"), .text(t("pr.stock_in_hint"))),
            FormFailure.view(m.failure, form: stockInForm),
            m.stores.isEmpty
                ? .p(.class("muted"), .text(t("pr.no_stores")), .text(" "), .a(.href(ProcurementShell.Tab.stores.href(m.project.id)), .text(t("pr.add_store"))))
                : .form(.class("ch-form"), .method(.post), .action("/procurement/deliveries/\(m.delivery.id)/stock-in"), Shell.csrfField(ctx),
                    ServiceShell.select(t, form: stockInForm, "storeId", "pr.field.store", m.stores.map { ($0.id.uuidString, $0.name) }, selected: preferred,
                                        failure: m.failure, required: true),
                    .button(.type(.submit), .class("primary"), .text(t("pr.stock_in_submit")))))
    }

    static func new(_ ctx: PageContext, _ m: NewModel) -> HTML {
        let t = ctx.t
        let o = m.order
        let v = FormFailure.values(m.failure, form: recordForm)
        let f = m.failure
        return ProcurementShell.page(ctx, tab: .deliveries, project: m.project, title: t("pr.record_delivery"), .group(
            .section(.class("card"), .id("pr-delivery-form"),
                .h2(.text(t("pr.record_delivery")), .text(" · "), .a(.href("/procurement/orders/\(o.id)"), .text("\(o.number) \(o.title)")),
                    .span(.class("muted small"), .text(" " + m.supplier))),
                FormFailure.view(f, form: recordForm),
                .form(.class("ch-form"), .method(.post), .action("/procurement/orders/\(o.id)/delivery"), Shell.csrfField(ctx),
                    ServiceShell.input(t, form: recordForm, "deliveredOn", "pr.field.deliveredOn", .date, value: v["deliveredOn"] ?? m.today.description,
                                       failure: f, required: true),
                    ServiceShell.input(t, form: recordForm, "batch", "pr.field.batch", value: v["batch"] ?? "", failure: f, required: true, maxLength: 60),
                    ServiceShell.select(t, form: recordForm, "storeId", "pr.field.store", m.stores.map { ($0.id.uuidString, $0.name) },
                                        selected: v["storeId"] ?? "", failure: f, empty: t("pr.store_none")),
                    ServiceShell.input(t, form: recordForm, "store", "pr.field.place", value: v["store"] ?? "", failure: f, hint: t("pr.place_hint"),
                                       placeholder: t("pr.store_hint"), maxLength: 60),
                    .div(.class("table-wrap wide full"), .table(.class("data"),
                        .thead(.tr(.th(.text(t("pr.field.material"))), .th(.class("num"), .text(t("pr.ordered_qty"))), .th(.class("num"), .text(t("pr.delivered"))),
                                   .th(.text(t("pr.this_delivery"))))),
                        .tbody(.group(m.lines.map { l in
                            Node<HTML.TableContext>.tr(
                                .td(.text(l.material)), .td(.class("num mono"), .text("\(ProcurementShell.qty(l.quantityMilli)) \(l.unit)")),
                                .td(.class("num mono"), .text("\(ProcurementShell.qty(m.delivered[l.id] ?? 0)) \(l.unit)")),
                                .td(.class(f?.form == recordForm && f?.has("quantity_\(l.id)") == true ? "invalid" : ""),
                                    .input(.type(.text), .name("quantity_\(l.id)"), .value(v["quantity_\(l.id)"] ?? ""),
                                           .attribute(named: "inputmode", value: "decimal"), .attribute(named: "aria-label", value: "\(l.material) \(t("pr.this_delivery"))"))))
                        })))),
                    ServiceShell.input(t, form: recordForm, "units", "pr.field.units", value: v["units"] ?? "", failure: f, hint: t("pr.units_hint"),
                                       placeholder: "2-1-0101、2-1-0102", wide: true, maxLength: 4000),
                    ServiceShell.select(t, form: recordForm, "component", "pr.field.component",
                                        RepairComponent.allCases.map { ($0.rawValue, t($0.catalogKey)) }, selected: v["component"], failure: f,
                                        empty: t("pr.choose_component")),
                    .button(.type(.submit), .class("primary"), .text(t("pr.record_delivery_submit")))))))
    }
}
