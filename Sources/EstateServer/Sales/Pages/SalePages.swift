import EstateCore
import Plot
import Vapor

/// Buyer names as the sales pages show them (the rule is `SaleAccess.seesName`).
extension SaleAccess {
    func name(_ b: SaleService.Buyer, consultant: UUID?) -> String {
        name(b.name, owner: b.ownerId, consultant: consultant)
    }

    func names(_ buyers: [SaleService.Buyer], consultant: UUID?) -> String {
        buyers.isEmpty ? "—" : buyers.map { name($0, consultant: consultant) }.joined(separator: "、")
    }
}

/// The frame of the sales pages: project, switcher and tabs (销售登记, 收款核实, 工作清单, 交付).
enum SaleShell {
    enum Tab: String, CaseIterable {
        case register = "sales", receipts, workLists = "work-lists", delivery, banks
        var key: String { "sale.tab.\(rawValue)" }
    }

    static func page(_ ctx: PageContext, project: InventoryShell.ProjectRef, projects: [InventoryShell.ProjectRef], tab: Tab?,
                     title: String, _ content: Node<HTML.BodyContext>) -> HTML {
        let t = ctx.t
        return Shell.page(ctx, title: "\(title) · \(project.name)", .group(
            .div(.class("inv-head"),
                .h1(.text(project.name), .span(.class("muted code"), .text(" " + project.code))),
                ProjectSwitcher.view(t, current: project, projects: projects, home: "/sales")),
            .nav(.class("tabs"), .attribute(named: "aria-label", value: t("nav.sales")),
                .group(Tab.allCases.map { tb in
                    Node<HTML.BodyContext>.a(.href("/projects/\(project.id)/\(tb.rawValue)"), .class(tb == tab ? "current" : ""), .text(t(tb.key)))
                })),
            content
        ))
    }

    // MARK: Small pieces

    static func yuan(_ t: Localizer, _ m: Money) -> String { t("sale.yuan", ["amount": m.description]) }

    static func options(_ items: [(String, String)], selected: String?) -> Node<HTML.SelectContext> {
        .group(items.map { Node<HTML.SelectContext>.choice($0.0, $0.1, selected: $0.0 == selected) })
    }

    static func methods(_ t: Localizer) -> [(String, String)] { PaymentMethod.allCases.map { ($0.rawValue, t($0.catalogKey)) } }

    static func receiptMethods(_ t: Localizer) -> [(String, String)] {
        SaleService.ReceiptMethod.allCases.filter { $0 != .loanDisbursement }.map { ($0.rawValue, t($0.catalogKey)) }
    }

    static func subscriptionBadge(_ t: Localizer, _ s: String) -> Node<HTML.BodyContext> {
        let cls = s == "active" ? "badge warn" : s == "contracted" ? "badge on" : "badge off"
        return .span(.class(cls), .text(t("sale.subscription.\(s)")))
    }

    static func contractBadge(_ t: Localizer, _ s: String) -> Node<HTML.BodyContext> {
        let cls = s == "draft" ? "badge warn" : s == "signed" ? "badge on" : "badge off"
        return .span(.class(cls), .text(t("sale.contract.\(s)")))
    }

    static func receiptBadge(_ t: Localizer, _ s: String) -> Node<HTML.BodyContext> {
        let cls = s == "confirmed" ? "badge on" : s == "pending" || s == "awaiting_approval" ? "badge warn" : "badge off"
        return .span(.class(cls), .text(t("sale.receipt_status.\(s)")))
    }

    /// A day that has passed shows red (a deadline missed).
    static func due(_ day: String?, today: CalendarDay, late: Bool = true) -> Node<HTML.BodyContext> {
        guard let day, !day.isEmpty else { return .text("—") }
        let past = CalendarDay(day).map { $0 < today } ?? false
        return .span(.class(past && late ? "late nowrap" : "nowrap"), .text(day))
    }

    static func shares(_ b: SaleService.Buyer) -> String { BuyerShares.text(b.share) + "%" }

    /// A daily rate per 100,000 as contracts write it, per 10,000: 50 → "5", 5 → "0.5".
    static func perTenThousand(_ ratePer100k: Int) -> String {
        let s = DecimalText.format(Int64(ratePer100k), scale: 1, grouping: false)
        return s.hasSuffix(".0") ? String(s.dropLast(2)) : s
    }

    /// An idempotency key for a form, made when the page is drawn: a double submit sends it twice.
    static func idempotencyField() -> Node<HTML.FormContext> {
        .input(.type(.hidden), .name("idempotencyKey"), .value(UUID().uuidString))
    }

    /// A labelled input of a form; ids carry the form's prefix, since a page holds many forms.
    static func field(_ t: Localizer, _ form: String, _ name: String, _ label: String, _ type: HTMLInputType = .text,
                      value: String = "", required: Bool = false, hint: String? = nil, placeholder: String? = nil,
                      cls: String = "field") -> Node<HTML.FormContext> {
        let id = "\(form)-\(name)"
        return .div(.class(cls),
            .label(.for(id), .text(t(label))),
            .input(.type(type), .id(id), .name(name), .value(value), .required(required), .placeholder(placeholder ?? "")),
            .unwrap(hint) { .div(.class("hint"), .text($0)) })
    }

    static func select(_ t: Localizer, _ form: String, _ name: String, _ label: String, _ items: [(String, String)],
                       selected: String?, empty: String? = nil) -> Node<HTML.FormContext> {
        let id = "\(form)-\(name)"
        return .div(.class("field"),
            .label(.for(id), .text(t(label))),
            .select(.named(name, id: id),
                    .unwrap(empty) { Node<HTML.SelectContext>.choice("", $0) },
                    options(items, selected: selected)))
    }

    static func submit(_ t: Localizer, _ label: String, confirm: String? = nil, danger: Bool = false) -> Node<HTML.FormContext> {
        .div(.class("field actions"),
             .button(.type(.submit), .class(danger ? "danger" : "primary"),
                     .unwrap(confirm) { .attribute(named: "data-confirm", value: t($0)) },
                     .text(t(label))))
    }

    static func timeline(_ t: Localizer, _ events: [SaleService.Event]) -> Node<HTML.BodyContext> {
        if events.isEmpty { return .p(.class("muted"), .text(t("sale.no_events"))) }
        return .table(.class("data"),
            .thead(.tr(.th(.text(t("field.time"))), .th(.text(t("sale.event"))), .th(.text(t("field.actor"))))),
            .tbody(.group(events.map { e in
                Node<HTML.TableContext>.tr(.td(.class("nowrap"), .text(Shell.dateTime(e.at))), .td(.text(e.summary)), .td(.text(e.actorName)))
            })))
    }

    static func receipts(_ t: Localizer, _ items: [SaleService.Receipt]) -> Node<HTML.BodyContext> {
        if items.isEmpty { return .p(.class("muted"), .text(t("sale.no_receipts"))) }
        return .table(.class("data"),
            .thead(.tr(.th(.text(t("sale.receipt.number"))), .th(.text(t("sale.item"))), .th(.class("num"), .text(t("sale.amount"))),
                       .th(.text(t("sale.receipt.method"))), .th(.text(t("sale.receipt.received_on"))), .th(.text(t("sale.receipt.payer"))),
                       .th(.text(t("sale.receipt.recorded_by"))), .th(.text(t("field.status"))), .th(.text(t("sale.receipt.confirmed_by"))))),
            .tbody(.group(items.map { r in receiptRow(t, r) })))
    }

    static func receiptRow(_ t: Localizer, _ r: SaleService.Receipt) -> Node<HTML.TableContext> {
        .tr(.td(.class("mono"), .text(r.number)),
            .td(.text(t("sale.item.\(r.itemKind)")), .if(r.kind == "refund", .span(.class("badge warn"), .text(" " + t("sale.refund"))))),
            .td(.class("num"), .text(r.amount.description)),
            .td(.text(t("sale.receipt_method.\(r.method)"))), .td(.class("nowrap"), .text(r.receivedOn)),
            .td(.text(r.payer)), .td(.text(r.createdByName)), .td(receiptBadge(t, r.status)),
            .td(.text(r.confirmedByName.map { "\($0) · \(Shell.dateTime(r.confirmedAt))" } ?? "—")))
    }

