import EstateCore
import Foundation
import Plot

extension CallsPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        var keep = m.query.items
        keep.append(("project", m.project.id.uuidString))
        let exportQuery = keep.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return CallsShell.page(ctx, project: m.project, projects: m.projects, tab: .calls, title: t("calls.title"), .group(
            form(ctx, m),
            FormFailure.view(m.failure),
            .unwrap(m.filter) { f in
                .div(.class("toolbar report-toolbar"),
                     .p(.class("report-period muted"), .text("\(t("report.period")) \(f.from) – \(f.to)")),
                     .div(.class("spacer")),
                     ReportShell.exportLink(t, "/calls.xlsx?\(exportQuery)"))
            },
            m.page.items.isEmpty ? .p(.class("muted empty"), .text(t("calls.none"))) : table(t, m),
            .if(m.page.total > m.page.perPage, Shell.pager(ctx, m.page, query: Dictionary(keep, uniquingKeysWith: { a, _ in a })))))
    }

    static func form(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, q = m.query
        func field(_ name: String, _ label: String, _ control: Node<HTML.FormContext>) -> Node<HTML.FormContext> {
            .div(.class(m.failure?.has(name) == true ? "field invalid" : "field"), .label(.for("cl-\(name)"), .text(t(label))), control)
        }
        return .form(.class("filters report-form"), .method(.get), .action("/calls"),
            .input(.type(.hidden), .name("project"), .value(m.project.id.uuidString)),
            field("from", "report.from", .input(.type(.date), .id("cl-from"), .name("from"), .value(q.from.isEmpty ? m.filter?.from.description ?? "" : q.from))),
            field("to", "report.to", .input(.type(.date), .id("cl-to"), .name("to"), .value(q.to.isEmpty ? m.filter?.to.description ?? "" : q.to))),
            field("agentId", "call.field.agent", .select(.named("agent", id: "cl-agentId"),
                .choice("", t("calls.any")),
                .group(m.agents.map { Node<HTML.SelectContext>.choice($0.id.uuidString, $0.name, selected: $0.id.uuidString == q.agent) }))),
            field("queue", "call.field.queue", .select(.named("queue", id: "cl-queue"),
                .choice("", t("calls.any")),
                .group(m.queues.map { Node<HTML.SelectContext>.choice($0, queueName(t, $0), selected: $0 == q.queue) }))),
            field("direction", "call.field.direction", .select(.named("direction", id: "cl-direction"),
                .choice("", t("calls.any")),
                .group(CallDirection.allCases.map { Node<HTML.SelectContext>.choice($0.rawValue, t($0.catalogKey), selected: $0.rawValue == q.direction) }))),
            field("number", "call.field.number", .input(.type(.search), .id("cl-number"), .name("number"), .value(q.number),
                                                      .attribute(named: "placeholder", value: t("calls.number_hint")),
                                                      .attribute(named: "inputmode", value: "tel"), .attribute(named: "maxlength", value: "30"))),
            .div(.class("field actions"), .label(.text(" ")), .button(.type(.submit), .class("primary"), .text(t("action.filter")))))
    }

    static func queueName(_ t: Localizer, _ q: String) -> String { t.catalog.has("call.queue.\(q)") ? t("call.queue.\(q)") : q }

    static func table(_ t: Localizer, _ m: Model) -> Node<HTML.BodyContext> {
        .div(.class("table-wrap"), .table(.class("data calls"),
            .thead(.tr(.th(.text(t("call.field.offered"))), .th(.text(t("call.field.direction"))), .th(.text(t("call.field.number"))),
                       .th(.text(t("call.field.queue"))), .th(.text(t("call.field.agent"))), .th(.class("num"), .text(t("calls.col.wait"))),
                       .th(.class("num"), .text(t("calls.col.talk"))), .th(.class("num"), .text(t("calls.col.hold"))),
                       .th(.class("num"), .text(t("calls.col.wrap"))), .th(.text(t("call.field.category"))), .th(.text(t("call.field.outcome"))),
                       .th(.text(t("call.field.source"))))),
            .tbody(.group(m.page.items.map { c in
                let state: String = c.abandoned ? t("calls.abandoned_after", ["s": "\(c.waitSeconds)"])
                    : c.endedAt == nil ? t("calls.in_progress") : (c.outcome.map { t("call.outcome.\($0)") } ?? "—")
                return Node<HTML.TableContext>.tr(.class(c.abandoned ? "abandoned" : ""),
                    .td(.class("nowrap"), .text(Shell.dateTime(c.offeredAt))),
                    .td(.class("nowrap"), .text(t("call.direction.\(c.direction)"))),
                    .td(.class("nowrap mono"), .text(m.seesNumbers ? c.number : CallerNumber.masked(c.number))),
                    .td(.class("nowrap"), .text(queueName(t, c.queue))),
                    .td(.class("nowrap"), .text(c.agentID.flatMap { m.names[$0] } ?? "—")),
                    .td(.class("num"), .text(CallsShell.duration(c.waitSeconds))),
                    .td(.class("num"), .text(c.answeredAt == nil ? "—" : CallsShell.duration(c.talkSeconds))),
                    .td(.class("num"), .text(c.holdSeconds == 0 ? "—" : CallsShell.duration(c.holdSeconds))),
                    .td(.class("num"), .text(c.wrapSeconds == 0 ? "—" : CallsShell.duration(c.wrapSeconds))),
                    .td(.text(c.category.map { t.catalog.has("ticket.kind.\($0)") ? t("ticket.kind.\($0)") : $0 } ?? "—")),
                    .td(.class(c.abandoned ? "nowrap sla-over" : "nowrap"), .text(state),
                        .unwrap(c.ticketID) { .a(.href("/tickets/\($0.uuidString)"), .class("small"), .text(" " + t("calls.ticket"))) }),
                    .td(.class("nowrap muted small"), .text(t("call.source.\(c.source)"))))
            }))))
    }
}
