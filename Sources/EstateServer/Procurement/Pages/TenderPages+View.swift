import EstateCore
import Foundation
import Plot

extension TenderPages {
    static let form = "tender"
    static let bidForm = "bid"
    static let awardForm = "award"

    static func list(_ ctx: PageContext, _ m: ListModel) -> HTML {
        let t = ctx.t
        let v = FormFailure.values(m.failure, form: form)
        let base = ProcurementShell.Tab.tenders.href(m.project.id)
        let chosen = Set((m.failure?.form == form ? v["supplierIds"] ?? "" : "").split(separator: ",").map(String.init))
        return ProcurementShell.page(ctx, tab: .tenders, project: m.project, projects: m.projects, title: t("pr.tab.tenders"), .group(
            .section(.class("card"), .id("pr-tenders"),
                .h2(.text(t("pr.tenders")), .span(.class("muted small"), .text(" \(m.tenders.count)"))),
                m.tenders.isEmpty ? ProcurementShell.empty(t("pr.no_tenders")) : ProcurementShell.table(
                    [t("pr.field.tenderTitle"), t("pr.estimate"), t("pr.field.opensAt"), t("pr.invited"), t("pr.bids"), t("field.status")], numeric: [1, 3, 4],
                    m.tenders.map { x in
                        let tender = x.0
                        return Node<HTML.TableContext>.tr(
                            .td(.a(.href("/procurement/tenders/\(tender.id)"), .text(tender.title)),
                                .if(tender.publicTender, .span(.class("ch-st pr-flag"), .text(" " + t("pr.public_tender"))))),
                            .td(.class("num mono"), .text(ProcurementShell.money(tender.estimateFen))),
                            .td(.class("nowrap mono"), .text(Shell.dateTime(tender.opensAt))),
                            .td(.class("num mono"), .text("\(x.invited)")), .td(.class("num mono"), .text("\(x.bids)")),
                            .td(ProcurementShell.badge(t, "pr.tender_status", tender.status)))
                    })),
            .section(.class("card"), .id("pr-tender-form"),
                .h2(.text(t("pr.create_tender"))),
                .p(.class("muted small"), .text(t("pr.create_tender_hint"))),
                FormFailure.view(m.failure, form: form),
                m.lines.isEmpty ? ProcurementShell.empty(t("pr.no_open_lines")) : .group(
                // The plan line is chosen first: the invite list below offers only its category's eligible suppliers.
                .form(.class("ch-form"), .method(.get), .action(base), .id("pr-tender-line"),
                    ServiceShell.select(t, form: "tender-line", "line", "pr.field.planLine", m.lines.map { ($0.line.id.uuidString, OrderPages.lineLabel(t, $0)) },
                                        selected: m.chosenLine, failure: nil, required: true, cls: "wide"),
                    .div(.class("actions"), .button(.type(.submit), .text(t("pr.show_line_suppliers"))))),
                .form(.class("ch-form"), .method(.post), .action(base), Shell.csrfField(ctx),
                    .input(.type(.hidden), .name("line"), .value(m.chosenLine ?? "")),
                    .div(.class(ServiceShell.fieldClass(m.failure, form: form, ["line", "planLineId"], base: "field wide full")),
                        .span(.text(t("pr.field.planLine"))),
                        .strong(.text(m.lines.first { $0.line.id.uuidString == m.chosenLine }.map { OrderPages.lineLabel(t, $0) } ?? "—"))),
                    ServiceShell.input(t, form: form, "title", "pr.field.tenderTitle", value: v["title"] ?? "", failure: m.failure, required: true, maxLength: 100),
                    ServiceShell.input(t, form: form, "opensAt", "pr.field.opensAt", .datetimeLocal, value: v["opensAt"] ?? "", failure: m.failure, required: true),
                    .div(.class(ServiceShell.fieldClass(m.failure, form: form, ["supplierIds"], base: "field wide full")),
                        .span(.text(t("pr.field.supplierIds"))),
                        .span(.class("muted small"), .text(t("pr.invite_hint"))),
                        .if(m.suppliers.isEmpty, .p(.class("muted"), .text(t("pr.no_eligible_suppliers")))),
                        .div(.class("pr-chips"), .group(m.suppliers.map { s in
                            Node<HTML.FormContext>.label(.class("chip"),
                                .input(.type(.checkbox), .name("supplierIds"), .value(s.id.uuidString), .checked(chosen.contains(s.id.uuidString))),
                                .text(" \(s.name)"), .span(.class("muted small"), .text(" " + SupplierPages.categories(t, s))))
                        }))),
                    .button(.type(.submit), .class("primary"), .text(t("pr.create_tender_submit"))))))))
    }