    /// Buyer rows of a form (认购, 更名): the customer's mobile and the share, up to five.
    static func buyerRows(_ t: Localizer, form: String, values: [String: String]) -> Node<HTML.FormContext> {
        .div(.class("field wide"),
            .label(.text(t("sale.buyers"))),
            .p(.class("hint"), .text(t("sale.buyers_hint"))),
            .table(.class("data buyers"),
                .thead(.tr(.th(.text("#")), .th(.text(t("sale.buyer_mobile"))), .th(.text(t("sale.share"))))),
                .tbody(.group((1...5).map { i in buyerRow(t, form: form, i: i, values: values) }))))
    }

    static func buyerRow(_ t: Localizer, form: String, i: Int, values: [String: String]) -> Node<HTML.TableContext> {
        .tr(.td(.text("\(i)")),
            .td(.input(.type(.tel), .id("\(form)-mobile\(i)"), .name("mobile\(i)"), .value(values["mobile\(i)"] ?? ""),
                       .attribute(named: "aria-label", value: t("sale.buyer_mobile") + " \(i)"), .required(i == 1),
                       .attribute(named: "inputmode", value: "numeric"), .attribute(named: "maxlength", value: "20"))),
            .td(.input(.type(.text), .id("\(form)-share\(i)"), .name("share\(i)"), .value(values["share\(i)"] ?? (i == 1 ? "100" : "")),
                       .class("short"), .attribute(named: "aria-label", value: t("sale.share") + " \(i)"),
                       .attribute(named: "inputmode", value: "decimal")), .span(.class("muted"), .text(" %"))))
    }

    /// One receipt form per item that still expects money, each with its own idempotency key (a
    /// double submit records once). A lender's money comes in when the mortgage reaches 已放款.
    static func collect(_ ctx: PageContext, action: String, plan: [SaleService.PlanItem], payer: String, today: CalendarDay,
                        failure: FormFailure?) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let open = plan.filter { $0.isLive && !$0.kind.isLoan && $0.amount.fen > 0 && ($0.amount - $0.collected - $0.pending).fen > 0 }
        if open.isEmpty { return .p(.class("muted top-gap"), .text(t("sale.nothing_to_collect"))) }
        return .div(.class("top-gap"),
            .h3(.text(t("sale.record_receipt"))),
            FormFailure.view(failure, form: "receipt"),
            .group(open.map { i in receiptForm(ctx, action: action, item: i, payer: payer, today: today, failure: failure) }))
    }

    static func receiptForm(_ ctx: PageContext, action: String, item i: SaleService.PlanItem, payer: String, today: CalendarDay,
                            failure: FormFailure?) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let v = failure?.form == "receipt" && failure?.value("itemId") == i.id.uuidString ? failure!.values : [:]
        let rest = i.amount - i.collected - i.pending
        let p = "rc\(i.seq)"
        return .form(.class("inline-form receipt"), .method(.post), .action(action), Shell.csrfField(ctx),
            idempotencyField(),
            .input(.type(.hidden), .name("itemId"), .value(i.id.uuidString)),
            .strong(.text("\(i.seq). \(t(i.kind.catalogKey))")),
            .input(.type(.text), .id("\(p)-amount"), .name("amount"), .value(v["amount"] ?? rest.plain), .class("short"),
                   .attribute(named: "aria-label", value: t("sale.amount")), .required(true)),
            .select(.named("method", id: "\(p)-method"), .attribute(named: "aria-label", value: t("sale.receipt.method")),
                    options(receiptMethods(t), selected: v["method"] ?? "transfer")),
            .input(.type(.date), .id("\(p)-on"), .name("receivedOn"), .value(v["receivedOn"] ?? today.description),
                   .attribute(named: "aria-label", value: t("sale.receipt.received_on")), .required(true)),
            .input(.type(.text), .id("\(p)-payer"), .name("payer"), .value(v["payer"] ?? (payer.contains("*") ? "" : payer)),
                   .placeholder(t("sale.receipt.payer")), .attribute(named: "aria-label", value: t("sale.receipt.payer")), .required(true)),
            .input(.type(.text), .id("\(p)-ref"), .name("reference"), .value(v["reference"] ?? ""),
                   .placeholder(t("sale.receipt.reference")), .attribute(named: "aria-label", value: t("sale.receipt.reference"))),
            .button(.type(.submit), .class("primary"), .text(t("sale.record_receipt_submit"))))
    }

    /// Discount rules as checkboxes.
    static func ruleChips(_ rules: [PricingService.Rule], chosen: Set<String>) -> Node<HTML.FormContext> {
        .div(.class("chips"), .group(rules.map { r in
            Node<HTML.FormContext>.label(.class("chip"),
                .input(.type(.checkbox), .name("rule"), .value(r.id.uuidString), .checked(chosen.contains(r.id.uuidString))),
                .text(" \(r.name) (\(PricesPage.ruleText(r)))"))
        }))
    }
}

// MARK: - 销售登记

/// The sales register: subscriptions by status, searched by number, unit or buyer name.
enum SalesRegisterPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var page: Paged<SaleService.Subscription>
        var contracts: [UUID: String]
        var access: SaleAccess
        var status: SubscriptionStatus?
        var q: String
        var query: [String: String]
        var today: CalendarDay
    }

    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)/sales"
        return SaleShell.page(ctx, project: m.project, projects: m.projects, tab: .register, title: t("sale.tab.sales"), .group(
            .nav(.class("building-tabs"), .attribute(named: "aria-label", value: t("field.status")),
                .a(.href(base + (m.q.isEmpty ? "" : "?q=\(enc(m.q))")), .class(m.status == nil ? "current" : ""), .text(t("list.all"))),
                .group(SubscriptionStatus.allCases.map { s in
                    Node<HTML.BodyContext>.a(.href("\(base)?status=\(s.rawValue)" + (m.q.isEmpty ? "" : "&q=\(enc(m.q))")),
                                             .class(m.status == s ? "current" : ""), .text(t(s.catalogKey)))
                })),
            .form(.class("filters"), .method(.get), .action(base),
                .unwrap(m.status) { .input(.type(.hidden), .name("status"), .value($0.rawValue)) },
                .div(.class("field wide"), .label(.for("q"), .text(t("action.search"))),
                     .input(.type(.search), .id("q"), .name("q"), .value(m.q), .placeholder(t("sale.search_hint")))),
                .div(.class("field actions"), .label(.text(" ")),
                     .div(.button(.type(.submit), .class("primary"), .text(t("action.search"))), .text(" "), .a(.href(base), .text(t("action.reset")))))),
            table(ctx, m),
            .if(m.page.items.isEmpty, .p(.class("muted"), .text(t("sale.none")))),
            Shell.pager(ctx, m.page, query: m.query),
            .if(m.access.sells, .p(.class("muted small"), .text(t("sale.subscribe_from_unit")), .text(" "),
                                   .a(.href("/projects/\(m.project.id)/units?status=available"), .text(t("inv.tab.units")))))
        ))
    }

    static func enc(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }

    static func table(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .table(.class("data sales"),
            .thead(.tr(.th(.text(t("sale.number"))), .th(.text(t("sale.unit"))), .th(.text(t("sale.buyers"))),
                       .th(.class("num"), .text(t("sale.final_total"))), .th(.class("num"), .text(t("sale.deposit"))),
                       .th(.text(t("sale.contract_deadline"))), .th(.text(t("field.status"))), .th(.text(t("sale.contract_number"))),
                       .th(.text(t("sale.consultant"))))),
            .tbody(.group(m.page.items.map { s in row(ctx, m, s) })))
    }

    static func row(_ ctx: PageContext, _ m: Model, _ s: SaleService.Subscription) -> Node<HTML.TableContext> {
        let t = ctx.t
        return .tr(
            .td(.a(.class("mono"), .href("/sales/\(s.id)"), .text(s.number))),
            .td(.text(s.unitCode)),
            .td(.text(m.access.names(s.buyers, consultant: s.consultantId))),
            .td(.class("num"), .text(s.finalTotal.description)),
            .td(.class("num"), .text(s.deposit.description)),
            .td(SaleShell.due(s.contractDeadline, today: m.today, late: s.state == .active)),
            .td(SaleShell.subscriptionBadge(t, s.status), .if(s.pendingApprovalId != nil, .span(.class("muted small"), .text(" " + t("sale.change_pending"))))),
            .td(.unwrap(s.contractId, { c in .a(.class("mono"), .href("/contracts/\(c)"), .text(m.contracts[c] ?? t("sale.contract"))) }, else: .text("—"))),
            .td(.text(s.consultantName ?? "—")))
    }
}

// MARK: - 认购

