import EstateCore
import Foundation
import SQLKit

/// Calls built from the outside: the telephony system's events and CDR imports know a call by
/// its external id.
extension CallService {
    /// The call's id for an external id, if one was stored.
    static func id(externalID: String, on sql: any SQLDatabase) async throws -> UUID? {
        struct R: Decodable { var id: UUID }
        return try await sql.select().column("id").from("calls").where("external_id", .equal, externalID).first(decoding: R.self)?.id
    }

    /// Writes what the telephony events say about a call into its row, creating it on the first
    /// event that names the number. Only the columns events know are written: a category, outcome
    /// or work order the agent added on the desk stays. Runs in the caller's transaction.
    static func upsertFromEvents(_ d: Draft, on sql: any SQLDatabase, at: Date) async throws -> UUID {
        guard let id = try await id(externalID: d.externalID ?? "", on: sql) else {
            let id = UUID()
            try await insert(d, id: id, at: at, by: nil, on: sql)
            return id
        }
        let t = d.timing
        try await sql.update("calls")
            .set("direction", to: d.direction.rawValue).set("number", to: d.number).set("number_suffix", to: String(d.number.suffix(4)))
            .set("queue", to: d.queue).set("agent_id", to: d.agentID).set("offered_at", to: t.offeredAt)
            .set("answered_at", to: t.answeredAt).set("ended_at", to: t.endedAt).set("wait_seconds", to: t.waitSeconds)
            .set("talk_seconds", to: t.talkSeconds).set("hold_seconds", to: t.holdSeconds).set("wrap_seconds", to: t.wrapSeconds)
            .set("abandoned", to: t.abandoned)
            .where("id", .equal, id)
            .run()
        if let p = d.projectID {
            try await sql.update("calls").set("project_id", to: p).where("id", .equal, id).where("project_id", .is, SQLLiteral.null).run()
        }
        return id
    }
}
