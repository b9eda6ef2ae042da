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
}