/// The subscription form of one unit: buyers by mobile with shares, discounts, deposit, deadline.
enum SubscribePage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var unit: UnitRow
        var building: String
        var rules: [PricingService.Rule]
        var values: [String: String]
        var chosenRules: Set<String>
        var quote: PricingService.Quote?
        var failure: FormFailure?
    }

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
            SaleShell.field(t, "s", "deposit", "sale.deposit_yuan", value: v["deposit"] ?? "", required: true, hint: t("sale.deposit_hint")),
            SaleShell.field(t, "s", "contractDeadline", "sale.contract_deadline", .date, value: v["contractDeadline"] ?? "", required: true,
                            hint: t("sale.deadline_hint", ["days": "\(SaleService.maxContractDays)"])),
            SaleShell.field(t, "s", "note", "field.note", value: v["note"] ?? "", cls: "field wide"),
            .div(.class("field actions"),
                 .button(.type(.submit), .name("preview"), .value("1"), .attribute(named: "formnovalidate", value: "formnovalidate"), .text(t("inv.compute"))),
                 .text(" "),
                 .button(.type(.submit), .class("primary"), .text(t("sale.subscribe_submit")))))
    }
}

// MARK: - The sale

/// One sale: its header, buyers, price and deposit, the contract, receipts and the timeline, and
/// the changes its state allows (退订, 换房, 更名, 起草合同).
enum SalePage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var sale: SaleService.Subscription
        var contract: SaleService.Contract?
        var receipts: [SaleService.Receipt]
        var rules: [PricingService.Rule]
        var access: SaleAccess
        var today: CalendarDay
        var failure: FormFailure?
        /// The buyers' mobiles for the 更名 form, when the user may see them.
        var buyerMobiles: [String: String]
        /// The plan before a contract exists (the deposit), for recording its receipt.
        var plan: [SaleService.PlanItem] = []
    }

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
            .div(.class("columns"),
                .section(.class("card"), .h2(.text(t("sale.price"))), price(t, m)),
                .section(.class("card"), .h2(.text(t("sale.buyers"))), buyers(t, m))),
            .unwrap(m.contract) { c in contractSummary(t, m, c) },
            .if(changeable && s.contractId == nil, .section(.class("card"), .h2(.text(t("sale.draft_contract"))),
                FormFailure.view(m.failure, form: "contract"), contractForm(ctx, m))),
            .if(changeable, .section(.class("card"), .h2(.text(t("sale.cancel"))),
                .p(.class("muted small"), .text(t("sale.cancel_hint"))),
                FormFailure.view(m.failure, form: "cancel"), cancelForm(ctx, m))),
            .if(changeable && s.contractId == nil, .section(.class("card"), .h2(.text(t("sale.change_unit"))),
                .p(.class("muted small"), .text(t("sale.change_unit_hint"))),
                FormFailure.view(m.failure, form: "unit"), changeUnitForm(ctx, m))),
            .if(changeable, .section(.class("card"), .h2(.text(t("sale.change_buyers"))),
                .p(.class("muted small"), .text(t("sale.change_buyers_hint"))),
                FormFailure.view(m.failure, form: "buyers"), changeBuyersForm(ctx, m))),
            .section(.class("card"), .h2(.text(t("sale.receipts"))), SaleShell.receipts(t, m.receipts),
                     .if(s.state == .active && s.contractId == nil && m.access.collects,
                         SaleShell.collect(ctx, action: "/sales/\(s.id)/receipts", plan: m.plan,
                                           payer: s.buyers.first.map { m.access.name($0, consultant: s.consultantId) } ?? "",
                                           today: m.today, failure: m.failure))),
            .section(.class("card"), .h2(.text(t("sale.timeline"))), SaleShell.timeline(t, s.events))
        ))
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
            .thead(.tr(.th(.text(t("cust.name"))), .th(.text(t("cust.mobile"))), .th(.class("num"), .text(t("sale.share"))))),
            .tbody(.group(s.buyers.map { b in
                let sees = m.access.seesName(owner: b.ownerId, consultant: s.consultantId)
                let owns = b.ownerId != nil && b.ownerId == m.access.principal.userID
                return Node<HTML.TableContext>.tr(
                    .td(sees && CustomerAccess(m.access.principal, project: s.projectId).mayOpen(owner: b.ownerId)
                        ? .a(.href("/projects/\(s.projectId)/customers/\(b.customerId)"), .text(b.name)) : .text(m.access.name(b, consultant: s.consultantId))),
                    .td(.class("mono"), .text(owns ? b.mobile : Masking.mobile(b.mobile))),
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
                SaleShell.field(t, "k", "loan", "sale.loan_amount", value: v["loan"] ?? "", required: true)),
            .if(s.method == .providentLoan || s.method == .combinedLoan,
                SaleShell.field(t, "k", "providentLoan", "sale.provident_amount", value: v["providentLoan"] ?? "", required: true)),
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
                        .td(.input(.type(.text), .name("instalment\(i)"), .value(v["instalment\(i)"] ?? ""), .attribute(named: "aria-label", value: t("sale.amount") + " \(i)"))),
                        .td(.input(.type(.date), .name("instalmentDue\(i)"), .value(v["instalmentDue\(i)"] ?? ""), .attribute(named: "aria-label", value: t("sale.due_on") + " \(i)"))))
                }))))
    }
}

// MARK: - The contract

