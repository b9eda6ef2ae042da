import EstateCore
import FluentKit
import NIOConcurrencyHelpers
import Foundation
import SQLKit
import Vapor

/// The event's hash-chained log (issue 18 point 5): every selection, confirmation, refusal, lapse,
/// pause and resume is a line `seq|at|kind|fields…` whose hash is SHA-256(previous hash ‖ line)
/// (`OpeningLogChain`). The head (last seq and hash) sits on the event row; appending advances it
/// with one conditional UPDATE, which also holds the row until commit, so lines are never
/// interleaved and a line exists only if its change committed.
enum OpeningLog {
    struct Head: Decodable { var logSeq: Int; var logHash: String }

    /// Appends `fields` as the next line. With `requireOpen`, only while the event is open:
    /// returns false (appending nothing) when it is not, so the caller refuses and rolls back.
    @discardableResult
    static func append(_ eventID: UUID, kind: String, _ fields: [String], at now: Date, requireOpen: Bool = false,
                       on tx: any Database) async throws -> Bool {
        let sql = tx.sql
        let condition: SQLQueryString = requireOpen ? " AND status = 'open'" : ""
        // Taking the row (and its current head) first: the update's row lock is held until commit.
        guard let head = try await sql.raw("""
            UPDATE opening_events SET log_seq = log_seq + 1 WHERE id = \(bind: eventID)\(condition) RETURNING log_seq, log_hash
            """).first(decoding: Head.self, with: SQLRowDecoder.snakeCase)
        else { return false }
        let line = Self.line(seq: head.logSeq, at: now, kind: kind, fields)
        let hash = OpeningLogChain.hash(previous: head.logHash, line: line)
        try await sql.update("opening_events").set("log_hash", to: SQLBind(hash)).where("id", .equal, eventID).run()
        try await sql.insert(into: "opening_log").columns("id", "event_id", "seq", "line", "hash", "at")
            .values(SQLBind(UUID()), SQLBind(eventID), SQLBind(head.logSeq), SQLBind(line), SQLBind(hash), SQLBind(now)).run()
        return true
    }

    /// A line waiting to be appended by `appendAll`.
    struct Pending: Sendable {
        var eventID: UUID
        var kind: String
        var fields: [String]
        var at: Date
    }

    /// Appends every pending line, in order, in one transaction: one head update per event (events in id order, so
    /// two writers never wait on each other crosswise) and one insert per event.
    static func appendAll(_ pending: [Pending], on tx: any Database) async throws {
        let sql = tx.sql
        let byEvent = Dictionary(grouping: pending, by: \.eventID)
        for eventID in byEvent.keys.sorted(by: { $0.uuidString < $1.uuidString }) {
            let lines = byEvent[eventID]!
            guard let head = try await sql.raw("""
                UPDATE opening_events SET log_seq = log_seq + \(bind: lines.count) WHERE id = \(bind: eventID) RETURNING log_seq, log_hash
                """).first(decoding: Head.self, with: SQLRowDecoder.snakeCase)
            else { continue }
            var seq = head.logSeq - lines.count, hash = head.logHash
            var insert = sql.insert(into: "opening_log").columns("id", "event_id", "seq", "line", "hash", "at")
            for p in lines {
                seq += 1
                let line = Self.line(seq: seq, at: p.at, kind: p.kind, p.fields)
                hash = OpeningLogChain.hash(previous: hash, line: line)
                insert = insert.values(SQLBind(UUID()), SQLBind(eventID), SQLBind(seq), SQLBind(line), SQLBind(hash), SQLBind(p.at))
            }
            try await sql.update("opening_events").set("log_hash", to: SQLBind(hash)).where("id", .equal, eventID).run()
            try await insert.run()
        }
    }

    static func line(seq: Int, at: Date, kind: String, _ fields: [String]) -> String {
        let stamp = Int64((at.timeIntervalSince1970 * 1000).rounded())
        return ([String(seq), String(stamp), kind] + fields.map { $0.replacingOccurrences(of: "|", with: "/") }).joined(separator: "|")
    }

    struct Line: Decodable, Sendable { var seq: Int; var line: String; var hash: String; var at: Date }

    static func lines(_ eventID: UUID, sql: any SQLDatabase) async throws -> [Line] {
        try await sql.raw("SELECT seq, line, hash, at FROM opening_log WHERE event_id = \(bind: eventID) ORDER BY seq")
            .all(decoding: Line.self)
    }

    /// What `estate opening verify` reports.
    struct Verdict: Sendable, Equatable {
        var lines: Int
        /// The first line (1-based seq) where the chain breaks, or nil.
        var brokenAt: Int?
        /// The chain's last hash equals the head kept on the event.
        var headMatches: Bool
        /// Units whose status in the event differs from what the log replays to.
        var mismatchedUnits: [String]
        var ok: Bool { brokenAt == nil && headMatches && mismatchedUnits.isEmpty }
    }

