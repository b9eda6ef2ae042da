import EstateCore
import Foundation
import Plot
import Vapor

/// 话单导入: the template, the upload with live progress (the inventory import's script), and every
/// bad row when refused. The project is the one chosen on the call pages (`?project=`).
enum CallImportPage {
    static func register(_ app: Application) {
        app.on(.GET, "calls", "import", guard: .allowed(.callCenterManage), use: show)
        // The project in the path: the upload script keeps only the path of the form's action.
        app.on(.POST, "calls", "import", ":projectID", guard: .allowed(.callCenterManage),
               body: .collect(maxSize: ByteCount(value: app.services.config.maxUploadMegabytes * 1024 * 1024)), use: upload)
        app.on(.GET, "calls", "import", "template.csv", guard: .allowed(.callCenterManage), use: template)
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        guard let (project, projects) = try await CallsController.project(req, .callCenterManage) else { return CallsController.noProjects(req) }
        let ctx = PageContext(req), t = ctx.t
        return Shell.response(CallsShell.page(ctx, project: project, projects: projects, tab: .importing, title: t("calls.tab.importing"), .group(
            .section(.class("card"),
                .h2(.text(t("inv.import.how"))),
                .ol(.li(.text(t("calls.import.step1")), .text(" "), .a(.href("/calls/import/template.csv"), .text(t("calls.import.template")))),
                    .li(.text(t("calls.import.step2"))),
                    .li(.text(t("calls.import.step3"))))),
            // The script fills {imported} and {buildings}: here the calls skipped as already stored.
            ImportPage.uploadCard(ctx, action: "/calls/import/\(project.id)", ok: t("calls.import.ok", ["imported": "{imported}", "skipped": "{buildings}"]),
                                  next: CallsShell.Tab.calls.href(project.id), nextLabel: t("calls.tab.calls")))))
    }

    @Sendable static func upload(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let projects = try await ProjectSwitcher.projects(req, any: [.callCenterManage])
        guard let project = projects.first(where: { $0.id == projectID }) else { throw Problem.notFound }
        let service = req.services.cdrImports(req.db)
        let context = req.auditContext
        if req.headers.contentType?.type == "multipart" {
            struct Upload: Content { var file: File }
            let upload = try req.content.decode(Upload.self)
            let o = try await req.services.imports.run {
                try await service.importFile(Data(buffer: upload.file.data), projectID: project.id, fileName: upload.file.filename, context: context)
            }
            _ = o
            return FormAction.redirect(req, to: CallsShell.Tab.calls.href(project.id), notice: "calls.imported_notice")
        }
        guard let body = req.body.data else { throw Problem(.unprocessableEntity, "import_empty") }
        let data = Data(buffer: body)
        let fileName = req.queryText("fileName", max: 120) ?? "upload"
        let permit = try req.services.imports.enter()
        return InventoryController.importStream(req) { progress in
            defer { permit.release() }
            progress(.reading, 0, 1)
            let o = try await service.importFile(data, projectID: project.id, fileName: fileName, context: context)
            progress(.done, o.rows, o.rows)
            return #"{"result":{"imported":\#(o.imported),"buildingsCreated":\#(o.skipped)}}"#
        }
    }

    @Sendable static func template(_ req: Request) async throws -> Response {
        let zh = req.language == .zh
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/csv; charset=utf-8")
        headers.replaceOrAdd(name: "Content-Disposition", value: APIHandler.attachment(zh ? "话单导入模板.csv" : "call-import-template.csv"))
        return Response(status: .ok, headers: headers, body: .init(data: CDRImportService.template(zh: zh)))
    }
}
