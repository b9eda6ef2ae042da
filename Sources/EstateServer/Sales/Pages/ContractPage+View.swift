import EstateCore
import Plot
import Vapor

extension ContractPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t, c = m.contract
        let signed = c.state == .signed
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
            SaleShell.actions(t, actions(ctx, m)),
            .div(.class("columns"),
                .section(.class("card"), .h2(.text(t("sale.contract_summary"))), summary(t, m)),
                .section(.class("card"), .h2(.text(t("sale.documents"))), documents(ctx, m))),
            .if(c.state == .draft, .section(.class("card"), .h2(.text(t("sale.review_and_sign"))), review(ctx, m))),
            .if(signed, .section(.class("card"), .h2(.text(t("sale.registration"))), registration(ctx, m))),
            .if(c.method.usesLoan && c.state != .draft, .section(.class("card"), .h2(.text(t("sale.mortgage"))), mortgage(ctx, m))),
            .section(.class("card"), .h2(.text(t("sale.plan"))), plan(t, m)),
            .if(signed, .section(.class("card"), .h2(.text(t("sale.handover"))), handover(ctx, m))),
            .if(signed && c.deliveredOn != nil, .section(.class("card"), .h2(.text(t("sale.title"))), title(ctx, m))),
            .section(.class("card"), .h2(.text(t("sale.receipts"))), SaleShell.receipts(t, m.receipts)),
            .section(.class("card"), .h2(.text(t("sale.timeline"))), SaleShell.timeline(t, c.events))
        ))
    }

    /// The forms of the current stage this user may fill, as buttons: 审核 and 签约 on a draft;
    /// 网签/备案, 按揭资料, 交房面积 and 退房 once signed; receipts, refunds, penalty waivers and plan
    /// changes while the contract stands. The one-line steps (document marks, the next mortgage or
    /// title stage, an appointment, 交付) stay inline where their state is shown.
    static func actions(_ ctx: PageContext, _ m: Model) -> [Node<HTML.BodyContext>] {
        let t = ctx.t, c = m.contract
        let signed = c.state == .signed, live = c.state != .terminated
        var items: [Node<HTML.BodyContext>] = []
        if c.state == .draft && m.access.reviews {
            items.append(SaleShell.action(t, "review", "sale.review", failure: m.failure, reviewForm(ctx, m)))
        }
        if c.state == .draft && m.access.sells && c.review == .approved && c.pendingApprovalId == nil {
            items.append(SaleShell.action(t, "sign", "sale.sign_submit", failure: m.failure, signForm(ctx, m)))
        }
        if signed && m.access.handles && (c.onlineSignNo.isEmpty || c.filingNo.isEmpty) {
            items.append(SaleShell.action(t, "registration", "sale.registration", failure: m.failure, registrationForm(ctx, m)))
        }
        if c.method.usesLoan && signed && m.access.handles && (c.mortgage == nil || c.mortgage?.current == .collecting) {
            items.append(SaleShell.action(t, "mortgage", "sale.mortgage_details", failure: m.failure, mortgageForm(ctx, m)))
        }
        if live && m.access.collects && m.sale.state != .cancelled && !SaleShell.collectible(c.plan).isEmpty {
            let payer = c.buyers.first.map { m.access.name($0, consultant: m.sale.consultantId) } ?? ""
            items.append(SaleShell.action(t, "receipt", "sale.record_receipt", failure: m.failure,
                SaleShell.collect(ctx, action: "/contracts/\(c.id)/receipts", plan: c.plan, payer: payer, today: m.today,
                                  failure: m.failure, heading: false)))
        }
        if live && m.access.handles {
            let refundable = c.plan.filter { $0.collected.fen > 0 }
            let penalised = c.plan.filter { $0.penaltyDue.fen > 0 }
            if !refundable.isEmpty {
                items.append(SaleShell.action(t, "refund", "sale.refund_request", failure: m.failure, refundForm(ctx, m, refundable)))
            }
            if !penalised.isEmpty && signed {
                items.append(SaleShell.action(t, "waiver", "sale.waiver_request", failure: m.failure, waiverForm(ctx, m, penalised)))
            }
        }
        if live && m.access.sells && c.pendingApprovalId == nil {
            items.append(SaleShell.action(t, "plan", "sale.plan_change", failure: m.failure,
                                          hint: t("sale.plan_change_hint", ["total": c.total.description]), planChangeForm(ctx, m)))
        }
        if signed && m.access.handsOver && c.deliveredOn == nil && c.pendingApprovalId == nil {
            items.append(SaleShell.action(t, "handover", "sale.record_handover", failure: m.failure, handoverForm(ctx, m)))
        }
        if signed && c.deliveredOn == nil && c.pendingApprovalId == nil && m.access.sells {
            items.append(SaleShell.action(t, "terminate", "sale.terminate", failure: m.failure, danger: true, hint: t("sale.terminate_hint"),
                .form(.class("grid-form"), .method(.post), .action("/contracts/\(c.id)/terminate"), Shell.csrfField(ctx),
                      SaleShell.field(t, "x", "reason", "field.reason", value: FormFailure.values(m.failure, form: "terminate")["reason"] ?? "",
                                      required: true, cls: "field wide"),
                      SaleShell.field(t, "x", "retained", "sale.terminate_retained", placeholder: "0"),
                      SaleShell.submit(t, "sale.terminate_submit", confirm: "sale.terminate_confirm", danger: true))))
        }
        return items
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
            .if(c.review != .approved, .p(.class("muted small"), .text(t("sale.sign_after_review")))))
    }

    static func reviewForm(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, c = m.contract
        return .form(.class("grid-form"), .method(.post), .action("/contracts/\(c.id)/review"), Shell.csrfField(ctx),
            SaleShell.field(t, "r", "note", "sale.review_note", value: m.failure?.form == "review" ? m.failure?.value("note") ?? "" : "", cls: "field wide"),
            .div(.class("field actions"),
                 .button(.type(.submit), .name("decision"), .value("approve"), .class("primary"), .text(t("sale.review_approve"))), .text(" "),
                 .button(.type(.submit), .name("decision"), .value("refuse"), .class("danger"), .text(t("sale.review_refuse")))))
    }

    static func signForm(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .form(.class("grid-form"), .method(.post), .action("/contracts/\(m.contract.id)/sign"), Shell.csrfField(ctx),
                     SaleShell.field(t, "g", "signedOn", "sale.signed_on", .date, value: m.today.description, required: true),
                     SaleShell.submit(t, "sale.sign_submit", confirm: "sale.sign_confirm"))
    }

    // MARK: 网签 / 备案

    static func registration(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, c = m.contract
        return .dl(.class("wide"),
            .dt(.text(t("sale.online_sign_no"))), .dd(.text(c.onlineSignNo.isEmpty ? "—" : "\(c.onlineSignNo) · \(c.onlineSignOn ?? "")")),
            .dt(.text(t("sale.filing_no"))), .dd(.text(c.filingNo.isEmpty ? "—" : "\(c.filingNo) · \(c.filingOn ?? "")")))
    }

    static func registrationForm(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, c = m.contract
        let v = m.failure?.form == "registration" ? m.failure!.values : [:]
        return .form(.class("grid-form"), .method(.post), .action("/contracts/\(c.id)/registration"), Shell.csrfField(ctx),
            .if(c.onlineSignNo.isEmpty, .group(
                SaleShell.field(t, "n", "onlineSignNo", "sale.online_sign_no", value: v["onlineSignNo"] ?? ""),
                SaleShell.field(t, "n", "onlineSignOn", "sale.online_sign_on", .date, value: v["onlineSignOn"] ?? ""))),
            SaleShell.field(t, "n", "filingNo", "sale.filing_no", value: v["filingNo"] ?? ""),
            SaleShell.field(t, "n", "filingOn", "sale.filing_on", .date, value: v["filingOn"] ?? ""),
            SaleShell.submit(t, "action.save"))
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
        return .form(.class("grid-form"), .method(.post), .action("/contracts/\(c.id)/mortgage"), Shell.csrfField(ctx),
            SaleShell.select(t, "m", "bankId", "sale.bank", banks, selected: v["bankId"] ?? c.mortgage?.bankId.uuidString, empty: "—"),
            SaleShell.select(t, "m", "loanType", "sale.loan_type", LoanType.allCases.map { ($0.rawValue, t($0.catalogKey)) },
                             selected: v["loanType"] ?? LoanType.expected(for: c.method)?.rawValue),
            SaleShell.field(t, "m", "commercial", "sale.loan_amount", value: v["commercial"] ?? planLoan.plain, money: true),
            SaleShell.field(t, "m", "provident", "sale.provident_amount", value: v["provident"] ?? planProvident.plain, money: true),
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

    /// 付款计划变更: every live line with its amount and due day (the deposit and an area settlement as they
    /// are), one new line, and a reason; filed for the sales manager's approval. A line set to 0 is dropped.
    static func planChangeForm(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, c = m.contract
        let v = m.failure?.form == "plan" ? m.failure!.values : [:]
        let lines = c.plan.filter(\.isLive)
        let fixed: Set<PlanItemKind> = [.deposit, .areaDifference]
        return
            .form(.class("grid-form"), .method(.post), .action("/contracts/\(c.id)/plan-change"), Shell.csrfField(ctx),
                .group(lines.map { i in
                    let editable = !fixed.contains(i.kind)
                    return Node<HTML.FormContext>.group(
                        SaleShell.field(t, "p", "amount_\(i.id)", "\(i.seq). \(t(i.kind.catalogKey))", value: v["amount_\(i.id)"] ?? i.amount.plain,
                                        required: !editable, hint: editable ? nil : t("sale.plan_fixed"), money: true),
                        SaleShell.field(t, "p", "due_\(i.id)", "sale.due_on", .date, value: v["due_\(i.id)"] ?? i.due.description, required: true))
                }),
                SaleShell.select(t, "p", "newKind", "sale.plan_new_line",
                                 [PlanItemKind.instalment, .downPayment, .maintenanceFund].map { ($0.rawValue, t($0.catalogKey)) }, selected: v["newKind"]),
                SaleShell.field(t, "p", "newAmount", "sale.amount_yuan", value: v["newAmount"] ?? "", money: true),
                SaleShell.field(t, "p", "newDue", "sale.due_on", .date, value: v["newDue"] ?? ""),
                SaleShell.field(t, "p", "reason", "field.reason", value: v["reason"] ?? "", required: true, cls: "field wide"),
                SaleShell.submit(t, "inv.unit.request_approval"))
    }

    static func refundForm(_ ctx: PageContext, _ m: Model, _ items: [SaleService.PlanItem]) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let v = m.failure?.form == "refund" ? m.failure!.values : [:]
        let choices = items.map { ($0.id.uuidString, "\($0.seq). \(t($0.kind.catalogKey)) · \(t("sale.collected")) \($0.collected)") }
        return .form(.class("grid-form"), .method(.post), .action("/contracts/\(m.contract.id)/refunds"), Shell.csrfField(ctx),
            SaleShell.idempotencyField(),
            SaleShell.select(t, "f", "itemId", "sale.item", choices, selected: v["itemId"]),
            SaleShell.field(t, "f", "amount", "sale.amount_yuan", value: v["amount"] ?? "", required: true, money: true),
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
            SaleShell.field(t, "w", "amount", "sale.amount_yuan", value: v["amount"] ?? items.first?.penaltyDue.plain ?? "", required: true, money: true),
            SaleShell.field(t, "w", "reason", "field.reason", value: v["reason"] ?? "", required: true, cls: "field wide"),
            SaleShell.submit(t, "inv.unit.request_approval"))
    }

    // MARK: 交付

    static func handover(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, c = m.contract
        let mayAct = m.access.handsOver && c.deliveredOn == nil && c.pendingApprovalId == nil
        return .group(
            areaSettlement(t, c),
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
        return .form(.class("grid-form"), .method(.post), .action("/contracts/\(c.id)/handover"), Shell.csrfField(ctx),
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
