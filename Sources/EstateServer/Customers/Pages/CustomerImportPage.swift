import EstateCore
import Plot
import Vapor

/// 导入客户: the template, the upload with live progress, and every bad row when refused.
enum CustomerImportPage {
    static func view(_ ctx: PageContext, project: InventoryShell.ProjectRef, projects: [InventoryShell.ProjectRef]) -> HTML {
        let t = ctx.t
        let base = "/projects/\(project.id)/customers"
        return CustomerShell.page(ctx, project: project, projects: projects, tab: .importing, title: t("cust.tab.import"), .group(
            .section(.class("card"),
                .h2(.text(t("inv.import.how"))),
                .ol(.li(.text(t("cust.import.step1")), .text(" "), .a(.href("\(base)/template.xlsx"), .text(t("cust.import.template")))),
                    .li(.text(t("cust.import.step2"))),
                    .li(.text(t("inv.import.step3"))))),
            ImportPage.uploadCard(ctx, action: "\(base)/import", ok: t("cust.import.ok", ["imported": "{imported}"]),
                                  next: base, nextLabel: t("cust.tab.customers"))
        ))
    }
}
