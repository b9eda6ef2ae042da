import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 大屏: what the floor needs at a glance — calls waiting and the longest wait, agents by state, and
/// today's service level — for one project's agents and the calls of the project and of no project.
public struct WallboardService: Sendable {
    let store: Store
    let now: @Sendable () -> Date

    public struct Agent: Sendable, Equatable, Codable {
        public var id: UUID
        public var name: String
        public var state: AgentState
        public var since: Date?
    }

    public struct Snapshot: Sendable, Equatable, Codable {
        public var generatedAt: Date
        public var waiting: Int
        /// When the longest-waiting call was offered (the page counts the seconds up).
        public var oldestWaitingSince: Date?
        public var agents: [Agent]
        public var today: CallKPI.Counters
        public var serviceLevel: Double?
        public var abandonment: Double?
        public var asa: Double?
    }

    /// A call still ringing after this long is taken as lost by the telephony system, not waiting.
    static let staleWait: TimeInterval = 2 * 3600

    public func snapshot(projectID: UUID) async throws -> Snapshot {
        let at = now(), sql = store.sql
        struct W: Decodable { var n: Int; var oldest: Date? }
        let w = try await sql.raw("""
            SELECT COUNT(*) AS n, MIN(offered_at) AS oldest FROM calls
            WHERE direction = 'inbound' AND answered_at IS NULL AND ended_at IS NULL
              AND offered_at >= \(bind: at - Self.staleWait) AND offered_at <= \(bind: at)
              AND (project_id = \(bind: projectID) OR project_id IS NULL)
            """).first(decoding: W.self)
        let members = try await StaffDirectory.holders(of: [.csStaff], on: projectID, sql: sql)
        let states = try await AgentStatusService.current(members.map(\.id), on: sql)
        let byID = Dictionary(states.map { ($0.userID, $0) }, uniquingKeysWith: { a, _ in a })
        let agents = members.map { m in Agent(id: m.id, name: m.displayName, state: byID[m.id]?.agentState ?? .offline, since: byID[m.id]?.since) }
        let today = CalendarDay(at)
        let c = try await CallCentreKPIService.total(store, projectID: projectID, from: today, to: today)
        return Snapshot(generatedAt: at, waiting: w?.n ?? 0, oldestWaitingSince: w?.oldest, agents: agents, today: c,
                        serviceLevel: CallKPI.serviceLevel(c), abandonment: CallKPI.abandonment(c), asa: CallKPI.asa(c))
    }
}

extension AppServices {
    public func wallboard(_ db: any Database) -> WallboardService { WallboardService(store: store(db), now: now) }
}
