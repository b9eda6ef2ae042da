import EstateCore
import Foundation
import Testing

/// Telephony events assembled into one call in any order, and the KPI definitions (话务指标).
@Suite struct CallEventsAndKPITests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    static func events() -> [CallEvent] {
        [CallEvent(eventID: "e1", kind: .ring, at: t0, number: "13900001111", queue: "hotline"),
         CallEvent(eventID: "e2", kind: .answer, at: t0 + 12, agent: "cc-agent-01"),
         CallEvent(eventID: "e3", kind: .hold, at: t0 + 60),
         CallEvent(eventID: "e4", kind: .unhold, at: t0 + 90),
         CallEvent(eventID: "e5", kind: .hold, at: t0 + 150),
         CallEvent(eventID: "e6", kind: .hangup, at: t0 + 200, wrapSeconds: 40)]
    }

    @Test func aCallFromItsEventsInAnyOrderAndReplayed() throws {
        let expected = try #require(CallAssembly.assemble(Self.events()))
        #expect(expected.timing.waitSeconds == 12 && expected.timing.holdSeconds == 80 && expected.timing.talkSeconds == 108)
        #expect(expected.timing.wrapSeconds == 40 && expected.agent == "cc-agent-01" && expected.number == "13900001111")
        #expect(expected.queue == "hotline" && expected.direction == .inbound && !expected.timing.abandoned)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let shuffled = (Self.events() + Self.events().prefix(Int.random(in: 0...6, using: &rng))).shuffled(using: &rng)
            #expect(CallAssembly.assemble(shuffled) == expected)
        }
    }

    @Test func partialCallsAndAbandons() throws {
        let ringing = try #require(CallAssembly.assemble([CallEvent(eventID: "r", kind: .ring, at: Self.t0, number: "13900001111")]))
        #expect(ringing.timing.endedAt == nil && !ringing.timing.abandoned && ringing.timing.waitSeconds == 0)
        let abandoned = try #require(CallAssembly.assemble([CallEvent(eventID: "h", kind: .hangup, at: Self.t0 + 9),
                                                            CallEvent(eventID: "r", kind: .ring, at: Self.t0)]))
        #expect(abandoned.timing.abandoned && abandoned.timing.waitSeconds == 9)
        // Only the hang-up arrived so far: a call that began and ended at once.
        #expect(CallAssembly.assemble([CallEvent(eventID: "h", kind: .hangup, at: Self.t0)])?.timing.abandoned == true)
        #expect(CallAssembly.assemble([]) == nil)
    }

    @Test func signatureWindow() {
        #expect(TelephonySignature.isFresh(Self.t0 - 300, now: Self.t0))
        #expect(!TelephonySignature.isFresh(Self.t0 - 301, now: Self.t0))
        #expect(!TelephonySignature.isFresh(Self.t0 + 301, now: Self.t0))
    }

    static func call(_ at: TimeInterval, _ direction: CallDirection = .inbound, answered: Bool = true, wait: Int = 10,
                     number: String = "13900001111", category: String? = "repair", outcome: CallOutcome? = nil) -> CallKPI.Call {
        CallKPI.Call(direction: direction, number: number, offeredAt: t0 + at, answered: answered, abandoned: !answered,
                     waitSeconds: wait, handleSeconds: answered ? 200 : 0, category: category, outcome: outcome)
    }

    @Test func definitions() throws {
        let calls = [
            Self.call(0, wait: 5), Self.call(100, wait: 30, number: "13900002222"),
            Self.call(200, answered: false, wait: 3), Self.call(300, answered: false, wait: 40),
            // A repeat on the same category within 7 days: the first call was not resolved.
            Self.call(6 * 86_400, wait: 20, category: "repair"),
            Self.call(400, .outbound, number: "13900002222"),
        ]
        let c = CallKPI.counters(calls, history: calls)
        #expect(c.offered == 5 && c.answered == 3 && c.abandoned == 1 && c.shortAbandoned == 1)
        #expect(CallKPI.abandonment(c) == 0.25)
        #expect(CallKPI.serviceLevel(c) == 0.5) // 2 within 20 s of 4 (short abandon excluded)
        #expect(CallKPI.asa(c) == 55.0 / 3 && CallKPI.aht(c) == 200)
        #expect(c.fcrEligible == 3 && c.fcrResolved == 2)
        #expect(c.busySeconds == 800 && CallKPI.occupancy(c, staffedSeconds: 1600) == 0.5)
        #expect(CallKPI.satisfaction(c) == nil && CallKPI.qaScore(c) == nil)
        // A repeat after the window, or on another category, leaves the first call resolved.
        let later = [Self.call(0), Self.call(7 * 86_400 + 1), Self.call(60, category: "complaint")]
        #expect(CallKPI.firstContactResolved(later[0], history: later))
    }

    @Test func callbacksOnTime() {
        let calls = [Self.call(0, outcome: .callback), Self.call(3600, .outbound),
                     Self.call(10, number: "13900002222", outcome: .callback), Self.call(90_000, .outbound, number: "13900002222")]
        let c = CallKPI.counters(calls, history: calls)
        #expect(c.callbacksPromised == 2 && c.callbacksOnTime == 1 && CallKPI.callbacksOnTime(c) == 0.5)
    }

    @Test func countersAdd() {
        let a = CallKPI.counters([Self.call(0)], history: []), b = CallKPI.counters([Self.call(5, answered: false, wait: 9)], history: [])
        let sum = a + b
        #expect(sum.offered == 2 && sum.answered == 1 && sum.abandoned == 1 && CallKPI.abandonment(sum) == 0.5)
    }
}
