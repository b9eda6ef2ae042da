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
/// cost the buyer a unit they already hold.
public final class SelectionGate: Sendable {
    public let limit: Int
    private let busy = NIOLockedValueBox(0)

    public init(limit: Int = SelectionLimits.inFlight) { self.limit = limit }

    public struct Slot: Sendable { fileprivate init() {} }

    /// A slot, or nil when `limit` selections are in flight.
    public func enter() -> Slot? {
        busy.withLockedValue { n in
            guard n < limit else { return nil }
            n += 1
            return Slot()
        }
    }

    public func enterAlways() -> Slot {
        busy.withLockedValue { $0 += 1 }
        return Slot()
    }

    public func leave(_ slot: Slot) { busy.withLockedValue { $0 -= 1 } }

    public var inFlight: Int { busy.withLockedValue { $0 } }
}
