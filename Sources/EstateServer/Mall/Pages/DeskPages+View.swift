import EstateCore
import Foundation
import Plot

extension DeskPages {
    typealias F = MallShell
    typealias R = RegisterPages

    // MARK: Orders for tenants

    static func orders(_ ctx: PageContext, _ m: OrdersModel) -> HTML {
        let t = ctx.t
        let heads = [t("mall.number"), t("desk_order.kind"), t("mall.shop_name"), t("desk_order.customer"), t("desk_order.details"), t("desk_order.due"),
                     t("field.status"), ""]
        func row(_ o: DeskOrderService.Order) -> Node<HTML.TableContext> {
            .tr(.class(o.overdue(today: m.today) ? "overdue" : ""),
                .td(.class("mono"), .text(o.number)), .td(.class("nowrap"), .text(t("desk_order.kind.\(o.kind)"))), .td(.text(m.tenantName(o.tenantId))),
                .td(.text(o.customerName), .span(.class("muted small"), .text(" \(Masking.mobile(o.customerMobile))")),
                    .if(!o.organisation.isEmpty, .span(.class("muted small"), .text(" · \(o.organisation)")))),
                .td(.text(o.details), .unwrap(o.quantity) { .span(.class("muted small"), .text(" × \($0)")) }),
                .td(.class(o.overdue(today: m.today) ? "nowrap sla-over" : "nowrap"), .text(o.dueOn),
                    .if(o.overdue(today: m.today), .span(.class("badge warn"), .text(" " + t("desk_order.overdue"))))),
                .td(.text(t("desk_order.status.\(o.status)")),
                    .unwrap(o.tenantContact) { .span(.class("muted small"), .text(" · \(t("desk_order.tenant_contact")) \($0)")) },
                    .unwrap(o.tenantAnswer) { .span(.class("muted small"), .text(" · \($0)")) },
                    .unwrap(o.closeNote.flatMap { $0.isEmpty ? nil : $0 }) { .span(.class("muted small"), .text(" · \($0)")) }),
                .td(.class("nowrap"), actions(ctx, o)))
        }
        return F.page(ctx, mall: m.mall, malls: m.malls, tab: .orders, title: t("mall.tab.orders"), .group(
            .section(.class("card"), .id("do-list"),
                .h2(.text(t("desk_order.open")), .span(.class("muted small"), .text(" " + t("desk_order.rule")))),
                R.table(heads, m.open.map(row), empty: t("mall.none"))),
            .section(.class("card"), .id("do-take"),
                .h2(.text(t("desk_order.take"))),
                .form(.class("grid-form"), .method(.post), .action("/malls/\(m.mall.id)/orders"), Shell.csrfField(ctx),
                    F.field("do-kind", t("desk_order.kind"), .select(.named("kind", id: "do-kind"),
                        .group(DeskOrderKind.allCases.map { Node<HTML.SelectContext>.choice($0.rawValue, t("desk_order.kind.\($0.rawValue)")) }))),
                    F.field("do-tenant", t("mall.shop_name"), .select(.named("tenantId", id: "do-tenant"),
                        .group(m.tenants.map { Node<HTML.SelectContext>.choice($0.id.uuidString, "\($0.unitNo) \($0.shopName)") }))),
                    F.field("do-name", t("desk_order.customer"), F.text("customerName", id: "do-name", max: 40)),
                    F.field("do-mobile", t("field.mobile"), F.text("customerMobile", id: "do-mobile", max: 20)),
                    F.field("do-org", t("desk_order.organisation"), F.text("organisation", id: "do-org", max: 60, required: false)),
                    F.field("do-qty", t("desk_order.quantity"), .input(.type(.number), .id("do-qty"), .name("quantity"), .attribute(named: "min", value: "1"),
                                                                        .attribute(named: "max", value: "100000"))),
                    F.field("do-due", t("desk_order.due"), .input(.type(.date), .id("do-due"), .name("dueOn"), .required(true),
                                                                   .value(m.today.adding(days: 1).description), .attribute(named: "min", value: m.today.description))),
                    F.field("do-details", t("desk_order.details"), .textarea(.name("details"), .id("do-details"), .attribute(named: "maxlength", value: "500"),
                                                                             .required(true), .attribute(named: "placeholder", value: t("desk_order.details_hint")))),
                    .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("desk_order.take")))))),
            .section(.class("card"), .id("do-closed"),
                .h2(.text(t("desk_order.closed"))),
                R.table(heads, m.recent.map(row), empty: t("mall.none")))))
    }

    static func textInput(_ t: Localizer, _ key: String, required: Bool = true) -> Node<HTML.FormContext> {
        .input(.type(.text), .name("text"), .attribute(named: "size", value: "10"), .attribute(named: "maxlength", value: "200"), .required(required),
               .attribute(named: "placeholder", value: t(key)), .attribute(named: "aria-label", value: t(key)))
    }

    static func actions(_ ctx: PageContext, _ o: DeskOrderService.Order) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let action = "/desk-orders/\(o.id)/steps"
        switch o.orderStatus {
        case .taken:
            return .group(R.post(ctx, action, t("desk_order.step.pass"), hidden: [("step", "pass")], [textInput(t, "desk_order.tenant_contact")], primary: true),
                          R.post(ctx, action, t("desk_order.step.cancel"), hidden: [("step", "cancel")], [textInput(t, "desk_order.reason")]))
        case .passed:
            return .form(.class("inline"), .method(.post), .action(action), Shell.csrfField(ctx), textInput(t, "desk_order.answer"),
                         .button(.type(.submit), .name("step"), .value("confirm"), .class("primary"), .text(t("desk_order.step.confirm"))),
                         .button(.type(.submit), .name("step"), .value("decline"), .text(t("desk_order.step.decline"))))
        case .confirmed:
            return .group(R.post(ctx, action, t("desk_order.step.done"), hidden: [("step", "done")], [textInput(t, "field.note", required: false)], primary: true),
                          R.post(ctx, action, t("desk_order.step.cancel"), hidden: [("step", "cancel")], [textInput(t, "desk_order.reason")]))
        case .declined:
            return R.post(ctx, action, t("desk_order.step.close"), hidden: [("step", "cancel")], [textInput(t, "desk_order.reason")])
        case .done, .cancelled:
            return .empty
        }
    }

    // MARK: The rota

    static func rota(_ ctx: PageContext, _ m: RotaModel) -> HTML {
        let t = ctx.t
        let base = "/malls/\(m.mall.id)/rota"
        let days = (0..<7).map { m.monday.adding(days: $0) }
        func cell(_ s: RotaService.Shift) -> Node<HTML.TableRowContext> {
            let path = "\(base)/\(s.day)/\(s.kind.rawValue)"
            let free = m.staff.filter { p in !s.staff.contains { $0.id == p.id } }
            return .td(.class("rota-cell"),
                .div(.class("mono small"), .text(s.times)),
                s.staff.isEmpty ? .p(.class("muted small"), .text(t("rota.nobody"))) : .div(.class("chips"), .group(s.staff.map { p in
                    m.mayEdit
                        ? Node<HTML.BodyContext>.form(.class("inline chip"), .method(.post), .action("\(path)/staff/\(p.id)/remove"), Shell.csrfField(ctx),
                                                      .text(p.name + " "),
                                                      .button(.type(.submit), .class("link"), .attribute(named: "aria-label", value: t("rota.remove", ["name": p.name])),
                                                              .text("×")))
                        : Node<HTML.BodyContext>.span(.class("chip"), .text(p.name))
                })),
                .if(m.mayEdit, .group(
                    .form(.class("inline"), .method(.post), .action("\(path)/staff"), Shell.csrfField(ctx),
                          .select(.attribute(named: "name", value: "userId"), .attribute(named: "aria-label", value: t("rota.add")),
                                  .group(free.map { Node<HTML.SelectContext>.choice($0.id.uuidString, $0.displayName) })),
                          .button(.type(.submit), .text(t("rota.add")))),
                    .details(.summary(.text(t("rota.times"))),
                        .form(.class("inline"), .method(.post), .action("\(path)/times"), Shell.csrfField(ctx),
                              .input(.type(.time), .name("startsAt"), .value(RotaRule.text(s.startsMin)), .required(true), .attribute(named: "aria-label", value: t("rota.starts"))),
                              .input(.type(.time), .name("endsAt"), .value(RotaRule.text(s.endsMin)), .required(true), .attribute(named: "aria-label", value: t("rota.ends"))),
                              .button(.type(.submit), .text(t("action.save"))))))))
        }
        return F.page(ctx, mall: m.mall, malls: m.malls, tab: .rota, title: t("mall.tab.rota"), .group(
            .section(.class("card"), .id("rota"),
                .div(.class("toolbar"),
                    .h2(.text(t("rota.title", ["from": m.monday.description, "to": m.monday.adding(days: 6).description]))),
                    .div(.class("spacer")),
                    .a(.class("button"), .href("\(base)?week=\(m.monday.adding(days: -7))"), .text(t("rota.prev_week"))),
                    .a(.class("button"), .href("\(base)?week=\(RotaService.monday(of: m.today))"), .text(t("rota.this_week"))),
                    .a(.class("button"), .href("\(base)?week=\(m.monday.adding(days: 7))"), .text(t("rota.next_week")))),
                .p(.class("muted small"), .text(t("rota.rule"))),
                .div(.class("table-wrap"), .table(.class("data rota"),
                    .thead(.tr(.th(.text(t("mall.report.day"))), .group(ShiftKind.allCases.map { Node<HTML.TableRowContext>.th(.text(t("rota.shift.\($0.rawValue)"))) }))),
                    .tbody(.group(days.map { d in
                        Node<HTML.TableContext>.tr(.id("rota-\(d)"), .class(d == m.today ? "current" : ""),
                            .th(.class("nowrap"), .text(d.description), .br(), .span(.class("muted small"), .text(t("rota.weekday.\(weekday(d))")))),
                            .group(ShiftKind.allCases.map { k in
                                m.shifts.first { $0.day == d && $0.kind == k }.map(cell) ?? .td()
                            }))
                    })))))))
    }

    /// 1 = Monday … 7 = Sunday.
    static func weekday(_ d: CalendarDay) -> Int { RotaService.monday(of: d).days(until: d) + 1 }
}
