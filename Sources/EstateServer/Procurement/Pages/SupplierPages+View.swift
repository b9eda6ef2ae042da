import EstateCore
import Foundation
import Plot

extension SupplierPages {
    /// The procurement frame; its 供应商 tab leads back to the directory.
    static func frame(_ ctx: PageContext, title: String, _ content: Node<HTML.BodyContext>) -> HTML {
        ProcurementShell.page(ctx, tab: .suppliers, project: nil, title: title, content)
    }

    static func standing(_ t: Localizer, _ s: QualificationStanding) -> Node<HTML.BodyContext> {
        .span(.class("ch-st pr-q-\(s.rawValue)"), .text(t("pr.standing.\(s.rawValue)")))
    }

    static func status(_ t: Localizer, _ s: SupplierService.Supplier) -> Node<HTML.BodyContext> {
        if s.status == "blacklisted" { return .span(.class("ch-st pr-st-blacklisted"), .text(t("pr.status.blacklisted"))) }
        if s.blacklistApprovalId != nil { return .span(.class("ch-st pr-st-pending"), .text(t("pr.status.blacklist_pending"))) }
        return .span(.class("ch-st pr-st-active"), .text(t("pr.status.active")))
    }

    static func categories(_ t: Localizer, _ s: SupplierService.Supplier) -> String {
        s.categoryList.map { t($0.catalogKey) }.joined(separator: t.language == .zh ? "、" : ", ")
    }

    static func list(_ ctx: PageContext, _ m: ListModel) -> HTML {
        let t = ctx.t
        return frame(ctx, title: t("pr.suppliers"), .group(
            .section(.class("card"), .id("pr-reminders"),
                .h2(.text(t("pr.reminders")), .span(.class("muted small"), .text(" \(m.reminders.count)"))),
                m.reminders.isEmpty ? .p(.class("muted empty"), .text(t("pr.no_reminders"))) : .div(.class("table-wrap"), .table(.class("data"),
                    .thead(.tr(.th(.text(t("pr.supplier"))), .th(.text(t("pr.category"))), .th(.text(t("pr.qualification"))),
                               .th(.text(t("pr.expires_on"))), .th(.text(t("pr.standing"))))),
                    .tbody(.group(m.reminders.map { s, q in
                        Node<HTML.TableContext>.tr(
                            .td(.a(.href("/procurement/suppliers/\(s.id)"), .text(s.name))),
                            .td(.text(SupplierCategory(rawValue: q.category).map { t($0.catalogKey) } ?? q.category)),
                            .td(.text("\(q.name) \(q.number)")), .td(.class("nowrap mono"), .text(q.expiresOn)),
                            .td(standing(t, q.standing(on: m.today))))
                    }))))),
            .section(.class("card"), .id("pr-directory"),
                .div(.class("toolbar"), .h2(.text(t("pr.directory")), .span(.class("muted small"), .text(" \(m.suppliers.count)"))), .div(.class("spacer")),
                    .form(.method(.get), .action("/procurement/suppliers"),
                        .select(.named("category", id: "pr-filter-category"), .attribute(named: "aria-label", value: t("pr.category")),
                                Node<HTML.SelectContext>.choice("", t("pr.all_categories")),
                                .group(SupplierCategory.allCases.map { Node<HTML.SelectContext>.choice($0.rawValue, t($0.catalogKey), selected: $0 == m.category) })),
                        .select(.named("status", id: "pr-filter-status"), .attribute(named: "aria-label", value: t("field.status")),
                                Node<HTML.SelectContext>.choice("", t("ch.all")),
                                .group(["active", "blacklisted"].map { Node<HTML.SelectContext>.choice($0, t("pr.status.\($0)"), selected: $0 == m.status) })),
                        .input(.type(.search), .name("q"), .value(m.search), .attribute(named: "placeholder", value: t("pr.search")),
                               .attribute(named: "aria-label", value: t("pr.search"))),
                        .button(.type(.submit), .text(t("ch.filter"))))),
                m.suppliers.isEmpty ? .p(.class("muted empty"), .text(t("pr.none"))) : .div(.class("table-wrap"), .table(.class("data"),
                    .thead(.tr(.th(.text(t("pr.supplier"))), .th(.text(t("pr.credit_code"))), .th(.text(t("pr.categories"))),
                               .th(.text(t("pr.contact"))), .th(.text(t("field.status"))))),
                    .tbody(.group(m.suppliers.map { s in
                        Node<HTML.TableContext>.tr(
                            .td(.a(.href("/procurement/suppliers/\(s.id)"), .text(s.name))), .td(.class("mono"), .text(s.creditCode)),
                            .td(.text(categories(t, s))), .td(.text("\(s.contactName) \(s.contactMobile)")), .td(status(t, s)))
                    }))))),
            .section(.class("card"), .id("pr-register"),
                .h2(.text(t("pr.register"))),
                .form(.class("ch-form"), .method(.post), .action("/procurement/suppliers"), Shell.csrfField(ctx),
                    field("pr-name", "name", t("pr.supplier"), required: true),
                    field("pr-code", "creditCode", t("pr.credit_code"), required: true),
                    .div(.class("field"), .span(.text(t("pr.categories"))),
                        .div(.group(SupplierCategory.allCases.map { c in
                            Node<HTML.FormContext>.label(.class("chip"), .input(.type(.checkbox), .name("categories"), .value(c.rawValue)),
                                                         .text(" " + t(c.catalogKey)))
                        }))),
                    field("pr-address", "address", t("pr.address"), required: false),
                    field("pr-bank", "bankName", t("pr.bank_name"), required: true),
                    field("pr-account", "bankAccount", t("pr.bank_account"), required: true),
                    field("pr-contact", "contactName", t("pr.contact"), required: true),
                    field("pr-mobile", "contactMobile", t("pr.mobile"), required: true),
                    .button(.type(.submit), .class("primary"), .text(t("pr.register_submit")))))))
    }

