import EstateCore
import FluentKit
import Foundation
import SQLKit

extension OutageService {
    // MARK: - Opening (开单)

    public struct Draft: Sendable {
        public var department: TicketService.Department
        public var scope: OutageScope
        public var buildingID: UUID?
        public var entrance: Int?
        /// For `.units`: codes as staff type them ("2-1-0301" is 2-1-301).
        public var unitCodes: [String] = []
        public var title: String
        public var description: String = ""
        public var expectedRestoreAt: Date?

        public init(department: TicketService.Department, scope: OutageScope, title: String) {
            self.department = department
            self.scope = scope
            self.title = title
        }
    }

    /// Checks the draft, finds the affected units, opens the 抢修单 and texts the first on the
    /// department's on-call list, all in one transaction.
    public func open(_ d: Draft, in projectID: UUID, by p: Principal, context: AuditContext) async throws -> Outage {
        guard p.may(.callCenterManage, on: projectID) else { throw Problem.forbidden }
        let now = now()
        var bad: [Problem.FieldError] = []
        let title = OutageText.clean(d.title, max: OutageText.titleMax)
        if title == nil { bad.append(.init(field: "title", code: "outage_title_invalid")) }
        let description = d.description.trimmingCharacters(in: .whitespacesAndNewlines)
        if !description.isEmpty, OutageText.clean(description, max: OutageText.descriptionMax, multiline: true) == nil {
            bad.append(.init(field: "description", code: "outage_text_invalid"))
        }
        if let r = d.expectedRestoreAt {
            if r <= now || r > now.addingTimeInterval(Self.maxRestore) { bad.append(.init(field: "expectedRestoreAt", code: "outage_restore_invalid")) }
        } else {
            bad.append(.init(field: "expectedRestoreAt", code: "outage_restore_invalid"))
        }
        var unitIDs: [UUID] = []
        var label = ""
        var building: BuildingRow?
        switch d.scope {
        case .building, .entrance:
            if let b = d.buildingID { building = try await ifFound { try await inventory.building(b, in: projectID) } }
            if let b = building {
                if d.scope == .entrance {
                    if let e = d.entrance, (1...max(b.entrances, 1)).contains(e) {
                        label = "\(b.name)\(e)单元"
                    } else {
                        bad.append(.init(field: "entrance", code: "outage_entrance_invalid"))
                    }
                } else {
                    label = b.name
                }
                if bad.isEmpty {
                    var f = UnitFilter()
                    f.buildingID = b.id
                    unitIDs = try await inventory.allUnits(projectID, filter: f).filter { d.scope == .building || $0.entrance == d.entrance }.map(\.id)
                    if unitIDs.isEmpty { bad.append(.init(field: "buildingId", code: "outage_no_units")) }
                }
            } else {
                bad.append(.init(field: "buildingId", code: "outage_building_invalid"))
            }
        case .units:
            if d.unitCodes.isEmpty { bad.append(.init(field: "unitCodes", code: "outage_units_required")) }
            else if d.unitCodes.count > OutageText.maxUnits {
                bad.append(.init(field: "unitCodes", code: "outage_units_too_many", arguments: ["max": "\(OutageText.maxUnits)"]))
            } else {
                var unknown: [String] = []
                for c in d.unitCodes {
                    if let id = try await InventoryService.unitID(code: c, in: projectID, sql: store.sql) {
                        if !unitIDs.contains(id) { unitIDs.append(id) }
                    } else { unknown.append(c) }
                }
                if !unknown.isEmpty {
                    bad.append(.init(field: "unitCodes", code: "outage_unit_unknown",
                                     arguments: ["codes": unknown.prefix(10).map { String($0.prefix(20)) }.joined(separator: "、")]))
                }
                let codes = try await InventoryService.unitCodes(unitIDs, sql: store.sql)
                let sorted = unitIDs.compactMap { codes[$0] }.sorted { $0.localizedStandardCompare($1) == .orderedAscending }
                label = sorted.count <= 3 ? sorted.joined(separator: "、") : "\(sorted.prefix(3).joined(separator: "、")) 等 \(sorted.count) 户"
            }
        }
        guard bad.isEmpty, let title, let restore = d.expectedRestoreAt else { throw Problem.invalid(bad) }
        let list = try await onCallList(projectID, d.department)
        guard !list.members.isEmpty else {
            throw Problem.conflict("outage_no_oncall", ["department": "ticket.department.\(d.department.rawValue)"])
        }
        let id = UUID()
        let units = unitIDs
        let scopeBuilding = building?.id
        let entrance = d.scope == .entrance ? d.entrance : nil
        let base = linkBase
        let label0 = label
        try await store.audited(context) { tx in
            let label = label0
            let number = try await DocumentNumbers.next("QX", projectID: projectID, on: tx)
            try await tx.sql.insert(into: "outages")
                .columns("id", "project_id", "number", "department", "scope", "building_id", "entrance", "area_label", "title", "description",
                         "expected_restore_at", "status", "level", "level_started_at", "ack_minutes", "done_note", "round", "unit_count",
                         "created_by", "created_at", "updated_at")
                .values(SQLBind(id), SQLBind(projectID), SQLBind(number), SQLBind(d.department.rawValue), SQLBind(d.scope.rawValue),
                        SQLBind(scopeBuilding), SQLBind(entrance), SQLBind(label), SQLBind(title), SQLBind(description), SQLBind(restore),
                        SQLBind(OutageStatus.notifying.rawValue), SQLBind(0), SQLBind(now), SQLBind(list.ackMinutes), SQLBind(""), SQLBind(1),
                        SQLBind(units.count), SQLBind(p.userID), SQLBind(now), SQLBind(now))
                .run()
            for chunk in units.chunked(200) {
                let rows = chunk.map { [SQLBind(id), SQLBind($0)] as [any SQLExpression] }
                try await tx.sql.insert(into: "outage_units").columns("outage_id", "unit_id").values(rows.first!).run()
                for r in rows.dropFirst() { try await tx.sql.insert(into: "outage_units").columns("outage_id", "unit_id").values(r).run() }
            }
            try await Self.event(id, "open", ["department": d.department.rawValue, "area": label, "title": title,
                                               "restore": Self.clock(restore), "units": "\(units.count)"],
                                 actorID: p.userID, actorName: p.displayName, now: now, on: tx)
            let o = Outage(id: id, projectId: projectID, number: number, department: d.department.rawValue, scope: d.scope.rawValue,
                           buildingId: scopeBuilding, entrance: entrance, areaLabel: label, title: title, description: description,
                           expectedRestoreAt: restore, status: OutageStatus.notifying.rawValue, level: 0, levelStartedAt: now,
                           ackMinutes: list.ackMinutes, doneNote: "", round: 1, unitCount: units.count, createdBy: p.userID, createdAt: now, updatedAt: now)
            try await Self.notify(o, level: 0, list: list, linkBase: base, now: now, on: tx)
            return ((), AuditEntry(action: "outage.open", entity: "outage", entityID: id.uuidString, projectID: projectID,
                                   summary: "抢修单 \(number)：\(label) \(title)",
                                   after: ["department": d.department.rawValue, "scope": d.scope.rawValue, "units": "\(units.count)"]))
        }
        return try await outage(id)
    }

