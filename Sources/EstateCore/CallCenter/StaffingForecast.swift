import Foundation

/// A day of the managed holiday calendar (节假日与调休): a public holiday off work, or a 调休 day —
/// a Saturday or Sunday worked to make up for a holiday's bridge day.
public enum StaffingDayKind: String, CaseIterable, Sendable, Codable {
    /// 法定节假日 / 休息
    case holiday
    /// 调休上班
    case workday
    public var catalogKey: String { "staffing.daykind.\(rawValue)" }
}

/// Which history a day is forecast from. The rule (written on the forecast page too):
/// - an ordinary day is forecast from the same weekday of the last N weeks;
/// - a public holiday is forecast like a Sunday;
/// - a 调休 working day (a weekend worked) is forecast like an ordinary weekday: the mean of Monday–Friday.
/// In the history, holidays count as Sundays and 调休 working days are left out (they are neither
/// a typical weekday nor a weekend, and would skew the Saturday they fall on).
public enum ForecastProfile: Hashable, Sendable {
    /// 1 = Monday … 7 = Sunday.
    case weekday(Int)
    /// The mean of Monday–Friday.
    case workdayMean
}

/// Half-hour intervals (时段) of a Beijing day: 0 = 00:00–00:30 … 47 = 23:30–24:00.
public enum StaffingInterval {
    public static let seconds: Double = 1800
    public static let perDay = 48
    /// "08:30"
    public static func label(_ slot: Int) -> String {
        String(format: "%02d:%02d", slot / 2, (slot % 2) * 30)
    }
}

extension CalendarDay {
    /// 1 = Monday … 7 = Sunday (ISO).
    public var isoWeekday: Int {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = CalendarDay.zone
        let w = cal.component(.weekday, from: start.addingTimeInterval(12 * 3600)) // 1 = Sunday
        return w == 1 ? 7 : w - 1
    }
}

public enum CallForecast {
    /// Offered calls and handle time of one history interval (one row of the SQL aggregate).
    public struct HistoryCell: Sendable, Equatable {
        public var day: CalendarDay
        public var slot: Int
        public var offered: Int
        /// Answered calls, and their handle seconds (talk + hold + wrap-up): the AHT's terms.
        public var handled: Int
        public var handleSeconds: Double
        public init(day: CalendarDay, slot: Int, offered: Int, handled: Int, handleSeconds: Double) {
            self.day = day
            self.slot = slot
            self.offered = offered
            self.handled = handled
            self.handleSeconds = handleSeconds
        }
    }

    /// One forecast interval.
    public struct Slot: Sendable, Equatable {
        public var slot: Int
        /// Expected offered calls (a mean, so fractional).
        public var calls: Double
        public var ahtSeconds: Double
        /// Planned outbound work (回访 / 跟进) in agent-seconds.
        public var outboundSeconds: Double
    }

    public struct Day: Sendable, Equatable {
        public var day: CalendarDay
        public var kind: StaffingDayKind?
        public var profile: ForecastProfile
        public var slots: [Slot]
        /// The day's planned outbound work as counted; its agent-seconds are spread over the slots' `outboundSeconds`.
        public var planned = PlannedOutbound()
        public var calls: Double { slots.reduce(0) { $0 + $1.calls } }
    }

    /// Planned outbound work due on a day (计划外呼): callbacks (回访) and follow-ups (跟进), each
    /// converted to agent time by its own handle time (a project setting).
    public struct PlannedOutbound: Sendable, Equatable {
        public var callbacks = 0
        public var followUps = 0
        public var callbackSeconds = 0.0
        public var followUpSeconds = 0.0
        public var seconds: Double { callbackSeconds + followUpSeconds }

        public init() {}

        /// `callbacks` × `callbackSeconds` + `followUps` × `followUpSeconds`.
        public init(callbacks: Int, followUps: Int, callbackHandleSeconds: Int, followUpHandleSeconds: Int) {
            self.callbacks = callbacks
            self.followUps = followUps
            self.callbackSeconds = Double(callbacks * callbackHandleSeconds)
            self.followUpSeconds = Double(followUps * followUpHandleSeconds)
        }
    }

    public static func profile(_ day: CalendarDay, calendar: [CalendarDay: StaffingDayKind]) -> ForecastProfile {
        switch calendar[day] {
        case .holiday: .weekday(7)
        case .workday: .workdayMean
        case nil: .weekday(day.isoWeekday)
        }
    }

