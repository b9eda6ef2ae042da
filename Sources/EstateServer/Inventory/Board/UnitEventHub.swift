import EstateCore
import FluentKit
import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import SQLKit

/// Something changed on a project's 楼盘表: these units (or, when `structural`,
/// buildings or many units at once, so boards reload).
public struct UnitChange: Sendable, Codable, Equatable {
    public var projectID: UUID
    public var unitIDs: [UUID]
    public var structural: Bool
    /// The process that made the change: it applies its own changes at once (read-your-writes)
    /// and skips their notifications.
    var origin: UUID?

    public init(projectID: UUID, unitIDs: [UUID], structural: Bool = false) {
        self.projectID = projectID
        self.structural = structural || unitIDs.count > UnitChange.maxListed
        // A reload needs no list (and a long one would not fit a NOTIFY payload).
        self.unitIDs = self.structural ? [] : unitIDs
    }

    /// Beyond this many units a change is sent as "reload" (PostgreSQL NOTIFY payloads stop at 8,000 bytes).
    static let maxListed = 100

    enum CodingKeys: String, CodingKey { case projectID = "p", unitIDs = "u", structural = "s", origin = "o" }
}

/// What a board viewer receives.
public enum BoardUpdate: Sendable {
    /// These cells changed; the JSON is an array of board cells.
    case cells(projectID: UUID, json: [UInt8])
    /// Reload the board.
    case reload(projectID: UUID)
}

/// Live updates and the board cache. Every committed change reaches `deliver`
/// exactly once per process: directly after commit on SQLite (one process owns the
/// file), and through PostgreSQL LISTEN/NOTIFY otherwise, so every server process
/// sharing the database hears every change. Deliveries are processed one at a
/// time, in order, by a single consumer: a patch never overtakes a later one.
public final class UnitEventHub: Sendable {
    static let channel = "estate_units"

    let engine: Store.Engine
    let logger: Logger
    /// This process, in NOTIFY payloads.
    let origin = UUID()
    private let database: @Sendable () -> any Database
    private let now: @Sendable () -> Date
    private let state = NIOLockedValueBox(State())
    private let queue: AsyncStream<UnitChange>.Continuation
    private let consumer: NIOLockedValueBox<Task<Void, Never>?> = .init(nil)
    private let listener: NIOLockedValueBox<Task<Void, Never>?> = .init(nil)
    /// Changes queued and changes fully processed: equal when the hub is idle (tests wait on it).
    let queued = NIOLockedValueBox(0)
    let processed = NIOLockedValueBox(0)
    var isIdle: Bool { queued.withLockedValue { $0 } == processed.withLockedValue { $0 } }

    struct CachedBoard {
        var board: Board
        var json: [UInt8]?
    }

    struct State {
        var boards: [UUID: CachedBoard] = [:]
        /// Bumped for every change of a project, cached or not: a build that started before a
        /// change is not stored over it (it would stay stale).
        var versions: [UUID: Int] = [:]
        var subscribers: [UUID: (projectID: UUID, continuation: AsyncStream<BoardUpdate>.Continuation)] = [:]
    }

    init(engine: Store.Engine, logger: Logger, now: @escaping @Sendable () -> Date, database: @escaping @Sendable () -> any Database) {
        self.engine = engine
        self.logger = logger
        self.now = now
        self.database = database
        let (stream, continuation) = AsyncStream<UnitChange>.makeStream()
        self.queue = continuation
        let task = Task { [weak self] in
            for await change in stream {
                guard let self else { return }
                await self.process(change)
            }
        }
        consumer.withLockedValue { $0 = task }
    }

    func shutdown() {
        queue.finish()
        listener.withLockedValue { $0?.cancel() }
        // Finish outside the lock: a stream's onTermination takes the lock again.
        let subs = state.withLockedValue { s in
            defer { s.subscribers = [:] }
            return Array(s.subscribers.values)
        }
        for sub in subs { sub.continuation.finish() }
    }


    // MARK: Announcing changes

