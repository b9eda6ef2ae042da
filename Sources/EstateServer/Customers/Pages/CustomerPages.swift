import EstateCore
import Plot
import Vapor

/// The frame of the customer pages: project, switcher and tabs (客户, 我的跟进, 导入).
enum CustomerShell {
    enum Tab: String, CaseIterable { case list = "customers", followUps = "follow-ups", importing = "customers/import" }

    static func page(_ ctx: PageContext, project: InventoryShell.ProjectRef, projects: [InventoryShell.ProjectRef], tab: Tab?,
                     title: String, _ content: Node<HTML.BodyContext>) -> HTML {
        let t = ctx.t
        let tabs = Tab.allCases.filter { $0 != .importing || ctx.principal?.may(.customersEdit, on: project.id) == true }
        return Shell.page(ctx, title: "\(title) · \(project.name)", .group(
            .div(.class("inv-head"),
                .h1(.text(project.name), .span(.class("muted code"), .text(" " + project.code))),
                ProjectSwitcher.view(t, current: project, projects: projects, home: "/customers")),
            .nav(.class("tabs"), .attribute(named: "aria-label", value: t("nav.customers")),
                .forEach(tabs) { tb in
                    .a(.href("/projects/\(project.id)/\(tb.rawValue)"), .class(tb == tab ? "current" : ""), .text(t("cust.tab.\(tb == .importing ? "import" : tb.rawValue)")))
                }),
            content
        ))
    }

    static func options(_ items: [(String, String)], selected: String?) -> Node<HTML.SelectContext> {
        .group(items.map { item in Node<HTML.SelectContext>.choice(item.0, item.1, selected: item.0 == selected) })
    }

    static func grades(_ t: Localizer) -> [(String, String)] {
        CustomerService.Grade.allCases.map { ($0.rawValue, t("cust.grade.\($0.rawValue)")) }
    }

    static func grade(_ g: String) -> Node<HTML.BodyContext> { .span(.class("grade grade-\(g.lowercased())"), .text(g)) }

    static func owner(_ t: Localizer, _ r: CustomerService.Record) -> Node<HTML.BodyContext> {
        r.ownerID == nil ? .span(.class("pool"), .text(t("cust.pool"))) : .text(r.ownerName ?? "—")
    }

    static func mobile(_ a: CustomerAccess, _ r: CustomerService.Record) -> String {
        a.seesFullMobile(owner: r.ownerID) ? r.mobile : Masking.mobile(r.mobile)
    }
}

