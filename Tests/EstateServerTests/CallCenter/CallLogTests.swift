import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import Testing
import Vapor

/// The call log (通话记录): a call is stored with its number normalised, its durations from its
/// times and one audit line; one person's calls are found by any spelling of their number.
@Suite struct CallLogTests {
    @Test func aCallIsStoredOnceWithItsDurationsAndFoundByAnySpellingOfTheNumber() async throws {
        try await withTestApp { app, clock in
            let f = Fixtures(app: app)
            let hxy = try await f.project("HXY"), other = try await f.project("XYZ")
            let agent = try await f.user("agent.li", roles: [(.csStaff, hxy)])
            let calls = app.services.calls(app.db)
            let t0 = clock.now
            let first = try await calls.log(.init(direction: .inbound, number: "+86 139-0000-1111", projectID: hxy, agentID: agent,
                                                  timing: try CallTiming(offeredAt: t0, answeredAt: t0 + 15, endedAt: t0 + 195,
                                                                         holdSeconds: 20, wrapSeconds: 30),
                                                  category: "repair", outcome: .ticketOpened, source: .desk),
                                            context: .system("test"))
            #expect(first.number == "13900001111" && first.waitSeconds == 15 && first.talkSeconds == 160 && first.handleSeconds == 210)
            #expect(!first.abandoned && first.outcome == "ticket_opened" && first.source == "desk")
            _ = try await calls.log(.init(direction: .inbound, number: "13900001111", projectID: other,
                                          timing: try CallTiming(offeredAt: t0 + 600, answeredAt: nil, endedAt: t0 + 609), source: .telephony),
                                    context: .system("test"))
            _ = try await calls.log(.init(direction: .outbound, number: "13900002222", projectID: hxy,
                                          timing: try CallTiming(offeredAt: t0 + 900, answeredAt: t0 + 905, endedAt: t0 + 965), source: .desk),
                                    context: .system("test"))
            #expect(try await f.auditCount(action: "call.log") == 3)

            // Every call of the person, newest first, whichever way the number is typed.
            let all = try await calls.recent(number: "139 0000 1111", projects: nil)
            #expect(all.map(\.projectID) == [other, hxy])
            #expect(all.first?.abandoned == true && all.first?.waitSeconds == 9)
            // Limited to the projects the reader may see.
            #expect(try await calls.recent(number: "13900001111", projects: [hxy]).map(\.id) == [first.id])
            #expect(try await calls.recent(number: "13900001111", projects: []).isEmpty)

            // The offered history a forecast reads: inbound only, in the window.
            let offered = try await calls.offered(from: t0, to: t0 + 3600)
            #expect(offered.count == 2 && offered.map(\.abandoned) == [false, true] && offered[0].handleSeconds == 210)
            #expect(try await calls.offered(from: t0 + 1, to: t0 + 3600).count == 1)
        }
    }

    @Test func aBadCallChangesNothing() async throws {
        try await withTestApp { app, clock in
            let f = Fixtures(app: app)
            let hxy = try await f.project("HXY")
            let calls = app.services.calls(app.db)
            let t0 = clock.now
            let timing = try CallTiming(offeredAt: t0, answeredAt: t0 + 1, endedAt: t0 + 60)
            for (draft, code) in [
                (CallService.Draft(direction: .inbound, number: "12", projectID: hxy, timing: timing, source: .desk), "call_number_invalid"),
                (CallService.Draft(direction: .inbound, number: "13900001111", projectID: hxy, queue: " ", timing: timing, source: .desk), "call_queue_invalid"),
                (CallService.Draft(direction: .inbound, number: "13900001111", projectID: hxy, timing: timing, satisfaction: 6, source: .desk), "call_satisfaction_invalid"),
            ] {
                do {
                    _ = try await calls.log(draft, context: .system("test"))
                    Issue.record("\(code): accepted")
                } catch let p as Problem {
                    #expect(p.fields.map(\.code) == [code])
                }
            }
            // The same external call id twice: the second insert fails and leaves no audit line.
            _ = try await calls.log(.init(direction: .inbound, number: "13900001111", timing: timing, externalID: "pbx-1", source: .telephony),
                                    context: .system("test"))
            await #expect(throws: (any Error).self) {
                _ = try await calls.log(.init(direction: .inbound, number: "13900001111", timing: timing, externalID: "pbx-1", source: .telephony),
                                        context: .system("test"))
            }
            #expect(try await f.auditCount(action: "call.log") == 1)
            #expect(try await calls.recent(number: "13900001111", projects: nil).count == 1)
        }
    }
}
