import EstateCore
import Plot
import Vapor

extension ImportPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)"
        return InventoryShell.page(ctx, project: m.project, projects: m.projects, tab: .importing, title: t("inv.tab.import"), .group(
            .section(.class("card"),
                .h2(.text(t("inv.import.how"))),
                .ol(.li(.text(t("inv.import.step1")), .text(" "), .a(.href("\(base)/template.xlsx"), .text(t("inv.import.template")))),
                    .li(.text(t("inv.import.step2", ["layouts": m.layouts.isEmpty ? "—" : m.layouts.joined(separator: "、")]))),
                    .li(.text(t("inv.import.step3")))),
                .if(m.layouts.isEmpty, .p(.class("flash error"), .text(t("inv.import.no_layouts")), .text(" "),
                                          .a(.href("\(base)/structure"), .text(t("inv.tab.structure")))))),
            uploadCard(ctx, action: "\(base)/import", ok: t("inv.import.ok", ["imported": "{imported}", "buildings": "{buildings}"]),
                       next: "\(base)/board", nextLabel: t("inv.tab.board"))
        ))
    }

    /// The upload form with live progress and the bad-row table (import.js), for every import page.
    /// `ok` may use {imported} and {buildings}; `next` is where the result links to.
    static func uploadCard(_ ctx: PageContext, action: String, ok: String, next: String, nextLabel: String) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .section(.class("card"),
            .form(.method(.post), .action("\(action)?_csrf=\(ctx.csrf ?? "")"), .id("import-form"), .enctype(.multipartData),
                  .attribute(named: "data-csrf", value: ctx.csrf ?? ""),
                Shell.csrfField(ctx),
                .div(.class("inline-form"),
                    .input(.type(.file), .name("file"), .id("file"), .required(true),
                           .attribute(named: "accept", value: ".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
                    .button(.type(.submit), .class("primary"), .text(t("inv.import.upload"))))),
            .div(.id("import-progress"), .class("progress"), .attribute(named: "hidden", value: "hidden"),
                .div(.class("bar"), .div(.class("fill"), .id("import-fill"))),
                .p(.id("import-phase"), .class("muted"))),
            .div(.id("import-result"), .attribute(named: "aria-live", value: "polite")),
            .script(.src("/assets/import.js"), .attribute(named: "defer", value: "defer"),
                    .attribute(named: "data-phases", value: ["reading", "checking", "writing", "done"].map { t("inv.import.phase.\($0)") }.joined(separator: "|")),
                    .attribute(named: "data-uploading", value: t("inv.import.phase.uploading")),
                    .attribute(named: "data-ok", value: ok),
                    .attribute(named: "data-failed", value: t("inv.import.failed")),
                    .attribute(named: "data-cols", value: [t("inv.import.row"), t("inv.import.column"), t("inv.import.value"), t("inv.import.reason")].joined(separator: "|")),
                    .attribute(named: "data-board", value: next),
                    .attribute(named: "data-board-label", value: nextLabel)))
    }
}
