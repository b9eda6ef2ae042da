import EstateCore
import Foundation
import Testing

@Suite("Channels: 报备 rules and the judge")
struct ChannelRulesTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)
    static let me = UUID(), other = UUID()
    static let full = RegisteredNumber.full("13812345678")
    static let masked = RegisteredNumber.masked(prefix: "138", suffix: "5678")

    enum Evidence: String, CaseIterable { case none, owner, walkIn, hotline, holdingClaim, pendingClaim }

    static func evidence(_ e: Evidence, number: RegisteredNumber) -> RegistrationEvidence {
        let before = t0.addingTimeInterval(-86_400)
        switch e {
        case .none: return .init()
        case .owner: return .init(owner: .init(name: "王顾问", since: before, protectedUntil: t0.addingTimeInterval(86_400)))
        case .walkIn: return .init(walkIns: [before])
        case .hotline: return .init(hotlineCalls: [before])
        case .holdingClaim:
            return .init(claims: [.init(id: UUID(), channelID: other, channelName: "链家", number: number, at: before, state: .holding)])
        case .pendingClaim:
            return .init(claims: [.init(id: UUID(), channelID: other, channelName: "链家", number: number, at: before, state: .pending)])
        }
    }

    /// The spec, written independently of the judge: what each combination must give.
    static func expected(mode: ProtectionMode, number: RegisteredNumber, policy: MaskedNumberPolicy, evidence: Evidence,
                         onConflict: ConflictHandling) -> (Verdict.Outcome, String?, Bool) {
        if number.isMasked && policy == .refused { return (.refused, "registration_masked_refused", false) }
        let conflict: ConflictHandling = onConflict
        switch evidence {
        case .none, .pendingClaim: return (.accepted, nil, mode != .visitFirst)
        case .owner: return (conflict == .queue ? .queued : .refused, "registration_customer_owned", false)
        case .walkIn: return (conflict == .queue ? .queued : .refused, "registration_customer_visited", false)
        case .hotline: return (conflict == .queue ? .queued : .refused, "registration_customer_called", false)
        case .holdingClaim:
            if mode == .competitive { return (.queued, "registration_competing", false) }
            return (conflict == .queue ? .queued : .refused, "registration_taken", false)
        }
    }

    @Test(arguments: ProtectionMode.allCases)
    func everyModeNumberAndEvidence(mode: ProtectionMode) throws {
        for number in [Self.full, Self.masked] {
            for policy in [MaskedNumberPolicy.refused, .firstWins] {
                for ev in Evidence.allCases {
                    for onConflict in ConflictHandling.allCases {
                        let rule = ChannelRule(version: 3, mode: mode, maskedNumbers: policy, onConflict: onConflict)
                        let facts = RegistrationFacts(at: Self.t0, channelID: Self.me, channelKind: .agency, number: number)
                        let v = RegistrationJudge.judge(facts, Self.evidence(ev, number: number), rule)
                        let (outcome, reason, holds) = Self.expected(mode: mode, number: number, policy: policy, evidence: ev, onConflict: onConflict)
                        let label = "\(mode) \(number.maskedForm) masked=\(number.isMasked) \(policy) \(ev) \(onConflict)"
                        #expect(v.outcome == outcome, "\(label)")
                        #expect(v.reason == reason, "\(label)")
                        #expect(v.holds == holds, "\(label)")
                        #expect(v.ruleVersion == 3)
                        // Every check appears once, in order, whatever the outcome.
                        #expect(v.steps.map(\.check) == VerdictStep.Check.allCases, "\(label)")
                        if outcome == .accepted {
                            #expect(v.validUntil == Self.t0.addingTimeInterval(72 * 3600))
                            #expect(v.steps.allSatisfy { $0.result == .pass })
                        } else if reason == "registration_masked_refused" {
                            #expect(v.steps.first { $0.check == .number }?.result == .fail)
                            #expect(v.steps.filter { $0.result == .skipped }.map(\.check) == [.cap, .cooldown, .owner, .walkIn, .hotline, .claims])
                        } else {
                            let check: VerdictStep.Check = switch ev {
                            case .owner: .owner
                            case .walkIn: .walkIn
                            case .hotline: .hotline
                            default: .claims
                            }
                            #expect(v.steps.first { $0.check == check }?.result == .conflict, "\(label)")
                        }
                        // Replay: the same facts and rule, through their stored form, give the same verdict.
                        let stored = try JSONEncoder().encode(ReplayCase(facts: facts, evidence: Self.evidence(ev, number: number), rule: rule))
                        let back = try JSONDecoder().decode(ReplayCase.self, from: stored)
                        let again = RegistrationJudge.judge(back.facts, back.evidence, back.rule)
                        #expect(again.outcome == v.outcome && again.reason == v.reason && again.steps.map(\.result) == v.steps.map(\.result))
                    }
                }
            }
        }
    }

    struct ReplayCase: Codable { var facts: RegistrationFacts; var evidence: RegistrationEvidence; var rule: ChannelRule }

    @Test func replayOfAStoredVerdictIsIdentical() throws {
        let rule = ChannelRule(version: 7, mode: .registrationFirst, onConflict: .queue)
        let facts = RegistrationFacts(at: Self.t0.addingTimeInterval(0.123), channelID: Self.me, channelKind: .agency, number: Self.full)
        let ev = Self.evidence(.owner, number: Self.full)
        let v = RegistrationJudge.judge(facts, ev, rule)
        let data = try JSONEncoder().encode(ReplayCase(facts: facts, evidence: ev, rule: rule))
        let back = try JSONDecoder().decode(ReplayCase.self, from: data)
        #expect(RegistrationJudge.judge(back.facts, back.evidence, back.rule) == v)
        // A later rule version may decide otherwise; the stored one still replays the same.
        var newer = rule; newer.version = 8; newer.exemptions = [.ownerEvidence]
        #expect(RegistrationJudge.judge(facts, ev, newer).outcome == .accepted)
        #expect(RegistrationJudge.judge(back.facts, back.evidence, back.rule).outcome == .queued)
    }

    @Test func agreementOutsideItsDatesIsRefusedFirst() {
        let f = RegistrationFacts(at: Self.t0, channelID: Self.me, channelKind: .agency, number: Self.full, agreementValid: false)
        let v = RegistrationJudge.judge(f, Self.evidence(.owner, number: Self.full), ChannelRule())
        #expect(v.outcome == .refused && v.reason == "registration_agreement_invalid")
        #expect(v.steps.first == VerdictStep(.agreement, .fail))
        #expect(v.steps.dropFirst().allSatisfy { $0.result == .skipped })
    }

    @Test func capAtItsBoundaryAndExempt() {
        let rule = ChannelRule(capPerBrokerPerDay: 5)
        func judge(_ today: Int, _ r: ChannelRule = rule) -> Verdict {
            RegistrationJudge.judge(.init(at: Self.t0, channelID: Self.me, channelKind: .agency, number: Self.full, brokerToday: today), .init(), r)
        }
        #expect(judge(4).outcome == .accepted)
        #expect(judge(5).reason == "registration_cap_reached")
        #expect(judge(5).steps.first { $0.check == .cap } == VerdictStep(.cap, .fail, ["today": "5", "cap": "5"]))
        var exempt = rule; exempt.exemptions = [.cap]
        #expect(judge(500, exempt).outcome == .accepted)
        #expect(judge(500, exempt).steps.first { $0.check == .cap }?.result == .exempt)
        #expect(judge(10_000, ChannelRule(capPerBrokerPerDay: 0)).outcome == .accepted)
    }

    @Test func cooldownAtItsBoundary() {
        let rule = ChannelRule(cooldownDays: 7)
        func judge(lapsedDaysAgo: Double, _ r: ChannelRule = rule) -> Verdict {
            RegistrationJudge.judge(.init(at: Self.t0, channelID: Self.me, channelKind: .agency, number: Self.full,
                                          lastLapse: Self.t0.addingTimeInterval(-lapsedDaysAgo * 86_400)), .init(), r)
        }
        #expect(judge(lapsedDaysAgo: 6.99).reason == "registration_cooldown")
        #expect(judge(lapsedDaysAgo: 7).outcome == .accepted)
        var exempt = rule; exempt.exemptions = [.cooldown]
        #expect(judge(lapsedDaysAgo: 1, exempt).outcome == .accepted)
    }

    @Test func oldEvidenceAndLapsedOwnersDoNotCount() {
        let rule = ChannelRule(evidenceDays: 30)
        let old = Self.t0.addingTimeInterval(-31 * 86_400)
        let ev = RegistrationEvidence(owner: .init(name: "王顾问", since: old, protectedUntil: Self.t0.addingTimeInterval(-1)),
                                      walkIns: [old], hotlineCalls: [old, Self.t0.addingTimeInterval(60)])
        let v = RegistrationJudge.judge(.init(at: Self.t0, channelID: Self.me, channelKind: .agency, number: Self.full), ev, rule)
        #expect(v.outcome == .accepted)
        #expect(v.steps.first { $0.check == .owner }?.detail["lapsed"] == "yes")
    }

    @Test func referralExemptFromOwnerAndCallEvidence() {
        let rule = ChannelRule(exemptions: [.ownerEvidence, .callEvidence])
        var ev = Self.evidence(.owner, number: Self.full)
        ev.hotlineCalls = [Self.t0.addingTimeInterval(-60)]
        let v = RegistrationJudge.judge(.init(at: Self.t0, channelID: Self.me, channelKind: .referral, number: Self.full), ev, rule)
        #expect(v.outcome == .accepted)
        #expect(v.steps.filter { $0.result == .exempt }.map(\.check) == [.owner, .hotline])
        // A walk-in is never waived: the customer came on their own.
        ev.walkIns = [Self.t0.addingTimeInterval(-60)]
        #expect(RegistrationJudge.judge(.init(at: Self.t0, channelID: Self.me, channelKind: .referral, number: Self.full), ev, rule).reason
                == "registration_customer_visited")
    }

    @Test func maskedAgainstFullPerPolicy() {
        let maskedClaim = RegistrationEvidence(claims: [.init(id: UUID(), channelID: Self.other, channelName: "链家", number: Self.masked,
                                                              at: Self.t0.addingTimeInterval(-60), state: .holding)])
        let fullClaim = RegistrationEvidence(claims: [.init(id: UUID(), channelID: Self.other, channelName: "链家", number: Self.full,
                                                            at: Self.t0.addingTimeInterval(-60), state: .holding)])
        func judge(_ n: RegisteredNumber, _ e: RegistrationEvidence, _ p: MaskedNumberPolicy) -> Verdict {
            RegistrationJudge.judge(.init(at: Self.t0, channelID: Self.me, channelKind: .agency, number: n), e, ChannelRule(maskedNumbers: p))
        }
        // first_wins: same shape is one customer.
        #expect(judge(Self.full, maskedClaim, .firstWins).reason == "registration_taken")
        #expect(judge(Self.masked, fullClaim, .firstWins).reason == "registration_taken")
        // full_wins: the full number displaces an unvisited masked claim, by rule and named in the verdict.
        let v = judge(Self.full, maskedClaim, .fullWins)
        #expect(v.outcome == .accepted && v.displaces == maskedClaim.claims.map(\.id))
        #expect(judge(Self.masked, fullClaim, .fullWins).reason == "registration_taken")
        var visited = maskedClaim; visited.claims[0].visitedAt = Self.t0.addingTimeInterval(-30)
        #expect(judge(Self.full, visited, .fullWins).reason == "registration_taken")
        // decide: the collision goes to the channel manager even when the rule refuses conflicts.
        #expect(judge(Self.full, maskedClaim, .decide).outcome == .queued)
        // A different number of the same shape is no collision when both are full.
        let otherFull = RegistrationEvidence(claims: [.init(id: UUID(), channelID: Self.other, channelName: "链家", number: .full("13899995678"),
                                                            at: Self.t0.addingTimeInterval(-60), state: .holding)])
        #expect(judge(Self.full, otherFull, .firstWins).outcome == .accepted)
    }

    @Test func theSameChannelTwiceIsADuplicate() {
        let ev = RegistrationEvidence(claims: [.init(id: UUID(), channelID: Self.me, channelName: "我们", number: Self.full, at: Self.t0.addingTimeInterval(-60), state: .holding)])
        #expect(RegistrationJudge.judge(.init(at: Self.t0, channelID: Self.me, channelKind: .agency, number: Self.full), ev, ChannelRule()).reason
                == "registration_duplicate")
    }

    @Test func numbersParse() {
        #expect(RegisteredNumber.parse("+86 138-1234-5678") == .full("13812345678"))
        #expect(RegisteredNumber.parse("138****5678") == .masked(prefix: "138", suffix: "5678"))
        #expect(RegisteredNumber.parse("138*5678") == .masked(prefix: "138", suffix: "5678"))
        for bad in ["", "12812345678", "138*****5678", "13****5678", "238****5678", "138**x*5678", "１３８****5678", "138****567"] {
            #expect(RegisteredNumber.parse(bad) == nil, "\(bad)")
        }
        #expect(RegisteredNumber.full("13812345678").lockKey == "13812345678")
        #expect(RegisteredNumber.masked(prefix: "138", suffix: "5678").lockKey == "138****5678")
    }

    @Test func ruleRanges() {
        #expect(ChannelRule().problems().isEmpty)
        #expect(ChannelRule(validityHours: 0, capPerBrokerPerDay: -1).problems().map(\.field) == ["validityHours", "capPerBrokerPerDay"])
    }
}
