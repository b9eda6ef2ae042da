import EstateCore
@testable import EstateServer
import Foundation
import Testing
import Vapor
import VaporTesting

/// The buyer's endpoints (`/api/v1/buyer/…`) on both engines: the code and the token, the buyer's
/// openings and availability, a choice replayed by its key, a taken unit refused, the confirmation
/// with the log's hash; a staff token, a stranger's token or another buyer's selection get nothing.
@Suite("Opening day: the buyer's API")
struct OpeningBuyerAPITests {
    static func token(_ app: Application, _ mobile: String) async throws -> String {
        let sent = try await app.call(.POST, "/api/v1/buyer/codes", json: ["mobile": .s(mobile)] as J)
        #expect(sent.status == .accepted, "\(sent.body.string)")
        let code = try await OpeningPageTests.code(app, mobile)
        let wrong = try await app.call(.POST, "/api/v1/buyer/sessions", json: ["mobile": .s(mobile), "code": code == "000000" ? "111111" : "000000"] as J)
        #expect(wrong.status == .unprocessableEntity && wrong.body.string.contains("buyer_code_wrong"), "\(wrong.body.string)")
        let res = try await app.call(.POST, "/api/v1/buyer/sessions", json: ["mobile": .s(mobile), "code": .s(code)] as J)
        #expect(res.status == .created, "\(res.body.string)")
        return try res.decode(Schemas.BuyerSession.self).token
    }

    @Test func aBuyerChoosesByKeyIsRefusedATakenUnitAndConfirms() async throws {
        try await withTestApp { app, clock in
            // setup: an open event with two buyers and four units.
            let s = try await OpeningEngineTests.setup(app, clock, floors: 2, buyers: 2)
            let a = s.registrations[0], b = s.registrations[1]
            let tokenA = try await Self.token(app, a.mobile), tokenB = try await Self.token(app, b.mobile)
            let base = "/api/v1/buyer/openings/\(s.event.id)"

            // MUT + validate: the buyer's openings and the availability.
            var res = try await app.call(.GET, "/api/v1/buyer/openings", headers: .bearer(tokenA))
            let mine = try res.decode(Schemas.BuyerOpeningList.self).items
            #expect(mine.map(\.id) == [s.event.id.uuidString] && mine[0].registrationNumber == a.number && mine[0].batch != nil)
            res = try await app.call(.GET, "\(base)/units", headers: .bearer(tokenA))
            #expect(try res.decode(Schemas.BuyerUnitList.self).items.map(\.status) == Array(repeating: .open, count: 4))

            // A chooses unit 0; the same key again answers the same hold.
            let unit0 = s.units[0].id.uuidString
            var keyed = HTTPHeaders.bearer(tokenA); keyed.add(name: "Idempotency-Key", value: "api-choice-0001")
            res = try await app.call(.POST, "\(base)/selections", headers: keyed, json: ["unitId": .s(unit0)] as J)
            #expect(res.status == .created, "\(res.body.string)")
            let held = try res.decode(Schemas.BuyerSelection.self)
            res = try await app.call(.POST, "\(base)/selections", headers: keyed, json: ["unitId": .s(unit0)] as J)
            #expect(try res.decode(Schemas.BuyerSelection.self).id == held.id)
            #expect(held.status == .held && held.code == s.units[0].code)

            // B is refused unit 0 (held), sees it held, and cannot confirm A's selection.
            var keyedB = HTTPHeaders.bearer(tokenB); keyedB.add(name: "Idempotency-Key", value: "api-choice-0002")
            res = try await app.call(.POST, "\(base)/selections", headers: keyedB, json: ["unitId": .s(unit0)] as J)
            #expect(res.status == .conflict && res.body.string.contains("opening_unit_taken"), "\(res.body.string)")
            res = try await app.call(.GET, "\(base)/units", headers: .bearer(tokenB))
            #expect(try res.decode(Schemas.BuyerUnitList.self).items.first { $0.unitId == unit0 }?.status == .held)
            res = try await app.call(.POST, "\(base)/selections/\(held.id)/confirmation", headers: .bearer(tokenB))
            #expect(res.status == .notFound)

            // A confirms: subscribed, with the event's log hash; twice is the same confirmation.
            res = try await app.call(.POST, "\(base)/selections/\(held.id)/confirmation", headers: .bearer(tokenA))
            #expect(res.status == .ok, "\(res.body.string)")
            let done = try res.decode(Schemas.BuyerSelection.self)
            #expect(done.status == .confirmed && done.subscriptionNumber?.hasPrefix("RG") == true)
            #expect(done.logHash == (try await s.service.event(s.event.id).logHash))
            res = try await app.call(.POST, "\(base)/selections/\(held.id)/confirmation", headers: .bearer(tokenA))
            #expect(try res.decode(Schemas.BuyerSelection.self).subscriptionNumber == done.subscriptionNumber)
            #expect(try await app.services.inventory(app.db).unit(s.units[0].id, in: s.project).status == .subscribed)

            // Without a buyer's token: 401, whether none, a forged one or a staff one.
            res = try await app.call(.GET, "/api/v1/buyer/openings")
            #expect(res.status == .unauthorized)
            res = try await app.call(.GET, "\(base)/units", headers: .bearer("forged-token-0123456789"))
            #expect(res.status == .unauthorized)
            try await Fixtures(app: app).user("kp_staff_api", roles: [(.salesManager, s.project)])
            let staff = try await Fixtures(app: app).token("kp_staff_api")
            res = try await app.call(.GET, "/api/v1/buyer/openings", headers: .bearer(staff))
            #expect(res.status == .unauthorized)
            // Signed out, the token is dead.
            res = try await app.call(.DELETE, "/api/v1/buyer/sessions/current", headers: .bearer(tokenB))
            #expect(res.status == .noContent)
            res = try await app.call(.GET, "/api/v1/buyer/openings", headers: .bearer(tokenB))
            #expect(res.status == .unauthorized)
        }
    }