/// 客户列表: search (name, mobile, last four digits, ID number, unit code), filters, bulk
/// reassignment for managers, Excel in and out, and a form for a new customer.
enum CustomersPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var page: Paged<CustomerService.Record>
        var access: CustomerAccess
        var consultants: [(id: UUID, name: String)]
        var filter: CustomerService.Filter
        var query: [String: String]
        var form: [String: String] = [:]
        var errors: [Problem.FieldError] = []
        var formError: String?
        var formErrorArguments: [String: String] = [:]
    }

    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t, f = m.filter, a = m.access
        let base = "/projects/\(m.project.id)"
        let exportQuery = m.query.filter { $0.key != "page" && !$0.value.isEmpty }.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return CustomerShell.page(ctx, project: m.project, projects: m.projects, tab: .list, title: t("cust.tab.customers"), .group(
            .form(.class("filters"), .method(.post), .action("\(base)/customers/search"),
                Shell.csrfField(ctx),
                .div(.class("field wide"), .label(.for("q"), .text(t("cust.search"))),
                     .input(.type(.search), .id("q"), .name("q"), .value(f.q ?? ""),
                            .placeholder(f.identityKey == nil ? t("cust.search_hint") : t("cust.searched_by_id")))),
                .div(.class("field"), .label(.for("grade"), .text(t("cust.grade"))),
                     .select(.field("grade"), .choice("", t("list.all")),
                             CustomerShell.options(CustomerShell.grades(t), selected: f.grade))),
                .div(.class("field"), .label(.for("source"), .text(t("cust.source"))),
                     .select(.field("source"), .choice("", t("list.all")),
                             .forEach(CustomerService.knownSources) { .choice($0, $0, selected: f.source == $0) })),
                .div(.class("field"), .label(.for("owner"), .text(t("cust.owner"))),
                     .select(.field("owner"), .choice("", t("list.all")), .choice("pool", t("cust.pool"), selected: f.pool),
                             .forEach(m.consultants) { c in .choice(c.id.uuidString, c.name, selected: f.ownerID == c.id) })),
                .div(.class("field"), .label(.for("lastContact"), .text(t("cust.last_contact"))),
                     .select(.field("lastContact"), .choice("", t("list.all")),
                             CustomerShell.options(CustomerService.LastContact.allCases.map { ($0.rawValue, t("cust.last.\($0.rawValue)")) }, selected: f.lastContact?.rawValue))),
                .div(.class("field actions"), .label(.text(" ")),
                     .div(.button(.type(.submit), .class("primary"), .text(t("action.filter"))), .text(" "), .a(.href("?"), .text(t("action.reset")))))),
            .div(.class("toolbar"),
                .if(a.mayExport, .a(.class("button"), .href("\(base)/customers.xlsx?\(exportQuery)"), .text(t("cust.export")))),
                .if(ctx.principal?.may(.customersEdit, on: m.project.id) == true,
                    .a(.class("button"), .href("\(base)/customers/import"), .text(t("cust.tab.import"))))),
            .form(.method(.post), .action("\(base)/customers/assign"), .id("assign-form"),
                Shell.csrfField(ctx),
                .table(.class("data customers"),
                    .thead(.tr(
                        .if(a.mayReassign, .th(.input(.type(.checkbox), .attribute(named: "data-check-all", value: "customerIds"),
                                                      .attribute(named: "aria-label", value: t("list.select_all"))))),
                        .th(.text(t("cust.name"))), .th(.text(t("cust.mobile"))), .th(.text(t("cust.grade"))), .th(.text(t("cust.source"))),
                        .th(.text(t("cust.owner"))), .th(.text(t("cust.last_contact"))), .th(.text(t("cust.next_follow_up"))),
                        .th(.class("num"), .text(t("cust.visits"))))),
                    .tbody(.forEach(m.page.items) { r in
                        let open = a.mayOpen(owner: r.ownerID)
                        return .tr(.class(open ? "" : "restricted"),
                            .if(a.mayReassign, .td(.input(.type(.checkbox), .name("customerIds"), .value(r.id.uuidString),
                                                          .attribute(named: "aria-label", value: r.name)))),
                            .td(open ? .a(.href("\(base)/customers/\(r.id)"), .text(r.name)) : .span(.text(Masking.name(r.name)))),
                            .td(.class("mono"), .text(open ? CustomerShell.mobile(a, r) : Masking.mobile(r.mobile))),
                            .td(CustomerShell.grade(r.grade)), .td(.text(open ? r.source : "")), .td(CustomerShell.owner(t, r)),
                            .td(.text(open ? Shell.dateTime(r.lastContactAt) : "")),
                            .td(.text(open ? (r.nextFollowUpOn ?? "") : "")),
                            .td(.class("num"), .text(open ? "\(r.visitCount)" : "")))
                    })),
                .if(m.page.items.isEmpty, .p(.class("muted"), .text(t("cust.none")))),
                .if(a.mayReassign && !m.page.items.isEmpty, .div(.class("inline-form"),
                    .label(.for("assign-owner"), .text(t("cust.assign_to"))),
                    .select(.named("ownerId", id: "assign-owner"), .choice("pool", t("cust.to_pool")),
                            .forEach(m.consultants) { c in .choice(c.id.uuidString, c.name) }),
                    .button(.type(.submit), .class("primary"), .text(t("cust.assign_selected")))))),
            Shell.pager(ctx, m.page, query: m.query),
            .if(a.mayCreate, .section(.class("card"),
                .h2(.text(t("cust.new"))),
                .unwrap(m.formError) { .div(.class("flash error"), .text(t("error.\($0)", m.formErrorArguments))) },
                CustomerForm.fields(ctx, action: "\(base)/customers", values: m.form, errors: m.errors, creating: true,
                                    consultants: a.mayReassign ? m.consultants : [])))
        ))
    }
}

