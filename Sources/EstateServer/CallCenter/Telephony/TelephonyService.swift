import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 话务系统接入: events the telephony system posts (ring / answer / hold / unhold / hangup). Each
/// event is stored once by its id; the call it belongs to is recomputed from all its stored events,
/// so replays change nothing and events arriving out of order still make one call.
public struct TelephonyService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    /// The wallboard hears of every stored event.
    let hub: CallCentreHub

    /// One posted event, as checked.
    public struct Posted: Sendable {
        /// The telephony system's call id.
        public var callRef: String
        public var event: CallEvent
        public var projectID: UUID?
    }

    public enum Outcome: Sendable, Equatable {
        /// Stored; the call row (nil while no event has named the number yet).
        case stored(callID: UUID?)
        /// Seen before: nothing changed.
        case duplicate
    }

    /// Checks the fields of an event; the number is normalised.
    static func checked(_ p: Posted) throws -> Posted {
        var p = p
        var fields: [Problem.FieldError] = []
        if p.event.eventID.isEmpty || p.event.eventID.count > 120 { fields.append(.init(field: "eventId", code: "call_external_id_invalid")) }
        if p.callRef.isEmpty || p.callRef.count > 120 { fields.append(.init(field: "callId", code: "call_external_id_invalid")) }
        if let n = p.event.number {
            if let normal = CallerNumber.normalized(n) { p.event.number = normal } else { fields.append(.init(field: "number", code: "call_number_invalid")) }
        }
        if let q = p.event.queue?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if q.isEmpty || q.count > 40 { fields.append(.init(field: "queue", code: "call_queue_invalid")) }
            p.event.queue = q
        }
        if let a = p.event.agent, a.isEmpty || a.count > 64 { fields.append(.init(field: "agent", code: "too_long", arguments: ["limit": "64"])) }
        if let w = p.event.wrapSeconds, !(0...86_400).contains(w) { fields.append(.init(field: "wrapSeconds", code: "call_duration_invalid")) }
        guard fields.isEmpty else { throw Problem.invalid(fields) }
        return p
    }

    struct Row: Decodable {
        var event_id: String; var kind: String; var at: Date; var direction: String?; var number: String?
        var queue: String?; var agent: String?; var wrap_seconds: Int?; var project_id: UUID?
    }

    /// Stores the event (once) and recomputes its call, with one audit line, in one transaction.
    public func receive(_ posted: Posted) async throws -> Outcome {
        let p = try Self.checked(posted)
        let engine = store.engine, at = now(), hub = hub
        let outcome: Outcome = try await store.write { tx in
            let sql = tx as! any SQLDatabase
            // Two events of one call at once: the second waits, then reads the first (SQLite writes one at a time anyway).
            if engine == .postgres {
                try await sql.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: "call_events:" + p.callRef)))").run()
            }
            struct Seen: Decodable { var event_id: String }
            if try await sql.select().column("event_id").from("call_events").where("event_id", .equal, p.event.eventID)
                .first(decoding: Seen.self) != nil { return .duplicate }
            let e = p.event
            try await sql.insert(into: "call_events")
                .columns("event_id", "call_ref", "kind", "at", "direction", "number", "queue", "agent", "wrap_seconds", "project_id", "received_at")
                .values(SQLBind(e.eventID), SQLBind(p.callRef), SQLBind(e.kind.rawValue), SQLBind(e.at), SQLBind(e.direction?.rawValue),
                        SQLBind(e.number), SQLBind(e.queue), SQLBind(e.agent), SQLBind(e.wrapSeconds), SQLBind(p.projectID), SQLBind(at))
                .ignoringConflicts(with: ["event_id"])
                .run()
            let rows = try await sql.select().columns("event_id", "kind", "at", "direction", "number", "queue", "agent", "wrap_seconds", "project_id")
                .from("call_events").where("call_ref", .equal, p.callRef).all(decoding: Row.self)
            let events = rows.compactMap { r in
                CallEventKind(rawValue: r.kind).map {
                    CallEvent(eventID: r.event_id, kind: $0, at: r.at, direction: r.direction.flatMap(CallDirection.init(rawValue:)),
                              number: r.number, queue: r.queue, agent: r.agent, wrapSeconds: r.wrap_seconds)
                }
            }
            var callID: UUID?
            if let call = CallAssembly.assemble(events), let number = call.number {
                var agentID: UUID?
                if let a = call.agent { agentID = try await StaffDirectory.ids(usernames: [a], sql: sql)[a] }
                let draft = CallService.Draft(direction: call.direction, number: number, projectID: rows.lazy.compactMap(\.project_id).first,
                                              queue: call.queue ?? CallService.defaultQueue, agentID: agentID, timing: call.timing,
                                              externalID: p.callRef, source: .telephony)
                callID = try await CallService.upsertFromEvents(draft, on: sql, at: at)
                // The answering agent is on the call, then in wrap-up (unless they said something later).
                if let agentID, e.agent == nil || e.agent == call.agent, let state = AgentState.implied(by: e.kind) {
                    try await AgentStatusService.imply(agentID, state, at: e.at, on: sql)
                }
            }
            try await hub.announce(engine, on: tx)
            try await AuditLog.record(AuditEntry(action: "call.event", entity: "call", entityID: callID?.uuidString ?? p.callRef,
                                                 projectID: p.projectID, summary: "\(e.kind.rawValue) \(p.callRef)",
                                                 after: ["kind": e.kind.rawValue, "event": e.eventID]),
                                      context: .system("telephony"), at: at, on: tx)
            return .stored(callID: callID)
        }
        if case .stored = outcome { hub.committed() }
        return outcome
    }
}

extension AppServices {
    public func telephony(_ db: any Database) -> TelephonyService { TelephonyService(store: store(db), now: now, hub: callCentreEvents) }
}
