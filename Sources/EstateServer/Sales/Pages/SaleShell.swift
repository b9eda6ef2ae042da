import EstateCore
import Plot
import Vapor

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
    /// `money` makes it a money box (`moneyInput`).
    static func field(_ t: Localizer, _ form: String, _ name: String, _ label: String, _ type: HTMLInputType = .text,
                      value: String = "", required: Bool = false, hint: String? = nil, placeholder: String? = nil,
                      cls: String = "field", money: Bool = false) -> Node<HTML.FormContext> {
        let id = "\(form)-\(name)"
        return .div(.class(cls),
            .label(.for(id), .text(t(label))),
            money ? moneyInput(id: id, name: name, value: value, required: required, label: nil)
                  : .input(.type(type), .id(id), .name(name), .value(value), .required(required), .placeholder(placeholder ?? "")),
            .unwrap(hint) { .div(.class("hint"), .text($0)) })
    }

    /// A money box: holds any amount the API takes (`MoneyInput`: up to 12 digits and 2 decimals,
    /// "999999999999.99"), so no `maxlength`, `step` or `pattern` that could cut or refuse one, and
    /// the `money` class is wide enough to show all of it (app.css) — a box 80 px wide showed
    /// 2163396.64 as "2163396.6". A decimal keypad on phones.
    static func moneyInput<C: HTML.BodyContext>(id: String, name: String, value: String, required: Bool, label: String?) -> Node<C> {
        .input(.type(.text), .id(id), .name(name), .value(value), .class("money"), .required(required),
               .attribute(named: "inputmode", value: "decimal"), .attribute(named: "autocomplete", value: "off"),
               .unwrap(label) { .attribute(named: "aria-label", value: $0) })
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

    /// One action of the current stage: a button that opens its form (`<details>`: works without
    /// script; app.js keeps one open at a time). A form refused by the server comes back open with
    /// its reasons. `forms` are the failure names the body's forms report under.
    static func action(_ t: Localizer, _ id: String, _ label: String, failure: FormFailure?, forms: [String]? = nil,
                       danger: Bool = false, hint: String? = nil, _ body: Node<HTML.BodyContext>) -> Node<HTML.BodyContext> {
        let names = forms ?? [id]
        let failed = failure.map { names.contains($0.form) } ?? false
        return .element(named: "details", nodes: [
            .class(danger ? "action danger" : "action"), .id("act-\(id)"),
            failed ? .attribute(named: "open", value: "open") : .empty,
            .element(named: "summary", nodes: [.class(danger ? "button danger" : "button"), .text(t(label))]),
            .div(.class("action-body"),
                 .unwrap(hint) { .p(.class("muted small"), .text($0)) },
                 .group(names.map { FormFailure.view(failure, form: $0) }),
                 body)])
    }

    /// The actions of the current stage that this user may do, as a row of buttons; nothing when none.
    static func actions(_ t: Localizer, _ items: [Node<HTML.BodyContext>]) -> Node<HTML.BodyContext> {
        guard !items.isEmpty else { return .empty }
        return .section(.class("card actions-card"), .attribute(named: "aria-label", value: t("sale.actions")),
                        .div(.class("action-bar"), .group(items)))
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
            .td(.text(r.payer)), .td(.text(r.createdByName)),
            .td(receiptBadge(t, r.status),
                .unwrap(r.rejectionReason) { .div(.class("small reject-reason"), .text(t("sale.rejection_reason", ["reason": $0]))) }),
            .td(.text(r.confirmedByName.map { "\($0) · \(Shell.dateTime(r.confirmedAt))" } ?? "—"),
                .if(r.kind == "receipt" && r.status == SaleService.ReceiptStatus.confirmed.rawValue,
                    .group(.text(" "), .a(.href("/projects/\(r.projectId)/receipts/\(r.id)/print"), .attribute(named: "target", value: "_blank"),
                                          .text(t("sale.voucher")))))))
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

    /// The items that still expect money from the buyer (a lender's comes with 已放款).
    static func collectible(_ plan: [SaleService.PlanItem]) -> [SaleService.PlanItem] {
        plan.filter { $0.isLive && !$0.kind.isLoan && $0.amount.fen > 0 && ($0.amount - $0.collected - $0.pending).fen > 0 }
    }

    /// One receipt form per item that still expects money, each with its own idempotency key (a
    /// double submit records once). A lender's money comes in when the mortgage reaches 已放款.
    static func collect(_ ctx: PageContext, action: String, plan: [SaleService.PlanItem], payer: String, today: CalendarDay,
                        failure: FormFailure?, heading: Bool = true) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let open = collectible(plan)
        if open.isEmpty { return .p(.class("muted top-gap"), .text(t("sale.nothing_to_collect"))) }
        return .div(.class(heading ? "top-gap" : ""),
            .if(heading, .h3(.text(t("sale.record_receipt")))),
            .if(heading, FormFailure.view(failure, form: "receipt")),
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
            moneyInput(id: "\(p)-amount", name: "amount", value: v["amount"] ?? rest.plain, required: true, label: t("sale.amount")),
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
