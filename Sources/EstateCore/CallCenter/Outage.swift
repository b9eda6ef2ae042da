import Foundation

/// 抢修单 (emergency repair / outage), DOMAIN.md §5 and issue 16 point 4: the shift lead opens one
/// for a building, an entrance or a list of units; the on-call staff of the department are told by
/// SMS and acknowledge within the department's window or it escalates — the next on the on-call
/// list, then the supervisors; after the repair every owner of the affected units is called back,
/// and it closes only when each has an outcome. "Not fixed" sends it back to the repair.
public enum OutageStatus: String, CaseIterable, Sendable, Codable {
    /// 待确认: SMS sent, nobody has acknowledged yet; the escalation clock runs.
    case notifying
    /// 抢修中: acknowledged (or sent back by a "not fixed" callback).
    case inRepair = "in_repair"
    /// 回访中: reported done; owners are being called back.
    case callback
    /// 已关闭: every owner has an outcome.
    case closed

    public var isOpen: Bool { self != .closed }
    public var catalogKey: String { "outage.status.\(rawValue)" }
    /// Open ones first on the list, the most urgent first.
    public var listRank: Int {
        switch self { case .notifying: 0; case .inRepair: 1; case .callback: 2; case .closed: 3 }
    }
}

/// What the affected area is.
public enum OutageScope: String, CaseIterable, Sendable, Codable {
    /// 整栋楼
    case building
    /// 一个单元 (entrance) of a building
    case entrance
    /// 指定房号
    case units
    public var catalogKey: String { "outage.scope.\(rawValue)" }
}

/// What is done to a 抢修单.
public enum OutageAction: String, CaseIterable, Sendable, Codable {
    /// 确认接单 (by the one-time link in the SMS).
    case acknowledge
    /// 报告修复
    case reportDone = "report_done"
    /// A callback said "not fixed": back to the repair.
    case reopen
    /// 关闭: only when every owner has an outcome.
    case close
}

public enum OutageMoveError: Error, Equatable, Sendable {
    case notAllowed(from: OutageStatus, action: OutageAction)
    /// Owners still without an outcome.
    case callbacksPending(Int)
}

public enum OutageFlow {
    /// The status an action leads to. Reporting done also ends a 抢修单 nobody acknowledged (the shift
    /// lead reached someone by phone); the escalation stops with it.
    public static func next(_ status: OutageStatus, _ action: OutageAction) throws(OutageMoveError) -> OutageStatus {
        switch (status, action) {
        case (.notifying, .acknowledge): return .inRepair
        case (.notifying, .reportDone), (.inRepair, .reportDone): return .callback
        case (.callback, .reopen): return .inRepair
        case (.callback, .close): return .closed
        default: throw .notAllowed(from: status, action: action)
        }
    }

    /// Closing needs an outcome for every owner on the callback list.
    public static func close(_ status: OutageStatus, callbacks: [OutageCallbackState]) throws(OutageMoveError) -> OutageStatus {
        let to = try next(status, .close)
        let pending = callbacks.filter { !$0.isFinal }.count
        guard pending == 0 else { throw .callbacksPending(pending) }
        guard !callbacks.contains(where: { $0.outcome == .notFixed }) else { throw .notAllowed(from: status, action: .close) }
        return to
    }
}

/// Who gets the next message when nobody acknowledged in time: level 0 is the first on the
/// department's on-call list (told when the 抢修单 is opened), 1 … n−1 the next ones in order,
/// level n the supervisors (主管); after that nobody new (the supervisors have it).
public enum OutageEscalation {
    public enum Target: Equatable, Sendable {
        /// The on-call person at this position (0-based) of the list.
        case onCall(Int)
        case supervisors
    }

    /// The target of `level` for a list of `onCallCount` people; nil past the supervisors.
    public static func target(level: Int, onCallCount: Int) -> Target? {
        guard level >= 0 else { return nil }
        if level < onCallCount { return .onCall(level) }
        return level == onCallCount ? .supervisors : nil
    }