    // MARK: - Telling people (短信)

    /// Texts whoever `level` names (the on-call person at that position, or the supervisors), each with
    /// their own one-time acknowledgement link, and logs it on the timeline.
    static func notify(_ o: Outage, level: Int, list: OnCallList, linkBase: String, now: Date, on tx: any Database) async throws {
        guard let target = OutageEscalation.target(level: level, onCallCount: list.members.count) else { return }
        let people: [(UUID, String, String?)]
        switch target {
        case .onCall(let i):
            let m = list.members[i]
            people = [(m.userID, m.name, m.mobile)]
        case .supervisors:
            people = try await StaffDirectory.holders(of: [.ccSupervisor], on: o.projectId, sql: tx.sql).map { ($0.id, $0.displayName, $0.mobile) }
        }
        var told: [String] = [], unreachable: [String] = []
        for (userID, name, mobile) in people {
            guard let mobile, MobileNumber.isValid(mobile) else { unreachable.append(name); continue }
            let token = newToken()
            try await tx.sql.insert(into: "outage_tokens").columns("id", "outage_id", "user_id", "level", "token_hash", "created_at", "expires_at")
                .values(SQLBind(UUID()), SQLBind(o.id), SQLBind(userID), SQLBind(level), SQLBind(hash(token)), SQLBind(now),
                        SQLBind(now.addingTimeInterval(tokenLifetime))).run()
            let template = target == .supervisors ? "outage.escalated" : "outage.oncall"
            try await Outbox.enqueue(OutboxDraft(channel: .sms, recipient: mobile, template: template,
                                                 params: ["number": o.number, "area": o.areaLabel, "title": o.title,
                                                          "restore": clock(o.expectedRestoreAt), "minutes": "\(o.ackMinutes)",
                                                          "link": "\(linkBase)/oa/\(token)"],
                                                 projectID: o.projectId, reference: "outage:\(o.id)"), now: now, on: tx.sql)
            told.append(name)
        }
        var values = ["minutes": "\(o.ackMinutes)", "people": people.map(\.1).joined(separator: "\n")]
        let line: String
        switch target {
        case .onCall(let i):
            line = level == 0 ? "notify" : "escalate"
            values["position"] = "\(i + 1)"
        case .supervisors:
            line = people.isEmpty ? "escalate_no_supervisor" : "escalate_supervisors"
        }
        if !unreachable.isEmpty { values["unreachable"] = unreachable.joined(separator: "\n") }
        try await event(o.id, level == 0 ? "notify" : "escalate", level: level, line: line, values, actorID: nil, actorName: "", now: now, on: tx)
    }

