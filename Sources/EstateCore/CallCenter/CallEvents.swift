import Foundation

/// What the telephony system (话务系统) tells us about a call, one event at a time.
public enum CallEventKind: String, CaseIterable, Sendable, Codable {
    /// 振铃: the call reached the queue (offered).
    case ring
    /// 接听: an agent picked it up.
    case answer
    /// 保持 / 取消保持.
    case hold
    case unhold
    /// 挂机.
    case hangup

    /// Events stamped in the same second are read in the order a call goes through them.
    var step: Int {
        switch self {
        case .ring: 0
        case .answer: 1
        case .hold: 2
        case .unhold: 3
        case .hangup: 4
        }
    }
}

/// One telephony event as stored: the call it belongs to is the system's call id.
public struct CallEvent: Sendable, Equatable {
    public var eventID: String
    public var kind: CallEventKind
    public var at: Date
    public var direction: CallDirection?
    public var number: String?
    public var queue: String?
    /// The agent's login on the telephony system (our username).
    public var agent: String?
    /// 话后处理: wrap-up the system measured after the hang-up, on the hangup event.
    public var wrapSeconds: Int?

    public init(eventID: String, kind: CallEventKind, at: Date, direction: CallDirection? = nil, number: String? = nil,
                queue: String? = nil, agent: String? = nil, wrapSeconds: Int? = nil) {
        self.eventID = eventID
        self.kind = kind
        self.at = at
        self.direction = direction
        self.number = number
        self.queue = queue
        self.agent = agent
        self.wrapSeconds = wrapSeconds
    }
}

/// A call as its events describe it so far.
public struct AssembledCall: Sendable, Equatable {
    public var direction: CallDirection
    public var number: String?
    public var queue: String?
    public var agent: String?
    public var timing: CallTiming
}

/// Builds one call from all its events, whatever order they arrived in and however often: the same
/// set of events always gives the same call, so recomputing after each event is idempotent.
public enum CallAssembly {
    public static func assemble(_ events: [CallEvent]) -> AssembledCall? {
        // One event per id (a replay stored twice would count its hold twice).
        var seen = Set<String>()
        let sorted = events.sorted { ($0.at, $0.kind.step, $0.eventID) < ($1.at, $1.kind.step, $1.eventID) }
            .filter { seen.insert($0.eventID).inserted }
        guard let first = sorted.first else { return nil }
        let offeredAt = first.at
        let answer = sorted.first { $0.kind == .answer }
        let hangup = sorted.last { $0.kind == .hangup }
        let answeredAt = answer?.at
        // A hang-up stamped before the answer (clocks of two servers) ends the call when it was answered.
        let endedAt = hangup.map { h in max(h.at, answeredAt ?? offeredAt) }

        // Time on hold: each hold until the next unhold, or until the end; only while answered.
        var hold: TimeInterval = 0
        if let a = answeredAt {
            var heldSince: Date?
            for e in sorted where e.at >= a {
                if let end = endedAt, e.at > end { break }
                switch e.kind {
                case .hold: if heldSince == nil { heldSince = e.at }
                case .unhold, .hangup:
                    if let s = heldSince { hold += e.at.timeIntervalSince(s); heldSince = nil }
                default: break
                }
            }
            if let s = heldSince, let end = endedAt { hold += end.timeIntervalSince(s) }
            if let end = endedAt { hold = min(hold, end.timeIntervalSince(a)) } else { hold = 0 }
        }
        let wrap = max(0, sorted.compactMap(\.wrapSeconds).max() ?? 0)
        // The order above makes the times consistent, so this cannot fail.
        let timing = try! CallTiming(offeredAt: offeredAt, answeredAt: answeredAt, endedAt: endedAt,
                                     holdSeconds: answeredAt == nil ? 0 : Int(hold.rounded(.down)), wrapSeconds: endedAt == nil ? 0 : wrap)
        return AssembledCall(direction: sorted.lazy.compactMap(\.direction).first ?? .inbound,
                             number: sorted.lazy.compactMap(\.number).first,
                             queue: sorted.lazy.compactMap(\.queue).first,
                             agent: answer?.agent ?? sorted.lazy.compactMap(\.agent).last,
                             timing: timing)
    }
}

/// The signature on a telephony request (HMAC-SHA256 over "timestamp.body", hex): its freshness
/// window; the digest itself is computed where swift-crypto is.
public enum TelephonySignature {
    /// A request stamped further than this from our clock is refused (replays of old captures).
    public static let window: TimeInterval = 5 * 60

    public static func isFresh(_ timestamp: Date, now: Date) -> Bool {
        abs(now.timeIntervalSince(timestamp)) <= window
    }
}

/// 坐席状态: what an agent is doing, as the wallboard shows it.
public enum AgentState: String, CaseIterable, Sendable, Codable {
    /// 就绪: waiting for a call.
    case ready
    /// 通话中
    case onCall = "on_call"
    /// 话后处理
    case wrapUp = "wrap_up"
    /// 小休
    case onBreak = "break"
    /// 离线
    case offline

    public var catalogKey: String { "agent.state.\(rawValue)" }

    /// The state a telephony event puts the answering agent in, if any.
    public static func implied(by kind: CallEventKind) -> AgentState? {
        switch kind {
        case .answer, .unhold, .hold: .onCall
        case .hangup: .wrapUp
        case .ring: nil
        }
    }
}
