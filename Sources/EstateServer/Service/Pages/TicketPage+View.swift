import EstateCore
import Foundation
import Plot

extension TicketPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t, k = m.ticket
        let actions = TicketAction.allCases.filter(m.may)
        // A refused form the ticket's state no longer shows (it moved on meanwhile, or the
        // move was never open to the reader): its message goes at the top.
        var shown = Set(actions.map(\.rawValue))
        if m.mayCallback && !m.callbackByAssignee { shown.insert("callback") }
        if m.works { shown.insert("attachment") }
        if m.works && TicketFlow.mayComment(k.ticketStatus) { shown.insert("comment") }
        return ServiceShell.page(ctx, project: m.project, projects: m.projects, tab: .tickets, title: k.number, .group(
            .div(.class("crumbs"), .a(.href("/projects/\(k.projectId)/tickets"), .text(t("service.tab.tickets"))), .text(" / \(k.number)")),
            .unwrap(m.failure) { f in shown.contains(f.form) ? .empty : FormFailure.view(f, form: f.form) },
            header(t, m),
            sla(t, m),
            .div(.class("columns"),
                .section(.class("card"), .h2(.text(t("ticket.facts"))), facts(t, m)),
                .section(.class("card"), .h2(.text(t("ticket.field.description"))),
                    k.description.isEmpty ? .p(.class("muted"), .text(t("ticket.no_description"))) : .p(.class("pre"), .text(k.description)),
                    outcome(t, m))),
            .if(!actions.isEmpty, .section(.class("card ticket-actions"), .h2(.text(t("ticket.handle"))),
                .div(.class("action-forms"), .group(actions.map { actionForm(ctx, m, $0) })))),
            callbacks(ctx, m),
            attachments(ctx, m),
            log(ctx, m)))
    }

    // MARK: Header

    static func header(_ t: Localizer, _ m: Model) -> Node<HTML.BodyContext> {
        let k = m.ticket
        return .group(
            .h1(.class("ticket-title"), .span(.class("mono"), .text(k.number)), .text(" " + k.title)),
            .div(.class("ticket-badges"),
                 ServiceShell.kindBadge(t, k.ticketKind), ServiceShell.severityBadge(t, k.ticketSeverity), ServiceShell.statusBadge(t, k.ticketStatus),
                 ServiceShell.markers(t, k),
                 .span(.class("muted small"), .text(t("ticket.channel_line", ["channel": t("ticket.channel.\(k.channel)"),
                                                                             "time": Shell.dateTime(k.createdAt)])))),
            .unwrap(k.escalatedAt) { at in
                .div(.class("flash escalation"), .attribute(named: "role", value: "note"),
                     .text(t("ticket.escalated_line", ["reason": t("ticket.escalation.\(k.escalationReason ?? "severity")"),
                                                        "time": ServiceShell.clock(at)])))
            })
    }

    /// 首次响应 and 解决: each deadline, and whether it was met, is running or has passed.
    static func sla(_ t: Localizer, _ m: Model) -> Node<HTML.BodyContext> {
        let k = m.ticket
        func line(_ label: String, due: Date, done: Date?, doneLabel: String, running: Bool) -> Node<HTML.BodyContext> {
            let state: Node<HTML.BodyContext>
            if let done {
                state = .group(.text(t(doneLabel, ["time": ServiceShell.clock(done)]) + " "),
                               done <= due ? .span(.class("badge on"), .text(t("ticket.sla.met")))
                                           : .span(.class("badge bad"), .text(t("ticket.sla.late", ["time": ServiceShell.duration(t, minutes: Int(done.timeIntervalSince(due) / 60))]))))
            } else if running {
                let left = Int((due.timeIntervalSince(m.now) / 60).rounded(.down))
                state = left < 0 ? .span(.class("sla-over"), .text(t("ticket.sla.over", ["time": ServiceShell.duration(t, minutes: left)])))
                                 : .span(.class(left < 60 ? "sla-soon" : "sla-left"), .text(t("ticket.sla.left", ["time": ServiceShell.duration(t, minutes: left)])))
            } else {
                state = .span(.class("muted"), .text("—"))
            }
            return .div(.class("sla-item"),
                .div(.class("sla-label"), .text(t(label))),
                .div(.class("sla-due"), .text(t("ticket.sla.due", ["time": ServiceShell.clock(due)]))),
                .div(.class("sla-state"), state))
        }
        let active = k.ticketStatus.isActive
        return .section(.class("sla-strip"), .attribute(named: "aria-label", value: t("ticket.field.sla")),
            line("ticket.sla.response_terms", due: k.responseDueAt, done: k.respondedAt, doneLabel: "ticket.sla.responded_at", running: active),
            line("ticket.sla.resolve_terms", due: k.resolveDueAt, done: k.resolvedAt, doneLabel: "ticket.sla.resolved_at", running: active),
            .div(.class("sla-item"),
                .div(.class("sla-label"), .text(t("ticket.sla.now"))),
                .div(.class("sla-state big"), ServiceShell.timeLeft(t, k, now: m.now))))
    }

    // MARK: Facts

    static func warranty(_ t: Localizer, _ k: TicketService.Ticket) -> Node<HTML.BodyContext> {
        guard let raw = k.warrantyStatus, let status = WarrantyDecision.Status(rawValue: raw) else { return .text("—") }
        let text: String
        switch status {
        case .inWarranty: text = t("ticket.warranty.in", ["day": k.warrantyLastDay ?? ""])
        case .expired: text = t("ticket.warranty.out", ["day": k.warrantyLastDay ?? ""])
        case .beforeDelivery: text = t("ticket.warranty.before_delivery")
        }
        // The resolver may overrule the warranty: say so where the charge differs from it.
        let overruled = k.chargeable != (status == .expired)
        return .group(.text(text + " "),
                      .span(.class(k.chargeable ? "badge warn" : "badge on"), .text(t(k.chargeable ? "ticket.chargeable" : "ticket.free"))),
                      .if(overruled, .span(.class("muted small"), .text(" " + t("ticket.overruled")))))
    }

    static func facts(_ t: Localizer, _ m: Model) -> Node<HTML.BodyContext> {
        let k = m.ticket, p = m.principal
        func row(_ label: String, _ value: Node<HTML.BodyContext>) -> Node<HTML.DescriptionListContext> { .group(.dt(.text(t(label))), .dd(value)) }
        let mobile = k.contactMobile.isEmpty ? "—" : (m.works ? k.contactMobile : Masking.mobile(k.contactMobile))
        return .dl(.class("wide ticket-facts"),
            row("ticket.field.category", .text(k.categoryPath ?? t("ticket.no_category"))),
            row("ticket.field.unit", .unwrap(k.unitId, { u in
                p.may(.inventoryView, on: k.projectId)
                    ? .a(.class("mono"), .href("/projects/\(k.projectId)/units/\(u)"), .text(k.unitCode ?? ""))
                    : .span(.class("mono"), .text(k.unitCode ?? ""))
            }, else: .span(.class("muted"), .text(t("ticket.no_unit"))))),
            .unwrap(k.customerId) { c in
                row("ticket.field.customer", p.may(.customersView, on: k.projectId)
                    ? .a(.href("/projects/\(k.projectId)/customers/\(c)"), .text(t("ticket.customer_open"))) : .text(t("ticket.customer_linked")))
            },
            .unwrap(k.relatedTicketId) { r in
                row(k.ticketKind == .audit ? "ticket.field.audited_repair" : "ticket.field.from_survey",
                    .a(.class("mono"), .href("/tickets/\(r)"), .text(k.relatedTicketNumber ?? "—")))
            },
            .unwrap(k.auditScore) { row("ticket.field.audit_score", .text(t("ticket.audit_score.\($0)"))) },
            .if(!m.related.isEmpty, row(k.ticketKind == .survey ? "ticket.field.spawned_repairs" : "ticket.field.audits", .group(m.related.map { r in
                .div(.a(.class("mono"), .href("/tickets/\(r.id)"), .text(r.number)), .text(" "), ServiceShell.statusBadge(t, r.ticketStatus),
                     .unwrap(r.auditScore) { .text(" " + t("ticket.audit_score.\($0)")) })
            }))),
            .if(WorkOrderFlow.maySpawnRepair(k.ticketKind, k.ticketStatus) && p.may(.ticketsHandle, on: k.projectId) || p.may(.repairsHandle, on: k.projectId) && WorkOrderFlow.maySpawnRepair(k.ticketKind, k.ticketStatus),
                row("ticket.field.next_work", .a(.class("button"), .href(newTicket(k, kind: .repair)), .text(t("ticket.spawn_repair"))))),
            .if(WorkOrderFlow.mayAudit(k.ticketKind, k.ticketStatus) && p.may(.ticketsManage, on: k.projectId),
                row("ticket.field.next_work", .a(.class("button"), .href(newTicket(k, kind: .audit)), .text(t("ticket.open_audit"))))),
            .if(!m.calls.isEmpty, row("ticket.field.call", .group(m.calls.map { c in
                .div(.text("\(t("call.direction.\(c.direction)")) \(ServiceShell.clock(c.offeredAt))"),
                     .if(p.may(.callsHandle, on: k.projectId), .group(.text(" · "), .a(.href(DeskController.href(number: c.number)), .text(t("ticket.call_desk"))))))
            }))),
            row("ticket.field.contact", .text(k.contactName.isEmpty ? "—" : k.contactName)),
            row("ticket.field.contactMobile", .span(.class("mono"), .text(mobile))),
            .if(!k.location.isEmpty, row("ticket.field.location", .text(k.location))),
            .unwrap(k.component.flatMap(RepairComponent.init(rawValue:))) { c in
                .group(row("ticket.field.component", .text(t(c.catalogKey))),
                       row("ticket.field.warranty", warranty(t, k)))
            },
            .unwrap(k.repeatOf) { r in
                row("ticket.repeat", .group(.text(t("ticket.repeat_of") + "："), .a(.class("mono"), .href("/tickets/\(r)"), .text(k.repeatOfNumber ?? "—"))))
            },
            row("ticket.field.department", .text(k.department.flatMap(TicketService.Department.init(rawValue:)).map { t($0.catalogKey) } ?? "—")),
            row("ticket.field.assignee", .text(k.assigneeName ?? t("ticket.not_assigned"))),
            .if(k.reopenCount > 0, row("ticket.field.reopen_count", .text("\(k.reopenCount)"))),
            .unwrap(k.closedAt) { row("ticket.field.closed_at", .text(Shell.dateTime($0))) })
    }

    /// The new-ticket form for the work that follows this one: a repair from a survey, an audit of a repair.
    static func newTicket(_ k: TicketService.Ticket, kind: TicketKind) -> String {
        var comps = URLComponents()
        comps.path = "/projects/\(k.projectId)/tickets/new"
        comps.queryItems = [.init(name: "kind", value: kind.rawValue), .init(name: "related", value: k.number)]
            + (k.unitCode.map { [.init(name: "unit", value: $0)] } ?? [])
        return comps.string ?? comps.path
    }

    /// 处理结果: what was done, the cause, contractor and cost; the owner's score.
    static func outcome(_ t: Localizer, _ m: Model) -> Node<HTML.BodyContext> {
        let k = m.ticket
        guard !k.resolution.isEmpty || k.cause != nil || k.satisfaction != nil else { return .empty }
        func row(_ label: String, _ value: String) -> Node<HTML.DescriptionListContext> { .group(.dt(.text(t(label))), .dd(.text(value))) }
        return .group(
            .h3(.class("sub"), .text(t("ticket.outcome"))),
            .dl(.class("wide"),
                .if(!k.resolution.isEmpty, .group(.dt(.text(t("ticket.field.resolution"))), .dd(.class("pre"), .text(k.resolution)))),
                .unwrap(k.cause) { row("ticket.field.cause", t("ticket.cause.\($0)")) },
                .if(!k.contractor.isEmpty, row("ticket.field.contractor", k.contractor)),
                .if(k.costFen != 0, row("ticket.field.cost", t("sale.yuan", ["amount": Money(fen: k.costFen).description]))),
                .unwrap(k.satisfaction) { row("ticket.field.satisfaction", t("ticket.satisfaction_n", ["n": "\($0)"])) }))
    }

    // MARK: Action forms

    static func actionForm(_ ctx: PageContext, _ m: Model, _ a: TicketAction) -> Node<HTML.BodyContext> {
        let t = ctx.t, k = m.ticket, v = m.values(a.rawValue), f = m.failure
        let form = a.rawValue
        let action = "/tickets/\(k.id)/\(ServiceController.slug(a))"
        func note(_ label: String, required: Bool = false, placeholder: String? = nil) -> Node<HTML.FormContext> {
            ServiceShell.textarea(t, form: form, "note", label, value: v["note"] ?? "", failure: f, required: required, rows: 2, placeholder: placeholder)
        }
        let body: Node<HTML.FormContext>
        switch a {
        case .assign:
            body = .group(
                ServiceShell.select(t, form: form, "department", "ticket.field.department", ServiceShell.departments(t),
                         selected: v["department"] ?? k.department ?? TicketService.Department.customerService.rawValue, failure: f),
                ServiceShell.handlerSelect(t, form: form, m.handlers.filter { !$0.repairsOnly || k.ticketKind.isFieldWork },
                                           selected: v["assigneeId"] ?? k.assigneeId?.uuidString, failure: f, hint: nil, empty: t("ticket.choose"),
                                           required: true),
                note("ticket.field.note"),
                ServiceShell.submit(t, k.assigneeId == nil ? "ticket.action.assign" : "ticket.action.reassign"))
        case .start:
            body = .group(note("ticket.field.note", placeholder: t("ticket.start_placeholder")), ServiceShell.submit(t, "ticket.action.start"))
        case .resolve:
            body = .group(
                note("ticket.field.resolution", required: true, placeholder: t("ticket.resolution_placeholder")),
                .if(k.ticketKind.needsCallback, ServiceShell.select(t, form: form, "cause", "ticket.field.cause", ServiceShell.causes(t), selected: v["cause"] ?? k.cause,
                                                         failure: f, empty: t("ticket.choose"), required: true)),
                .if(k.ticketKind.isRepair, .group(
                    ServiceShell.input(t, form: form, "contractor", "ticket.field.contractor", value: v["contractor"] ?? k.contractor, failure: f, maxLength: 60),
                    ServiceShell.input(t, form: form, "cost", "ticket.field.cost_yuan", value: v["cost"] ?? (k.costFen == 0 ? "" : Money(fen: k.costFen).plain),
                            failure: f, placeholder: "0.00", maxLength: 14),
                    ServiceShell.select(t, form: form, "chargeable", "ticket.field.chargeable",
                             [("yes", t("ticket.chargeable")), ("no", t("ticket.free"))], selected: v["chargeable"], failure: f,
                             empty: t(k.chargeable ? "ticket.chargeable_auto_yes" : "ticket.chargeable_auto_no"),
                             hint: t("ticket.chargeable_hint")))),
                .if(k.ticketKind == .audit, ServiceShell.select(t, form: form, "score", "ticket.field.audit_score",
                                                                (1...5).reversed().map { ("\($0)", t("ticket.audit_score.\($0)")) },
                                                                selected: v["score"], failure: f, empty: t("ticket.choose"), required: true,
                                                                hint: t("ticket.audit_score_hint"))),
                ServiceShell.submit(t, "ticket.action.resolve"))
        case .startCallback:
            body = .group(note("ticket.field.note"), ServiceShell.submit(t, "ticket.action.start_callback"))
        case .close:
            body = .group(note("ticket.field.note"), ServiceShell.submit(t, "ticket.action.close", confirm: "ticket.close_confirm"))
        case .reopen:
            body = .group(note("ticket.field.reason", required: true), ServiceShell.submit(t, "ticket.action.reopen", confirm: "ticket.reopen_confirm", danger: true))
        }
        return .div(.class("action-form action-\(a.rawValue)"), .attribute(named: "id", value: "act-\(a.rawValue)"),
            .h3(.text(t("ticket.action.\(a == .assign && k.assigneeId != nil ? "reassign" : a.rawValue)"))),
            .p(.class("hint"), .text(t("ticket.action_hint.\(a.rawValue)"))),
            FormFailure.view(f, form: form),
            .form(.class("grid-form"), .method(.post), .action(action), Shell.csrfField(ctx), body))
    }

    // MARK: Callbacks

    static func callbacks(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, k = m.ticket, list = m.detail.callbacks
        let showForm = m.mayCallback
        guard k.ticketKind.needsCallback || !list.isEmpty || showForm else { return .empty }
        let v = m.values("callback"), f = m.failure
        return .section(.class("card"), .attribute(named: "id", value: "callback"),
            .h2(.text(t("ticket.callbacks"))),
            list.isEmpty ? .p(.class("muted"), .text(t(k.ticketKind.needsCallback ? "ticket.no_callbacks" : "ticket.no_callbacks_needed")))
                : .div(.class("table-wrap"), .table(.class("data"),
                    .thead(.tr(.th(.text(t("field.time"))), .th(.text(t("ticket.field.satisfaction"))), .th(.text(t("ticket.field.solved"))),
                               .th(.text(t("field.note"))), .th(.text(t("field.actor"))))),
                    .tbody(.group(list.map { c in
                        Node<HTML.TableContext>.tr(
                            .td(.class("nowrap"), .text(ServiceShell.clock(c.at))),
                            .td(.class("nowrap"), .span(.class("stars"), .attribute(named: "aria-label", value: "\(c.satisfaction)/5"),
                                                        .text(String(repeating: "★", count: c.satisfaction) + String(repeating: "☆", count: 5 - c.satisfaction))),
                                .text(" \(c.satisfaction)/5")),
                            .td(.span(.class(c.solved ? "badge on" : "badge bad"), .text(t(c.solved ? "ticket.solved_yes" : "ticket.solved_no")))),
                            .td(.text(c.note.isEmpty ? "—" : c.note)),
                            .td(.text(c.byName), .if(c.byOwner, .span(.class("muted small"), .text(" · " + t("ticket.by_owner"))))))
                    })))),
            .if(showForm && m.callbackByAssignee, .p(.class("muted small"), .text(t("error.callback_by_assignee")))),
            .if(showForm && !m.callbackByAssignee, .div(.class("action-form"),
                .h3(.text(t("ticket.record_callback"))),
                FormFailure.view(f, form: "callback"),
                .form(.class("grid-form callback-form"), .method(.post), .action("/tickets/\(k.id)/callback"), Shell.csrfField(ctx),
                    .fieldset(.class(ServiceShell.fieldClass(f, form: "callback", ["satisfaction"], base: "field radios")),
                        .element(named: "legend", nodes: [.text(t("ticket.field.satisfaction")), .span(.class("req"), .text(" *"))]),
                        .group((1...5).map { n in
                            Node<HTML.FormContext>.label(.class("radio"),
                                .input(.type(.radio), .name("satisfaction"), .value("\(n)"), .checked(v["satisfaction"] == "\(n)"), .required(true)),
                                .text(" \(n) " + t("ticket.satisfaction.\(n)")))
                        })),
                    .fieldset(.class(ServiceShell.fieldClass(f, form: "callback", ["solved"], base: "field radios")),
                        .element(named: "legend", nodes: [.text(t("ticket.field.solved")), .span(.class("req"), .text(" *"))]),
                        .label(.class("radio"), .input(.type(.radio), .name("solved"), .value("yes"), .checked(v["solved"] == "yes"), .required(true)),
                               .text(" " + t("ticket.solved_yes"))),
                        .label(.class("radio"), .input(.type(.radio), .name("solved"), .value("no"), .checked(v["solved"] == "no")),
                               .text(" " + t("ticket.solved_no")))),
                    ServiceShell.textarea(t, form: "callback", "note", "field.note", value: v["note"] ?? "", failure: f, rows: 2, maxLength: 500),
                    .p(.class("hint full"), .text(t("ticket.callback_hint"))),
                    ServiceShell.submit(t, "ticket.record_callback")))))
    }

    // MARK: Attachments

    static func size(_ bytes: Int64) -> String {
        bytes >= 1024 * 1024 ? String(format: "%.1f MB", Double(bytes) / 1024 / 1024) : "\(max(1, (bytes + 1023) / 1024)) KB"
    }

    static func attachments(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, k = m.ticket
        let images = m.detail.attachments.filter { $0.contentType.hasPrefix("image/") }
        let files = m.detail.attachments.filter { !$0.contentType.hasPrefix("image/") }
        let v = m.values("attachment")
        func href(_ a: TicketService.Attachment) -> String { "/tickets/\(k.id)/attachments/\(a.id)" }
        func caption(_ a: TicketService.Attachment) -> Node<HTML.BodyContext> {
            .group(.text("\(size(a.size)) · \(a.uploadedByName) · \(ServiceShell.clock(a.at))"),
                   .if(a.visibleToOwner, .span(.class("owner-mark"), .text(t("ticket.owner_sees")))))
        }
        return .section(.class("card"), .attribute(named: "id", value: "attachments"),
            .h2(.text(t("ticket.attachments")), .span(.class("count"), .text(" \(m.detail.attachments.count)"))),
            .if(m.detail.attachments.isEmpty, .p(.class("muted"), .text(t("ticket.no_attachments")))),
            .if(!images.isEmpty, .div(.class("thumbs"), .group(images.map { a in
                Node<HTML.BodyContext>.element(named: "figure", nodes: [
                    .a(.href(href(a)), .attribute(named: "target", value: "_blank"),
                       .img(.src(href(a)), .alt(a.fileName), .class("thumb"), .attribute(named: "loading", value: "lazy"))),
                    .element(named: "figcaption", nodes: [.div(.class("file-name"), .text(a.fileName)), .div(.class("muted small"), caption(a))]),
                ])
            }))),
            .if(!files.isEmpty, .ul(.class("files"), .group(files.map { a in
                Node<HTML.ListContext>.li(.span(.class("file-type"), .text("PDF")), .text(" "),
                    .a(.href(href(a)), .text(a.fileName)), .span(.class("muted small"), .text(" · "), caption(a)))
            }))),
            .if(m.works, .group(
                FormFailure.view(m.failure, form: "attachment"),
                .form(.class("inline-form upload"), .method(.post), .action("/tickets/\(k.id)/attachments?_csrf=\(ctx.csrf ?? "")"),
                      .enctype(.multipartData),
                    .label(.for("att-file"), .text(t("ticket.upload_label"))),
                    .input(.type(.file), .id("att-file"), .name("file"), .attribute(named: "accept", value: "image/jpeg,image/png,image/webp,application/pdf"),
                           .required(true)),
                    .label(.class("chip"), .input(.type(.checkbox), .name("visibleToOwner"), .value("true"), .checked(v["visibleToOwner"] == "true")),
                           .text(t("ticket.visible_to_owner"))),
                    .button(.type(.submit), .class("primary"), .text(t("ticket.upload"))),
                    .span(.class("hint"), .text(t("ticket.upload_hint", ["mb": "\(TicketService.maxAttachmentBytes / 1024 / 1024)"])))))))
    }

    // MARK: The log

    static func log(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, k = m.ticket
        let v = m.values("comment"), f = m.failure
        return .section(.class("card"), .attribute(named: "id", value: "log"),
            .h2(.text(t("ticket.log"))),
            .div(.class("table-wrap"), .table(.class("data ticket-log"),
                .thead(.tr(.th(.text(t("field.time"))), .th(.text(t("ticket.event"))), .th(.text(t("field.status"))),
                           .th(.text(t("ticket.event_note"))), .th(.text(t("field.actor"))), .th(.text(t("ticket.owner_column"))))),
                .tbody(.group(m.detail.events.map { e in
                    let from = e.fromStatus.flatMap(TicketStatus.init(rawValue:)), to = e.toStatus.flatMap(TicketStatus.init(rawValue:))
                    return Node<HTML.TableContext>.tr(.class(e.visibleToOwner ? "owner-visible" : ""),
                        .td(.class("nowrap mono"), .text(ServiceShell.clock(e.at))),
                        .td(.class("nowrap"), .text(t.catalog.has("ticket.event.\(e.action)") ? t("ticket.event.\(e.action)") : e.action)),
                        .td(.class("nowrap"), .unwrap(to, { to in
                            .group(.unwrap(from) { .text(t($0.catalogKey) + " → ") }, .text(t(to.catalogKey)))
                        }, else: .span(.class("muted"), .text("—")))),
                        .td(.class("pre"), .text(e.note)),
                        .td(.class("nowrap"), .text(e.actorName)),
                        .td(.class("nowrap"), .if(e.visibleToOwner, .span(.class("owner-mark"), .attribute(named: "title", value: t("ticket.owner_sees_hint")),
                                                                        .text(t("ticket.owner_sees"))))))
                })))),
            .if(m.works && TicketFlow.mayComment(k.ticketStatus), .div(.class("action-form"),
                .h3(.text(t("ticket.add_comment"))),
                FormFailure.view(f, form: "comment"),
                .form(.class("grid-form"), .method(.post), .action("/tickets/\(k.id)/comments"), Shell.csrfField(ctx),
                    ServiceShell.textarea(t, form: "comment", "note", "ticket.comment", value: v["note"] ?? "", failure: f, required: true, rows: 2),
                    .div(.class("field actions"),
                        .label(.class("chip"), .input(.type(.checkbox), .name("visibleToOwner"), .value("true"), .checked(v["visibleToOwner"] == "true")),
                               .text(t("ticket.visible_to_owner"))), .text(" "),
                        .button(.type(.submit), .class("primary"), .text(t("ticket.add_comment"))))))))
    }
}
