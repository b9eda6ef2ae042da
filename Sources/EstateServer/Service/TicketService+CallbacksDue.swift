import EstateCore
import Foundation
import SQLKit

extension TicketService {
    /// Callbacks (回访) waiting on a project's resolved complaints and repairs, by the Beijing day
    /// each falls due (resolution + `TicketKind.callbackDue`); those already late count on `from`.
    /// For the call centre's staffing forecast: planned outbound work.
    public func callbacksDue(_ projectID: UUID, from: CalendarDay, to: CalendarDay) async throws -> [CalendarDay: Int] {
        struct Row: Decodable { var resolvedAt: Date }
        let rows = try await store.sql.raw("""
            SELECT resolved_at AS "resolvedAt" FROM tickets
            WHERE project_id = \(bind: projectID) AND status IN ('resolved', 'callback')
              AND kind IN ('complaint', 'repair', 'emergency_repair') AND resolved_at IS NOT NULL
              AND resolved_at < \(bind: to.start.addingTimeInterval(-TicketKind.callbackDue))
            """).all(decoding: Row.self)
        var out: [CalendarDay: Int] = [:]
        for r in rows { out[max(from, CalendarDay(r.resolvedAt.addingTimeInterval(TicketKind.callbackDue))), default: 0] += 1 }
        return out
    }
}
