import Foundation

/// Erlang C (排队模型): how many agents an interval needs so that a share of callers wait no longer
/// than a threshold. Callers arrive at random (Poisson), hold times are exponential, nobody hangs
/// up — the textbook model every published staffing calculator uses, so figures here equal theirs
/// (100 calls / 30 min, AHT 180 s, 80/20 → 14 agents: SL 88.8 %, ASA 7.8 s, occupancy 71.4 %).
///
/// The probability of waiting is computed from the Erlang B recursion
/// `B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1))`, then `C = n·B / (n − A·(1 − B))`: no factorials
/// and no powers, so thousands of calls per interval and hundreds of agents stay finite and exact.
public enum ErlangC {
    /// Offered load in erlangs: calls × average handle time ÷ interval length.
    public static func traffic(calls: Double, ahtSeconds: Double, intervalSeconds: Double) -> Double {
        guard calls > 0, ahtSeconds > 0, intervalSeconds > 0 else { return 0 }
        return calls * ahtSeconds / intervalSeconds
    }

    /// Erlang B (blocking probability) for `agents` servers and `traffic` erlangs.
    public static func erlangB(agents: Int, traffic a: Double) -> Double {
        guard agents > 0 else { return 1 }
        guard a > 0 else { return 0 }
        var b = 1.0
        for k in 1...agents { b = a * b / (Double(k) + a * b) }
        return b
    }

    /// The probability that a caller waits at all, P(W > 0). 1 when the agents cannot carry the
    /// load (n ≤ A: the queue grows without end).
    public static func probabilityOfWaiting(agents n: Int, traffic a: Double) -> Double {
        guard a > 0 else { return 0 }
        guard Double(n) > a else { return 1 }
        return cFromB(agents: n, traffic: a, b: erlangB(agents: n, traffic: a))
    }

    static func cFromB(agents n: Int, traffic a: Double, b: Double) -> Double {
        let c = Double(n) * b / (Double(n) - a * (1 - b))
        return min(1, max(0, c))
    }

    /// What `agents` achieve on one interval.
    public struct Outcome: Sendable, Equatable {
        public var agents: Int
        /// Erlangs offered.
        public var traffic: Double
        /// P(wait > 0).
        public var probabilityOfWaiting: Double
        /// Service level: P(wait ≤ threshold), 0…1.
        public var serviceLevel: Double
        /// Average speed of answer, seconds (over all calls, those answered at once included).
        public var asaSeconds: Double
        /// Occupancy: the share of agents' time on calls, traffic ÷ agents (1 when overloaded).
        public var occupancy: Double
        /// The agents cannot carry the load: SL 0, ASA infinite.
        public var overloaded: Bool { Double(agents) <= traffic && traffic > 0 }
    }

    /// SL, ASA and occupancy for `agents` on `traffic` erlangs with handle time `aht` and the
    /// SL threshold `thresholdSeconds`.
    public static func outcome(agents n: Int, traffic a: Double, ahtSeconds aht: Double, thresholdSeconds t: Double) -> Outcome {
        outcome(agents: n, traffic: a, ahtSeconds: aht, thresholdSeconds: t, b: erlangB(agents: n, traffic: a))
    }

    static func outcome(agents n: Int, traffic a: Double, ahtSeconds aht: Double, thresholdSeconds t: Double, b: Double) -> Outcome {
        guard a > 0 else { return Outcome(agents: n, traffic: 0, probabilityOfWaiting: 0, serviceLevel: 1, asaSeconds: 0, occupancy: 0) }
        guard Double(n) > a else {
            return Outcome(agents: n, traffic: a, probabilityOfWaiting: 1, serviceLevel: 0, asaSeconds: .infinity, occupancy: 1)
        }
        let c = cFromB(agents: n, traffic: a, b: b)
        let spare = Double(n) - a
        let sl = 1 - c * exp(-spare * t / aht)
        return Outcome(agents: n, traffic: a, probabilityOfWaiting: c, serviceLevel: min(1, max(0, sl)),
                       asaSeconds: c * aht / spare, occupancy: a / Double(n))
    }

    /// The service goals of a call centre (服务水平目标).
    public struct Target: Sendable, Equatable, Codable {
        /// e.g. 0.80 of calls answered within…
        public var serviceLevel: Double
        /// …`thresholdSeconds` (the "80/20" rule).
        public var thresholdSeconds: Double
        /// Average speed of answer at most this (seconds); nil: no limit.
        public var asaLimitSeconds: Double?
        /// Occupancy at most this (0…1): agents kept busier than this burn out.
        public var maxOccupancy: Double
        /// Share of paid time not on the phones (breaks, training, leave): 0…<1.
        public var shrinkage: Double

        public init(serviceLevel: Double = 0.8, thresholdSeconds: Double = 20, asaLimitSeconds: Double? = nil,
                    maxOccupancy: Double = 0.85, shrinkage: Double = 0.3) {
            self.serviceLevel = serviceLevel
            self.thresholdSeconds = thresholdSeconds
            self.asaLimitSeconds = asaLimitSeconds
            self.maxOccupancy = maxOccupancy
            self.shrinkage = shrinkage
        }
    }

    /// The smallest number of agents on the phones that meets the SL target and the ASA limit with
    /// occupancy at most the maximum, and what they achieve. No calls: 0 agents.
    public static func requiredAgents(traffic a: Double, ahtSeconds aht: Double, target: Target) -> Outcome {
        guard a > 0, aht > 0 else { return outcome(agents: 0, traffic: 0, ahtSeconds: aht, thresholdSeconds: target.thresholdSeconds) }
        // Start at the first n that can carry the load and keep B(n) running, so the search is one
        // pass of the recursion however large the load.
        let occupancyFloor = target.maxOccupancy > 0 ? Int((a / target.maxOccupancy - 1e-9).rounded(.up)) : 0
        var n = max(Int(a.rounded(.down)) + 1, occupancyFloor, 1)
        var b = erlangB(agents: n, traffic: a)
        while true {
            let o = outcome(agents: n, traffic: a, ahtSeconds: aht, thresholdSeconds: target.thresholdSeconds, b: b)
            let slMet = o.serviceLevel + 1e-12 >= target.serviceLevel
            let asaMet = target.asaLimitSeconds.map { o.asaSeconds <= $0 + 1e-9 } ?? true
            if slMet, asaMet, o.occupancy <= target.maxOccupancy + 1e-12 { return o }
            n += 1
            b = a * b / (Double(n) + a * b)
        }
    }

    /// Agents to schedule so that `required` are on the phones after shrinkage:
    /// ceil(required ÷ (1 − shrinkage)). 14 required with 30 % shrinkage → 20.
    public static func scheduled(required: Int, shrinkage: Double) -> Int {
        guard required > 0 else { return 0 }
        let s = min(max(shrinkage, 0), 0.95)
        // 14 ÷ 0.7 is 20.000000000000004 in binary; a hair of tolerance keeps it 20.
        return Int((Double(required) / (1 - s) - 1e-9).rounded(.up))
    }
}
