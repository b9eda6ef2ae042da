import Foundation

/// An opening (开盘活动), issue 18 point 3: draft → (rehearsal →) scheduled → open ⇄ paused → closed.
/// A rehearsal (模拟开盘) runs the same engine on a copy, wiped when it ends (back to draft) or
/// when the event is scheduled. Extending moves the end (and the windows not yet over) later.
public enum OpeningState: String, Sendable, CaseIterable, Codable {
    case draft, rehearsal, scheduled, open, paused, closed
    public var catalogKey: String { "opening.state.\(rawValue)" }
    /// Buyers may choose only now.
    public var isSelling: Bool { self == .open }
}

public enum OpeningAction: String, Sendable, CaseIterable, Codable {
    case rehearse, endRehearsal = "end_rehearsal", schedule, open, pause, resume, close, extend

    /// The state after this action, or nil when it is not allowed in `state`.
    public func next(from state: OpeningState) -> OpeningState? {
        switch (self, state) {
        case (.rehearse, .draft): .rehearsal
        case (.endRehearsal, .rehearsal): .draft
        case (.schedule, .draft), (.schedule, .rehearsal): .scheduled
        case (.open, .scheduled): .open
        case (.pause, .open): .paused
        case (.resume, .paused): .open
        case (.close, .open), (.close, .paused), (.close, .scheduled): .closed
        case (.extend, .open), (.extend, .paused), (.extend, .scheduled): state
        default: nil
        }
    }
}

/// A batch of buyers by order number (按顺序号分批) with its time window [opensAt, closesAt).
public struct OpeningBatch: Sendable, Equatable, Codable {
    public var seq: Int
    public var firstRank: Int
    public var lastRank: Int
    public var opensAt: Date
    public var closesAt: Date
    public init(seq: Int, firstRank: Int, lastRank: Int, opensAt: Date, closesAt: Date) {
        self.seq = seq; self.firstRank = firstRank; self.lastRank = lastRank; self.opensAt = opensAt; self.closesAt = closesAt
    }

    public func contains(rank: Int) -> Bool { (firstRank...lastRank).contains(rank) }
    public func isOpen(at now: Date) -> Bool { opensAt <= now && now < closesAt }

    /// `count` buyers in batches of `size`, the first opening at `start`, each lasting `minutes`,
    /// the next opening `gapMinutes` after the previous one opened (windows may overlap: a later
    /// batch may start while earlier buyers still choose).
    public static func plan(count: Int, size: Int, start: Date, minutes: Int, gapMinutes: Int) -> [OpeningBatch] {
        guard count > 0, size > 0, minutes > 0, gapMinutes >= 0 else { return [] }
        return stride(from: 1, through: count, by: size).enumerated().map { i, first in
            let opens = start.addingTimeInterval(TimeInterval(i * gapMinutes * 60))
            return OpeningBatch(seq: i + 1, firstRank: first, lastRank: min(count, first + size - 1), opensAt: opens,
                                closesAt: opens.addingTimeInterval(TimeInterval(minutes * 60)))
        }
    }

    /// Batches cover 1...count exactly once, in order, each window non-empty.
    public static func isValid(_ batches: [OpeningBatch], count: Int) -> Bool {
        var next = 1
        for b in batches.sorted(by: { $0.seq < $1.seq }) {
            guard b.firstRank == next, b.lastRank >= b.firstRank, b.opensAt < b.closesAt else { return false }
            next = b.lastRank + 1
        }
        return count == 0 ? batches.isEmpty : next == count + 1
    }

    /// Extending by `seconds`: windows not yet closed close later (those not yet open open later too).
    public static func extend(_ batches: [OpeningBatch], by seconds: TimeInterval, now: Date) -> [OpeningBatch] {
        batches.map { b in
            var b = b
            if b.closesAt > now { b.closesAt += seconds }
            if b.opensAt > now { b.opensAt += seconds }
            return b
        }
    }
}

/// Why a selection is refused (issue 18, "Bad input and safety"); each is logged.
public enum SelectionRefusal: String, Sendable, Error, CaseIterable, Codable {
    case notOpen = "opening_not_open"
    case paused = "opening_paused"
    case notEligible = "buyer_not_eligible"
    case outsideWindow = "outside_window"
    case overQuota = "quota_reached"
    case unitNotInEvent = "unit_not_in_opening"
    case unitTaken = "opening_unit_taken"
    case holdExpired = "hold_expired"
}

/// The rules a selection must pass before the engine's conditional updates (which hold the
/// quota and the unit under concurrency; these only say why a request is refused up front).
public enum SelectionRules {
    /// Seconds a chosen unit is held for the buyer to confirm.
    public static let confirmSeconds: TimeInterval = 60

    public static func refusal(state: OpeningState, eligible: Bool, rank: Int?, batches: [OpeningBatch], now: Date,
                               used: Int, quota: Int) -> SelectionRefusal? {
        switch state {
        case .open: break
        case .paused: return .paused
        default: return .notOpen
        }
        guard eligible, let rank else { return .notEligible }
        guard batches.contains(where: { $0.contains(rank: rank) && $0.isOpen(at: now) }) else { return .outsideWindow }
        guard used < quota else { return .overQuota }
        return nil
    }
}

/// The event's log (issue 18 point 5): each line carries the hash of the previous one,
/// `hash = hex SHA-256(previousHash ‖ line)`, the first line's previous hash being 64 zeros.
public enum OpeningLogChain {
    public static let genesis = String(repeating: "0", count: 64)

    public static func hash(previous: String, line: String) -> String { SHA256Digest.hex(previous + line) }

    /// The index of the first line whose hash does not follow, or nil when the chain holds.
    public static func firstBreak(_ lines: [(line: String, hash: String)]) -> Int? {
        var previous = genesis
        for (i, l) in lines.enumerated() {
            guard hash(previous: previous, line: l.line) == l.hash else { return i }
            previous = l.hash
        }
        return nil
    }
}
