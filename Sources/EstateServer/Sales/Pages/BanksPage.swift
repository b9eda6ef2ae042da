import EstateCore
import Foundation
import Plot
import Vapor

/// 按揭银行: the lending banks offered for new mortgages. Sales managers (and the GM) add one,
/// rename it, or take it off the list; mortgages already with a retired bank keep it.
enum BanksPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var banks: [SaleService.Bank]
        var manages: Bool
        var failure: FormFailure?
    }

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

extension SalesController {
    static func banksModel(_ req: Request, _ projectID: UUID, failure: FormFailure? = nil) async throws -> BanksPage.Model {
        let (project, projects) = try await refs(req, projectID)
        return BanksPage.Model(project: project, projects: projects, banks: try await req.services.sales(req.db).banks(),
                               manages: try access(req, projectID).may(.salesApprove), failure: failure)
    }

    @Sendable static func banks(_ req: Request) async throws -> Response {
        Shell.response(BanksPage.view(PageContext(req), try await banksModel(req, try req.projectID())))
    }

    @Sendable static func createBank(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let v = req.formFields(["name", "branch"])
        return try await FormAction.run(req) {
            _ = try await req.services.sales(req.db).createBank(name: v["name"] ?? "", branch: v["branch"] ?? "", context: req.auditContext)
            return .to("/projects/\(projectID)/banks", notice: "sale.bank_created_notice")
        } failed: { p in
            let m = try await banksModel(req, projectID, failure: failure(req, p, form: "bank", values: v))
            return Shell.response(BanksPage.view(PageContext(req), m), status: p.status)
        }
    }

    @Sendable static func updateBank(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let path = "/projects/\(projectID)/banks"
        return try await FormAction.run(req) {
            _ = try await req.services.sales(req.db).updateBank(try req.pathID("bankID"), name: nil, branch: nil,
                                                                active: req.formField("active") == "true", context: req.auditContext)
            return .to(path, notice: "sale.bank_updated_notice")
        } failed: { p in
            return FormAction.redirect(req, to: path, error: p)
        }
    }
}