    // MARK: - Escalation (升级)

    /// The background job: each 抢修单 still waiting past its window goes one level up, once. The step
    /// is a conditional update on the level read, so two servers never take the same step twice.
    public func escalateDue() async throws -> Int {
        let now = now()
        let waiting = try await store.sql.raw("""
            \(unsafeRaw: Self.select) WHERE status = 'notifying' AND level_started_at <= \(bind: now.addingTimeInterval(-60 * Double(OutageEscalation.windowRange.lowerBound)))
            """).all(decoding: Outage.self, with: decoder)
        var n = 0
        let base = linkBase
        for o in waiting {
            let list = try await onCallList(o.projectId, o.dept)
            guard let next = OutageEscalation.nextLevel(status: o.outageStatus, level: o.level, levelStartedAt: o.levelStartedAt,
                                                        windowMinutes: o.ackMinutes, onCallCount: list.members.count, now: now) else { continue }
            let stepped = try await store.write { tx in
                struct I: Decodable { var id: UUID }
                let done = try await tx.sql.raw("""
                    UPDATE outages SET level = \(bind: next), level_started_at = \(bind: now), updated_at = \(bind: now)
                    WHERE id = \(bind: o.id) AND status = 'notifying' AND level = \(bind: o.level) RETURNING id
                    """).all(decoding: I.self)
                guard !done.isEmpty else { return false }
                var moved = o
                moved.level = next
                moved.levelStartedAt = now
                try await Self.notify(moved, level: next, list: list, linkBase: base, now: now, on: tx)
                return true
            }
            if stepped { n += 1 }
        }
        return n
    }

    // MARK: - Acknowledgement (确认接单) by the link in the SMS

    public enum TokenState: Sendable {
        /// Unused and in time: the outage it is for and who it was sent to.
        case valid(Outage, name: String)
        case used(Outage)
        /// Unknown, forged or expired: nothing is said about any 抢修单.
        case invalid
    }

    /// What the acknowledgement page shows before the button is pressed (reads only).
    public func tokenState(_ token: String) async throws -> TokenState {
        guard Self.looksLikeToken(token) else { return .invalid }
        struct T: Decodable { var outageId: UUID; var userId: UUID; var expiresAt: Date; var usedAt: Date? }
        guard let t = try await store.sql.raw("""
            SELECT outage_id, user_id, expires_at, used_at FROM outage_tokens WHERE token_hash = \(bind: Self.hash(token))
            """).first(decoding: T.self, with: decoder), t.expiresAt > now() else { return .invalid }
        let o = try await outage(t.outageId)
        if t.usedAt != nil { return .used(o) }
        let name = try await StaffDirectory.displayNames([t.userId], sql: store.sql)[t.userId] ?? ""
        return .valid(o, name: name)
    }

    public enum AckResult: Sendable {
        /// This person acknowledged it.
        case acknowledged(Outage)
        /// The link worked, but someone had acknowledged it already (or it was reported done).
        case alreadyTaken(Outage)
    }

