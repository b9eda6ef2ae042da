import Foundation
import NIOConcurrencyHelpers
import PostgresNIO
import SQLKit
import FluentKit
import Vapor

/// Live availability of an opening's units (issue 18 point 4): one compact update per change,
/// built once and sent to every viewer (not one query per viewer). A change signals the event's
/// viewers; the first viewer to ask builds the snapshot for that generation, the others reuse it.
/// Across processes a change is a NOTIFY on PostgreSQL (the board's and wallboard's pattern).
public final class OpeningHub: Sendable {
    static let channel = "estate_opening"
    let origin = UUID()
    private struct State {
        var subscribers: [UUID: [UUID: AsyncStream<Void>.Continuation]] = [:]
        var generation: [UUID: Int] = [:]
        var snapshots: [UUID: Flight<String>] = [:]
        var slots: [UUID: Flight<[OpeningService.Slot]>] = [:]
        var builds = 0
    }
    private let state = NIOLockedValueBox(State())
    private let listener = NIOLockedValueBox<Task<Void, Never>?>(nil)

    public init() {}

    /// Inside the writing transaction (PostgreSQL: other processes hear it after the commit).
    func announce(_ eventID: UUID, engine: Store.Engine, on tx: any Database) async throws {
        guard engine == .postgres else { return }
        try await tx.sql.raw("SELECT pg_notify(\(bind: Self.channel), \(bind: eventID.uuidString + "|" + origin.uuidString))").run()
    }

    /// After the commit, for this process's viewers.
    func committed(_ eventID: UUID) { changed(eventID) }

    public func subscribe(_ eventID: UUID) -> AsyncStream<Void> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        continuation.onTermination = { [weak self] _ in _ = self?.state.withLockedValue { $0.subscribers[eventID]?.removeValue(forKey: id) } }
        state.withLockedValue { $0.subscribers[eventID, default: [:]][id] = continuation }
        return stream
    }

    /// The last value built for an event and the build running now (at most one per event and process).
    private struct Flight<Value: Sendable> {
        var done: (generation: Int, value: Value)?
        var running: (generation: Int, task: Task<Value, any Error>)?
    }

    /// The current snapshot's text, built by `build` at most once per generation.
    func snapshot(_ eventID: UUID, build: @escaping @Sendable () async throws -> String) async throws -> String {
        try await shared(eventID, \.snapshots, build: build)
    }

    /// The event's units with their status for the buyers' API, read at most once per generation (a rush re-reads
    /// them thousands of times a minute; they change only with a selection, a confirmation or a lapse).
    func slots(_ eventID: UUID, build: @escaping @Sendable () async throws -> [OpeningService.Slot]) async throws -> [OpeningService.Slot] {
        try await shared(eventID, \.slots, build: build)
    }

    /// Single flight: one build at a time per event. A caller gets the last value if it is of the current
    /// generation, joins the running build if that started at the current generation, or else waits for the
    /// running (older) one and asks again — so in a rush viewers share builds instead of each reading 500 rows,
    /// and nobody is answered with a value older than the change that woke them.
    ///
    /// The build's task records its own end (value kept, `running` cleared) before it completes. When the caller
    /// that started it did that after its await, a waiter woken first found the finished task still "running",
    /// awaited it again without suspending and spun; with as many spinning waiters as pool threads the starter
    /// never ran again and the server hung at 100 % CPU (release bench, 2,000 buyers on 256 connections).
    private func shared<Value: Sendable>(_ eventID: UUID, _ key: WritableKeyPath<State, [UUID: Flight<Value>]>,
                                         build: @escaping @Sendable () async throws -> Value) async throws -> Value {
        nonisolated(unsafe) let key = key
        while true {
            let step = state.withLockedValue { s -> FlightStep<Value> in
                let generation = s.generation[eventID, default: 0]
                var flight = s[keyPath: key][eventID] ?? Flight()
                if let done = flight.done, done.generation >= generation { return .have(done.value) }
                if let running = flight.running { return running.generation >= generation ? .join(running.task) : .wait(running.task) }
                // The task cannot record its end before this closure has recorded its start: it needs the same lock.
                let task = Task { [state] () async throws -> Value in
                    let result: Result<Value, any Error>
                    do { result = .success(try await build()) } catch { result = .failure(error) }
                    state.withLockedValue { s in
                        s[keyPath: key][eventID]?.running = nil
                        if case .success(let value) = result {
                            s.builds += 1
                            if (s[keyPath: key][eventID]?.done?.generation ?? -1) < generation { s[keyPath: key][eventID]?.done = (generation, value) }
                        }
                    }
                    return try result.get()
                }
                flight.running = (generation, task)
                s[keyPath: key][eventID] = flight
                return .join(task)
            }
            switch step {
            case .have(let value): return value
            case .join(let task): return try await task.value
            case .wait(let task): _ = try? await task.value
            }
        }
    }

    /// How many snapshots were built (for tests: one per change, not one per viewer).
    var builds: Int { state.withLockedValue { $0.builds } }
    func viewers(_ eventID: UUID) -> Int { state.withLockedValue { $0.subscribers[eventID]?.count ?? 0 } }

    private func changed(_ eventID: UUID) {
        let targets = state.withLockedValue { s -> [AsyncStream<Void>.Continuation] in
            s.generation[eventID, default: 0] += 1
            return Array((s.subscribers[eventID] ?? [:]).values)
        }
        for c in targets { c.yield(()) }
    }

    func startListening(configuration: PostgresConnection.Configuration, eventLoop: any EventLoop, logger: Logger) {
        let task = PostgresChannel.listen(Self.channel, configuration: configuration, eventLoop: eventLoop, logger: logger,
                                          connected: { [weak self] in
            guard let self else { return }
            for id in self.state.withLockedValue({ Array($0.subscribers.keys) }) { self.changed(id) }
        }, received: { [weak self] payload in
            guard let self else { return }
            let parts = payload.split(separator: "|").map(String.init)
            guard parts.count == 2, parts[1] != self.origin.uuidString, let id = UUID(uuidString: parts[0]) else { return }
            self.changed(id)
        })
        listener.withLockedValue { $0 = task }
    }

    func shutdown() {
        listener.withLockedValue { $0?.cancel() }
        for c in state.withLockedValue({ s in defer { s.subscribers = [:] }; return s.subscribers.values.flatMap { Array($0.values) } }) { c.finish() }
    }
}

/// What a caller of `OpeningHub.shared` does next.
private enum FlightStep<Value: Sendable> {
    case have(Value), join(Task<Value, any Error>), wait(Task<Value, any Error>)
}
