import EstateCore
import Foundation
import SQLKit

/// Channels (渠道): agencies, referral brokers, outbound teams, enterprise outreach, online; their
/// cooperation agreements per project (with dates), their brokers (users of role `agent`), and the
/// 报备 rules per project and channel kind, a new version for every change.
public struct ChannelService: Sendable {
    let store: Store
    let now: @Sendable () -> Date

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    public struct Channel: Decodable, Sendable {
        public var id: UUID
        public var name: String
        public var kind: String
        public var contactName: String
        public var contactMobile: String?
        public var note: String
        public var createdAt: Date
        public var channelKind: ChannelKind { ChannelKind(rawValue: kind) ?? .agency }
    }

    public struct Agreement: Decodable, Sendable {
        public var id: UUID
        public var channelId: UUID
        public var projectId: UUID
        public var startsOn: String
        public var endsOn: String
        public var terms: String
        public func covers(_ day: CalendarDay) -> Bool { startsOn <= day.description && day.description <= endsOn }
    }

    public struct Broker: Decodable, Sendable {
        public var channelId: UUID
        public var userId: UUID
        public var displayName: String? = nil
    }

    public struct Draft: Sendable {
        public var name: String
        public var kind: ChannelKind
        public var contactName: String = ""
        public var contactMobile: String?
        public var note: String = ""
        public init(name: String, kind: ChannelKind) { self.name = name; self.kind = kind }
    }