/// One contract: summary, document file and review, signing, 网签/备案, mortgage, the payment plan
/// with a receipt form per item, refunds and waivers, handover, appointment, delivery, 退房, title.
enum ContractPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var contract: SaleService.Contract
        var sale: SaleService.Subscription
        var receipts: [SaleService.Receipt]
        var banks: [SaleService.Bank]
        var batches: [SaleService.Batch]
        var access: SaleAccess
        var today: CalendarDay
        var now: Date
        var failure: FormFailure?
    }

    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t, c = m.contract
        let signed = c.state == .signed
        let open = signed && c.deliveredOn == nil && c.pendingApprovalId == nil
        return SaleShell.page(ctx, project: m.project, projects: m.projects, tab: .register, title: c.number, .group(
            .div(.class("crumbs"), .a(.href("/projects/\(m.project.id)/sales"), .text(t("sale.tab.sales"))), .text(" / "),
                 .a(.href("/sales/\(c.subscriptionId)"), .text(m.sale.number)), .text(" / \(c.number)")),
            .h1(.text("\(t("sale.contract")) \(c.number) · \(c.unitCode) "), SaleShell.contractBadge(t, c.status)),
            .div(.class("toolbar"),
                .a(.class("button"), .href("/contracts/\(c.id)/print"), .text(t("sale.print_contract"))),
                .a(.class("button"), .href("/sales/\(c.subscriptionId)"), .text(t("sale.open_sale")))),
            .unwrap(c.pendingApprovalId) { a in
                .p(.class("flash ok"), .text(t("sale.pending_approval")), .text(" "), .a(.href("/approvals/\(a)"), .text(t("approvals.open_subject"))))
            },
            .if(c.state == .terminated, .p(.class("flash error"), .text(t("sale.terminated_on", ["date": c.terminatedOn ?? "", "reason": c.terminationReason])))),
            FormFailure.view(m.failure, form: "top"),
            .div(.class("columns"),
                .section(.class("card"), .h2(.text(t("sale.contract_summary"))), summary(t, m)),
                .section(.class("card"), .h2(.text(t("sale.documents"))), documents(ctx, m))),
            .if(c.state == .draft, .section(.class("card"), .h2(.text(t("sale.review_and_sign"))), review(ctx, m))),
            .if(signed, .section(.class("card"), .h2(.text(t("sale.registration"))), registration(ctx, m))),
            .if(c.method.usesLoan && c.state != .draft, .section(.class("card"), .h2(.text(t("sale.mortgage"))), mortgage(ctx, m))),
            .section(.class("card"), .h2(.text(t("sale.plan"))), plan(t, m), collect(ctx, m)),
            .if(c.state != .terminated && m.access.handles, moneyRequests(ctx, m)),
            .if(c.state != .terminated && m.access.sells && c.pendingApprovalId == nil, planChange(ctx, m)),
            .if(signed, .section(.class("card"), .h2(.text(t("sale.handover"))), handover(ctx, m))),
            .if(signed && c.deliveredOn != nil, .section(.class("card"), .h2(.text(t("sale.title"))), title(ctx, m))),
            .if(open && m.access.sells, .section(.class("card"), .h2(.text(t("sale.terminate"))),
                .p(.class("muted small"), .text(t("sale.terminate_hint"))),
                FormFailure.view(m.failure, form: "terminate"),
                .form(.class("grid-form"), .method(.post), .action("/contracts/\(c.id)/terminate"), Shell.csrfField(ctx),
                      SaleShell.field(t, "x", "reason", "field.reason", required: true, cls: "field wide"),
                      SaleShell.field(t, "x", "retained", "sale.terminate_retained", placeholder: "0"),
                      SaleShell.submit(t, "sale.terminate_submit", confirm: "sale.terminate_confirm", danger: true)))),
            .section(.class("card"), .h2(.text(t("sale.receipts"))), SaleShell.receipts(t, m.receipts)),
            .section(.class("card"), .h2(.text(t("sale.timeline"))), SaleShell.timeline(t, c.events))
        ))
    }

    static func summary(_ t: Localizer, _ m: Model) -> Node<HTML.BodyContext> {
        let c = m.contract
        return .dl(.class("wide"),
            .dt(.text(t("sale.buyers"))), .dd(.text(c.buyers.map { "\(m.access.name($0, consultant: m.sale.consultantId)) \(SaleShell.shares($0))" }.joined(separator: "、"))),
            .dt(.text(t("sale.buyer_kind"))), .dd(.text(t(c.kind.catalogKey))),
            .dt(.text(t("sale.method"))), .dd(.text(t(c.method.catalogKey))),
            .dt(.text(t("sale.contract_total"))), .dd(.strong(.text(SaleShell.yuan(t, c.total))), .div(.class("muted small"), .text(ChineseAmount.capitals(c.total)))),
            .dt(.text(t("sale.contract_area"))), .dd(.text("\(c.area) ㎡ · \(t("unit.basis.\(c.pricingBasis)"))")),
            .dt(.text(t("sale.deal_unit_price"))), .dd(.text(t("sale.per_m2", ["amount": c.unitPrice.description]))),
            .dt(.text(t("sale.penalty_rate"))), .dd(.text(t("sale.penalty_rate_value", ["rate": SaleShell.perTenThousand(c.penaltyRate)]))),
            .dt(.text(t("sale.delivery_due"))), .dd(.text(c.deliveryDueOn)),
            .dt(.text(t("sale.title_days"))), .dd(.text("\(c.titleDays)")),
            .dt(.text(t("sale.signed_on"))), .dd(.text(c.signedOn ?? "—")),
            .dt(.text(t("sale.consultant"))), .dd(.text(c.consultantName ?? "—")),
            .if(!c.clauses.isEmpty, .group(.dt(.text(t("sale.clauses"))), .dd(.class("pre"), .text(c.clauses)))))
    }

    // MARK: Documents and review

    static func documents(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, c = m.contract
        let editable = c.state == .draft && m.access.handles
        return .group(
            FormFailure.view(m.failure, form: "documents"),
            .table(.class("data"),
                .thead(.tr(.th(.text(t("sale.document"))), .th(.text(t("sale.received"))), .th(.text(t("sale.received_on"))), .th(.text("")))),
                .tbody(.group(c.documents.map { d in documentRow(ctx, m, d, editable: editable) }))),
            .if(!c.missingDocuments.isEmpty, .p(.class("late small"),
                .text(t("sale.documents_missing", ["list": c.missingDocuments.map { t($0.catalogKey) }.joined(separator: "、")])))))
    }

    static func documentRow(_ ctx: PageContext, _ m: Model, _ d: SaleService.Document, editable: Bool) -> Node<HTML.TableContext> {
        let t = ctx.t
        return .tr(
            .td(.text(t("sale.document.\(d.code)")), .if(!d.required, .span(.class("muted small"), .text(" " + t("sale.optional"))))),
            .td(.text(d.received ? "✓ " + t("sale.received") : t("sale.not_received")), .if(!d.received && d.required, .span(.class("late"), .text(" *")))),
            .td(.text(d.receivedOn ?? "—")),
            .td(.if(editable, .form(.class("inline"), .method(.post), .action("/contracts/\(m.contract.id)/documents"), Shell.csrfField(ctx),
                .input(.type(.hidden), .name("code"), .value(d.code)),
                .input(.type(.hidden), .name("received"), .value(d.received ? "false" : "true")),
                .button(.type(.submit), .class("link"), .text(t(d.received ? "sale.mark_missing" : "sale.mark_received")))))))
    }

    static func review(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, c = m.contract
        return .group(
            .dl(.class("wide"),
                .dt(.text(t("sale.review"))), .dd(.text(t(c.review.catalogKey))),
                .unwrap(c.reviewedBy) { by in .group(.dt(.text(t("sale.reviewed_by"))), .dd(.text("\(by) · \(Shell.dateTime(c.reviewedAt))"))) },
                .if(!c.reviewNote.isEmpty, .group(.dt(.text(t("sale.review_note"))), .dd(.text(c.reviewNote))))),
            .if(c.review == .refused && !c.missingDocuments.isEmpty, .div(.class("flash error"),
                .text(t("sale.review_refused_missing")),
                .ul(.group(c.missingDocuments.map { Node<HTML.ListContext>.li(.text(t($0.catalogKey))) })))),
            FormFailure.view(m.failure, form: "review"),
            .if(m.access.reviews, .form(.class("grid-form"), .method(.post), .action("/contracts/\(c.id)/review"), Shell.csrfField(ctx),
                SaleShell.field(t, "r", "note", "sale.review_note", value: m.failure?.form == "review" ? m.failure?.value("note") ?? "" : "", cls: "field wide"),
                .div(.class("field actions"),
                     .button(.type(.submit), .name("decision"), .value("approve"), .class("primary"), .text(t("sale.review_approve"))), .text(" "),
                     .button(.type(.submit), .name("decision"), .value("refuse"), .class("danger"), .text(t("sale.review_refuse")))))),
            FormFailure.view(m.failure, form: "sign"),
            .if(m.access.sells && c.review == .approved && c.pendingApprovalId == nil,
                .form(.class("grid-form top-gap"), .method(.post), .action("/contracts/\(c.id)/sign"), Shell.csrfField(ctx),
                      SaleShell.field(t, "g", "signedOn", "sale.signed_on", .date, value: m.today.description, required: true),
                      SaleShell.submit(t, "sale.sign_submit", confirm: "sale.sign_confirm"))),
            .if(c.review != .approved, .p(.class("muted small"), .text(t("sale.sign_after_review")))))
    }

    // MARK: 网签 / 备案

    static func registration(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, c = m.contract
        let v = m.failure?.form == "registration" ? m.failure!.values : [:]
        return .group(
            .dl(.class("wide"),
                .dt(.text(t("sale.online_sign_no"))), .dd(.text(c.onlineSignNo.isEmpty ? "—" : "\(c.onlineSignNo) · \(c.onlineSignOn ?? "")")),
                .dt(.text(t("sale.filing_no"))), .dd(.text(c.filingNo.isEmpty ? "—" : "\(c.filingNo) · \(c.filingOn ?? "")"))),
            FormFailure.view(m.failure, form: "registration"),
            .if(m.access.handles && (c.onlineSignNo.isEmpty || c.filingNo.isEmpty),
                .form(.class("grid-form"), .method(.post), .action("/contracts/\(c.id)/registration"), Shell.csrfField(ctx),
                    .if(c.onlineSignNo.isEmpty, .group(
                        SaleShell.field(t, "n", "onlineSignNo", "sale.online_sign_no", value: v["onlineSignNo"] ?? ""),
                        SaleShell.field(t, "n", "onlineSignOn", "sale.online_sign_on", .date, value: v["onlineSignOn"] ?? ""))),
                    SaleShell.field(t, "n", "filingNo", "sale.filing_no", value: v["filingNo"] ?? ""),
                    SaleShell.field(t, "n", "filingOn", "sale.filing_on", .date, value: v["filingOn"] ?? ""),
                    SaleShell.submit(t, "action.save"))))
    }

    // MARK: 按揭

    static func mortgage(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, c = m.contract
        return .group(
            .unwrap(c.mortgage, { mg in
                .dl(.class("wide"),
                    .dt(.text(t("sale.bank"))), .dd(.text(mg.bankName)),
                    .dt(.text(t("sale.loan_type"))), .dd(.text(t("sale.loan.\(mg.loanType)"))),
                    .dt(.text(t("sale.loan_amount"))), .dd(.text(SaleShell.yuan(t, Money(fen: mg.commercialFen)))),
                    .dt(.text(t("sale.provident_amount"))), .dd(.text(SaleShell.yuan(t, Money(fen: mg.providentFen)))),
                    .dt(.text(t("sale.term_months"))), .dd(.text("\(mg.termMonths)")),
                    .dt(.text(t("sale.mortgage_stage"))), .dd(.strong(.text(t(mg.current.catalogKey))), .text(" · " + t("sale.since", ["date": mg.stageSince]))))
            }, else: .p(.class("muted"), .text(t("sale.no_mortgage")))),
            FormFailure.view(m.failure, form: "mortgage"),
            .if(m.access.handles && c.state == .signed && (c.mortgage == nil || c.mortgage?.current == .collecting), mortgageForm(ctx, m)),
            FormFailure.view(m.failure, form: "advance"),
            .unwrap(c.mortgage.flatMap { mg in mg.current.next.map { (mg, $0) } }) { pair in
                .if(m.access.handles && c.state == .signed,
                    .form(.class("inline-form"), .method(.post), .action("/contracts/\(c.id)/mortgage/advance"), Shell.csrfField(ctx),
                        SaleShell.idempotencyField(),
                        .input(.type(.hidden), .name("stage"), .value(pair.1.rawValue)),
                        .label(.for("ma-on"), .text(t("sale.advance_to", ["stage": t(pair.1.catalogKey)]))),
                        .input(.type(.date), .id("ma-on"), .name("on"), .value(m.today.description), .required(true)),
                        .button(.type(.submit), .class("primary"), .text(t("sale.advance")))))
            })
    }

    static func mortgageForm(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, c = m.contract
        let v = m.failure?.form == "mortgage" ? m.failure!.values : [:]
        let planLoan = c.plan.filter { $0.kind == .mortgage && $0.isLive }.reduce(Money.zero) { $0 + $1.amount }
        let planProvident = c.plan.filter { $0.kind == .providentLoan && $0.isLive }.reduce(Money.zero) { $0 + $1.amount }
        let banks = m.banks.filter(\.active).map { ($0.id.uuidString, $0.branch.isEmpty ? $0.name : "\($0.name) \($0.branch)") }
        return .form(.class("grid-form top-gap"), .method(.post), .action("/contracts/\(c.id)/mortgage"), Shell.csrfField(ctx),
            SaleShell.select(t, "m", "bankId", "sale.bank", banks, selected: v["bankId"] ?? c.mortgage?.bankId.uuidString, empty: "—"),
            SaleShell.select(t, "m", "loanType", "sale.loan_type", LoanType.allCases.map { ($0.rawValue, t($0.catalogKey)) },
                             selected: v["loanType"] ?? LoanType.expected(for: c.method)?.rawValue),
            SaleShell.field(t, "m", "commercial", "sale.loan_amount", value: v["commercial"] ?? planLoan.plain),
            SaleShell.field(t, "m", "provident", "sale.provident_amount", value: v["provident"] ?? planProvident.plain),
            SaleShell.field(t, "m", "termMonths", "sale.term_months", .number, value: v["termMonths"] ?? c.mortgage.map { "\($0.termMonths)" } ?? "360", required: true),
            SaleShell.submit(t, "action.save"))
    }

    // MARK: 付款计划与收款

    static func plan(_ t: Localizer, _ m: Model) -> Node<HTML.BodyContext> {
        let c = m.contract
        let items = c.plan.filter { $0.isLive || $0.collected.fen != 0 }
        return .table(.class("data plan"),
            .thead(.tr(.th(.text("#")), .th(.text(t("sale.item"))), .th(.text(t("sale.due_on"))), .th(.class("num"), .text(t("sale.amount"))),
                       .th(.class("num"), .text(t("sale.collected"))), .th(.class("num"), .text(t("sale.pending"))),
                       .th(.class("num"), .text(t("sale.outstanding"))), .th(.class("num"), .text(t("sale.overdue_days"))),
                       .th(.class("num"), .text(t("sale.penalty"))), .th(.class("num"), .text(t("sale.waived"))))),
            .tbody(.group(items.map { i in planRow(t, m, i) }),
                   .tr(.class("total"), .td(), .td(.strong(.text(t("sale.total")))), .td(),
                       .td(.class("num"), .strong(.text(items.filter(\.isLive).reduce(Money.zero) { $0 + $1.amount }.description))),
                       .td(.class("num"), .strong(.text(c.collected.description))), .td(),
                       .td(.class("num"), .strong(.text(c.outstanding.description))), .td(),
                       .td(.class("num"), .strong(.text(c.penalty.description))), .td())))
    }

    static func planRow(_ t: Localizer, _ m: Model, _ i: SaleService.PlanItem) -> Node<HTML.TableContext> {
        .tr(.class(i.isLive ? "" : "restricted"),
            .td(.text("\(i.seq)")),
            .td(.text(t(i.kind.catalogKey)), .if(!i.isLive, .span(.class("muted small"), .text(" " + t("sale.item_void"))))),
            .td(SaleShell.due(i.due.description, today: m.today, late: i.overdueDays > 0)),
            .td(.class("num"), .text(i.amount.description)),
            .td(.class("num"), .text(i.collected.description)),
            .td(.class("num"), .text(i.pending.fen == 0 ? "—" : i.pending.description)),
            .td(.class(i.overdueDays > 0 ? "num late" : "num"), .text(i.outstanding.description)),
            .td(.class("num"), .text(i.overdueDays > 0 ? "\(i.overdueDays)" : "—")),
            .td(.class("num"), .text(i.penalty.fen == 0 ? "—" : i.penalty.description)),
            .td(.class("num"), .text(i.waived.fen == 0 ? "—" : i.waived.description)))
    }

    /// One receipt form per item that still expects money; each carries its own idempotency key.
    static func collect(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        guard m.access.collects, m.contract.state != .terminated, m.sale.state != .cancelled else { return .empty }
        let payer = m.contract.buyers.first.map { m.access.name($0, consultant: m.sale.consultantId) } ?? ""
        return SaleShell.collect(ctx, action: "/contracts/\(m.contract.id)/receipts", plan: m.contract.plan, payer: payer, today: m.today,
                                 failure: m.failure)
    }

    /// 退款 and 违约金减免: both go to an approval.
    static func moneyRequests(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, c = m.contract
        let refundable = c.plan.filter { $0.collected.fen > 0 }
        let penalised = c.plan.filter { $0.penaltyDue.fen > 0 }
        if refundable.isEmpty && (penalised.isEmpty || c.state != .signed) { return .empty }
        return .section(.class("card"),
            .h2(.text(t("sale.refund_and_waiver"))),
            .if(!refundable.isEmpty, .group(
                .h3(.text(t("sale.refund_request"))),
                FormFailure.view(m.failure, form: "refund"),
                refundForm(ctx, m, refundable))),
            .if(!penalised.isEmpty && c.state == .signed, .group(
                .h3(.text(t("sale.waiver_request"))),
                FormFailure.view(m.failure, form: "waiver"),
                waiverForm(ctx, m, penalised))))
    }

    /// 付款计划变更: every live line with its amount and due day (the deposit and an area settlement as they
    /// are), one new line, and a reason; filed for the sales manager's approval. A line set to 0 is dropped.
    static func planChange(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, c = m.contract
        let v = m.failure?.form == "plan" ? m.failure!.values : [:]
        let lines = c.plan.filter(\.isLive)
        let fixed: Set<PlanItemKind> = [.deposit, .areaDifference]
        return .section(.class("card"),
            .h2(.text(t("sale.plan_change"))),
            .p(.class("muted"), .text(t("sale.plan_change_hint", ["total": c.total.description]))),
            FormFailure.view(m.failure, form: "plan"),
            .form(.class("grid-form"), .method(.post), .action("/contracts/\(c.id)/plan-change"), Shell.csrfField(ctx),
                .group(lines.map { i in
                    let editable = !fixed.contains(i.kind)
                    return Node<HTML.FormContext>.group(
                        SaleShell.field(t, "p", "amount_\(i.id)", "\(i.seq). \(t(i.kind.catalogKey))", value: v["amount_\(i.id)"] ?? i.amount.plain,
                                        required: !editable, hint: editable ? nil : t("sale.plan_fixed")),
                        SaleShell.field(t, "p", "due_\(i.id)", "sale.due_on", .date, value: v["due_\(i.id)"] ?? i.due.description, required: true))
                }),
                SaleShell.select(t, "p", "newKind", "sale.plan_new_line",
                                 [PlanItemKind.instalment, .downPayment, .maintenanceFund].map { ($0.rawValue, t($0.catalogKey)) }, selected: v["newKind"]),
                SaleShell.field(t, "p", "newAmount", "sale.amount_yuan", value: v["newAmount"] ?? ""),
                SaleShell.field(t, "p", "newDue", "sale.due_on", .date, value: v["newDue"] ?? ""),
                SaleShell.field(t, "p", "reason", "field.reason", value: v["reason"] ?? "", required: true, cls: "field wide"),
                SaleShell.submit(t, "inv.unit.request_approval")))
    }

    static func refundForm(_ ctx: PageContext, _ m: Model, _ items: [SaleService.PlanItem]) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let v = m.failure?.form == "refund" ? m.failure!.values : [:]
        let choices = items.map { ($0.id.uuidString, "\($0.seq). \(t($0.kind.catalogKey)) · \(t("sale.collected")) \($0.collected)") }
        return .form(.class("grid-form"), .method(.post), .action("/contracts/\(m.contract.id)/refunds"), Shell.csrfField(ctx),
            SaleShell.idempotencyField(),
            SaleShell.select(t, "f", "itemId", "sale.item", choices, selected: v["itemId"]),
            SaleShell.field(t, "f", "amount", "sale.amount_yuan", value: v["amount"] ?? "", required: true),
            SaleShell.select(t, "f", "method", "sale.receipt.method", SaleShell.receiptMethods(t), selected: v["method"] ?? "transfer"),
            SaleShell.field(t, "f", "payee", "sale.payee", value: v["payee"] ?? "", required: true),
            SaleShell.field(t, "f", "reason", "field.reason", value: v["reason"] ?? "", required: true, cls: "field wide"),
            SaleShell.submit(t, "inv.unit.request_approval"))
    }

    static func waiverForm(_ ctx: PageContext, _ m: Model, _ items: [SaleService.PlanItem]) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let v = m.failure?.form == "waiver" ? m.failure!.values : [:]
        let choices = items.map { ($0.id.uuidString, "\($0.seq). \(t($0.kind.catalogKey)) · \(t("sale.penalty")) \($0.penaltyDue)") }
        return .form(.class("grid-form"), .method(.post), .action("/contracts/\(m.contract.id)/waivers"), Shell.csrfField(ctx),
            SaleShell.select(t, "w", "itemId", "sale.item", choices, selected: v["itemId"]),
            SaleShell.field(t, "w", "amount", "sale.amount_yuan", value: v["amount"] ?? items.first?.penaltyDue.plain ?? "", required: true),
            SaleShell.field(t, "w", "reason", "field.reason", value: v["reason"] ?? "", required: true, cls: "field wide"),
            SaleShell.submit(t, "inv.unit.request_approval"))
    }

    // MARK: 交付

    static func handover(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, c = m.contract
        let mayAct = m.access.handsOver && c.deliveredOn == nil && c.pendingApprovalId == nil
        return .group(
            areaSettlement(t, c),
            FormFailure.view(m.failure, form: "handover"),
            .if(mayAct, handoverForm(ctx, m)),
            .h3(.text(t("sale.appointment"))),
            .p(.text(c.appointmentAt.map { Shell.dateTime($0) } ?? t("sale.no_appointment"))),
            FormFailure.view(m.failure, form: "book"),
            .if(mayAct || (m.access.handsOver && c.deliveredOn == nil), bookForm(ctx, m)),
            .h3(.text(t("sale.delivery"))),
            .p(.text(c.deliveredOn.map { t("sale.delivered_on", ["date": $0]) } ?? t("sale.not_delivered"))),
            FormFailure.view(m.failure, form: "deliver"),
            .if(mayAct && c.registeredArea != nil,
                .form(.class("inline-form"), .method(.post), .action("/contracts/\(c.id)/deliver"), Shell.csrfField(ctx),
                    .label(.for("d-on"), .text(t("sale.delivered_on_label"))),
                    .input(.type(.date), .id("d-on"), .name("deliveredOn"), .value(m.today.description), .required(true)),
                    .input(.type(.text), .id("d-note"), .name("note"), .placeholder(t("field.note")), .attribute(named: "aria-label", value: t("field.note"))),
                    .button(.type(.submit), .class("primary"), .attribute(named: "data-confirm", value: t("sale.deliver_confirm")), .text(t("sale.deliver_submit"))))),
            .if(mayAct && c.registeredArea == nil, .p(.class("muted small"), .text(t("sale.deliver_after_area")))))
    }

    static func areaSettlement(_ t: Localizer, _ c: SaleService.Contract) -> Node<HTML.BodyContext> {
        guard let reg = c.registeredArea else { return .p(.class("muted"), .text(t("sale.area_not_recorded"))) }
        let ratio = DecimalText.format(Int64(c.areaRatioPpm ?? 0), scale: 4, grouping: false) + "%"
        return .dl(.class("wide"),
            .dt(.text(t("sale.contract_area"))), .dd(.text("\(c.area) ㎡")),
            .dt(.text(t("sale.registered_area"))), .dd(.text("\(Area(hundredths: Int(reg))) ㎡")),
            .dt(.text(t("sale.area_ratio"))), .dd(.text(ratio)),
            .dt(.text(t("sale.area_band"))), .dd(.text(t("sale.area_band.\(c.areaBand ?? "within")"))),
            .dt(.text(t("sale.area_buyer_pays"))), .dd(.text(SaleShell.yuan(t, Money(fen: c.areaBuyerPaysFen ?? 0)))),
            .dt(.text(t("sale.area_developer_bears"))), .dd(.text(SaleShell.yuan(t, Money(fen: c.areaDeveloperBearsFen ?? 0)))),
            .dt(.text(t("sale.area_decision"))), .dd(.text(t("sale.area_decision.\(c.areaDecision ?? "keep")"))))
    }

    static func handoverForm(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, c = m.contract
        let v = m.failure?.form == "handover" ? m.failure!.values : [:]
        return .form(.class("grid-form top-gap"), .method(.post), .action("/contracts/\(c.id)/handover"), Shell.csrfField(ctx),
            SaleShell.field(t, "h", "registeredArea", "sale.registered_area", value: v["registeredArea"] ?? c.registeredArea.map { Area(hundredths: Int($0)).description } ?? "",
                            required: true, hint: t("sale.registered_area_hint", ["area": c.area.description])),
            SaleShell.select(t, "h", "decision", "sale.area_decision", ["keep", "return"].map { ($0, t("sale.area_decision.\($0)")) },
                             selected: v["decision"], empty: t("sale.area_decision_none")),
            SaleShell.submit(t, "sale.record_handover"))
    }

    static func bookForm(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, c = m.contract
        let free = m.batches.flatMap { b in b.slots.filter { $0.startsAt > m.now && ($0.booked < $0.capacity || $0.id == c.slotId) }.map { (b, $0) } }
        if free.isEmpty { return .p(.class("muted small"), .text(t("sale.no_slots")), .text(" "), .a(.href("/projects/\(c.projectId)/delivery"), .text(t("sale.tab.delivery")))) }
        return .form(.class("inline-form"), .method(.post), .action("/contracts/\(c.id)/appointment"), Shell.csrfField(ctx),
            .label(.for("bk-slot"), .text(t("sale.slot"))),
            .select(.named("slotId", id: "bk-slot"), slotOptions(t, free, selected: c.slotId)),
            .button(.type(.submit), .class("primary"), .text(t("sale.book"))))
    }

    static func slotOptions(_ t: Localizer, _ slots: [(SaleService.Batch, SaleService.Slot)], selected: UUID?) -> Node<HTML.SelectContext> {
        .group(slots.map { pair in
            Node<HTML.SelectContext>.choice(pair.1.id.uuidString, "\(pair.0.name) · \(Shell.dateTime(pair.1.startsAt)) (\(pair.1.booked)/\(pair.1.capacity))",
                                            selected: pair.1.id == selected)
        })
    }

    // MARK: 产权

    static func title(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, c = m.contract
        let steps: [(TitleStage, String?)] = [(.documentsGathered, c.titleDocsOn), (.deedTaxPaid, c.titleTaxOn), (.applied, c.titleAppliedOn),
                                               (.issued, c.titleIssuedOn), (.handedOver, c.titleHandedOn)]
        return .group(
            .dl(.class("wide"),
                .dt(.text(t("sale.title_stage"))), .dd(.strong(.text(t(c.title.catalogKey)))),
                .dt(.text(t("sale.title_due"))), .dd(SaleShell.due(c.titleDueOn, today: m.today, late: c.title != .handedOver)),
                .group(steps.map { s in Node<HTML.DescriptionListContext>.group(.dt(.text(t(s.0.catalogKey))), .dd(.text(s.1 ?? "—"))) }),
                .if(!c.titleCertificateNo.isEmpty, .group(.dt(.text(t("sale.certificate_no"))), .dd(.class("mono"), .text(c.titleCertificateNo))))),
            FormFailure.view(m.failure, form: "title"),
            .unwrap(c.title.next) { next in
                .if(m.access.handsOver, .form(.class("inline-form"), .method(.post), .action("/contracts/\(c.id)/title"), Shell.csrfField(ctx),
                    .input(.type(.hidden), .name("stage"), .value(next.rawValue)),
                    .label(.for("t-on"), .text(t("sale.advance_to", ["stage": t(next.catalogKey)]))),
                    .input(.type(.date), .id("t-on"), .name("on"), .value(m.today.description), .required(true)),
                    .if(next == .issued, .input(.type(.text), .id("t-cert"), .name("certificateNo"), .placeholder(t("sale.certificate_no")),
                                                .attribute(named: "aria-label", value: t("sale.certificate_no")), .required(true))),
                    .button(.type(.submit), .class("primary"), .text(t("sale.advance")))))
            })
    }
}

