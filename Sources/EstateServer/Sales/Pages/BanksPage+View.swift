import EstateCore
import Foundation
import Plot
import Vapor

extension BanksPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)/banks"
        return SaleShell.page(ctx, project: m.project, projects: m.projects, tab: .banks, title: t("sale.tab.banks"), .group(
            m.banks.isEmpty ? .p(.class("muted"), .text(t("sale.no_banks"))) :
            .table(.class("data"),
                .thead(.tr(.th(.text(t("sale.bank_name"))), .th(.text(t("sale.bank_branch"))), .th(.text(t("sale.bank_status"))),
                           .if(m.manages, .th(.text(""))))),
                .tbody(.group(m.banks.map { b in
                    Node<HTML.TableContext>.tr(.class(b.active ? "" : "muted"),
                        .td(.text(b.name)), .td(.text(b.branch.isEmpty ? "—" : b.branch)),
                        .td(.span(.class(b.active ? "badge on" : "badge off"), .text(t(b.active ? "sale.bank_active" : "sale.bank_retired")))),
                        .if(m.manages, .td(toggle(ctx, base, b))))
                }))),
            .if(m.manages, .section(.class("card"),
                .h2(.text(t("sale.new_bank"))),
                FormFailure.view(m.failure, form: "bank"),
                .form(.class("grid-form"), .method(.post), .action(base), Shell.csrfField(ctx),
                    SaleShell.field(t, "bk", "name", "sale.bank_name", value: m.failure?.values["name"] ?? "", required: true,
                                    placeholder: t("sale.bank_name_hint")),
                    SaleShell.field(t, "bk", "branch", "sale.bank_branch", value: m.failure?.values["branch"] ?? ""),
                    SaleShell.submit(t, "action.create"))))
        ))
    }

    static func toggle(_ ctx: PageContext, _ base: String, _ b: SaleService.Bank) -> Node<HTML.BodyContext> {
        .form(.class("inline"), .method(.post), .action("\(base)/\(b.id)"), Shell.csrfField(ctx),
              .input(.type(.hidden), .name("active"), .value(b.active ? "false" : "true")),
              .button(.type(.submit), .text(ctx.t(b.active ? "sale.bank_retire" : "sale.bank_restore"))))
    }
}
