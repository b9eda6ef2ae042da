import EstateCore
import FluentKit
import Foundation
import SQLKit

/// The desk's other records (issue 20 point 5): 失物招领 (found items, claims with an identity document and a
/// signature — a claim without a valid document is refused — and hand-over after the days kept), the broadcast
/// log (寻人 / 寻物 / 移车 / 促销 / 闭店: who asked, the text, each reading), and the screens' messages with their
/// windows and what is showing now.
public struct DeskLogService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    /// Where found items' photos are written (the attachments folder of the service tickets, a folder of its own).
    let photosDirectory: String

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    static func line(_ s: String, _ field: String, max: Int) throws -> String {
        guard let t = MallService.cleanName(s, max: max) else { throw Problem.invalid(field, "mall_text_invalid") }
        return t
    }

    // MARK: Lost and found

    public struct LostItem: Decodable, Sendable {
        public var id: UUID
        public var mallId: UUID
        public var number: String
        public var description: String
        public var foundAt: Date
        public var foundPlace: String
        public var finder: String
        public var storagePlace: String
        /// The stored photo's file name (in `photosDirectory`), once one was taken.
        public var photo: String?
        public var keepDays: Int
        public var handoverDue: String
        public var status: String
        public var claimantName: String?
        public var claimantIdKind: String?
        public var claimantIdMasked: String?
        public var claimSignature: String?
        public var claimedAt: Date?
        public var handedTo: String?
        public var handedAt: Date?
        public var createdAt: Date
    }

    public func found(mall: MallService.Mall, description: String, foundAt: Date, place: String, finder: String, storage: String, keepDays: Int?,
                      by actor: UUID?, context: AuditContext) async throws -> LostItem {
        let what = try Self.line(description, "description", max: 100), place = try Self.line(place, "foundPlace", max: 60)
        let finder = try Self.line(finder, "finder", max: 40), storage = try Self.line(storage, "storagePlace", max: 40)
        let keep = keepDays ?? LostItemRule.keepDays
        guard (1...365).contains(keep) else { throw Problem.invalid("keepDays", "lost_keep_days_invalid") }
        let at = now()
        guard foundAt <= at.addingTimeInterval(300), foundAt > at.addingTimeInterval(-366 * 86400) else { throw Problem.invalid("foundAt", "date_invalid") }
        let id = UUID(), due = LostItemRule.handoverDue(found: CalendarDay(foundAt), keepDays: keep)
        try await store.audited(context) { tx in
            let number = try await DocumentNumbers.next("SW", projectID: mall.projectId, on: tx)
            try await tx.sql.insert(into: "mall_lost_items")
                .columns("id", "mall_id", "number", "description", "found_at", "found_place", "finder", "storage_place", "keep_days", "handover_due",
                         "status", "created_by", "created_at")
                .values(SQLBind(id), SQLBind(mall.id), SQLBind(number), SQLBind(what), SQLBind(foundAt), SQLBind(place), SQLBind(finder), SQLBind(storage),
                        SQLBind(keep), SQLBind(due.description), SQLBind(LostItemStatus.held.rawValue), SQLBind(actor), SQLBind(at)).run()
            return ((), AuditEntry(action: "mall.lost_found", entity: "mall_lost_item", entityID: id.uuidString, projectID: mall.projectId,
                                   summary: "found \(number): \(what) at \(place)", after: ["storage": storage, "handoverDue": due.description]))
        }
        return try await lostItem(id)
    }

    public func lostItem(_ id: UUID) async throws -> LostItem {
        guard let i = try await store.sql.raw("SELECT * FROM mall_lost_items WHERE id = \(bind: id)").first(decoding: LostItem.self, with: decoder)
        else { throw Problem.notFound }
        return i
    }

    public func lostItems(_ mallID: UUID, status: LostItemStatus? = nil, from: Date? = nil, to: Date? = nil) async throws -> [LostItem] {
        var cond: SQLQueryString = "mall_id = \(bind: mallID)"
        if let status { cond = "\(cond) AND status = \(bind: status.rawValue)" }
        if let from { cond = "\(cond) AND created_at >= \(bind: from)" }
        if let to { cond = "\(cond) AND created_at < \(bind: to)" }
        return try await store.sql.raw("SELECT * FROM mall_lost_items WHERE \(cond) ORDER BY created_at DESC, id LIMIT 500")
            .all(decoding: LostItem.self, with: decoder)
    }

    /// A claim: the claimant's name, a valid identity document (a 身份证's check digit; only its masked form is kept)
    /// and their signature. Racing claims: one.
    public func claim(_ id: UUID, mall: MallService.Mall, claimant: String, idKind: IdentityKind?, idNumber: String, signature: String,
                      by actor: UUID?, context: AuditContext) async throws -> LostItem {
        let item = try await lostItem(id)
        guard item.mallId == mall.id else { throw Problem.notFound }
        let name = try Self.line(claimant, "claimantName", max: 40)
        if let refusal = LostItemRule.checkClaim(idKind: idKind, idNumber: idNumber, signature: signature, today: CalendarDay(now()).number) {
            throw Problem.invalid(refusal == .idRequired ? "idNumber" : "signature", refusal.rawValue)
        }
        let sig = try Self.line(signature, "signature", max: 40)
        let masked = Masking.identity(IdentityNumber.normalized(idNumber), kind: idKind!)
        let at = now()
        try await store.audited(context) { tx in
            let rows = try await tx.sql.raw("""
                UPDATE mall_lost_items SET status = 'claimed', claimant_name = \(bind: name), claimant_id_kind = \(bind: idKind!.rawValue),
                claimant_id_masked = \(bind: masked), claim_signature = \(bind: sig), claimed_at = \(bind: at), closed_by = \(bind: actor)
                WHERE id = \(bind: id) AND status = 'held' RETURNING id
                """).all()
            guard rows.count == 1 else { throw Problem.conflict("lost_item_not_held") }
            return ((), AuditEntry(action: "mall.lost_claim", entity: "mall_lost_item", entityID: id.uuidString, projectID: mall.projectId,
                                   summary: "\(item.number) claimed by \(Masking.name(name)) (\(masked))", after: ["idMasked": masked]))
        }
        return try await lostItem(id)
    }

    public static let photoTypes = ["image/jpeg", "image/png", "image/webp"]

    /// A photo of the found item, as the service tickets take attachments: the type the bytes are (JPEG, PNG or WebP
    /// only: 415 `lost_photo_type`), at most the attachments' size (413), written before the row points to it; a
    /// new photo replaces the old one.
    public func attachPhoto(_ id: UUID, mall: MallService.Mall, data: Data, by actor: UUID?, context: AuditContext) async throws -> LostItem {
        let item = try await lostItem(id)
        guard item.mallId == mall.id else { throw Problem.notFound }
        guard data.count <= TicketService.maxAttachmentBytes else {
            throw Problem(.payloadTooLarge, "attachment_too_large", arguments: ["mb": "\(TicketService.maxAttachmentBytes / 1024 / 1024)"])
        }
        guard !data.isEmpty, let type = TicketService.sniff(data), Self.photoTypes.contains(type) else { throw Problem(.unsupportedMediaType, "lost_photo_type") }
        let folder = URL(fileURLWithPath: photosDirectory, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let name = "\(id.uuidString)-\(UUID().uuidString)"
        let path = folder.appendingPathComponent(name)
        try data.write(to: path, options: .atomic)
        do {
            try await store.audited(context) { tx in
                try await tx.sql.update("mall_lost_items").set("photo", to: SQLBind(name)).where("id", .equal, id).run()
                return ((), AuditEntry(action: "mall.lost_photo", entity: "mall_lost_item", entityID: id.uuidString, projectID: mall.projectId,
                                       summary: "photo of \(item.number) (\(type), \(data.count) bytes)"))
            }
        } catch {
            try? FileManager.default.removeItem(at: path)
            throw error
        }
        if let old = item.photo { try? FileManager.default.removeItem(at: folder.appendingPathComponent(old)) }
        return try await lostItem(id)
    }

    /// The item's photo and its type (404 without one).
    public func photo(of item: LostItem) throws -> (Data, String) {
        guard let name = item.photo, !name.contains("/"),
              let data = FileManager.default.contents(atPath: URL(fileURLWithPath: photosDirectory).appendingPathComponent(name).path),
              let type = TicketService.sniff(data) else { throw Problem.notFound }
        return (data, type)
    }

    /// Hands an unclaimed item over (to the police or the property office) once its days have passed.
    public func handOver(_ id: UUID, mall: MallService.Mall, to recipient: String, by actor: UUID?, context: AuditContext) async throws -> LostItem {
        let item = try await lostItem(id)
        guard item.mallId == mall.id else { throw Problem.notFound }
        let to = try Self.line(recipient, "handedTo", max: 60)
        let today = CalendarDay(now())
        guard let due = CalendarDay(item.handoverDue), today >= due else {
            throw Problem.conflict(LostItemRule.Refusal.notYetDue.rawValue, ["due": item.handoverDue])
        }
        let at = now()
        try await store.audited(context) { tx in
            let rows = try await tx.sql.raw("""
                UPDATE mall_lost_items SET status = 'handed_over', handed_to = \(bind: to), handed_at = \(bind: at), closed_by = \(bind: actor)
                WHERE id = \(bind: id) AND status = 'held' RETURNING id
                """).all()
            guard rows.count == 1 else { throw Problem.conflict("lost_item_not_held") }
            return ((), AuditEntry(action: "mall.lost_handover", entity: "mall_lost_item", entityID: id.uuidString, projectID: mall.projectId,
                                   summary: "\(item.number) handed over to \(to)", after: ["handedTo": to]))
        }
        return try await lostItem(id)
    }

    // MARK: Broadcasts

    public struct Broadcast: Decodable, Sendable {
        public var id: UUID
        public var mallId: UUID
        public var kind: String
        public var requestedBy: String
        public var text: String
        public var timesRead: Int
        public var lastReadAt: Date?
        public var createdAt: Date
    }

    public func broadcast(mall: MallService.Mall, kind: BroadcastKind, requestedBy: String, text: String, by actor: UUID?,
                          context: AuditContext) async throws -> Broadcast {
        let who = try Self.line(requestedBy, "requestedBy", max: 60)
        let body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !body.isEmpty, body.count <= 500, !body.contains("\u{0}") else { throw Problem.invalid("text", "mall_text_invalid") }
        let id = UUID(), at = now()
        try await store.audited(context) { tx in
            try await tx.sql.insert(into: "mall_broadcasts").columns("id", "mall_id", "kind", "requested_by", "text", "times_read", "created_by", "created_at")
                .values(SQLBind(id), SQLBind(mall.id), SQLBind(kind.rawValue), SQLBind(who), SQLBind(body), SQLBind(0), SQLBind(actor), SQLBind(at)).run()
            return ((), AuditEntry(action: "mall.broadcast", entity: "mall_broadcast", entityID: id.uuidString, projectID: mall.projectId,
                                   summary: "broadcast (\(kind.rawValue)) asked by \(who)", after: ["kind": kind.rawValue]))
        }
        return try await broadcast(id)
    }

    public func broadcast(_ id: UUID) async throws -> Broadcast {
        guard let b = try await store.sql.raw("SELECT * FROM mall_broadcasts WHERE id = \(bind: id)").first(decoding: Broadcast.self, with: decoder)
        else { throw Problem.notFound }
        return b
    }

    /// One reading of the broadcast (the count goes up in the database, so two readings are two).
    public func read(_ id: UUID, mall: MallService.Mall, context: AuditContext) async throws -> Broadcast {
        let b = try await broadcast(id)
        guard b.mallId == mall.id else { throw Problem.notFound }
        let at = now()
        try await store.audited(context) { tx in
            try await tx.sql.raw("UPDATE mall_broadcasts SET times_read = times_read + 1, last_read_at = \(bind: at) WHERE id = \(bind: id)").run()
            return ((), AuditEntry(action: "mall.broadcast_read", entity: "mall_broadcast", entityID: id.uuidString, projectID: mall.projectId,
                                   summary: "broadcast read"))
        }
        return try await broadcast(id)
    }

    public func broadcasts(_ mallID: UUID, from: Date? = nil, to: Date? = nil) async throws -> [Broadcast] {
        var cond: SQLQueryString = "mall_id = \(bind: mallID)"
        if let from { cond = "\(cond) AND created_at >= \(bind: from)" }
        if let to { cond = "\(cond) AND created_at < \(bind: to)" }
        return try await store.sql.raw("SELECT * FROM mall_broadcasts WHERE \(cond) ORDER BY created_at DESC, id LIMIT 500").all(decoding: Broadcast.self, with: decoder)
    }

    // MARK: Screens

    public struct ScreenMessage: Decodable, Sendable {
        public var id: UUID
        public var mallId: UUID
        public var screen: String
        public var text: String
        public var startsAt: Date
        public var endsAt: Date
        public var rotation: Int
        public var createdAt: Date
        public var slot: ScreenSlot { ScreenSlot(id: id, startsAt: startsAt, endsAt: endsAt, rotation: rotation) }
    }

    public func schedule(mall: MallService.Mall, screen: String, text: String, startsAt: Date, endsAt: Date, rotation: Int, by actor: UUID?,
                         context: AuditContext) async throws -> ScreenMessage {
        let name = try Self.line(screen, "screen", max: 40)
        let body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !body.isEmpty, body.count <= 200, !body.contains("\u{0}") else { throw Problem.invalid("text", "mall_text_invalid") }
        guard endsAt > startsAt, endsAt.timeIntervalSince(startsAt) <= 366 * 86400 else { throw Problem.invalid("endsAt", "screen_window_invalid") }
        guard (0...99).contains(rotation) else { throw Problem.invalid("rotation", "screen_rotation_invalid") }
        let id = UUID(), at = now()
        try await store.audited(context) { tx in
            try await tx.sql.insert(into: "mall_screen_messages").columns("id", "mall_id", "screen", "text", "starts_at", "ends_at", "rotation", "created_by", "created_at")
                .values(SQLBind(id), SQLBind(mall.id), SQLBind(name), SQLBind(body), SQLBind(startsAt), SQLBind(endsAt), SQLBind(rotation), SQLBind(actor), SQLBind(at)).run()
            return ((), AuditEntry(action: "mall.screen_message", entity: "mall_screen_message", entityID: id.uuidString, projectID: mall.projectId,
                                   summary: "screen \(name): message scheduled", after: ["screen": name]))
        }
        guard let m = try await store.sql.raw("SELECT * FROM mall_screen_messages WHERE id = \(bind: id)").first(decoding: ScreenMessage.self, with: decoder)
        else { throw Problem.notFound }
        return m
    }

    /// The messages not yet ended (and those created in the range, for the day's log), by screen and rotation.
    public func screenMessages(_ mallID: UUID, from: Date? = nil, to: Date? = nil) async throws -> [ScreenMessage] {
        var cond: SQLQueryString = "mall_id = \(bind: mallID)"
        if from != nil || to != nil {
            if let from { cond = "\(cond) AND created_at >= \(bind: from)" }
            if let to { cond = "\(cond) AND created_at < \(bind: to)" }
        } else {
            cond = "\(cond) AND ends_at > \(bind: now())"
        }
        return try await store.sql.raw("SELECT * FROM mall_screen_messages WHERE \(cond) ORDER BY screen, rotation, starts_at LIMIT 500")
            .all(decoding: ScreenMessage.self, with: decoder)
    }
}
