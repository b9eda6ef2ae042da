@testable import EstateServer
import Foundation
import NIOConcurrencyHelpers
import Testing

/// The live availability's single flight: in a rush a process reads the event's units once per change,
/// not once per viewer, and never answers a viewer with what was there before the change that woke it.
@Suite("Opening day: the availability hub's single flight")
struct OpeningHubTests {
    @Test func viewersAtOnceShareOneBuildAndAChangeMeansOneMore() async throws {
        // setup
        let hub = OpeningHub()
        let event = UUID()
        let reads = NIOLockedValueBox(0)
        @Sendable func build() async throws -> String {
            let n = reads.withLockedValue { $0 += 1; return $0 }
            try await Task.sleep(for: .milliseconds(50))
            return "read \(n)"
        }
        // MUT: 50 viewers at once, then a change, then 50 more.
        let first = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 { group.addTask { try await hub.snapshot(event, build: build) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        hub.committed(event)
        let second = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 { group.addTask { try await hub.snapshot(event, build: build) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        // validate
        #expect(Set(first) == ["read 1"])
        #expect(Set(second) == ["read 2"])
        #expect(reads.withLockedValue { $0 } == 2)
        #expect(hub.builds == 2)
    }

    @Test func aViewerWokenByAChangeDuringABuildGetsTheNextBuild() async throws {
        // setup: a build is running (held open) when the change comes.
        let (hub, event, held) = (OpeningHub(), UUID(), HeldBuild())
        let build = held.build
        let early = try await held.startFirst(hub, event)
        // MUT: a change, then a viewer asks while the old build still runs; then the old build finishes.
        hub.committed(event)
        let late = Task { try await hub.snapshot(event, build: build) }
        try await Task.sleep(for: .milliseconds(20))
        held.open()
        // validate: the early viewer gets the read it started; the late one a read made after the change.
        #expect(try await early.value == "read 1")
        #expect(try await late.value == "read 2")
        #expect(try await hub.snapshot(event, build: build) == "read 2")
        #expect(held.reads == 2)
    }

    /// A release bench hung here: viewers woken by a change waited for the older build, found it finished but still
    /// marked running (its starter had not run yet), awaited it again without suspending and spun on every pool thread.
    @Test(.timeLimit(.minutes(1))) func manyViewersWaitingOnAnOldBuildDoNotStarveItsEnd() async throws {
        // setup: a build held open, then a change, then more waiting viewers than the pool has threads.
        let (hub, event, held) = (OpeningHub(), UUID(), HeldBuild())
        let build = held.build
        let early = try await held.startFirst(hub, event)
        hub.committed(event)
        let late = (0..<64).map { _ in Task { try await hub.snapshot(event, build: build) } }
        try await Task.sleep(for: .milliseconds(50))
        // MUT: the old build ends while 64 viewers wait on it.
        held.open()
        // validate: everyone is answered; the late ones with the one read made after the change.
        #expect(try await early.value == "read 1")
        var answers = Set<String>()
        for t in late { answers.insert(try await t.value) }
        #expect(answers == ["read 2"])
        #expect(held.reads == 2)
    }
}

/// A build whose first read is held open until `open()`, counting its reads ("read 1", "read 2"…).
private struct HeldBuild: Sendable {
    let gate: AsyncStream<Void>, opener: AsyncStream<Void>.Continuation
    let count = NIOLockedValueBox(0)
    init() { (gate, opener) = AsyncStream<Void>.makeStream() }
    var reads: Int { count.withLockedValue { $0 } }
    func open() { opener.yield(()) }
    var build: @Sendable () async throws -> String {
        { [count, gate] in
            let n = count.withLockedValue { $0 += 1; return $0 }
            if n == 1 { for await _ in gate { break } }
            return "read \(n)"
        }
    }
    /// A first viewer whose build is running (and held) when this returns.
    func startFirst(_ hub: OpeningHub, _ event: UUID) async throws -> Task<String, any Error> {
        let build = self.build
        let first = Task { try await hub.snapshot(event, build: build) }
        while reads == 0 { try await Task.sleep(for: .milliseconds(2)) }
        return first
    }
}
