import EstateCore
@testable import EstateServer
import EstateSheets
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
            let s0 = try #require(created.first)
            // validate: one line, 1 % of the final price (half-up) + ¥1,000; a draft; one per month.
            let expected = (price + 50) / 100 + 100_000
            #expect(s0.status == "draft" && s0.deals == 1 && s0.totalFen == expected)
            let l1 = try await commissions.lines(s0.id)
            #expect(l1.count == 1 && l1[0].kind == "commission" && l1[0].amountFen == expected && l1[0].subscriptionNumber == number)
            await #expect {
                _ = try await commissions.createStatement(channelID: c.id, projectID: d.project, month: month, by: manager, context: .system("test"))
            } throws: { Self.code($0) == "commission_statement_exists" }
            // Submitted and rejected by the sales manager: the month is generated again. The rejected statement stays
            // readable — its approval links to it — with its lines and the statement that replaced it.
            let channelManager = try await RegistrationTests.principal(app, manager)
            let rejectedApproval = try #require(try await commissions.submit(s0.id, reason: "", by: channelManager, context: .system("test")).approvalId)
            #expect(try await SaleTests.decide(d, rejectedApproval.uuidString, by: d.manager, approve: false).status == .ok)
            #expect(try await commissions.statement(s0.id).status == "rejected")
            let s1 = try await commissions.createStatement(channelID: c.id, projectID: d.project, month: month, by: manager, context: .system("test"))
            #expect(s1.id != s0.id && s1.status == "draft" && s1.totalFen == expected && s1.approvalId == nil)
            let old = try await commissions.statement(s0.id)
            #expect(old.status == "rejected" && old.replacedBy == s1.id && old.approvalId == rejectedApproval && old.totalFen == expected)
            #expect(try await commissions.lines(s0.id).map(\.amountFen) == [expected])
            #expect(try await commissions.lines(s1.id).map(\.amountFen) == [expected])
            #expect(try await commissions.list(projectID: d.project).map(\.id) == [s1.id])
            let oldByAPI = try await app.call(.GET, "/api/v1/commissions/\(s0.id)", headers: .bearer(d.manager))
            #expect(oldByAPI.status == .ok, "\(oldByAPI.body.string)")
            #expect(try oldByAPI.decode(Schemas.CommissionStatement.self).replacedBy == s1.id.uuidString)
            // Not paid before it is approved; submitted by the channel manager, approved by the sales manager, then paid once.
            await #expect { _ = try await commissions.markPaid(s1.id, context: .system("test")) } throws: { Self.code($0) == "commission_statement_not_approved" }
            let submitted = try await commissions.submit(s1.id, reason: "", by: try await RegistrationTests.principal(app, manager), context: .system("test"))
            let approvalID = try #require(submitted.approvalId)
            #expect(submitted.status == "submitted")
            #expect(try await SaleTests.decide(d, approvalID.uuidString, by: d.manager).status == .ok)
            #expect(try await commissions.statement(s1.id).status == "approved")
            #expect(try await commissions.markPaid(s1.id, context: .system("test")).status == "paid")
            await #expect { _ = try await commissions.markPaid(s1.id, context: .system("test")) } throws: { Self.code($0) == "commission_statement_not_approved" }
            #expect(try await f.auditCount(action: "commission_statement.create") == 2)
            #expect(try await f.auditCount(action: "commission_statement.approve") == 1)
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

    /// Signs the subscription's contract on `day` (documents, review, signing), as a consultant does.
    static func sign(_ d: SaleTests.Desk, sale: String, on day: CalendarDay) async throws {
        let app = d.app
        let created = try await app.call(.POST, "/api/v1/contracts", headers: .bearer(d.consultant), json: [
            "subscriptionId": .s(sale), "buyerKind": "local_individual", "downPaymentDueOn": .s(day.adding(days: 5).description),
            "instalments": [], "penaltyRatePer100k": 50, "deliveryDueOn": .s(day.adding(days: 200).description), "titleDays": 365] as J)
        #expect(created.status == .created, "\(created.body.string)")
        let cid = try created.decode(Schemas.Contract.self).id
        for doc in ["id_document", "household_register", "marital_status"] {
            _ = try await app.call(.PUT, "/api/v1/contracts/\(cid)/documents/\(doc)", headers: .bearer(d.consultant), json: ["received": true] as J)
        }
        #expect(try await app.call(.POST, "/api/v1/contracts/\(cid)/review", headers: .bearer(d.cs), json: ["approve": true] as J).status == .ok)
        let signed = try await app.call(.POST, "/api/v1/contracts/\(cid)/signing", headers: .bearer(d.consultant), json: ["signedOn": .s(day.description)] as J)
        #expect(signed.status == .ok, "\(signed.body.string)")
    }

    /// A referral channel paid on 签约: deals subscribed on the last evening of a month and signed the next morning are
    /// paid in the next month's statement, not the month of the subscription; the 老带新 bonus goes only to the deal whose
    /// registration names a referrer, and names them.
    @Test func aDealSubscribedInOneMonthAndSignedInTheNextIsPaidInTheNextAndOnlyANamedReferrerEarnsTheBonus() async throws {
        try await withTestApp { app, clock in
            // setup: the last evening of the month (China time).
            let month = CommissionService.month(of: clock.now)
            let (_, next) = try #require(CommissionService.bounds(month))
            clock.advance(next.start.timeIntervalSince(clock.now) - 3 * 3600)
            #expect(CommissionService.month(of: clock.now) == month)
            let d = try await SaleTests.desk(app, clock, code: "GM")
            let f = Fixtures(app: app)
            let manager = try await f.user("qudao", roles: [(.channelManager, d.project)])
            let brokerID = try await f.user("jjr", roles: [(.agent, d.project)])
            let channels = app.services.channels(app.db), commissions = app.services.commissions(app.db)
            let c = try await channels.create(.init(name: "全民经纪人", kind: .referral), by: manager, context: .system("test"))
            let agreement = try await channels.addAgreement(c.id, projectID: d.project, startsOn: d.today.description,
                                                            endsOn: d.today.adding(days: 365).description, terms: "", by: manager, context: .system("test"))
            _ = try await channels.addBroker(c.id, userID: brokerID, context: .system("test"))
            _ = try await channels.putRule(ChannelRule(dealProtectionDays: 30), kind: .referral, projectID: d.project, by: manager, context: .system("test"))
            try await commissions.putRule(CommissionRule(fixedPerUnit: Money(yuan: 3_000), referrerBonus: Money(yuan: 2_000), payableOn: .contract),
                                          agreementID: agreement.id, by: manager, context: .system("test"))
            let regs = app.services.registrations(app.db), attributions = app.services.attributions(app.db)
            let broker = try await RegistrationTests.principal(app, brokerID)
            struct I: Decodable { var id: UUID }
            let aliceID = try #require(try await app.db.sql.raw("SELECT id FROM users WHERE username = 'alice'").first(decoding: I.self)?.id)
            let alice = try await RegistrationTests.principal(app, aliceID)
            var sales: [String] = []
            for (i, (mobile, referrer)) in [("13955550001", "林晓峰"), ("13955550002", "")].enumerated() {
                var draft = RegistrationService.Draft(projectID: d.project, channelID: c.id, mobile: mobile, customerName: "客户\(i)")
                draft.referrer = referrer
                let r = try await regs.register(draft, by: broker, context: .system("test"))
                _ = try await regs.confirmVisit(r.id, proof: .number, mobile: nil, partySize: 1, by: alice, context: .system("test"))
                let customer = try #require(try await regs.registration(r.id).customerId)
                let sub = try await SaleTests.subscribe(d, unit: d.units[i], buyers: [(customer.uuidString, "100")])
                #expect(sub.status == .created, "\(sub.body.string)")
                sales.append(try sub.decode(Schemas.Subscription.self).id)
            }
            #expect(try await attributions.reconcile().0 == 2)
            // MUT: the subscription month, before anything is signed: nothing payable.
            let before = try await commissions.createStatement(channelID: c.id, projectID: d.project, month: month, by: manager, context: .system("test"))
            // Just after midnight both are signed.
            clock.advance(4 * 3600)
            let signedDay = CalendarDay(clock.now)
            #expect(signedDay == next)
            for sale in sales { try await Self.sign(d, sale: sale, on: signedDay) }
            let nextMonth = CommissionService.month(of: clock.now)
            let after = try await commissions.createStatement(channelID: c.id, projectID: d.project, month: nextMonth, by: manager, context: .system("test"))
            let lines = try await commissions.lines(after.id)
            // validate
            #expect(before.deals == 0 && before.totalFen == 0)
            #expect(try await commissions.lines(before.id).isEmpty)
            #expect(after.deals == 2 && after.totalFen == 2 * 300_000 + 200_000, "\(after.totalFen)")
            #expect(lines.filter { $0.kind == "commission" }.count == 2)
            let bonus = lines.filter { $0.kind == "bonus" }
            #expect(bonus.count == 1 && bonus[0].amountFen == 200_000 && bonus[0].explanation.contains("林晓峰"), "\(bonus.map(\.explanation))")
            // The month after: nothing again (already stated).
            clock.advance(32 * 86_400)
            let later = try await commissions.createStatement(channelID: c.id, projectID: d.project, month: CommissionService.month(of: clock.now),
                                                              by: manager, context: .system("test"))
            #expect(later.deals == 0 && later.totalFen == 0)
        }
    }

    /// `/api/v1/commissions`: generated, listed, read, submitted into the sales manager's inbox, approved and paid once
    /// under racing finance requests; bad ids 404, bad months 422, other roles see nothing.
    @Test func theAPIGeneratesSubmitsAndPaysOnceUnderRacingRequests() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await SaleTests.desk(app, clock, code: "GA")
            let f = Fixtures(app: app)
            let managerID = try await f.user("qudao", roles: [(.channelManager, d.project)])
            let manager = try await f.token("qudao")
            let channels = app.services.channels(app.db), commissions = app.services.commissions(app.db)
            let c = try await channels.create(.init(name: "链家", kind: .agency), by: managerID, context: .system("test"))
            let agreement = try await channels.addAgreement(c.id, projectID: d.project, startsOn: d.today.description,
                                                            endsOn: d.today.adding(days: 365).description, terms: "", by: managerID, context: .system("test"))
            try await commissions.putRule(CommissionRule(fixedPerUnit: Money(yuan: 1_000)), agreementID: agreement.id, by: managerID, context: .system("test"))
            let month = CommissionService.month(of: clock.now)
            // MUT + validate: bad input changes nothing.
            var res = try await app.call(.POST, "/api/v1/commissions", headers: .bearer(manager),
                                         json: ["projectId": .s(d.project.uuidString), "channelId": .s(c.id.uuidString), "month": "2026-13"] as J)
            #expect(res.status == .unprocessableEntity, "\(res.body.string)")
            res = try await app.call(.POST, "/api/v1/commissions", headers: .bearer(manager),
                                     json: ["projectId": .s(d.project.uuidString), "channelId": .s(UUID().uuidString), "month": .s(month)] as J)
            #expect(res.status == .unprocessableEntity, "\(res.body.string)")
            res = try await app.call(.POST, "/api/v1/commissions", headers: .bearer(manager), json: ["projectId": .s(d.project.uuidString)] as J)
            #expect(res.status == .badRequest || res.status == .unprocessableEntity, "\(res.body.string)")
            #expect(try await commissions.list(projectID: d.project).isEmpty)
            res = try await app.call(.GET, "/api/v1/commissions/not-an-id", headers: .bearer(manager))
            #expect(res.status == .notFound || res.status == .badRequest)
            res = try await app.call(.GET, "/api/v1/commissions/\(UUID())", headers: .bearer(manager))
            #expect(res.status == .notFound)
            // Generated by the channel manager.
            res = try await app.call(.POST, "/api/v1/commissions", headers: .bearer(manager),
                                     json: ["projectId": .s(d.project.uuidString), "channelId": .s(c.id.uuidString), "month": .s(month)] as J)
            #expect(res.status == .created, "\(res.body.string)")
            let created = try res.decode(Schemas.CommissionStatement.self)
            #expect(created.status == .draft && created.channelName == "链家" && created.month == month)
            // A consultant may not read it, nor finance pay a draft.
            #expect(try await app.call(.GET, "/api/v1/commissions/\(created.id)", headers: .bearer(d.consultant)).status == .notFound)
            #expect(try await app.call(.POST, "/api/v1/commissions/\(created.id)/payment", headers: .bearer(d.finance)).status == .conflict)
            res = try await app.call(.GET, "/api/v1/commissions?projectId=\(d.project)&month=\(month)", headers: .bearer(d.finance))
            #expect(try res.decode(Schemas.CommissionStatementList.self).items.map(\.id) == [created.id])
            // Submitted: into the sales manager's inbox; the channel manager cannot decide their own.
            res = try await app.call(.POST, "/api/v1/commissions/\(created.id)/submission", headers: .bearer(manager), json: ["reason": "十二月结算"] as J)
            #expect(res.status == .accepted, "\(res.body.string)")
            let approval = try #require(try res.decode(Schemas.CommissionStatement.self).approvalId)
            let again = try await app.call(.POST, "/api/v1/commissions/\(created.id)/submission", headers: .bearer(manager), json: [:] as J)
            #expect(again.status == .conflict && again.body.string.contains("commission_statement_not_draft"), "\(again.status) \(again.body.string)")
            let inbox = try await app.call(.GET, "/api/v1/approvals?box=inbox", headers: .bearer(d.manager)).decode(Schemas.ApprovalPage.self)
            #expect(inbox.items.contains { $0.id == approval && $0.kind.rawValue == "commission_statement" })
            #expect(try await SaleTests.decide(d, approval, by: manager).status == .forbidden)
            #expect(try await SaleTests.decide(d, approval, by: d.manager).status == .ok)
            // Eight finance requests race to pay it: one payment.
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { g in
                for _ in 0..<8 { g.addTask { try await app.call(.POST, "/api/v1/commissions/\(created.id)/payment", headers: .bearer(d.finance)).status } }
                var all: [HTTPStatus] = []
                for try await s in g { all.append(s) }
                return all
            }
            #expect(statuses.filter { $0 == .ok }.count == 1 && statuses.filter { $0 == .conflict }.count == 7, "\(statuses)")
            let paid = try await app.call(.GET, "/api/v1/commissions/\(created.id)", headers: .bearer(manager)).decode(Schemas.CommissionStatement.self)
            #expect(paid.status == .paid && paid.paidAt != nil)
            #expect(try await f.auditCount(action: "commission_statement.pay") == 1)
        }
    }

    /// The page lists the month, shows the statement with the buttons of the reader's role, and the .xlsx reads back.
    @Test func thePageShowsTheStatementAndTheWorkbookReadsBack() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await SaleTests.desk(app, clock, code: "GP")
            let f = Fixtures(app: app)
            let managerID = try await f.user("qudao", roles: [(.channelManager, d.project)])
            let channels = app.services.channels(app.db), commissions = app.services.commissions(app.db)
            let c = try await channels.create(.init(name: "=链家", kind: .agency), by: managerID, context: .system("test"))
            let agreement = try await channels.addAgreement(c.id, projectID: d.project, startsOn: d.today.description,
                                                            endsOn: d.today.adding(days: 365).description, terms: "", by: managerID, context: .system("test"))
            try await commissions.putRule(CommissionRule(fixedPerUnit: Money(yuan: 1_000)), agreementID: agreement.id, by: managerID, context: .system("test"))
            let month = CommissionService.month(of: clock.now)
            var browser = Browser(app: app)
            _ = try await browser.signIn("qudao")
            // MUT: generated through the page.
            let csrf = try #require(Browser.csrf(in: try await browser.get("/projects/\(d.project)/channels/commissions").body.string))
            let posted = try await browser.post("/projects/\(d.project)/channels/commissions", form: ["_csrf": csrf, "channelId": c.id.uuidString, "month": month])
            #expect(posted.status == .seeOther || posted.status == .found, "\(posted.status)")
            let s = try #require(try await commissions.list(projectID: d.project).first)
            let list = try await browser.get("/projects/\(d.project)/channels/commissions")
            let page = try await browser.get("/commissions/\(s.id)")
            let sheet = try await browser.get("/commissions/\(s.id)/statement.xlsx")
            // validate
            #expect(list.body.string.contains("/commissions/\(s.id)"))
            #expect(page.status == .ok && page.body.string.contains("/commissions/\(s.id)/submit") && !page.body.string.contains("/commissions/\(s.id)/pay"))
            #expect(sheet.status == .ok)
            let rows = try XLSXReader.rows(Data(buffer: sheet.body))
            #expect(rows.first?.cells.first == "认购书编号" && rows.count == 2, "\(rows)")
            #expect(rows.last?.cells.last == "=链家 \(month)", "formula-looking text reads back as text: \(String(describing: rows.last))")
            // Finance sees no submit button; a consultant gets 404.
            var other = Browser(app: app)
            _ = try await other.signIn("alice")
            #expect(try await other.get("/commissions/\(s.id)").status == .notFound)
            #expect(try await other.get("/commissions/\(s.id)/statement.xlsx").status == .notFound)
        }
    }
}