    /// The forecast of `days` from `history` (cells of the days `historyDays`, every day of the
    /// window, quiet days included, so that a day without calls pulls its mean down).
    /// `outboundSeconds` per day and `planned` work (its seconds) are spread evenly over `outboundSlots`
    /// (calling hours, 09:00–18:00).
    /// `defaultAHT` stands in where the history answered no call.
    public static func forecast(days: [CalendarDay], history: [HistoryCell], historyDays: [CalendarDay],
                                calendar: [CalendarDay: StaffingDayKind], defaultAHT: Double,
                                outboundSeconds: [CalendarDay: Double] = [:], planned: [CalendarDay: PlannedOutbound] = [:],
                                outboundSlots: Range<Int> = 18..<36) -> [Day] {
        // Sample days per weekday bucket (holidays as Sundays, 调休 days left out).
        var samples = [Int: Int]()
        var bucketOf = [CalendarDay: Int]()
        for d in Set(historyDays) {
            guard case .weekday(let w) = profile(d, calendar: calendar) else { continue }
            samples[w, default: 0] += 1
            bucketOf[d] = w
        }
        // Per bucket and slot: offered, handled, handle seconds; per bucket: AHT over the whole day as a fallback.
        var offered = [[Double]](repeating: [Double](repeating: 0, count: 48), count: 8)
        var handled = offered, handleSum = offered
        for c in history where (0..<48).contains(c.slot) {
            guard let w = bucketOf[c.day] else { continue }
            offered[w][c.slot] += Double(c.offered)
            handled[w][c.slot] += Double(c.handled)
            handleSum[w][c.slot] += c.handleSeconds
        }
        let allHandled = handled.joined().reduce(0, +), allHandle = handleSum.joined().reduce(0, +)
        let overallAHT = allHandled > 0 ? allHandle / allHandled : defaultAHT

        func cell(_ buckets: [Int], _ slot: Int) -> (calls: Double, aht: Double) {
            var calls = 0.0, n = 0.0, h = 0.0
            for w in buckets {
                let s = Double(samples[w] ?? 0)
                guard s > 0 else { continue }
                calls += offered[w][slot] / s
                n += handled[w][slot]
                h += handleSum[w][slot]
            }
            let perBucket = buckets.isEmpty ? 0 : calls / Double(buckets.filter { (samples[$0] ?? 0) > 0 }.count.clamped(1))
            return (perBucket, n > 0 ? h / n : overallAHT)
        }

        return days.map { d in
            let p = profile(d, calendar: calendar)
            let buckets: [Int] = switch p {
            case .weekday(let w): [w]
            case .workdayMean: [1, 2, 3, 4, 5]
            }
            let outbound = (outboundSeconds[d] ?? 0) + (planned[d]?.seconds ?? 0)
            let perSlot = outboundSlots.isEmpty ? 0 : outbound / Double(outboundSlots.count)
            let slots = (0..<48).map { s in
                let c = cell(buckets, s)
                return Slot(slot: s, calls: c.calls, ahtSeconds: c.aht, outboundSeconds: outboundSlots.contains(s) ? perSlot : 0)
            }
            return Day(day: d, kind: calendar[d], profile: p, slots: slots, planned: planned[d] ?? PlannedOutbound())
        }
    }
}

extension Int {
    fileprivate func clamped(_ low: Int) -> Int { Swift.max(self, low) }
}

/// Agents per interval for a forecast (人力需求).
public enum StaffingRequirement {
    public struct Slot: Sendable, Equatable {
        public var slot: Int
        public var calls: Double
        public var ahtSeconds: Double
        /// Agents on the phones for inbound calls (Erlang C), and what they achieve.
        public var inbound: ErlangC.Outcome
        /// Agents for the planned outbound work: its erlangs ÷ maximum occupancy, rounded up.
        public var outboundAgents: Int
        /// inbound + outbound: agents needed on the phones.
        public var required: Int
        /// required ÷ (1 − shrinkage), rounded up: agents to roster.
        public var scheduled: Int
    }

    public static func slots(_ day: CallForecast.Day, target: ErlangC.Target) -> [Slot] {
        day.slots.map { s in
            let a = ErlangC.traffic(calls: s.calls, ahtSeconds: s.ahtSeconds, intervalSeconds: StaffingInterval.seconds)
            let inbound = ErlangC.requiredAgents(traffic: a, ahtSeconds: s.ahtSeconds, target: target)
            let outboundErlangs = s.outboundSeconds / StaffingInterval.seconds
            let outbound = outboundErlangs > 0 ? Int((outboundErlangs / max(target.maxOccupancy, 0.05) - 1e-9).rounded(.up)) : 0
            let required = inbound.agents + outbound
            return Slot(slot: s.slot, calls: s.calls, ahtSeconds: s.ahtSeconds, inbound: inbound, outboundAgents: outbound,
                        required: required, scheduled: ErlangC.scheduled(required: required, shrinkage: target.shrinkage))
        }
    }
}
