import Crypto
import EstateCore
import FluentKit
import Foundation
import SQLKit

extension TicketService {
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
        /// The call (呼叫中心) that brought the work order: linked to it in the same transaction.
        public var callID: UUID?
        /// 稽查: the repair it checks (required); a repair: the 勘察 that found it (optional).
        public var relatedTicketID: UUID?

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

    /// `alongside` writes the caller's own rows about the new ticket (its id and number) in the ticket's transaction:
    /// the mall desk's complaint record (issue 20) is written with its ticket or not at all.
    public func create(_ d: Draft, in projectID: UUID, by actor: Actor, context: AuditContext,
                       alongside: (@Sendable (_ tx: any Database, _ ticketID: UUID, _ number: String) async throws -> Void)? = nil) async throws -> Ticket {
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
        if let u = d.unitID, try await !InventoryService.unitExists(u, in: projectID, sql: store.sql) { errors.append(.init(field: "unitId", code: "unit_unknown")) }
        if let c = d.customerID, try await !CustomerDirectory.exists(c, in: projectID, sql: store.sql) { errors.append(.init(field: "customerId", code: "customer_unknown")) }
        if let a = d.assigneeID, try await !mayHandle(a, in: projectID, kind: d.kind) { errors.append(.init(field: "assigneeId", code: "assignee_invalid")) }
        // A person chosen with a department works in it (the form lists only them; the API is held to the same).
        else if let a = d.assigneeID, let department = d.department,
                try await !(handlers(projectID).first { $0.id == a }?.departments.contains(department) ?? false) {
            errors.append(.init(field: "assigneeId", code: "assignee_not_in_department"))
        }
        var related: Ticket?
        if let r = d.relatedTicketID {
            related = try await ifFound { try await ticket(r) }
            let ok: Bool
            switch (d.kind, related) {
            case (.audit, let t?): ok = t.projectId == projectID && WorkOrderFlow.mayAudit(t.ticketKind, t.ticketStatus)
            case (.repair, let t?), (.emergencyRepair, let t?): ok = t.projectId == projectID && WorkOrderFlow.maySpawnRepair(t.ticketKind, t.ticketStatus)
            default: ok = false
            }
            if !ok { errors.append(.init(field: "relatedTicketId", code: d.kind == .audit ? "audit_subject_invalid" : "related_ticket_invalid")) }
        } else if d.kind == .audit {
            errors.append(.init(field: "relatedTicketId", code: "audit_subject_required"))
        }
        if let c = d.callID, try await !CallService.linkable(c, to: projectID, sql: store.sql) {
            errors.append(.init(field: "callId", code: "call_not_linkable"))
        }
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
        let relatedFinal = related
        let assigneeMobile = try await d.assigneeID.asyncMap { try await userMobile($0) } ?? nil
        try await store.audited(context) { tx in
            let number = try await DocumentNumbers.next("GD", projectID: projectID, on: tx)
            try await tx.sql.insert(into: "tickets").columns(
                "id", "project_id", "number", "kind", "channel", "category_id", "severity", "status", "title", "description", "customer_id",
                "unit_id", "contact_name", "contact_mobile", "department", "assignee_id", "response_due_at", "resolve_due_at", "location",
                "component", "warranty_status", "warranty_last_day", "chargeable", "contractor", "cost_fen", "repeat_of", "resolution",
                "reopen_count", "created_by", "created_on", "created_at", "updated_at", "related_ticket_id")
                .values(SQLBind(id), SQLBind(projectID), SQLBind(number), SQLBind(d.kind.rawValue), SQLBind(d.channel.rawValue), SQLBind(d.categoryID),
                        SQLBind(d.severity.rawValue), SQLBind(status.rawValue), SQLBind(title), SQLBind(d.description), SQLBind(d.customerID),
                        SQLBind(d.unitID), SQLBind(contactNameFinal), SQLBind(contactMobileFinal), SQLBind(d.department?.rawValue ?? (d.assigneeID == nil ? nil : Department.customerService.rawValue)),
                        SQLBind(d.assigneeID), SQLBind(now.addingTimeInterval(Double(terms.responseMinutes) * 60)),
                        SQLBind(now.addingTimeInterval(Double(terms.resolveMinutes) * 60)), SQLBind(d.location), SQLBind(d.component?.rawValue),
                        SQLBind(warrantyFinal?.status.rawValue), SQLBind(warrantyFinal?.lastDay?.description), SQLBind(warrantyFinal?.chargeable ?? false),
                        SQLBind(""), SQLBind(Int64(0)), SQLBind(repeatFinal), SQLBind(""), SQLBind(0), SQLBind(actor.id),
                        SQLBind(today.description), SQLBind(now), SQLBind(now), SQLBind(d.relatedTicketID)).run()
            if let call = d.callID { try await CallService.link(call, toTicket: id, in: projectID, on: tx.sql) }
            try await alongside?(tx, id, number)
            if let r = relatedFinal {
                // The survey or the audited repair says what came of it, in its own log.
                try await Self.event(r.id, d.kind == .audit ? "audit_opened" : "repair_spawned", from: nil, to: nil,
                                     note: (d.kind == .audit ? "稽查单 " : "派生维修单 ") + number, visibleToOwner: false, actor: actor, now: now, on: tx)
            }
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
                                   after: ["kind": d.kind.rawValue, "severity": d.severity.rawValue, "channel": d.channel.rawValue]
                                       .merging(d.callID.map { ["call": $0.uuidString] } ?? [:]) { a, _ in a }))
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