/// The fields of a customer, for the new-customer form and the edit form of the 360 page.
enum CustomerForm {
    static func fields(_ ctx: PageContext, action: String, values v: [String: String], errors: [Problem.FieldError], creating: Bool,
                       consultants: [(id: UUID, name: String)]) -> Node<HTML.BodyContext> {
        let t = ctx.t
        func err(_ f: String) -> Node<HTML.FormContext> {
            .forEach(errors.filter { $0.field == f }) { e in .div(.class("error-text"), .text(t("error.\(e.code)", e.arguments))) }
        }
        func text(_ name: String, _ label: String, required: Bool = false, type: HTMLInputType = .text) -> Node<HTML.FormContext> {
            .div(.class("field"), .label(.for("c-\(name)"), .text(t(label))),
                 .input(.type(type), .id("c-\(name)"), .name(name), .value(v[name] ?? ""), .required(required)), err(name))
        }
        return .form(.class("grid-form"), .method(.post), .action(action),
            Shell.csrfField(ctx),
            text("name", "cust.name", required: creating),
            .div(.class("field"), .label(.for("c-mobile"), .text(t("cust.mobile"))),
                 .input(.type(.tel), .id("c-mobile"), .name("mobile"), .value(v["mobile"] ?? ""), .required(creating),
                        .placeholder(creating ? "" : t("cust.id_keep"))), err("mobile")),
            .div(.class("field"), .label(.for("c-idKind"), .text(t("cust.id_kind"))),
                 .select(.named("idKind", id: "c-idKind"), .choice("", "—"),
                         CustomerShell.options(IdentityKind.allCases.map { ($0.rawValue, t($0.catalogKey)) }, selected: v["idKind"])), err("idKind")),
            .div(.class("field"), .label(.for("c-idNumber"), .text(t("cust.id_number"))),
                 .input(.type(.text), .id("c-idNumber"), .name("idNumber"), .value(v["idNumber"] ?? ""),
                        .placeholder(creating ? "" : t("cust.id_keep"))), err("idNumber")),
            .div(.class("field"), .label(.for("c-gender"), .text(t("cust.gender"))),
                 .select(.named("gender", id: "c-gender"),
                         CustomerShell.options(CustomerService.Gender.allCases.map { ($0.rawValue, t("cust.gender.\($0.rawValue)")) }, selected: v["gender"])),
                 err("gender")),
            .div(.class("field"), .label(.for("c-grade"), .text(t("cust.grade"))),
                 .select(.named("grade", id: "c-grade"),
                         CustomerShell.options(CustomerShell.grades(t), selected: v["grade"] ?? "C")),
                 err("grade")),
            .div(.class("field"), .label(.for("c-source"), .text(t("cust.source"))),
                 .input(.type(.text), .id("c-source"), .name("source"), .value(v["source"] ?? ""), .attribute(named: "list", value: "sources")),
                 .element(named: "datalist", nodes: [.attribute(named: "id", value: "sources"),
                                                     .group(CustomerService.knownSources.map { s in .element(named: "option", nodes: [.attribute(named: "value", value: s)]) })]),
                 err("source")),
            text("address", "cust.address"),
            text("tags", "cust.tags"),
            .if(creating && !consultants.isEmpty, .div(.class("field"), .label(.for("c-owner"), .text(t("cust.owner"))),
                .select(.named("ownerId", id: "c-owner"), .choice("", t("cust.owner_me")), .choice("pool", t("cust.pool")),
                        .forEach(consultants) { c in .choice(c.id.uuidString, c.name, selected: v["ownerId"] == c.id.uuidString) }))),
            .div(.class("field wide"), .label(.for("c-notes"), .text(t("cust.notes"))),
                 .textarea(.id("c-notes"), .name("notes"), .attribute(named: "rows", value: "2"), .text(v["notes"] ?? "")), err("notes")),
            .div(.class("field actions"), .button(.type(.submit), .class("primary"), .text(t(creating ? "cust.create" : "action.save"))))
        )
    }