    /// Uses the token (once) and acknowledges the 抢修单 if it is still waiting. A token unknown, used
    /// or expired is 404 `outage_link_invalid` and changes nothing.
    public func acknowledge(token: String, requestID: String?, ip: String?) async throws -> AckResult {
        guard Self.looksLikeToken(token) else { throw Problem(.notFound, "outage_link_invalid") }
        let now = now()
        let hash = Self.hash(token)
        let result: (UUID, Bool) = try await store.write { tx in
            struct T: Decodable { var outageId: UUID; var userId: UUID; var level: Int }
            guard let t = try await tx.sql.raw("""
                UPDATE outage_tokens SET used_at = \(bind: now)
                WHERE token_hash = \(bind: hash) AND used_at IS NULL AND expires_at > \(bind: now)
                RETURNING outage_id, user_id, level
                """).first(decoding: T.self, with: SQLRowDecoder.snakeCase)
            else { throw Problem(.notFound, "outage_link_invalid") }
            let name = try await StaffDirectory.displayNames([t.userId], sql: tx.sql)[t.userId] ?? "—"
            struct O: Decodable { var projectId: UUID; var number: String }
            let taken = try await tx.sql.raw("""
                UPDATE outages SET status = 'in_repair', acknowledged_at = \(bind: now), acknowledged_by = \(bind: t.userId), updated_at = \(bind: now)
                WHERE id = \(bind: t.outageId) AND status = 'notifying' RETURNING project_id, number
                """).first(decoding: O.self, with: SQLRowDecoder.snakeCase)
            let context = AuditContext(actorID: t.userId, actorName: name, requestID: requestID, ip: ip)
            if let taken {
                try await Self.event(t.outageId, "acknowledge", level: t.level, ["name": name], actorID: t.userId,
                                     actorName: name, now: now, on: tx)
                try await AuditLog.record(AuditEntry(action: "outage.acknowledge", entity: "outage", entityID: t.outageId.uuidString,
                                                     projectID: taken.projectId, summary: "抢修单 \(taken.number) 确认接单：\(name)"),
                                          context: context, on: tx)
            } else {
                try await AuditLog.record(AuditEntry(action: "outage.acknowledge", entity: "outage", entityID: t.outageId.uuidString,
                                                     summary: "抢修单确认链接已用，但已有人接单", outcome: .denied), context: context, on: tx)
            }
            return (t.outageId, taken != nil)
        }
        let o = try await outage(result.0)
        return result.1 ? .acknowledged(o) : .alreadyTaken(o)
    }

    // MARK: - Done, callbacks, close

    /// Who may report the repair done: the shift lead or supervisor, or the one who acknowledged it.
    static func mayReportDone(_ p: Principal, _ o: Outage) -> Bool {
        p.may(.callCenterManage, on: o.projectId) || (o.acknowledgedBy == p.userID && p.canSee(project: o.projectId))
    }

    static func moveProblem(_ e: OutageMoveError, _ status: OutageStatus, _ action: OutageAction) -> Problem {
        switch e {
        case .callbacksPending(let n): Problem.conflict("outage_callbacks_pending", ["count": "\(n)"])
        case .notAllowed: Problem.conflict("outage_move_not_allowed", ["status": "outage.status.\(status.rawValue)", "move": "outage.action.\(action.rawValue)"])
        }
    }

    /// 报告修复: the escalation stops, and the callback list is built from the owners of the affected units now.
    public func reportDone(_ id: UUID, note raw: String, by p: Principal, context: AuditContext) async throws -> Outage {
        let o = try await outage(id)
        guard Self.mayReportDone(p, o) else { throw Problem.forbidden }
        let note = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if !note.isEmpty, OutageText.clean(note, max: OutageText.noteMax, multiline: true) == nil { throw Problem.invalid("note", "outage_text_invalid") }
        do { _ = try OutageFlow.next(o.outageStatus, .reportDone) } catch { throw Self.moveProblem(error, o.outageStatus, .reportDone) }
        let now = now()
        try await store.audited(context) { tx in
            struct I: Decodable { var id: UUID }
            let moved = try await tx.sql.raw("""
                UPDATE outages SET status = 'callback', done_at = \(bind: now), done_note = \(bind: note), updated_at = \(bind: now)
                WHERE id = \(bind: id) AND status = \(bind: o.status) AND round = \(bind: o.round) RETURNING id
                """).all(decoding: I.self)
            guard !moved.isEmpty else { throw Problem.conflict("outage_changed") }
            try await Self.event(id, "done", note: note, actorID: p.userID, actorName: p.displayName,
                                 now: now, on: tx)
            let n = try await Self.buildCallbacks(o, now: now, on: tx)
            try await Self.event(id, "callback_list", ["n": "\(n)"], actorID: nil, actorName: "", now: now, on: tx)
            return ((), AuditEntry(action: "outage.done", entity: "outage", entityID: id.uuidString, projectID: o.projectId,
                                   summary: "抢修单 \(o.number) 报告修复，回访 \(n) 位业主", before: ["status": o.status], after: ["status": "callback"]))
        }
        return try await outage(id)
    }

