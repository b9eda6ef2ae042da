import Foundation

/// The call centre's KPIs (话务指标) and their standard definitions. The report's SQL sums the
/// same counters per agent / day; the formulas that turn counters into rates live here once.
public enum CallKPI {
    /// Abandons quicker than this are not counted (misdials, the caller changed their mind).
    public static let shortAbandonSeconds = 5
    /// Service level: answered within this many seconds (the 80/20 target's 20).
    public static let serviceLevelSeconds = 20
    /// First-contact resolution: no repeat call from the same number on the same category within this window.
    public static let fcrWindow: TimeInterval = 7 * 86_400
    /// A callback promised on a call is on time when an outbound call reaches the number within this.
    public static let callbackWindow: TimeInterval = 24 * 3_600

    /// The counters the rates are made of; they add up across agents and days.
    public struct Counters: Sendable, Equatable, Codable {
        /// Inbound calls that reached the queue.
        public var offered = 0
        /// Inbound calls answered (handled).
        public var answered = 0
        /// Inbound calls the caller hung up on while waiting, short abandons excluded.
        public var abandoned = 0
        /// Abandons under `shortAbandonSeconds`.
        public var shortAbandoned = 0
        /// Answered within `serviceLevelSeconds`.
        public var answeredInThreshold = 0
        /// Sum of the waits of answered calls.
        public var answerWaitSeconds = 0
        /// Sum of talk + hold + wrap-up of answered inbound calls.
        public var handleSeconds = 0
        /// Talk + hold + wrap-up of every call the agents handled, outbound included (occupancy's numerator).
        public var busySeconds = 0
        /// Answered inbound calls with a category, and those of them with no repeat within the window.
        public var fcrEligible = 0
        public var fcrResolved = 0
        /// Calls that promised a callback, and those called back within the window.
        public var callbacksPromised = 0
        public var callbacksOnTime = 0
        /// Post-call survey answers (1…5) and their sum.
        public var satisfactionCount = 0
        public var satisfactionSum = 0
        /// QA scores (0…100) of calls in the period and their sum.
        public var qaCount = 0
        public var qaSum = 0.0

        public init() {}

        public static func + (a: Counters, b: Counters) -> Counters {
            var c = a
            c.offered += b.offered; c.answered += b.answered; c.abandoned += b.abandoned; c.shortAbandoned += b.shortAbandoned
            c.answeredInThreshold += b.answeredInThreshold; c.answerWaitSeconds += b.answerWaitSeconds
            c.handleSeconds += b.handleSeconds; c.busySeconds += b.busySeconds
            c.fcrEligible += b.fcrEligible; c.fcrResolved += b.fcrResolved
            c.callbacksPromised += b.callbacksPromised; c.callbacksOnTime += b.callbacksOnTime
            c.satisfactionCount += b.satisfactionCount; c.satisfactionSum += b.satisfactionSum
            c.qaCount += b.qaCount; c.qaSum += b.qaSum
            return c
        }
    }

    static func ratio(_ n: Double, _ d: Double) -> Double? { d > 0 ? n / d : nil }

