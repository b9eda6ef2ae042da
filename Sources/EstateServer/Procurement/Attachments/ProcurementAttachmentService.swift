import EstateCore
import Foundation
import SQLKit

/// Inspection photos (质量检验 照片) and supplier documents (资质扫描件、合同 PDF), stored as the mall's found-item photos
/// are: the type the bytes are (sniffed, never the name or the header), at most the attachments' size (413), written to
/// disk before the row points to it (removed again when the row fails). An inspection's photo is read by whoever may open
/// its delivery; a supplier's document by procurement (the directory is the company's) — the pages check it.
public struct ProcurementAttachmentService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let directory: String

    public enum Owner: String, Sendable { case inspection, supplier }

    public struct Attachment: Decodable, Sendable {
        public var id: UUID
        public var ownerKind: String
        public var ownerId: UUID
        public var projectId: UUID?
        public var title: String
        public var fileName: String
        public var contentType: String
        public var sizeBytes: Int64
        public var createdBy: UUID?
        public var createdAt: Date
    }

    public static let photoTypes = DeskLogService.photoTypes
    public static let documentTypes = DeskLogService.photoTypes + ["application/pdf"]

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    /// Attaches `data` to an inspected delivery (photos only: 415 inspection_photo_type) or a supplier (photos or PDF:
    /// 415 supplier_document_type), titled (a qualification's name, 合同编号…) or named after the upload.
    public func attach(_ owner: Owner, to ownerID: UUID, projectID: UUID?, title raw: String, data: Data, by actor: UUID?,
                       context: AuditContext) async throws -> Attachment {
        let title = raw.trimmingCharacters(in: .whitespaces)
        guard title.isEmpty || Text.isCleanLine(title, maxLength: 100) else { throw Problem.invalid("title", "text_invalid") }
        guard data.count <= TicketService.maxAttachmentBytes else {
            throw Problem(.payloadTooLarge, "attachment_too_large", arguments: ["mb": "\(TicketService.maxAttachmentBytes / 1024 / 1024)"])
        }
        let allowed = owner == .inspection ? Self.photoTypes : Self.documentTypes
        guard !data.isEmpty, let type = TicketService.sniff(data), allowed.contains(type) else {
            throw Problem(.unsupportedMediaType, owner == .inspection ? "inspection_photo_type" : "supplier_document_type")
        }
        let folder = URL(fileURLWithPath: directory, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let id = UUID(), at = now(), name = "\(owner.rawValue)-\(id.uuidString)"
        let path = folder.appendingPathComponent(name)
        try data.write(to: path, options: .atomic)
        let a = Attachment(id: id, ownerKind: owner.rawValue, ownerId: ownerID, projectId: projectID, title: title, fileName: name, contentType: type,
                           sizeBytes: Int64(data.count), createdBy: actor, createdAt: at)
        do {
            return try await store.audited(context) { tx -> (Attachment, AuditEntry) in
                try await tx.sql.raw("""
                    INSERT INTO procurement_attachments (id, owner_kind, owner_id, project_id, title, file_name, content_type, size_bytes, created_by, created_at)
                    VALUES (\(bind: id), \(bind: owner.rawValue), \(bind: ownerID), \(bind: projectID), \(bind: title), \(bind: name), \(bind: type),
                    \(bind: Int64(data.count)), \(bind: actor), \(bind: at))
                    """).run()
                return (a, AuditEntry(action: owner == .inspection ? "delivery.photo" : "supplier.document",
                                      entity: owner == .inspection ? "purchase_delivery" : "supplier", entityID: ownerID.uuidString, projectID: projectID,
                                      summary: "\(title.isEmpty ? type : title)（\(type)，\(data.count) bytes）", after: ["title": title]))
            }
        } catch {
            try? FileManager.default.removeItem(at: path)
            throw error
        }
    }

    public func list(_ owner: Owner, _ ownerID: UUID) async throws -> [Attachment] {
        try await store.sql.raw("""
            SELECT * FROM procurement_attachments WHERE owner_kind = \(bind: owner.rawValue) AND owner_id = \(bind: ownerID) ORDER BY created_at, id
            """).all(decoding: Attachment.self, with: decoder)
    }

    public func attachment(_ id: UUID) async throws -> Attachment {
        guard let a = try await store.sql.raw("SELECT * FROM procurement_attachments WHERE id = \(bind: id)").first(decoding: Attachment.self, with: decoder)
        else { throw Problem.notFound }
        return a
    }

    /// The stored bytes and their type (404 when the file is gone).
    public func contents(of a: Attachment) throws -> (Data, String) {
        guard !a.fileName.contains("/"),
              let data = FileManager.default.contents(atPath: URL(fileURLWithPath: directory).appendingPathComponent(a.fileName).path),
              let type = TicketService.sniff(data) else { throw Problem.notFound }
        return (data, type)
    }
}
