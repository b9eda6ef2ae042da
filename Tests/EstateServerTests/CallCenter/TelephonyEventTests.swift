import EstateCore
@testable import EstateServer
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// `POST /api/v1/call-events` on both engines: a bad signature or a stale timestamp stores nothing,
/// a replayed event changes nothing and gets the same answer, and events in any order (and at once)
/// make one call.
@Suite("Call centre: telephony events")
struct TelephonyEventTests {
    static let key = "test-telephony-key-0123456789"

    static func configure(_ c: inout AppConfiguration) { c.telephonyKey = key }

    static func body(_ id: String, call: String = "pbx-1", _ type: String, at: Date, extra: [String: Any] = [:]) -> String {
        var b: [String: Any] = ["eventId": id, "callId": call, "type": type, "at": ISO8601DateFormatter().string(from: at)]
        for (k, v) in extra { b[k] = v }
        return String(decoding: try! JSONSerialization.data(withJSONObject: b, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Posts `body` signed at `stamp` (the clock's now by default) with `key`.
    static func post(_ app: Application, _ body: String, stamp: Date? = nil, key: String = Self.key,
                     signature: String? = nil, now: Date) async throws -> TestingHTTPResponse {
        let ts = String(Int((stamp ?? now).timeIntervalSince1970))
        let sig = signature ?? TelephonyRoutes.signature(key: key, timestamp: ts, body: Array(body.utf8))
        return try await app.call(.POST, "/api/v1/call-events",
                                  headers: ["Content-Type": "application/json", "X-Estate-Timestamp": ts, "X-Estate-Signature": sig],
                                  body: ByteBuffer(string: body))
    }

    static func count(_ app: Application, _ table: String) async throws -> Int {
        struct N: Decodable { var n: Int }
        return try await app.db.sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first(decoding: N.self)?.n ?? -1
    }

    static func code(_ r: TestingHTTPResponse) -> String { TicketTests.code(r) }

    @Test func badSignaturesAndStaleTimestampsStoreNothing() async throws {
        try await withTestApp(adjust: Self.configure) { app, clock in
            let now = clock.now
            let b = Self.body("e1", "ring", at: now, extra: ["number": "13900001111"])
            // Wrong key, body changed after signing, no signature, a stale or future timestamp.
            var r = try await Self.post(app, b, key: "another-key-0123456789", now: now)
            #expect(r.status == .unauthorized && Self.code(r) == "telephony_signature_invalid")
            let ts = String(Int(now.timeIntervalSince1970))
            r = try await Self.post(app, b.replacingOccurrences(of: "1111", with: "2222"),
                                    signature: TelephonyRoutes.signature(key: Self.key, timestamp: ts, body: Array(b.utf8)), now: now)
            #expect(r.status == .unauthorized)
            r = try await app.call(.POST, "/api/v1/call-events", headers: ["Content-Type": "application/json", "X-Estate-Timestamp": ts],
                                   body: ByteBuffer(string: b))
            #expect(r.status == .unauthorized)
            r = try await Self.post(app, b, stamp: now - 301, now: now)
            #expect(r.status == .unauthorized && Self.code(r) == "telephony_timestamp_stale")
            r = try await Self.post(app, b, stamp: now + 301, now: now)
            #expect(r.status == .unauthorized)
            // Signed but malformed: refused, nothing stored.
            r = try await Self.post(app, Self.body("e2", "dial", at: now), now: now)
            #expect(r.status == .unprocessableEntity)
            r = try await Self.post(app, Self.body("e3", "ring", at: now, extra: ["number": "12"]), now: now)
            #expect(r.status == .unprocessableEntity)
            #expect(try await Self.count(app, "call_events") == 0)
            #expect(try await Self.count(app, "calls") == 0)
            #expect(try await Fixtures(app: app).auditCount(action: "call.event") == 0)
            // Within the window, signed: stored.
            r = try await Self.post(app, b, stamp: now - 299, now: now)
            #expect(r.status == .accepted, "\(r.body.string)")
            #expect(try await Self.count(app, "call_events") == 1)
            #expect(try await Self.count(app, "calls") == 1)
        }
    }

    @Test func noKeyConfiguredIs503() async throws {
        try await withTestApp { app, clock in
            let r = try await Self.post(app, Self.body("e1", "ring", at: clock.now), now: clock.now)
            #expect(r.status == .serviceUnavailable && Self.code(r) == "telephony_not_configured")
            #expect(try await Self.count(app, "call_events") == 0)
        }
    }

    @Test func aReplayChangesNothingAndGetsTheSameAnswer() async throws {
        try await withTestApp(adjust: Self.configure) { app, clock in
            let now = clock.now
            let ring = Self.body("e1", "ring", at: now - 60, extra: ["number": "139 0000 1111", "queue": "repairs"])
            let first = try await Self.post(app, ring, now: now)
            let again = try await Self.post(app, ring, now: now)
            #expect(first.status == .accepted && again.status == .accepted && first.body.string == again.body.string)
            // The same event id with other content is still the event seen before.
            let changed = try await Self.post(app, Self.body("e1", "hangup", at: now), now: now)
            #expect(changed.status == .accepted)
            #expect(try await Self.count(app, "call_events") == 1)
            #expect(try await Fixtures(app: app).auditCount(action: "call.event") == 1)
            let calls = try await app.services.calls(app.db).recent(number: "13900001111", projects: nil)
            #expect(calls.count == 1 && calls[0].endedAt == nil && calls[0].queue == "repairs" && calls[0].source == "telephony")
        }
    }

    /// The events of one call, in the order a call goes through them.
    static func story(_ t0: Date, call: String) -> [String] {
        [Self.body("\(call)-1", call: call, "ring", at: t0, extra: ["number": "+86 139-0000-1111", "queue": "hotline"]),
         Self.body("\(call)-2", call: call, "answer", at: t0 + 15, extra: ["agent": "agent.wang"]),
         Self.body("\(call)-3", call: call, "hold", at: t0 + 60),
         Self.body("\(call)-4", call: call, "unhold", at: t0 + 100),
         Self.body("\(call)-5", call: call, "hangup", at: t0 + 215, extra: ["wrapSeconds": 30])]
    }

    static func check(_ app: Application, _ call: String, agent: UUID) async throws {
        let id = try #require(try await CallService.id(externalID: call, on: app.db.sql))
        let c = try #require(try await app.services.calls(app.db).record(id))
        #expect(c.number == "13900001111" && c.agentID == agent && c.waitSeconds == 15 && c.holdSeconds == 40 && c.wrapSeconds == 30)
        #expect(c.talkSeconds == 160 && !c.abandoned && c.endedAt != nil && c.direction == "inbound")
    }

    @Test func eventsOutOfOrderMakeOneCall() async throws {
        try await withTestApp(adjust: Self.configure) { app, clock in
            let f = Fixtures(app: app)
            let hxy = try await f.project("HXY")
            let agent = try await f.user("agent.wang", roles: [(.csStaff, hxy)])
            let now = clock.now
            // Backwards, with a replay in the middle.
            var events = Self.story(now - 240, call: "pbx-7").reversed().map { $0 }
            events.insert(events[1], at: 3)
            for e in events {
                let r = try await Self.post(app, e, now: now)
                #expect(r.status == .accepted, "\(r.body.string)")
            }
            try await Self.check(app, "pbx-7", agent: agent)
            #expect(try await Self.count(app, "calls") == 1)
            #expect(try await Self.count(app, "call_events") == 5)

            // A category the agent set on the desk survives a late event.
            try await app.db.sql.raw("UPDATE calls SET category = 'repair' WHERE external_id = 'pbx-7'").run()
            _ = try await Self.post(app, Self.body("pbx-7-6", call: "pbx-7", "hangup", at: now - 20), now: now)
            let id = try #require(try await CallService.id(externalID: "pbx-7", on: app.db.sql))
            let c = try #require(try await app.services.calls(app.db).record(id))
            #expect(c.category == "repair" && c.endedAt == now - 20)
        }
    }

    @Test func eventsOfOneCallAtOnceStillMakeOneCall() async throws {
        try await withTestApp(adjust: Self.configure) { app, clock in
            let f = Fixtures(app: app)
            let hxy = try await f.project("HXY")
            let agent = try await f.user("agent.wang", roles: [(.csStaff, hxy)])
            let now = clock.now
            // Three calls, all their events (each twice) posted at once.
            let all = (1...3).flatMap { Self.story(now - 240, call: "pbx-c\($0)") }
            try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for e in (all + all).shuffled() {
                    group.addTask { try await Self.post(app, e, now: now).status }
                }
                for try await s in group { #expect(s == .accepted) }
            }
            #expect(try await Self.count(app, "calls") == 3)
            #expect(try await Self.count(app, "call_events") == 15)
            for n in 1...3 { try await Self.check(app, "pbx-c\(n)", agent: agent) }
            #expect(try await f.auditCount(action: "call.event") == 15)
        }
    }
}

/// The wallboard: a call ringing is waiting, the answering agent is on the call, the agent's own
/// word counts over an older event, and every change reaches a viewer's stream.
@Suite("Call centre: wallboard")
struct WallboardTests {
    @Test func callsAndAgentsReachTheWallboard() async throws {
        try await withTestApp(adjust: TelephonyEventTests.configure) { app, clock in
            let f = Fixtures(app: app)
            let hxy = try await f.project("HXY")
            let agent = try await f.user("agent.wang", roles: [(.csStaff, hxy)])
            _ = try await f.user("agent.li", roles: [(.csStaff, hxy)])
            let now = clock.now
            var signals = app.services.callCentreEvents.subscribe().makeAsyncIterator()
            let wallboard = app.services.wallboard(app.db)

            var r = try await TelephonyEventTests.post(app, TelephonyEventTests.body("w1", call: "pbx-w", "ring", at: now - 30,
                                                                                    extra: ["number": "13900001111"]), now: now)
            #expect(r.status == .accepted)
            #expect(await signals.next() != nil)
            var s = try await wallboard.snapshot(projectID: hxy)
            #expect(s.waiting == 1 && s.oldestWaitingSince == now - 30)
            #expect(s.agents.count == 2 && s.agents.allSatisfy { $0.state == .offline })

            r = try await TelephonyEventTests.post(app, TelephonyEventTests.body("w2", call: "pbx-w", "answer", at: now - 10,
                                                                                extra: ["agent": "agent.wang"]), now: now)
            #expect(r.status == .accepted)
            #expect(await signals.next() != nil)
            s = try await wallboard.snapshot(projectID: hxy)
            #expect(s.waiting == 0 && s.agents.first { $0.id == agent }?.state == .onCall && s.today.offered == 1)

            // The agent takes a break; a hang-up stamped before that does not overrule them.
            try await app.services.agentStatus(app.db).set(agent, .onBreak, context: .system("test"))
            #expect(await signals.next() != nil)
            _ = try await TelephonyEventTests.post(app, TelephonyEventTests.body("w3", call: "pbx-w", "hangup", at: now - 5), now: now)
            s = try await wallboard.snapshot(projectID: hxy)
            #expect(s.agents.first { $0.id == agent }?.state == .onBreak)
            #expect(try await f.auditCount(action: "agent.state") == 1)

            // The page and its JSON, for an agent.
            let token = try await f.token("agent.wang")
            let page = try await app.call(.GET, "/callcentre/wallboard.json?project=\(hxy)", headers: .bearer(token))
            #expect(page.status == .ok && page.body.string.contains(#""waiting":0"#), "\(page.body.string)")
        }
    }
}
