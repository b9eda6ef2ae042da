import EstateCore
@testable import EstateServer
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// 报备 and 撞单 on both engines (issue 17 points 1–4): the first valid registration wins under
/// concurrency (the holding index), conflicts refused or queued with evidence from the customers
/// and the call centre, decisions and replays, a broker's object-level access, 带访确认 by a signed
/// QR code, reminders and lapses.
@Suite("Channels: registrations (报备) and 撞单")
struct RegistrationTests {
    typealias Schemas = Components.Schemas

    struct Setup {
        var project: UUID
        var manager: UUID
        var consultant: UUID
        /// 10 agencies, 3 brokers each.
        var channels: [UUID]
        var brokers: [[UUID]]
        var principals: [UUID: Principal]
    }

    static func principal(_ app: Application, _ id: UUID) async throws -> Principal {
        try #require(try await app.services.auth(app.db).loadPrincipal(userID: id, on: app.db))
    }

    /// A project with a channel manager, a consultant, `channels` agencies with agreements from
    /// yesterday for a year and `brokersEach` brokers each, and the agency rule `rule`.
    static func setup(_ app: Application, _ clock: TestClock, code: String = "QD", channels count: Int = 10, brokersEach: Int = 3,
                      rule: ChannelRule = ChannelRule()) async throws -> Setup {
        let f = Fixtures(app: app)
        let project = try await f.project(code)
        let manager = try await f.user("qudao", roles: [(.channelManager, project)])
        let consultant = try await f.user("guwen", roles: [(.consultant, project)])
        let svc = app.services.channels(app.db)
        let today = CalendarDay(clock.now)
        var channels: [UUID] = [], brokers: [[UUID]] = []
        for i in 0..<count {
            let c = try await svc.create(.init(name: "中介\(i)", kind: .agency), by: manager, context: .system("test"))
            _ = try await svc.addAgreement(c.id, projectID: project, startsOn: today.adding(days: -1).description,
                                           endsOn: today.adding(days: 365).description, terms: "", by: manager, context: .system("test"))
            var mine: [UUID] = []
            for j in 0..<brokersEach {
                let u = try await f.user("jjr\(i)x\(j)", roles: [(.agent, project)])
                _ = try await svc.addBroker(c.id, userID: u, context: .system("test"))
                mine.append(u)
            }
            channels.append(c.id)
            brokers.append(mine)
        }
        _ = try await svc.putRule(rule, kind: .agency, projectID: project, by: manager, context: .system("test"))
        var principals: [UUID: Principal] = [:]
        for id in [manager, consultant] + brokers.flatMap({ $0 }) { principals[id] = try await principal(app, id) }
        return Setup(project: project, manager: manager, consultant: consultant, channels: channels, brokers: brokers, principals: principals)
    }

    static func register(_ app: Application, _ s: Setup, channel i: Int, broker j: Int = 0, mobile: String,
                         name: String = "李先生") async throws -> RegistrationService.Registration {
        let broker = s.brokers[i][j]
        return try await app.services.registrations(app.db).register(.init(projectID: s.project, channelID: s.channels[i], mobile: mobile, customerName: name),
                                                                     by: s.principals[broker]!, context: .system("test"))
    }

    struct Row: Decodable { var status: String; var reason: String?; var channelId: UUID; var ruleVersion: Int }

