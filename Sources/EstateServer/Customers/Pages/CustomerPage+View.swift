import EstateCore
import Plot
import Vapor

extension CustomerPage {
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
                            .td(.text(l.after["purpose"] == "print"
                                      ? t("cust.audit.personal_data.reveal.print", ["paper": t("cust.paper.\(l.after["paper"] ?? "agreement")"),
                                                                                   "document": l.after["document"] ?? ""])
                                      : t.catalog.has("cust.audit.\(l.action)")
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
