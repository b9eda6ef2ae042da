import EstateCore
import Foundation
import Plot

extension DutyLogListPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)/duty-logs"
        return DutyLogPage.frame(ctx, m.project, m.projects, title: t("nav.duty_logs"), .group(
            .form(.class("toolbar service-toolbar"), .method(.get), .action(base),
                .input(.type(.search), .name("q"), .value(m.filter.q ?? ""), .placeholder(t("duty.search_placeholder")),
                       .attribute(named: "aria-label", value: t("duty.search"))),
                .select(.named("status", id: "duty-status"), .attribute(named: "aria-label", value: t("field.status")),
                        Node<HTML.SelectContext>.choice("", t("duty.all")),
                        .group(DutyLogStatus.allCases.map { Node<HTML.SelectContext>.choice($0.rawValue, t($0.catalogKey), selected: $0 == m.filter.status) })),
                .input(.type(.date), .name("from"), .value(m.filter.from ?? ""), .attribute(named: "aria-label", value: t("duty.from"))),
                .input(.type(.date), .name("to"), .value(m.filter.to ?? ""), .attribute(named: "aria-label", value: t("duty.to"))),
                .button(.type(.submit), .text(t("duty.search")))),
            m.page.items.isEmpty ? .p(.class("muted empty"), .text(t("duty.none"))) : .div(.class("table-wrap"), .table(.class("data"),
                .thead(.tr(.th(.text(t("duty.field.shift"))), .th(.text(t("duty.field.on_duty"))), .th(.text(t("duty.field.incidents"))),
                           .th(.text(t("duty.field.handover"))), .th(.text(t("field.status"))))),
                .tbody(.group(m.page.items.map { l in
                    Node<HTML.TableContext>.tr(
                        .td(.class("nowrap"), .a(.href("/duty-logs/\(l.id)"), .text("\(l.shiftDate) \(l.shiftName)"))),
                        .td(.text(l.onDuty)),
                        .td(.class("small"), .text(String(l.incidents.prefix(80)))),
                        .td(.class("small"), .text(String(l.handover.prefix(80)))),
                        .td(.class("nowrap"), DutyLogPage.badge(t, l)))
                })))),
            .if(m.page.total > m.page.perPage, Shell.pager(ctx, m.page, query: [:])),
            .if(m.mayWrite, .section(.class("card"), .id("duty-new"),
                .h2(.text(t("duty.new"))),
                .form(.class("grid-form"), .method(.post), .action(base), Shell.csrfField(ctx),
                    field(t, "duty-date", "duty.field.date", .input(.type(.date), .id("duty-date"), .name("shiftDate"), .value(m.today.description), .required(true))),
                    field(t, "duty-name", "duty.field.name", .input(.type(.text), .id("duty-name"), .name("shiftName"), .attribute(named: "list", value: "duty-names"),
                                                               .attribute(named: "maxlength", value: "20"), .required(true), .placeholder("早班"))),
                    .element(named: "datalist", nodes: [.attribute(named: "id", value: "duty-names")]
                             + DutyShiftRules.commonNames.map { Node<HTML.FormContext>.element(named: "option", nodes: [.attribute(named: "value", value: $0)]) }),
                    field(t, "duty-starts", "duty.field.starts", .input(.type(.time), .id("duty-starts"), .name("startsAt"), .value("08:00"), .required(true))),
                    field(t, "duty-ends", "duty.field.ends", .input(.type(.time), .id("duty-ends"), .name("endsAt"), .value("16:00"), .required(true))),
                    DutyLogPage.text(t, "onDuty", "duty.field.on_duty", "", rows: 2),
                    DutyLogPage.text(t, "incidents", "duty.field.incidents", ""),
                    DutyLogPage.text(t, "complaints", "duty.field.complaints", ""),
                    DutyLogPage.text(t, "handover", "duty.field.handover", ""),
                    .div(.class("field wide"), .button(.type(.submit), .class("primary"), .text(t("duty.create")))))))))
    }

    static func field(_ t: Localizer, _ id: String, _ label: String, _ control: Node<HTML.FormContext>) -> Node<HTML.FormContext> {
        .div(.class("field"), .label(.for(id), .text(t(label))), control)
    }
}

