import EstateCore
import Foundation
import SQLKit

extension CallService {
    /// Inserts checked calls in multi-row statements (500 a statement: 24 values each stays within
    /// SQLite's 32,766 parameters), inside the caller's transaction: imports write thousands at once.
    static func insertMany(_ drafts: [Draft], at: Date, by actorID: UUID?, on sql: any SQLDatabase) async throws {
        for chunk in drafts.chunked(500) {
            var insert = sql.insert(into: "calls")
                .columns("id", "external_id", "project_id", "direction", "number", "number_suffix", "queue", "agent_id", "offered_at",
                         "answered_at", "ended_at", "wait_seconds", "talk_seconds", "hold_seconds", "wrap_seconds", "abandoned",
                         "category", "outcome", "note", "ticket_id", "satisfaction", "source", "created_at", "created_by")
            for d in chunk {
                let t = d.timing
                insert = insert.values(
                    SQLBind(UUID()), SQLBind(d.externalID), SQLBind(d.projectID), SQLBind(d.direction.rawValue), SQLBind(d.number),
                    SQLBind(String(d.number.suffix(4))), SQLBind(d.queue), SQLBind(d.agentID), SQLBind(t.offeredAt), SQLBind(t.answeredAt),
                    SQLBind(t.endedAt), SQLBind(t.waitSeconds), SQLBind(t.talkSeconds), SQLBind(t.holdSeconds), SQLBind(t.wrapSeconds),
                    SQLBind(t.abandoned), SQLBind(d.category), SQLBind(d.outcome?.rawValue), SQLBind(d.note), SQLBind(d.ticketID),
                    SQLBind(d.satisfaction), SQLBind(d.source.rawValue), SQLBind(at), SQLBind(actorID))
            }
            try await insert.run()
        }
    }
}
