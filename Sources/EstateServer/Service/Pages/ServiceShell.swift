import EstateCore
import Foundation
import Plot

/// The frame of the service pages (客服): project, switcher and the tabs 工单 / 回访工作台 /
/// 客服分析 / 设置; and the small pieces every service page shares.
enum ServiceShell {
    enum Tab: String, CaseIterable {
        case tickets, callbacks, analysis, settings
        var key: String { "service.tab.\(rawValue)" }
        func href(_ project: UUID) -> String {
            switch self {
            case .tickets: "/projects/\(project)/tickets"
            case .callbacks: "/projects/\(project)/tickets/callbacks"
            case .analysis: "/projects/\(project)/service/analysis"
            case .settings: "/projects/\(project)/service/settings"
            }
        }
    }

    static func page(_ ctx: PageContext, project: InventoryShell.ProjectRef, projects: [InventoryShell.ProjectRef], tab: Tab?,
                     title: String, printable: Bool = false, _ content: Node<HTML.BodyContext>) -> HTML {
        let t = ctx.t
        return Shell.page(ctx, title: "\(title) · \(project.name)", .div(.class(printable ? "service-page report-page" : "service-page"),
            .div(.class("inv-head"),
                .h1(.text(project.name), .span(.class("muted code"), .text(" " + project.code)),
                    .span(.class("report-title"), .text(" · " + t("nav.service")))),
                ProjectSwitcher.view(t, current: project, projects: projects, home: "/service", keep: [("tab", (tab ?? .tickets).rawValue)])),
            .nav(.class("tabs"), .attribute(named: "aria-label", value: t("nav.service")),
                .group(Tab.allCases.map { tb in
                    Node<HTML.BodyContext>.a(.href(tb.href(project.id)), .class(tb == tab ? "current" : ""), .text(t(tb.key)))
                })),
            content))
    }

    // MARK: Labels and badges

    static func kindBadge(_ t: Localizer, _ k: TicketKind) -> Node<HTML.BodyContext> {
        .span(.class("tk-kind tk-kind-\(k.rawValue)"), .text(t(k.catalogKey)))
    }

    /// 一般 plain; 重大 and 危机 stand out (and in print: bold, boxed).
    static func severityBadge(_ t: Localizer, _ s: TicketSeverity) -> Node<HTML.BodyContext> {
        .span(.class("tk-sev tk-sev-\(s.rawValue)"), .text(t(s.catalogKey)))
    }

    static func statusBadge(_ t: Localizer, _ s: TicketStatus) -> Node<HTML.BodyContext> {
        .span(.class("tk-st tk-st-\(s.rawValue)"), .text(t(s.catalogKey)))
    }

    /// "3小时20分", "2天4小时", "45分": minutes only under a day.
    static func duration(_ t: Localizer, minutes raw: Int) -> String {
        let m = abs(raw)
        let d = m / 1440, h = (m % 1440) / 60, mm = m % 60
        var parts: [String] = []
        if d > 0 { parts.append(t("ticket.dur.days", ["n": "\(d)"])) }
        if h > 0 { parts.append(t("ticket.dur.hours", ["n": "\(h)"])) }
        if mm > 0 && d == 0 { parts.append(t("ticket.dur.minutes", ["n": "\(mm)"])) }
        if parts.isEmpty { parts.append(t("ticket.dur.minutes", ["n": "0"])) }
        return parts.joined(separator: t.language == .zh ? "" : " ")
    }