    /// The highest level there is (the supervisors').
    public static func lastLevel(onCallCount: Int) -> Int { max(onCallCount, 0) }

    /// When the current level's window ends and the next step is due.
    public static func dueAt(levelStartedAt: Date, windowMinutes: Int) -> Date {
        levelStartedAt.addingTimeInterval(TimeInterval(windowMinutes) * 60)
    }

    /// The level to escalate to at `now`, or nil: still inside the window, acknowledged, or the
    /// supervisors already told. One step at a time (a job that slept through two windows takes
    /// the next step now and the one after a window later, so nobody is skipped unannounced).
    public static func nextLevel(status: OutageStatus, level: Int, levelStartedAt: Date, windowMinutes: Int, onCallCount: Int,
                                 now: Date) -> Int? {
        guard status == .notifying, level < lastLevel(onCallCount: onCallCount) else { return nil }
        guard now >= dueAt(levelStartedAt: levelStartedAt, windowMinutes: windowMinutes) else { return nil }
        return level + 1
    }

    /// The acknowledgement window a department may be given, in minutes.
    public static let windowRange = 1...240
    public static let defaultWindow = 15
}

/// The outcome of calling one owner back.
public enum OutageCallbackOutcome: String, CaseIterable, Sendable, Codable {
    /// 已接通，确认恢复
    case answered
    /// 未接通 (counts as an attempt; three make the owner unreachable)
    case noAnswer = "no_answer"
    /// 未修复: reopens the 抢修单
    case notFixed = "not_fixed"
    public var catalogKey: String { "outage.outcome.\(rawValue)" }
}

/// One owner on the callback list: attempts so far and the final outcome, if any.
public struct OutageCallbackState: Sendable, Equatable {
    public enum Final: String, Sendable, Codable, CaseIterable {
        case answered, notFixed = "not_fixed", unreachable
        public var catalogKey: String { "outage.final.\(rawValue)" }
    }

    public var attempts: Int
    public var outcome: Final?

    public init(attempts: Int = 0, outcome: Final? = nil) {
        self.attempts = attempts
        self.outcome = outcome
    }

    /// Unanswered calls before an owner counts as unreachable (无法联系).
    public static let maxAttempts = 3

    public var isFinal: Bool { outcome != nil }

    /// The state after one more call with `result`; refused once final.
    public func recording(_ result: OutageCallbackOutcome) throws(OutageCallbackError) -> OutageCallbackState {
        guard !isFinal else { throw .alreadyFinal }
        let n = attempts + 1
        switch result {
        case .answered: return .init(attempts: n, outcome: .answered)
        case .notFixed: return .init(attempts: n, outcome: .notFixed)
        case .noAnswer: return .init(attempts: n, outcome: n >= Self.maxAttempts ? .unreachable : nil)
        }
    }
}

public enum OutageCallbackError: Error, Equatable, Sendable {
    case alreadyFinal
}

/// Text rules of a 抢修单's fields.
public enum OutageText {
    public static let titleMax = 100
    public static let descriptionMax = 2_000
    public static let noteMax = 500
    /// Units named one by one, at most.
    public static let maxUnits = 500

    /// Trimmed; nil when empty, too long or holding control characters other than line breaks.
    public static func clean(_ s: String, max: Int, multiline: Bool = false) -> String? {
        let v = s.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !v.isEmpty, v.count <= max else { return nil }
        let bad = v.unicodeScalars.contains { $0.value < 0x20 && !(multiline && ($0 == "\n" || $0 == "\r" || $0 == "\t")) || $0.value == 0x7F }
        return bad ? nil : v
    }

    /// Unit codes typed or picked into one field: split on commas, 、, spaces and line breaks,
    /// duplicates dropped, in the order given.
    public static func unitCodes(_ raw: String) -> [String] {
        var seen = Set<String>()
        return raw.split(whereSeparator: { ",，、;；\n\r\t ".contains($0) }).map(String.init).filter { seen.insert($0.uppercased()).inserted }
    }
}
