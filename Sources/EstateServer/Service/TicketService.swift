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

    var decoder: SQLRowDecoder { SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase) }

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
        // Joined for display.
        public var unitCode: String?
        public var assigneeName: String?
        public var categoryName: String?
        public var parentCategoryName: String?
        public var repeatOfNumber: String?

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
        SELECT t.*, u.code AS unit_code, a.display_name AS assignee_name, c.name AS category_name, pc.name AS parent_category_name,
               r.number AS repeat_of_number
        FROM tickets t LEFT JOIN units u ON u.id = t.unit_id LEFT JOIN users a ON a.id = t.assignee_id
        LEFT JOIN ticket_categories c ON c.id = t.category_id LEFT JOIN ticket_categories pc ON pc.id = c.parent_id
        LEFT JOIN tickets r ON r.id = t.repeat_of
        """

    public func ticket(_ id: UUID) async throws -> Ticket {
        guard let t = try await store.sql.raw("\(unsafeRaw: Self.ticketSelect) WHERE t.id = \(bind: id)").first(decoding: Ticket.self, with: decoder)
        else { throw Problem.notFound }
        return t
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

    // MARK: - Creating

    public struct Draft: Sendable {
        public var kind: TicketKind
        public var channel: TicketChannel
        public var categoryID: UUID?
        public var severity: TicketSeverity
        public var title: String
        public var description: String = ""
        public var customerID: UUID?
        public var unitID: UUID?
        public var contactName: String = ""
        public var contactMobile: String = ""
        public var location: String = ""
        public var component: RepairComponent?
        public var department: Department?
        public var assigneeID: UUID?

        public init(kind: TicketKind, channel: TicketChannel, severity: TicketSeverity, title: String) {
            self.kind = kind; self.channel = channel; self.severity = severity; self.title = title
        }
    }

    /// The SLA terms of a project: its own where set, else the standard.
    public func terms(_ projectID: UUID) async throws -> [String: (terms: SLATerms, standard: Bool)] {
        struct R: Decodable { var kind: String; var severity: String; var responseMinutes: Int; var resolveMinutes: Int }
        let own = try await store.sql.raw("""
            SELECT kind, severity, response_minutes, resolve_minutes FROM sla_terms WHERE project_id = \(bind: projectID)
            """).all(decoding: R.self, with: decoder)
        var out: [String: (SLATerms, Bool)] = [:]
        for k in TicketKind.allCases { for s in TicketSeverity.allCases { out["\(k.rawValue)|\(s.rawValue)"] = (SLATerms.standard(k, s), true) } }
        for r in own { out["\(r.kind)|\(r.severity)"] = (SLATerms(responseMinutes: r.responseMinutes, resolveMinutes: r.resolveMinutes), false) }
        return out
    }

    func terms(_ projectID: UUID, _ kind: TicketKind, _ severity: TicketSeverity) async throws -> SLATerms {
        try await terms(projectID)["\(kind.rawValue)|\(severity.rawValue)"]!.terms
    }

    public func setTerms(_ projectID: UUID, _ rows: [(TicketKind, TicketSeverity, SLATerms)], context: AuditContext) async throws {
        var errors: [Problem.FieldError] = []
        for (i, r) in rows.enumerated() {
            let t = r.2
            if !(1...SLATerms.maxMinutes).contains(t.responseMinutes) { errors.append(.init(field: "terms[\(i)].responseMinutes", code: "sla_minutes_invalid")) }
            if !(1...SLATerms.maxMinutes).contains(t.resolveMinutes) { errors.append(.init(field: "terms[\(i)].resolveMinutes", code: "sla_minutes_invalid")) }
            if t.resolveMinutes < t.responseMinutes { errors.append(.init(field: "terms[\(i)].resolveMinutes", code: "sla_resolve_before_response")) }
        }
        if Set(rows.map { "\($0.0.rawValue)|\($0.1.rawValue)" }).count != rows.count { errors.append(.init(field: "terms", code: "sla_repeated")) }
        if !errors.isEmpty { throw Problem.invalid(errors) }
        let now = now()
        try await store.audited(context) { tx in
            for (k, s, t) in rows {
                try await tx.sql.delete(from: "sla_terms").where("project_id", .equal, projectID).where("kind", .equal, k.rawValue)
                    .where("severity", .equal, s.rawValue).run()
                try await tx.sql.insert(into: "sla_terms").columns("project_id", "kind", "severity", "response_minutes", "resolve_minutes", "updated_by", "updated_at")
                    .values(SQLBind(projectID), SQLBind(k.rawValue), SQLBind(s.rawValue), SQLBind(t.responseMinutes), SQLBind(t.resolveMinutes),
                            SQLBind(context.actorID), SQLBind(now)).run()
            }
            return ((), AuditEntry(action: "ticket.sla", entity: "sla_terms", entityID: projectID.uuidString, projectID: projectID,
                                   summary: "SLA terms set for \(rows.count) kind × severity",
                                   after: Dictionary(rows.map { ("\($0.0.rawValue)|\($0.1.rawValue)", "\($0.2.responseMinutes)/\($0.2.resolveMinutes)") },
                                                     uniquingKeysWith: { a, _ in a })))
        }
    }

    /// The unit's delivery day, from its live (or delivered) contract.
    func deliveredOn(_ unitID: UUID) async throws -> CalendarDay? {
        try await LivePurchase.deliveredOn(unit: unitID, sql: store.sql)
    }

    /// The latest repair of the same component of the same unit within 90 days.
    func previousRepair(unit: UUID, component: RepairComponent, on day: CalendarDay) async throws -> UUID? {
        struct R: Decodable { var id: UUID }
        return try await store.sql.raw("""
            SELECT id FROM tickets WHERE unit_id = \(bind: unit) AND component = \(bind: component.rawValue)
              AND created_on >= \(bind: day.adding(days: -RepeatRepair.windowDays).description) AND created_on <= \(bind: day.description)
            ORDER BY created_at DESC
            """).first(decoding: R.self, with: decoder)?.id
    }

    static func cleanLine(_ s: String, max: Int) -> Bool { Text.isCleanLine(s, maxLength: max) }

    public func create(_ d: Draft, in projectID: UUID, by actor: Actor, context: AuditContext) async throws -> Ticket {
        var errors: [Problem.FieldError] = []
        let title = d.title.trimmingCharacters(in: .whitespaces)
        if title.isEmpty || !Self.cleanLine(title, max: 100) { errors.append(.init(field: "title", code: "ticket_title_invalid")) }
        if d.description.count > 2_000 || d.description.contains("\u{0}") { errors.append(.init(field: "description", code: "ticket_text_invalid")) }
        // Stored as the 11 digits, however it was typed ("+86 138-1234-5678"), so owners and SMS find it.
        let typedMobile = d.contactMobile.trimmingCharacters(in: .whitespaces)
        let normalizedMobile = typedMobile.isEmpty ? "" : MobileNumber.normalized(typedMobile)
        if normalizedMobile == nil { errors.append(.init(field: "contactMobile", code: "mobile_invalid")) }
        if d.contactName.count > 40 || d.contactName.contains("\n") { errors.append(.init(field: "contactName", code: "ticket_text_invalid")) }
        if d.location.count > 100 || d.location.contains("\n") { errors.append(.init(field: "location", code: "ticket_text_invalid")) }
        if d.kind.isRepair {
            if d.unitID == nil { errors.append(.init(field: "unitId", code: "repair_needs_unit")) }
            if d.component == nil { errors.append(.init(field: "component", code: "repair_needs_component")) }
        } else if d.component != nil {
            errors.append(.init(field: "component", code: "component_for_repairs"))
        }
        if let c = d.categoryID, try await !categoryUsable(c, in: projectID) { errors.append(.init(field: "categoryId", code: "category_unknown")) }
        if let u = d.unitID, try await !exists("units", u, in: projectID) { errors.append(.init(field: "unitId", code: "unit_unknown")) }
        if let c = d.customerID, try await !exists("customers", c, in: projectID) { errors.append(.init(field: "customerId", code: "customer_unknown")) }
        if let a = d.assigneeID, try await !mayHandle(a, in: projectID, kind: d.kind) { errors.append(.init(field: "assigneeId", code: "assignee_invalid")) }
        if !errors.isEmpty { throw Problem.invalid(errors) }

        let now = now(), today = CalendarDay(now)
        let terms = try await terms(projectID, d.kind, d.severity)
        var warranty: WarrantyDecision?
        var repeatOf: UUID?
        if d.kind.isRepair, let unit = d.unitID, let component = d.component {
            warranty = WarrantyDecision.decide(component, deliveredOn: try await deliveredOn(unit), reportedOn: today)
            repeatOf = try await previousRepair(unit: unit, component: component, on: today)
        }
        // The owner's contact: as given, else the customer's own.
        var contactName = d.contactName, contactMobile = normalizedMobile ?? ""
        if let c = d.customerID, contactMobile.isEmpty || contactName.isEmpty {
            if let row = try await CustomerDirectory.contacts([c], sql: store.sql)[c] {
                if contactName.isEmpty { contactName = row.name }
                if contactMobile.isEmpty { contactMobile = row.mobile }
            }
        }
        let id = UUID()
        let status: TicketStatus = d.assigneeID == nil ? .new : .assigned
        let (contactNameFinal, contactMobileFinal, warrantyFinal, repeatFinal) = (contactName, contactMobile, warranty, repeatOf)
        let assigneeMobile = try await d.assigneeID.asyncMap { try await userMobile($0) } ?? nil
        try await store.audited(context) { tx in
            let number = try await DocumentNumbers.next("GD", projectID: projectID, on: tx)
            try await tx.sql.insert(into: "tickets").columns(
                "id", "project_id", "number", "kind", "channel", "category_id", "severity", "status", "title", "description", "customer_id",
                "unit_id", "contact_name", "contact_mobile", "department", "assignee_id", "response_due_at", "resolve_due_at", "location",
                "component", "warranty_status", "warranty_last_day", "chargeable", "contractor", "cost_fen", "repeat_of", "resolution",
                "reopen_count", "created_by", "created_on", "created_at", "updated_at")
                .values(SQLBind(id), SQLBind(projectID), SQLBind(number), SQLBind(d.kind.rawValue), SQLBind(d.channel.rawValue), SQLBind(d.categoryID),
                        SQLBind(d.severity.rawValue), SQLBind(status.rawValue), SQLBind(title), SQLBind(d.description), SQLBind(d.customerID),
                        SQLBind(d.unitID), SQLBind(contactNameFinal), SQLBind(contactMobileFinal), SQLBind(d.department?.rawValue ?? (d.assigneeID == nil ? nil : Department.customerService.rawValue)),
                        SQLBind(d.assigneeID), SQLBind(now.addingTimeInterval(Double(terms.responseMinutes) * 60)),
                        SQLBind(now.addingTimeInterval(Double(terms.resolveMinutes) * 60)), SQLBind(d.location), SQLBind(d.component?.rawValue),
                        SQLBind(warrantyFinal?.status.rawValue), SQLBind(warrantyFinal?.lastDay?.description), SQLBind(warrantyFinal?.chargeable ?? false),
                        SQLBind(""), SQLBind(Int64(0)), SQLBind(repeatFinal), SQLBind(""), SQLBind(0), SQLBind(actor.id),
                        SQLBind(today.description), SQLBind(now), SQLBind(now)).run()
            var note = "\(title)"
            if let w = warrantyFinal {
                note += " · " + (w.status == .beforeDelivery ? "未交付，开发商整改" : w.status == .inWarranty ? "保修期内（至 \(w.lastDay!)）" : "已过保修期（\(w.lastDay!) 止），有偿维修")
            }
            try await Self.event(id, "create", from: nil, to: status, note: note, visibleToOwner: true, actor: actor, now: now, on: tx)
            if repeatFinal != nil {
                try await Self.event(id, "repeat", from: nil, to: nil, note: "90天内同一部位重复报修", visibleToOwner: false, actor: actor, now: now, on: tx)
            }
            if let a = d.assigneeID {
                try await Self.event(id, "assign", from: .new, to: .assigned, note: "派单", visibleToOwner: false, actor: actor, now: now, on: tx)
                if let m = assigneeMobile, MobileNumber.isValid(m) {
                    try await Outbox.enqueue(OutboxDraft(channel: .sms, recipient: m, template: "ticket.assigned",
                                                         params: ["number": number, "title": String(title.prefix(30)), "due": Self.clock(now.addingTimeInterval(Double(terms.responseMinutes) * 60))],
                                                         projectID: projectID, reference: "ticket:\(id)"), now: now, on: tx.sql)
                }
                _ = a
            }
            if d.severity.escalatesAtOnce {
                try await Self.escalate(id, number: number, projectID: projectID, severity: d.severity, reason: "severity", now: now, on: tx)
            } else if d.kind == .emergencyRepair, d.assigneeID == nil {
                // 抢修 with no one on it: the manager hears at once, not when the response deadline passes (DOMAIN §5).
                try await Self.escalate(id, number: number, projectID: projectID, severity: d.severity, reason: "emergency", now: now, on: tx)
            }
            return ((), AuditEntry(action: "ticket.create", entity: "ticket", entityID: id.uuidString, projectID: projectID,
                                   summary: "ticket \(number) (\(d.kind.rawValue), \(d.severity.rawValue))",
                                   after: ["kind": d.kind.rawValue, "severity": d.severity.rawValue, "channel": d.channel.rawValue]))
        }
        return try await ticket(id)
    }

    static func clock(_ d: Date) -> String {
        let f = DateFormatter()
        f.timeZone = CalendarDay.zone
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "MM-dd HH:mm"
        return f.string(from: d)
    }

    func exists(_ table: String, _ id: UUID, in projectID: UUID) async throws -> Bool {
        struct N: Decodable { var id: UUID }
        return try await store.sql.select().column("id").from(table).where("id", .equal, id).where("project_id", .equal, projectID)
            .first(decoding: N.self) != nil
    }

    func categoryUsable(_ id: UUID, in projectID: UUID) async throws -> Bool {
        struct N: Decodable { var id: UUID }
        return try await store.sql.raw("""
            SELECT id FROM ticket_categories WHERE id = \(bind: id) AND active AND (project_id IS NULL OR project_id = \(bind: projectID))
            """).first(decoding: N.self) != nil
    }

    /// Staff who may be given a ticket: enabled, with a service role on the project.
    public func handlers(_ projectID: UUID) async throws -> [(id: UUID, name: String, mobile: String?)] {
        let roles = StaffDirectory.roles(allowing: [.ticketsHandle, .repairsHandle])
        return try await StaffDirectory.holders(of: roles, on: projectID, sql: store.sql).map { ($0.id, $0.displayName, $0.mobile) }
    }

    /// Whether `userID` may be given a ticket of `kind`: repair staff take repairs only.
    func mayHandle(_ userID: UUID, in projectID: UUID, kind: TicketKind) async throws -> Bool {
        let roles = try await StaffDirectory.roles(of: userID, on: projectID, sql: store.sql)
        let actions = Set(roles.flatMap { AccessMatrix.actions(of: $0) })
        return actions.contains(.ticketsHandle) || actions.contains(.ticketsManage) || (kind.isRepair && actions.contains(.repairsHandle))
    }

    func userMobile(_ id: UUID) async throws -> String? {
        try await StaffDirectory.mobile(of: id, sql: store.sql)
    }

    // MARK: - The log

    static func event(_ ticket: UUID, _ action: String, from: TicketStatus?, to: TicketStatus?, note: String, visibleToOwner: Bool,
                      actor: Actor, now: Date, on tx: any Database) async throws {
        try await tx.sql.raw("""
            INSERT INTO ticket_events (id, ticket_id, seq, action, from_status, to_status, note, visible_to_owner, actor_id, actor_name, at)
            SELECT \(bind: UUID()), \(bind: ticket), COALESCE(MAX(seq), 0) + 1, \(bind: action), \(bind: from?.rawValue), \(bind: to?.rawValue),
                   \(bind: String(note.prefix(2000))), \(bind: visibleToOwner), \(bind: actor.id), \(bind: actor.name), \(bind: now)
            FROM ticket_events WHERE ticket_id = \(bind: ticket)
            """).run()
    }

    // MARK: - Escalation (升级)

    /// Marks a ticket escalated (once), logs it, and tells the project's service managers by SMS.
    @discardableResult
    static func escalate(_ id: UUID, number: String, projectID: UUID, severity: TicketSeverity, reason: String, now: Date,
                         on tx: any Database) async throws -> Bool {
        struct I: Decodable { var id: UUID }
        // The reason must still hold when it is written (the ticket may have been answered or fixed since it was read).
        let still: SQLQueryString
        switch reason {
        case "response": still = "AND status IN ('new', 'assigned', 'in_progress') AND responded_at IS NULL AND response_due_at < \(bind: now)"
        case "resolve": still = "AND status IN ('new', 'assigned', 'in_progress') AND resolve_due_at < \(bind: now)"
        default: still = "AND status <> 'closed'"
        }
        let done = try await tx.sql.raw("""
            UPDATE tickets SET escalated_at = \(bind: now), escalation_reason = \(bind: reason)
            WHERE id = \(bind: id) AND escalated_at IS NULL \(still) RETURNING id
            """).all(decoding: I.self)
        guard !done.isEmpty else { return false }
        let text = ["severity": "\(severity == .crisis ? "危机" : "重大")事件", "response": "首次响应超时", "resolve": "处理超时",
                    "emergency": "抢修待派单"][reason] ?? reason
        try await event(id, "escalate", from: nil, to: nil, note: "升级至客服经理：\(text)", visibleToOwner: false,
                        actor: .system, now: now, on: tx)
        let managers = try await StaffDirectory.mobiles(of: [.csManager], on: projectID, sql: tx.sql)
        for m in managers where MobileNumber.isValid(m) {
            try await Outbox.enqueue(OutboxDraft(channel: .sms, recipient: m, template: "ticket.escalated",
                                                 params: ["number": number, "severity": severity == .normal ? "一般" : severity == .major ? "重大" : "危机",
                                                          "reason": text],
                                                 projectID: projectID, reference: "ticket:\(id)"), now: now, on: tx.sql)
        }
        return true
    }

    /// The background job: escalates every open ticket past a deadline, and major or crisis
    /// tickets not yet escalated. Conditional, so two servers never escalate one twice.
    public func escalateDue() async throws -> Int {
        struct R: Decodable { var id: UUID; var number: String; var projectId: UUID; var severity: String; var respondedAt: Date?
                              var responseDueAt: Date; var resolveDueAt: Date; var status: String }
        let now = now()
        let due = try await store.sql.raw("""
            SELECT id, number, project_id, severity, responded_at, response_due_at, resolve_due_at, status FROM tickets
            WHERE escalated_at IS NULL AND status <> 'closed'
              AND (resolve_due_at < \(bind: now) OR (responded_at IS NULL AND response_due_at < \(bind: now)) OR severity <> 'normal')
            """).all(decoding: R.self, with: decoder)
        var n = 0
        for t in due {
            let severity = TicketSeverity(rawValue: t.severity) ?? .normal
            let active = TicketStatus(rawValue: t.status)?.isActive ?? false
            let reason: String
            if severity.escalatesAtOnce { reason = "severity" }
            else if active, t.respondedAt == nil, t.responseDueAt < now { reason = "response" }
            else if active, t.resolveDueAt < now { reason = "resolve" }
            else { continue }
            let escalated = try await store.write { tx in
                try await Self.escalate(t.id, number: t.number, projectID: t.projectId, severity: severity, reason: reason, now: now, on: tx)
            }
            if escalated { n += 1 }
        }
        return n
    }

    // MARK: - Actions

    public struct ActionInput: Sendable {
        public var note = ""
        public var department: Department?
        public var assigneeID: UUID?
        public var cause: TicketCause?
        public var contractor: String?
        public var cost: Money?
        public var chargeable: Bool?
        public init() {}
    }

    /// Whether `p` may take `action` on ticket `t`.
    static func check(_ p: Principal, _ action: TicketAction, on t: Ticket) throws {
        let project = t.projectId
        let manages = p.may(.ticketsManage, on: project)
        let handles = p.may(.ticketsHandle, on: project)
        let repairs = p.may(.repairsHandle, on: project) && t.ticketKind.isRepair
        let mine = t.assigneeId == p.userID
        let allowed: Bool
        switch action {
        case .assign: allowed = manages || handles
        case .start, .resolve: allowed = manages || ((handles || repairs) && (mine || t.assigneeId == nil))
        case .startCallback, .close: allowed = manages || handles
        case .reopen: allowed = manages
        }
        guard allowed else { throw Problem.forbidden }
    }

    public func act(_ id: UUID, _ action: TicketAction, _ input: ActionInput, by principal: Principal, context: AuditContext) async throws -> Ticket {
        let t = try await ticket(id)
        try Self.check(principal, action, on: t)
        let from = t.ticketStatus
        let to: TicketStatus
        do {
            to = try TicketFlow.next(from, action, kind: t.ticketKind)
        } catch .callbackRequired {
            throw Problem.conflict("ticket_needs_callback", ["kind": t.kind])
        } catch {
            throw Problem.conflict("ticket_move_not_allowed", ["status": from.rawValue, "action": action.rawValue])
        }
        let note = input.note.trimmingCharacters(in: .whitespacesAndNewlines)
        if note.count > 2_000 || note.contains("\u{0}") { throw Problem.invalid("note", "ticket_text_invalid") }
        let now = now()
        var set: [(String, any Encodable & Sendable)] = [("status", to.rawValue), ("updated_at", now)]
        var line = note
        var ownerMessage: String?
        var assigneeMobile: String?
        switch action {
        case .assign:
            guard let a = input.assigneeID else { throw Problem.invalid("assigneeId", "assignee_required") }
            guard try await mayHandle(a, in: t.projectId, kind: t.ticketKind) else { throw Problem.invalid("assigneeId", "assignee_invalid") }
            set += [("assignee_id", a), ("department", (input.department ?? Department(rawValue: t.department ?? "") ?? .customerService).rawValue)]
            assigneeMobile = try await userMobile(a)
            let name = try await handlers(t.projectId).first { $0.id == a }?.name ?? ""
            line = "派给 \(name)" + (note.isEmpty ? "" : "：\(note)")
        case .start:
            if t.respondedAt == nil { set.append(("responded_at", now)) }
            line = note.isEmpty ? "已受理，处理中" : note
            ownerMessage = "已受理，正在处理"
        case .resolve:
            guard !note.isEmpty else { throw Problem.invalid("note", "resolution_required") }
            if t.ticketKind.needsCallback, input.cause == nil { throw Problem.invalid("cause", "cause_required") }
            if let c = input.contractor, c.count > 60 || c.contains("\n") { throw Problem.invalid("contractor", "ticket_text_invalid") }
            if let c = input.cost, c.fen < 0 || !c.isWithin(Money(yuan: 10_000_000)) { throw Problem.invalid("cost", "cost_invalid") }
            if input.chargeable != nil, !t.ticketKind.isRepair { throw Problem.invalid("chargeable", "component_for_repairs") }
            set += [("resolved_at", now), ("resolution", note)]
            if t.respondedAt == nil { set.append(("responded_at", now)) }
            if let c = input.cause { set.append(("cause", c.rawValue)) }
            if let c = input.contractor { set.append(("contractor", c)) }
            if let c = input.cost { set.append(("cost_fen", c.fen)) }
            if let c = input.chargeable { set.append(("chargeable", c)) }
            line = "处理完成：\(note)"
            ownerMessage = t.ticketKind.needsCallback ? "已处理完成，客服将回访确认" : "已处理完成"
        case .startCallback:
            line = note.isEmpty ? "开始回访" : "开始回访：\(note)"
        case .close:
            set.append(("closed_at", now))
            line = note.isEmpty ? "关闭" : "关闭：\(note)"
        case .reopen:
            guard !note.isEmpty else { throw Problem.invalid("note", "reason_required") }
            // Worked again: a new resolution deadline from now.
            let terms = try await terms(t.projectId, t.ticketKind, t.ticketSeverity)
            set += [("closed_at", Optional<Date>.none), ("resolved_at", Optional<Date>.none), ("reopen_count", t.reopenCount + 1),
                    ("resolve_due_at", now.addingTimeInterval(Double(terms.resolveMinutes) * 60)),
                    ("escalated_at", Optional<Date>.none), ("escalation_reason", Optional<String>.none)]
            line = "重开：\(note)"
            ownerMessage = "已重新处理"
        }
        let (lineFinal, ownerFinal, setFinal, assigneeMobileFinal) = (line, ownerMessage, set, assigneeMobile)
        try await store.audited(context) { tx in
            var u = tx.sql.update("tickets")
            for (k, v) in setFinal { u = u.set(SQLIdentifier(k), to: SQLBind(v)) }
            struct I: Decodable { var id: UUID }
            // On the status and the assignee as read: two hand-overs at once, or work by someone just taken off it, lose here.
            u = u.where("id", .equal, id).where("status", .equal, from.rawValue)
            u = t.assigneeId.map { u.where("assignee_id", .equal, $0) } ?? u.where(SQLColumn("assignee_id"), .is, SQLLiteral.null)
            let done = try await u.returning("id").all(decoding: I.self)
            guard !done.isEmpty else { throw Problem.conflict("ticket_changed") }
            try await Self.event(id, action.rawValue, from: from, to: to, note: lineFinal, visibleToOwner: ownerFinal != nil, actor: .staff(principal),
                                 now: now, on: tx)
            if let m = assigneeMobileFinal, MobileNumber.isValid(m) {
                try await Outbox.enqueue(OutboxDraft(channel: .sms, recipient: m, template: "ticket.assigned",
                                                     params: ["number": t.number, "title": String(t.title.prefix(30)),
                                                              "due": Self.clock(t.respondedAt == nil ? t.responseDueAt : t.resolveDueAt)],
                                                     projectID: t.projectId, reference: "ticket:\(id)"), now: now, on: tx.sql)
            }
            if let message = ownerFinal, MobileNumber.isValid(t.contactMobile) {
                try await Outbox.enqueue(OutboxDraft(channel: .sms, recipient: t.contactMobile, template: "ticket.progress",
                                                     params: ["number": t.number, "status": message, "note": ""],
                                                     projectID: t.projectId, reference: "ticket:\(id)"), now: now, on: tx.sql)
            }
            return ((), AuditEntry(action: "ticket.\(action.rawValue)", entity: "ticket", entityID: id.uuidString, projectID: t.projectId,
                                   summary: "ticket \(t.number): \(from.rawValue) → \(to.rawValue)",
                                   before: ["status": from.rawValue], after: ["status": to.rawValue]))
        }
        return try await ticket(id)
    }

    public func comment(_ id: UUID, note raw: String, visibleToOwner: Bool, by actor: Actor, context: AuditContext) async throws -> Ticket {
        let t = try await ticket(id)
        let note = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !note.isEmpty, note.count <= 2_000, !note.contains("\u{0}") else { throw Problem.invalid("note", "ticket_text_invalid") }
        guard TicketFlow.mayComment(t.ticketStatus) else { throw Problem.conflict("ticket_closed") }
        let now = now()
        let toOwner = visibleToOwner || actor.isOwner
        try await store.audited(context) { tx in
            // An answer the owner sees is the first response if none came before.
            if toOwner, !actor.isOwner {
                try await tx.sql.update("tickets").set("responded_at", to: SQLBind(now)).where("id", .equal, id)
                    .where(SQLColumn("responded_at"), .is, SQLLiteral.null).run()
            }
            try await tx.sql.update("tickets").set("updated_at", to: SQLBind(now)).where("id", .equal, id).run()
            try await Self.event(id, "comment", from: nil, to: nil, note: note, visibleToOwner: toOwner, actor: actor, now: now, on: tx)
            if toOwner, !actor.isOwner, MobileNumber.isValid(t.contactMobile) {
                try await Outbox.enqueue(OutboxDraft(channel: .sms, recipient: t.contactMobile, template: "ticket.progress",
                                                     params: ["number": t.number, "status": "有新回复", "note": String(note.prefix(60))],
                                                     projectID: t.projectId, reference: "ticket:\(id)"), now: now, on: tx.sql)
            }
            return ((), AuditEntry(action: "ticket.comment", entity: "ticket", entityID: id.uuidString, projectID: t.projectId,
                                   summary: "comment on ticket \(t.number)\(toOwner ? " (owner sees it)" : "")"))
        }
        return try await ticket(id)
    }

    // MARK: - Callback (回访)

    public func recordCallback(_ id: UUID, satisfaction: Int, solved: Bool, note raw: String, by actor: Actor,
                               context: AuditContext) async throws -> Ticket {
        let t = try await ticket(id)
        guard (1...5).contains(satisfaction) else { throw Problem.invalid("satisfaction", "satisfaction_invalid") }
        let note = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard note.count <= 500, !note.contains("\u{0}") else { throw Problem.invalid("note", "ticket_text_invalid") }
        let from = t.ticketStatus
        guard TicketFlow.mayRecordCallback(from) else { throw Problem.conflict("ticket_not_awaiting_callback", ["status": from.rawValue]) }
        // The callback checks the work: not by the one who did it.
        if case .staff(let p) = actor, t.assigneeId == p.userID, !p.may(.ticketsManage, on: t.projectId) {
            throw Problem.conflict("callback_by_assignee")
        }
        let to = TicketFlow.afterCallback(solved: solved)
        let now = now()
        let terms = try await terms(t.projectId, t.ticketKind, t.ticketSeverity)
        try await store.audited(context) { tx in
            var u = tx.sql.update("tickets").set("status", to: SQLBind(to.rawValue)).set("satisfaction", to: SQLBind(satisfaction))
                .set("updated_at", to: SQLBind(now))
            if solved { u = u.set("closed_at", to: SQLBind(now)) }
            else {
                // Back to work: a new resolution deadline from now.
                u = u.set("resolved_at", to: SQLLiteral.null).set("reopen_count", to: SQLBind(t.reopenCount + 1))
                    .set("resolve_due_at", to: SQLBind(now.addingTimeInterval(Double(terms.resolveMinutes) * 60)))
                    .set("escalated_at", to: SQLLiteral.null).set("escalation_reason", to: SQLLiteral.null)
            }
            struct I: Decodable { var id: UUID }
            let done = try await u.where("id", .equal, id).where("status", .equal, from.rawValue).returning("id").all(decoding: I.self)
            guard !done.isEmpty else { throw Problem.conflict("ticket_changed") }
            try await tx.sql.insert(into: "ticket_callbacks").columns("id", "ticket_id", "satisfaction", "solved", "note", "by_id", "by_name",
                                                                       "by_owner", "on_day", "at")
                .values(SQLBind(UUID()), SQLBind(id), SQLBind(satisfaction), SQLBind(solved), SQLBind(note), SQLBind(actor.id), SQLBind(actor.name),
                        SQLBind(actor.isOwner), SQLBind(CalendarDay(now).description), SQLBind(now)).run()
            let line = "回访：满意度 \(satisfaction)/5，\(solved ? "业主确认已解决，关闭" : "业主认为未解决，重新处理")" + (note.isEmpty ? "" : "。\(note)")
            try await Self.event(id, "callback", from: from, to: to, note: line, visibleToOwner: true, actor: actor, now: now, on: tx)
            return ((), AuditEntry(action: "ticket.callback", entity: "ticket", entityID: id.uuidString, projectID: t.projectId,
                                   summary: "callback on ticket \(t.number): \(satisfaction)/5, \(solved ? "solved" : "not solved")",
                                   before: ["status": from.rawValue], after: ["status": to.rawValue]))
        }
        return try await ticket(id)
    }

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

    // MARK: - Lists

    public enum Queue: String, Sendable, CaseIterable { case all, mine, callback, breached }

    public struct Filter: Sendable {
        public var queue: Queue = .all
        public var status: TicketStatus?
        public var kind: TicketKind?
        public var severity: TicketSeverity?
        public var query: String?
        public init() {}
    }

    /// Breached tickets first, then by the deadline that runs; closed ones last, newest first.
    /// A full mobile in `query` is an exact look-up (`ExactLookups`, needs `context`): logged,
    /// limited, and matched only where the searcher may see the full contact mobile (a role that
    /// may reveal personal data, or the assignee), as the ticket page shows it.
    public func list(_ projectID: UUID, _ f: Filter, for principal: Principal, context: AuditContext? = nil,
                     page: PageRequest) async throws -> Paged<Ticket> {
        let now = now()
        var conditions: [SQLQueryString] = ["t.project_id = \(bind: projectID)"]
        switch f.queue {
        case .all: break
        case .mine: conditions.append("t.assignee_id = \(bind: principal.userID)")
        case .callback:
            conditions.append("t.status IN ('resolved', 'callback') AND t.kind IN ('complaint', 'repair', 'emergency_repair')")
        case .breached:
            conditions.append("""
                t.status IN ('new', 'assigned', 'in_progress') AND (t.resolve_due_at < \(bind: now) OR (t.responded_at IS NULL AND t.response_due_at < \(bind: now)))
                """)
        }
        if let s = f.status { conditions.append("t.status = \(bind: s.rawValue)") }
        if let k = f.kind { conditions.append("t.kind = \(bind: k.rawValue)") }
        if let s = f.severity { conditions.append("t.severity = \(bind: s.rawValue)") }
        var exact: AuditContext?
        if let q = f.query?.trimmingCharacters(in: .whitespaces), !q.isEmpty {
            let like = "%\(q.lowercased().replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: ""))%"
            var mobile: SQLQueryString = ""
            if let m = MobileNumber.normalized(q), let context {
                exact = context
                mobile = principal.may(.personalDataReveal, on: projectID) ? " OR t.contact_mobile = \(bind: m)"
                    : " OR (t.contact_mobile = \(bind: m) AND t.assignee_id = \(bind: principal.userID))"
            }
            conditions.append("(LOWER(t.number) LIKE \(bind: like) OR LOWER(t.title) LIKE \(bind: like) OR LOWER(t.contact_name) LIKE \(bind: like)\(mobile) OR LOWER(u.code) LIKE \(bind: like))")
        }
        var clause: SQLQueryString = ""
        for (i, c) in conditions.enumerated() { clause = i == 0 ? c : "\(clause) AND \(c)" }
        let query = clause
        guard let exact else { return try await list(query, now: now, page: page, on: store.sql) }
        return try await ExactLookups(store: store, now: self.now, perHour: exactSearchesPerHour, gate: exactLookupGate).run(.mobile, on: projectID, context: exact, where: "tickets") { sql in
            let result = try await list(query, now: now, page: page, on: sql)
            return (result, result.total)
        }
    }

    private func list(_ clause: SQLQueryString, now: Date, page: PageRequest, on sql: any SQLDatabase) async throws -> Paged<Ticket> {
        struct N: Decodable { var n: Int }
        let total = try await sql.raw("""
            SELECT COUNT(*) AS n FROM tickets t LEFT JOIN units u ON u.id = t.unit_id WHERE \(clause)
            """).first(decoding: N.self)?.n ?? 0
        let items = try await sql.raw("""
            \(unsafeRaw: Self.ticketSelect) WHERE \(clause)
            ORDER BY CASE WHEN t.status IN ('new', 'assigned', 'in_progress') AND (t.resolve_due_at < \(bind: now)
                          OR (t.responded_at IS NULL AND t.response_due_at < \(bind: now))) THEN 0
                          WHEN t.status = 'closed' THEN 3
                          WHEN t.status IN ('resolved', 'callback') THEN 2 ELSE 1 END,
                     CASE WHEN t.status = 'closed' THEN NULL ELSE t.resolve_due_at END, t.created_at DESC
            LIMIT \(bind: page.perPage) OFFSET \(bind: page.offset)
            """).all(decoding: Ticket.self, with: decoder)
        return Paged(items: items, page: page.page, perPage: page.perPage, total: total)
    }

    // MARK: - Categories (the managed tree)

    public struct Category: Decodable, Sendable {
        public var id: UUID
        public var projectId: UUID?
        public var parentId: UUID?
        public var name: String
        public var sortOrder: Int
        public var active: Bool
    }

    public func categories(_ projectID: UUID) async throws -> [Category] {
        try await store.sql.raw("""
            SELECT id, project_id, parent_id, name, sort_order, active FROM ticket_categories
            WHERE project_id IS NULL OR project_id = \(bind: projectID) ORDER BY sort_order, name
            """).all(decoding: Category.self, with: decoder)
    }

    public func category(_ id: UUID) async throws -> Category {
        guard let c = try await store.sql.raw("SELECT id, project_id, parent_id, name, sort_order, active FROM ticket_categories WHERE id = \(bind: id)")
            .first(decoding: Category.self, with: decoder) else { throw Problem.notFound }
        return c
    }

    /// Paths "工程质量 / 渗漏", by id.
    public static func paths(_ all: [Category]) -> [UUID: String] {
        let byID = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
        return Dictionary(uniqueKeysWithValues: all.map { c in
            (c.id, c.parentId.flatMap { byID[$0]?.name }.map { "\($0) / \(c.name)" } ?? c.name)
        })
    }

    public func createCategory(name raw: String, parent: UUID?, projectID: UUID?, context: AuditContext) async throws -> Category {
        let name = raw.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, Text.isCleanLine(name, maxLength: 30) else { throw Problem.invalid("name", "category_name_invalid") }
        if let parent {
            let p = try await category(parent)
            guard p.projectId == nil || p.projectId == projectID else { throw Problem.invalid("parentId", "category_unknown") }
            // Two levels: 工程质量 / 渗漏.
            guard p.parentId == nil else { throw Problem.invalid("parentId", "category_too_deep") }
        }
        let siblings = try await store.sql.raw("""
            SELECT id, project_id, parent_id, name, sort_order, active FROM ticket_categories
            """).all(decoding: Category.self, with: decoder)
            .filter { $0.parentId == parent && $0.name == name && ($0.projectId == nil || projectID == nil || $0.projectId == projectID) }.count
        guard siblings == 0 else { throw Problem.conflict("category_exists", ["name": name]) }
        let id = UUID(), now = now()
        try await store.audited(context) { tx in
            struct S: Decodable { var sortOrder: Int; var parentId: UUID? }
            let next = try await tx.sql.raw("SELECT sort_order, parent_id FROM ticket_categories")
                .all(decoding: S.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))
                .filter { $0.parentId == parent }.map(\.sortOrder).max() ?? -1
            try await tx.sql.insert(into: "ticket_categories").columns("id", "project_id", "parent_id", "name", "sort_order", "active", "created_at")
                .values(SQLBind(id), SQLBind(projectID), SQLBind(parent), SQLBind(name), SQLBind(next + 1), SQLBind(true), SQLBind(now)).run()
            return ((), AuditEntry(action: "ticket.category.create", entity: "ticket_category", entityID: id.uuidString, projectID: projectID,
                                   summary: "ticket category \(name)"))
        }
        return try await category(id)
    }

    public func updateCategory(_ id: UUID, name: String?, active: Bool?, context: AuditContext) async throws -> Category {
        let c = try await category(id)
        if let name { guard !name.trimmingCharacters(in: .whitespaces).isEmpty, Text.isCleanLine(name, maxLength: 30) else { throw Problem.invalid("name", "category_name_invalid") } }
        try await store.audited(context) { tx in
            var u = tx.sql.update("ticket_categories")
            if let name { u = u.set("name", to: SQLBind(name.trimmingCharacters(in: .whitespaces))) }
            if let active { u = u.set("active", to: SQLBind(active)) }
            if name != nil || active != nil { try await u.where("id", .equal, id).run() }
            return ((), AuditEntry(action: "ticket.category.update", entity: "ticket_category", entityID: id.uuidString, projectID: c.projectId,
                                   summary: "ticket category \(c.name)", before: ["name": c.name, "active": "\(c.active)"],
                                   after: ["name": name ?? c.name, "active": "\(active ?? c.active)"]))
        }
        return try await category(id)
    }
}

extension Optional {
    func asyncMap<T>(_ f: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let v = self else { return nil }
        return try await f(v)
    }
}