    /// The deadline that runs now: "剩余 3小时20分", red "超时 2小时"; nothing once resolved.
    static func timeLeft(_ t: Localizer, _ ticket: TicketService.Ticket, now: Date) -> Node<HTML.BodyContext> {
        guard let left = ticket.minutesLeft(at: now) else {
            if ticket.ticketStatus != .closed, ticket.resolveBreached(at: now) {
                return .span(.class("muted small"), .text(t("ticket.sla.resolved_late")))
            }
            return .span(.class("muted"), .text("—"))
        }
        let which = ticket.respondedAt == nil ? t("ticket.sla.response") : t("ticket.sla.resolve")
        if left < 0 {
            return .span(.class("sla-over nowrap"), .attribute(named: "title", value: which),
                         .text(t("ticket.sla.over", ["time": duration(t, minutes: left)])))
        }
        return .span(.class(left < 60 ? "sla-soon nowrap" : "sla-left nowrap"), .attribute(named: "title", value: which),
                     .text(t("ticket.sla.left", ["time": duration(t, minutes: left)])))
    }

    /// 升级, 重复, 重开 markers.
    static func markers(_ t: Localizer, _ ticket: TicketService.Ticket) -> Node<HTML.BodyContext> {
        .group(
            .if(ticket.escalatedAt != nil, .span(.class("tk-mark tk-mark-escalated"), .attribute(named: "title", value: t("ticket.escalated_hint")),
                                                 .text(t("ticket.escalated")))),
            .if(ticket.repeatOf != nil, .span(.class("tk-mark tk-mark-repeat"), .attribute(named: "title", value: t("ticket.repeat_hint")),
                                              .text(t("ticket.repeat")))),
            .if(ticket.reopenCount > 0, .span(.class("tk-mark"), .text(t("ticket.reopened_n", ["n": "\(ticket.reopenCount)"])))))
    }

    static func clock(_ d: Date?) -> String { d.map(TicketService.clock) ?? "—" }

    // MARK: Forms

    static func fieldClass(_ f: FormFailure?, form: String, _ names: [String], base: String = "field") -> String {
        guard let f, f.form == form, names.contains(where: f.has) else { return base }
        return base + " invalid"
    }

    static func input(_ t: Localizer, form: String, _ name: String, _ label: String, _ type: HTMLInputType = .text, value: String,
                      failure: FormFailure?, errorFields: [String]? = nil, required: Bool = false, hint: String? = nil,
                      placeholder: String? = nil, wide: Bool = false, maxLength: Int? = nil, cls: String = "") -> Node<HTML.FormContext> {
        let id = "\(form)-\(name)"
        return .div(.class(fieldClass(failure, form: form, errorFields ?? [name], base: "field" + (wide ? " wide" : "") + (cls.isEmpty ? "" : " " + cls))),
            .label(.for(id), .text(t(label)), .if(required, .span(.class("req"), .text(" *")))),
            .input(.type(type), .id(id), .name(name), .value(value), .required(required), .placeholder(placeholder ?? ""),
                   .attribute(named: "maxlength", value: maxLength.map { "\($0)" } ?? "")),
            .unwrap(hint) { .div(.class("hint"), .text($0)) })
    }

    static func select(_ t: Localizer, form: String, _ name: String, _ label: String, _ items: [(String, String)], selected: String?,
                       failure: FormFailure?, errorFields: [String]? = nil, empty: String? = nil, required: Bool = false,
                       hint: String? = nil, cls: String = "") -> Node<HTML.FormContext> {
        let id = "\(form)-\(name)"
        return .div(.class(fieldClass(failure, form: form, errorFields ?? [name], base: "field" + (cls.isEmpty ? "" : " " + cls))),
            .label(.for(id), .text(t(label)), .if(required, .span(.class("req"), .text(" *")))),
            .select(.named(name, id: id), required ? .attribute(named: "required", value: "required") : .empty,
                    .unwrap(empty) { Node<HTML.SelectContext>.choice("", $0) },
                    .group(items.map { Node<HTML.SelectContext>.choice($0.0, $0.1, selected: $0.0 == selected) })),
            .unwrap(hint) { .div(.class("hint"), .text($0)) })
    }

