import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 投诉 at the desk or by phone (issue 20 point 3): a ticket of the service module (kind complaint, the desk's
/// category on the mall's project) with the desk's record beside it, written in the ticket's transaction: the
/// tenant, the floor and its manager (楼层主管) the complaint goes to, and the 24-hour clock. Past it, unresolved,
/// it escalates to the desk supervisors (客服主管) by SMS. Resolving, the callback (回访) and closing are the
/// service module's: a complaint closes only after a callback (DOMAIN §4).
public struct ComplaintService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let malls: MallService
    let tickets: TicketService

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    public struct Complaint: Decodable, Sendable {
        public var id: UUID
        public var mallId: UUID
        public var ticketId: UUID
        public var ticketNumber: String
        public var channel: String
        public var category: String
        public var tenantId: UUID?
        public var floorId: UUID?
        public var managerId: UUID?
        public var takenBy: UUID?
        public var takenAt: Date
        public var dueAt: Date
        public var escalatedAt: Date?
        /// The ticket as the service module has it (filled after the read).
        public var ticket: TicketService.Ticket? = nil
        enum CodingKeys: String, CodingKey {
            case id, mallId, ticketId, ticketNumber, channel, category, tenantId, floorId, managerId, takenBy, takenAt, dueAt, escalatedAt
        }

        public var resolved: Bool { ticket.map { !$0.ticketStatus.isActive } ?? false }
        public func overdue(at now: Date) -> Bool { !resolved && now >= dueAt }
    }

    public struct Draft: Sendable {
        public var channel: TicketChannel
        public var category: MallComplaintCategory
        public var tenantID: UUID?
        public var floorID: UUID?
        public var title: String
        public var description: String = ""
        public var contactName: String = ""
        public var contactMobile: String = ""
        public init(channel: TicketChannel, category: MallComplaintCategory, title: String) {
            self.channel = channel; self.category = category; self.title = title
        }
    }

    /// The desk's categories as ticket categories of the mall's project (made once, at set-up), by category.
    func categories(_ mall: MallService.Mall, context: AuditContext) async throws -> [MallComplaintCategory: UUID] {
        var existing = Dictionary(try await tickets.categories(mall.projectId).filter { $0.projectId == mall.projectId && $0.parentId == nil }
            .map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a })
        var out: [MallComplaintCategory: UUID] = [:]
        for c in MallComplaintCategory.allCases {
            if existing[c.name] == nil {
                existing[c.name] = try await tickets.createCategory(name: c.name, parent: nil, projectID: mall.projectId, context: context).id
            }
            out[c] = existing[c.name]
        }
        return out
    }

    /// The 24-hour clock on the service module's terms too, so its own lists show the same due time.
    func setTerms(_ mall: MallService.Mall, context: AuditContext) async throws {
        let h = 60
        try await tickets.setTerms(mall.projectId, [
            (.complaint, .normal, SLATerms(responseMinutes: 2 * h, resolveMinutes: ComplaintClock.hours * h)),
            (.complaint, .major, SLATerms(responseMinutes: 1 * h, resolveMinutes: 12 * h)),
            (.complaint, .crisis, SLATerms(responseMinutes: 30, resolveMinutes: 6 * h)),
        ], context: context)
    }

    /// Sets the desk up on the service module: its categories and its 24-hour terms.
    public func prepare(_ mall: MallService.Mall, context: AuditContext) async throws {
        _ = try await categories(mall, context: context)
        try await setTerms(mall, context: context)
    }

    /// A complaint taken at the desk (or by phone): routed to the tenant's floor and that floor's manager.
    public func take(_ d: Draft, mall: MallService.Mall, by p: Principal, context: AuditContext) async throws -> Complaint {
        guard [.frontDesk, .hotline, .walkIn, .letter, .online].contains(d.channel) else { throw Problem.invalid("channel", "mall_channel_invalid") }
        var floorID = d.floorID
        if let t = d.tenantID {
            guard let tenant = try await ifFound({ try await malls.tenant(t) }), tenant.mallId == mall.id else { throw Problem.invalid("tenantId", "mall_tenant_not_found") }
            floorID = tenant.floorId
        }
        var managerID: UUID?
        if let f = floorID {
            guard let floor = try await ifFound({ try await malls.floor(f) }), floor.mallId == mall.id else { throw Problem.invalid("floorId", "mall_floor_not_found") }
            managerID = floor.managerId
        }
        let category = try await categories(mall, context: context)[d.category]
        var draft = TicketService.Draft(kind: .complaint, channel: d.channel, severity: .normal, title: d.title)
        draft.categoryID = category
        draft.description = d.description
        draft.contactName = d.contactName
        draft.contactMobile = d.contactMobile
        draft.assigneeID = managerID
        draft.location = try await d.tenantID.asyncMap { try await malls.tenant($0) }.map { "\($0.unitNo) \($0.shopName)" } ?? ""
        let id = UUID(), at = now(), mallID = mall.id, tenantID = d.tenantID, channel = d.channel.rawValue, cat = d.category.rawValue
        let routedFloor = floorID, manager = managerID, taker = p.userID
        let t = try await tickets.create(draft, in: mall.projectId, by: .staff(p), context: context) { tx, ticketID, number in
            try await tx.sql.insert(into: "mall_complaints")
                .columns("id", "mall_id", "ticket_id", "ticket_number", "channel", "category", "tenant_id", "floor_id", "manager_id", "taken_by",
                         "taken_at", "due_at")
                .values(SQLBind(id), SQLBind(mallID), SQLBind(ticketID), SQLBind(number), SQLBind(channel), SQLBind(cat), SQLBind(tenantID),
                        SQLBind(routedFloor), SQLBind(manager), SQLBind(taker), SQLBind(at), SQLBind(ComplaintClock.due(at))).run()
        }
        var c = try await complaint(id)
        c.ticket = t
        return c
    }

    public func complaint(_ id: UUID) async throws -> Complaint {
        guard var c = try await store.sql.raw("SELECT * FROM mall_complaints WHERE id = \(bind: id)").first(decoding: Complaint.self, with: decoder)
        else { throw Problem.notFound }
        c.ticket = try await tickets.tickets(ids: [c.ticketId])[c.ticketId]
        return c
    }

    public struct Filter: Sendable {
        public var managerID: UUID?
        public var from: Date?
        public var to: Date?
        public var openOnly = false
        public init() {}
    }

    /// The mall's complaints, newest first, each with its ticket (one query for the tickets).
    public func list(_ mallID: UUID, _ f: Filter, limit: Int = 200) async throws -> [Complaint] {
        var cond: SQLQueryString = "mall_id = \(bind: mallID)"
        if let m = f.managerID { cond = "\(cond) AND manager_id = \(bind: m)" }
        if let from = f.from { cond = "\(cond) AND taken_at >= \(bind: from)" }
        if let to = f.to { cond = "\(cond) AND taken_at < \(bind: to)" }
        var rows = try await store.sql.raw("SELECT * FROM mall_complaints WHERE \(cond) ORDER BY taken_at DESC, id LIMIT \(unsafeRaw: String(limit))")
            .all(decoding: Complaint.self, with: decoder)
        let ts = try await tickets.tickets(ids: rows.map(\.ticketId))
        for i in rows.indices { rows[i].ticket = ts[rows[i].ticketId] }
        return f.openOnly ? rows.filter { !$0.resolved } : rows
    }

    /// The clock: complaints past 24 hours and not resolved escalate once to the mall's desk supervisors (SMS, and
    /// a line in the audit log); a conditional update, so two servers never escalate one twice.
    public func escalateDue() async throws -> Int {
        let now = now()
        let due = try await store.sql.raw("SELECT * FROM mall_complaints WHERE escalated_at IS NULL AND due_at <= \(bind: now) ORDER BY due_at LIMIT 500")
            .all(decoding: Complaint.self, with: decoder)
        guard !due.isEmpty else { return 0 }
        let ts = try await tickets.tickets(ids: due.map(\.ticketId))
        var n = 0
        for c in due {
            guard let t = ts[c.ticketId], ComplaintClock.mustEscalate(taken: c.takenAt, resolved: !t.ticketStatus.isActive, escalated: false, now: now),
                  let mall = try await ifFound({ try await malls.mall(c.mallId) }) else { continue }
            let done: Bool = try await store.write { tx in
                let rows = try await tx.sql.raw("""
                    UPDATE mall_complaints SET escalated_at = \(bind: now) WHERE id = \(bind: c.id) AND escalated_at IS NULL RETURNING id
                    """).all()
                guard rows.count == 1 else { return false }
                for m in try await StaffDirectory.mobiles(of: [.mallSupervisor], on: mall.projectId, sql: tx.sql) where MobileNumber.isValid(m) {
                    try await Outbox.enqueue(OutboxDraft(channel: .sms, recipient: m, template: "ticket.escalated",
                                                         params: ["number": c.ticketNumber, "severity": "商场投诉", "reason": "24小时未解决，升级至客服主管"],
                                                         projectID: mall.projectId, reference: "ticket:\(c.ticketId)"), now: now, on: tx.sql)
                }
                try await AuditLog.record(AuditEntry(action: "mall.complaint_escalate", entity: "mall_complaint", entityID: c.id.uuidString,
                                                     projectID: mall.projectId, summary: "complaint \(c.ticketNumber) past 24 h, escalated to the supervisors"),
                                          context: .system("mall-clock"), at: now, on: tx)
                return true
            }
            if done { n += 1 }
        }
        return n
    }
}