    /// Abandonment rate = abandoned ÷ (handled + abandoned), abandons < 5 s excluded from both.
    public static func abandonment(_ c: Counters) -> Double? { ratio(Double(c.abandoned), Double(c.answered + c.abandoned)) }
    /// Service level = answered within the threshold ÷ (offered − short abandons).
    public static func serviceLevel(_ c: Counters) -> Double? { ratio(Double(c.answeredInThreshold), Double(c.offered - c.shortAbandoned)) }
    /// ASA = total wait of answered calls ÷ answered.
    public static func asa(_ c: Counters) -> Double? { ratio(Double(c.answerWaitSeconds), Double(c.answered)) }
    /// AHT = (talk + hold + wrap-up) ÷ answered.
    public static func aht(_ c: Counters) -> Double? { ratio(Double(c.handleSeconds), Double(c.answered)) }
    /// Occupancy = time busy on calls ÷ time signed in and available or busy (from the agents' states).
    public static func occupancy(_ c: Counters, staffedSeconds: Int) -> Double? {
        ratio(Double(c.busySeconds), Double(staffedSeconds)).map { min($0, 1) }
    }
    /// FCR = answered calls with no repeat from the number on the category within 7 days ÷ answered calls with a category.
    public static func fcr(_ c: Counters) -> Double? { ratio(Double(c.fcrResolved), Double(c.fcrEligible)) }
    public static func callbacksOnTime(_ c: Counters) -> Double? { ratio(Double(c.callbacksOnTime), Double(c.callbacksPromised)) }
    /// Mean survey answer, 1…5.
    public static func satisfaction(_ c: Counters) -> Double? { ratio(Double(c.satisfactionSum), Double(c.satisfactionCount)) }
    public static func qaScore(_ c: Counters) -> Double? { ratio(c.qaSum, Double(c.qaCount)) }

    /// One call as the plain recomputation reads it.
    public struct Call: Sendable, Equatable {
        public var direction: CallDirection
        public var number: String
        public var offeredAt: Date
        public var answered: Bool
        public var abandoned: Bool
        public var waitSeconds: Int
        public var handleSeconds: Int
        public var category: String?
        public var outcome: CallOutcome?
        public var satisfaction: Int?

        public init(direction: CallDirection, number: String, offeredAt: Date, answered: Bool, abandoned: Bool, waitSeconds: Int,
                    handleSeconds: Int, category: String? = nil, outcome: CallOutcome? = nil, satisfaction: Int? = nil) {
            self.direction = direction
            self.number = number
            self.offeredAt = offeredAt
            self.answered = answered
            self.abandoned = abandoned
            self.waitSeconds = waitSeconds
            self.handleSeconds = handleSeconds
            self.category = category
            self.outcome = outcome
            self.satisfaction = satisfaction
        }
    }

    /// Whether `call` was resolved at first contact: no later inbound call from the same number on the
    /// same category within the window. `history` holds the calls that may follow it (any order).
    public static func firstContactResolved(_ call: Call, history: [Call]) -> Bool {
        !history.contains { h in
            h.direction == .inbound && h.number == call.number && h.category == call.category
                && h.offeredAt > call.offeredAt && h.offeredAt.timeIntervalSince(call.offeredAt) <= fcrWindow
        }
    }

    /// The counters of `calls` by the definitions above, one call at a time (the reference the
    /// report's SQL is tested against). `history` is every call the FCR and callback checks may
    /// look at (the period and the days after it).
    public static func counters(_ calls: [Call], history: [Call]) -> Counters {
        var c = Counters()
        for call in calls {
            if call.answered || call.direction == .outbound { c.busySeconds += call.handleSeconds }
            if let s = call.satisfaction { c.satisfactionCount += 1; c.satisfactionSum += s }
            if call.outcome == .callback {
                c.callbacksPromised += 1
                if history.contains(where: { h in
                    h.direction == .outbound && h.number == call.number && h.offeredAt > call.offeredAt
                        && h.offeredAt.timeIntervalSince(call.offeredAt) <= callbackWindow
                }) { c.callbacksOnTime += 1 }
            }
            guard call.direction == .inbound else { continue }
            c.offered += 1
            if call.answered {
                c.answered += 1
                c.answerWaitSeconds += call.waitSeconds
                c.handleSeconds += call.handleSeconds
                if call.waitSeconds <= serviceLevelSeconds { c.answeredInThreshold += 1 }
                if call.category != nil {
                    c.fcrEligible += 1
                    if firstContactResolved(call, history: history) { c.fcrResolved += 1 }
                }
            } else if call.abandoned {
                if call.waitSeconds < shortAbandonSeconds { c.shortAbandoned += 1 } else { c.abandoned += 1 }
            }
        }
        return c
    }
}
