import EstateCore
import Foundation
import SQLKit

/// What Procurement asks of 客服 (issue 19): how many repair tickets were raised on the units and components a
/// supplier's batch went into, since it went in — its scorecard's quality counts them. Procurement never reads
/// `tickets` itself.
extension TicketService {
    public struct Installation: Sendable, Hashable {
        public var unitID: UUID
        public var component: String
        /// The day the batch was installed (YYYY-MM-DD): repairs from then on count.
        public var since: String
        public init(unitID: UUID, component: String, since: String) {
            self.unitID = unitID; self.component = component; self.since = since
        }
    }

    /// Repair tickets on each installation's unit and component from its day until `until` (exclusive), summed.
    static func repairCount(_ installations: [Installation], until: String, sql: any SQLDatabase) async throws -> Int {
        struct N: Decodable { var n: Int }
        var total = 0
        for i in Set(installations) {
            total += try await sql.raw("""
                SELECT COUNT(*) AS n FROM tickets WHERE kind = 'repair' AND unit_id = \(bind: i.unitID) AND component = \(bind: i.component)
                AND created_on >= \(bind: i.since) AND created_on < \(bind: until)
                """).first(decoding: N.self)?.n ?? 0
        }
        return total
    }
}
