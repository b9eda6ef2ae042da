import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 坐席状态: set by the agent (ready, break, offline, back from wrap-up) or implied by their calls'
/// telephony events; every change signals the wallboard.
public struct AgentStatusService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let hub: CallCentreHub

    public struct Current: Sendable, Equatable, Decodable {
        public var userID: UUID
        public var state: String
        public var since: Date
        enum CodingKeys: String, CodingKey { case userID = "user_id", state, since }
        public var agentState: AgentState { AgentState(rawValue: state) ?? .offline }
    }

    public func set(_ userID: UUID, _ state: AgentState, context: AuditContext) async throws {
        let at = now(), engine = store.engine, hub = hub
        try await store.audited(context) { tx in
            let sql = tx as! any SQLDatabase
            let before = try await Self.current([userID], on: sql).first?.state ?? AgentState.offline.rawValue
            try await Self.write(userID, state, at: at, on: sql)
            try await hub.announce(engine, on: tx)
            return ((), AuditEntry(action: "agent.state", entity: "user", entityID: userID.uuidString, summary: "\(before) → \(state.rawValue)",
                                   before: ["state": before], after: ["state": state.rawValue]))
        }
        hub.committed()
    }

    /// From a telephony event at `at`, inside its transaction: only when no later state was set.
    static func imply(_ userID: UUID, _ state: AgentState, at: Date, on sql: any SQLDatabase) async throws {
        if let c = try await current([userID], on: sql).first, c.since > at { return }
        try await write(userID, state, at: at, on: sql)
    }

    static func write(_ userID: UUID, _ state: AgentState, at: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "agent_states").columns("user_id", "state", "since")
            .values(SQLBind(userID), SQLBind(state.rawValue), SQLBind(at))
            .onConflict(with: ["user_id"]) { $0.set("state", to: state.rawValue).set("since", to: at) }
            .run()
    }

    static func current(_ ids: [UUID], on sql: any SQLDatabase) async throws -> [Current] {
        guard !ids.isEmpty else { return [] }
        var out: [Current] = []
        for chunk in ids.chunked(500) {
            out += try await sql.select().columns("user_id", "state", "since").from("agent_states")
                .where("user_id", .in, SQLBind.group(Array(chunk))).all(decoding: Current.self)
        }
        return out
    }

    public func current(_ ids: [UUID]) async throws -> [UUID: Current] {
        Dictionary(try await Self.current(ids, on: store.sql).map { ($0.userID, $0) }, uniquingKeysWith: { a, _ in a })
    }
}

extension AppServices {
    public func agentStatus(_ db: any Database) -> AgentStatusService { AgentStatusService(store: store(db), now: now, hub: callCentreEvents) }
}
