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
        try await intervalLoadsByQueue(from: from, to: to, projects: projects, split: false)[""] ?? []
    }

    /// The same per queue (技能组): each queue's own intervals, for the requirement per skill.
    public func intervalLoadsByQueue(from: CalendarDay, to: CalendarDay, projects: [UUID]?) async throws -> [String: [IntervalLoad]] {
        try await intervalLoadsByQueue(from: from, to: to, projects: projects, split: true)
    }

    func intervalLoadsByQueue(from: CalendarDay, to: CalendarDay, projects: [UUID]?, split: Bool) async throws -> [String: [IntervalLoad]] {
        // Beijing has no summer time: a half hour is (epoch seconds + 8 h) ÷ 1800.
        let bucket: SQLQueryString = store.engine == .postgres
            ? "FLOOR((date_part('epoch', offered_at) + 28800) / 1800)::bigint"
            : "CAST((offered_at + 28800) / 1800 AS INTEGER)"
        let scope: SQLQueryString = projects.map { ids in
            ids.isEmpty ? "AND project_id IS NULL" : "AND (project_id IS NULL OR project_id IN \(SQLBind.group(ids)))"
        } ?? ""
        struct Row: Decodable { var q: String?; var b: Int; var offered: Int; var handled: Int; var handle: Int }
        // Grouped by queue only when asked (a constant in GROUP BY is refused on PostgreSQL).
        let queue: SQLQueryString = split ? "queue AS q, " : ""
        let group: SQLQueryString = split ? "GROUP BY queue, 2 ORDER BY queue, 2" : "GROUP BY 1 ORDER BY 1"
        let rows = try await store.sql.raw("""
            SELECT \(queue)\(bucket) AS b, CAST(COUNT(*) AS BIGINT) AS offered,
                   CAST(SUM(CASE WHEN abandoned THEN 0 ELSE 1 END) AS BIGINT) AS handled,
                   CAST(SUM(CASE WHEN abandoned THEN 0 ELSE talk_seconds + hold_seconds + wrap_seconds END) AS BIGINT) AS handle
            FROM calls
            WHERE direction = 'inbound' AND offered_at >= \(bind: from.start) AND offered_at < \(bind: to.start) \(scope)
            \(group)
            """).all(decoding: Row.self)
        var out: [String: [IntervalLoad]] = [:]
        for r in rows {
            let dayStart = Date(timeIntervalSince1970: Double(r.b / 48) * 86_400 - 28_800)
            out[r.q ?? "", default: []].append(IntervalLoad(day: CalendarDay(dayStart), slot: r.b % 48, offered: r.offered, handled: r.handled,
                                                      handleSeconds: r.handle))
        }
        return out
    }
}
