import Crypto
import EstateCore
import FluentKit
import Foundation
import SQLKit

extension TicketService {
    // MARK: - Attachments

    public static let maxAttachmentBytes = 10 * 1024 * 1024
    public static let attachmentTypes = ["image/jpeg", "image/png", "image/webp", "application/pdf"]

    /// The type the bytes really are (never the one the client claims).
    public static func sniff(_ data: Data) -> String? {
        let b = [UInt8](data.prefix(12))
        if b.count >= 3, b[0] == 0xFF, b[1] == 0xD8, b[2] == 0xFF { return "image/jpeg" }
        if b.count >= 8, b[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return "image/png" }
        if b.count >= 12, b[0..<4] == [0x52, 0x49, 0x46, 0x46], b[8..<12] == [0x57, 0x45, 0x42, 0x50] { return "image/webp" }
        if b.count >= 5, b[0..<5] == [0x25, 0x50, 0x44, 0x46, 0x2D] { return "application/pdf" }
        return nil
    }

    public func attach(_ id: UUID, fileName raw: String, data: Data, visibleToOwner: Bool, by actor: Actor,
                       context: AuditContext) async throws -> Attachment {
        let t = try await ticket(id)
        let fileName = raw.trimmingCharacters(in: .whitespaces)
        guard !fileName.isEmpty, fileName.count <= 100, !fileName.contains("/"), !fileName.contains("\\"), Text.isCleanLine(fileName, maxLength: 100) else {
            throw Problem.invalid("fileName", "file_name_invalid")
        }
        guard data.count <= Self.maxAttachmentBytes else {
            throw Problem(.payloadTooLarge, "attachment_too_large", arguments: ["mb": "\(Self.maxAttachmentBytes / 1024 / 1024)"])
        }
        guard !data.isEmpty, let type = Self.sniff(data) else { throw Problem(.unsupportedMediaType, "attachment_type") }
        guard t.ticketStatus != .closed || actor.isOwner == false else { throw Problem.conflict("ticket_closed") }
        let attachmentID = UUID()
        let folder = URL(fileURLWithPath: attachmentsDirectory).appendingPathComponent(id.uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(attachmentID.uuidString)
        // Written before the row: a row never points to a missing file; a file whose row rolled back is removed.
        try data.write(to: path, options: .atomic)
        let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        let now = now()
        let toOwner = visibleToOwner || actor.isOwner
        do {
            try await store.audited(context) { tx in
                try await tx.sql.update("tickets").set("updated_at", to: SQLBind(now)).where("id", .equal, id).run()
                try await tx.sql.insert(into: "ticket_attachments").columns("id", "ticket_id", "file_name", "content_type", "size", "sha256",
                                                                            "stored_path", "visible_to_owner", "uploaded_by", "uploaded_by_name", "at")
                    .values(SQLBind(attachmentID), SQLBind(id), SQLBind(fileName), SQLBind(type), SQLBind(Int64(data.count)), SQLBind(digest),
                            SQLBind("\(id.uuidString)/\(attachmentID.uuidString)"), SQLBind(toOwner), SQLBind(actor.id), SQLBind(actor.name),
                            SQLBind(now)).run()
                try await Self.event(id, "attachment", from: nil, to: nil, note: "附件：\(fileName)", visibleToOwner: toOwner, actor: actor, now: now, on: tx)
                return ((), AuditEntry(action: "ticket.attachment", entity: "ticket", entityID: id.uuidString, projectID: t.projectId,
                                       summary: "attachment on ticket \(t.number) (\(type), \(data.count) bytes)"))
            }
        } catch {
            try? FileManager.default.removeItem(at: path)
            throw error
        }
        return Attachment(id: attachmentID, ticketId: id, fileName: fileName, contentType: type, size: Int64(data.count), sha256: digest,
                          storedPath: "\(id.uuidString)/\(attachmentID.uuidString)", visibleToOwner: toOwner, uploadedByName: actor.name, at: now)
    }

    public func attachment(_ id: UUID, of ticketID: UUID) async throws -> (Attachment, Data) {
        guard let a = try await store.sql.raw("SELECT * FROM ticket_attachments WHERE id = \(bind: id) AND ticket_id = \(bind: ticketID)")
            .first(decoding: Attachment.self, with: decoder) else { throw Problem.notFound }
        let url = URL(fileURLWithPath: attachmentsDirectory).appendingPathComponent(a.storedPath)
        guard let data = FileManager.default.contents(atPath: url.path) else { throw Problem.notFound }
        return (a, data)
    }
}
