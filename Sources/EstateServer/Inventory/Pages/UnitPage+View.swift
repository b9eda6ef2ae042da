import EstateCore
import Plot
import Vapor

extension UnitPage {
    static func may(_ ctx: PageContext, _ a: Action, _ m: Model) -> Bool { ctx.principal?.may(a, on: m.project.id) == true }

    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t, u = m.unit
        let base = "/projects/\(m.project.id)/units/\(u.id)"
        return InventoryShell.page(ctx, project: m.project, projects: m.projects, tab: .units, title: u.code, .group(
            .div(.class("crumbs"), .a(.href("/projects/\(m.project.id)/units"), .text(t("inv.tab.units"))), .text(" / \(m.building) / \(u.code)")),
            .h1(.text(u.code), .text(" "), InventoryShell.statusBadge(t, u.status)),
            subscribeLink(ctx, m),
            .unwrap(m.formError) { .div(.class("flash error"), .attribute(named: "role", value: "alert"), .text(t("error.\($0)"))) },
            .div(.class("columns"),
                .section(.class("card"), .h2(.text(t("inv.unit.facts"))), facts(ctx, m)),
                .div(
                    .if(may(ctx, .salesControl, m), .section(.class("card"), .h2(.text(t("inv.unit.control"))), controls(ctx, m, action: "\(base)/moves", back: "unit"))),
                    .if(may(ctx, .pricesView, m), .section(.class("card"), .h2(.text(t("inv.unit.quote"))), quote(ctx, m, base: base))))),
            .if(may(ctx, .pricesPropose, m) && !u.status.isSold, .section(.class("card"),
                .h2(.text(t("inv.unit.price_change"))),
                .p(.class("muted small"), .text(t("inv.unit.price_change_hint"))),
                .form(.method(.post), .action("\(base)/price-change"), .class("grid-form"), Shell.csrfField(ctx),
                    u.basis == .perUnit
                        ? UsersPage.field(ctx, "total", t("field.list_total"), .text, "", m.errors, money: true)
                        : UsersPage.field(ctx, "unitPrice", t("field.unit_price"), .text, "", m.errors, hint: t("inv.now", ["value": u.listUnitPrice.description]), money: true),
                    UsersPage.field(ctx, "floorPrice", t("field.floor_price"), .text, "", m.errors, hint: t("inv.now", ["value": u.floorPrice.description]), required: false, money: true),
                    UsersPage.field(ctx, "reason", t("field.reason"), .text, "", m.errors),
                    .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("inv.unit.request_approval"))))))),
            .if(may(ctx, .inventoryEdit, m), .section(.class("card"), .h2(.text(t("inv.unit.edit"))), edit(ctx, m, action: base))),
            .section(.class("card"), .h2(.text(t("inv.unit.history"))), history(ctx, m.history))
        ))
    }

    /// 认购 from the unit, when it can be subscribed and the user may sell.
    static func subscribeLink(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        guard m.unit.status == .available || m.unit.status == .reserved, may(ctx, .salesCreate, m) else { return .empty }
        return .div(.class("toolbar"), .a(.class("button primary"), .href("/projects/\(m.project.id)/units/\(m.unit.id)/subscribe"),
                                          .text(ctx.t("unit.action.subscribe"))))
    }

    static func facts(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, u = m.unit
        return .group(
            .dl(.class("wide"),
                .dt(.text(t("field.building"))), .dd(.text("\(m.building) · \(t("inv.entrance_n", ["n": "\(u.entrance)"])) · \(t("inv.floor_n", ["n": "\(u.floor)"]))")),
                .dt(.text(t("field.layout"))), .dd(.text(u.layout.isEmpty ? "—" : u.layout)),
                .dt(.text(t("field.orientation"))), .dd(.text(u.orientation.isEmpty ? "—" : u.orientation)),
                .dt(.text(t("field.usage"))), .dd(.text(t("unit.usage.\(u.usage)"))),
                .dt(.text(t("field.built_area"))), .dd(.text("\(u.builtArea) ㎡")),
                .dt(.text(t("field.inner_area"))), .dd(.text("\(u.innerArea) ㎡")),
                .dt(.text(t("field.pricing_basis"))), .dd(.text(t("unit.basis.\(u.pricingBasis)"))),
                // Prices for roles that may see them (prices.view: not 物业 or 拓客专员).
                .if(may(ctx, .pricesView, m), .group(
                    .dt(.text(t("field.unit_price"))), .dd(.text("\(u.listUnitPrice) 元/㎡")),
                    .dt(.text(t("field.list_total"))), .dd(.strong(.text("\(u.listTotal) 元"))),
                    .dt(.text(t("field.floor_price"))), .dd(.text("\(u.floorPrice) 元"))))),
            .unwrap(m.claim) { c in
                .div(.class("claim"),
                     .strong(.text(t("claim.label.\(c.kind)"))),
                     .text(" \(c.customerName) \(m.revealMobile ? c.customerMobile : Masking.mobile(c.customerMobile))"),
                     .unwrap(c.expiresAt) { .span(.class("muted"), .text(" · " + t("inv.until", ["time": Shell.dateTime($0)]))) },
                     .if(!c.note.isEmpty, .div(.class("muted small"), .text(c.note))))
            })
    }

    /// The moves open to this unit now, each a small form.
    static func controls(_ ctx: PageContext, _ m: Model, action: String, back: String) -> Node<HTML.BodyContext> {
        let t = ctx.t, s = m.unit.status
        func simple(_ move: UnitMove, reason: Bool, danger: Bool = false, confirm: String? = nil) -> Node<HTML.BodyContext> {
            .form(.method(.post), .action(action), .class("inline-form"), Shell.csrfField(ctx),
                  .input(.type(.hidden), .name("move"), .value(move.rawValue)),
                  .input(.type(.hidden), .name("back"), .value(back)),
                  .input(.type(.hidden), .name("building"), .value(m.unit.buildingID.uuidString)),
                  .if(reason, .input(.type(.text), .name("reason"), .placeholder(t("field.reason")), .required(true),
                                     .attribute(named: "aria-label", value: t("field.reason")))),
                  .button(.type(.submit), .class(danger ? "danger" : "primary"),
                          .unwrap(confirm) { .attribute(named: "data-confirm", value: t($0, ["code": m.unit.code])) },
                          .text(t("unit.action.\(move.rawValue)"))))
        }
        var nodes: [Node<HTML.BodyContext>] = []
        if s.allows(.release) { nodes.append(simple(.release, reason: false)) }
        if s.allows(.withhold) { nodes.append(simple(.withhold, reason: true)) }
        if s.allows(.unwithhold) { nodes.append(simple(.unwithhold, reason: true)) }
        if s.allows(.unreserve) { nodes.append(simple(.unreserve, reason: true, danger: true, confirm: "inv.unreserve_confirm")) }
        if s.allows(.reserve) {
            let defaultExpiry = Date().addingTimeInterval(3 * 86_400)
            nodes.append(.form(.method(.post), .action(action), .class("grid-form reserve"), Shell.csrfField(ctx),
                .input(.type(.hidden), .name("move"), .value("reserve")),
                .input(.type(.hidden), .name("back"), .value(back)),
                .input(.type(.hidden), .name("building"), .value(m.unit.buildingID.uuidString)),
                UsersPage.field(ctx, "customerName", t("field.customer_name"), .text, "", m.errors),
                UsersPage.field(ctx, "customerMobile", t("field.mobile"), .tel, "", m.errors, hint: t("inv.reserve_customer_hint")),
                UsersPage.field(ctx, "expiresAt", t("inv.reserve_until"), .datetimeLocal, Format.localInput(defaultExpiry), m.errors),
                UsersPage.field(ctx, "note", t("field.note"), .text, "", m.errors, required: false),
                .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("unit.action.reserve"))))))
        }
        if nodes.isEmpty { nodes.append(.p(.class("muted"), .text(t("inv.unit.no_moves")))) }
        return .group(nodes)
    }

    static func quote(_ ctx: PageContext, _ m: Model, base: String) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let active = m.rules.filter(\.isActive)
        return .group(
            .form(.method(.get), .action(base), .class("quote-form"),
                .div(.class("chips"), .forEach(active) { r in
                    .label(.class("chip"), .input(.type(.checkbox), .name("rule"), .value(r.id.uuidString), .checked(m.chosenRules.contains(r.id))),
                           .text(" \(r.name) (\(PricesPage.ruleText(r)))"))
                }),
                .div(.class("inline-form"),
                    .label(.for("special"), .text(t("inv.special"))),
                    .input(.type(.text), .id("special"), .name("special"), .value(m.special), .placeholder("99.5"),
                           .attribute(named: "inputmode", value: "decimal"), .class("short")),
                    .span(.class("muted"), .text("%")),
                    .button(.type(.submit), .text(t("inv.compute"))))),
            .unwrap(m.quote) { q in
                .div(.class("quote"),
                    .table(.class("data"),
                        .tr(.td(.text(t("field.list_total"))), .td(.class("num"), .text(q.quote.listTotal.description))),
                        .forEach(q.quote.steps) { s in .tr(.td(.text(s.rule.name)), .td(.class("num"), .text(s.priceAfter.description))) },
                        .tr(.class("total"), .td(.strong(.text(t("inv.final_price")))), .td(.class("num"), .strong(.text(q.quote.finalTotal.description)))),
                        .tr(.td(.text(t("inv.effective_rate"))), .td(.class("num"), .text(Format.percent(q.quote.effectivePermyriad))))),
                    .if(q.belowFloor, .p(.class("flash error"), .text(t("inv.below_floor", ["floor": q.unit.floorPrice.description])))),
                    .unwrap(q.approver, { role in
                        .group(
                            .p(.class("badge warn"), .text(t("inv.needs_approval", ["role": t(role.catalogKey)]))),
                            .if(may(ctx, .salesCreate, m), .form(.method(.post), .action("\(base)/discount-request"), .class("inline-form"),
                                Shell.csrfField(ctx),
                                .forEach(Array(m.chosenRules)) { .input(.type(.hidden), .name("rule"), .value($0.uuidString)) },
                                .input(.type(.hidden), .name("special"), .value(m.special)),
                                .input(.type(.text), .name("customer"), .placeholder(t("field.customer_name"))),
                                .input(.type(.text), .name("reason"), .placeholder(t("field.reason")), .required(true)),
                                .button(.type(.submit), .class("primary"), .text(t("inv.unit.request_approval"))))))
                    }, else: .p(.class("badge on"), .text(t("inv.within_authority")))))
            })
    }

    static func edit(_ ctx: PageContext, _ m: Model, action: String) -> Node<HTML.BodyContext> {
        let t = ctx.t, u = m.unit
        return .form(.method(.post), .action(action), .class("grid-form"), Shell.csrfField(ctx),
            .div(.class("field"), .label(.for("building"), .text(t("field.building"))),
                 .select(.field("building"), .forEach(m.buildings) { .choice($0.name, $0.name, selected: $0.id == u.buildingID) })),
            UsersPage.field(ctx, "entrance", t("field.entrance"), .number, "\(u.entrance)", m.errors),
            UsersPage.field(ctx, "floor", t("field.floor"), .number, "\(u.floor)", m.errors),
            UsersPage.field(ctx, "room", t("field.room"), .text, u.room, m.errors),
            UsersPage.field(ctx, "code", t("field.unit_code"), .text, u.code, m.errors),
            .div(.class("field"), .label(.for("layout"), .text(t("field.layout"))),
                 .select(.field("layout"), .choice("", "—"), .forEach(m.layouts) { .choice($0, $0, selected: $0 == u.layout) })),
            UsersPage.field(ctx, "orientation", t("field.orientation"), .text, u.orientation, m.errors, required: false),
            .div(.class("field"), .label(.for("usage"), .text(t("field.usage"))),
                 .select(.field("usage"), .forEach(UnitUsage.allCases) { .choice($0.rawValue, t($0.catalogKey), selected: $0.rawValue == u.usage) })),
            UsersPage.field(ctx, "builtArea", t("field.built_area"), .text, u.builtArea.description, m.errors),
            UsersPage.field(ctx, "innerArea", t("field.inner_area"), .text, u.innerArea.description, m.errors, required: false),
            .div(.class("field"), .label(.for("pricingBasis"), .text(t("field.pricing_basis"))),
                 .select(.field("pricingBasis"), .forEach(PricingBasis.allCases) { .choice($0.rawValue, t("unit.basis.\($0.rawValue)"), selected: $0 == u.basis) })),
            .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("action.save")))))
    }

    static func history(_ ctx: PageContext, _ lines: [InventoryService.HistoryLine]) -> Node<HTML.BodyContext> {
        let t = ctx.t
        if lines.isEmpty { return .p(.class("muted"), .text(t("inv.unit.no_history"))) }
        return .table(.class("data"),
            .thead(.tr(.th(.text(t("field.time"))), .th(.text(t("field.move"))), .th(.text(t("field.status"))),
                       .th(.text(t("field.reason"))), .th(.text(t("field.actor"))))),
            .tbody(.forEach(lines) { l in
                .tr(.td(.class("nowrap"), .text(Shell.dateTime(l.at))), .td(.text(t("unit.action.\(l.move)"))),
                    .td(.class("nowrap"), .text("\(t("unit.status.\(l.fromStatus)")) → \(t("unit.status.\(l.toStatus)"))")),
                    .td(.text(l.reason)), .td(.text(l.actorName)))
            }))
    }

    /// The board's side panel: the facts, the moves and the last history lines.
    static func panel(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, u = m.unit
        return .div(.class("panel-body"),
            .div(.class("panel-head"), .h2(.text(u.code), .text(" "), InventoryShell.statusBadge(t, u.status)),
                 .button(.type(.button), .class("link close"), .attribute(named: "data-close", value: "1"), .text("×"))),
            facts(ctx, m),
            subscribeLink(ctx, m),
            .if(may(ctx, .salesControl, m), controls(ctx, m, action: "/projects/\(m.project.id)/units/\(u.id)/moves", back: "board")),
            .h2(.text(t("inv.unit.history"))),
            .ul(.class("history"), .forEach(m.history.prefix(8)) { l in
                .li(.span(.class("muted"), .text(Shell.dateTime(l.at))), .text(" · \(t("unit.action.\(l.move)")) · "),
                    .text("\(t("unit.status.\(l.fromStatus)")) → \(t("unit.status.\(l.toStatus)"))"),
                    .if(!l.reason.isEmpty, .text(" · \(l.reason)")), .span(.class("muted"), .text(" · \(l.actorName)")))
            }),
            .p(.a(.href("/projects/\(m.project.id)/units/\(u.id)"), .text(t("inv.unit.open")))))
    }
}