    func categoryUsable(_ id: UUID, in projectID: UUID) async throws -> Bool {
        struct N: Decodable { var id: UUID }
        return try await store.sql.raw("""
            SELECT id FROM ticket_categories WHERE id = \(bind: id) AND active AND (project_id IS NULL OR project_id = \(bind: projectID))
            """).first(decoding: N.self) != nil
    }

    /// Staff who may be given a ticket: enabled, with a service role on the project.
    /// Someone a ticket can be given to: the departments their roles belong to, and whether they
    /// take repairs only (engineers: `repairsHandle` without `ticketsHandle`).
    public struct Handler: Sendable, Equatable {
        public var id: UUID
        public var name: String
        public var mobile: String?
        public var departments: Set<Department>
        public var repairsOnly: Bool
    }

    /// The department a role works in, for routing a ticket to a person (DOMAIN §4: department and person).
    static func department(of role: Role) -> Department? {
        switch role {
        case .csManager, .csStaff, .shiftLead, .ccSupervisor, .gm: .customerService
        case .engineer: .engineering
        case .property: .property
        case .salesManager, .consultant: .sales
        case .legal: .legal
        default: nil
        }
    }

    public func handlers(_ projectID: UUID) async throws -> [Handler] {
        let roles = StaffDirectory.roles(allowing: [.ticketsHandle, .repairsHandle])
        return try await StaffDirectory.holdersWithRoles(of: roles, on: projectID, sql: store.sql).map { m, roles in
            let actions = Set(roles.flatMap { AccessMatrix.actions(of: $0) })
            return Handler(id: m.id, name: m.displayName, mobile: m.mobile, departments: Set(roles.compactMap(Self.department(of:))),
                           repairsOnly: !actions.contains(.ticketsHandle) && !actions.contains(.ticketsManage))
        }
    }

    /// Whether `userID` may be given a ticket of `kind`: repair staff take repairs only.
    func mayHandle(_ userID: UUID, in projectID: UUID, kind: TicketKind) async throws -> Bool {
        let roles = try await StaffDirectory.roles(of: userID, on: projectID, sql: store.sql)
        let actions = Set(roles.flatMap { AccessMatrix.actions(of: $0) })
        return actions.contains(.ticketsHandle) || actions.contains(.ticketsManage) || (kind.isFieldWork && actions.contains(.repairsHandle))
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
}
