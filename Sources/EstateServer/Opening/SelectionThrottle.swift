import EstateCore
import Foundation
import NIOConcurrencyHelpers

/// The selection limits of this server process (`SelectionLimits`), one bucket per buyer and per
/// address. Per process by design: the limit's purpose is that a flood costs nothing, so it must not
/// cost a database write; with several servers behind a balancer a buyer gets at most that many times
/// the rate, still far below what would matter. A refusal is not a line of the event's chain for the
/// same reason.
public final class SelectionThrottle: Sendable {
    private struct State {
        var buyers: [UUID: TokenBucket] = [:]
        var addresses: [String: TokenBucket] = [:]
        var checks = 0
    }
    private let state = NIOLockedValueBox(State())

    public init() {}

    /// Nil when the selection may go ahead (a token taken from both buckets), else the seconds to wait.
    public func admit(registration: UUID, address: String?, now: Date) -> TimeInterval? {
        state.withLockedValue { s in
            s.checks += 1
            if s.checks % 4_096 == 0 {
                // Forget full buckets now and then, so the maps hold only the busy.
                s.buyers = s.buyers.filter { !$0.value.isIdle(now: now) }
                s.addresses = s.addresses.filter { !$0.value.isIdle(now: now) }
            }
            var buyer = s.buyers[registration] ?? SelectionLimits.buyer(now: now)
            var place = address.map { s.addresses[$0] ?? SelectionLimits.address(now: now) }
            // Both must have a token; a refusal keeps both buckets as they were.
            let waitBuyer = buyer.take(now: now)
            let waitPlace = place?.take(now: now)
            if let wait = [waitBuyer, waitPlace].compactMap({ $0 }).max() { return wait }
            s.buyers[registration] = buyer
            if let address, let place { s.addresses[address] = place }
            return nil
        }
    }

    /// Gives back what `admit` took when the server then turned the selection away as busy: the buyer
    /// waited as told and did nothing, so it is not held against their allowance.
    public func refund(registration: UUID, address: String?) {
        state.withLockedValue { s in
            s.buyers[registration]?.giveBack()
            if let address { s.addresses[address]?.giveBack() }
        }
    }
}

/// How many selections this process works on at once (`SelectionLimits.inFlight`). A selection over the
/// limit is turned away at once; a confirmation always enters (and counts), since turning it away could
/// cost the buyer a unit they already hold. The buyer's API and page admit a selection before anything
/// else (`admit`: before the session is read), so one turned away costs no database work at all; the
/// service's own check then finds the task already inside and does not count it twice.
public final class SelectionGate: Sendable {
    public let limit: Int
    private let busy = NIOLockedValueBox(0)
    /// The gate whose slot the current task holds (set by `admit`).
    @TaskLocal private static var inside: ObjectIdentifier?

    public init(limit: Int = SelectionLimits.inFlight) { self.limit = limit }

    public struct Slot: Sendable { fileprivate let counted: Bool }

    /// 503 opening_busy with the wait (`SelectionLimits.busyRetryAfter`).
    public static var busyProblem: Problem {
        Problem(.serviceUnavailable, "opening_busy", arguments: ["seconds": "\(SelectionLimits.busyRetryAfter)"],
                headers: ["Retry-After": "\(SelectionLimits.busyRetryAfter)"])
    }

    /// A slot, or nil when `limit` selections are in flight. Inside `admit` of this gate: a slot already counted.
    public func enter() -> Slot? {
        if Self.inside == ObjectIdentifier(self) { return Slot(counted: false) }
        return busy.withLockedValue { n in
            guard n < limit else { return nil }
            n += 1
            return Slot(counted: true)
        }
    }

    public func enterAlways() -> Slot {
        if Self.inside == ObjectIdentifier(self) { return Slot(counted: false) }
        busy.withLockedValue { $0 += 1 }
        return Slot(counted: true)
    }

    public func leave(_ slot: Slot) {
        if slot.counted { busy.withLockedValue { $0 -= 1 } }
    }

    /// Runs `body` holding a slot, or throws `busyProblem` at once when none is free.
    public func admit<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        guard let slot = enter() else { throw Self.busyProblem }
        defer { leave(slot) }
        return try await Self.$inside.withValue(ObjectIdentifier(self)) { try await body() }
    }

    public var inFlight: Int { busy.withLockedValue { $0 } }
}
