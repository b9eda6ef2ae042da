import EstateCore
import Foundation
import Testing

/// A call's numbers and times (呼叫中心): one person is one normalised number; the KPIs'
/// durations come from the call's times.
@Suite struct CallTests {
    @Test(arguments: [
        ("+86 138-1234-5678", "13812345678"), ("138 1234 5678", "13812345678"), ("0086 13812345678", "13812345678"),
        ("010-6552 1234", "01065521234"), ("+86 10 6552 1234", "01065521234"), ("(0755) 8888 1234", "075588881234"),
        ("95588", "95588"),
    ])
    func numbersAreStoredOneWay(raw: String, stored: String) {
        #expect(CallerNumber.normalized(raw) == stored)
    }

    @Test(arguments: ["", "12", "abc", "123456789012345678901"])
    func notANumber(raw: String) {
        #expect(CallerNumber.normalized(raw) == nil)
    }

    @Test func masking() {
        #expect(CallerNumber.masked("13812345678") == "138****5678")
        #expect(CallerNumber.masked("01065521234") != "01065521234")
    }

    @Test func durationsFromTimes() throws {
        let t0 = Date(timeIntervalSince1970: 1_790_000_000)
        // Answered after 12 s, 200 s on the line of which 30 on hold, 45 s wrap-up.
        let handled = try CallTiming(offeredAt: t0, answeredAt: t0 + 12, endedAt: t0 + 212, holdSeconds: 30, wrapSeconds: 45)
        #expect(handled.waitSeconds == 12 && handled.talkSeconds == 170 && handled.handleSeconds == 245)
        #expect(!handled.abandoned)
        // Hung up after 8 s waiting.
        let abandoned = try CallTiming(offeredAt: t0, answeredAt: nil, endedAt: t0 + 8)
        #expect(abandoned.abandoned && abandoned.waitSeconds == 8 && abandoned.talkSeconds == 0)
        // Still ringing: neither abandoned nor handled.
        let ringing = try CallTiming(offeredAt: t0, answeredAt: nil, endedAt: nil)
        #expect(!ringing.abandoned && ringing.waitSeconds == 0)
    }

    @Test func timesOutOfOrderAreRefused() {
        let t0 = Date(timeIntervalSince1970: 1_790_000_000)
        #expect(throws: CallTiming.Failure.outOfOrder) { try CallTiming(offeredAt: t0, answeredAt: t0 - 1, endedAt: nil) }
        #expect(throws: CallTiming.Failure.outOfOrder) { try CallTiming(offeredAt: t0, answeredAt: t0 + 10, endedAt: t0 + 5) }
        #expect(throws: CallTiming.Failure.outOfOrder) { try CallTiming(offeredAt: t0, answeredAt: nil, endedAt: t0 - 5) }
        #expect(throws: CallTiming.Failure.badDuration) { try CallTiming(offeredAt: t0, answeredAt: t0, endedAt: t0 + 10, holdSeconds: 11) }
        #expect(throws: CallTiming.Failure.badDuration) { try CallTiming(offeredAt: t0, answeredAt: nil, endedAt: t0 + 10, holdSeconds: 1) }
        #expect(throws: CallTiming.Failure.badDuration) { try CallTiming(offeredAt: t0, answeredAt: t0, endedAt: t0 + 10, wrapSeconds: -1) }
    }
}
