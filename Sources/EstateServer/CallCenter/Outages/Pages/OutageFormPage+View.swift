import EstateCore
import Foundation
import Plot

extension OutageFormPage {
    static let form = "new"

    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let crumbs: Node<HTML.BodyContext> = .div(.class("crumbs"), .a(.href("/projects/\(m.project.id)/outages"), .text(t("outage.tab.outages"))),
                                                   .text(" / " + t("outage.new")))
        return OutagesShell.page(ctx, project: m.project, projects: m.projects, tab: .outages, title: t("outage.new"),
                                 .group(crumbs, FormFailure.view(m.failure, form: form), body(ctx, m)))
    }

    static func body(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let fields: [Node<HTML.FormContext>] = [Shell.csrfField(ctx), department(t, m), title(t, m), restore(t, m), scope(t, m), building(t, m),
                                                entrance(t, m), units(t, m), description(t, m), buttons(t, m)]
        return .form(.class("grid-form outage-form card"), .method(.post), .action("/projects/\(m.project.id)/outages/new"), .group(fields))
    }

    static func department(_ t: Localizer, _ m: Model) -> Node<HTML.FormContext> {
        let items = TicketService.Department.allCases.map { d -> (String, String) in
            let people = m.onCall[d] ?? []
            let who = people.isEmpty ? t("outage.no_oncall_short") : people.joined(separator: " → ")
            return (d.rawValue, t(d.catalogKey) + " · " + who)
        }
        return ServiceShell.select(t, form: form, "department", "outage.field.department", items, selected: m.values["department"],
                                   failure: m.failure, required: true, hint: t("outage.department_hint"))
    }

    static func title(_ t: Localizer, _ m: Model) -> Node<HTML.FormContext> {
        ServiceShell.input(t, form: form, "title", "outage.field.title", value: m.values["title"] ?? "", failure: m.failure, required: true,
                           placeholder: t("outage.title_placeholder"), maxLength: OutageText.titleMax)
    }

    static func restore(_ t: Localizer, _ m: Model) -> Node<HTML.FormContext> {
        ServiceShell.input(t, form: form, "expectedRestoreAt", "outage.field.restore", .datetimeLocal, value: m.values["expectedRestoreAt"] ?? "",
                           failure: m.failure, required: true, hint: t("outage.restore_hint"))
    }

    static func scope(_ t: Localizer, _ m: Model) -> Node<HTML.FormContext> {
        let chosen = m.values["scope"] ?? OutageScope.building.rawValue
        let choices: [Node<HTML.BodyContext>] = OutageScope.allCases.map { s in
            .label(.class("choice"), .input(.type(.radio), .name("scope"), .value(s.rawValue), .checked(chosen == s.rawValue)),
                   .text(" " + t(s.catalogKey)))
        }
        return .element(named: "fieldset", nodes: [.class("field wide full outage-scope"),
            .element(named: "legend", nodes: [.text(t("outage.field.scope")), .span(.class("req"), .text(" *"))]),
            .group(choices)])
    }

    static func building(_ t: Localizer, _ m: Model) -> Node<HTML.FormContext> {
        ServiceShell.select(t, form: form, "buildingId", "outage.field.building", m.buildings.map { ($0.id.uuidString, $0.name) },
                            selected: m.values["buildingId"], failure: m.failure, empty: t("outage.choose_building"), hint: t("outage.building_hint"))
    }

    static func entrance(_ t: Localizer, _ m: Model) -> Node<HTML.FormContext> {
        ServiceShell.input(t, form: form, "entrance", "outage.field.entrance", .number, value: m.values["entrance"] ?? "", failure: m.failure,
                           hint: t("outage.entrance_hint"))
    }

    static func units(_ t: Localizer, _ m: Model) -> Node<HTML.FormContext> {
        let picker: Node<HTML.FormContext> = .input(.type(.text), .id("new-unitPick"), .attribute(named: "maxlength", value: "30"),
            .attribute(named: "list", value: "new-unit-options"), .attribute(named: "autocomplete", value: "off"),
            .attribute(named: "data-unit-picker", value: "/projects/\(m.project.id)/tickets/unit-picker"),
            .attribute(named: "data-append-to", value: "new-unitCodes"), .placeholder(t("ticket.unit_placeholder")))
        let list: Node<HTML.FormContext> = .textarea(.id("new-unitCodes"), .name("unitCodes"), .attribute(named: "rows", value: "3"),
                                                     .attribute(named: "aria-label", value: t("outage.field.units")), .text(m.values["unitCodes"] ?? ""))
        return .div(.class(ServiceShell.fieldClass(m.failure, form: form, ["unitCodes"], base: "field wide full")),
            .label(.for("new-unitPick"), .text(t("outage.field.units"))),
            picker,
            .element(named: "datalist", nodes: [.attribute(named: "id", value: "new-unit-options")]),
            list,
            .div(.class("hint"), .text(t("outage.units_hint"))))
    }

    static func description(_ t: Localizer, _ m: Model) -> Node<HTML.FormContext> {
        ServiceShell.textarea(t, form: form, "description", "outage.field.description", value: m.values["description"] ?? "", failure: m.failure,
                              placeholder: t("outage.description_placeholder"))
    }

    static func buttons(_ t: Localizer, _ m: Model) -> Node<HTML.FormContext> {
        .div(.class("field full actions"),
            .button(.type(.submit), .class("primary"), .text(t("outage.open_submit"))), .text(" "),
            .a(.href("/projects/\(m.project.id)/outages"), .text(t("outage.cancel"))))
    }
}
