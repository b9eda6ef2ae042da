import EstateCore
import FluentKit
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
            """).first(decoding: Head.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))
        else { return false }
        let line = Self.line(seq: head.logSeq, at: now, kind: kind, fields)
        let hash = OpeningLogChain.hash(previous: head.logHash, line: line)
        try await sql.update("opening_events").set("log_hash", to: SQLBind(hash)).where("id", .equal, eventID).run()
        try await sql.insert(into: "opening_log").columns("id", "event_id", "seq", "line", "hash", "at")
            .values(SQLBind(UUID()), SQLBind(eventID), SQLBind(head.logSeq), SQLBind(line), SQLBind(hash), SQLBind(now)).run()
        return true
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