    /// Checks the chain (each hash follows from the previous; the numbers run 1…n without a gap;
    /// the last hash is the event's head) and replays `confirm` / `release` lines to the units'
    /// final statuses.
    static func verify(_ eventID: UUID, sql: any SQLDatabase) async throws -> Verdict {
        let lines = try await lines(eventID, sql: sql)
        struct E: Decodable { var log_seq: Int; var log_hash: String }
        guard let head = try await sql.raw("SELECT log_seq, log_hash FROM opening_events WHERE id = \(bind: eventID)").first(decoding: E.self)
        else { throw Problem.notFound }
        var broken = OpeningLogChain.firstBreak(lines.map { ($0.line, $0.hash) }).map { lines[$0].seq }
        for (i, l) in lines.enumerated() where l.seq != i + 1 || !l.line.hasPrefix("\(l.seq)|") {
            broken = min(broken ?? Int.max, i + 1)
            break
        }
        let headMatches = head.log_seq == lines.count && head.log_hash == (lines.last?.hash ?? OpeningLogChain.genesis)
        // Replay: a unit is taken after its last `confirm` line, open again after a `release` line.
        var taken: [String: Bool] = [:]
        for l in lines {
            let f = l.line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 5 else { continue }
            switch f[2] {
            case "confirm": taken[f[4]] = true
            case "release": taken[f[4]] = false
            default: continue
            }
        }
        struct U: Decodable { var unit_id: UUID; var code: String; var status: String }
        let units = try await sql.raw("SELECT unit_id, code, status FROM opening_units WHERE event_id = \(bind: eventID)").all(decoding: U.self)
        let mismatched = units.filter { (taken[$0.unit_id.uuidString] ?? false) != ($0.status == "taken") }.map(\.code).sorted()
        return Verdict(lines: lines.count, brokenAt: broken, headMatches: headMatches, mismatchedUnits: mismatched)
    }
}

/// Refusal lines by group commit (one per process). A refusal changed nothing, so its line need not share a
/// transaction with anything — but it must be committed before the buyer hears the answer. Each caller queues its
/// line and waits; whoever finds no write running leads: it writes everything queued so far in one transaction
/// (`OpeningLog.appendAll`), wakes the others, and hands the lead to the first caller queued meanwhile. In a rush of
/// a thousand refusals a second that is a few dozen transactions, not a thousand turns of the event row's lock.
final class OpeningRefusalLog: Sendable {
    private enum Turn: Sendable { case written, lead }
    private struct Entry {
        var line: OpeningLog.Pending
        var waiter: CheckedContinuation<Turn, any Error>?
    }
    private struct State {
        var writing = false
        var queue: [Entry] = []
        var batches = 0
    }
    private let state = NIOLockedValueBox(State())

    init() {}

    /// Returns once `line` is committed (or throws the error that stopped its batch).
    func append(_ line: OpeningLog.Pending, store: Store) async throws {
        let turn: Turn = try await withCheckedThrowingContinuation { c in
            let lead = state.withLockedValue { s -> Bool in
                if s.writing { s.queue.append(Entry(line: line, waiter: c)); return false }
                s.writing = true
                s.queue.append(Entry(line: line, waiter: nil))
                return true
            }
            if lead { c.resume(returning: .lead) }
        }
        guard turn == .lead else { return }
        let batch = state.withLockedValue { s -> [Entry] in
            s.batches += 1
            defer { s.queue = [] }
            return s.queue
        }
        var failure: (any Error)?
        do { try await store.write { tx in try await OpeningLog.appendAll(batch.map(\.line), on: tx) } } catch { failure = error }
        for e in batch {
            guard let w = e.waiter else { continue }
            if let failure { w.resume(throwing: failure) } else { w.resume(returning: .written) }
        }
        // The next batch is led by its first caller (with its own request's store); none queued: no one writes.
        let next = state.withLockedValue { s -> CheckedContinuation<Turn, any Error>? in
            guard !s.queue.isEmpty else { s.writing = false; return nil }
            let w = s.queue[0].waiter
            s.queue[0].waiter = nil
            return w
        }
        next?.resume(returning: .lead)
        if let failure { throw failure }
    }

    /// How many transactions wrote refusals (for tests: fewer than the refusals in a rush).
    var batches: Int { state.withLockedValue { $0.batches } }
}

/// `estate opening verify EVENT`: checks an opening's hash-chained log (issue 18 point 5).
public enum OpeningVerification {
    /// A line per finding and whether the log holds.
    public static func run(event raw: String, app: Application) async throws -> (ok: Bool, report: String) {
        guard let id = UUID(uuidString: raw) else { return (false, "not an opening id: \(raw)") }
        let v = try await OpeningLog.verify(id, sql: app.db as! any SQLDatabase)
        var lines = ["lines: \(v.lines)"]
        lines.append(v.brokenAt.map { "chain: BROKEN at line \($0)" } ?? "chain: intact")
        lines.append(v.headMatches ? "final hash: matches the event's" : "final hash: DIFFERS from the event's")
        lines.append(v.mismatchedUnits.isEmpty ? "replay: every unit's status follows from the log"
                     : "replay: units whose status the log does not explain: \(v.mismatchedUnits.joined(separator: ", "))")
        return (v.ok, lines.joined(separator: "\n"))
    }
}
