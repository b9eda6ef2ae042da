import EstateCore
import Foundation
import Testing

@Suite("Call centre: 抢修单 escalation and closure rules")
struct OutageRulesTests {
    static let allowed: [OutageStatus: [OutageAction: OutageStatus]] = [
        .notifying: [.acknowledge: .inRepair, .reportDone: .callback],
        .inRepair: [.reportDone: .callback],
        .callback: [.reopen: .inRepair, .close: .closed],
        .closed: [:],
    ]

    @Test func onlyTheListedMovesExist() {
        for s in OutageStatus.allCases {
            for a in OutageAction.allCases {
                let want = Self.allowed[s]?[a]
                let got = try? OutageFlow.next(s, a)
                #expect(got == want, "\(s) \(a)")
            }
        }
    }

    @Test func escalationGoesDownTheListThenToTheSupervisorsOnce() {
        let t0 = Date(timeIntervalSince1970: 1_790_000_000)
        // Two on call: level 0 → 1 → supervisors (2) → nothing more.
        #expect(OutageEscalation.target(level: 0, onCallCount: 2) == .onCall(0))
        #expect(OutageEscalation.target(level: 1, onCallCount: 2) == .onCall(1))
        #expect(OutageEscalation.target(level: 2, onCallCount: 2) == .supervisors)
        #expect(OutageEscalation.target(level: 3, onCallCount: 2) == nil)
        func next(_ level: Int, after minutes: Double, status: OutageStatus = .notifying) -> Int? {
            OutageEscalation.nextLevel(status: status, level: level, levelStartedAt: t0, windowMinutes: 10, onCallCount: 2,
                                       now: t0.addingTimeInterval(minutes * 60))
        }
        #expect(next(0, after: 9.9) == nil)
        #expect(next(0, after: 10) == 1)
        // A job that slept through several windows still takes one step at a time.
        #expect(next(0, after: 45) == 1)
        #expect(next(1, after: 10) == 2)
        #expect(next(2, after: 600) == nil)
        // Acknowledged or done: no escalation at all.
        for s in [OutageStatus.inRepair, .callback, .closed] { #expect(next(0, after: 60, status: s) == nil) }
    }

    @Test func threeUnansweredCallsMakeAnOwnerUnreachable() throws {
        var s = OutageCallbackState()
        s = try s.recording(.noAnswer)
        #expect(s == .init(attempts: 1, outcome: nil))
        s = try s.recording(.noAnswer)
        #expect(!s.isFinal)
        s = try s.recording(.noAnswer)
        #expect(s == .init(attempts: 3, outcome: .unreachable))
        #expect(throws: OutageCallbackError.alreadyFinal) { try s.recording(.answered) }
        #expect(try OutageCallbackState().recording(.answered).outcome == .answered)
        #expect(try OutageCallbackState(attempts: 2).recording(.notFixed) == .init(attempts: 3, outcome: .notFixed))
    }

    @Test func closingWaitsForEveryOwner() throws {
        let done = OutageCallbackState(attempts: 1, outcome: .answered)
        let gone = OutageCallbackState(attempts: 3, outcome: .unreachable)
        #expect(throws: OutageMoveError.callbacksPending(1)) {
            try OutageFlow.close(.callback, callbacks: [done, OutageCallbackState(attempts: 2)])
        }
        #expect(try OutageFlow.close(.callback, callbacks: [done, gone]) == .closed)
        // No owners (nothing sold in the area): it closes once done.
        #expect(try OutageFlow.close(.callback, callbacks: []) == .closed)
        #expect(throws: OutageMoveError.notAllowed(from: .inRepair, action: .close)) { try OutageFlow.close(.inRepair, callbacks: []) }
    }

    @Test func textRules() {
        #expect(OutageText.unitCodes("1-1-101, 1-1-102、1-1-101\n2-1-301") == ["1-1-101", "1-1-102", "2-1-301"])
        #expect(OutageText.clean("  停水 ", max: 10) == "停水")
        #expect(OutageText.clean("", max: 10) == nil)
        #expect(OutageText.clean("a\u{7}b", max: 10) == nil)
        #expect(OutageText.clean("a\nb", max: 10, multiline: true) == "a\nb")
    }
}