// MARK: - 收款核实

/// Finance's desk: receipts by status, pending first, each with 核实 for those who confirm.
enum ReceiptsDeskPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var page: Paged<SaleService.Receipt>
        var status: SaleService.ReceiptStatus?
        var access: SaleAccess
        var query: [String: String]
    }

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

// MARK: - 工作清单

/// The five work lists, each the longest-waiting first, with an Excel export; the overdue
/// payments list also shows the arrears per consultant.
enum WorkListsPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var list: SaleService.WorkList
        var page: Paged<SaleService.WorkRow>
        var arrears: (rows: [SaleService.ArrearsRow], total: SaleService.ArrearsRow)?
        var today: CalendarDay
    }

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

// MARK: - 交付批次

/// Delivery batches with their appointment slots (booked / capacity), and a form for a new batch.
enum DeliveryPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var batches: [SaleService.Batch]
        var access: SaleAccess
        var today: CalendarDay
        var failure: FormFailure?
    }

    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        return SaleShell.page(ctx, project: m.project, projects: m.projects, tab: .delivery, title: t("sale.tab.delivery"), .group(
            m.batches.isEmpty ? .p(.class("muted"), .text(t("sale.no_batches"))) : .group(m.batches.map { batch(t, $0) }),
            .if(m.access.managesDelivery, .section(.class("card"),
                .h2(.text(t("sale.new_batch"))),
                FormFailure.view(m.failure, form: "batch"),
                form(ctx, m)))
        ))
    }

    static func batch(_ t: Localizer, _ b: SaleService.Batch) -> Node<HTML.BodyContext> {
        let days = Dictionary(grouping: b.slots) { CalendarDay($0.startsAt).description }
        let booked = b.slots.reduce(0) { $0 + $1.booked }, capacity = b.slots.reduce(0) { $0 + $1.capacity }
        return .section(.class("card"),
            .h2(.text(b.name), .span(.class("count"), .text(" \(b.firstDay) – \(b.lastDay) · " + t("sale.booked_of", ["booked": "\(booked)", "capacity": "\(capacity)"])))),
            .table(.class("data slots"),
                .thead(.tr(.th(.text(t("sale.day"))), .th(.text(t("sale.slots"))))),
                .tbody(.group(days.keys.sorted().map { d in
                    Node<HTML.TableContext>.tr(.td(.class("nowrap"), .text(d)),
                        .td(.group((days[d] ?? []).map { s in slot(s) })))
                }))))
    }

    static func slot(_ s: SaleService.Slot) -> Node<HTML.BodyContext> {
        let f = DateFormatter()
        f.timeZone = CalendarDay.zone
        f.dateFormat = "HH:mm"
        return .span(.class(s.booked >= s.capacity ? "chip late" : "chip"), .text("\(f.string(from: s.startsAt)) \(s.booked)/\(s.capacity)"))
    }

    static func form(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let v = m.failure?.values ?? [:]
        return .form(.class("grid-form"), .method(.post), .action("/projects/\(m.project.id)/delivery"), Shell.csrfField(ctx),
            SaleShell.field(t, "bt", "name", "sale.batch_name", value: v["name"] ?? "", required: true, placeholder: t("sale.batch_name_hint")),
            SaleShell.field(t, "bt", "firstDay", "sale.first_day", .date, value: v["firstDay"] ?? m.today.adding(days: 30).description, required: true),
            SaleShell.field(t, "bt", "lastDay", "sale.last_day", .date, value: v["lastDay"] ?? m.today.adding(days: 32).description, required: true),
            SaleShell.field(t, "bt", "times", "sale.slot_times", value: v["times"] ?? "09:00, 10:30, 14:00, 15:30", required: true, hint: t("sale.slot_times_hint")),
            SaleShell.field(t, "bt", "capacity", "sale.capacity", .number, value: v["capacity"] ?? "10", required: true),
            SaleShell.submit(t, "action.create"))
    }
}

