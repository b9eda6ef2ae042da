import EstateCore
import Foundation
import Plot

extension TicketFormPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)/tickets"
        return ServiceShell.page(ctx, project: m.project, projects: m.projects, tab: .tickets, title: t("ticket.new"), .group(
            .div(.class("crumbs"), .a(.href(base), .text(t("service.tab.tickets"))), .text(" / " + t("ticket.new"))),
            .section(.class("card"),
                .h2(.text(t("ticket.new"))),
                FormFailure.view(m.failure, form: "new"),
                form(ctx, m, action: "\(base)/new"))))
    }

    /// The active categories, grouped under their top level: a top level is itself a choice
    /// (产权办理 has no branches), then its branches.
    static func categoryOptions(_ t: Localizer, _ all: [TicketService.Category], selected: String?) -> Node<HTML.SelectContext> {
        let active = all.filter(\.active)
        let tops = active.filter { $0.parentId == nil }
        return .group(tops.map { top in
            let children = active.filter { $0.parentId == top.id }
            let own = Node<HTML.SelectContext>.choice(top.id.uuidString, children.isEmpty ? top.name : t("ticket.category.general", ["name": top.name]),
                                                      selected: top.id.uuidString == selected)
            return .element(named: "optgroup", nodes: [.attribute(named: "label", value: top.name), own]
                            + children.map { .choice($0.id.uuidString, $0.name, selected: $0.id.uuidString == selected) })
        })
    }

    /// 房号 with suggestions as the agent types a code, a building or the owner's name (app.js fills the
    /// list from the picker route); a code is accepted as staff type it ("1-1-0101" is 1-1-101).
    static func unitPicker(_ t: Localizer, _ m: Model, value: String, failure f: FormFailure?) -> Node<HTML.FormContext> {
        .div(.class(ServiceShell.fieldClass(f, form: "new", ["unitId", "unitCode"], base: "field")),
            .label(.for("new-unitCode"), .text(t("ticket.field.unit"))),
            .input(.type(.text), .id("new-unitCode"), .name("unitCode"), .value(value), .attribute(named: "maxlength", value: "30"),
                   .attribute(named: "list", value: "new-unit-options"), .attribute(named: "autocomplete", value: "off"),
                   .attribute(named: "data-unit-picker", value: "/projects/\(m.project.id)/tickets/unit-picker"),
                   .placeholder(t("ticket.unit_placeholder"))),
            .element(named: "datalist", nodes: [.attribute(named: "id", value: "new-unit-options")]),
            .div(.class("hint"), .text(t("ticket.unit_hint"))))
    }

    static func form(_ ctx: PageContext, _ m: Model, action: String) -> Node<HTML.BodyContext> {
        let t = ctx.t, v = m.values, f = m.failure
        return .form(.class("grid-form ticket-form"), .method(.post), .action(action), Shell.csrfField(ctx),
            .unwrap(v["callId"].flatMap { $0.isEmpty ? nil : $0 }) { call in
                .div(.class("field wide"), .input(.type(.hidden), .name("callId"), .value(call)),
                     .p(.class("muted small"), .text(t("desk.ticket_call_linked"))))
            },
            ServiceShell.select(t, form: "new", "kind", "ticket.field.kind", ServiceShell.kinds(t), selected: v["kind"], failure: f, required: true),
            ServiceShell.select(t, form: "new", "channel", "ticket.field.channel",
                     TicketChannel.allCases.filter { $0 != .ownerPage }.map { ($0.rawValue, t($0.catalogKey)) },
                     selected: v["channel"], failure: f, required: true),
            ServiceShell.select(t, form: "new", "severity", "ticket.field.severity", ServiceShell.severities(t), selected: v["severity"], failure: f, required: true,
                     hint: t("ticket.severity_hint")),
            .div(.class(ServiceShell.fieldClass(f, form: "new", ["categoryId"])),
                .label(.for("new-categoryId"), .text(t("ticket.field.category"))),
                .select(.named("categoryId", id: "new-categoryId"),
                        Node<HTML.SelectContext>.choice("", t("ticket.no_category")),
                        categoryOptions(t, m.categories, selected: v["categoryId"]))),
            ServiceShell.input(t, form: "new", "relatedNumber", "ticket.field.related_number", value: v["relatedNumber"] ?? "", failure: f,
                               errorFields: ["relatedTicketId", "relatedNumber"], hint: t("ticket.related_hint"), placeholder: "GD…", maxLength: 40),
            ServiceShell.input(t, form: "new", "title", "ticket.field.title", value: v["title"] ?? "", failure: f, required: true,
                    placeholder: t("ticket.title_placeholder"), wide: true, maxLength: 100),
            ServiceShell.textarea(t, form: "new", "description", "ticket.field.description", value: v["description"] ?? "", failure: f, rows: 4),
            .div(.class("form-section"), .text(t("ticket.section.where"))),
            unitPicker(t, m, value: v["unitCode"] ?? "", failure: f),
            ServiceShell.select(t, form: "new", "component", "ticket.field.component", ServiceShell.components(t), selected: v["component"], failure: f,
                     empty: t("ticket.choose"), hint: t("ticket.component_hint"), cls: "repair-only"),
            ServiceShell.input(t, form: "new", "location", "ticket.field.location", value: v["location"] ?? "", failure: f,
                    placeholder: t("ticket.location_placeholder"), maxLength: 100),
            .div(.class("form-section"), .text(t("ticket.section.who"))),
            ServiceShell.input(t, form: "new", "customerMobile", "ticket.field.customer_mobile", .tel, value: v["customerMobile"] ?? "", failure: f,
                    errorFields: ["customerId", "customerMobile"], hint: t("ticket.customer_hint"), maxLength: 20),
            ServiceShell.input(t, form: "new", "contactName", "ticket.field.contactName", value: v["contactName"] ?? "", failure: f, maxLength: 40),
            ServiceShell.input(t, form: "new", "contactMobile", "ticket.field.contactMobile", .tel, value: v["contactMobile"] ?? "", failure: f, maxLength: 20),
            .div(.class("form-section"), .text(t("ticket.section.assign"))),
            ServiceShell.select(t, form: "new", "department", "ticket.field.department", ServiceShell.departments(t), selected: v["department"], failure: f,
                     empty: t("ticket.choose")),
            ServiceShell.handlerSelect(t, form: "new", m.handlers, selected: v["assigneeId"], failure: f, hint: t("ticket.assignee_hint"),
                                       empty: t("ticket.not_assigned")),
            // A contact number nobody on record has: the agent confirms it was checked with the caller.
            .if(m.askToConfirmContact,
                .div(.class("field wide full confirm-contact"),
                     .label(.input(.type(.checkbox), .name("confirmContact"), .value("1")), .text(" " + t("ticket.confirm_contact"))))),
            .div(.class("field actions"),
                 .button(.type(.submit), .class("primary"), .text(t("ticket.create_submit"))), .text(" "),
                 .a(.href("/projects/\(m.project.id)/tickets"), .text(t("ticket.cancel")))))
    }
}