    static func textarea(_ t: Localizer, form: String, _ name: String, _ label: String, value: String, failure: FormFailure?,
                         errorFields: [String]? = nil, required: Bool = false, rows: Int = 3, maxLength: Int = 2000,
                         placeholder: String? = nil) -> Node<HTML.FormContext> {
        let id = "\(form)-\(name)"
        return .div(.class(fieldClass(failure, form: form, errorFields ?? [name], base: "field wide full")),
            .label(.for(id), .text(t(label)), .if(required, .span(.class("req"), .text(" *")))),
            .textarea(.id(id), .name(name), .attribute(named: "rows", value: "\(rows)"), .attribute(named: "maxlength", value: "\(maxLength)"),
                      .required(required), .unwrap(placeholder) { .placeholder($0) }, .text(value)))
    }

    static func submit(_ t: Localizer, _ label: String, confirm: String? = nil, danger: Bool = false) -> Node<HTML.FormContext> {
        .div(.class("field actions"),
             .button(.type(.submit), .class(danger ? "danger" : "primary"),
                     .unwrap(confirm) { .attribute(named: "data-confirm", value: t($0)) },
                     .text(t(label))))
    }

    // MARK: Option lists

    static func kinds(_ t: Localizer) -> [(String, String)] { TicketKind.allCases.map { ($0.rawValue, t($0.catalogKey)) } }
    static func severities(_ t: Localizer) -> [(String, String)] { TicketSeverity.allCases.map { ($0.rawValue, t($0.catalogKey)) } }
    static func statuses(_ t: Localizer) -> [(String, String)] { TicketStatus.allCases.map { ($0.rawValue, t($0.catalogKey)) } }
    static func departments(_ t: Localizer) -> [(String, String)] {
        TicketService.Department.allCases.map { ($0.rawValue, t($0.catalogKey)) }
    }
    static func components(_ t: Localizer) -> [(String, String)] {
        RepairComponent.allCases.map { ($0.rawValue, t($0.catalogKey) + " · " + t("ticket.warranty_years", ["n": "\($0.warrantyYears)"])) }
    }
    static func causes(_ t: Localizer) -> [(String, String)] { TicketCause.allCases.map { ($0.rawValue, t($0.catalogKey)) } }
    static func handlers(_ list: [TicketService.Handler]) -> [(String, String)] {
        list.map { ($0.id.uuidString, $0.name) }
    }

    /// The 处理人 choice, each person tagged with their departments and whether they take repairs only,
    /// so the form lists only those of the chosen department who can work the chosen kind (app.js);
    /// the server checks both again.
    static func handlerSelect(_ t: Localizer, form: String, _ list: [TicketService.Handler], selected: String?, failure: FormFailure?,
                              hint: String?, empty: String, required: Bool = false) -> Node<HTML.FormContext> {
        let id = "\(form)-assigneeId"
        return .div(.class(fieldClass(failure, form: form, ["assigneeId"], base: "field")),
            .label(.for(id), .text(t("ticket.field.assignee")), .if(required, .span(.class("req"), .text(" *")))),
            .select(.named("assigneeId", id: id), .attribute(named: "data-handler-select", value: form),
                    required ? .attribute(named: "required", value: "required") : .empty,
                    Node<HTML.SelectContext>.choice("", empty),
                    .group(list.map { h in
                        Node<HTML.SelectContext>.element(named: "option", nodes: [
                            .attribute(named: "value", value: h.id.uuidString),
                            h.id.uuidString == selected ? .attribute(named: "selected", value: "selected") : .empty,
                            .attribute(named: "data-departments", value: h.departments.map(\.rawValue).sorted().joined(separator: " "),
                                       ignoreIfValueIsEmpty: false),
                            .attribute(named: "data-repairs-only", value: h.repairsOnly ? "1" : "0"),
                            .text(h.repairsOnly ? t("ticket.handler_repairs_only", ["name": h.name]) : h.name),
                        ])
                    })),
            .unwrap(hint) { .div(.class("hint"), .text($0)) })
    }

    static func enc(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }
}