    /// One row per owner (a person owning two affected homes is called once, about both).
    static func buildCallbacks(_ o: Outage, now: Date, on tx: any Database) async throws -> Int {
        struct U: Decodable { var unitId: UUID }
        let units = try await tx.sql.raw("SELECT unit_id FROM outage_units WHERE outage_id = \(bind: o.id)")
            .all(decoding: U.self, with: SQLRowDecoder.snakeCase).map(\.unitId)
        let owners = try await LivePurchase.owners(ofUnits: units, sql: tx.sql)
        let contacts = try await CustomerDirectory.contacts(owners.map(\.customerID), sql: tx.sql)
        let codes = try await InventoryService.unitCodes(owners.map(\.unitID), sql: tx.sql)
        var byCustomer: [UUID: [String]] = [:]
        for (u, c) in owners { byCustomer[c, default: []].append(codes[u] ?? "") }
        for (customer, unitCodes) in byCustomer {
            guard let c = contacts[customer] else { continue }
            let sorted = unitCodes.sorted { $0.localizedStandardCompare($1) == .orderedAscending }
            try await tx.sql.insert(into: "outage_callbacks")
                .columns("id", "outage_id", "round", "customer_id", "name", "mobile", "unit_codes", "attempts", "outcome", "note",
                         "last_call_at", "last_by", "last_by_name", "created_at")
                .values(SQLBind(UUID()), SQLBind(o.id), SQLBind(o.round), SQLBind(customer), SQLBind(c.name), SQLBind(c.mobile),
                        SQLBind(sorted.joined(separator: "、")), SQLBind(0), SQLLiteral.null, SQLBind(""), SQLLiteral.null, SQLLiteral.null,
                        SQLBind(""), SQLBind(now))
                .run()
        }
        return byCustomer.keys.filter { contacts[$0] != nil }.count
    }

    /// One call to one owner: answered (restored), no answer (three make them unreachable) or not fixed,
    /// which sends the 抢修单 back to the repair and tells the on-call staff again.
    public func recordCallback(_ id: UUID, callback callbackID: UUID, outcome: OutageCallbackOutcome, note raw: String, by p: Principal,
                               context: AuditContext) async throws -> Outage {
        let o = try await outage(id)
        guard p.may(.callsHandle, on: o.projectId) else { throw Problem.forbidden }
        let note = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if !note.isEmpty, OutageText.clean(note, max: OutageText.noteMax, multiline: true) == nil { throw Problem.invalid("note", "outage_text_invalid") }
        guard o.outageStatus == .callback else {
            throw Problem.conflict("outage_not_in_callback", ["status": "outage.status.\(o.status)"])
        }
        guard let c = try await callbacks(id, round: o.round).first(where: { $0.id == callbackID }) else { throw Problem.notFound }
        let next: OutageCallbackState
        do { next = try c.state.recording(outcome) } catch { throw Problem.conflict("outage_callback_final") }
        let now = now()
        try await store.audited(context) { tx in
            struct I: Decodable { var id: UUID }
            let done = try await tx.sql.raw("""
                UPDATE outage_callbacks SET attempts = \(bind: next.attempts), outcome = \(bind: next.outcome?.rawValue), note = \(bind: note),
                  last_call_at = \(bind: now), last_by = \(bind: p.userID), last_by_name = \(bind: p.displayName)
                WHERE id = \(bind: callbackID) AND attempts = \(bind: c.attempts) AND outcome IS NULL RETURNING id
                """).all(decoding: I.self)
            guard !done.isEmpty else { throw Problem.conflict("outage_changed") }
            let line: String = switch outcome {
            case .answered: "callback_answered"
            case .noAnswer: next.outcome == .unreachable ? "callback_unreachable" : "callback_no_answer"
            case .notFixed: "callback_not_fixed"
            }
            try await Self.event(id, "callback", line: line, ["name": Masking.name(c.name), "units": c.unitCodes, "attempts": "\(next.attempts)"],
                                 note: note, actorID: p.userID,
                                 actorName: p.displayName, now: now, on: tx)
            if outcome == .notFixed {
                let reopened = try await tx.sql.raw("""
                    UPDATE outages SET status = 'in_repair', round = round + 1, done_at = NULL, updated_at = \(bind: now)
                    WHERE id = \(bind: id) AND status = 'callback' AND round = \(bind: o.round) RETURNING id
                    """).all(decoding: I.self)
                guard !reopened.isEmpty else { throw Problem.conflict("outage_changed") }
                let told = try await Self.tellAgain(o, now: now, on: tx)
                try await Self.event(id, "reopen", line: told.isEmpty ? "reopen_nobody" : "reopen", ["people": told.joined(separator: "\n")],
                                     actorID: nil, actorName: "", now: now, on: tx)
            }
            return ((), AuditEntry(action: "outage.callback", entity: "outage", entityID: id.uuidString, projectID: o.projectId,
                                   summary: "抢修单 \(o.number) 回访 \(Masking.name(c.name))：\(outcome.rawValue)",
                                   after: ["outcome": outcome.rawValue, "attempts": "\(next.attempts)"]))
        }
        return try await outage(id)
    }

