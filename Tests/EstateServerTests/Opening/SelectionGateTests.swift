@testable import EstateServer
import EstateCore
import Foundation
import NIOConcurrencyHelpers
import Testing

/// The opening's admission line (`SelectionGate`): past the in-flight limit a selection waits its turn, first come
/// first served, and is turned away only when the line is full or its wait runs out.
@Suite struct SelectionGateTests {
    /// Polls until `condition` holds (the waiting tasks queue themselves asynchronously).
    static func until(_ condition: () -> Bool) async throws {
        for _ in 0..<2_000 where !condition() { try await Task.sleep(nanoseconds: 1_000_000) }
        #expect(condition())
    }

    @Test func pastTheLimitSelectionsWaitInLineAndEnterInTheOrderTheyCame() async throws {
        // setup: both slots taken.
        let gate = SelectionGate(limit: 2, maxQueue: 2, maxWait: 30)
        let a = try #require(gate.enter()), b = try #require(gate.enter())
        #expect(gate.enter() == nil)
        let order = NIOLockedValueBox<[Int]>([])
        // MUT: two wait in line; a third finds the line full and is turned away at once.
        let first = Task { try await gate.admit { order.withLockedValue { $0.append(1) } } }
        try await Self.until { gate.waiting == 1 }
        let second = Task { try await gate.admit { order.withLockedValue { $0.append(2) } } }
        try await Self.until { gate.waiting == 2 }
        var turned: Problem?
        do { try await gate.admit { order.withLockedValue { $0.append(3) } } } catch let p as Problem { turned = p }
        #expect(turned?.code == "opening_busy" && turned?.headers.first(name: "Retry-After") == "1")
        // A slot held outside the line cannot jump it either.
        #expect(gate.enter() == nil)
        #expect(order.withLockedValue { $0 }.isEmpty)
        // validate: a slot given back goes to the first in line, whose slot then goes to the second.
        gate.leave(a)
        try await first.value
        try await second.value
        #expect(order.withLockedValue { $0 } == [1, 2])
        #expect(gate.inFlight == 1 && gate.waiting == 0)
        gate.leave(b)
        #expect(gate.inFlight == 0)
    }

    @Test func aWaitThatRunsOutIsTurnedAwayAndLeavesNoTraceInTheLine() async throws {
        // setup: the only slot taken; a short wait.
        let gate = SelectionGate(limit: 1, maxQueue: 8, maxWait: 0.05)
        let held = try #require(gate.enter())
        // MUT
        var turned: Problem?
        do { try await gate.admit { Issue.record("entered without a slot") } } catch let p as Problem { turned = p }
        // validate: turned away busy, out of line; the slot given back is free for the next one at once.
        #expect(turned?.code == "opening_busy")
        #expect(gate.waiting == 0 && gate.inFlight == 1)
        gate.leave(held)
        #expect(gate.inFlight == 0)
        let entered = try await gate.admit { gate.inFlight }
        #expect(entered == 1 && gate.inFlight == 0)
    }

    @Test func manyWaitingSelectionsAllEnterAndNeverMoreThanTheLimitAtOnce() async throws {
        // setup: a limit of 4 and 200 selections at once, each holding its slot for a moment.
        let gate = SelectionGate(limit: 4, maxQueue: 1_000, maxWait: 30)
        let peak = NIOLockedValueBox((now: 0, max: 0))
        // MUT
        let entered = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    try await gate.admit {
                        peak.withLockedValue { $0.now += 1; $0.max = max($0.max, $0.now) }
                        try await Task.sleep(nanoseconds: 200_000)
                        peak.withLockedValue { $0.now -= 1 }
                        return 1
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        // validate
        #expect(entered == 200)
        #expect(peak.withLockedValue { $0.max } == 4)
        #expect(gate.inFlight == 0 && gate.waiting == 0)
    }
}