    public func create(_ d: Draft, by actor: UUID?, context: AuditContext) async throws -> Channel {
        var bad: [Problem.FieldError] = []
        let name = d.name.trimmingCharacters(in: .whitespaces)
        if !Text.isCleanLine(name, maxLength: 60) { bad.append(.init(field: "name", code: "channel_name_invalid")) }
        if !d.contactName.isEmpty && !Text.isCleanLine(d.contactName, maxLength: 40) { bad.append(.init(field: "contactName", code: "channel_contact_invalid")) }
        var mobile: String?
        if let m = d.contactMobile, !m.isEmpty {
            if let n = MobileNumber.normalized(m) { mobile = n } else { bad.append(.init(field: "contactMobile", code: "mobile_invalid")) }
        }
        if d.note.count > 500 || d.note.contains("\u{0}") { bad.append(.init(field: "note", code: "too_long", arguments: ["limit": "500"])) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        struct I: Decodable { var id: UUID }
        if try await store.sql.raw("SELECT id FROM channels WHERE name = \(bind: name)").first(decoding: I.self) != nil {
            throw Problem.conflict("channel_exists", ["name": name])
        }
        let id = UUID(), at = now(), contactMobile = mobile
        try await store.audited(context) { tx in
            try await tx.sql.insert(into: "channels").columns("id", "name", "kind", "contact_name", "contact_mobile", "note", "created_by", "created_at", "updated_at")
                .values(SQLBind(id), SQLBind(name), SQLBind(d.kind.rawValue), SQLBind(d.contactName), SQLBind(contactMobile), SQLBind(d.note),
                        SQLBind(actor), SQLBind(at), SQLBind(at)).run()
            return ((), AuditEntry(action: "channel.create", entity: "channel", entityID: id.uuidString,
                                   summary: "channel \(name) (\(d.kind.rawValue))", after: ["name": name, "kind": d.kind.rawValue]))
        }
        return try await channel(id)
    }

    public func channel(_ id: UUID) async throws -> Channel {
        guard let c = try await store.sql.raw("SELECT * FROM channels WHERE id = \(bind: id)").first(decoding: Channel.self, with: decoder)
        else { throw Problem.notFound }
        return c
    }

    /// Channels with an agreement on the project (any dates), or every channel when `projectID` is nil.
    public func list(projectID: UUID?, kind: ChannelKind? = nil) async throws -> [Channel] {
        var cond: SQLQueryString = "1 = 1"
        if let projectID { cond = "\(cond) AND id IN (SELECT channel_id FROM channel_agreements WHERE project_id = \(bind: projectID))" }
        if let kind { cond = "\(cond) AND kind = \(bind: kind.rawValue)" }
        return try await store.sql.raw("SELECT * FROM channels WHERE \(cond) ORDER BY kind, name LIMIT 1000").all(decoding: Channel.self, with: decoder)
    }

    public func agreements(channelIDs: [UUID], projectID: UUID?) async throws -> [Agreement] {
        guard !channelIDs.isEmpty else { return [] }
        let p: SQLQueryString = projectID.map { "AND project_id = \(bind: $0)" } ?? ""
        return try await store.sql.raw("""
            SELECT id, channel_id, project_id, starts_on, ends_on, terms FROM channel_agreements
            WHERE channel_id IN \(SQLBind.group(channelIDs)) \(p) ORDER BY starts_on
            """).all(decoding: Agreement.self, with: decoder)
    }

    public func addAgreement(_ channelID: UUID, projectID: UUID, startsOn: String, endsOn: String, terms: String, by actor: UUID?,
                             context: AuditContext) async throws -> Agreement {
        let c = try await channel(channelID)
        var bad: [Problem.FieldError] = []
        guard let from = CalendarDay(startsOn) else { throw Problem.invalid("startsOn", "date_invalid") }
        guard let to = CalendarDay(endsOn) else { throw Problem.invalid("endsOn", "date_invalid") }
        if to < from { bad.append(.init(field: "endsOn", code: "agreement_dates_invalid")) }
        if from.days(until: to) > 3660 { bad.append(.init(field: "endsOn", code: "agreement_dates_invalid")) }
        if terms.count > 2000 || terms.contains("\u{0}") { bad.append(.init(field: "terms", code: "too_long", arguments: ["limit": "2000"])) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let id = UUID(), at = now()
        try await store.audited(context) { tx in
            try await tx.sql.insert(into: "channel_agreements").columns("id", "channel_id", "project_id", "starts_on", "ends_on", "terms", "created_by", "created_at")
                .values(SQLBind(id), SQLBind(channelID), SQLBind(projectID), SQLBind(from.description), SQLBind(to.description), SQLBind(terms),
                        SQLBind(actor), SQLBind(at)).run()
            return ((), AuditEntry(action: "channel.agreement", entity: "channel", entityID: channelID.uuidString, projectID: projectID,
                                   summary: "agreement of \(c.name) \(from)–\(to)", after: ["startsOn": from.description, "endsOn": to.description]))
        }
        return Agreement(id: id, channelId: channelID, projectId: projectID, startsOn: from.description, endsOn: to.description, terms: terms)
    }

    /// Whether the channel's agreement with the project covers `day`.
    func agreementCovers(_ channelID: UUID, projectID: UUID, day: CalendarDay, on sql: any SQLDatabase) async throws -> Bool {
        struct N: Decodable { var n: Int }
        return try await sql.raw("""
            SELECT COUNT(*) AS n FROM channel_agreements WHERE channel_id = \(bind: channelID) AND project_id = \(bind: projectID)
            AND starts_on <= \(bind: day.description) AND ends_on >= \(bind: day.description)
            """).first(decoding: N.self).map { $0.n > 0 } ?? false
    }

    // MARK: Brokers

    /// Links a user (role `agent` on some project) to the channel; a user belongs to one channel.
    public func addBroker(_ channelID: UUID, userID: UUID, context: AuditContext) async throws -> Broker {
        let c = try await channel(channelID)
        guard try await StaffDirectory.exists(userID, sql: store.sql) else { throw Problem.invalid("userId", "user_not_found") }
        if let existing = try await broker(userID) {
            throw Problem.conflict("broker_linked", ["channel": existing.channelId == channelID ? c.name : "other"])
        }
        let at = now()
        try await store.audited(context) { tx in
            try await tx.sql.insert(into: "channel_brokers").columns("id", "channel_id", "user_id", "created_at")
                .values(SQLBind(UUID()), SQLBind(channelID), SQLBind(userID), SQLBind(at)).run()
            return ((), AuditEntry(action: "channel.broker", entity: "channel", entityID: channelID.uuidString,
                                   summary: "broker linked to \(c.name)", after: ["userId": userID.uuidString]))
        }
        return Broker(channelId: channelID, userId: userID)
    }

    /// The channel a user is a broker of, if any.
    public func broker(_ userID: UUID) async throws -> Broker? {
        try await store.sql.raw("SELECT channel_id, user_id FROM channel_brokers WHERE user_id = \(bind: userID)")
            .first(decoding: Broker.self, with: decoder)
    }

    public func brokers(of channelIDs: [UUID]) async throws -> [Broker] {
        guard !channelIDs.isEmpty else { return [] }
        var rows = try await store.sql.raw("SELECT channel_id, user_id FROM channel_brokers WHERE channel_id IN \(SQLBind.group(channelIDs))")
            .all(decoding: Broker.self, with: decoder)
        let names = try await StaffDirectory.displayNames(rows.map(\.userId), sql: store.sql)
        for i in rows.indices { rows[i].displayName = names[rows[i].userId] }
        return rows.sorted { ($0.displayName ?? "") < ($1.displayName ?? "") }
    }

    // MARK: Rules

    public struct RuleVersion: Sendable {
        public var id: UUID
        public var projectID: UUID
        public var kind: ChannelKind
        public var rule: ChannelRule
        public var createdAt: Date
    }

    struct RuleRow: Decodable { var id: UUID; var projectId: UUID; var channelKind: String; var version: Int; var rule: String; var createdAt: Date }

    static func decode(_ r: RuleRow) throws -> RuleVersion {
        var rule = try JSONDecoder().decode(ChannelRule.self, from: Data(r.rule.utf8))
        rule.version = r.version
        return RuleVersion(id: r.id, projectID: r.projectId, kind: ChannelKind(rawValue: r.channelKind) ?? .agency, rule: rule, createdAt: r.createdAt)
    }

    /// A new version of the project's rule for `kind` (version = last + 1; two at once: one fails and is retried).
    public func putRule(_ rule: ChannelRule, kind: ChannelKind, projectID: UUID, by actor: UUID?, context: AuditContext) async throws -> RuleVersion {
        let bad = rule.problems()
        guard bad.isEmpty else { throw Problem.invalid(bad.map { .init(field: $0.field, code: $0.problem.rawValue) }) }
        let id = UUID(), at = now()
        let version: Int = try await store.audited(context) { tx in
            struct V: Decodable { var v: Int? }
            let last = try await tx.sql.raw("""
                SELECT MAX(version) AS v FROM channel_rules WHERE project_id = \(bind: projectID) AND channel_kind = \(bind: kind.rawValue)
                """).first(decoding: V.self)?.v ?? 0
            var r = rule
            r.version = last + 1
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let text = String(decoding: try encoder.encode(r), as: UTF8.self)
            // The unique (project, kind, version) refuses a concurrent writer of the same version.
            try await tx.sql.insert(into: "channel_rules").columns("id", "project_id", "channel_kind", "version", "rule", "created_by", "created_at")
                .values(SQLBind(id), SQLBind(projectID), SQLBind(kind.rawValue), SQLBind(r.version), SQLBind(text), SQLBind(actor), SQLBind(at)).run()
            return (r.version, AuditEntry(action: "channel_rule.create", entity: "channel_rule", entityID: id.uuidString, projectID: projectID,
                                          summary: "报备 rule \(kind.rawValue) v\(r.version)",
                                          after: ["kind": kind.rawValue, "version": "\(r.version)", "mode": r.mode.rawValue]))
        }
        _ = version
        return try await self.rule(id)
    }

    public func rule(_ id: UUID) async throws -> RuleVersion {
        guard let r = try await store.sql.raw("SELECT id, project_id, channel_kind, version, rule, created_at FROM channel_rules WHERE id = \(bind: id)")
            .first(decoding: RuleRow.self, with: decoder) else { throw Problem.notFound }
        return try Self.decode(r)
    }

    /// The version in force for the project and kind, if any.
    public func currentRule(projectID: UUID, kind: ChannelKind) async throws -> RuleVersion? {
        try await store.sql.raw("""
            SELECT id, project_id, channel_kind, version, rule, created_at FROM channel_rules
            WHERE project_id = \(bind: projectID) AND channel_kind = \(bind: kind.rawValue) ORDER BY version DESC LIMIT 1
            """).first(decoding: RuleRow.self, with: decoder).map(Self.decode)
    }

    /// Every version of the project's rules, newest first per kind.
    public func rules(projectID: UUID, kind: ChannelKind? = nil) async throws -> [RuleVersion] {
        let k: SQLQueryString = kind.map { "AND channel_kind = \(bind: $0.rawValue)" } ?? ""
        return try await store.sql.raw("""
            SELECT id, project_id, channel_kind, version, rule, created_at FROM channel_rules
            WHERE project_id = \(bind: projectID) \(k) ORDER BY channel_kind, version DESC LIMIT 500
            """).all(decoding: RuleRow.self, with: decoder).map(Self.decode)
    }
}
