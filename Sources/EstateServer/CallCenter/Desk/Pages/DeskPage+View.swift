import EstateCore
import Foundation
import Plot

extension DeskPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        return Shell.page(ctx, title: t("desk.title"), .div(.class("desk-page"),
            .div(.class("inv-head"), .h1(.text(t("desk.title")), .span(.class("report-title"), .text(" · " + t("nav.callcenter"))))),
            .form(.class("desk-search"), .method(.get), .action("/desk"), .attribute(named: "role", value: "search"),
                .input(.type(.search), .id("desk-number"), .name("number"), .value(m.query), .attribute(named: "inputmode", value: "tel"), .attribute(named: "aria-label", value: t("desk.number")),
                       .attribute(named: "maxlength", value: "30"), .attribute(named: "autocomplete", value: "off"),
                       .attribute(named: "autofocus", value: "autofocus"), .placeholder(t("desk.number_placeholder"))),
                .button(.type(.submit), .class("primary"), .text(t("desk.look_up")))),
            .if(m.invalidNumber, .div(.class("flash error"), .attribute(named: "role", value: "alert"), .text(t("error.caller_number_invalid")))),
            .unwrap(m.caller, { caller($0, ctx, m) },
                    else: .if(!m.invalidNumber, .p(.class("muted empty"), .text(t("desk.hint")))))))
    }

    static func caller(_ c: DeskService.Caller, _ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .group(
            who(c, t, m),
            .div(.class("desk-body"),
                .div(.class("desk-main"),
                    section(t("desk.records"), count: c.records.count, records(c, t)),
                    section(t("desk.units"), count: c.purchases.count, units(c, t)),
                    section(t("desk.tickets"), count: c.tickets.count, tickets(c, t, m)),
                    section(t("desk.calls"), count: c.calls.count, calls(c, t, m)),
                    section(t("desk.contacts"), count: c.contacts.count, contacts(c, t))),
                .aside(.class("desk-side"), actions(c, ctx, m))))
    }

    static func section(_ title: String, count: Int, _ body: Node<HTML.BodyContext>) -> Node<HTML.BodyContext> {
        .section(.class("card desk-card"), .h2(.text(title), .span(.class("muted small"), .text(" \(count)"))), body)
    }

    /// Who is calling: their names as the reader may see them, and what they are in each project (业主 / 购房 / 客户).
    static func who(_ c: DeskService.Caller, _ t: Localizer, _ m: Model) -> Node<HTML.BodyContext> {
        let names = c.records.map { r in c.access(r).mayOpen(owner: r.ownerID) ? r.name : Masking.name(r.name) }
        var seen = Set<String>()
        let uniqueNames = names.filter { seen.insert($0).inserted }
        var roles: [(String, String)] = []
        for p in Set(c.records.map(\.projectID)).union(c.purchases.map(\.projectId)).sorted(by: { c.projectLabel($0) < c.projectLabel($1) }) {
            let bought = c.purchases.filter { $0.projectId == p }
            let role = bought.isEmpty ? "customer" : bought.contains { $0.stage == .delivered } ? "owner" : "buyer"
            roles.append((role, c.projectLabel(p)))
        }
        // The same person as a mall's VIP (issue 20).
        for m in c.memberships { roles.append(("member", "\(m.mallName) \(t("member.tier.\(m.tier)"))")) }
        return .div(.class("desk-who card"),
            .div(.class("desk-who-main"),
                .h2(.text(uniqueNames.isEmpty ? t("desk.unknown_caller") : uniqueNames.joined(separator: t("list.separator"))),
                    .span(.class("mono desk-number"), .text(" " + c.number))),
                .div(.class("desk-roles"), .group(roles.map { r in
                    .span(.class("desk-role desk-role-\(r.0)"), .text(t("desk.role.\(r.0)", ["project": r.1])))
                })),
                .if(c.records.isEmpty, .p(.class("muted"), .text(t("desk.no_records"))))),
            .div(.class("desk-who-side muted small"),
                .unwrap(c.lastCallback) { k in
                    .div(.text(t("desk.last_callback", ["number": k.ticketNumber, "when": ServiceShell.clock(k.at),
                                                        "score": "\(k.satisfaction)", "solved": t(k.solved ? "desk.solved" : "desk.not_solved")])))
                },
                .unwrap(m.lookupMilliseconds) { .div(.text(t("desk.took", ["ms": "\($0)"]))) }))
    }

    static func records(_ c: DeskService.Caller, _ t: Localizer) -> Node<HTML.BodyContext> {
        guard !c.records.isEmpty else { return .p(.class("muted empty"), .text(t("desk.none"))) }
        return .div(.class("table-wrap"), .table(.class("data"),
            .thead(.tr(.th(.text(t("desk.field.project"))), .th(.text(t("desk.field.name"))), .th(.text(t("desk.field.mobile"))),
                       .th(.text(t("desk.field.grade"))), .th(.text(t("desk.field.consultant"))), .th(.text(t("desk.field.next_follow_up"))))),
            .tbody(.group(c.records.map { r in
                let a = c.access(r)
                let open = a.mayOpen(owner: r.ownerID)
                return Node<HTML.TableContext>.tr(
                    .td(.text(c.projectLabel(r.projectID))),
                    .td(open ? .a(.href("/projects/\(r.projectID)/customers/\(r.id)"), .text(r.name))
                             : .span(.attribute(named: "title", value: t("desk.restricted")), .text(Masking.name(r.name)))),
                    .td(.class("mono nowrap"), .text(a.seesFullMobile(owner: r.ownerID) ? r.mobile : Masking.mobile(r.mobile))),
                    .td(.text(open ? r.grade : "—")),
                    .td(.text(r.ownerID == nil ? t("cust.pool") : r.ownerName ?? "—")),
                    .td(.class("nowrap"), .text(open ? r.nextFollowUpOn.map { $0 + (r.nextStep.isEmpty ? "" : " · " + r.nextStep) } ?? "—" : "—")))
            }))))
    }

    static func units(_ c: DeskService.Caller, _ t: Localizer) -> Node<HTML.BodyContext> {
        guard !c.purchases.isEmpty else { return .p(.class("muted empty"), .text(t("desk.none"))) }
        return .div(.class("table-wrap"), .table(.class("data"),
            .thead(.tr(.th(.text(t("desk.field.project"))), .th(.text(t("desk.field.unit"))), .th(.text(t("desk.field.stage"))),
                       .th(.text(t("desk.field.document"))), .th(.text(t("desk.field.delivered"))))),
            .tbody(.group(c.purchases.map { p in
                Node<HTML.TableContext>.tr(
                    .td(.text(c.projectLabel(p.projectId))),
                    .td(.class("mono nowrap"), .text(p.unitCode ?? "—")),
                    .td(.class("nowrap"), .span(.class("desk-stage desk-stage-\(p.stage.rawValue)"), .text(t(p.stage.catalogKey)))),
                    .td(.class("mono nowrap"), .text(p.contractNumber ?? p.subscriptionNumber)),
                    .td(.class("nowrap"), .text(p.deliveredOn ?? "—")))
            }))))
    }

    static func tickets(_ c: DeskService.Caller, _ t: Localizer, _ m: Model) -> Node<HTML.BodyContext> {
        guard !c.tickets.isEmpty else { return .p(.class("muted empty"), .text(t("desk.none"))) }
        return .div(.class("table-wrap"), .table(.class("data"),
            .thead(.tr(.th(.text(t("desk.field.number"))), .th(.text(t("desk.field.project"))), .th(.text(t("desk.field.kind"))),
                       .th(.text(t("field.status"))), .th(.text(t("desk.field.title"))), .th(.text(t("desk.field.opened"))))),
            .tbody(.group(c.tickets.map { k in
                Node<HTML.TableContext>.tr(.class(k.ticketStatus == .closed ? "closed" : ""),
                    .td(.class("nowrap"), .a(.class("mono"), .href("/tickets/\(k.id)"), .text(k.number))),
                    .td(.text(c.projectLabel(k.projectId))),
                    .td(.class("nowrap"), ServiceShell.kindBadge(t, k.ticketKind)),
                    .td(.class("nowrap"), ServiceShell.statusBadge(t, k.ticketStatus)),
                    .td(.text(k.title)),
                    .td(.class("nowrap"), .text(ServiceShell.clock(k.createdAt))))
            }))))
    }

    static func calls(_ c: DeskService.Caller, _ t: Localizer, _ m: Model) -> Node<HTML.BodyContext> {
        guard !c.calls.isEmpty else { return .p(.class("muted empty"), .text(t("desk.none"))) }
        return .div(.class("table-wrap"), .table(.class("data"),
            .thead(.tr(.th(.text(t("desk.field.when"))), .th(.text(t("desk.field.direction"))), .th(.text(t("desk.field.agent"))),
                       .th(.text(t("desk.field.category"))), .th(.text(t("desk.field.outcome"))), .th(.text(t("desk.field.note"))))),
            .tbody(.group(c.calls.map { r in
                Node<HTML.TableContext>.tr(
                    .td(.class("nowrap"), .text(ServiceShell.clock(r.offeredAt))),
                    .td(.class("nowrap"), .text(t("call.direction.\(r.direction)")),
                        .if(r.abandoned, .span(.class("muted small"), .text(" " + t("desk.abandoned"))))),
                    .td(.text(r.agentID.flatMap { m.agents[$0] } ?? "—")),
                    .td(.text(r.category.map { t.catalog.has("ticket.kind.\($0)") ? t("ticket.kind.\($0)") : $0 } ?? "—")),
                    .td(.class("nowrap"), .text(r.outcome.map { t("call.outcome.\($0)") } ?? "—"),
                        .unwrap(r.ticketID) { id in .group(.text(" "), .a(.href("/tickets/\(id)"), .text(t("desk.ticket_link")))) }),
                    .td(.class("small"), .text(r.note)))
            }))))
    }

    static func contacts(_ c: DeskService.Caller, _ t: Localizer) -> Node<HTML.BodyContext> {
        guard !c.contacts.isEmpty else { return .p(.class("muted empty"), .text(t("desk.none"))) }
        let project = Dictionary(c.records.map { ($0.id, $0.projectID) }, uniquingKeysWith: { a, _ in a })
        return .div(.class("table-wrap"), .table(.class("data"),
            .thead(.tr(.th(.text(t("desk.field.when"))), .th(.text(t("desk.field.project"))), .th(.text(t("desk.field.contact_kind"))),
                       .th(.text(t("desk.field.by"))), .th(.text(t("desk.field.note"))), .th(.text(t("desk.field.next_follow_up"))))),
            .tbody(.group(c.contacts.map { k in
                Node<HTML.TableContext>.tr(
                    .td(.class("nowrap"), .text(ServiceShell.clock(k.occurredAt))),
                    .td(.text(c.projectLabel(project[k.customerID]))),
                    .td(.class("nowrap"), .text(t("desk.contact.\(k.kind)"))),
                    .td(.text(k.consultantName ?? "—")),
                    .td(.class("small"), .text([k.notes, k.interests].filter { !$0.isEmpty }.joined(separator: " · "))),
                    .td(.class("nowrap"), .text(k.nextFollowUpOn.map { $0 + (k.nextStep.isEmpty ? "" : " · " + k.nextStep) } ?? "—")))
            }))))
    }

    // MARK: What the agent does

    static func actions(_ c: DeskService.Caller, _ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let hasRecord = Set(c.records.map(\.projectID))
        let followable = c.records.filter { c.access($0).mayLogContact(owner: $0.ownerID) }
        let categories = [TicketKind.inquiry, .repair, .complaint, .suggestion, .praise].map { ($0.rawValue, t($0.catalogKey)) }
        return .group(
            .section(.class("card desk-card"), .id("desk-call"),
                .h2(.text(t(m.call == nil ? "desk.log_call" : "desk.call_logged"))),
                .unwrap(m.call, { call in
                    .p(.class("small"), .text(t("desk.call_logged_line", ["when": ServiceShell.clock(call.offeredAt),
                                                                           "outcome": call.outcome.map { t("call.outcome.\($0)") } ?? "—"])))
                }, else: .form(.class("desk-form"), .method(.post), .action("/desk/calls"), Shell.csrfField(ctx),
                    .input(.type(.hidden), .name("number"), .value(c.number)),
                    .input(.type(.hidden), .name("startedAt"), .value(String(Int(m.now.timeIntervalSince1970)))),
                    field(t, "desk-direction", "desk.field.direction", .select(.named("direction", id: "desk-direction"),
                        .group(CallDirection.allCases.map { Node<HTML.SelectContext>.choice($0.rawValue, t($0.catalogKey)) }))),
                    field(t, "desk-project", "desk.field.project", .select(.named("projectId", id: "desk-project"),
                        Node<HTML.SelectContext>.choice("", t("desk.no_project")),
                        .group(m.callProjects.map { p in Node<HTML.SelectContext>.choice(p.id.uuidString, p.name, selected: m.callProjects.count == 1 || (hasRecord.count == 1 && hasRecord.contains(p.id))) }))),
                    field(t, "desk-category", "desk.field.category", .select(.named("category", id: "desk-category"),
                        Node<HTML.SelectContext>.choice("", "—"),
                        .group(categories.map { Node<HTML.SelectContext>.choice($0.0, $0.1) }))),
                    field(t, "desk-outcome", "desk.field.outcome", .select(.named("outcome", id: "desk-outcome"),
                        Node<HTML.SelectContext>.choice("", "—"),
                        .group(CallOutcome.allCases.map { Node<HTML.SelectContext>.choice($0.rawValue, t($0.catalogKey)) }))),
                    field(t, "desk-note", "desk.field.note", .textarea(.id("desk-note"), .name("note"), .attribute(named: "rows", value: "3"),
                                                                      .attribute(named: "maxlength", value: "2000"))),
                    .button(.type(.submit), .class("primary"), .text(t("desk.log_call_button")))))),
            .section(.class("card desk-card"),
                .h2(.text(t("desk.open_ticket"))),
                .p(.class("muted small"), .text(t(m.call == nil ? "desk.ticket_hint" : "desk.ticket_with_call"))),
                m.ticketProjects.isEmpty ? .p(.class("muted"), .text(t("desk.no_ticket_projects")))
                    : .ul(.class("desk-links"), .group(m.ticketProjects.map { p in
                        var q = [URLQueryItem]()
                        if let call = m.call { q.append(.init(name: "call", value: call.id.uuidString)) }
                        // The caller's record in that project fills the contact in; else the number is the contact.
                        q.append(.init(name: hasRecord.contains(p.id) && MobileNumber.isValid(c.number) ? "mobile" : "contact", value: c.number))
                        var comps = URLComponents()
                        comps.path = "/projects/\(p.id)/tickets/new"
                        comps.queryItems = q
                        return Node<HTML.ListContext>.li(.a(.class("button"), .href(comps.string ?? comps.path), .text(t("desk.open_ticket_in", ["project": p.name]))))
                    }))),
            .if(!followable.isEmpty, .section(.class("card desk-card"),
                .h2(.text(t("desk.follow_up"))),
                .form(.class("desk-form"), .method(.post), .action("/desk/follow-ups"), Shell.csrfField(ctx),
                    .input(.type(.hidden), .name("number"), .value(c.number)),
                    .unwrap(m.call) { .input(.type(.hidden), .name("call"), .value($0.id.uuidString)) },
                    field(t, "desk-customer", "desk.field.record", .select(.named("customer", id: "desk-customer"),
                        .group(followable.map { r in Node<HTML.SelectContext>.choice("\(r.projectID)/\(r.id)", "\(c.projectLabel(r.projectID)) · \(r.name)") }))),
                    field(t, "desk-next-step", "desk.field.next_step", .input(.type(.text), .id("desk-next-step"), .name("nextStep"),
                                                                             .attribute(named: "maxlength", value: "200"))),
                    field(t, "desk-next-day", "desk.field.next_follow_up", .input(.type(.date), .id("desk-next-day"), .name("nextFollowUpOn"),
                                                                                 .value(CalendarDay(m.now).adding(days: 1).description))),
                    field(t, "desk-fu-note", "desk.field.note", .textarea(.id("desk-fu-note"), .name("note"), .attribute(named: "rows", value: "2"),
                                                                         .attribute(named: "maxlength", value: "2000"))),
                    .button(.type(.submit), .text(t("desk.follow_up_button")))))))
    }

    static func field(_ t: Localizer, _ id: String, _ label: String, _ control: Node<HTML.FormContext>) -> Node<HTML.FormContext> {
        .div(.class("field"), .label(.for(id), .text(t(label))), control)
    }
}
