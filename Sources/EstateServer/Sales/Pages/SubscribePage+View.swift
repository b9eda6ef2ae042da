import EstateCore
import Plot
import Vapor

extension SubscribePage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t, u = m.unit
        let action = "/projects/\(m.project.id)/units/\(u.id)/subscribe"
        return SaleShell.page(ctx, project: m.project, projects: m.projects, tab: nil, title: t("sale.subscribe") + " " + u.code, .group(
            .div(.class("crumbs"), .a(.href("/projects/\(m.project.id)/units/\(u.id)"), .text(u.code)), .text(" / " + t("sale.subscribe"))),
            .h1(.text(t("sale.subscribe") + " " + u.code), .text(" "), InventoryShell.statusBadge(t, u.status)),
            .div(.class("columns"),
                .section(.class("card"), .h2(.text(t("inv.unit.facts"))), facts(t, m)),
                .section(.class("card"), .h2(.text(t("inv.unit.quote"))), quote(t, m))),
            .section(.class("card"),
                .h2(.text(t("sale.subscription_form"))),
                FormFailure.view(m.failure, form: "subscribe"),
                form(ctx, m, action: action))
        ))
    }

    static func facts(_ t: Localizer, _ m: Model) -> Node<HTML.BodyContext> {
        let u = m.unit
        return .dl(.class("wide"),
            .dt(.text(t("field.building"))), .dd(.text(m.building)),
            .dt(.text(t("field.layout"))), .dd(.text(u.layout.isEmpty ? "—" : u.layout)),
            .dt(.text(t("field.built_area"))), .dd(.text("\(u.builtArea) ㎡")),
            .dt(.text(t("field.inner_area"))), .dd(.text("\(u.innerArea) ㎡")),
            .dt(.text(t("field.pricing_basis"))), .dd(.text(t("unit.basis.\(u.pricingBasis)"))),
            .dt(.text(t("field.list_total"))), .dd(.strong(.text(SaleShell.yuan(t, u.listTotal)))))
    }

    static func quote(_ t: Localizer, _ m: Model) -> Node<HTML.BodyContext> {
        guard let q = m.quote else { return .p(.class("muted"), .text(t("sale.quote_hint"))) }
        return .div(.class("quote"),
            .table(.class("data"),
                .tr(.td(.text(t("field.list_total"))), .td(.class("num"), .text(q.quote.listTotal.description))),
                .group(q.quote.steps.map { s in Node<HTML.TableContext>.tr(.td(.text(s.rule.name)), .td(.class("num"), .text(s.priceAfter.description))) }),
                .tr(.class("total"), .td(.strong(.text(t("inv.final_price")))), .td(.class("num"), .strong(.text(q.quote.finalTotal.description)))),
                .tr(.td(.text(t("inv.effective_rate"))), .td(.class("num"), .text(Format.percent(q.quote.effectivePermyriad)))),
                .tr(.td(.text(t("sale.deposit_max"))), .td(.class("num"), .text(DepositRule.maximum(for: q.quote.finalTotal).description)))),
            .p(.class("muted small"), .text(ChineseAmount.capitals(q.quote.finalTotal))),
            .unwrap(q.approver) { role in .p(.class("badge warn"), .text(t("inv.needs_approval", ["role": t(role.catalogKey)]))) })
    }

    static func form(_ ctx: PageContext, _ m: Model, action: String) -> Node<HTML.BodyContext> {
        let t = ctx.t, v = m.values
        return .form(.class("grid-form"), .method(.post), .action(action), Shell.csrfField(ctx),
            SaleShell.buyerRows(t, form: "s", values: v),
            .div(.class("field wide"), .label(.text(t("inv.prices.rules"))),
                 m.rules.isEmpty ? .p(.class("muted"), .text(t("sale.no_rules"))) : SaleShell.ruleChips(m.rules, chosen: m.chosenRules)),
            SaleShell.field(t, "s", "special", "inv.special", value: v["special"] ?? "", hint: t("sale.special_hint"), placeholder: "99.5"),
            SaleShell.field(t, "s", "approvalId", "sale.approval_id", value: v["approvalId"] ?? "", hint: t("sale.approval_id_hint")),
            SaleShell.select(t, "s", "method", "sale.method", SaleShell.methods(t), selected: v["method"] ?? PaymentMethod.commercialLoan.rawValue),
            SaleShell.field(t, "s", "deposit", "sale.deposit_yuan", value: v["deposit"] ?? "", required: true, hint: t("sale.deposit_hint"), money: true),
            SaleShell.field(t, "s", "contractDeadline", "sale.contract_deadline", .date, value: v["contractDeadline"] ?? "", required: true,
                            hint: t("sale.deadline_hint", ["days": "\(SaleService.maxContractDays)"])),
            SaleShell.field(t, "s", "note", "field.note", value: v["note"] ?? "", cls: "field wide"),
            .div(.class("field actions"),
                 .button(.type(.submit), .name("preview"), .value("1"), .attribute(named: "formnovalidate", value: "formnovalidate"), .text(t("inv.compute"))),
                 .text(" "),
                 .button(.type(.submit), .class("primary"), .text(t("sale.subscribe_submit")))))
    }
}
