import Crypto
import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 抢修单 (issue 16 point 4): every change is a conditional update on the state it was read in,
/// with its timeline line, its SMS (outbox) and its audit line in one transaction. Staff come from
/// `StaffDirectory`, units from `InventoryService`, owners from `LivePurchase` and their names and
/// mobiles from `CustomerDirectory`.
public struct OutageService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    /// Where links in SMS point: `ESTATE_PUBLIC_URL`, else this server's own address.
    let linkBase: String
    /// Buildings and their units (Inventory's).
    let inventory: InventoryService

    public typealias Department = TicketService.Department

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    /// How long an acknowledgement link works.
    static let tokenLifetime: TimeInterval = 24 * 3600
    /// Furthest expected restore time accepted.
    static let maxRestore: TimeInterval = 30 * 86_400

    // MARK: - Records

    public struct Outage: Decodable, Sendable {
        public var id: UUID
        public var projectId: UUID
        public var number: String
        public var department: String
        public var scope: String
        public var buildingId: UUID?
        public var entrance: Int?
        public var areaLabel: String
        public var title: String
        public var description: String
        public var expectedRestoreAt: Date
        public var status: String
        public var level: Int
        public var levelStartedAt: Date
        public var ackMinutes: Int
        public var acknowledgedAt: Date?
        public var acknowledgedBy: UUID?
        public var doneAt: Date?
        public var doneNote: String
        public var closedAt: Date?
        public var round: Int
        public var unitCount: Int
        public var createdBy: UUID?
        public var createdAt: Date
        public var updatedAt: Date
        /// Filled after the read (Platform's names).
        public var acknowledgedByName: String?
        public var createdByName: String?

        public var outageStatus: OutageStatus { OutageStatus(rawValue: status) ?? .notifying }
        public var outageScope: OutageScope { OutageScope(rawValue: scope) ?? .units }
        public var dept: Department { Department(rawValue: department) ?? .engineering }

        /// Minutes since it was opened: until now while open, until closing once closed.
        public func elapsedMinutes(at now: Date) -> Int {
            Int(((closedAt ?? now).timeIntervalSince(createdAt) / 60).rounded(.down))
        }

        /// When the running acknowledgement window ends (only while waiting for one).
        public var ackDueAt: Date? {
            outageStatus == .notifying ? OutageEscalation.dueAt(levelStartedAt: levelStartedAt, windowMinutes: ackMinutes) : nil
        }
    }

    /// One line of the timeline. The line is stored as a catalogue key and its values (`params`), not as
    /// text, so a reader in either language reads it in theirs; `note` is only what a person typed.
    /// An empty `actorName` is the system (the escalation job, the callback list).
    public struct Event: Decodable, Sendable {
        public var seq: Int
        public var action: String
        public var level: Int?
        public var params: String
        public var note: String
        public var actorName: String
        public var at: Date

        /// `line` names the catalogue entry (`outage.line.<line>`); the rest are its values. Lists of
        /// names are joined with a newline and set with the reader's separator.
        public var values: [String: String] {
            (try? JSONDecoder().decode([String: String].self, from: Data(params.utf8))) ?? [:]
        }
    }

    public struct Callback: Decodable, Sendable {
        public var id: UUID
        public var outageId: UUID
        public var round: Int
        public var customerId: UUID
        public var name: String
        public var mobile: String
        public var unitCodes: String
        public var attempts: Int
        public var outcome: String?
        public var note: String
        public var lastCallAt: Date?
        public var lastByName: String
        public var createdAt: Date

        public var state: OutageCallbackState {
            OutageCallbackState(attempts: attempts, outcome: outcome.flatMap(OutageCallbackState.Final.init(rawValue:)))
        }
    }

    public struct Detail: Sendable {
        public var outage: Outage
        public var events: [Event]
        /// The current round's list (an earlier round's stays in the timeline).
        public var callbacks: [Callback]
        public var unitCodes: [String]
        /// The department's on-call list as it stands, in order, and the supervisors: who each level is.
        public var onCall: [OnCallMember]
        public var supervisors: [String]
    }

    static let select = "SELECT * FROM outages"

    public func outage(_ id: UUID) async throws -> Outage {
        guard let o = try await store.sql.raw("\(unsafeRaw: Self.select) WHERE id = \(bind: id)").first(decoding: Outage.self, with: decoder)
        else { throw Problem.notFound }
        return try await labelled([o])[0]
    }

    func labelled(_ items: [Outage]) async throws -> [Outage] {
        guard !items.isEmpty else { return items }
        let names = try await StaffDirectory.displayNames(items.flatMap { [$0.acknowledgedBy, $0.createdBy].compactMap { $0 } }, sql: store.sql)
        return items.map { o in
            var o = o
            o.acknowledgedByName = o.acknowledgedBy.flatMap { names[$0] }
            o.createdByName = o.createdBy.flatMap { names[$0] }
            return o
        }
    }

    public func detail(_ id: UUID) async throws -> Detail {
        let o = try await outage(id)
        let events = try await store.sql.raw("""
            SELECT seq, action, level, params, note, actor_name, at FROM outage_events WHERE outage_id = \(bind: id) ORDER BY seq
            """).all(decoding: Event.self, with: decoder)
        let callbacks = try await callbacks(id, round: o.round)
        struct U: Decodable { var unitId: UUID }
        let unitIDs = try await store.sql.raw("SELECT unit_id FROM outage_units WHERE outage_id = \(bind: id)")
            .all(decoding: U.self, with: decoder).map(\.unitId)
        let codes = try await InventoryService.unitCodes(unitIDs, sql: store.sql)
        let sorted = unitIDs.compactMap { codes[$0] }.sorted { $0.localizedStandardCompare($1) == .orderedAscending }
        let list = try await onCallList(o.projectId, o.dept)
        let supervisors = try await StaffDirectory.holders(of: [.ccSupervisor], on: o.projectId, sql: store.sql).map(\.displayName)
        return Detail(outage: o, events: events, callbacks: callbacks, unitCodes: sorted, onCall: list.members, supervisors: supervisors)
    }

    func callbacks(_ id: UUID, round: Int) async throws -> [Callback] {
        try await store.sql.raw("""
            SELECT * FROM outage_callbacks WHERE outage_id = \(bind: id) AND round = \(bind: round) ORDER BY unit_codes, name
            """).all(decoding: Callback.self, with: decoder)
    }

    // MARK: - Lists

    public enum Filter: String, CaseIterable, Sendable {
        case open, closed, all
        var catalogKey: String { "outage.filter.\(rawValue)" }
    }

    /// Open first (waiting for an acknowledgement, in repair, in callback), newest first within each.
    public func list(_ projectID: UUID, _ filter: Filter, page: PageRequest) async throws -> Paged<Outage> {
        let cond: SQLQueryString = switch filter {
        case .open: "AND status <> 'closed'"
        case .closed: "AND status = 'closed'"
        case .all: ""
        }
        struct N: Decodable { var n: Int }
        let total = try await store.sql.raw("SELECT COUNT(*) AS n FROM outages WHERE project_id = \(bind: projectID) \(cond)")
            .first(decoding: N.self)?.n ?? 0
        let rows = try await store.sql.raw("""
            \(unsafeRaw: Self.select) WHERE project_id = \(bind: projectID) \(cond)
            ORDER BY CASE status WHEN 'notifying' THEN 0 WHEN 'in_repair' THEN 1 WHEN 'callback' THEN 2 ELSE 3 END, created_at DESC, number DESC
            LIMIT \(bind: page.perPage) OFFSET \(bind: page.offset)
            """).all(decoding: Outage.self, with: decoder)
        return Paged(items: try await labelled(rows), page: page.page, perPage: page.perPage, total: total)
    }

    /// Callbacks still to make (current round) per 抢修单 of the page.
    public func pendingCallbacks(_ ids: [UUID]) async throws -> [UUID: Int] {
        guard !ids.isEmpty else { return [:] }
        struct R: Decodable { var outageId: UUID; var n: Int }
        let rows = try await store.sql.raw("""
            SELECT c.outage_id, COUNT(*) AS n FROM outage_callbacks c JOIN outages o ON o.id = c.outage_id AND o.round = c.round
            WHERE c.outage_id IN \(SQLBind.group(ids)) AND c.outcome IS NULL GROUP BY c.outage_id
            """).all(decoding: R.self, with: decoder)
        return Dictionary(rows.map { ($0.outageId, $0.n) }, uniquingKeysWith: { a, _ in a })
    }

    // MARK: - Helpers

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func newToken() -> String {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A token looks like one we issue (43 characters of base64url) before it is hashed and looked up.
    static func looksLikeToken(_ s: String) -> Bool {
        s.count == 43 && s.unicodeScalars.allSatisfy { ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
    }

    static func event(_ id: UUID, _ action: String, level: Int? = nil, line: String? = nil, _ values: [String: String] = [:],
                      note: String = "", actorID: UUID?, actorName: String, now: Date, on tx: any Database) async throws {
        var params = values
        params["line"] = line ?? action
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(params), as: UTF8.self)
        struct S: Decodable { var n: Int? }
        let seq = (try await tx.sql.raw("SELECT MAX(seq) AS n FROM outage_events WHERE outage_id = \(bind: id)").first(decoding: S.self)?.n ?? 0) + 1
        try await tx.sql.insert(into: "outage_events").columns("id", "outage_id", "seq", "action", "level", "params", "note", "actor_id", "actor_name", "at")
            .values(SQLBind(UUID()), SQLBind(id), SQLBind(seq), SQLBind(action), SQLBind(level), SQLBind(json), SQLBind(note), SQLBind(actorID),
                    SQLBind(actorName), SQLBind(now)).run()
    }

    /// "06-12 14:30", Beijing time, for SMS and timeline lines.
    static func clock(_ d: Date) -> String { TicketService.clock(d) }

    static func departmentName(_ d: Department) -> String {
        switch d {
        case .customerService: "客服部"
        case .engineering: "工程部"
        case .property: "物业"
        case .sales: "销售部"
        case .legal: "法务部"
        }
    }
}
