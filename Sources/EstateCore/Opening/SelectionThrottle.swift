import Foundation

/// A token bucket: `burst` actions at once, then one every `1 / perSecond` seconds. Pure: the
/// caller keeps the state and passes the time, so the rule is tested without a clock.
public struct TokenBucket: Sendable, Equatable {
    public let burst: Double
    public let perSecond: Double
    public private(set) var tokens: Double
    public private(set) var at: Date

    public init(burst: Int, perSecond: Double, now: Date) {
        self.burst = Double(burst)
        self.perSecond = perSecond
        self.tokens = Double(burst)
        self.at = now
    }

    /// Takes one token if there is one; otherwise says how long until there will be.
    public mutating func take(now: Date) -> TimeInterval? {
        let elapsed = max(0, now.timeIntervalSince(at))
        tokens = min(burst, tokens + elapsed * perSecond)
        at = max(at, now)
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return (1 - tokens) / perSecond
    }

    /// Gives back a token taken for an action that was then not done (never above `burst`).
    public mutating func giveBack() { tokens = min(burst, tokens + 1) }

    /// Full again (nothing is owed): the entry can be forgotten.
    public func isIdle(now: Date) -> Bool { tokens + max(0, now.timeIntervalSince(at)) * perSecond >= burst }
}

/// Opening day's limits on selections (issue 18 point 5): a person taps a few times in a second and
/// then waits for an answer; a script gains nothing over that except being first. Per buyer: 5 at
/// once, then one a second. Per address: mobile networks put many buyers behind one address (CGNAT),
/// so it is wide — 60 at once, then 10 a second — and stops only a flood.
public enum SelectionLimits {
    public static func buyer(now: Date) -> TokenBucket { TokenBucket(burst: 5, perSecond: 1, now: now) }
    public static func address(now: Date) -> TokenBucket { TokenBucket(burst: 60, perSecond: 10, now: now) }
    /// Selections one server process works on at once. Beyond it a new selection waits in a bounded line
    /// (`queued`, `queueWait`), then is turned away (503 with `Retry-After: busyRetryAfter`) rather than
    /// queueing for the database without bound: that only makes every answer late.
    /// Confirmations are never turned away (each one holds a unit already; there are at most as many
    /// as units).
    public static let inFlight = 48
    /// Selections past `inFlight` wait their turn (first come, first served) for at most `queueWait` seconds,
    /// `queued` of them at most; only then are they turned away. A rush is as many waiting taps as connections.
    public static let queued = 4_096
    public static let queueWait: TimeInterval = 3
    public static let busyRetryAfter = 1
    /// How long after its minute a hold still stays with its buyer for everyone else (a lapse by
    /// another buyer's selection or by the clock). A confirmation counts from when it arrived: one that
    /// arrived in time and waited its turn for the database still finds its unit.
    public static let confirmGrace: TimeInterval = 10

    /// Whether a hold ending at `heldUntil` still keeps its unit from other buyers at `now`.
    public static func holdKeepsUnit(heldUntil: Date?, now: Date) -> Bool {
        guard let heldUntil else { return false }
        return heldUntil.addingTimeInterval(confirmGrace) >= now
    }
}