// MARK: - Printables

/// The printable 认购书 and contract summary: an A4 sheet on its own page (print CSS hides the bar).
enum SalePrint {
    static func page(_ ctx: PageContext, title: String, back: String, _ sheet: Node<HTML.BodyContext>) -> HTML {
        let t = ctx.t
        return HTML(
            .lang(.chinese),
            .head(
                .meta(.charset(.utf8)),
                .meta(.name("viewport"), .content("width=device-width, initial-scale=1")),
                .title(title),
                .stylesheet("/assets/app.css"),
                .stylesheet("/sales/print.css"),
                .script(.src("/sales/print.js"), .attribute(named: "defer", value: "defer"))),
            .body(.class("print"),
                .div(.class("print-bar"),
                    .a(.href(back), .text("← " + t("sale.back"))),
                    .button(.type(.button), .class("primary"), .attribute(named: "data-print", value: "1"), .text(t("sale.print"))),
                    .span(.class("muted small"), .text(t("sale.print_hint")))),
                .div(.class("sheet"), sheet)))
    }

    /// The documents are Chinese whatever the reader's language.
    static func chinese(_ ctx: PageContext) -> Localizer { Localizer(catalog: ctx.t.catalog, language: .zh) }

    /// 认购书.
    static func agreement(_ ctx: PageContext, project: InventoryShell.ProjectRef, sale s: SaleService.Subscription, unit u: UnitRow,
                          building: String, names: [String]) -> HTML {
        let t = chinese(ctx)
        let sheet: Node<HTML.BodyContext> = .group(
            .h1(.text("商品房认购书")),
            .p(.class("no"), .text("编号：\(s.number)")),
            .h2(.text("一、当事人")),
            .table(.class("ptable"),
                .tr(.th(.text("出卖人（甲方）")), .td(.attribute(named: "colspan", value: "2"), .text(project.name))),
                .group(zip(s.buyers, names).enumerated().map { i, pair in
                    Node<HTML.TableContext>.tr(.th(.text(i == 0 ? "买受人（乙方）" : "共有人")), .td(.text(pair.1)),
                                               .td(.text("份额 \(SaleShell.shares(pair.0))")))
                })),
            .h2(.text("二、认购房屋")),
            .table(.class("ptable"),
                .tr(.th(.text("房号")), .td(.text(u.code)), .th(.text("楼栋")), .td(.text(building))),
                .tr(.th(.text("户型")), .td(.text(u.layout.isEmpty ? "—" : u.layout)), .th(.text("用途")), .td(.text(t("unit.usage.\(u.usage)")))),
                .tr(.th(.text("建筑面积")), .td(.text("\(u.builtArea) 平方米")), .th(.text("套内面积")), .td(.text("\(u.innerArea) 平方米"))),
                .tr(.th(.text("计价方式")), .td(.attribute(named: "colspan", value: "3"), .text(t("unit.basis.\(u.pricingBasis)"))))),
            .h2(.text("三、价款与定金")),
            .table(.class("ptable"),
                .tr(.th(.text("成交总价")), .td(.text("人民币 \(s.finalTotal.description) 元")), .td(.class("caps"), .text("大写：" + ChineseAmount.capitals(s.finalTotal)))),
                .tr(.th(.text("定金")), .td(.text("人民币 \(s.deposit.description) 元")), .td(.class("caps"), .text("大写：" + ChineseAmount.capitals(s.deposit)))),
                .tr(.th(.text("付款方式")), .td(.attribute(named: "colspan", value: "2"), .text(t(s.method.catalogKey)))),
                .tr(.th(.text("优惠")), .td(.attribute(named: "colspan", value: "2"),
                                          .text(s.ruleNames.isEmpty ? "无" : s.ruleNames.joined(separator: "、") + "（综合折扣 \(Format.percent(s.effectivePermyriad))）")))),
            .h2(.text("四、签约期限")),
            .p(.text("乙方应于 \(s.contractDeadline) 前（含当日）与甲方签订《商品房买卖合同》。乙方所付定金在签订买卖合同后抵作房价款。")),
            .h2(.text("五、定金罚则")),
            .p(.text("依照《中华人民共和国民法典》第五百八十六条、第五百八十七条：乙方逾期不签订买卖合同的，无权请求返还定金；因甲方原因未能签订买卖合同的，甲方应当双倍返还定金。定金数额不超过成交总价的百分之二十。")),
            .if(!s.note.isEmpty, .group(.h2(.text("六、其他约定")), .p(.text(s.note)))),
            signatures(left: "出卖人（盖章）：", right: "买受人（签字）："),
            .p(.class("small muted"), .text("置业顾问：\(s.consultantName ?? "—")　　打印时间：\(Shell.dateTime(Date()))")))
        return page(ctx, title: "认购书 \(s.number)", back: "/sales/\(s.id)", sheet)
    }