    static func values(_ r: CustomerService.Record) -> [String: String] {
        ["name": r.name, "gender": r.gender, "grade": r.grade, "source": r.source, "address": r.address,
         "tags": r.tags.joined(separator: ", "), "notes": r.notes, "idKind": r.idKind ?? ""]
    }
}

/// 客户360: everything about one customer on one page — details, ownership and protection,
/// calls and visits, the next follow-up, units they hold, merged records, and the history
/// (including who revealed their personal data, when).
enum CustomerPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var record: CustomerService.Record
        var access: CustomerAccess
        var contacts: [CustomerService.Contact]
        var merged: [CustomerService.Record]
        var holdings: [CustomerService.Holding]
        var history: [AuditQuery.Line]
        var consultants: [(id: UUID, name: String)]
        var revealed: [CustomerService.RevealField: String] = [:]
        var form: [String: String]? = nil
        var errors: [Problem.FieldError] = []
        var contactErrors: [Problem.FieldError] = []
        var contactForm: [String: String] = [:]
    }

    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t, r = m.record, a = m.access
        let base = "/projects/\(m.project.id)/customers/\(r.id)"
        let mobile = m.revealed[.mobile] ?? CustomerShell.mobile(a, r)
        let mobileMasked = m.revealed[.mobile] == nil && !a.seesFullMobile(owner: r.ownerID)
        func revealButton(_ f: CustomerService.RevealField) -> Node<HTML.BodyContext> {
            .form(.class("inline"), .method(.post), .action("\(base)/reveal"), Shell.csrfField(ctx),
                  .input(.type(.hidden), .name("field"), .value(f.rawValue)),
                  .button(.type(.submit), .class("link"), .attribute(named: "title", value: t("cust.reveal_logged")), .text(t("cust.reveal"))))
        }
        let today = CalendarDay(Date()).description
        return CustomerShell.page(ctx, project: m.project, projects: m.projects, tab: nil, title: r.name, .group(
            .div(.class("cust-head"),
                .h2(.text(r.name), .text(" "), CustomerShell.grade(r.grade),
                    .if(r.mergedInto != nil, .span(.class("badge"), .text(t("cust.merged_away"))))),
                .unwrap(r.mergedInto) { into in .p(.a(.href("/projects/\(m.project.id)/customers/\(into)"), .text(t("cust.go_to_kept")))) }),
            .div(.class("grid two"),
                .section(.class("card"),
                    .h3(.text(t("cust.details"))),
                    .dl(.class("facts"),
                        .dt(.text(t("cust.mobile"))),
                        .dd(.span(.class("mono"), .id("mobile-value"), .text(mobile)),
                            .if(mobileMasked && a.mayReveal(owner: r.ownerID), revealButton(.mobile))),
                        .dt(.text(t("cust.id_number"))),
                        .dd(.unwrap(r.idKind.flatMap(IdentityKind.init(rawValue:))) { k in .span(.class("muted"), .text(t(k.catalogKey) + " ")) },
                            .span(.class("mono"), .id("id-value"), .text(m.revealed[.idNumber] ?? r.idMasked ?? "—")),
                            .if(r.hasIdentity && m.revealed[.idNumber] == nil && a.mayReveal(owner: r.ownerID), revealButton(.idNumber))),
                        .dt(.text(t("cust.gender"))), .dd(.text(t("cust.gender.\(r.gender)"))),
                        .dt(.text(t("cust.source"))), .dd(.text(r.source.isEmpty ? "—" : r.source)),
                        .dt(.text(t("cust.address"))), .dd(.text(r.address.isEmpty ? "—" : r.address)),
                        .dt(.text(t("cust.tags"))), .dd(.forEach(r.tags) { .span(.class("tag"), .text($0)) }),
                        .dt(.text(t("cust.notes"))), .dd(.class("pre"), .text(r.notes.isEmpty ? "—" : r.notes)),
                        .dt(.text(t("cust.created"))), .dd(.text(Shell.dateTime(r.createdAt))))),
                .section(.class("card"),
                    .h3(.text(t("cust.ownership"))),
                    .dl(.class("facts"),
                        .dt(.text(t("cust.owner"))), .dd(CustomerShell.owner(t, r)),
                        .dt(.text(t("cust.owned_since"))), .dd(.text(Shell.dateTime(r.ownedSince))),
                        .dt(.text(t("cust.protected_until"))), .dd(.text(Shell.dateTime(r.protectedUntil))),
                        .dt(.text(t("cust.last_contact"))), .dd(.text(Shell.dateTime(r.lastContactAt))),
                        .dt(.text(t("cust.next_follow_up"))),
                        .dd(.unwrap(r.nextFollowUpOn) { d in .span(.class(d < today ? "late" : d == today ? "due-today" : ""), .text(d)) },
                            .if(r.nextFollowUpOn == nil, .text("—")), .if(!r.nextStep.isEmpty, .span(.class("muted"), .text(" · " + r.nextStep)))),
                        .dt(.text(t("cust.counts"))), .dd(.text(t("cust.counts_value", ["visits": "\(r.visitCount)", "calls": "\(r.callCount)"])))),
                    .if(a.mayClaim(owner: r.ownerID) && r.mergedInto == nil,
                        .form(.method(.post), .action("\(base)/claim"), Shell.csrfField(ctx),
                              .button(.type(.submit), .class("primary"), .text(t("cust.claim"))))),
                    .if(a.mayReassign && r.mergedInto == nil,
                        .form(.class("inline-form"), .method(.post), .action("\(base)/assign"), Shell.csrfField(ctx),
                              .label(.for("owner-one"), .text(t("cust.assign_to"))),
                              .select(.named("ownerId", id: "owner-one"), .choice("pool", t("cust.to_pool")),
                                      .forEach(m.consultants) { c in .choice(c.id.uuidString, c.name, selected: c.id == r.ownerID) }),
                              .button(.type(.submit), .text(t("cust.assign"))))),
                    .if(!m.holdings.isEmpty, .group(
                        .h3(.text(t("cust.units"))),
                        .ul(.forEach(m.holdings) { h in
                            .li(.a(.href("/projects/\(m.project.id)/units/\(h.unitID)"), .text(h.unitCode)), .text(" "),
                                .span(.class("st st-\(h.status)"), .text(t("unit.status.\(h.status)"))),
                                .unwrap(h.expiresAt) { e in .span(.class("muted"), .text(" " + t("cust.until", ["date": Shell.dateTime(e)]))) })
                        })))
                )),
            .if(a.mayLogContact(owner: r.ownerID) && r.mergedInto == nil, .section(.class("card"),
                .h3(.text(t("cust.log_contact"))),
                contactForm(ctx, base: base, r: r, m: m))),
            .section(.class("card"),
                .h3(.text(t("cust.timeline"))),
                m.contacts.isEmpty ? .p(.class("muted"), .text(t("cust.no_contacts"))) :
                .table(.class("data"),
                    .thead(.tr(.th(.text(t("cust.when"))), .th(.text(t("cust.kind"))), .th(.text(t("cust.consultant"))),
                               .th(.text(t("cust.interests"))), .th(.text(t("cust.notes"))), .th(.text(t("cust.next_step"))))),
                    .tbody(.forEach(m.contacts) { c in
                        .tr(.td(.text(Shell.dateTime(c.occurredAt))),
                            .td(.text(kind(t, c)), .if(c.customerID != r.id, .span(.class("muted"), .text(" · " + t("cust.from_merged"))))),
                            .td(.text(c.consultantName ?? "—")), .td(.text(c.interests)), .td(.class("pre"), .text(c.notes)),
                            .td(.text(c.nextStep), .unwrap(c.nextFollowUpOn) { .span(.class("muted"), .text(" (\($0))")) }))
                    }))),
            .if(a.mayEdit(owner: r.ownerID) && r.mergedInto == nil, .section(.class("card"),
                .h3(.text(t("cust.edit"))),
                CustomerForm.fields(ctx, action: base, values: m.form ?? CustomerForm.values(r), errors: m.errors, creating: false, consultants: []))),
            .if(!m.merged.isEmpty, .section(.class("card"),
                .h3(.text(t("cust.merged_records"))),
                .ul(.forEach(m.merged) { d in
                    .li(.text("\(d.name) \(Masking.mobile(d.mobile))"), .span(.class("muted"), .text(" · " + t("cust.created") + " " + Shell.dateTime(d.createdAt))))
                }))),
            .if(a.mayMerge && r.mergedInto == nil, .section(.class("card"),
                .h3(.text(t("cust.merge"))),
                .p(.class("muted"), .text(t("cust.merge_hint"))),
                .form(.class("inline-form"), .method(.post), .action("\(base)/merge"), Shell.csrfField(ctx),
                      .label(.for("dup"), .text(t("cust.duplicate_mobile"))),
                      .input(.type(.tel), .id("dup"), .name("duplicateMobile"), .required(true)),
                      .button(.type(.submit), .text(t("cust.merge_into_this")))))),
            .section(.class("card"),
                .h3(.text(t("cust.history"))),
                .table(.class("data"),
                    .thead(.tr(.th(.text(t("audit.at"))), .th(.text(t("audit.actor"))), .th(.text(t("audit.action"))))),
                    .tbody(.forEach(m.history) { l in
                        .tr(.class(l.action == "personal_data.reveal" ? "reveal" : ""),
                            .td(.text(Shell.dateTime(l.at))), .td(.text(l.actorName)),
                            .td(.text(t.catalog.has("cust.audit.\(l.action)")
                                      ? t("cust.audit.\(l.action)", ["field": t("cust.field.\(l.after["field"] ?? "")")]) : l.summary)))
                    })))
        ))
    }

    static func kind(_ t: Localizer, _ c: CustomerService.Contact) -> String {
        if c.kind == "call" { return t("cust.call.\(c.callDirection ?? "inbound")") }
        return t("cust.visit.\(c.visitKind ?? "first")") + (c.partySize.map { " · " + t("cust.party", ["n": "\($0)"]) } ?? "")
    }

    static func contactForm(_ ctx: PageContext, base: String, r: CustomerService.Record, m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, v = m.contactForm
        func err(_ f: String) -> Node<HTML.FormContext> {
            .forEach(m.contactErrors.filter { $0.field == f }) { e in .div(.class("error-text"), .text(t("error.\(e.code)", e.arguments))) }
        }
        let kinds = ["visit_first", "visit_return", "call_inbound", "call_outbound"]
        let defaultKind = r.visitCount == 0 ? "visit_first" : "visit_return"
        return .form(.class("grid-form"), .method(.post), .action("\(base)/contacts"), Shell.csrfField(ctx),
            .div(.class("field"), .label(.for("k-kind"), .text(t("cust.kind"))),
                 .select(.named("kind", id: "k-kind"), CustomerShell.options(kinds.map { ($0, t("cust.kind.\($0)")) }, selected: v["kind"] ?? defaultKind))),
            .div(.class("field short"), .label(.for("k-party"), .text(t("cust.party_size"))),
                 .input(.type(.number), .id("k-party"), .name("partySize"), .value(v["partySize"] ?? ""),
                        .attribute(named: "min", value: "1"), .attribute(named: "max", value: "50")), err("partySize")),
            .div(.class("field"), .label(.for("k-interests"), .text(t("cust.interests"))),
                 .input(.type(.text), .id("k-interests"), .name("interests"), .value(v["interests"] ?? ""), .placeholder(t("cust.interests_hint"))),
                 err("interests")),
            .div(.class("field"), .label(.for("k-next"), .text(t("cust.next_step"))),
                 .input(.type(.text), .id("k-next"), .name("nextStep"), .value(v["nextStep"] ?? "")), err("nextStep")),
            .div(.class("field"), .label(.for("k-date"), .text(t("cust.next_follow_up"))),
                 .input(.type(.date), .id("k-date"), .name("nextFollowUpOn"), .value(v["nextFollowUpOn"] ?? "")), err("nextFollowUpOn")),
            .div(.class("field"), .label(.for("k-grade"), .text(t("cust.grade"))),
                 .select(.named("grade", id: "k-grade"),
                         CustomerShell.options(CustomerShell.grades(t), selected: v["grade"] ?? r.grade))),
            .div(.class("field wide"), .label(.for("k-notes"), .text(t("cust.notes"))),
                 .textarea(.id("k-notes"), .name("notes"), .attribute(named: "rows", value: "2"), .text(v["notes"] ?? "")), err("notes")),
            .div(.class("field actions"), .button(.type(.submit), .class("primary"), .text(t("cust.log"))))
        )
    }
}

