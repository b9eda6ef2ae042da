import EstateCore
import FluentKit
import Foundation
import SQLKit

/// The call centre's history on the demo (通话记录, issue 16): eight weeks of calls up to now with the
/// shape a hotline has — Monday busiest, fewer at weekends, peaks 9–11 and 14–16 (Beijing time) —
/// answered by the twelve agents (`DemoCallCentreAgents`), some abandoned (a few within 5 s),
/// some promising a callback that an outbound call keeps, the 400-hotline tickets of the demo
/// linked to the call that opened them. Written in multi-row inserts (thousands of calls: one
/// save per call would be the slowest part of the seed) with one audit line for the lot.
struct DemoCallsStory {
    let services: AppServices
    let db: any Database
    let projectID: UUID

    init(_ services: AppServices, db: any Database, projectID: UUID) {
        self.services = services
        self.db = db
        self.projectID = projectID
    }

    /// Calls offered on an average weekday hour's weight of 1, by weekday (Monday first).
    static let perDay = [230, 190, 180, 175, 185, 95, 80]
    /// Weight of each Beijing hour 8:00…19:00.
    static let hourWeights: [Double] = [1.0, 3.0, 3.0, 2.0, 1.0, 1.4, 2.6, 2.6, 1.6, 1.1, 0.6, 0.4]
    static let categories = ["inquiry", "repair", "complaint", "inquiry", "repair", "inquiry", "suggestion"]
    static let weeks = 8

    struct Row {
        var direction: CallDirection
        var number: String
        var queue: String
        var agent: UUID?
        var timing: CallTiming
        var category: String?
        var outcome: CallOutcome?
        var ticket: UUID?
        var satisfaction: Int?
        var project: UUID?
    }

    struct Ticket: Decodable { var id: UUID; var contact_mobile: String; var kind: String; var created_at: Date }

    /// Returns how many calls it wrote.
    @discardableResult
    func tell() async throws -> Int {
        let end = services.now()
        var dice = Dice(rng: SplitMix(seed: 20_261_206))

        let agents = try await StaffDirectory.ids(usernames: DemoCallCentreAgents.usernames, sql: db.sql)
        let agentIDs = DemoCallCentreAgents.usernames.compactMap { agents[$0] }
        guard !agentIDs.isEmpty else { throw DemoFailure("the call centre's agents are missing") }
        // Callers: a pool where some call often (repeat contacts make FCR below 100 %).
        let pool = (0..<1_800).map { String(format: "13%d%08d", 5 + $0 % 5, 30_000_000 + $0 * 7_919 % 60_000_000) }

        var rows: [Row] = []
        let today = CalendarDay(end)
        for back in stride(from: Self.weeks * 7 - 1, through: 0, by: -1) {
            let day = today.adding(days: -back)
            let weekday = ReportPeriod.weekdayIndex(day)
            let total = Double(Self.perDay[weekday]) * (0.9 + 0.2 * dice.uniform())
            let weightSum = Self.hourWeights.reduce(0, +)
            for (h, w) in Self.hourWeights.enumerated() {
                let n = Int((total * w / weightSum + dice.uniform()).rounded(.down))
                for _ in 0..<n {
                    let offered = day.start + Double((8 + h) * 3600) + Double(dice.int(0...3599))
                    guard offered < end - 60 else { continue }
                    let number = pool[Int(Double(pool.count) * pow(dice.uniform(), 1.6))]
                    rows.append(inboundCall(at: offered, peak: w >= 2.5, number: number, agents: agentIDs, &dice))
                }
            }
        }
        // Callbacks promised: most kept by an outbound call within a few hours, some the next day.
        for r in rows where r.outcome == .callback {
            let after = dice.uniform() < 0.85 ? Double(dice.int(600...14_400)) : Double(dice.int(90_000...130_000))
            let at = (r.timing.endedAt ?? r.timing.offeredAt) + after
            guard at < end - 600 else { continue }
            let talk = Double(dice.int(40...240))
            rows.append(Row(direction: .outbound, number: r.number, queue: r.queue, agent: r.agent,
                            timing: try! CallTiming(offeredAt: at, answeredAt: at + 8, endedAt: at + 8 + talk, wrapSeconds: dice.int(5...40)),
                            category: r.category, outcome: .resolved, project: r.project))
        }
        // The hotline's tickets: the call that opened each one, a minute or two before it.
        let tickets = try await db.sql.raw("""
            SELECT id, contact_mobile, kind, created_at FROM tickets WHERE project_id = \(bind: projectID) AND channel = 'hotline'
            """).all(decoding: Ticket.self)
        for t in tickets {
            guard let number = CallerNumber.normalized(t.contact_mobile) else { continue }
            let offered = t.created_at - Double(dice.int(120...600))
            let answered = offered + Double(dice.int(3...18)), ended = answered + Double(dice.int(120...420))
            rows.append(Row(direction: .inbound, number: number, queue: t.kind == "repair" ? "repairs" : "hotline",
                            agent: agentIDs[dice.int(0...(agentIDs.count - 1))],
                            timing: try! CallTiming(offeredAt: offered, answeredAt: answered, endedAt: ended, wrapSeconds: dice.int(30...90)),
                            category: t.kind, outcome: .ticketOpened, ticket: t.id, satisfaction: nil, project: projectID))
        }
        // Two callers in the queue right now, for the wallboard (gone from "waiting" two hours on).
        for (i, ago) in [42.0, 15.0].enumerated() {
            rows.append(Row(direction: .inbound, number: pool[i * 97], queue: CallService.defaultQueue, agent: nil,
                            timing: try! CallTiming(offeredAt: end - ago, answeredAt: nil, endedAt: nil), project: projectID))
        }
        try await write(rows)
        try await states(agentIDs, end: end, &dice)
        return rows.count
    }

