import NIOConcurrencyHelpers
import NIOPosix
import Vapor

/// At most `limit` spreadsheet imports at once in this process (`ESTATE_MAX_CONCURRENT_IMPORTS`).
/// Reading a file takes a core and memory for its rows, so more at once would starve every other
/// request on a small server; the rest are told to come back (429 `import_busy`, `Retry-After`)
/// rather than queued, so a burst of uploads holds no memory while it waits.
public final class ImportGate: LifecycleHandler, Sendable {
    public let limit: Int
    /// Seconds a refused client is asked to wait: about what one large import takes.
    static let retryAfterSeconds = 5
    private let running = NIOLockedValueBox(0)
    /// Where files are parsed: one thread per place, of its own. Not an event loop or the cooperative
    /// pool (every request waits on those), and not `app.threadPool`, where SQLite runs its queries:
    /// parsing there stalled `/health` for seconds (scripts/bench/import-bomb).
    let threadPool: NIOThreadPool

    init(limit: Int) {
        self.limit = max(1, limit)
        threadPool = NIOThreadPool(numberOfThreads: self.limit)
        threadPool.start()
    }

    public func shutdownAsync(_ application: Application) async {
        try? await threadPool.shutdownGracefully()
    }

    /// Imports running now.
    public var inUse: Int { running.withLockedValue { $0 } }

    /// Takes a place for one import, or throws 429 `import_busy` when all are taken.
    public func enter() throws -> Permit {
        let admitted = running.withLockedValue { n in
            guard n < limit else { return false }
            n += 1
            return true
        }
        guard admitted else {
            throw Problem(.tooManyRequests, "import_busy", arguments: ["seconds": "\(Self.retryAfterSeconds)"],
                          headers: ["Retry-After": "\(Self.retryAfterSeconds)"])
        }
        return Permit(gate: self)
    }

    /// Runs `body` holding a place.
    public func run<T>(_ body: () async throws -> T) async throws -> T {
        let permit = try enter()
        defer { permit.release() }
        return try await body()
    }

    fileprivate func leave() {
        running.withLockedValue { $0 -= 1 }
    }

    /// One place; given back once, by `release()` or when the permit is dropped (a streamed
    /// import hands it to its task, which may end in ways a `defer` in the handler does not see).
    public final class Permit: Sendable {
        private let gate: ImportGate
        private let held = NIOLockedValueBox(true)

        fileprivate init(gate: ImportGate) { self.gate = gate }

        public func release() {
            let wasHeld = held.withLockedValue { h in
                defer { h = false }
                return h
            }
            if wasHeld { gate.leave() }
        }

        deinit { release() }
    }
}
