import Foundation

/// The facts of one registration (报备) as the channel gave them and the system counted them.
public struct RegistrationFacts: Codable, Equatable, Sendable {
    public var at: Date
    public var channelID: UUID
    public var channelKind: ChannelKind
    public var number: RegisteredNumber
    /// The channel's cooperation agreement with the project covers `at`.
    public var agreementValid: Bool
    /// Registrations the broker made earlier the same day (China time).
    public var brokerToday: Int
    /// When a registration of this channel for this number last lapsed.
    public var lastLapse: Date?

    public init(at: Date, channelID: UUID, channelKind: ChannelKind, number: RegisteredNumber, agreementValid: Bool = true,
                brokerToday: Int = 0, lastLapse: Date? = nil) {
        self.at = at
        self.channelID = channelID
        self.channelKind = channelKind
        self.number = number
        self.agreementValid = agreementValid
        self.brokerToday = brokerToday
        self.lastLapse = lastLapse
    }
}

/// What the project already knows of the customer, each with its time: the evidence a
/// registration is judged against and a channel manager decides on.
public struct RegistrationEvidence: Codable, Equatable, Sendable {
    /// A consultant who owns the customer (置业顾问), with the end of their protection.
    public struct Owner: Codable, Equatable, Sendable {
        public var name: String
        public var since: Date?
        public var protectedUntil: Date?
        public init(name: String, since: Date?, protectedUntil: Date?) {
            self.name = name; self.since = since; self.protectedUntil = protectedUntil
        }
    }

    /// Another channel's registration of the same number (or one of the same shape).
    public struct Claim: Codable, Equatable, Sendable {
        public enum State: String, Codable, Sendable {
            /// Holds the number: 报备保护 within its validity, or a confirmed visit within its protection.
            case holding
            /// Registered, not holding (到访为王 before the visit).
            case pending
        }
        public var id: UUID
        public var channelID: UUID
        public var channelName: String
        public var number: RegisteredNumber
        public var at: Date
        public var visitedAt: Date?
        public var state: State
        public init(id: UUID, channelID: UUID, channelName: String, number: RegisteredNumber, at: Date, visitedAt: Date? = nil, state: State) {
            self.id = id; self.channelID = channelID; self.channelName = channelName; self.number = number
            self.at = at; self.visitedAt = visitedAt; self.state = state
        }
    }

    public var owner: Owner?
    /// The customer's own visits (自然到访) recorded before the registration.
    public var walkIns: [Date]
    /// Hotline calls from the customer's number recorded before the registration.
    public var hotlineCalls: [Date]
    public var claims: [Claim]

    public init(owner: Owner? = nil, walkIns: [Date] = [], hotlineCalls: [Date] = [], claims: [Claim] = []) {
        self.owner = owner; self.walkIns = walkIns; self.hotlineCalls = hotlineCalls; self.claims = claims
    }
}

/// One step of a verdict: what was checked, what it found.
public struct VerdictStep: Codable, Equatable, Sendable {
    public enum Result: String, Codable, Sendable {
        case pass
        /// A hard rule broken: the registration is refused.
        case fail
        /// Evidence or a claim against the registration: refused or queued per the rule.
        case conflict
        /// Waived by an exemption of the rule.
        case exempt
        /// Not reached: an earlier step refused.
        case skipped
    }
    public var check: Check
    public var result: Result
    /// The facts behind the result ("at" times, names), for the page and the replay.
    public var detail: [String: String]

    public init(_ check: Check, _ result: Result, _ detail: [String: String] = [:]) {
        self.check = check; self.result = result; self.detail = detail
    }

    public enum Check: String, Codable, CaseIterable, Sendable {
        case agreement, number, cap, cooldown, owner, walkIn = "walk_in", hotline, claims
    }
}

public struct Verdict: Codable, Equatable, Sendable {
    public enum Outcome: String, Codable, Sendable { case accepted, queued, refused }
    public var outcome: Outcome
    /// The stable reason of a refusal or queueing (a problem code), nil when accepted.
    public var reason: String?
    /// Whether the accepted registration holds the number now (false in 到访为王 until the visit).
    public var holds: Bool
    /// End of the registration's validity when accepted.
    public var validUntil: Date?
    /// Holding claims this registration displaces, by the rule (`full_wins`), never silently.
    public var displaces: [UUID]
    public var ruleVersion: Int
    public var steps: [VerdictStep]
}

