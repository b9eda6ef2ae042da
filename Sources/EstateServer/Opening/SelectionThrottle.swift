import EstateCore
import Foundation
import NIOConcurrencyHelpers
import NIOCore

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

/// How many selections this process works on at once (`SelectionLimits.inFlight`), and the line before them.
/// A selection past the limit waits its turn, first come first served, for at most `maxWait`; past that, or with
/// `maxQueue` already waiting, it is turned away (503 with Retry-After). Waiting is what keeps a rush cheap: a
/// selection turned away at once comes straight back, and twenty thousand buyers retrying every second cost the
/// process more than the selections themselves (release bench: 1,000 refusals a second, 0.4 units sold a second).
/// A confirmation always enters (and counts), since turning it away could cost the buyer a unit they already
/// hold. The buyer's API and page admit a selection before anything else (`admit`: before the session is read),
/// so one turned away costs no database work at all; the service's own check then finds the task already inside
/// and does not count it twice.
public final class SelectionGate: Sendable {
    public let limit: Int
    public let maxQueue: Int
    public let maxWait: TimeInterval
    private struct State {
        var busy = 0
        var next = 0
        /// Waiting selections by ticket, and their order (a ticket no longer in `waiting` has given up).
        var waiting: [Int: CheckedContinuation<Bool, Never>] = [:]
        var line = CircularBuffer<Int>()
    }
    private let state = NIOLockedValueBox(State())
    /// The gate whose slot the current task holds (set by `admit`).
    @TaskLocal private static var inside: ObjectIdentifier?

    public init(limit: Int = SelectionLimits.inFlight, maxQueue: Int = SelectionLimits.queued, maxWait: TimeInterval = SelectionLimits.queueWait) {
        self.limit = limit
        self.maxQueue = maxQueue
        self.maxWait = maxWait
    }

    public struct Slot: Sendable { fileprivate let counted: Bool }

    /// 503 opening_busy with the wait (`SelectionLimits.busyRetryAfter`).
    public static var busyProblem: Problem {
        Problem(.serviceUnavailable, "opening_busy", arguments: ["seconds": "\(SelectionLimits.busyRetryAfter)"],
                headers: ["Retry-After": "\(SelectionLimits.busyRetryAfter)"])
    }

    /// A slot now, or nil when `limit` selections are in flight (no waiting). Inside `admit` of this gate: a slot
    /// already counted.
    public func enter() -> Slot? {
        if Self.inside == ObjectIdentifier(self) { return Slot(counted: false) }
        return state.withLockedValue { s in
            // Those in line go first.
            guard s.busy < limit, s.waiting.isEmpty else { return nil }
            s.busy += 1
            return Slot(counted: true)
        }
    }

    public func enterAlways() -> Slot {
        if Self.inside == ObjectIdentifier(self) { return Slot(counted: false) }
        state.withLockedValue { $0.busy += 1 }
        return Slot(counted: true)
    }

    public func leave(_ slot: Slot) {
        guard slot.counted else { return }
        // The slot passes to the first one still waiting; it stays counted.
        let heir = state.withLockedValue { s -> CheckedContinuation<Bool, Never>? in
            while let ticket = s.line.popFirst() {
                if let c = s.waiting.removeValue(forKey: ticket) { return c }
            }
            s.busy -= 1
            return nil
        }
        heir?.resume(returning: true)
    }

    /// A slot, waiting in line for at most `maxWait`; nil when the line is full or the wait ran out.
    func acquire() async -> Slot? {
        if Self.inside == ObjectIdentifier(self) { return Slot(counted: false) }
        enum Step { case entered, full, queued(Int) }
        let admitted = await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            let step = state.withLockedValue { s -> Step in
                if s.busy < limit, s.waiting.isEmpty { s.busy += 1; return .entered }
                guard s.waiting.count < maxQueue, maxWait > 0 else { return .full }
                s.next += 1
                s.waiting[s.next] = c
                s.line.append(s.next)
                return .queued(s.next)
            }
            switch step {
            case .entered: c.resume(returning: true)
            case .full: c.resume(returning: false)
            case .queued(let ticket):
                let wait = UInt64(maxWait * 1_000_000_000)
                Task { [weak self] in
                    try? await Task.sleep(nanoseconds: wait)
                    self?.giveUp(ticket)
                }
            }
        }
        return admitted ? Slot(counted: true) : nil
    }

    /// The wait ran out: out of line, turned away (unless a slot reached it first).
    private func giveUp(_ ticket: Int) {
        state.withLockedValue { $0.waiting.removeValue(forKey: ticket) }?.resume(returning: false)
    }

    /// Runs `body` holding a slot (after waiting in line), or throws `busyProblem` when none came in time.
    public func admit<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        guard let slot = await acquire() else { throw Self.busyProblem }
        defer { leave(slot) }
        return try await Self.$inside.withValue(ObjectIdentifier(self)) { try await body() }
    }

    public var inFlight: Int { state.withLockedValue { $0.busy } }
    public var waiting: Int { state.withLockedValue { $0.waiting.count } }
}
