import FluentKit
import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import SQLKit

/// The wallboard's "something changed" signal (a call event, an agent's state), fanned out the way the
/// 销控 board's `UnitEventHub` does it: straight to this process's viewers after the commit, and to
/// every other server process through PostgreSQL LISTEN/NOTIFY (the NOTIFY is part of the writing
/// transaction, so a rolled-back change is never announced). Viewers then read the board afresh;
/// a burst of changes reaches a slow viewer as one signal.
public final class CallCentreHub: Sendable {
    static let channel = "estate_callcentre"
    /// This process, in NOTIFY payloads: its own changes were delivered when they committed.
    let origin = UUID()
    private let subscribers = NIOLockedValueBox<[UUID: AsyncStream<Void>.Continuation]>([:])
    private let listener = NIOLockedValueBox<Task<Void, Never>?>(nil)

    public init() {}

    /// Inside the writing transaction.
    func announce(_ engine: Store.Engine, on tx: any Database) async throws {
        guard engine == .postgres else { return }
        try await (tx as! any SQLDatabase).raw("SELECT pg_notify(\(bind: Self.channel), \(bind: origin.uuidString))").run()
    }

    /// After the commit, for this process's viewers (on SQLite the only process).
    func committed() { fanOut() }

    /// A stream of change signals; ends when the server stops or the viewer goes.
    public func subscribe() -> AsyncStream<Void> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        continuation.onTermination = { [weak self] _ in _ = self?.subscribers.withLockedValue { $0.removeValue(forKey: id) } }
        subscribers.withLockedValue { $0[id] = continuation }
        return stream
    }

    var viewerCount: Int { subscribers.withLockedValue { $0.count } }

    private func fanOut() {
        for c in subscribers.withLockedValue({ Array($0.values) }) { c.yield(()) }
    }

    /// Listens on a dedicated connection; reconnects with back-off, and after a gap tells every viewer
    /// to read again (changes may have been missed).
    func startListening(configuration: PostgresConnection.Configuration, eventLoop: any EventLoop, logger: Logger) {
        let task = PostgresChannel.listen(Self.channel, configuration: configuration, eventLoop: eventLoop, logger: logger,
                                          connected: { [weak self] in self?.fanOut() },
                                          received: { [weak self] payload in
            guard let self, payload != self.origin.uuidString else { return }
            self.fanOut()
        })
        listener.withLockedValue { $0 = task }
    }

    func shutdown() {
        listener.withLockedValue { $0?.cancel() }
        for c in subscribers.withLockedValue({ s in defer { s = [:] }; return Array(s.values) }) { c.finish() }
    }
}
