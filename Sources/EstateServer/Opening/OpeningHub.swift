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
        var snapshots: [UUID: (generation: Int, bytes: String)] = [:]
        var slots: [UUID: (generation: Int, slots: [OpeningService.Slot])] = [:]
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

    /// The current snapshot's text, built by `build` at most once per generation.
    func snapshot(_ eventID: UUID, build: () async throws -> String) async throws -> String {
        let generation = state.withLockedValue { s -> Int in
            s.generation[eventID, default: 0]
        }
        if let cached = state.withLockedValue({ $0.snapshots[eventID] }), cached.generation == generation { return cached.bytes }
        let bytes = try await build()
        state.withLockedValue { s in
            s.builds += 1
            if (s.snapshots[eventID]?.generation ?? -1) < generation { s.snapshots[eventID] = (generation, bytes) }
        }
        return bytes
    }

    /// The event's units with their status for the buyers' API, read at most once per generation (a rush re-reads
    /// them thousands of times a minute; they change only with a selection, a confirmation or a lapse).
    func slots(_ eventID: UUID, build: () async throws -> [OpeningService.Slot]) async throws -> [OpeningService.Slot] {
        let generation = state.withLockedValue { $0.generation[eventID, default: 0] }
        if let cached = state.withLockedValue({ $0.slots[eventID] }), cached.generation == generation { return cached.slots }
        let slots = try await build()
        state.withLockedValue { s in
            s.builds += 1
            if (s.slots[eventID]?.generation ?? -1) < generation { s.slots[eventID] = (generation, slots) }
        }
        return slots
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