    /// In a rush the process sheds selections before reading anything: with every slot taken and the wait in line
    /// run out a selection is 503 opening_busy + Retry-After even with a forged token (the session is not read), a
    /// confirmation still goes through, and the phone page sends the buyer back with "busy" instead of the sign-in page.
    @Test func aFullServerShedsASelectionBeforeItsSessionIsRead() async throws {
        try await withTestApp(adjust: { $0.openingQueueWait = 0.05 }) { app, clock in
            // setup: A holds unit 0; then every in-flight slot of the process is taken.
            let s = try await OpeningEngineTests.setup(app, clock, floors: 2, buyers: 2)
            let tokenA = try await Self.token(app, s.registrations[0].mobile)
            let base = "/api/v1/buyer/openings/\(s.event.id)"
            var keyed = HTTPHeaders.bearer(tokenA); keyed.add(name: "Idempotency-Key", value: "api-shed-0001")
            var res = try await app.call(.POST, "\(base)/selections", headers: keyed, json: ["unitId": .s(s.units[0].id.uuidString)] as J)
            let held = try res.decode(Schemas.BuyerSelection.self)
            let gate = app.services.selectionGate
            let slots = (0..<gate.limit).compactMap { _ in gate.enter() }
            #expect(slots.count == SelectionLimits.inFlight && gate.enter() == nil)

            // MUT + validate: shed with its wait, whoever asks; nothing chosen.
            keyed.replaceOrAdd(name: "Idempotency-Key", value: "api-shed-0002")
            res = try await app.call(.POST, "\(base)/selections", headers: keyed, json: ["unitId": .s(s.units[1].id.uuidString)] as J)
            #expect(res.status == .serviceUnavailable && res.headers.first(name: "Retry-After") == "1" && res.body.string.contains("opening_busy"), "\(res.body.string)")
            var forged = HTTPHeaders.bearer("forged-token-0123456789"); forged.add(name: "Idempotency-Key", value: "api-shed-0003")
            res = try await app.call(.POST, "\(base)/selections", headers: forged, json: ["unitId": .s(s.units[1].id.uuidString)] as J)
            #expect(res.status == .serviceUnavailable, "\(res.body.string)")
            let form: HTTPHeaders = ["Content-Type": "application/x-www-form-urlencoded"]
            let tap = ByteBuffer(string: "unit=\(s.units[1].id)&key=page-shed-0001")
            res = try await app.call(.POST, "/xf/\(s.event.id)/choose", headers: form, body: tap)
            #expect(res.status == .seeOther && res.headers.first(name: .location) == "/xf/\(s.event.id)?error=opening_busy")
            #expect(try await s.service.selections(registration: s.registrations[0].id).count == 1)
            // A confirmation is never shed.
            res = try await app.call(.POST, "\(base)/selections/\(held.id)/confirmation", headers: .bearer(tokenA))
            #expect(res.status == .ok, "\(res.body.string)")

            // With room again: the same tap goes through, and the slots are all given back.
            for slot in slots { gate.leave(slot) }
            res = try await app.call(.POST, "\(base)/selections", headers: forged, json: ["unitId": .s(s.units[1].id.uuidString)] as J)
            #expect(res.status == .unauthorized)
            res = try await app.call(.POST, "/xf/\(s.event.id)/choose", headers: form, body: tap)
            #expect(res.status == .ok && res.body.string.contains("<form"), "a signed-out buyer gets the sign-in page")
            #expect(gate.inFlight == 0)
        }
    }
}