    static func show(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let tn = m.tender
        let due = m.now >= tn.opensAt
        let opened = tn.openedAt != nil
        let bv = FormFailure.values(m.failure, form: bidForm)
        let av = FormFailure.values(m.failure, form: awardForm)
        let awarded = tn.awardedBidId
        return ProcurementShell.page(ctx, tab: .tenders, project: m.project, title: tn.title, .group(
            .section(.class("card"), .id("pr-tender"),
                .div(.class("toolbar"), .h2(.text(tn.title), .text(" "), ProcurementShell.badge(t, "pr.tender_status", tn.status))),
                .dl(.class("facts"),
                    .dt(.text(t("pr.field.planLine"))), .dd(.text(m.line.map { "\($0.material)（\(ProcurementShell.qty($0.quantityMilli)) \($0.unit)）" } ?? "—")),
                    .dt(.text(t("pr.estimate"))), .dd(.class("mono"), .text(ProcurementShell.money(tn.estimateFen))),
                    .if(tn.publicTender, .group(.dt(.text(t("pr.public_tender"))), .dd(.text(t("pr.public_tender_note"))))),
                    .dt(.text(t("pr.field.opensAt"))), .dd(.class("mono"), .text(Shell.dateTime(tn.opensAt))),
                    .dt(.text(t("pr.bids"))), .dd(.text(t("pr.bid_count", ["n": "\(m.bidCount)", "invited": "\(m.invited.count)"]))),
                    .unwrap(tn.orderId) { .group(.dt(.text(t("pr.awarded_order"))), .dd(.a(.href("/procurement/orders/\($0)"), .text(t("pr.view_order"))))) },
                    .unwrap(tn.awardReason) { .group(.dt(.text(t("pr.award_reason"))), .dd(.text($0))) })),
            .section(.class("card"), .id("pr-invited"),
                .h2(.text(t("pr.invited")), .span(.class("muted small"), .text(" \(m.invited.count)"))),
                .ul(.class("pr-invited"), .group(m.invited.map { s in
                    Node<HTML.ListContext>.li(.a(.href("/procurement/suppliers/\(s.id)"), .text(s.name)))
                }))),
            .if(!opened, .section(.class("card"), .id("pr-opening"),
                .h2(.text(t("pr.opening"))),
                .p(.class("pr-sealed"), .text(t("pr.sealed_note", ["n": "\(m.bidCount)"]))),
                .p(.text(!due ? t("pr.opening_not_due", ["at": Shell.dateTime(tn.opensAt)])
                         : tn.firstOpener == nil ? t("pr.opening_due")
                         : tn.firstOpener == m.me ? t("pr.opening_first_is_you") : t("pr.opening_first_present"))),
                FormFailure.view(m.failure, form: "opening"),
                .if(due, .form(.class("inline"), .method(.post), .action("/procurement/tenders/\(tn.id)/opening"), Shell.csrfField(ctx),
                    .button(.type(.submit), .class("primary"), .text(t(tn.firstOpener == nil ? "pr.open_first" : "pr.open_second"))))))),
            .if(!opened && !due, .section(.class("card"), .id("pr-bid-form"),
                .h2(.text(t("pr.enter_bid"))),
                .p(.class("muted small"), .text(t("pr.enter_bid_hint"))),
                FormFailure.view(m.failure, form: bidForm),
                .form(.class("ch-form"), .method(.post), .action("/procurement/tenders/\(tn.id)/bids"), Shell.csrfField(ctx),
                    ServiceShell.select(t, form: bidForm, "supplierId", "pr.supplier", m.invited.map { ($0.id.uuidString, $0.name) }, selected: bv["supplierId"],
                                        failure: m.failure, required: true),
                    ServiceShell.input(t, form: bidForm, "unitPrice", "pr.field.unitPrice", value: "", failure: m.failure, required: true),
                    ServiceShell.input(t, form: bidForm, "deliveryDays", "pr.field.deliveryDays", .number, value: "", failure: m.failure, required: true),
                    ServiceShell.input(t, form: bidForm, "terms", "pr.field.terms", value: "", failure: m.failure, wide: true, maxLength: 500),
                    .button(.type(.submit), .text(t("pr.seal_bid")))))),
            .if(opened, .section(.class("card"), .id("pr-comparison"),
                .h2(.text(t("pr.comparison"))),
                FormFailure.view(m.failure, form: awardForm),
                m.bids.isEmpty ? ProcurementShell.empty(t("pr.no_bids")) :
                .form(.method(.post), .action("/procurement/tenders/\(tn.id)/award"), Shell.csrfField(ctx),
                    .div(.class("table-wrap"), .table(.class("data"),
                        .thead(.tr(.th(.text(awarded == nil ? t("pr.choose") : "")), .th(.text(t("pr.supplier"))), .th(.class("num"), .text(t("pr.field.unitPrice"))),
                                   .th(.class("num"), .text(t("pr.bid_total"))), .th(.class("num"), .text(t("pr.field.deliveryDays"))), .th(.text(t("pr.field.terms"))),
                                   .th(.class("num"), .text(t("pr.report.scores"))))),
                        .tbody(.group(m.bids.map { b in
                            let card = m.scores[b.supplierId]
                            return Node<HTML.TableContext>.tr(.class(b.id == awarded ? "pr-awarded" : ""),
                                .td(awarded == nil
                                    ? .input(.type(.radio), .name("bidId"), .value(b.id.uuidString), .checked(av["bidId"] == b.id.uuidString),
                                             .attribute(named: "aria-label", value: m.names[b.supplierId] ?? ""))
                                    : .if(b.id == awarded, .span(.class("ch-st pr-st-awarded"), .text(t("pr.tender_status.awarded"))))),
                                .td(.text(m.names[b.supplierId] ?? "")),
                                .td(.class("num mono"), .text(b.unitPriceFen.map(ProcurementShell.money) ?? "—")),
                                .td(.class("num mono"), .text(b.totalFen.map(ProcurementShell.money) ?? "—")),
                                .td(.class("num mono"), .text(b.deliveryDays.map { "\($0)" } ?? "—")),
                                .td(.text((b.terms ?? "").isEmpty ? "—" : b.terms!)),
                                .td(.class("num mono"), .text(card.map { c in "\(c.total) · " + t("pr.score.standing." + c.standing.rawValue) } ?? "—")))
                        })))),
                    .if(awarded == nil, .div(.class("ch-form"),
                        ServiceShell.textarea(t, form: awardForm, "reason", "pr.award_reason", value: av["reason"] ?? "", failure: m.failure, required: true,
                                              rows: 2, maxLength: 500, placeholder: t("pr.award_reason_hint")),
                        .button(.type(.submit), .class("primary"), .text(t("pr.award_submit"))))))))))
    }
}
