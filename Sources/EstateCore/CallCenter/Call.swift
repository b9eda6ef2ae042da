import Foundation

/// 呼入 / 呼出.
public enum CallDirection: String, CaseIterable, Sendable, Codable {
    case inbound
    case outbound
    public var catalogKey: String { "call.direction.\(rawValue)" }
}

/// Where a call record came from: typed by the agent on the desk, assembled from the telephony
/// system's events, or imported from a CDR export (话单).
public enum CallSource: String, CaseIterable, Sendable, Codable {
    case desk
    case telephony
    case `import`
    public var catalogKey: String { "call.source.\(rawValue)" }
}

/// The other party's number as stored: a mainland mobile normalised to 11 digits (one person is
/// one mobile across projects, the call centre and the mall), any other number reduced to its
/// digits (a landline keeps its area code: "010-6552 1234" → "01065521234").
public enum CallerNumber {
    public static func normalized(_ raw: String) -> String? {
        if let mobile = MobileNumber.normalized(raw) { return mobile }
        var digits = raw.unicodeScalars.filter { ("0"..."9").contains($0) }.map(Character.init)
        // "+86 10 6552 1234" is dialled at home as 010 6552 1234.
        if raw.trimmingCharacters(in: .whitespaces).hasPrefix("+86") {
            digits.removeFirst(2)
            if digits.first != "0" { digits.insert("0", at: 0) }
        }
        guard (3...20).contains(digits.count) else { return nil }
        return String(digits)
    }

    /// A number as a role without the right to see it reads it (138****5678).
    public static func masked(_ number: String) -> String { Masking.mobile(number) }
}

/// The times of one call and the durations the KPIs are made of (all whole seconds).
/// Wait runs from offered to answered, or to the hang-up for an abandoned call; talk from
/// answered to ended less the time on hold.
public struct CallTiming: Sendable, Equatable {
    public var offeredAt: Date
    public var answeredAt: Date?
    public var endedAt: Date?
    public var holdSeconds: Int
    public var wrapSeconds: Int

    public enum Failure: Error, Equatable, Sendable {
        /// answered before offered, ended before answered or offered.
        case outOfOrder
        /// hold or wrap-up negative, or more hold than the call lasted.
        case badDuration
    }

    public init(offeredAt: Date, answeredAt: Date?, endedAt: Date?, holdSeconds: Int = 0, wrapSeconds: Int = 0) throws(Failure) {
        if let a = answeredAt, a < offeredAt { throw .outOfOrder }
        if let e = endedAt, e < (answeredAt ?? offeredAt) { throw .outOfOrder }
        guard holdSeconds >= 0, wrapSeconds >= 0 else { throw .badDuration }
        if let a = answeredAt, let e = endedAt, Double(holdSeconds) > e.timeIntervalSince(a) + 0.5 { throw .badDuration }
        if answeredAt == nil, holdSeconds > 0 { throw .badDuration }
        self.offeredAt = offeredAt
        self.answeredAt = answeredAt
        self.endedAt = endedAt
        self.holdSeconds = holdSeconds
        self.wrapSeconds = wrapSeconds
    }

    /// Never answered, and over: the caller hung up waiting (放弃).
    public var abandoned: Bool { answeredAt == nil && endedAt != nil }

    public var waitSeconds: Int {
        guard let until = answeredAt ?? endedAt else { return 0 }
        return Self.seconds(until.timeIntervalSince(offeredAt))
    }

    public var talkSeconds: Int {
        guard let a = answeredAt, let e = endedAt else { return 0 }
        return max(0, Self.seconds(e.timeIntervalSince(a)) - holdSeconds)
    }

    /// Handle time (AHT's numerator): talk + hold + wrap-up.
    public var handleSeconds: Int { talkSeconds + holdSeconds + wrapSeconds }

    static func seconds(_ t: TimeInterval) -> Int { Int(t.rounded()) }
}

/// How a call ended for the caller (通话结果).
public enum CallOutcome: String, CaseIterable, Sendable, Codable {
    /// 已解答: answered on the call.
    case resolved
    /// 已建工单: a work order carries it on.
    case ticketOpened = "ticket_opened"
    /// 需回电: someone calls back.
    case callback
    /// 已转接
    case transferred
    /// 未接通 (an outbound call nobody answered).
    case noAnswer = "no_answer"
    /// 其他
    case other
    public var catalogKey: String { "call.outcome.\(rawValue)" }
}
