import EstateCore
import Plot
import Vapor

extension SalePage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t, s = m.sale
        let changeable = s.state == .active && s.pendingApprovalId == nil && m.access.sells
        return SaleShell.page(ctx, project: m.project, projects: m.projects, tab: .register, title: s.number, .group(
            .div(.class("crumbs"), .a(.href("/projects/\(m.project.id)/sales"), .text(t("sale.tab.sales"))), .text(" / \(s.number)")),
            .h1(.text("\(t("sale.subscription")) \(s.number) · \(s.unitCode) "), SaleShell.subscriptionBadge(t, s.status)),
            .div(.class("toolbar"),
                .a(.class("button"), .href("/sales/\(s.id)/agreement"), .text(t("sale.print_agreement"))),
                .a(.class("button"), .href("/projects/\(m.project.id)/units/\(s.unitId)"), .text(t("inv.unit.open"))),
                .unwrap(s.contractId) { c in .a(.class("button"), .href("/contracts/\(c)"), .text(t("sale.open_contract"))) }),
            .unwrap(s.pendingApprovalId) { a in
                .p(.class("flash ok"), .text(t("sale.pending_approval")), .text(" "), .a(.href("/approvals/\(a)"), .text(t("approvals.open_subject"))))
            },
            .if(s.state == .cancelled, .p(.class("flash error"),
                .text(t("sale.cancelled_on", ["date": s.cancelledOn ?? "", "reason": s.cancelReason ?? ""])),
                .unwrap(s.depositOutcome) { .text(" · " + t("sale.deposit.\($0)")) })),
            SaleShell.actions(t, actions(ctx, m, changeable: changeable)),
            .div(.class("columns"),
                .section(.class("card"), .h2(.text(t("sale.price"))), price(t, m)),
                .section(.class("card"), .h2(.text(t("sale.buyers"))), buyers(t, m))),
            .unwrap(m.contract) { c in contractSummary(t, m, c) },
            .section(.class("card"), .h2(.text(t("sale.receipts"))), SaleShell.receipts(t, m.receipts)),
            .section(.class("card"), .h2(.text(t("sale.timeline"))), SaleShell.timeline(t, s.events))
        ))
    }

    /// What this stage allows and this user may do: 起草合同 and 换房 before a contract, 退订 and
    /// 更名 while the subscription is live (for those who sell), the deposit's receipt (for those
    /// who collect) before the contract takes over the plan.
    static func actions(_ ctx: PageContext, _ m: Model, changeable: Bool) -> [Node<HTML.BodyContext>] {
        let t = ctx.t, s = m.sale
        var items: [Node<HTML.BodyContext>] = []
        if changeable && s.contractId == nil {
            items.append(SaleShell.action(t, "contract", "sale.draft_contract", failure: m.failure, contractForm(ctx, m)))
        }
        if s.state == .active && s.contractId == nil && m.access.collects && !SaleShell.collectible(m.plan).isEmpty {
            let collect = SaleShell.collect(ctx, action: "/sales/\(s.id)/receipts", plan: m.plan,
                                            payer: s.buyers.first.map { m.access.name($0, consultant: s.consultantId) } ?? "",
                                            today: m.today, failure: m.failure, heading: false)
            items.append(SaleShell.action(t, "receipt", "sale.record_receipt", failure: m.failure, collect))
        }
        if changeable && s.contractId == nil {
            items.append(SaleShell.action(t, "unit", "sale.change_unit", failure: m.failure, hint: t("sale.change_unit_hint"), changeUnitForm(ctx, m)))
        }
        if changeable {
            items.append(SaleShell.action(t, "buyers", "sale.change_buyers", failure: m.failure, hint: t("sale.change_buyers_hint"), changeBuyersForm(ctx, m)))
            items.append(SaleShell.action(t, "cancel", "sale.cancel", failure: m.failure, danger: true, hint: t("sale.cancel_hint"), cancelForm(ctx, m)))
        }
        return items
    }

    static func price(_ t: Localizer, _ m: Model) -> Node<HTML.BodyContext> {
        let s = m.sale
        return .dl(.class("wide"),
            .dt(.text(t("field.list_total"))), .dd(.text(SaleShell.yuan(t, s.listTotal))),
            .dt(.text(t("inv.prices.rules"))), .dd(.text(s.ruleNames.isEmpty ? "—" : s.ruleNames.joined(separator: "、"))),
            .dt(.text(t("inv.special"))), .dd(.text(s.specialPermyriad == 10_000 || s.specialPermyriad == 0 ? "—" : Format.percent(s.specialPermyriad))),
            .dt(.text(t("inv.effective_rate"))), .dd(.text(Format.percent(s.effectivePermyriad))),
            .dt(.text(t("sale.final_total"))), .dd(.strong(.text(SaleShell.yuan(t, s.finalTotal))),
                                                   .div(.class("muted small"), .text(ChineseAmount.capitals(s.finalTotal)))),
            .dt(.text(t("sale.deposit"))), .dd(.text(SaleShell.yuan(t, s.deposit)), .div(.class("muted small"), .text(ChineseAmount.capitals(s.deposit)))),
            .dt(.text(t("sale.method"))), .dd(.text(t(s.method.catalogKey))),
            .dt(.text(t("sale.contract_deadline"))), .dd(SaleShell.due(s.contractDeadline, today: m.today, late: s.state == .active)),
            .dt(.text(t("sale.consultant"))), .dd(.text(s.consultantName ?? "—")),
            .dt(.text(t("field.created"))), .dd(.text(Shell.dateTime(s.createdAt))),
            .if(!s.note.isEmpty, .group(.dt(.text(t("field.note"))), .dd(.text(s.note)))))
    }

    static func buyers(_ t: Localizer, _ m: Model) -> Node<HTML.BodyContext> {
        let s = m.sale
        return .table(.class("data"),
            .thead(.tr(.th(.text(t("cust.name"))), .th(.text(t("cust.mobile"))), .th(.text(t("cust.id_number"))),
                       .th(.class("num"), .text(t("sale.share"))))),
            .tbody(.group(s.buyers.map { b in
                let sees = m.access.seesName(owner: b.ownerId, consultant: s.consultantId)
                let owns = b.ownerId != nil && b.ownerId == m.access.principal.userID
                return Node<HTML.TableContext>.tr(
                    .td(sees && CustomerAccess(m.access.principal, project: s.projectId).mayOpen(owner: b.ownerId)
                        ? .a(.href("/projects/\(s.projectId)/customers/\(b.customerId)"), .text(b.name)) : .text(m.access.name(b, consultant: s.consultantId))),
                    .td(.class("mono"), .text(owns ? b.mobile : Masking.mobile(b.mobile))),
                    // Masked on screen, for everyone: the full number prints only on the signed paper (logged).
                    .td(.class("mono"), .text(b.idMasked ?? "—")),
                    .td(.class("num"), .text(SaleShell.shares(b))))
            })))
    }

    static func contractSummary(_ t: Localizer, _ m: Model, _ c: SaleService.Contract) -> Node<HTML.BodyContext> {
        .section(.class("card"),
            .h2(.text(t("sale.contract")), .text(" "), .a(.class("mono"), .href("/contracts/\(c.id)"), .text(c.number)), .text(" "),
                SaleShell.contractBadge(t, c.status)),
            .dl(.class("wide"),
                .dt(.text(t("sale.review"))), .dd(.text(t(c.review.catalogKey))),
                .dt(.text(t("sale.signed_on"))), .dd(.text(c.signedOn ?? "—")),
                .dt(.text(t("sale.collected"))), .dd(.text(SaleShell.yuan(t, c.collected))),
                .dt(.text(t("sale.outstanding"))), .dd(.text(SaleShell.yuan(t, c.outstanding)))),
            .p(.a(.href("/contracts/\(c.id)"), .text(t("sale.open_contract") + " →"))))
    }

    static func cancelForm(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, v = m.failure?.form == "cancel" ? m.failure!.values : [:]
        return .form(.class("grid-form"), .method(.post), .action("/sales/\(m.sale.id)/cancel"), Shell.csrfField(ctx),
            SaleShell.select(t, "c", "outcome", "sale.deposit_outcome",
                             SaleService.DepositOutcome.allCases.map { ($0.rawValue, t($0.catalogKey)) }, selected: v["outcome"] ?? "refund"),
            SaleShell.field(t, "c", "reason", "field.reason", value: v["reason"] ?? "", required: true, cls: "field wide"),
            SaleShell.submit(t, "sale.cancel_submit", confirm: "sale.cancel_confirm", danger: true))
    }

    static func changeUnitForm(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, v = m.failure?.form == "unit" ? m.failure!.values : [:]
        let chosen = Set((v["rules"] ?? "").split(separator: ",").map(String.init))
        return .form(.class("grid-form"), .method(.post), .action("/sales/\(m.sale.id)/change-unit"), Shell.csrfField(ctx),
            SaleShell.field(t, "u", "unitCode", "sale.new_unit_code", value: v["unitCode"] ?? "", required: true, placeholder: "1-1-0101"),
            .div(.class("field wide"), .label(.text(t("inv.prices.rules"))),
                 m.rules.isEmpty ? .p(.class("muted"), .text(t("sale.no_rules"))) : SaleShell.ruleChips(m.rules, chosen: chosen)),
            SaleShell.field(t, "u", "special", "inv.special", value: v["special"] ?? "", placeholder: "99.5"),
            SaleShell.field(t, "u", "approvalId", "sale.approval_id", value: v["approvalId"] ?? ""),
            SaleShell.field(t, "u", "reason", "field.reason", value: v["reason"] ?? "", required: true, cls: "field wide"),
            SaleShell.submit(t, "sale.change_unit_submit", confirm: "sale.change_unit_confirm"))
    }

    static func changeBuyersForm(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, v = m.failure?.form == "buyers" ? m.failure!.values : m.buyerMobiles
        return .form(.class("grid-form"), .method(.post), .action("/sales/\(m.sale.id)/change-buyers"), Shell.csrfField(ctx),
            SaleShell.buyerRows(t, form: "b", values: v),
            SaleShell.field(t, "b", "reason", "field.reason", value: v["reason"] ?? "", required: true, cls: "field wide"),
            SaleShell.submit(t, "sale.change_buyers_submit"))
    }

    static func contractForm(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, s = m.sale
        let v = m.failure?.form == "contract" ? m.failure!.values : [:]
        let loans = s.method.usesLoan
        return .form(.class("grid-form"), .method(.post), .action("/sales/\(s.id)/contract"), Shell.csrfField(ctx),
            SaleShell.field(t, "k", "number", "sale.contract_number", value: v["number"] ?? "", hint: t("sale.contract_number_hint")),
            SaleShell.select(t, "k", "buyerKind", "sale.buyer_kind", BuyerKind.allCases.map { ($0.rawValue, t($0.catalogKey)) },
                             selected: v["buyerKind"] ?? BuyerKind.localIndividual.rawValue),
            SaleShell.field(t, "k", "firstPaymentDue", "sale.first_payment_due", .date, value: v["firstPaymentDue"] ?? m.today.adding(days: 7).description,
                            required: true),
            .if(s.method == .commercialLoan || s.method == .combinedLoan,
                SaleShell.field(t, "k", "loan", "sale.loan_amount", value: v["loan"] ?? "", required: true, money: true)),
            .if(s.method == .providentLoan || s.method == .combinedLoan,
                SaleShell.field(t, "k", "providentLoan", "sale.provident_amount", value: v["providentLoan"] ?? "", required: true, money: true)),
            .if(loans, SaleShell.field(t, "k", "loanDue", "sale.loan_due", .date, value: v["loanDue"] ?? m.today.adding(days: 60).description, required: true)),
            .if(s.method == .instalment, instalmentRows(t, v)),
            SaleShell.field(t, "k", "maintenanceFund", "sale.maintenance_fund", value: v["maintenanceFund"] ?? ""),
            SaleShell.field(t, "k", "maintenanceFundDue", "sale.maintenance_fund_due", .date, value: v["maintenanceFundDue"] ?? ""),
            SaleShell.field(t, "k", "penaltyRate", "sale.penalty_rate", .number, value: v["penaltyRate"] ?? "50", required: true, hint: t("sale.penalty_rate_hint")),
            SaleShell.field(t, "k", "deliveryDue", "sale.delivery_due", .date, value: v["deliveryDue"] ?? m.today.adding(days: 365).description, required: true),
            SaleShell.field(t, "k", "titleDays", "sale.title_days", .number, value: v["titleDays"] ?? "365", required: true),
            .div(.class("field wide"), .label(.for("k-clauses"), .text(t("sale.clauses"))),
                 .textarea(.id("k-clauses"), .name("clauses"), .attribute(named: "rows", value: "4"), .text(v["clauses"] ?? ""))),
            .p(.class("muted small field wide"), .text(t("sale.plan_hint", ["total": s.finalTotal.description, "deposit": s.deposit.description]))),
            SaleShell.submit(t, "sale.draft_contract_submit"))
    }

    static func instalmentRows(_ t: Localizer, _ v: [String: String]) -> Node<HTML.FormContext> {
        .div(.class("field wide"), .label(.text(t("sale.instalments"))),
            .table(.class("data"),
                .thead(.tr(.th(.text("#")), .th(.text(t("sale.amount"))), .th(.text(t("sale.due_on"))))),
                .tbody(.group((1...4).map { i in
                    Node<HTML.TableContext>.tr(.td(.text("\(i)")),
                        .td(SaleShell.moneyInput(id: "k-instalment\(i)", name: "instalment\(i)", value: v["instalment\(i)"] ?? "", required: false,
                                                 label: t("sale.amount") + " \(i)")),
                        .td(.input(.type(.date), .name("instalmentDue\(i)"), .value(v["instalmentDue\(i)"] ?? ""), .attribute(named: "aria-label", value: t("sale.due_on") + " \(i)"))))
                }))))
    }
}