/// 报备 judged: pure, so the same facts and rule version always give the same verdict (replay
/// on appeal).
public enum RegistrationJudge {
    public static func judge(_ f: RegistrationFacts, _ e: RegistrationEvidence, _ rule: ChannelRule) -> Verdict {
        var steps: [VerdictStep] = []
        func refuse(_ reason: String) -> Verdict {
            let done = Set(steps.map(\.check))
            for c in VerdictStep.Check.allCases where !done.contains(c) { steps.append(.init(c, .skipped)) }
            return Verdict(outcome: .refused, reason: reason, holds: false, validUntil: nil, displaces: [], ruleVersion: rule.version, steps: steps)
        }
        let iso = ISO8601DateFormatter()
        func t(_ d: Date) -> String { iso.string(from: d) }

        // Hard rules: any broken one refuses, naming the rule.
        guard f.agreementValid else { steps.append(.init(.agreement, .fail)); return refuse("registration_agreement_invalid") }
        steps.append(.init(.agreement, .pass))

        if f.number.isMasked && rule.maskedNumbers == .refused {
            steps.append(.init(.number, .fail, ["number": f.number.maskedForm]))
            return refuse("registration_masked_refused")
        }
        steps.append(.init(.number, .pass, ["number": f.number.maskedForm, "masked": f.number.isMasked ? "yes" : "no"]))

        if rule.capPerBrokerPerDay > 0 {
            if rule.exemptions.contains(.cap) {
                steps.append(.init(.cap, .exempt, ["today": "\(f.brokerToday)", "cap": "\(rule.capPerBrokerPerDay)"]))
            } else if f.brokerToday >= rule.capPerBrokerPerDay {
                steps.append(.init(.cap, .fail, ["today": "\(f.brokerToday)", "cap": "\(rule.capPerBrokerPerDay)"]))
                return refuse("registration_cap_reached")
            } else {
                steps.append(.init(.cap, .pass, ["today": "\(f.brokerToday)", "cap": "\(rule.capPerBrokerPerDay)"]))
            }
        } else {
            steps.append(.init(.cap, .pass, ["cap": "none"]))
        }

        if rule.cooldownDays > 0, let lapse = f.lastLapse {
            let ends = lapse.addingTimeInterval(Double(rule.cooldownDays) * 86_400)
            if rule.exemptions.contains(.cooldown) {
                steps.append(.init(.cooldown, .exempt, ["lapsed": t(lapse)]))
            } else if f.at < ends {
                steps.append(.init(.cooldown, .fail, ["lapsed": t(lapse), "until": t(ends)]))
                return refuse("registration_cooldown")
            } else {
                steps.append(.init(.cooldown, .pass, ["lapsed": t(lapse)]))
            }
        } else {
            steps.append(.init(.cooldown, .pass))
        }

        // Evidence: every step is evaluated so the decision shows all of it side by side.
        var conflicts: [String] = []
        var mustQueue = false
        if let o = e.owner, (o.protectedUntil ?? .distantPast) > f.at {
            if rule.exemptions.contains(.ownerEvidence) {
                steps.append(.init(.owner, .exempt, ["owner": o.name]))
            } else {
                steps.append(.init(.owner, .conflict, ["owner": o.name, "until": t(o.protectedUntil!)]))
                conflicts.append("registration_customer_owned")
            }
        } else {
            steps.append(.init(.owner, .pass, e.owner.map { ["owner": $0.name, "lapsed": "yes"] } ?? [:]))
        }

        let since = f.at.addingTimeInterval(-Double(rule.evidenceDays) * 86_400)
        if let v = e.walkIns.filter({ $0 < f.at && $0 >= since }).max() {
            steps.append(.init(.walkIn, .conflict, ["at": t(v)]))
            conflicts.append("registration_customer_visited")
        } else {
            steps.append(.init(.walkIn, .pass))
        }

        if let c = e.hotlineCalls.filter({ $0 < f.at && $0 >= since }).max() {
            if rule.exemptions.contains(.callEvidence) {
                steps.append(.init(.hotline, .exempt, ["at": t(c)]))
            } else {
                steps.append(.init(.hotline, .conflict, ["at": t(c)]))
                conflicts.append("registration_customer_called")
            }
        } else {
            steps.append(.init(.hotline, .pass))
        }

        // Other channels' claims on the number.
        var displaces: [UUID] = []
        let others = e.claims.filter { $0.channelID != f.channelID && $0.number.mayBe(f.number) && $0.at <= f.at }
        let own = e.claims.filter { $0.channelID == f.channelID && $0.number.mayBe(f.number) }
        let holding = others.filter { $0.state == .holding }.sorted { $0.at < $1.at }
        if let mine = own.first {
            steps.append(.init(.claims, .conflict, ["channel": mine.channelName, "at": t(mine.at), "own": "yes"]))
            return Verdict(outcome: .refused, reason: "registration_duplicate", holds: false, validUntil: nil, displaces: [],
                           ruleVersion: rule.version, steps: steps)
        }
        if let first = holding.first {
            let crossKind = first.number.isMasked != f.number.isMasked
            var detail = ["channel": first.channelName, "at": t(first.at), "number": first.number.maskedForm]
            if let v = first.visitedAt { detail["visited"] = t(v) }
            if crossKind && rule.maskedNumbers == .fullWins {
                if f.number.isMasked {
                    detail["policy"] = "full_wins"
                    steps.append(.init(.claims, .conflict, detail))
                    conflicts.append("registration_taken")
                } else if first.visitedAt == nil {
                    // The full number displaces masked claims not yet confirmed by a visit.
                    displaces = holding.filter { $0.number.isMasked && $0.visitedAt == nil }.map(\.id)
                    detail["policy"] = "full_wins"
                    steps.append(.init(.claims, .pass, detail))
                } else {
                    steps.append(.init(.claims, .conflict, detail))
                    conflicts.append("registration_taken")
                }
            } else {
                if crossKind && rule.maskedNumbers == .decide { mustQueue = true; detail["policy"] = "decide" }
                if rule.mode == .competitive { mustQueue = true }
                steps.append(.init(.claims, .conflict, detail))
                conflicts.append(rule.mode == .competitive ? "registration_competing" : "registration_taken")
            }
        } else if !others.isEmpty {
            // Pending claims only (到访为王): registrations compete until someone's customer visits.
            steps.append(.init(.claims, .pass, ["pending": "\(others.count)"]))
        } else {
            steps.append(.init(.claims, .pass))
        }

        if let reason = conflicts.first {
            let queue = mustQueue || rule.onConflict == .queue
            return Verdict(outcome: queue ? .queued : .refused, reason: reason, holds: false, validUntil: nil, displaces: [],
                           ruleVersion: rule.version, steps: steps)
        }
        return Verdict(outcome: .accepted, reason: nil, holds: rule.mode != .visitFirst,
                       validUntil: f.at.addingTimeInterval(Double(rule.validityHours) * 3600), displaces: displaces,
                       ruleVersion: rule.version, steps: steps)
    }
}