    /// 商品房买卖合同 (summary).
    static func contract(_ ctx: PageContext, project: InventoryShell.ProjectRef, contract c: SaleService.Contract, unit u: UnitRow,
                         building: String, names: [String]) -> HTML {
        let t = chinese(ctx)
        let items = c.plan.filter(\.isLive)
        let sheet: Node<HTML.BodyContext> = .group(
            .h1(.text("商品房买卖合同（摘要）")),
            .p(.class("no"), .text("合同编号：\(c.number)")),
            .h2(.text("一、当事人")),
            .table(.class("ptable"),
                .tr(.th(.text("出卖人")), .td(.attribute(named: "colspan", value: "2"), .text(project.name))),
                .group(zip(c.buyers, names).enumerated().map { i, pair in
                    Node<HTML.TableContext>.tr(.th(.text(i == 0 ? "买受人" : "共有人")), .td(.text(pair.1)), .td(.text("份额 \(SaleShell.shares(pair.0))")))
                }),
                .tr(.th(.text("买受人类型")), .td(.attribute(named: "colspan", value: "2"), .text(t(c.kind.catalogKey))))),
            .h2(.text("二、房屋")),
            .table(.class("ptable"),
                .tr(.th(.text("房号")), .td(.text(u.code)), .th(.text("楼栋")), .td(.text(building))),
                .tr(.th(.text("户型")), .td(.text(u.layout.isEmpty ? "—" : u.layout)), .th(.text("计价方式")), .td(.text(t("unit.basis.\(c.pricingBasis)")))),
                .tr(.th(.text("建筑面积")), .td(.text("\(u.builtArea) 平方米")), .th(.text("套内面积")), .td(.text("\(u.innerArea) 平方米"))),
                .tr(.th(.text("合同计价面积")), .td(.text("\(c.area) 平方米")), .th(.text("成交单价")), .td(.text("\(c.unitPrice.description) 元/平方米")))),
            .h2(.text("三、价款")),
            .table(.class("ptable"),
                .tr(.th(.text("总价款")), .td(.text("人民币 \(c.total.description) 元")), .td(.class("caps"), .text("大写：" + ChineseAmount.capitals(c.total)))),
                .tr(.th(.text("付款方式")), .td(.attribute(named: "colspan", value: "2"), .text(t(c.method.catalogKey))))),
            .h2(.text("四、付款计划")),
            .table(.class("ptable plan"),
                .thead(.tr(.th(.text("期次")), .th(.text("款项")), .th(.text("应付日期")), .th(.text("金额（元）")), .th(.text("大写")))),
                .tbody(.group(items.enumerated().map { n, i in
                    Node<HTML.TableContext>.tr(.td(.text("\(n + 1)")), .td(.text(t(i.kind.catalogKey))), .td(.text(i.due.description)),
                                               .td(.class("num"), .text(i.amount.description)), .td(.class("caps"), .text(ChineseAmount.capitals(i.amount))))
                }))),
            .p(.text("买受人逾期付款的，自应付之日起按日计算违约金，日违约金为逾期应付款的万分之\(SaleShell.perTenThousand(c.penaltyRate))。")),
            .h2(.text("五、交付与产权")),
            .p(.text("出卖人应于 \(c.deliveryDueOn) 前将房屋交付买受人；交付后 \(c.titleDays) 日内协助买受人办理不动产权证书。面积误差按《商品房销售管理办法》第二十条处理。")),
            .h2(.text("六、网签与备案")),
            .table(.class("ptable"),
                .tr(.th(.text("网签号")), .td(.text(c.onlineSignNo.isEmpty ? "—" : c.onlineSignNo)), .th(.text("网签日期")), .td(.text(c.onlineSignOn ?? "—"))),
                .tr(.th(.text("备案号")), .td(.text(c.filingNo.isEmpty ? "—" : c.filingNo)), .th(.text("备案日期")), .td(.text(c.filingOn ?? "—")))),
            .h2(.text("七、补充条款")),
            .p(.class("pre"), .text(c.clauses.isEmpty ? "无" : c.clauses)),
            signatures(left: "出卖人（盖章）：", right: "买受人（签字）："),
            .p(.class("small muted"), .text("签约日期：\(c.signedOn ?? "—")　　打印时间：\(Shell.dateTime(Date()))")))
        return page(ctx, title: "合同 \(c.number)", back: "/contracts/\(c.id)", sheet)
    }