    /// Inside the writing transaction: on PostgreSQL the NOTIFY is part of it, so
    /// listeners hear of the change only if it commits.
    func announce(_ change: UnitChange, on tx: any Database) async throws {
        guard engine == .postgres else { return }
        var change = change
        change.origin = origin
        let payload = String(decoding: try JSONEncoder().encode(change), as: UTF8.self)
        try await tx.sql.raw("SELECT pg_notify(\(bind: Self.channel), \(bind: payload))").run()
    }

    /// After the commit the change is applied here, in this process, on both engines: the next
    /// board read waits for it (read-your-writes). Other processes hear it by NOTIFY.
    func committed(_ change: UnitChange) {
        enqueue(change)
    }

    // MARK: PostgreSQL listener

    /// Starts listening on a dedicated connection; reconnects with back-off and, after
    /// a gap, tells every viewer to reload (changes may have been missed).
    func startListening(configuration: PostgresConnection.Configuration, eventLoop: any EventLoop) {
        let task = PostgresChannel.listen(Self.channel, configuration: configuration, eventLoop: eventLoop, logger: logger,
                                          // Changes made before this connection listened may be cached stale: start clean.
                                          connected: { [weak self] in self?.reloadEveryone() },
                                          received: { [weak self] payload in
            guard let self else { return }
            guard let change = try? JSONDecoder().decode(UnitChange.self, from: Data(payload.utf8)) else {
                self.logger.warning("ignored a malformed board notification")
                return
            }
            // Our own changes were applied when they committed.
            if change.origin != self.origin { self.enqueue(change) }
        })
        listener.withLockedValue { $0 = task }
    }

    private func enqueue(_ change: UnitChange) {
        queued.withLockedValue { $0 += 1 }
        queue.yield(change)
    }

    /// Drops every cached board (changes the cache did not see, and tests that edit rows directly).
    func reloadEveryone() {
        let subs = state.withLockedValue { s in
            s.boards = [:]
            for key in s.versions.keys { s.versions[key, default: 0] += 1 }
            return Array(s.subscribers.values)
        }
        for sub in subs { send(.reload(projectID: sub.projectID), to: sub.continuation) }
    }

    /// A viewer too slow to keep up loses its stream (and reconnects, and reloads) rather than
    /// silently missing a change.
    private func send(_ update: BoardUpdate, to c: AsyncStream<BoardUpdate>.Continuation) {
        if case .dropped = c.yield(update) { c.finish() }
    }

    // MARK: Viewers