    /// After "not fixed": whoever acknowledged, else the first on the on-call list, gets an SMS.
    static func tellAgain(_ o: Outage, now: Date, on tx: any Database) async throws -> [String] {
        var people: [(String, String?)] = []
        if let a = o.acknowledgedBy {
            let name = try await StaffDirectory.displayNames([a], sql: tx.sql)[a] ?? "—"
            people.append((name, try await StaffDirectory.mobile(of: a, sql: tx.sql)))
        } else if let first = try await onCallList(o.projectId, o.dept, sql: tx.sql).members.first {
            people.append((first.name, first.mobile))
        }
        var told: [String] = []
        for (name, mobile) in people {
            guard let mobile, MobileNumber.isValid(mobile) else { continue }
            try await Outbox.enqueue(OutboxDraft(channel: .sms, recipient: mobile, template: "outage.reopened",
                                                 params: ["number": o.number, "area": o.areaLabel, "title": o.title],
                                                 projectID: o.projectId, reference: "outage:\(o.id)"), now: now, on: tx.sql)
            told.append(name)
        }
        return told
    }

    /// 关闭: refused while any owner on the list has no outcome.
    public func close(_ id: UUID, by p: Principal, context: AuditContext) async throws -> Outage {
        let o = try await outage(id)
        guard p.may(.callsHandle, on: o.projectId) else { throw Problem.forbidden }
        let list = try await callbacks(id, round: o.round)
        do { _ = try OutageFlow.close(o.outageStatus, callbacks: list.map(\.state)) } catch { throw Self.moveProblem(error, o.outageStatus, .close) }
        let now = now()
        let answered = list.filter { $0.state.outcome == .answered }.count, unreachable = list.filter { $0.state.outcome == .unreachable }.count
        try await store.audited(context) { tx in
            struct I: Decodable { var id: UUID }
            let done = try await tx.sql.raw("""
                UPDATE outages SET status = 'closed', closed_at = \(bind: now), updated_at = \(bind: now)
                WHERE id = \(bind: id) AND status = 'callback' AND round = \(bind: o.round)
                  AND NOT EXISTS (SELECT 1 FROM outage_callbacks c WHERE c.outage_id = \(bind: id) AND c.round = \(bind: o.round) AND c.outcome IS NULL)
                RETURNING id
                """).all(decoding: I.self)
            guard !done.isEmpty else { throw Problem.conflict("outage_changed") }
            try await Self.event(id, "close", ["n": "\(list.count)", "answered": "\(answered)", "unreachable": "\(unreachable)"], actorID: p.userID,
                                 actorName: p.displayName, now: now, on: tx)
            return ((), AuditEntry(action: "outage.close", entity: "outage", entityID: id.uuidString, projectID: o.projectId,
                                   summary: "抢修单 \(o.number) 关闭", before: ["status": o.status], after: ["status": "closed"]))
        }
        return try await outage(id)
    }
}