    /// The floor now: most agents ready or on a call, some in wrap-up, one on a break, one signed off.
    func states(_ agents: [UUID], end: Date, _ dice: inout Dice) async throws {
        let plan: [AgentState] = [.onCall, .ready, .onCall, .ready, .wrapUp, .ready, .onCall, .onBreak, .ready, .wrapUp, .offline, .ready]
        let sql = db.sql
        for (i, id) in agents.enumerated() {
            let since = end - Double(dice.int(20...1_500))
            try await AgentStatusService.write(id, plan[i % plan.count], at: since, on: sql)
        }
    }

    /// The demo's dice: a fixed sequence (no nested functions capturing it: see the brief on compiler crashes).
    struct Dice {
        var rng: SplitMix
        mutating func uniform() -> Double { Double(rng.next() >> 11) / Double(UInt64(1) << 53) }
        mutating func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + Int(rng.next() % UInt64(r.count)) }
    }

    func inboundCall(at offered: Date, peak: Bool, number: String, agents: [UUID], _ dice: inout Dice) -> Row {
        let queue = dice.uniform() < 0.3 ? "repairs" : CallService.defaultQueue
        let project: UUID? = dice.uniform() < 0.85 ? projectID : nil
        // Longer waits in the peaks; about 6 % hang up waiting, a third of them within 5 s.
        let wait = Int(-log(1 - dice.uniform() * 0.999) * (peak ? 16 : 8))
        if dice.uniform() < (peak ? 0.08 : 0.04) {
            let gone = dice.uniform() < 0.3 ? dice.int(1...4) : dice.int(5...90)
            return Row(direction: .inbound, number: number, queue: queue, agent: nil,
                       timing: try! CallTiming(offeredAt: offered, answeredAt: nil, endedAt: offered + Double(gone)), project: project)
        }
        let answered = offered + Double(wait)
        let talk = Double(dice.int(45...420) + (queue == "repairs" ? 60 : 0))
        let hold = dice.uniform() < 0.25 ? dice.int(5...min(60, Int(talk) - 5)) : 0
        let category = Self.categories[dice.int(0...(Self.categories.count - 1))]
        let roll = dice.uniform()
        let outcome: CallOutcome = roll < 0.72 ? .resolved : roll < 0.84 ? .callback : roll < 0.94 ? .transferred : .other
        let satisfaction: Int? = dice.uniform() < 0.4 ? [5, 5, 5, 4, 4, 4, 3, 2, 1][dice.int(0...8)] : nil
        return Row(direction: .inbound, number: number, queue: queue, agent: agents[dice.int(0...(agents.count - 1))],
                   timing: try! CallTiming(offeredAt: offered, answeredAt: answered, endedAt: answered + talk, holdSeconds: hold,
                                           wrapSeconds: dice.int(10...75)),
                   category: category, outcome: outcome, satisfaction: satisfaction, project: project)
    }

    /// Through the call log's own bulk insert (multi-row statements), with one audit line for the lot.
    func write(_ rows: [Row]) async throws {
        let at = services.now(), count = rows.count, projectID = projectID
        let drafts = rows.map { r in
            CallService.Draft(direction: r.direction, number: r.number, projectID: r.project, queue: r.queue, agentID: r.agent, timing: r.timing,
                              category: r.category, outcome: r.outcome, ticketID: r.ticket, satisfaction: r.satisfaction,
                              source: r.direction == .outbound ? .desk : .telephony)
        }
        try await services.store(db).audited(.system("demo")) { tx in
            try await CallService.insertMany(drafts, at: at, by: nil, on: tx as! any SQLDatabase)
            return ((), AuditEntry(action: "demo.calls", entity: "project", entityID: projectID.uuidString, projectID: projectID,
                                   summary: "seeded \(count) calls of the last \(Self.weeks) weeks"))
        }
    }
}
