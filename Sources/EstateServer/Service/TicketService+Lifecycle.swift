import Crypto
import EstateCore
import FluentKit
import Foundation
import SQLKit

extension TicketService {
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
        /// 稽查: the score of the repair checked (resolve of an audit only).
        public var score: Int?
        public init() {}
    }

    /// Whether `p` may take `action` on ticket `t`.
    static func check(_ p: Principal, _ action: TicketAction, on t: Ticket) throws {
        let project = t.projectId
        let manages = p.may(.ticketsManage, on: project)
        let handles = p.may(.ticketsHandle, on: project)
        let repairs = p.may(.repairsHandle, on: project) && t.ticketKind.isFieldWork
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

    /// Back to work after a failed 稽查: only from a status where the work was reported done (a
    /// repair reopened meanwhile stays as it is), with a new resolution deadline.
    static func reopenAfterAudit(_ repair: UUID, audit: Ticket, score: Int, terms: SLATerms, by principal: Principal, now: Date,
                                 on tx: any Database) async throws {
        struct R: Decodable { var status: String }
        let done = [TicketStatus.resolved, .callback, .closed].map(\.rawValue)
        let rows = try await tx.sql.raw("""
            UPDATE tickets SET status = \(bind: TicketStatus.inProgress.rawValue), closed_at = NULL, resolved_at = NULL,
                   reopen_count = reopen_count + 1, resolve_due_at = \(bind: now.addingTimeInterval(Double(terms.resolveMinutes) * 60)),
                   escalated_at = NULL, escalation_reason = NULL, updated_at = \(bind: now)
            WHERE id = \(bind: repair) AND status IN \(SQLBind.group(done))
            RETURNING status
            """).all(decoding: R.self)
        guard !rows.isEmpty else { return }
        try await event(repair, "audit_failed", from: nil, to: .inProgress, note: "稽查 \(audit.number) 不合格（\(score) 分），重新处理",
                        visibleToOwner: false, actor: .staff(principal), now: now, on: tx)
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
            let handler = try await handlers(t.projectId).first { $0.id == a }
            // A person chosen with a department works in it; without one, the ticket goes to the person's department.
            if let d = input.department, !(handler?.departments.contains(d) ?? false) {
                throw Problem.invalid("assigneeId", "assignee_not_in_department")
            }
            let department = input.department ?? handler?.departments.min { $0.rawValue < $1.rawValue }
                ?? Department(rawValue: t.department ?? "") ?? .customerService
            set += [("assignee_id", a), ("department", department.rawValue)]
            assigneeMobile = try await userMobile(a)
            let name = handler?.name ?? ""
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
            if let p = WorkOrderFlow.checkResolve(t.ticketKind, score: input.score) { throw Problem.invalid("score", p.rawValue) }
            if let score = input.score { set.append(("audit_score", score)) }
            set += [("resolved_at", now), ("resolution", note)]
            if t.respondedAt == nil { set.append(("responded_at", now)) }
            if let c = input.cause { set.append(("cause", c.rawValue)) }
            if let c = input.contractor { set.append(("contractor", c)) }
            if let c = input.cost { set.append(("cost_fen", c.fen)) }
            if let c = input.chargeable { set.append(("chargeable", c)) }
            line = t.ticketKind == .audit ? "稽查完成（\(input.score ?? 0) 分）：\(note)" : "处理完成：\(note)"
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
        // A failing audit sends the repair it checked back to work, in the same transaction.
        var reopens: (id: UUID, terms: SLATerms)?
        if action == .resolve, t.ticketKind == .audit, let s = input.score.flatMap(AuditScore.init), s.fails, let r = t.relatedTicketId {
            let repair = try await ticket(r)
            reopens = (r, try await terms(repair.projectId, repair.ticketKind, repair.ticketSeverity))
        }
        let reopensFinal = reopens
        try await store.audited(context) { tx in
            if let (repair, terms) = reopensFinal {
                try await Self.reopenAfterAudit(repair, audit: t, score: input.score ?? 0, terms: terms, by: principal, now: now, on: tx)
            }
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
}
