import Crypto
import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 工单: every change is a conditional update on the status it was read in, with its log line,
/// any SMS for it (outbox) and its audit line in one transaction.
public struct TicketService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    /// Where attachments are kept: `<data>/attachments/<ticket>/<id>`.
    let attachmentsDirectory: String
    var exactSearchesPerHour = ExactLookups.defaultPerHour
    var exactLookupGate: KeyedGate?

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    /// 责任部门.
    public enum Department: String, CaseIterable, Sendable {
        case customerService = "customer_service", engineering, property, sales, legal
        public var catalogKey: String { "ticket.department.\(rawValue)" }
    }

    /// Who acts: a staff member, or the owner on their own page.
    public enum Actor: Sendable {
        case staff(Principal)
        case owner(mobile: String)
        /// The escalation job.
        case system

        var id: UUID? { if case .staff(let p) = self { return p.userID }; return nil }
        var name: String {
            switch self {
            case .staff(let p): p.displayName
            case .owner(let m): "业主 \(Masking.mobile(m))"
            case .system: "系统"
            }
        }
        var isOwner: Bool { if case .owner = self { return true }; return false }
    }

    // MARK: - Records

    public struct Ticket: Decodable, Sendable {
        public var id: UUID
        public var projectId: UUID
        public var number: String
        public var kind: String
        public var channel: String
        public var categoryId: UUID?
        public var severity: String
        public var status: String
        public var title: String
        public var description: String
        public var customerId: UUID?
        public var unitId: UUID?
        public var contactName: String
        public var contactMobile: String
        public var department: String?
        public var assigneeId: UUID?
        public var responseDueAt: Date
        public var resolveDueAt: Date
        public var respondedAt: Date?
        public var resolvedAt: Date?
        public var closedAt: Date?
        public var escalatedAt: Date?
        public var escalationReason: String?
        public var location: String
        public var component: String?
        public var warrantyStatus: String?
        public var warrantyLastDay: String?
        public var chargeable: Bool
        public var contractor: String
        public var costFen: Int64
        public var repeatOf: UUID?
        public var cause: String?
        public var resolution: String
        public var reopenCount: Int
        public var satisfaction: Int?
        public var createdBy: UUID?
        public var createdOn: String
        public var createdAt: Date
        public var updatedAt: Date
        // Joined for display; unit codes (Inventory's) and assignees' names (Platform's) are filled
        // after the read (issue 14).
        public var unitCode: String?
        public var assigneeName: String?
        public var categoryName: String?
        public var parentCategoryName: String?
        public var repeatOfNumber: String?
        /// 稽查: the repair checked; a repair: the 勘察 that found it.
        public var relatedTicketId: UUID?
        public var relatedTicketNumber: String?
        public var auditScore: Int?

        public var ticketKind: TicketKind { TicketKind(rawValue: kind) ?? .inquiry }
        public var ticketStatus: TicketStatus { TicketStatus(rawValue: status) ?? .new }
        public var ticketSeverity: TicketSeverity { TicketSeverity(rawValue: severity) ?? .normal }
        public var categoryPath: String? {
            guard let categoryName else { return nil }
            return parentCategoryName.map { "\($0) / \(categoryName)" } ?? categoryName
        }

        /// The deadline that runs now: the first response until responded, then resolution
        /// while the ticket is worked on; none once resolved.
        public func minutesLeft(at now: Date) -> Int? {
            guard ticketStatus.isActive else { return nil }
            let due = respondedAt == nil ? min(responseDueAt, resolveDueAt) : resolveDueAt
            return Int((due.timeIntervalSince(now) / 60).rounded(.down))
        }
        public func responseBreached(at now: Date) -> Bool { (respondedAt ?? now) > responseDueAt }
        public func resolveBreached(at now: Date) -> Bool { (resolvedAt ?? (ticketStatus.isActive ? now : updatedAt)) > resolveDueAt }
    }

    public struct Event: Decodable, Sendable {
        public var seq: Int
        public var action: String
        public var fromStatus: String?
        public var toStatus: String?
        public var note: String
        public var visibleToOwner: Bool
        public var actorName: String
        public var at: Date
    }

    public struct Attachment: Decodable, Sendable {
        public var id: UUID
        public var ticketId: UUID
        public var fileName: String
        public var contentType: String
        public var size: Int64
        public var sha256: String
        public var storedPath: String
        public var visibleToOwner: Bool
        public var uploadedByName: String
        public var at: Date
    }

    public struct Callback: Decodable, Sendable {
        public var satisfaction: Int
        public var solved: Bool
        public var note: String
        public var byName: String
        public var byOwner: Bool
        public var at: Date
    }

    public struct Detail: Sendable {
        public var ticket: Ticket
        public var events: [Event]
        public var attachments: [Attachment]
        public var callbacks: [Callback]
    }

    static let ticketSelect = """
        SELECT t.*, c.name AS category_name, pc.name AS parent_category_name, r.number AS repeat_of_number,
               rt.number AS related_ticket_number
        FROM tickets t LEFT JOIN tickets rt ON rt.id = t.related_ticket_id
        LEFT JOIN ticket_categories c ON c.id = t.category_id LEFT JOIN ticket_categories pc ON pc.id = c.parent_id
        LEFT JOIN tickets r ON r.id = t.repeat_of
        """

    public func ticket(_ id: UUID) async throws -> Ticket {
        guard let t = try await store.sql.raw("\(unsafeRaw: Self.ticketSelect) WHERE t.id = \(bind: id)").first(decoding: Ticket.self, with: decoder)
        else { throw Problem.notFound }
        return try await labelled([t], on: store.sql)[0]
    }

    /// Fills unit codes and assignees' names of a page, one query each.
    func labelled(_ items: [Ticket], on sql: any SQLDatabase) async throws -> [Ticket] {
        guard !items.isEmpty else { return items }
        // Both at once (the desk's look-up waits on them).
        async let unitCodes = InventoryService.unitCodes(items.compactMap(\.unitId), sql: sql)
        async let assignees = StaffDirectory.displayNames(items.compactMap(\.assigneeId), sql: sql)
        let (codes, names) = try await (unitCodes, assignees)
        return items.map { t in
            var t = t
            t.unitCode = t.unitId.flatMap { codes[$0] }
            t.assigneeName = t.assigneeId.flatMap { names[$0] }
            return t
        }
    }

    public func detail(_ id: UUID, forOwner: Bool = false) async throws -> Detail {
        let t = try await ticket(id)
        var events = try await store.sql.raw("""
            SELECT seq, action, from_status, to_status, note, visible_to_owner, actor_name, at FROM ticket_events
            WHERE ticket_id = \(bind: id) ORDER BY seq
            """).all(decoding: Event.self, with: decoder)
        var attachments = try await store.sql.raw("""
            SELECT * FROM ticket_attachments WHERE ticket_id = \(bind: id) ORDER BY at
            """).all(decoding: Attachment.self, with: decoder)
        let callbacks = try await store.sql.raw("""
            SELECT satisfaction, solved, note, by_name, by_owner, at FROM ticket_callbacks WHERE ticket_id = \(bind: id) ORDER BY at
            """).all(decoding: Callback.self, with: decoder)
        if forOwner {
            events = events.filter(\.visibleToOwner)
            attachments = attachments.filter(\.visibleToOwner)
        }
        return Detail(ticket: t, events: events, attachments: attachments, callbacks: callbacks)
    }
}

extension Optional {
    func asyncMap<T>(_ f: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let v = self else { return nil }
        return try await f(v)
    }
}
