import Crypto
import EstateCore
import Foundation
import SQLKit

/// 报备: a channel registers a customer by mobile (full, or masked where the rule allows); the
/// registration is judged in one transaction against the project's customers (asked of
/// `CustomerService`), the call centre's hotline calls (`CallService`), the live registrations of
/// other channels and the rule version in force. The first valid registration wins, enforced by
/// the partial unique index `channel_registrations_holding_uidx`; a conflict is refused with its
/// reason or queued for the channel manager. The facts, evidence and verdict are stored, so the
/// verdict can be replayed on appeal.
public struct RegistrationService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let channels: ChannelService
    let customers: CustomerService
    let calls: CallService
    let tokenKey: SymmetricKey
    /// How long a visit QR code is good for once shown.
    var tokenLifetime: TimeInterval = 2 * 3600

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    public struct Draft: Sendable {
        public var projectID: UUID
        public var channelID: UUID
        public var mobile: String
        public var customerName: String
        public var note: String = ""
        /// 老带新: the owner who recommended the customer, who earns the referrer bonus.
        public var referrer: String = ""
        public init(projectID: UUID, channelID: UUID, mobile: String, customerName: String) {
            self.projectID = projectID; self.channelID = channelID; self.mobile = mobile; self.customerName = customerName
        }
    }

    public struct Registration: Decodable, Sendable {
        public var id: UUID
        public var number: String
        public var projectId: UUID
        public var channelId: UUID
        public var brokerId: UUID
        public var customerName: String
        public var mobile: String?
        public var masked: String
        public var lockKey: String
        public var status: String
        public var reason: String?
        public var ruleId: UUID
        public var ruleVersion: Int
        public var facts: String
        public var verdict: String
        public var validUntil: Date?
        public var visitedAt: Date?
        public var visitUntil: Date?
        public var visitConfirmedBy: UUID?
        public var customerId: UUID?
        public var remindedAt: Date?
        public var lapsedAt: Date?
        public var decidedBy: UUID?
        public var decidedAt: Date?
        public var decisionNote: String?
        public var note: String
        public var referrer: String? = nil
        public var createdAt: Date
        public var updatedAt: Date
        /// Filled after the read.
        public var channelName: String? = nil
        public var channelKind: String? = nil
        public var brokerName: String? = nil

        public var state: RegistrationStatus { RegistrationStatus(rawValue: status) ?? .refused }
        public var registeredNumber: RegisteredNumber {
            if let mobile { return .full(mobile) }
            return RegisteredNumber.parse(masked) ?? .full(masked)
        }
        /// The mobile as `viewer` may see it: full only to the broker who registered it.
        public func mobile(for viewer: UUID) -> String { viewer == brokerId ? (mobile ?? masked) : masked }
        public var storedVerdict: Verdict? { try? JSONDecoder().decode(Verdict.self, from: Data(verdict.utf8)) }
        public var storedFacts: Judged? { try? JSONDecoder().decode(Judged.self, from: Data(facts.utf8)) }
    }

    /// What the judge saw: kept with the registration for the replay.
    public struct Judged: Codable, Sendable {
        public var facts: RegistrationFacts
        public var evidence: RegistrationEvidence
    }

    static func json(_ v: some Encodable) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try e.encode(v), as: UTF8.self)
    }

    // MARK: Evidence from the customers and the call centre

    struct CustomerEvidence: Sendable {
        var owner: RegistrationEvidence.Owner?
        var walkIns: [Date] = []
        var calls: [Date] = []
    }

    /// The customer's own history in the project, asked of its owners (never their tables).
    func customerEvidence(_ number: RegisteredNumber, projectID: UUID) async throws -> CustomerEvidence {
        var records: [CustomerService.Record] = []
        switch number {
        case .full(let m):
            if let r = try await customers.find(mobile: m, in: projectID) { records = [r] }
        case .masked(let prefix, let suffix):
            records = try await customers.find(suffix: suffix, in: projectID, limit: 20).filter { $0.mobile.hasPrefix(prefix) }
        }
        var e = CustomerEvidence()
        let at = now()
        for r in records where r.ownerID != nil && (r.protectedUntil ?? .distantPast) > at {
            e.owner = .init(name: r.ownerName ?? "", since: r.ownedSince, protectedUntil: r.protectedUntil)
            break
        }
        if !records.isEmpty {
            e.walkIns = try await customers.contacts(of: records.map(\.id), limit: 50).filter { $0.kind == CustomerService.ContactKind.visit.rawValue }
                .map(\.occurredAt)
        }
        let mobiles = number.full.map { [$0] } ?? records.prefix(5).map(\.mobile)
        for m in mobiles {
            e.calls += try await calls.recent(number: m, projects: [projectID], limit: 20).filter { $0.direction == "inbound" }.map(\.offeredAt)
        }
        return e
    }

    // MARK: Registering

    public func register(_ d: Draft, by principal: Principal, context: AuditContext) async throws -> Registration {
        var bad: [Problem.FieldError] = []
        let number = RegisteredNumber.parse(d.mobile)
        if number == nil { bad.append(.init(field: "mobile", code: "registration_mobile_invalid")) }
        let name = d.customerName.trimmingCharacters(in: .whitespaces)
        if !Text.isCleanLine(name, maxLength: 40) { bad.append(.init(field: "customerName", code: "customer_name_invalid")) }
        if d.note.count > 500 || d.note.contains("\u{0}") { bad.append(.init(field: "note", code: "too_long", arguments: ["limit": "500"])) }
        let referrer = d.referrer.trimmingCharacters(in: .whitespaces)
        if !referrer.isEmpty, !Text.isCleanLine(referrer, maxLength: 40) { bad.append(.init(field: "referrer", code: "referrer_invalid")) }
        guard bad.isEmpty, let number else { throw Problem.invalid(bad) }
        let channel: ChannelService.Channel
        do { channel = try await channels.channel(d.channelID) } catch { throw Problem.invalid("channelId", "channel_not_found") }
        if let b = try await channels.broker(principal.userID) {
            guard b.channelId == channel.id else { throw Problem(.forbidden, "registration_channel_not_yours") }
        } else if principal.roles(on: d.projectID).isDisjoint(with: [.channelManager, .channelStaff, .gm]) {
            throw Problem(.forbidden, "broker_not_linked")
        }
        guard let rule = try await channels.currentRule(projectID: d.projectID, kind: channel.channelKind) else {
            throw Problem.conflict("channel_rule_missing", ["kind": channel.kind])
        }
        let evidence = try await customerEvidence(number, projectID: d.projectID)
        let id = UUID(), at = now()
        let engine = store.engine
        let channelSvc = self.channels
        try await store.audited(context) { tx in
            let sql = tx.sql
            if engine == .postgres {
                // Registrations of one number shape in a project, one at a time: a masked and a full number
                // lock different index keys, so their collision is decided under this lock.
                try await sql.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: "channel_reg:\(d.projectID.uuidString):\(number.maskedForm)")))").run()
            }
            try await Self.lapseDue(projectID: d.projectID, masked: number.maskedForm, at: at, on: sql)
            let agreement = try await channelSvc.agreementCovers(channel.id, projectID: d.projectID, day: CalendarDay(at), on: sql)
            let today = try await Self.brokerCount(principal.userID, since: CalendarDay(at).start, on: sql)
            let lapse = try await Self.lastLapse(channel.id, projectID: d.projectID, number: number, on: sql)
            let facts = RegistrationFacts(at: at, channelID: channel.id, channelKind: channel.channelKind, number: number,
                                          agreementValid: agreement, brokerToday: today, lastLapse: lapse)
            func judged() async throws -> (Judged, Verdict) {
                let claims = try await Self.claims(projectID: d.projectID, masked: number.maskedForm, on: sql)
                let ev = RegistrationEvidence(owner: evidence.owner, walkIns: evidence.walkIns, hotlineCalls: evidence.calls, claims: claims)
                return (Judged(facts: facts, evidence: ev), RegistrationJudge.judge(facts, ev, rule.rule))
            }
            var (j, verdict) = try await judged()
            if verdict.outcome == .refused, let broken = verdict.steps.first(where: { $0.result == .fail }) {
                // A hard rule (agreement dates, masked numbers, cap, cooldown): refused with the rule named, nothing stored.
                throw Problem(.unprocessableEntity, verdict.reason ?? "registration_refused",
                              arguments: broken.detail.merging(["rule": "v\(rule.rule.version)", "check": broken.check.rawValue]) { a, _ in a })
            }
            let docNumber = try await DocumentNumbers.next("BB", projectID: d.projectID, on: tx)
            func insert(_ v: Verdict, _ j: Judged) async throws -> Bool {
                let status: RegistrationStatus = switch v.outcome {
                case .accepted: v.holds ? .protected : .pending
                case .queued: .queued
                case .refused: .refused
                }
                let conflict: SQLQueryString = status.holds ? " ON CONFLICT DO NOTHING" : ""
                struct I: Decodable { var id: UUID }
                let factsJSON = try Self.json(j), verdictJSON = try Self.json(v)
                let rows = try await sql.raw("""
                    INSERT INTO channel_registrations (id, number, project_id, channel_id, broker_id, customer_name, mobile, masked, lock_key,
                    status, reason, rule_id, rule_version, facts, verdict, valid_until, note, referrer, created_at, updated_at) VALUES (\(bind: id),
                    \(bind: docNumber), \(bind: d.projectID), \(bind: channel.id), \(bind: principal.userID), \(bind: name), \(bind: number.full),
                    \(bind: number.maskedForm), \(bind: number.lockKey), \(bind: status.rawValue), \(bind: v.reason), \(bind: rule.id),
                    \(bind: rule.rule.version), \(bind: factsJSON), \(bind: verdictJSON), \(bind: v.validUntil), \(bind: d.note), \(bind: referrer.isEmpty ? nil : referrer),
                    \(bind: at), \(bind: at))\(conflict) RETURNING id
                    """).all(decoding: I.self)
                return !rows.isEmpty
            }
            if !verdict.displaces.isEmpty {
                try await sql.update("channel_registrations").set("status", to: SQLBind(RegistrationStatus.overruled.rawValue))
                    .set("decision_note", to: SQLBind("full_wins")).set("updated_at", to: SQLBind(at))
                    .where("id", .in, SQLBind.group(verdict.displaces)).where("status", .equal, SQLBind(RegistrationStatus.protected.rawValue)).run()
            }
            if try await !insert(verdict, j) {
                // Another registration took the number between our read and our insert (it committed
                // while we waited on its index entry): judged again, it is now a claim.
                (j, verdict) = try await judged()
                guard try await insert(verdict, j) else { throw Problem.conflict("registration_taken") }
            }
            return ((), AuditEntry(action: "registration.create", entity: "registration", entityID: id.uuidString, projectID: d.projectID,
                                   summary: "报备 \(docNumber) \(Masking.name(name)) \(number.maskedForm) by \(channel.name): \(verdict.outcome.rawValue)",
                                   after: ["outcome": verdict.outcome.rawValue, "reason": verdict.reason ?? "", "rule": "v\(rule.rule.version)",
                                           "displaces": verdict.displaces.map(\.uuidString).joined(separator: ",")]))
        }
        return try await registration(id)
    }

    static func lapseDue(projectID: UUID, masked: String, at: Date, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            UPDATE channel_registrations SET status = 'lapsed', lapsed_at = \(bind: at), updated_at = \(bind: at)
            WHERE project_id = \(bind: projectID) AND masked = \(bind: masked) AND (
              (status IN ('protected', 'pending') AND valid_until < \(bind: at)) OR (status = 'visited' AND visit_until < \(bind: at)))
            """).run()
    }

    static func brokerCount(_ brokerID: UUID, since: Date, on sql: any SQLDatabase) async throws -> Int {
        struct N: Decodable { var n: Int }
        return try await sql.raw("""
            SELECT COUNT(*) AS n FROM channel_registrations WHERE broker_id = \(bind: brokerID) AND created_at >= \(bind: since) AND status <> 'refused'
            """).first(decoding: N.self)?.n ?? 0
    }

    static func lastLapse(_ channelID: UUID, projectID: UUID, number: RegisteredNumber, on sql: any SQLDatabase) async throws -> Date? {
        struct L: Decodable { var lapsedAt: Date?; var mobile: String?; var masked: String }
        let rows = try await sql.raw("""
            SELECT lapsed_at, mobile, masked FROM channel_registrations WHERE project_id = \(bind: projectID) AND masked = \(bind: number.maskedForm)
            AND channel_id = \(bind: channelID) AND status = 'lapsed' ORDER BY lapsed_at DESC LIMIT 20
            """).all(decoding: L.self, with: SQLRowDecoder.snakeCase)
        return rows.first { r in (r.mobile.map { RegisteredNumber.full($0) } ?? RegisteredNumber.parse(r.masked))?.mayBe(number) ?? false }?.lapsedAt
    }

    /// Live registrations of the number's shape in the project, as the judge sees them.
    static func claims(projectID: UUID, masked: String, on sql: any SQLDatabase) async throws -> [RegistrationEvidence.Claim] {
        struct C: Decodable { var id: UUID; var channelId: UUID; var name: String; var mobile: String?; var masked: String; var createdAt: Date
                              var visitedAt: Date?; var status: String }
        let live = RegistrationStatus.live.map(\.rawValue)
        return try await sql.raw("""
            SELECT r.id, r.channel_id, c.name, r.mobile, r.masked, r.created_at, r.visited_at, r.status
            FROM channel_registrations r JOIN channels c ON c.id = r.channel_id
            WHERE r.project_id = \(bind: projectID) AND r.masked = \(bind: masked) AND r.status IN \(SQLBind.group(live))
            ORDER BY r.created_at, r.id
            """).all(decoding: C.self, with: SQLRowDecoder.snakeCase).map { c in
            let n: RegisteredNumber = c.mobile.map { .full($0) } ?? RegisteredNumber.parse(c.masked) ?? .full(c.masked)
            return .init(id: c.id, channelID: c.channelId, channelName: c.name, number: n, at: c.createdAt, visitedAt: c.visitedAt,
                         state: RegistrationStatus(rawValue: c.status)?.holds == true ? .holding : .pending)
        }
    }

    // MARK: Reading

    public func registration(_ id: UUID) async throws -> Registration {
        guard let r = try await named(store.sql.raw("SELECT * FROM channel_registrations WHERE id = \(bind: id)")
            .all(decoding: Registration.self, with: decoder)).first else { throw Problem.notFound }
        return r
    }

    public func registration(number: String, projectID: UUID) async throws -> Registration {
        guard let r = try await named(store.sql.raw("""
            SELECT * FROM channel_registrations WHERE project_id = \(bind: projectID) AND number = \(bind: number.trimmingCharacters(in: .whitespaces).uppercased())
            """).all(decoding: Registration.self, with: decoder)).first else { throw Problem.notFound }
        return r
    }

    func named(_ rows: [Registration]) async throws -> [Registration] {
        guard !rows.isEmpty else { return rows }
        var rows = rows
        let list = try await channels.list(projectID: nil)
        let byID = Dictionary(list.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let names = try await StaffDirectory.displayNames(Array(Set(rows.map(\.brokerId))), sql: store.sql)
        for i in rows.indices {
            rows[i].channelName = byID[rows[i].channelId]?.name
            rows[i].channelKind = byID[rows[i].channelId]?.kind
            rows[i].brokerName = names[rows[i].brokerId]
        }
        return rows
    }

    public struct Filter: Sendable {
        public var status: RegistrationStatus?
        /// Only this broker's registrations (a broker's own view).
        public var brokerID: UUID?
        public var channelID: UUID?
        public init() {}
    }

    public func list(_ projectID: UUID, _ f: Filter, page: PageRequest) async throws -> Paged<Registration> {
        var cond: SQLQueryString = "project_id = \(bind: projectID)"
        if let s = f.status { cond = "\(cond) AND status = \(bind: s.rawValue)" }
        if let b = f.brokerID { cond = "\(cond) AND broker_id = \(bind: b)" }
        if let c = f.channelID { cond = "\(cond) AND channel_id = \(bind: c)" }
        struct N: Decodable { var n: Int }
        let total = try await store.sql.raw("SELECT COUNT(*) AS n FROM channel_registrations WHERE \(cond)").first(decoding: N.self)?.n ?? 0
        let rows = try await store.sql.raw("""
            SELECT * FROM channel_registrations WHERE \(cond) ORDER BY created_at DESC, id LIMIT \(bind: page.perPage) OFFSET \(bind: page.offset)
            """).all(decoding: Registration.self, with: decoder)
        return Paged(items: try await named(rows), page: page.page, perPage: page.perPage, total: total)
    }

    /// Whether `principal` may read the registration: the channel manager of its project, or the
    /// broker who made it. Anyone else gets 404 (never 403: the id tells nothing).
    public static func visible(_ r: Registration, to p: Principal) -> Bool {
        p.canSee(project: r.projectId) && (p.may(.channelsManage, on: r.projectId) || r.brokerId == p.userID)
    }

    /// The QR code text the broker shows at the sales site, while the registration may still be visited.
    public func visitToken(_ r: Registration) -> (token: String, expires: Date)? {
        guard r.state.visitable, let until = r.validUntil, until > now() else { return nil }
        let expires = min(until, now().addingTimeInterval(tokenLifetime))
        return (VisitToken.make(r.id, expires: expires, key: tokenKey), expires)
    }

    // MARK: The decision queue and the replay

    /// The channel manager's decision on a queued registration: award (it takes the number; live
    /// claims of the same number are overruled, named in the audit line) or refuse.
    public func decide(_ id: UUID, award: Bool, note: String, by principal: Principal, context: AuditContext) async throws -> Registration {
        let r = try await registration(id)
        guard principal.may(.channelsManage, on: r.projectId) else { throw Problem.forbidden }
        guard r.state == .queued else { throw Problem.conflict("registration_not_queued", ["status": r.status]) }
        guard note.count <= 500, !note.contains("\u{0}") else { throw Problem.invalid("note", "too_long") }
        let rule = try await channels.rule(r.ruleId)
        let at = now(), engine = store.engine
        let number = r.registeredNumber
        try await store.audited(context) { tx in
            let sql = tx.sql
            var overruled: [UUID] = []
            let status: RegistrationStatus
            if award {
                if engine == .postgres {
                    try await sql.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: "channel_reg:\(r.projectId.uuidString):\(r.masked)")))").run()
                }
                try await Self.lapseDue(projectID: r.projectId, masked: r.masked, at: at, on: sql)
                overruled = try await Self.claims(projectID: r.projectId, masked: r.masked, on: sql).filter { $0.id != id && $0.number.mayBe(number) }.map(\.id)
                if !overruled.isEmpty {
                    try await sql.update("channel_registrations").set("status", to: SQLBind(RegistrationStatus.overruled.rawValue))
                        .set("decided_by", to: SQLBind(principal.userID)).set("decided_at", to: SQLBind(at))
                        .set("decision_note", to: SQLBind("overruled by \(r.number)")).set("updated_at", to: SQLBind(at))
                        .where("id", .in, SQLBind.group(overruled)).run()
                }
                status = rule.rule.mode == .visitFirst ? .pending : .protected
            } else {
                status = .refused
            }
            struct I: Decodable { var id: UUID }
            let done = try await sql.update("channel_registrations").set("status", to: SQLBind(status.rawValue))
                .set("valid_until", to: SQLBind(award ? at.addingTimeInterval(Double(rule.rule.validityHours) * 3600) : nil))
                .set("decided_by", to: SQLBind(principal.userID)).set("decided_at", to: SQLBind(at)).set("decision_note", to: SQLBind(note))
                .set("updated_at", to: SQLBind(at))
                .where("id", .equal, id).where("status", .equal, RegistrationStatus.queued.rawValue).returning("id").all(decoding: I.self)
            guard !done.isEmpty else { throw Problem.conflict("registration_not_queued") }
            return ((), AuditEntry(action: "registration.decide", entity: "registration", entityID: id.uuidString, projectID: r.projectId,
                                   summary: "报备 \(r.number) \(award ? "awarded" : "refused") by decision",
                                   before: ["status": r.status],
                                   after: ["status": status.rawValue, "overruled": overruled.map(\.uuidString).joined(separator: ","), "note": note]))
        }
        return try await registration(id)
    }

    public struct Replay: Sendable {
        public var stored: Verdict
        public var replayed: Verdict
        public var rule: ChannelRule
        public var judged: Judged
        public var same: Bool { stored == replayed }
    }

    /// The verdict judged again from the stored facts, evidence and rule version (申诉复核).
    public func replay(_ r: Registration) async throws -> Replay {
        guard let stored = r.storedVerdict, let judged = r.storedFacts else { throw Problem(.internalServerError, "internal_error") }
        let rule = try await channels.rule(r.ruleId).rule
        return Replay(stored: stored, replayed: RegistrationJudge.judge(judged.facts, judged.evidence, rule), rule: rule, judged: judged)
    }
}
