import EstateCore
import Foundation
import Plot

extension TicketListPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)/tickets"
        let action = m.workbench ? "\(base)/callbacks" : base
        return ServiceShell.page(ctx, project: m.project, projects: m.projects, tab: m.workbench ? .callbacks : .tickets,
                                 title: t(m.workbench ? "service.tab.callbacks" : "service.tab.tickets"), .group(
            .div(.class("toolbar service-toolbar"),
                queues(ctx, m, base: base),
                .div(.class("spacer")),
                .if(m.mayCreate, .a(.class("button primary-button"), .href("\(base)/new"), .text(t("ticket.new"))))),
            .if(m.workbench, .p(.class("muted small"), .text(t("ticket.callbacks_hint")))),
            filters(ctx, m, action: action),
            .if(!m.page.items.isEmpty, .p(.class("list-tools"),
                .a(.class("button"), .href("\(base).xlsx" + ListQuery.string(m.query)), .text(t("ticket.export"))))),
            m.page.items.isEmpty ? .p(.class("muted empty"), .text(t("ticket.none"))) : table(ctx, m),
            .if(!m.handlers.isEmpty && !m.page.items.isEmpty, reassignForm(ctx, m, base: base)),
            .if(m.page.total > 0, Shell.pager(ctx, m.page, query: m.query))))
    }

    /// The queue pills; 待回访 and 已超时 carry their counts.
    static func queues(_ ctx: PageContext, _ m: Model, base: String) -> Node<HTML.BodyContext> {
        let t = ctx.t
        var keep = m.query
        keep["queue"] = nil
        keep["page"] = nil
        func href(_ q: TicketService.Queue) -> String {
            var items = keep
            if q != .all { items["queue"] = q.rawValue }
            let s = items.sorted { $0.key < $1.key }.map { "\($0.key)=\(ServiceShell.enc($0.value))" }.joined(separator: "&")
            return base + (s.isEmpty ? "" : "?" + s)
        }
        return .nav(.class("building-tabs queue-tabs"), .attribute(named: "aria-label", value: t("ticket.queue")),
            .group(TicketService.Queue.allCases.map { q in
                let current = m.workbench ? q == .callback : m.filter.queue == q
                let count = m.counts[q]
                return Node<HTML.BodyContext>.a(.href(href(q)), .class(current ? "current" : ""),
                    .text(t("ticket.queue.\(q.rawValue)")),
                    .unwrap(count) { n in .span(.class(q == .breached && n > 0 ? "queue-count alert" : "queue-count"), .text("\(n)")) })
            }))
    }

    static func filters(_ ctx: PageContext, _ m: Model, action: String) -> Node<HTML.BodyContext> {
        let t = ctx.t, f = m.filter
        func select(_ name: String, _ label: String, _ items: [(String, String)], _ selected: String?) -> Node<HTML.FormContext> {
            .div(.class("field"),
                .label(.for("f-\(name)"), .text(t(label))),
                .select(.named(name, id: "f-\(name)"),
                        Node<HTML.SelectContext>.choice("", t("list.all")),
                        .group(items.map { Node<HTML.SelectContext>.choice($0.0, $0.1, selected: $0.0 == selected) })))
        }
        return .form(.class("filters"), .method(.get), .action(action),
            .if(!m.workbench && f.queue != .all, .input(.type(.hidden), .name("queue"), .value(f.queue.rawValue))),
            select("status", "field.status", ServiceShell.statuses(ctx.t), f.status?.rawValue),
            select("kind", "ticket.field.kind", ServiceShell.kinds(ctx.t), f.kind?.rawValue),
            select("severity", "ticket.field.severity", ServiceShell.severities(ctx.t), f.severity?.rawValue),
            .div(.class("field wide"), .label(.for("f-q"), .text(t("action.search"))),
                 .input(.type(.search), .id("f-q"), .name("q"), .value(f.query ?? ""), .placeholder(t("ticket.search_hint")))),
            .div(.class("field actions"), .label(.text(" ")),
                 .div(.button(.type(.submit), .class("primary"), .text(t("action.filter"))), .text(" "),
                      .a(.href(action + (!m.workbench && f.queue != .all ? "?queue=\(f.queue.rawValue)" : "")), .text(t("action.reset"))))))
    }

    static func table(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .div(.class("table-wrap"), .table(.class("data tickets"),
            .thead(.tr(.if(!m.handlers.isEmpty, .th(.input(.type(.checkbox), .attribute(named: "data-check-all", value: "ticketIds"),
                                                          .attribute(named: "aria-label", value: t("ticket.select_all"))))),
                       .th(.text(t("ticket.field.number"))), .th(.text(t("ticket.field.kind"))), .th(.text(t("ticket.field.severity"))),
                       .th(.text(t("ticket.field.title"))), .th(.text(t("ticket.field.unit"))), .th(.text(t("ticket.field.contact"))),
                       .th(.text(t("ticket.field.assignee"))), .th(.text(t("field.status"))), .th(.text(t(m.workbench ? "ticket.field.resolved_at" : "ticket.field.sla"))),
                       .th(.text(t("ticket.field.created"))))),
            .tbody(.group(m.page.items.map { row(t, $0, now: m.now, workbench: m.workbench, selectable: !m.handlers.isEmpty,
                                                 csrf: m.workbench && m.mayCreate ? ctx.csrf : nil, viewer: ctx.principal?.userID) }))))
    }

    /// The 回访 outcome from the workbench row (satisfaction, solved, a note), without opening the ticket;
    /// the ticket page's form and rules decide it, and the row comes back to the workbench.
    static func inlineCallback(_ t: Localizer, _ k: TicketService.Ticket, csrf: String) -> Node<HTML.BodyContext> {
        .form(.class("inline-callback"), .method(.post), .action("/tickets/\(k.id)/callback"),
            .input(.type(.hidden), .name("_csrf"), .value(csrf)),
            .input(.type(.hidden), .name("return"), .value("callbacks")),
            .select(.named("satisfaction", id: "cb-sat-\(k.id)"), .attribute(named: "aria-label", value: t("ticket.field.satisfaction")),
                    .attribute(named: "required", value: "required"),
                    Node<HTML.SelectContext>.choice("", t("ticket.field.satisfaction")),
                    .group((1...5).reversed().map { n in Node<HTML.SelectContext>.choice("\(n)", String(repeating: "★", count: n)) })),
            .select(.named("solved", id: "cb-solved-\(k.id)"), .attribute(named: "aria-label", value: t("ticket.field.solved")),
                    .attribute(named: "required", value: "required"),
                    Node<HTML.SelectContext>.choice("", t("ticket.field.solved")),
                    .choice("yes", t("ticket.solved_yes")), .choice("no", t("ticket.solved_no"))),
            .input(.type(.text), .name("note"), .attribute(named: "maxlength", value: "500"), .placeholder(t("ticket.field.note")),
                   .attribute(named: "aria-label", value: t("ticket.field.note"))),
            .button(.type(.submit), .text(t("ticket.callback_submit_short"))))
    }

    static func row(_ t: Localizer, _ k: TicketService.Ticket, now: Date, workbench: Bool, selectable: Bool = false,
                    csrf: String? = nil, viewer: UUID? = nil) -> Node<HTML.TableContext> {
        let breached = (k.minutesLeft(at: now) ?? 0) < 0
        var cls = ["sev-\(k.severity)"]
        if breached { cls.append("breached") }
        if k.ticketStatus == .closed { cls.append("closed") }
        let open = [.new, .assigned, .inProgress].contains(k.ticketStatus)
        return .tr(.class(cls.joined(separator: " ")),
            // The boxes belong to the reassignment form below the table (HTML `form` attribute: no nested forms).
            .if(selectable, .td(.if(open, .input(.type(.checkbox), .name("ticketIds"), .value(k.id.uuidString),
                                                 .attribute(named: "form", value: "reassign-form"),
                                                 .attribute(named: "aria-label", value: k.number))))),
            .td(.class("nowrap"), .a(.class("mono"), .href("/tickets/\(k.id)"), .text(k.number))),
            .td(.class("nowrap"), ServiceShell.kindBadge(t, k.ticketKind)),
            .td(.class("nowrap"), ServiceShell.severityBadge(t, k.ticketSeverity)),
            .td(.class("title-cell"), .a(.href("/tickets/\(k.id)"), .text(k.title)),
                .if(k.escalatedAt != nil || k.repeatOf != nil || k.reopenCount > 0, .span(.class("marks"), ServiceShell.markers(t, k))),
                .unwrap(k.categoryPath) { .div(.class("muted small"), .text($0)) }),
            .td(.class("nowrap mono"), .text(k.unitCode ?? "—")),
            .td(.class("nowrap"), .text(k.contactName.isEmpty ? "—" : k.contactName)),
            .td(.class("nowrap"), .text(k.assigneeName ?? "—"),
                .unwrap(k.department.flatMap(TicketService.Department.init(rawValue:))) { .div(.class("muted small"), .text(t($0.catalogKey))) }),
            .td(.class("nowrap"), ServiceShell.statusBadge(t, k.ticketStatus)),
            workbench ? .td(.class("nowrap"), .text(ServiceShell.clock(k.resolvedAt)), .text(" "),
                            .a(.class("small"), .href("/tickets/\(k.id)#callback"), .text(t("ticket.record_callback"))),
                            // Not on a ticket the viewer handled: its 回访 is someone else's (`callback_by_assignee`).
                            .if(csrf != nil && k.ticketStatus == .callback && k.assigneeId != viewer, inlineCallback(t, k, csrf: csrf ?? "")))
                      : .td(ServiceShell.timeLeft(t, k, now: now)),
            .td(.class("nowrap muted small"), .text(ServiceShell.clock(k.createdAt))))
    }

    /// 批量改派: the ticked open tickets to one person of a department.
    static func reassignForm(_ ctx: PageContext, _ m: Model, base: String) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .form(.id("reassign-form"), .class("inline-form reassign"), .method(.post), .action("\(base)/reassign"), Shell.csrfField(ctx),
            .span(.text(t("ticket.reassign_selected"))),
            .select(.named("department", id: "reassign-department"), Node<HTML.SelectContext>.choice("", t("ticket.department_of_person")),
                    .group(ServiceShell.departments(t).map { Node<HTML.SelectContext>.choice($0.0, $0.1) })),
            ServiceShell.handlerSelect(t, form: "reassign", m.handlers, selected: nil, failure: nil, hint: nil, empty: t("ticket.choose"), required: true),
            .button(.type(.submit), .class("primary"), .text(t("ticket.reassign_submit"))))
    }
}
