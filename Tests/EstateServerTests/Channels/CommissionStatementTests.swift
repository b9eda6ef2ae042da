import EstateCore
@testable import EstateServer
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// 佣金结算 on both engines (issue 17 point 5): a statement from the month's attributions with the
/// deal facts asked of Sales, paid once, and a deal clawed back after it was stated comes back as a
/// negative line in the next month's statement.
@Suite("Channels: commission statements")
struct CommissionStatementTests {
    typealias Schemas = Components.Schemas

    static func code(_ error: any Error) -> String? { (error as? Problem)?.fields.first?.code ?? (error as? Problem)?.code }

    @Test func aStatementPaysTheMonthsDealsAndTheNextOneClawsBackACancelledDeal() async throws {
        try await withTestApp { app, clock in
            // setup: an agency on a sales desk, 1 % + ¥1,000 per deal payable on 认购.
            let d = try await SaleTests.desk(app, clock, code: "GS")
            let f = Fixtures(app: app)
            let manager = try await f.user("qudao", roles: [(.channelManager, d.project)])
            let brokerID = try await f.user("jjr", roles: [(.agent, d.project)])
            let channels = app.services.channels(app.db), commissions = app.services.commissions(app.db)
            let c = try await channels.create(.init(name: "链家", kind: .agency), by: manager, context: .system("test"))
            let agreement = try await channels.addAgreement(c.id, projectID: d.project, startsOn: d.today.description,
                                                            endsOn: d.today.adding(days: 365).description, terms: "", by: manager, context: .system("test"))
            _ = try await channels.addBroker(c.id, userID: brokerID, context: .system("test"))
            _ = try await channels.putRule(ChannelRule(dealProtectionDays: 30), kind: .agency, projectID: d.project, by: manager, context: .system("test"))
            await #expect {
                try await commissions.putRule(CommissionRule(rateBasisPoints: 10_001), agreementID: agreement.id, by: manager, context: .system("test"))
            } throws: { Self.code($0) == "commission_rate_invalid" }
            let month0 = CommissionService.month(of: clock.now)
            await #expect {
                _ = try await commissions.createStatement(channelID: c.id, projectID: d.project, month: month0, by: manager, context: .system("test"))
            } throws: { Self.code($0) == "commission_rule_missing" }
            try await commissions.putRule(CommissionRule(fixedPerUnit: Money(yuan: 1_000), rateBasisPoints: 100, payableOn: .subscription),
                                          agreementID: agreement.id, by: manager, context: .system("test"))
            let regs = app.services.registrations(app.db), attributions = app.services.attributions(app.db)
            let broker = try await RegistrationTests.principal(app, brokerID)
            struct I: Decodable { var id: UUID }
            let aliceID = try #require(try await app.db.sql.raw("SELECT id FROM users WHERE username = 'alice'").first(decoding: I.self)?.id)
            let alice = try await RegistrationTests.principal(app, aliceID)
            let r = try await regs.register(.init(projectID: d.project, channelID: c.id, mobile: "13955556666", customerName: "冯先生"), by: broker,
                                            context: .system("test"))
            _ = try await regs.confirmVisit(r.id, proof: .number, mobile: nil, partySize: 1, by: alice, context: .system("test"))
            let customerID = try #require(try await regs.registration(r.id).customerId)
            clock.advance(3600)
            let sub = try await SaleTests.subscribe(d, unit: d.units[0], buyers: [(customerID.uuidString, "100")])
            #expect(sub.status == .created, "\(sub.body.string)")
            let saleID = try sub.decode(Schemas.Subscription.self).id
            let first = try await attributions.reconcile()
            #expect(first.0 == 1)
            let number = try #require(try await attributions.attributions(projectID: d.project).first?.subscriptionNumber)
            let facts = try await app.services.sales(app.db).commissionFacts(projectID: d.project, subscriptionNumbers: [number])
            let price = try #require(facts.first?.finalTotalFen)
            #expect(price > 0)
            // MUT: this month's statement.
            let month = CommissionService.month(of: clock.now)
            // Six racers for the month's statement: one is created, the others are told it exists.
            let outcomes = try await withThrowingTaskGroup(of: Result<CommissionService.Statement, Problem>.self) { g in
                for _ in 0..<6 {
                    g.addTask {
                        do { return .success(try await commissions.createStatement(channelID: c.id, projectID: d.project, month: month, by: manager,
                                                                                   context: .system("test"))) }
                        catch let p as Problem { return .failure(p) }
                    }
                }
                var all: [Result<CommissionService.Statement, Problem>] = []
                for try await o in g { all.append(o) }
                return all
            }
            let created = outcomes.compactMap { try? $0.get() }
            #expect(created.count == 1)
            #expect(outcomes.filter { if case .failure(let p) = $0 { return p.code == "commission_statement_exists" }; return false }.count == 5)
            let s1 = try #require(created.first)
            // validate: one line, 1 % of the final price (half-up) + ¥1,000; unpaid; one per month; paid once.
            let expected = (price + 50) / 100 + 100_000
            #expect(s1.status == "unpaid" && s1.deals == 1 && s1.totalFen == expected)
            let l1 = try await commissions.lines(s1.id)
            #expect(l1.count == 1 && l1[0].kind == "commission" && l1[0].amountFen == expected && l1[0].subscriptionNumber == number)
            await #expect {
                _ = try await commissions.createStatement(channelID: c.id, projectID: d.project, month: month, by: manager, context: .system("test"))
            } throws: { Self.code($0) == "commission_statement_exists" }
            #expect(try await commissions.markPaid(s1.id, context: .system("test")).status == "paid")
            await #expect { _ = try await commissions.markPaid(s1.id, context: .system("test")) } throws: { Self.code($0) == "commission_statement_not_unpaid" }
            #expect(try await f.auditCount(action: "commission_statement.create") == 1)
            #expect(try await f.auditCount(action: "commission_statement.pay") == 1)
            // 退订 (approved), then next month's statement claws the commission back.
            let cancel = try await app.call(.POST, "/api/v1/subscriptions/\(saleID)/cancellation", headers: .bearer(d.consultant),
                                            json: ["depositOutcome": "forfeit", "reason": "买受人违约"] as J)
            #expect(cancel.status == .accepted, "\(cancel.body.string)")
            #expect(try await SaleTests.decide(d, try cancel.decode(Schemas.ApprovalRef.self).approvalId, by: d.manager).status == .ok)
            let second = try await attributions.reconcile()
            #expect(second.1 == 1)
            clock.advance(35 * 86_400)
            let next = CommissionService.month(of: clock.now)
            #expect(next != month)
            let s2 = try await commissions.createStatement(channelID: c.id, projectID: d.project, month: next, by: manager, context: .system("test"))
            let l2 = try await commissions.lines(s2.id)
            #expect(s2.deals == 0 && s2.totalFen == -expected)
            #expect(l2.count == 1 && l2[0].kind == "claw_back" && l2[0].amountFen == -expected)
            // Once clawed back, a later month owes nothing more for the deal.
            clock.advance(35 * 86_400)
            let s3 = try await commissions.createStatement(channelID: c.id, projectID: d.project, month: CommissionService.month(of: clock.now),
                                                           by: manager, context: .system("test"))
            let l3 = try await commissions.lines(s3.id)
            #expect(s3.totalFen == 0 && l3.isEmpty)
        }
    }
}
