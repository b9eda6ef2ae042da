import EstateCore
import Plot
import Vapor

extension AuditPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        func value(_ k: String) -> String { m.query[k] ?? "" }
        return Shell.page(ctx, title: t("nav.audit"), .group(
            .h1(.text(t("nav.audit"))),
            .form(.method(.get), .action("/admin/audit"), .class("filters"),
                filter(t("audit.actor"), "actor", value("actor")),
                filter(t("audit.action"), "action", value("action"), placeholder: "user.*"),
                .div(.class("field"),
                    .label(.for("outcome"), .text(t("audit.outcome"))),
                    .select(.field("outcome"),
                        .choice("", t("list.all")),
                        .forEach(["ok", "denied", "failed"]) { o in .choice(o, t("outcome.\(o)"), selected: value("outcome") == o) })),
                .div(.class("field"),
                    .label(.for("projectId"), .text(t("field.project"))),
                    .select(.field("projectId"),
                        .choice("", t("list.all")),
                        .forEach(m.projects) { p in .choice(p.id.uuidString, p.code, selected: value("projectId") == p.id.uuidString) })),
                .div(.class("field"), .label(.for("from"), .text(t("audit.from"))),
                     .input(.type(.date), .id("from"), .name("from"), .value(value("from")))),
                .div(.class("field"), .label(.for("to"), .text(t("audit.to"))),
                     .input(.type(.date), .id("to"), .name("to"), .value(value("to")))),
                .div(.class("field actions"), .button(.type(.submit), .class("primary"), .text(t("action.filter"))))),
            table(ctx, m.page.items, names: m.names),
            Shell.pager(ctx, m.page, query: m.query)
        ))
    }

    static func filter(_ label: String, _ name: String, _ value: String, placeholder: String = "") -> Node<HTML.FormContext> {
        .div(.class("field"), .label(.for(name), .text(label)),
             .input(.type(.text), .id(name), .name(name), .value(value), .placeholder(placeholder)))
    }

    static func table(_ ctx: PageContext, _ lines: [AuditQuery.Line], names: Names) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .table(.class("data audit"),
            .thead(.tr(.th(.text(t("audit.at"))), .th(.text(t("audit.actor"))), .th(.text(t("audit.action"))),
                       .th(.text(t("audit.summary"))), .th(.text(t("audit.changes"))), .th(.text(t("audit.outcome"))),
                       .th(.text(t("audit.request"))))),
            .tbody(.forEach(lines) { l in
                .tr(.class("outcome-\(l.outcome)"),
                    .td(.class("num nowrap"), .text(Shell.dateTime(l.at))),
                    // The actor's name today (the line keeps the sign-in name it was written with).
                    .td(.text(l.actorID.flatMap { names.people[$0] } ?? l.actorName)),
                    .td(.text(actionName(t, l.action)), .br(), .code(.class("muted small"), .text(l.action))),
                    // The summary was written in English for the log; a Chinese reader gets what it is about.
                    .td(.text(t.language == .zh ? AuditReading.subject(l, t, references: names.references) : l.summary)),
                    .td(.class("changes"), .text(AuditReading.changes(l, t, names: names.people))),
                    .td(.span(.class("badge \(l.outcome == "ok" ? "on" : "warn")"), .text(t("outcome.\(l.outcome)")))),
                    .td(.class("muted small"), .text([l.ip, l.requestID.map { String($0.prefix(8)) }].compactMap { $0 }.joined(separator: " · "))))
            }))
    }

    /// The action in the reader's language ("签约"); the code itself when the catalogue has no name for it.
    static func actionName(_ t: Localizer, _ code: String) -> String {
        t.catalog.has("audit.action.\(code)") ? t("audit.action.\(code)") : code
    }
}
