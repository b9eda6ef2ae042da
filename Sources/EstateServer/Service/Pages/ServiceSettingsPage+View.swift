import EstateCore
import Foundation
import Plot

extension ServiceSettingsPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        return ServiceShell.page(ctx, project: m.project, projects: m.projects, tab: .settings, title: t("service.tab.settings"), .group(
            .section(.class("card"), .attribute(named: "id", value: "terms"),
                .h2(.text(t("ticket.sla.title"))),
                .p(.class("muted small"), .text(t(m.manages ? "ticket.sla.hint" : "ticket.sla.read_only"))),
                FormFailure.view(m.failure, form: "terms"),
                terms(ctx, m)),
            .section(.class("card"), .attribute(named: "id", value: "categories"),
                .h2(.text(t("ticket.category.title"))),
                .p(.class("muted small"), .text(t("ticket.category.hint"))),
                categories(ctx, m),
                .if(m.manages, addCategory(ctx, m)))))
    }

    // MARK: SLA terms

    /// Short input names ("s4rh": row 4, response, hours): the form posts 72 of them, and a
    /// short body arrives in one piece (see the report on `CSRFMiddleware`).
    static func fieldName(_ k: TicketKind, _ s: TicketSeverity) -> String {
        "s\(TicketKind.allCases.firstIndex(of: k)! * TicketSeverity.allCases.count + TicketSeverity.allCases.firstIndex(of: s)!)"
    }

    static func terms(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, f = m.failure
        let v = f?.form == "terms" ? f!.values : [:]
        func inputs(_ name: String, _ minutes: Int, invalid: Bool, label: String) -> Node<HTML.TableRowContext> {
            let h = v[name + "h"] ?? "\(minutes / 60)", mm = v[name + "m"] ?? "\(minutes % 60)"
            return .td(.class(invalid ? "nowrap sla-input invalid" : "nowrap sla-input"),
                .input(.type(.number), .name(name + "h"), .value(h), .class("hours"), .attribute(named: "min", value: "0"),
                       .attribute(named: "max", value: "\(SLATerms.maxMinutes / 60)"), .attribute(named: "aria-label", value: label + " " + t("ticket.dur.hours_unit"))),
                .span(.class("unit"), .text(t("ticket.dur.hours_unit"))),
                .input(.type(.number), .name(name + "m"), .value(mm), .class("minutes"), .attribute(named: "min", value: "0"),
                       .attribute(named: "max", value: "59"), .attribute(named: "aria-label", value: label + " " + t("ticket.dur.minutes_unit"))),
                .span(.class("unit"), .text(t("ticket.dur.minutes_unit"))))
        }
        let rows: [Node<HTML.TableContext>] = TicketKind.allCases.flatMap { k in
            TicketSeverity.allCases.enumerated().map { i, s in
                let key = "\(k.rawValue)|\(s.rawValue)", name = fieldName(k, s)
                let row = m.terms[key] ?? (SLATerms.standard(k, s), true)
                let std = SLATerms.standard(k, s)
                let label = "\(t(k.catalogKey)) · \(t(s.catalogKey))"
                return Node<HTML.TableContext>.tr(.class(i == 0 ? "group-start" : ""),
                    i == 0 ? .th(.attribute(named: "rowspan", value: "\(TicketSeverity.allCases.count)"), .attribute(named: "scope", value: "rowgroup"),
                                 .text(t(k.catalogKey))) : .empty,
                    .td(ServiceShell.severityBadge(t, s)),
                    m.manages ? inputs(name + "r", row.terms.responseMinutes, invalid: f?.form == "terms" && f!.has(key + ".response"),
                                       label: label + " " + t("ticket.sla.response_terms"))
                              : .td(.class("num"), .text(ServiceShell.duration(t, minutes: row.terms.responseMinutes))),
                    m.manages ? inputs(name + "x", row.terms.resolveMinutes, invalid: f?.form == "terms" && f!.has(key + ".resolve"),
                                       label: label + " " + t("ticket.sla.resolve_terms"))
                              : .td(.class("num"), .text(ServiceShell.duration(t, minutes: row.terms.resolveMinutes))),
                    .td(row.standard ? .span(.class("badge off"), .text(t("ticket.sla.standard")))
                                     : .span(.class("badge warn"), .text(t("ticket.sla.own")))),
                    .td(.class("muted small nowrap"),
                        .text(row.standard ? "" : t("ticket.sla.standard_values", ["response": ServiceShell.duration(t, minutes: std.responseMinutes),
                                                                                  "resolve": ServiceShell.duration(t, minutes: std.resolveMinutes)]))))
            }
        }
        func table<C: HTML.BodyContext>() -> Node<C> { .div(.class("table-wrap"), .table(.class("data sla-terms"),
            .thead(.tr(.th(.text(t("ticket.field.kind"))), .th(.text(t("ticket.field.severity"))), .th(.text(t("ticket.sla.response_terms"))),
                       .th(.text(t("ticket.sla.resolve_terms"))), .th(.text(t("ticket.sla.source"))), .th(.text(t("ticket.sla.standard_column"))))),
            .tbody(.group(rows)))) }
        guard m.manages else { return table() }
        return .form(.method(.post), .action("/projects/\(m.project.id)/service/settings"), Shell.csrfField(ctx),
            table(),
            .div(.class("actions row"), .button(.type(.submit), .class("primary"), .text(t("ticket.sla.save")))))
    }

    // MARK: Categories

    static func mayEdit(_ m: Model, _ c: TicketService.Category) -> Bool {
        c.projectId == nil ? m.managesCompany : m.manages
    }

    static func categories(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let tops = m.categories.filter { $0.parentId == nil }
        var ordered: [(TicketService.Category, Bool)] = []
        for top in tops {
            ordered.append((top, false))
            for child in m.categories where child.parentId == top.id { ordered.append((child, true)) }
        }
        let editing = m.categories.contains { mayEdit(m, $0) }
        return .div(.class("table-wrap"), .table(.class("data categories"),
            .thead(.tr(.th(.text(t("ticket.category.name"))), .th(.text(t("ticket.category.scope"))), .th(.text(t("field.status"))),
                       .if(editing, .th(.text(t("ticket.category.edit")))))),
            .tbody(.group(ordered.map { c, child in
                let form = "category-\(c.id)"
                let parentRetired = child && !(m.categories.first { $0.id == c.parentId }?.active ?? true)
                return Node<HTML.TableContext>.tr(.class([child ? "child" : "top", c.active ? "" : "retired"].joined(separator: " ")),
                    .td(.class(child ? "cat-name child" : "cat-name"), .if(child, .span(.class("muted"), .text("└ "))), .text(c.name),
                        .if(m.failure?.form == form, .div(FormFailure.view(m.failure, form: form)))),
                    .td(.span(.class(c.projectId == nil ? "badge off" : "badge on"), .text(t(c.projectId == nil ? "ticket.category.company" : "ticket.category.project")))),
                    .td(c.active ? (parentRetired ? .span(.class("muted"), .text(t("ticket.category.parent_retired"))) : .text(t("ticket.category.active")))
                                 : .span(.class("badge warn"), .text(t("ticket.category.retired")))),
                    .if(editing, .td(.if(mayEdit(m, c), editForms(ctx, m, c)))))
            }))))
    }

    static func editForms(_ ctx: PageContext, _ m: Model, _ c: TicketService.Category) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let action = "/projects/\(m.project.id)/service/settings/categories/\(c.id)"
        let v = m.failure?.form == "category-\(c.id)" ? m.failure!.values : [:]
        return .div(.class("cat-forms"),
            .form(.class("inline"), .method(.post), .action(action), Shell.csrfField(ctx),
                .input(.type(.hidden), .name("op"), .value("rename")),
                .input(.type(.text), .name("name"), .value(v["name"] ?? c.name), .attribute(named: "maxlength", value: "30"), .class("cat-input"),
                       .attribute(named: "aria-label", value: t("ticket.category.rename") + " " + c.name), .required(true)),
                .button(.type(.submit), .text(t("ticket.category.rename")))),
            .form(.class("inline"), .method(.post), .action(action), Shell.csrfField(ctx),
                .input(.type(.hidden), .name("op"), .value(c.active ? "retire" : "restore")),
                .button(.type(.submit), .class(c.active ? "link danger" : "link"),
                        .if(c.active, .attribute(named: "data-confirm", value: t("ticket.category.retire_confirm", ["name": c.name]))),
                        .text(t(c.active ? "ticket.category.retire" : "ticket.category.restore")))))
    }

    static func addCategory(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, f = m.failure
        let v = f?.form == "category" ? f!.values : [:]
        let parents = m.categories.filter { $0.parentId == nil && $0.active }
        return .div(.class("action-form"),
            .h3(.text(t("ticket.category.add"))),
            FormFailure.view(f, form: "category"),
            .form(.class("grid-form"), .method(.post), .action("/projects/\(m.project.id)/service/settings/categories"), Shell.csrfField(ctx),
                ServiceShell.input(t, form: "category", "name", "ticket.category.name", value: v["name"] ?? "", failure: f, required: true, maxLength: 30),
                ServiceShell.select(t, form: "category", "parentId", "ticket.category.parent",
                         parents.map { ($0.id.uuidString, $0.name + ($0.projectId == nil ? "" : " · " + t("ticket.category.project"))) },
                         selected: v["parentId"], failure: f, empty: t("ticket.category.top_level")),
                .if(m.managesCompany, ServiceShell.select(t, form: "category", "scope", "ticket.category.scope",
                                               [("project", t("ticket.category.project")), ("company", t("ticket.category.company"))],
                                               selected: v["scope"] ?? "project", failure: f)),
                ServiceShell.submit(t, "ticket.category.add")))
    }
}