    static func signatures(left: String, right: String) -> Node<HTML.BodyContext> {
        .div(.class("signatures"),
            .div(.p(.text(left)), .div(.class("line")), .p(.text("日期：　　年　　月　　日"))),
            .div(.p(.text(right)), .div(.class("line")), .p(.text("日期：　　年　　月　　日"))))
    }

    static let css = """
        @page { size: A4; margin: 16mm 15mm; }
        body.print { background: #e9ecef; }
        .print-bar { display: flex; gap: 14px; align-items: center; padding: 10px 20px; background: #fff; border-bottom: 1px solid #e3e7ec; }
        .sheet { width: 210mm; min-height: 297mm; margin: 12px auto 40px; padding: 16mm 15mm; background: #fff;
          box-shadow: 0 2px 10px rgba(0,0,0,.12); color: #000; font-size: 11pt; line-height: 1.7;
          font-family: "Songti SC", "STSong", "SimSun", "Noto Serif CJK SC", "Noto Serif SC", serif; }
        .sheet h1 { text-align: center; font-size: 20pt; letter-spacing: .25em; margin: 0 0 2mm; font-weight: 700; }
        .sheet h2 { font-size: 12pt; margin: 6mm 0 2mm; }
        .sheet .no { text-align: right; margin: 0 0 4mm; }
        .sheet table.ptable { width: 100%; border-collapse: collapse; }
        .sheet table.ptable th, .sheet table.ptable td { border: 1px solid #000; padding: 1.5mm 2.5mm; text-align: left; vertical-align: top; font-weight: normal; }
        .sheet table.ptable th { width: 28mm; background: #f4f4f4; white-space: nowrap; }
        .sheet table.ptable td.num { text-align: right; }
        .sheet table.plan th { width: auto; }
        .sheet .num { text-align: right; font-variant-numeric: tabular-nums; }
        .sheet .caps { letter-spacing: .05em; }
        .sheet .signatures { display: grid; grid-template-columns: 1fr 1fr; gap: 14mm; margin-top: 14mm; }
        .sheet .line { border-bottom: 1px solid #000; height: 12mm; margin-bottom: 2mm; }
        .sheet .pre { white-space: pre-wrap; }
        @media print {
          body.print { background: #fff; }
          .print-bar { display: none !important; }
          .sheet { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
          .sheet table.ptable, .sheet .signatures { break-inside: avoid; }
        }
        """

    static let js = """
        document.addEventListener('click', function (e) {
          var b = e.target.closest && e.target.closest('[data-print]');
          if (b) { window.print(); }
        });
        """
}
