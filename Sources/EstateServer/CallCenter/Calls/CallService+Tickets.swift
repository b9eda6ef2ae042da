import EstateCore
import Foundation
import SQLKit

extension CallService {
    /// Whether a call may be linked to a new work order of `projectID`: it exists, no work order
    /// has it yet, and it is about that project or about none.
    public static func linkable(_ callID: UUID, to projectID: UUID, sql: any SQLDatabase) async throws -> Bool {
        struct R: Decodable { var id: UUID }
        return try await sql.raw("""
            SELECT id FROM calls WHERE id = \(bind: callID) AND ticket_id IS NULL
              AND (project_id IS NULL OR project_id = \(bind: projectID))
            """).first(decoding: R.self) != nil
    }

    /// Links the call to the work order it created, inside the work order's transaction (the
    /// call then belongs to the ticket's project, and its outcome, if none was given, is
    /// 已建工单). Conditional on the call still being free: two work orders racing for one
    /// call get one link, the other rolls back with 409 `call_already_linked`.
    public static func link(_ callID: UUID, toTicket ticketID: UUID, in projectID: UUID, on sql: any SQLDatabase) async throws {
        struct R: Decodable { var id: UUID }
        let done = try await sql.raw("""
            UPDATE calls SET ticket_id = \(bind: ticketID), project_id = \(bind: projectID),
                   outcome = COALESCE(outcome, \(bind: CallOutcome.ticketOpened.rawValue))
            WHERE id = \(bind: callID) AND ticket_id IS NULL AND (project_id IS NULL OR project_id = \(bind: projectID))
            RETURNING id
            """).all(decoding: R.self)
        guard !done.isEmpty else { throw Problem.conflict("call_already_linked", ["id": callID.uuidString]) }
    }

    /// The calls that opened these work orders (ticket → call ids), for the ticket page.
    public func calls(ofTickets ids: [UUID]) async throws -> [Record] {
        guard !ids.isEmpty else { return [] }
        return try await store.sql.raw("""
            SELECT \(Self.columns) FROM calls WHERE ticket_id IN \(SQLBind.group(Array(Set(ids)))) ORDER BY offered_at
            """).all(decoding: Record.self)
    }
}
