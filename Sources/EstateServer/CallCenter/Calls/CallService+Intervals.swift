import EstateCore
import Foundation
import SQLKit

extension CallService {
    /// Inbound calls of one half hour (Beijing time) of the history: offered, answered and the
    /// answered calls' handle seconds (talk + hold + wrap-up), for staffing forecasts.
    public struct IntervalLoad: Sendable, Equatable {
        public var day: CalendarDay
        /// 0 = 00:00–00:30 … 47 = 23:30–24:00.
        public var slot: Int
        public var offered: Int
        public var handled: Int
        public var handleSeconds: Int
    }

    /// Inbound calls per half hour in [from, to) (Beijing days), summed by the database: one row per
    /// interval that had a call, never the calls themselves. `projects` nil: every call; else calls
    /// about those projects and calls about none (the hotline's general calls).
    public func intervalLoads(from: CalendarDay, to: CalendarDay, projects: [UUID]?) async throws -> [IntervalLoad] {
        // Beijing has no summer time: a half hour is (epoch seconds + 8 h) ÷ 1800.
        let bucket: SQLQueryString = store.engine == .postgres
            ? "FLOOR((date_part('epoch', offered_at) + 28800) / 1800)::bigint"
            : "CAST((offered_at + 28800) / 1800 AS INTEGER)"
        let scope: SQLQueryString = projects.map { ids in
            ids.isEmpty ? "AND project_id IS NULL" : "AND (project_id IS NULL OR project_id IN \(SQLBind.group(ids)))"
        } ?? ""
        struct Row: Decodable { var b: Int; var offered: Int; var handled: Int; var handle: Int }
        let rows = try await store.sql.raw("""
            SELECT \(bucket) AS b, CAST(COUNT(*) AS BIGINT) AS offered,
                   CAST(SUM(CASE WHEN abandoned THEN 0 ELSE 1 END) AS BIGINT) AS handled,
                   CAST(SUM(CASE WHEN abandoned THEN 0 ELSE talk_seconds + hold_seconds + wrap_seconds END) AS BIGINT) AS handle
            FROM calls
            WHERE direction = 'inbound' AND offered_at >= \(bind: from.start) AND offered_at < \(bind: to.start) \(scope)
            GROUP BY 1 ORDER BY 1
            """).all(decoding: Row.self)
        return rows.map { r in
            let dayStart = Date(timeIntervalSince1970: Double(r.b / 48) * 86_400 - 28_800)
            return IntervalLoad(day: CalendarDay(dayStart), slot: r.b % 48, offered: r.offered, handled: r.handled, handleSeconds: r.handle)
        }
    }
}
