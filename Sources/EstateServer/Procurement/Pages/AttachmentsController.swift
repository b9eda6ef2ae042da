import EstateCore
import Foundation
import Vapor

/// Inspection photos and supplier documents: uploaded as the mall's found-item photos are (multipart, the CSRF token in the
/// query), served inline typed as their bytes are, and only to a reader who may open their record: an inspection's photo
/// to whoever may open its delivery (procurement and engineering on its project), a supplier's document to procurement.
/// Anyone else gets 404, as for the record itself.
enum AttachmentsController {
    static func register(_ app: Application) {
        app.on(.POST, "procurement", "deliveries", ":deliveryID", "photos", guard: .allowed(.projectView), body: .collect(maxSize: ByteCount(value: TicketService.maxAttachmentBytes + 64 * 1024)), use: addPhoto)
        app.on(.POST, "procurement", "suppliers", ":supplierID", "documents", guard: .allowed(.procurementHandle), body: .collect(maxSize: ByteCount(value: TicketService.maxAttachmentBytes + 64 * 1024)),
               use: addDocument)
        app.on(.GET, "procurement", "attachments", ":attachmentID", guard: .signedIn, use: show)
    }

    static func upload(_ req: Request, missing: String) throws -> Data {
        struct Upload: Content { var file: File? }
        guard req.headers.contentType?.type == "multipart", let file = (try? req.content.decode(Upload.self))?.file, file.data.readableBytes > 0 else {
            throw Problem.invalid("file", missing)
        }
        return Data(buffer: file.data)
    }

    static func title(_ req: Request) -> String {
        struct T: Content { var title: String? }
        return (try? req.content.decode(T.self))?.title ?? ""
    }

    /// A photo of an inspected delivery, by whoever inspects on its project (engineering, procurement).
    @Sendable static func addPhoto(_ req: Request) async throws -> Response {
        guard let d = try await ifFound({ try await req.services.deliveries(req.db).delivery(try req.pathID("deliveryID")) }) else { throw Problem.notFound }
        let p = try ProcurementShell.check(req, .deliveries, d.projectId)
        guard ProcurementShell.inspects(p, on: d.projectId) else { throw Problem.forbidden }
        let back = "/procurement/deliveries/\(d.id)"
        return try await FormAction.run(req, alsoCorrectable: [.unsupportedMediaType, .payloadTooLarge]) {
            let data = try upload(req, missing: "photo_required")
            _ = try await req.services.procurementAttachments(req.db).attach(.inspection, to: d.id, projectID: d.projectId, title: title(req), data: data,
                                                                             by: p.userID, context: req.auditContext)
            return .to(back, notice: "pr.photo_added", anchor: "pr-photos")
        } failed: { FormAction.back(req, to: back, $0) }
    }

    /// A qualification scan or contract PDF of a supplier, by procurement.
    @Sendable static func addDocument(_ req: Request) async throws -> Response {
        guard let s = try await ifFound({ try await req.services.suppliers(req.db).supplier(try req.pathID("supplierID")) }) else { throw Problem.notFound }
        let back = "/procurement/suppliers/\(s.id)"
        return try await FormAction.run(req, alsoCorrectable: [.unsupportedMediaType, .payloadTooLarge]) {
            let data = try upload(req, missing: "document_required")
            _ = try await req.services.procurementAttachments(req.db).attach(.supplier, to: s.id, projectID: nil, title: title(req), data: data,
                                                                             by: try req.requirePrincipal().userID, context: req.auditContext)
            return .to(back, notice: "pr.document_added", anchor: "pr-documents")
        } failed: { FormAction.back(req, to: back, $0) }
    }

    /// The file, inline, typed as its bytes are; 404 unless the reader may open its record.
    @Sendable static func show(_ req: Request) async throws -> Response {
        let svc = req.services.procurementAttachments(req.db)
        guard let a = try await ifFound({ try await svc.attachment(try req.pathID("attachmentID")) }) else { throw Problem.notFound }
        let p = try req.requirePrincipal()
        switch ProcurementAttachmentService.Owner(rawValue: a.ownerKind) {
        case .inspection:
            guard let project = a.projectId else { throw Problem.notFound }
            _ = try ProcurementShell.check(req, .deliveries, project)
        case .supplier:
            guard p.may(.procurementHandle, on: nil) else { throw Problem.notFound }
        case nil:
            throw Problem.notFound
        }
        let (data, type) = try svc.contents(of: a)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: type)
        headers.replaceOrAdd(name: "Content-Disposition", value: "inline")
        headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'none'; img-src 'self'; sandbox")
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }
}