extension DutyLogPage {
    static func frame(_ ctx: PageContext, _ project: InventoryShell.ProjectRef, _ projects: [InventoryShell.ProjectRef], title: String,
                      _ content: Node<HTML.BodyContext>) -> HTML {
        let t = ctx.t
        return Shell.page(ctx, title: "\(title) · \(project.name)", .div(.class("service-page duty-page"),
            .div(.class("inv-head"),
                .h1(.text(project.name), .span(.class("muted code"), .text(" " + project.code)), .span(.class("report-title"), .text(" · " + t("nav.duty_logs")))),
                ProjectSwitcher.view(t, current: project, projects: projects, home: "/duty-logs")),
            content))
    }

    static func badge(_ t: Localizer, _ l: DutyLogService.DutyLog) -> Node<HTML.BodyContext> {
        .span(.class("tk-st tk-st-\(l.logStatus == .signed ? "closed" : "in_progress")"), .text(t(l.logStatus.catalogKey)))
    }

    static func text(_ t: Localizer, _ name: String, _ label: String, _ value: String, rows: Int = 3) -> Node<HTML.FormContext> {
        .div(.class("field wide"), .label(.for("duty-\(name)"), .text(t(label))),
             .textarea(.id("duty-\(name)"), .name(name), .attribute(named: "rows", value: "\(rows)"),
                       .attribute(named: "maxlength", value: "\(DutyShiftRules.maxText)"), .text(value)))
    }

    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t, l = m.log
        func block(_ label: String, _ value: String) -> Node<HTML.BodyContext> {
            .section(.class("card"), .h2(.text(t(label))), value.isEmpty ? .p(.class("muted"), .text("—")) : .p(.class("pre"), .text(value)))
        }
        return frame(ctx, m.project, m.projects, title: "\(l.shiftDate) \(l.shiftName)", .group(
            .div(.class("crumbs"), .a(.href("/projects/\(l.projectId)/duty-logs"), .text(t("nav.duty_logs"))), .text(" / \(l.shiftDate) \(l.shiftName)")),
            .div(.class("toolbar"),
                .h2(.text("\(l.shiftDate) \(l.shiftName) "), .span(.class("muted small"), .text("\(ServiceShell.clock(l.startsAt)) – \(ServiceShell.clock(l.endsAt))")),
                    .text(" "), badge(t, l)),
                .div(.class("spacer")),
                .if(m.maySignOff, .form(.class("inline"), .method(.post), .action("/duty-logs/\(l.id)/sign-off"), Shell.csrfField(ctx),
                                        .button(.type(.submit), .class("primary"), .attribute(named: "data-confirm", value: t("duty.sign_off_confirm")),
                                                .text(t("duty.sign_off")))))),
            .p(.class("muted small"), .text(l.logStatus == .signed
                ? t("duty.signed_line", ["name": l.signedByName ?? "—", "when": ServiceShell.clock(l.signedAt)])
                : t("duty.open_line", ["name": l.createdByName ?? "—"]))),
            .section(.class("card"), .h2(.text(t("duty.field.outages"))),
                m.outages.isEmpty ? .p(.class("muted"), .text(t("duty.no_outages")))
                    : .ul(.group(m.outages.map { Node<HTML.ListContext>.li(.class("mono small"), .text($0)) }))),
            m.mayEdit
                ? .section(.class("card"), .form(.class("grid-form"), .method(.post), .action("/duty-logs/\(l.id)"), Shell.csrfField(ctx),
                    text(t, "onDuty", "duty.field.on_duty", l.onDuty, rows: 2),
                    text(t, "incidents", "duty.field.incidents", l.incidents, rows: 4),
                    text(t, "complaints", "duty.field.complaints", l.complaints),
                    text(t, "handover", "duty.field.handover", l.handover),
                    .div(.class("field wide"), .button(.type(.submit), .text(t("duty.save"))))))
                : .group(block("duty.field.on_duty", l.onDuty), block("duty.field.incidents", l.incidents),
                         block("duty.field.complaints", l.complaints), block("duty.field.handover", l.handover))))
    }
}
