import EstateCore
@testable import EstateServer
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// 成交归属 on both engines (issue 17 point 5): a subscription inside the registration's deal
/// protection is attributed to the channel; 退订 claws it back; one outside the window is not.
@Suite("Channels: attribution and claw-back")
struct AttributionTests {
    typealias Schemas = Components.Schemas

    @Test func aSubscriptionWithinProtectionIsAttributedAndClawedBackOnCancellation() async throws {
        try await withTestApp { app, clock in
            // setup: a sales desk, an agency with one broker, 30 days of deal protection after the visit.
            let d = try await SaleTests.desk(app, clock, code: "GS")
            let f = Fixtures(app: app)
            let manager = try await f.user("qudao", roles: [(.channelManager, d.project)])
            let brokerID = try await f.user("jjr", roles: [(.agent, d.project)])
            let channels = app.services.channels(app.db)
            let c = try await channels.create(.init(name: "链家", kind: .agency), by: manager, context: .system("test"))
            _ = try await channels.addAgreement(c.id, projectID: d.project, startsOn: d.today.description, endsOn: d.today.adding(days: 365).description,
                                                terms: "", by: manager, context: .system("test"))
            _ = try await channels.addBroker(c.id, userID: brokerID, context: .system("test"))
            _ = try await channels.putRule(ChannelRule(dealProtectionDays: 30), kind: .agency, projectID: d.project, by: manager, context: .system("test"))
            let regs = app.services.registrations(app.db), attributions = app.services.attributions(app.db)
            let broker = try await RegistrationTests.principal(app, brokerID)
            struct I: Decodable { var id: UUID }
            let aliceID = try #require(try await app.db.sql.raw("SELECT id FROM users WHERE username = 'alice'").first(decoding: I.self)?.id)
            let alice = try await RegistrationTests.principal(app, aliceID)
            let r = try await regs.register(.init(projectID: d.project, channelID: c.id, mobile: "13955556666", customerName: "冯先生"), by: broker,
                                            context: .system("test"))
            _ = try await regs.confirmVisit(r.id, proof: .number, mobile: nil, partySize: 1, by: alice, context: .system("test"))
            let customerID = try #require(try await regs.registration(r.id).customerId)
            // MUT: the customer subscribes after the visit.
            clock.advance(3600)
            let sub = try await SaleTests.subscribe(d, unit: d.units[0], buyers: [(customerID.uuidString, "100")])
            #expect(sub.status == .created, "\(sub.body.string)")
            let saleID = try sub.decode(Schemas.Subscription.self).id
            var (attributed, clawed) = try await attributions.reconcile()
            // validate
            #expect(attributed == 1 && clawed == 0)
            var list = try await attributions.attributions(projectID: d.project)
            #expect(list.count == 1 && list[0].registrationId == r.id && list[0].channelId == c.id && list[0].status == "attributed")
            // Idempotent.
            (attributed, clawed) = try await attributions.reconcile()
            #expect(attributed == 0 && clawed == 0)
            // 退订 (approved by the manager): clawed back.
            let cancel = try await app.call(.POST, "/api/v1/subscriptions/\(saleID)/cancellation", headers: .bearer(d.consultant),
                                            json: ["depositOutcome": "forfeit", "reason": "买受人违约"] as J)
            #expect(cancel.status == .accepted, "\(cancel.body.string)")
            #expect(try await SaleTests.decide(d, try cancel.decode(Schemas.ApprovalRef.self).approvalId, by: d.manager).status == .ok)
            (attributed, clawed) = try await attributions.reconcile()
            #expect(attributed == 0 && clawed == 1)
            list = try await attributions.attributions(projectID: d.project)
            #expect(list.count == 1 && list[0].status == "clawed_back" && list[0].clawedAt != nil)
            #expect(try await f.auditCount(action: "attribution.claw_back") == 1)
            // A purchase after the deal window (visit + 30 days) is the site's own.
            clock.advance(40 * 86_400)
            var later = d
            later.today = CalendarDay(clock.now)
            later.consultant = try await f.token("alice")
            #expect(try await SaleTests.subscribe(later, unit: d.units[1], buyers: [(customerID.uuidString, "100")]).status == .created)
            (attributed, _) = try await attributions.reconcile()
            #expect(attributed == 0)
        }
    }
}