    static func field(_ id: String, _ name: String, _ label: String, required: Bool, type: HTMLInputType = .text) -> Node<HTML.FormContext> {
        .div(.class("field"), .label(.for(id), .text(label)), .input(.type(type), .id(id), .name(name), .required(required)))
    }

    static func show(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let s = m.supplier
        return frame(ctx, title: "\(s.name) · \(t("pr.suppliers"))", .group(
            .section(.class("card"), .id("pr-supplier"),
                .div(.class("toolbar"), .h2(.text(s.name), .text(" "), status(t, s))),
                .dl(.class("facts"),
                    .dt(.text(t("pr.credit_code"))), .dd(.class("mono"), .text(s.creditCode)),
                    .dt(.text(t("pr.categories"))), .dd(.text(categories(t, s))),
                    .dt(.text(t("pr.address"))), .dd(.text(s.address.isEmpty ? "—" : s.address)),
                    .dt(.text(t("pr.bank_name"))), .dd(.text(s.bankName)),
                    .dt(.text(t("pr.bank_account"))), .dd(.class("mono"), .text(s.bankAccount)),
                    .dt(.text(t("pr.contact"))), .dd(.text("\(s.contactName) \(s.contactMobile)")),
                    .unwrap(s.blacklistReason) { .group(.dt(.text(t("pr.blacklist_reason"))), .dd(.text($0))) })),
            .section(.class("card"), .id("pr-scorecard"),
                .h2(.text(t("pr.report.scores")), .text(" "),
                    .span(.class("ch-st pr-score-\(m.card.standing.rawValue)"), .text("\(m.card.total) · \(t("pr.score.standing.\(m.card.standing.rawValue)"))"))),
                .dl(.class("facts"),
                    .dt(.text(t("pr.score.quality"))), .dd(.text("\(m.card.criteria.quality)（\(t("pr.score.repairs")) \(m.card.repairTickets)）")),
                    .dt(.text(t("pr.score.delivery"))), .dd(.text("\(m.card.criteria.delivery)（\(m.card.onTimeInFull)/\(m.card.lines)）")),
                    .dt(.text(t("pr.score.price"))), .dd(.text("\(m.card.criteria.price)")),
                    .dt(.text(t("pr.score.service"))),
                    .dd(.text(m.card.criteria.service.map { "\($0)（\(t("pr.service_mean", ["n": "\(m.card.serviceRatings)"]))）" } ?? t("pr.service_unrated"))),
                    .dt(.text(t("pr.score.applied_weights"))),
                    .dd(.class("mono"), .text("\(m.card.applied.quality) / \(m.card.applied.delivery) / \(m.card.applied.price) / \(m.card.applied.service)")),
                    .unwrap(m.card.overriddenBecause) { .group(.dt(.text(t("pr.score.override"))), .dd(.text($0))) })),
            .section(.class("card"), .id("pr-qualifications"),
                .h2(.text(t("pr.qualifications"))),
                m.qualifications.isEmpty ? .p(.class("muted empty"), .text(t("pr.no_qualifications"))) : .div(.class("table-wrap"), .table(.class("data"),
                    .thead(.tr(.th(.text(t("pr.category"))), .th(.text(t("pr.qualification"))), .th(.text(t("pr.number"))),
                               .th(.text(t("pr.expires_on"))), .th(.text(t("pr.standing"))))),
                    .tbody(.group(m.qualifications.map { q in
                        Node<HTML.TableContext>.tr(
                            .td(.text(SupplierCategory(rawValue: q.category).map { t($0.catalogKey) } ?? q.category)), .td(.text(q.name)),
                            .td(.class("mono"), .text(q.number)), .td(.class("nowrap mono"), .text(q.expiresOn)), .td(standing(t, q.standing(on: m.today))))
                    })))),
                .form(.class("ch-form inline"), .method(.post), .action("/procurement/suppliers/\(s.id)/qualifications"), Shell.csrfField(ctx),
                    .div(.class("field"), .label(.for("pq-category"), .text(t("pr.category"))),
                         .select(.named("category", id: "pq-category"), .group(s.categoryList.map { Node<HTML.SelectContext>.choice($0.rawValue, t($0.catalogKey)) }))),
                    field("pq-name", "name", t("pr.qualification"), required: true),
                    field("pq-number", "number", t("pr.number"), required: true),
                    field("pq-expires", "expiresOn", t("pr.expires_on"), required: true, type: .date),
                    .button(.type(.submit), .text(t("pr.add_qualification"))))),
            .section(.class("card"), .id("pr-documents"),
                .h2(.text(t("pr.documents"))),
                m.documents.isEmpty ? .p(.class("muted empty"), .text(t("pr.no_documents"))) : .div(.class("table-wrap"), .table(.class("data"),
                    .thead(.tr(.th(.text(t("pr.field.title"))), .th(.text(t("pr.document_type"))), .th(.class("num"), .text(t("pr.document_size"))),
                               .th(.text(t("pr.created"))))),
                    .tbody(.group(m.documents.map { a in
                        Node<HTML.TableContext>.tr(
                            .td(.a(.href("/procurement/attachments/\(a.id)"), .attribute(named: "target", value: "_blank"),
                                   .text(a.title.isEmpty ? t("pr.document_untitled") : a.title))),
                            .td(.text(a.contentType == "application/pdf" ? "PDF" : t("pr.document_scan"))),
                            .td(.class("num mono"), .text("\(max(1, a.sizeBytes / 1024)) KB")), .td(.class("nowrap small"), .text(Shell.dateTime(a.createdAt))))
                    })))),
                .form(.class("inline"), .method(.post), .action("/procurement/suppliers/\(s.id)/documents?_csrf=\(ctx.csrf ?? "")"), .enctype(.multipartData),
                      Shell.csrfField(ctx),
                    .input(.type(.text), .name("title"), .attribute(named: "maxlength", value: "100"), .attribute(named: "placeholder", value: t("pr.document_title_hint")),
                           .attribute(named: "aria-label", value: t("pr.field.title"))),
                    .input(.type(.file), .name("file"), .required(true), .attribute(named: "accept", value: "application/pdf,image/jpeg,image/png,image/webp"),
                           .attribute(named: "aria-label", value: t("pr.document_add"))),
                    .button(.type(.submit), .text(t("pr.document_add"))))),
            .section(.class("card"), .id("pr-orders"),
                .h2(.text(t("pr.orders")), .span(.class("muted small"), .text(" \(m.orders.count)"))),
                m.orders.isEmpty ? .p(.class("muted empty"), .text(t("pr.no_orders"))) : .div(.class("table-wrap"), .table(.class("data"),
                    .thead(.tr(.th(.text(t("pr.order_number"))), .th(.text(t("pr.order_title"))), .th(.class("num"), .text(t("pr.total"))),
                               .th(.text(t("field.status"))), .th(.text(t("pr.created"))))),
                    .tbody(.group(m.orders.map { o in
                        Node<HTML.TableContext>.tr(.td(.class("mono"), .a(.href("/procurement/orders/\(o.id)"), .text(o.number))), .td(.text(o.title)),
                                                   .td(.class("num mono"), .text("\(Money(fen: o.totalFen))")),
                                                   .td(.span(.class("ch-st"), .text(t("pr.order_status.\(o.status)")))),
                                                   .td(.class("nowrap small"), .text(Shell.dateTime(o.createdAt))))
                    }))))),
            .if(s.status == "active" && s.blacklistApprovalId == nil && !m.projects.isEmpty, .section(.class("card"), .id("pr-blacklist"),
                .h2(.text(t("pr.blacklist"))),
                .form(.class("ch-form"), .method(.post), .action("/procurement/suppliers/\(s.id)/blacklisting"), Shell.csrfField(ctx),
                    .div(.class("field"), .label(.for("pb-project"), .text(t("pr.blacklist_project"))),
                         .select(.named("projectId", id: "pb-project"), .group(m.projects.map { Node<HTML.SelectContext>.choice($0.id.uuidString, $0.name) }))),
                    field("pb-reason", "reason", t("pr.blacklist_reason"), required: true),
                    .button(.type(.submit), .class("primary"), .text(t("pr.blacklist_submit"))))))))
    }
}