/// 我的跟进: the signed-in consultant's follow-ups, overdue first, then today's.
enum FollowUpsPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var due: CustomerService.FollowUps
        var access: CustomerAccess
    }

    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        func table(_ rows: [CustomerService.Record], _ cls: String) -> Node<HTML.BodyContext> {
            rows.isEmpty ? .p(.class("muted"), .text(t("cust.none_due"))) :
            .table(.class("data \(cls)"),
                .thead(.tr(.th(.text(t("cust.next_follow_up"))), .th(.text(t("cust.name"))), .th(.text(t("cust.mobile"))),
                           .th(.text(t("cust.grade"))), .th(.text(t("cust.next_step"))), .th(.text(t("cust.last_contact"))))),
                .tbody(.forEach(rows) { r in
                    .tr(.td(.span(.class(cls == "overdue" ? "late" : "due-today"), .text(r.nextFollowUpOn ?? ""))), .td(.a(.href("/projects/\(m.project.id)/customers/\(r.id)"), .text(r.name))),
                        .td(.class("mono"), .text(CustomerShell.mobile(m.access, r))), .td(CustomerShell.grade(r.grade)),
                        .td(.text(r.nextStep)), .td(.text(Shell.dateTime(r.lastContactAt))))
                }))
        }
        return CustomerShell.page(ctx, project: m.project, projects: m.projects, tab: .followUps, title: t("cust.tab.follow-ups"), .group(
            .section(.class("card"), .h2(.text(t("cust.overdue")), .span(.class("count"), .text(" \(m.due.overdue.count)"))), table(m.due.overdue, "overdue")),
            .section(.class("card"), .h2(.text(t("cust.due_today")), .span(.class("count"), .text(" \(m.due.today.count)"))), table(m.due.today, "today"))
        ))
    }
}

/// 导入客户: the template, the upload with live progress, and every bad row when refused.
enum CustomerImportPage {
    static func view(_ ctx: PageContext, project: InventoryShell.ProjectRef, projects: [InventoryShell.ProjectRef]) -> HTML {
        let t = ctx.t
        let base = "/projects/\(project.id)/customers"
        return CustomerShell.page(ctx, project: project, projects: projects, tab: .importing, title: t("cust.tab.import"), .group(
            .section(.class("card"),
                .h2(.text(t("inv.import.how"))),
                .ol(.li(.text(t("cust.import.step1")), .text(" "), .a(.href("\(base)/template.xlsx"), .text(t("cust.import.template")))),
                    .li(.text(t("cust.import.step2"))),
                    .li(.text(t("inv.import.step3"))))),
            ImportPage.uploadCard(ctx, action: "\(base)/import", ok: t("cust.import.ok", ["imported": "{imported}"]),
                                  next: base, nextLabel: t("cust.tab.customers"))
        ))
    }
}