    /// A stream of updates for one project's board; ends when the server stops.
    public func subscribe(projectID: UUID) -> (id: UUID, updates: AsyncStream<BoardUpdate>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream<BoardUpdate>.makeStream(bufferingPolicy: .bufferingNewest(256))
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLockedValue { $0.subscribers.removeValue(forKey: id) }
        }
        state.withLockedValue { $0.subscribers[id] = (projectID, continuation) }
        return (id, stream)
    }


    // MARK: The cache

    /// Waits (briefly) until every change this process has queued so far is applied, so a board
    /// read after a write sees it.
    func caughtUp() async {
        let target = queued.withLockedValue { $0 }
        let deadline = ContinuousClock.now + .seconds(2)
        while processed.withLockedValue({ $0 }) < target, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    /// The whole project's board, from the cache or built now.
    public func board(_ projectID: UUID) async throws -> Board {
        await caughtUp()
        for _ in 0..<3 {
            let (cached, version) = state.withLockedValue { ($0.boards[projectID], $0.versions[projectID] ?? 0) }
            if let cached { return cached.board }
            let board = try await Self.build(projectID, on: database(), now: now(), logger: logger)
            // Stored only if no change came in while it was read; otherwise read again.
            let stored = state.withLockedValue { s -> Bool in
                guard (s.versions[projectID] ?? 0) == version else { return false }
                s.boards[projectID] = CachedBoard(board: board, json: nil)
                return true
            }
            if stored { return board }
        }
        // Changes keep arriving: serve a fresh read without caching it.
        return try await Self.build(projectID, on: database(), now: now(), logger: logger)
    }

    /// The board as JSON bytes, encoded once per change.
    public func boardJSON(_ projectID: UUID) async throws -> [UInt8] {
        await caughtUp()
        if let json = state.withLockedValue({ $0.boards[projectID]?.json }) { return json }
        let board = try await board(projectID)
        let started = ContinuousClock.now
        let json = BoardJSON.encode(board)
        logger.debug("board cache: encoded \(board.project.code) (\(json.count) bytes) in \(ContinuousClock.now - started)")
        state.withLockedValue { s in
            if s.boards[projectID]?.board.generatedAt == board.generatedAt { s.boards[projectID]?.json = json }
        }
        return json
    }

    static func build(_ projectID: UUID, on db: any Database, now: Date, logger: Logger? = nil) async throws -> Board {
        struct P: Decodable { var id: UUID; var code: String; var name: String; var price_rounding: String }
        guard let p = try await db.sql.select().columns("id", "code", "name", "price_rounding").from("projects")
            .where("id", .equal, projectID).first(decoding: P.self) else { throw Problem.notFound }
        let buildings = try await db.sql.select().columns("id", "project_id", "name", "sort_order", "floors", "entrances")
            .from("buildings").where("project_id", .equal, projectID).orderBy("sort_order").orderBy("name")
            .all(decoding: BuildingRow.self)
        let clock = ContinuousClock()
        let t0 = clock.now
        let (units, fast) = try await UnitRow.allOfProject(projectID, on: db)
        let t2 = clock.now
        let board = Board(project: .init(id: p.id, code: p.code, name: p.name),
                          rounding: PriceRounding(rawValue: p.price_rounding) ?? .fen,
                          buildings: buildings, units: units, generatedAt: now)
        let t3 = clock.now
        logger?.info("board cache: built \(p.code) (\(units.count) units\(fast ? "" : ", generic rows")): read \(t2 - t0), assemble \(t3 - t2)")
        return board
    }

    private func process(_ change: UnitChange) async {
        defer { processed.withLockedValue { $0 += 1 } }
        let (cached, viewers) = state.withLockedValue { s in
            s.versions[change.projectID, default: 0] += 1
            return (s.boards[change.projectID] != nil, s.subscribers.values.filter { $0.projectID == change.projectID })
        }
        if change.structural {
            state.withLockedValue { _ = $0.boards.removeValue(forKey: change.projectID) }
            for v in viewers { send(.reload(projectID: change.projectID), to: v.continuation) }
            return
        }
        guard cached || !viewers.isEmpty, !change.unitIDs.isEmpty else { return }
        do {
            let rows = try await UnitRow.select(database().sql).from("units")
                .where("id", .in, change.unitIDs).all(decoding: UnitRow.self)
            let patched = state.withLockedValue { s -> Bool in
                guard var entry = s.boards[change.projectID] else { return true }
                guard entry.board.patch(rows, now: now()) else {
                    s.boards.removeValue(forKey: change.projectID)
                    return false
                }
                entry.json = nil
                s.boards[change.projectID] = entry
                return true
            }
            let update: BoardUpdate = patched && rows.count == change.unitIDs.count
                ? .cells(projectID: change.projectID, json: BoardJSON.cells(rows)) : .reload(projectID: change.projectID)
            for v in viewers { send(update, to: v.continuation) }
        } catch {
            logger.warning("board update failed, viewers will reload: \(String(reflecting: error))")
            state.withLockedValue { _ = $0.boards.removeValue(forKey: change.projectID) }
            for v in viewers { send(.reload(projectID: change.projectID), to: v.continuation) }
        }
    }
}

extension Store {
    /// A change of units, its audit line and its announcement in one transaction;
    /// the board hears of it only once it has committed.
    func audited<T: Sendable>(
        _ context: AuditContext, announcing hub: UnitEventHub,
        _ body: @escaping @Sendable (any Database) async throws -> (T, AuditEntry, UnitChange?)
    ) async throws -> T {
        let (result, change) = try await audited(context) { tx -> ((T, UnitChange?), AuditEntry) in
            let (result, entry, change) = try await body(tx)
            if let change { try await hub.announce(change, on: tx) }
            return ((result, change), entry)
        }
        if let change { hub.committed(change) }
        return result
    }
}
