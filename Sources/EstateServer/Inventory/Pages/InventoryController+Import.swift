import EstateCore
import EstateSheets
import Foundation
import NIOCore
import Vapor

extension InventoryController {
    // MARK: Import

    @Sendable static func importPage(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, projects) = try await refs(req, projectID)
        let layouts = try await req.services.inventory(req.db).layoutNames(projectID)
        return Shell.response(ImportPage.view(PageContext(req), .init(project: project, projects: projects, layouts: layouts)))
    }

    /// The file as the body (from the page's script): answers NDJSON lines of progress,
    /// then the result or the problem with every bad row. A plain multipart form post
    /// (no script) gets a redirect or the error page.
    @Sendable static func importUpload(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let service = req.services.unitImports(req.db)
        let context = req.auditContext
        if req.headers.contentType?.type == "multipart" {
            struct Upload: Content { var file: File }
            let upload = try req.content.decode(Upload.self)
            let outcome = try await req.services.imports.run {
                try await service.importUnits(Data(buffer: upload.file.data), into: projectID, fileName: upload.file.filename,
                                              context: context)
            }
            return FormAction.redirect(req, to: "/projects/\(projectID)/units", notice: outcome.imported > 0 ? "inv.imported" : nil)
        }
        guard let body = req.body.data else { throw Problem(.unprocessableEntity, "import_empty") }
        let data = Data(buffer: body)
        let fileName = (try? req.query.get(String.self, at: "fileName")) ?? "upload"
        let permit = try req.services.imports.enter()  // before the 200 of the stream, so a full house is a 429
        return importStream(req) { progress in
            defer { permit.release() }
            let o = try await service.importUnits(data, into: projectID, fileName: fileName, context: context, progress: progress)
            return #"{"result":{"imported":\#(o.imported),"buildingsCreated":\#(o.buildingsCreated.count)}}"#
        }
    }

    /// Runs an import and answers NDJSON: progress lines, then `{"result":…}` or `{"problem":…}`
    /// with every bad row in the user's language (import.js reads it).
    static func importStream(_ req: Request, _ run: @escaping @Sendable (@escaping UnitImportService.Progress) async throws -> String) -> Response {
        let catalog = req.services.catalog, lang = req.language, requestID = req.id
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "application/x-ndjson; charset=utf-8")
        headers.replaceOrAdd(name: "X-Accel-Buffering", value: "no")
        let response = Response(status: .ok, headers: headers)
        response.body = .init(asyncStream: { writer in
            let (progress, sink) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(64))
            let work = Task { () -> String in
                defer { sink.finish() }
                do {
                    return try await run { phase, done, total in
                        sink.yield(#"{"phase":"\#(phase.rawValue)","done":\#(done),"total":\#(total)}"#)
                    }
                } catch let p as Problem {
                    struct Row: Encodable { var row: Int; var column: String?; var value: String?; var message: String }
                    struct Out: Encodable { var code: String; var detail: String; var rows: [Row] }
                    let out = Out(code: p.code,
                                  detail: catalog.text("error.\(p.code)", lang, ProblemMiddleware.localized(p.arguments, catalog, lang)),
                                  rows: p.rows.map { Row(row: $0.row, column: $0.column, value: $0.value, message: catalog.text("error.\($0.code)", lang)) })
                    return #"{"problem":"# + String(decoding: (try? JSONEncoder().encode(out)) ?? Data("{}".utf8), as: UTF8.self) + "}"
                } catch {
                    return #"{"problem":{"code":"internal_error","detail":"\#(catalog.text("error.internal_error", lang)) \#(requestID)","rows":[]}}"#
                }
            }
            do {
                for await line in progress { try await writer.write(.buffer(ByteBuffer(string: line + "\n"))) }
                let last = await work.value
                try await writer.write(.buffer(ByteBuffer(string: last + "\n")))
                try await writer.write(.end)
            } catch {
                // The browser went away; the import itself runs to its end (or rolls back) regardless.
                _ = await work.value
                try? await writer.write(.error(error))
            }
        })
        return response
    }
}
