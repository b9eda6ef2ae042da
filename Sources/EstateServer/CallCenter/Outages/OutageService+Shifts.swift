import EstateCore
import Foundation
import SQLKit

extension OutageService {
    /// 抢修单 opened in [from, to), oldest first: what a duty log (值班日志) lists for its shift.
    public func opened(in projectID: UUID, from: Date, to: Date) async throws -> [Outage] {
        let rows = try await store.sql.raw("""
            \(unsafeRaw: Self.select) WHERE project_id = \(bind: projectID) AND created_at >= \(bind: from) AND created_at < \(bind: to)
            ORDER BY created_at, number
            """).all(decoding: Outage.self, with: decoder)
        return try await labelled(rows)
    }
}