    static func rows(_ app: Application, _ mobile: String) async throws -> [Row] {
        try await app.db.sql.raw("SELECT status, reason, channel_id, rule_version FROM channel_registrations WHERE masked = \(bind: Masking.mobile(mobile))")
            .all(decoding: Row.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))
    }

    @Test func thirtyBrokersOfTenChannelsAtOnceMakeExactlyOneWinner() async throws {
        try await withTestApp { app, clock in
            // setup: 报备保护, conflicts refused.
            let s = try await Self.setup(app, clock)
            // MUT: all 30 brokers register one mobile at once.
            let mobile = "13912345678"
            try await withThrowingTaskGroup(of: Void.self) { g in
                for i in 0..<10 { for j in 0..<3 { g.addTask { _ = try await Self.register(app, s, channel: i, broker: j, mobile: mobile) } } }
                try await g.waitForAll()
            }
            // validate: one holder; the other two brokers of its channel are duplicates, the 27 others 撞单.
            var rows = try await Self.rows(app, mobile)
            #expect(rows.count == 30, "\(engineName)")
            let winners = rows.filter { $0.status == "protected" }
            #expect(winners.count == 1, "\(engineName): \(rows.map(\.status))")
            #expect(rows.filter { $0.reason == "registration_duplicate" }.allSatisfy { $0.channelId == winners.first?.channelId })
            #expect(rows.filter { $0.reason == "registration_duplicate" }.count == 2)
            #expect(rows.filter { $0.reason == "registration_taken" && $0.status == "refused" }.count == 27)

            // The rule changes to queue conflicts: a new version; the next rush is queued, not refused.
            var queue = ChannelRule(); queue.onConflict = .queue
            let v2 = try await app.services.channels(app.db).putRule(queue, kind: .agency, projectID: s.project, by: s.manager, context: .system("test"))
            #expect(v2.rule.version == 2)
            let second = "13712345678"
            try await withThrowingTaskGroup(of: Void.self) { g in
                for i in 0..<10 { for j in 0..<3 { g.addTask { _ = try await Self.register(app, s, channel: i, broker: j, mobile: second) } } }
                try await g.waitForAll()
            }
            rows = try await Self.rows(app, second)
            #expect(rows.filter { $0.status == "protected" }.count == 1, "\(engineName): \(rows.map(\.status))")
            #expect(rows.filter { $0.status == "queued" }.count == 27)
            #expect(rows.filter { $0.status == "refused" }.count == 2)
            #expect(rows.allSatisfy { $0.ruleVersion == 2 })
            // The first rush keeps the version it was judged under.
            #expect(try await Self.rows(app, mobile).allSatisfy { $0.ruleVersion == 1 })
        }
    }

    @Test func evidenceFromCustomersAndHotlineDecisionsAndReplay() async throws {
        try await withTestApp { app, clock in
            // setup: conflicts go to the queue.
            var rule = ChannelRule(); rule.onConflict = .queue
            let s = try await Self.setup(app, clock, channels: 2, brokersEach: 1, rule: rule)
            let customers = app.services.customers(app.db)
            // A customer owned by the consultant; a number that called the hotline; a walk-in.
            _ = try await customers.create(.init(name: "王先生", mobile: "13811112222"), in: s.project, owner: s.consultant, context: .system("test"))
            let walkIn = try await customers.create(.init(name: "赵女士", mobile: "13833334444"), in: s.project, owner: nil, context: .system("test"))
            _ = try await customers.logContact(walkIn.id, in: s.project, .init(kind: .visit, occurredAt: clock.now - 3600), by: nil, context: .system("test"))
            _ = try await app.services.calls(app.db).log(.init(direction: .inbound, number: "13855556666", projectID: s.project,
                                                               timing: .init(offeredAt: clock.now - 7200, answeredAt: clock.now - 7190, endedAt: clock.now - 7000),
                                                               source: .desk), context: .system("test"))
            clock.advance(60)
            // MUT + validate: each is queued with its evidence named.
            for (mobile, reason) in [("13811112222", "registration_customer_owned"), ("13833334444", "registration_customer_visited"),
                                     ("13855556666", "registration_customer_called")] {
                let r = try await Self.register(app, s, channel: 0, mobile: mobile)
                #expect(r.status == "queued" && r.reason == reason, "\(mobile): \(r.status) \(r.reason ?? "")")
            }
            // Two channels on one number: the second is queued with the first's claim as evidence.
            let first = try await Self.register(app, s, channel: 0, mobile: "13899998888")
            clock.advance(60)
            let second = try await Self.register(app, s, channel: 1, mobile: "13899998888")
            #expect(first.status == "protected" && second.status == "queued" && second.reason == "registration_taken")
            let claims = try #require(second.storedFacts).evidence.claims
            #expect(claims.count == 1 && claims[0].id == first.id && claims[0].state == .holding)

            // The channel manager awards the second: the first is overruled, by decision, in one transaction.
            let manager = try await Fixtures(app: app).token("qudao")
            var res = try await app.call(.POST, "/api/v1/registrations/\(second.id)/decision", headers: .bearer(manager),
                                         json: ["award": true, "note": "客户确认由二号中介带看"] as J)
            #expect(res.status == .ok, "\(res.body.string)")
            #expect(try res.decode(Schemas.Registration.self).status == .protected)
            #expect(try await app.services.registrations(app.db).registration(first.id).status == "overruled")
            #expect(try await Fixtures(app: app).auditCount(action: "registration.decide") == 1)
            res = try await app.call(.POST, "/api/v1/registrations/\(second.id)/decision", headers: .bearer(manager), json: ["award": false] as J)
            #expect(res.status == .conflict && TicketTests.code(res) == "registration_not_queued")

            // Replay: the same facts and rule version give the same verdict, step by step.
            res = try await app.call(.GET, "/api/v1/registrations/\(second.id)/replay", headers: .bearer(manager))
            let replay = try res.decode(Schemas.RegistrationReplay.self)
            #expect(replay.same && replay.ruleVersion == 1 && replay.replayed.steps.count == VerdictStep.Check.allCases.count)
            #expect(replay.replayed.steps.first { $0.check == .claims }?.result == .conflict)
            // A later rule version does not change the replay of a registration judged under v1.
            _ = try await app.services.channels(app.db).putRule(ChannelRule(exemptions: [.ownerEvidence]), kind: .agency, projectID: s.project,
                                                                by: s.manager, context: .system("test"))
            res = try await app.call(.GET, "/api/v1/registrations/\(second.id)/replay", headers: .bearer(manager))
            #expect(try res.decode(Schemas.RegistrationReplay.self).same)
        }
    }

    @Test func aBrokerSeesOnlyTheirOwnAndNeverAnotherFullMobile() async throws {
        try await withTestApp { app, clock in
            let s = try await Self.setup(app, clock, channels: 2, brokersEach: 1)
            let a = try await Self.register(app, s, channel: 0, mobile: "13612345678")
            let b = try await Self.register(app, s, channel: 1, mobile: "13698765432")
            let f = Fixtures(app: app)
            let tokenA = try await f.token("jjr0x0"), manager = try await f.token("qudao")
            // Another broker's registration by id: 404, on every route.
            for path in ["/api/v1/registrations/\(b.id)", "/api/v1/registrations/\(b.id)/replay"] {
                #expect(try await app.call(.GET, path, headers: .bearer(tokenA)).status == .notFound, "\(path)")
            }
            #expect(try await app.call(.POST, "/api/v1/registrations/\(b.id)/decision", headers: .bearer(tokenA), json: ["award": true] as J).status == .forbidden)
            // Their list holds only their own, with the full mobile they typed and the QR code.
            let list = try await app.call(.GET, "/api/v1/registrations?projectId=\(s.project)", headers: .bearer(tokenA)).decode(Schemas.RegistrationPage.self)
            #expect(list.total == 1 && list.items.map(\.id) == [a.id.uuidString])
            #expect(list.items[0].mobile == "13612345678" && list.items[0].visitToken != nil && list.items[0].evidence == nil)
            // By number, another broker's is not found either.
            let byNumber = try await app.call(.GET, "/api/v1/registrations?projectId=\(s.project)&number=\(b.number)", headers: .bearer(tokenA))
            #expect(try byNumber.decode(Schemas.RegistrationPage.self).items.isEmpty)
            // The channel manager sees both, masked, with the evidence.
            let all = try await app.call(.GET, "/api/v1/registrations?projectId=\(s.project)", headers: .bearer(manager)).decode(Schemas.RegistrationPage.self)
            #expect(all.total == 2 && all.items.allSatisfy { $0.mobile.contains("****") && $0.evidence != nil && $0.visitToken == nil })
            // A broker cannot register for another channel.
            let other = try await app.call(.POST, "/api/v1/registrations", headers: .bearer(tokenA),
                                           json: ["projectId": .s(s.project.uuidString), "channelId": .s(s.channels[1].uuidString),
                                                  "mobile": "13611112222", "customerName": "周先生"] as J)
            #expect(other.status == .forbidden && TicketTests.code(other) == "registration_channel_not_yours")
        }
    }

    @Test func hardRulesRefuseWithTheRuleNamedAndStoreNothing() async throws {
        try await withTestApp { app, clock in
            let s = try await Self.setup(app, clock, channels: 2, brokersEach: 1, rule: ChannelRule(capPerBrokerPerDay: 2, cooldownDays: 7))
            var token = try await Fixtures(app: app).token("jjr0x0")
            func post(_ mobile: String, channel: Int = 0) async throws -> TestingHTTPResponse {
                try await app.call(.POST, "/api/v1/registrations", headers: .bearer(token),
                                   json: ["projectId": .s(s.project.uuidString), "channelId": .s(s.channels[channel].uuidString),
                                          "mobile": .s(mobile), "customerName": "陈先生"] as J)
            }
            // Masked numbers are refused by this rule.
            var res = try await post("136****5678")
            #expect(res.status == .unprocessableEntity && TicketTests.code(res) == "registration_masked_refused", "\(res.body.string)")
            res = try await post("12345")
            #expect(res.status == .unprocessableEntity)
            // The cap: two a day.
            #expect(try await post("13600000001").status == .created)
            #expect(try await post("13600000002").status == .created)
            res = try await post("13600000003")
            #expect(res.status == .unprocessableEntity && TicketTests.code(res) == "registration_cap_reached")
            #expect(res.body.string.contains("v1"))
            // Cooldown: the first lapses (72 hours), the same channel may not register it again for 7 days.
            clock.advance(73 * 3600)
            let (_, lapsed) = try await app.services.registrations(app.db).remindAndLapse()
            #expect(lapsed == 2)
            token = try await Fixtures(app: app).token("jjr0x0")   // the session idled out
            res = try await post("13600000001")
            #expect(res.status == .unprocessableEntity && TicketTests.code(res) == "registration_cooldown", "\(res.body.string)")
            // Another channel may: the lapse freed the customer.
            let other = try await Self.register(app, s, channel: 1, mobile: "13600000001")
            #expect(other.status == "protected")
            // Outside the agreement's dates.
            clock.advance(400 * 86_400)
            token = try await Fixtures(app: app).token("jjr0x0")
            res = try await post("13600000009")
            #expect(res.status == .unprocessableEntity && TicketTests.code(res) == "registration_agreement_invalid")
            // None of the refusals was stored.
            struct N: Decodable { var n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM channel_registrations").first(decoding: N.self)?.n == 3)
        }
    }

    /// The other two modes under the same rush (same instant on the test clock): 竞争带看 keeps the
    /// first registration and queues every competitor for the channel manager — never a 409 from the
    /// holding index — and 到访为王 accepts them all as pending until one customer visit decides.
    @Test func competitiveAndVisitFirstRushesEndAsTheirRulesSay() async throws {
        try await withTestApp { app, clock in
            // setup: 竞争带看, 11 agencies with one broker each.
            var competitive = ChannelRule(); competitive.mode = .competitive
            let s = try await Self.setup(app, clock, channels: 11, brokersEach: 1, rule: competitive)
            // MUT: ten channels register one mobile at the same instant.
            let mobile = "13912340001"
            let failures = try await withThrowingTaskGroup(of: String?.self) { g in
                for i in 0..<10 {
                    g.addTask {
                        do { _ = try await Self.register(app, s, channel: i, mobile: mobile); return nil } catch { return "\(error)" }
                    }
                }
                return try await g.reduce(into: [String]()) { if let e = $1 { $0.append(e) } }
            }
            // validate: every registration stored with the rule's answer.
            #expect(failures.isEmpty, "\(engineName): \(failures)")
            var rows = try await Self.rows(app, mobile)
            #expect(rows.count == 10)
            #expect(rows.filter { $0.status == "protected" }.count == 1, "\(engineName): \(rows.map(\.status))")
            #expect(rows.filter { $0.status == "queued" && $0.reason == "registration_competing" }.count == 9, "\(engineName): \(rows.map { "\($0.status)/\($0.reason ?? "")" })")

            // 到访为王: a new rule version; ten channels register another mobile at once.
            var visitFirst = ChannelRule(); visitFirst.mode = .visitFirst
            _ = try await app.services.channels(app.db).putRule(visitFirst, kind: .agency, projectID: s.project, by: s.manager, context: .system("test"))
            let second = "13912340002"
            try await withThrowingTaskGroup(of: Void.self) { g in
                for i in 0..<10 { g.addTask { _ = try await Self.register(app, s, channel: i, mobile: second) } }
                try await g.waitForAll()
            }
            rows = try await Self.rows(app, second)
            #expect(rows.count == 10 && rows.allSatisfy { $0.status == "pending" }, "\(engineName): \(rows.map(\.status))")
            // The customer comes with channel 3's broker: that registration holds; a later one by the 11th channel is 撞单.
            let regs = try await app.db.sql.raw("SELECT id, channel_id FROM channel_registrations WHERE masked = \(bind: Masking.mobile(second))")
                .all(decoding: RegistrationRef.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))
            let third = try #require(regs.first { $0.channelId == s.channels[3] })
            clock.advance(3600)
            let visited = try await app.services.registrations(app.db).confirmVisit(third.id, proof: .number, mobile: second, partySize: 1,
                                                                                   by: s.principals[s.consultant]!, context: .system("test"))
            #expect(visited.status == "visited")
            clock.advance(60)
            let late = try await Self.register(app, s, channel: 10, mobile: second)
            #expect(late.status == "refused" || late.status == "queued")
            // (The visit made the customer the consultant's, which the judge names first.)
            #expect(["registration_taken", "registration_customer_visited", "registration_customer_owned"].contains(late.reason ?? ""), "\(late.reason ?? "nil")")
        }
    }

    struct RegistrationRef: Decodable { var id: UUID; var channelId: UUID }

    @Test func visitConfirmedByASignedQRCodeLinksTheCustomer() async throws {
        try await withTestApp { app, clock in
            var rule = ChannelRule(); rule.maskedNumbers = .firstWins
            let s = try await Self.setup(app, clock, channels: 2, brokersEach: 1, rule: rule)
            let f = Fixtures(app: app)
            let broker = try await f.token("jjr0x0"), consultant = try await f.token("guwen")
            let r = try await Self.register(app, s, channel: 0, mobile: "135****4321", name: "孙先生")
            #expect(r.status == "protected")
            // The broker's QR code.
            let mine = try await app.call(.GET, "/api/v1/registrations/\(r.id)", headers: .bearer(broker)).decode(Schemas.Registration.self)
            let token = try #require(mine.visitToken)
            // A forged code is refused and logged; so is one for another registration.
            // Forged: a later expiry under the old signature.
            let parts = token.split(separator: ".").map(String.init)
            let forged = "\(parts[0]).\(Int(parts[1])! + 86_400).\(parts[2])"
            var res = try await app.call(.POST, "/api/v1/registrations/\(r.id)/visit", headers: .bearer(consultant), json: ["token": .s(forged), "mobile": "13512344321"] as J)
            #expect(res.status == .unprocessableEntity && TicketTests.code(res) == "visit_token_invalid")
            #expect(try await f.auditCount(action: "registration.visit_refused") == 1)
            // A masked registration needs the full mobile, which must match.
            res = try await app.call(.POST, "/api/v1/registrations/\(r.id)/visit", headers: .bearer(consultant), json: ["token": .s(token)] as J)
            #expect(TicketTests.code(res) == "visit_mobile_required")
            res = try await app.call(.POST, "/api/v1/registrations/\(r.id)/visit", headers: .bearer(consultant), json: ["token": .s(token), "mobile": "13512340000"] as J)
            #expect(TicketTests.code(res) == "visit_mobile_mismatch")
            // A broker may not confirm their own visit.
            res = try await app.call(.POST, "/api/v1/registrations/\(r.id)/visit", headers: .bearer(broker), json: ["token": .s(token), "mobile": "13512344321"] as J)
            #expect(res.status == .forbidden)
            // MUT: the consultant scans it.
            res = try await app.call(.POST, "/api/v1/registrations/\(r.id)/visit", headers: .bearer(consultant),
                                     json: ["token": .s(token), "mobile": "13512344321", "partySize": 2] as J)
            #expect(res.status == .ok, "\(res.body.string)")
            let visited = try res.decode(Schemas.Registration.self)
            #expect(visited.status == .visited && visited.visitUntil != nil && visited.customerName == "孙**")
            // The customer's record holds the visit, owned by the consultant.
            let c = try #require(try await app.services.customers(app.db).find(mobile: "13512344321", in: s.project))
            #expect(c.ownerID == s.consultant && c.visitCount == 1 && c.source == "中介")
            // Twice: refused.
            res = try await app.call(.POST, "/api/v1/registrations/\(r.id)/visit", headers: .bearer(consultant), json: ["mobile": "13512344321"] as J)
            #expect(res.status == .conflict && TicketTests.code(res) == "registration_not_visitable")
            // The full number is now held: another channel's full registration is taken.
            let late = try await Self.register(app, s, channel: 1, mobile: "13512344321")
            #expect(late.status == "refused" && ["registration_taken", "registration_customer_owned", "registration_customer_visited"].contains(late.reason ?? ""))
            // An expired code: refused.
            let r2 = try await Self.register(app, s, channel: 0, mobile: "13522223333")
            let t2 = try #require(app.services.registrations(app.db).visitToken(r2)).token
            clock.advance(3 * 3600)
            res = try await app.call(.POST, "/api/v1/registrations/\(r2.id)/visit", headers: .bearer(consultant), json: ["token": .s(t2)] as J)
            #expect(TicketTests.code(res) == "visit_token_expired")
        }
    }

    @Test func lapsingRegistrationsAreRemindedThenLapsedAndFreed() async throws {
        try await withTestApp { app, clock in
            let s = try await Self.setup(app, clock, channels: 2, brokersEach: 1)
            _ = try await app.services.users(app.db).update(s.brokers[0][0], .init(mobile: "13700001111"), context: .system("test"))
            let r = try await Self.register(app, s, channel: 0, mobile: "13344445555")
            let svc = app.services.registrations(app.db)
            // Not yet within a day of lapsing.
            var (reminded, lapsed) = try await svc.remindAndLapse()
            #expect(reminded == 0 && lapsed == 0)
            clock.advance(50 * 3600)
            (reminded, lapsed) = try await svc.remindAndLapse()
            #expect(reminded == 1 && lapsed == 0)
            (reminded, _) = try await svc.remindAndLapse()
            #expect(reminded == 0)
            struct M: Decodable { var template: String; var recipient: String }
            let sent = try await app.db.sql.raw("SELECT template, recipient FROM outbox_messages").all(decoding: M.self)
            #expect(sent.count == 1 && sent[0].template == "channel.registration_lapsing" && sent[0].recipient == "13700001111")
            // Another channel is refused while it holds …
            #expect(try await Self.register(app, s, channel: 1, mobile: "13344445555").reason == "registration_taken")
            clock.advance(23 * 3600)
            (_, lapsed) = try await svc.remindAndLapse()
            #expect(lapsed == 1)
            #expect(try await svc.registration(r.id).status == "lapsed")
            // … and wins once it lapsed.
            #expect(try await Self.register(app, s, channel: 1, mobile: "13344445555").status == "protected")
        }
    }
}
