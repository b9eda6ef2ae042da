import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// 坐席工作台 on both engines (issue 16 point 1): one caller across projects, matched by any
/// spelling of the number; each part shown as the reader's role allows; the call logged at the
/// desk linked to the work order it opens, once; every look-up audited without the number.
@Suite("Call centre: the agent desk")
struct DeskTests {
    typealias Schemas = Components.Schemas

    static let mobile = "13811112222"

    struct World {
        var app: Application
        var hxy: UUID, jyf: UUID
        var hxyUnits: [UnitRow], jyfUnits: [UnitRow]
        /// The caller's record in each project.
        var inHXY: String, inJYF: String
        /// alice owns the HXY record; bob is another HXY consultant; agent is cs_staff on HXY only;
        /// csboss is cs_manager everywhere; carol owns the JYF record.
        var alice: String, bob: String, carol: String, agent: String, csboss: String
        var agentID: UUID
    }

    static func world(_ app: Application, _ clock: TestClock) async throws -> World {
        let f = Fixtures(app: app)
        let hxy = try await f.project("HXY", name: "华御轩"), jyf = try await f.project("JYF", name: "锦园府")
        try await f.user("alice", roles: [(.consultant, hxy)])
        try await f.user("bob", roles: [(.consultant, hxy)])
        try await f.user("carol", roles: [(.consultant, jyf)])
        let agentID = try await f.user("agent", roles: [(.csStaff, hxy)])
        try await f.user("csboss", roles: [(.csManager, nil)])
        let hxyUnits = try await Inventory(app: app).seed(hxy, floors: 2, rooms: 2)
        let jyfUnits = try await Inventory(app: app).seed(jyf, floors: 2, rooms: 2)
        let alice = try await f.token("alice"), carol = try await f.token("carol")
        let inHXY = try await customer(app, alice, hxy, "林晓峰", "138 1111 2222")
        let inJYF = try await customer(app, carol, jyf, "林晓峰", "+86 138-1111-2222")
        // Someone else, to be sure nobody else's records come along.
        _ = try await customer(app, alice, hxy, "王五", "13899990000")
        let today = CalendarDay(clock.now)
        for (token, project, unit, buyer) in [(alice, hxy, hxyUnits[0], inHXY), (carol, jyf, jyfUnits[1], inJYF)] {
            let r = try await app.call(.POST, "/api/v1/subscriptions", headers: .bearer(token), json: [
                "projectId": .s(project.uuidString), "unitId": .s(unit.id.uuidString),
                "buyers": .a([["customerId": .s(buyer), "share": "100"] as J]), "ruleIds": [],
                "paymentMethod": "full", "deposit": "50000", "contractDeadline": .s(today.adding(days: 7).description),
            ] as J)
            #expect(r.status == .created, "\(r.body.string)")
        }
        return World(app: app, hxy: hxy, jyf: jyf, hxyUnits: hxyUnits, jyfUnits: jyfUnits, inHXY: inHXY, inJYF: inJYF,
                     alice: alice, bob: try await f.token("bob"), carol: carol, agent: try await f.token("agent"),
                     csboss: try await f.token("csboss"), agentID: agentID)
    }

    static func customer(_ app: Application, _ token: String, _ project: UUID, _ name: String, _ mobile: String) async throws -> String {
        let res = try await app.call(.POST, "/api/v1/customers", headers: .bearer(token),
                                     json: ["projectId": .s(project.uuidString), "name": .s(name), "mobile": .s(mobile)] as J)
        #expect(res.status == .created, "\(res.body.string)")
        return try res.decode(Schemas.Customer.self).id
    }

    static func lookup(_ w: World, _ number: String, _ token: String) async throws -> TestingHTTPResponse {
        let path = number.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? number
        return try await w.app.call(.GET, "/api/v1/callers/\(path)", headers: .bearer(token))
    }

    static func logCall(_ w: World, project: UUID?, number: String = mobile, at: Date) async throws -> CallService.Record {
        try await w.app.services.calls(w.app.db).log(.init(direction: .inbound, number: number, projectID: project, agentID: w.agentID,
                                                           timing: try CallTiming(offeredAt: at, answeredAt: at + 5, endedAt: at + 125),
                                                           category: "repair", source: .desk),
                                                     context: .system("test"))
    }

    static func ticket(_ w: World, _ token: String, project: UUID, call: String?, title: String = "卫生间漏水") async throws -> TestingHTTPResponse {
        var b: [String: J] = ["projectId": .s(project.uuidString), "kind": "inquiry", "channel": "hotline", "severity": "normal",
                              "title": .s(title), "contactMobile": .s(mobile)]
        if let call { b["callId"] = .s(call) }
        return try await w.app.call(.POST, "/api/v1/tickets", headers: .bearer(token), json: J.o(b))
    }

    @Test func oneCallerAcrossProjectsWhicheverWayTheNumberIsTyped() async throws {
        try await withTestApp { app, clock in
            // setup
            let w = try await Self.world(app, clock)
            _ = try await Self.logCall(w, project: w.hxy, at: clock.now - 3600)
            _ = try await Self.logCall(w, project: w.jyf, at: clock.now - 1800)
            _ = try await Self.logCall(w, project: nil, number: "13899990000", at: clock.now - 900)
            var seen: [String] = []
            for spelling in ["13811112222", "+86 138-1111-2222", "138 1111 2222", "+8613811112222", "(+86) 138-1111 2222"] {
                // MUT
                let r = try await Self.lookup(w, spelling, w.csboss)
                #expect(r.status == .ok, "\(spelling): \(r.body.string)")
                let c = try r.decode(Schemas.Caller.self)
                // validate: both records, both purchases, both projects' calls, nobody else's.
                #expect(c.number == Self.mobile)
                #expect(Set(c.customers.map(\.id)) == [w.inHXY, w.inJYF], "\(spelling)")
                #expect(Set(c.purchases.map(\.projectId)) == [w.hxy.uuidString, w.jyf.uuidString])
                #expect(c.purchases.allSatisfy { $0.stage == .subscribed })
                #expect(Set(c.purchases.compactMap(\.unitCode)) == [w.hxyUnits[0].code, w.jyfUnits[1].code])
                #expect(c.calls.count == 2 && c.calls.allSatisfy { $0.source == .desk })
                #expect(Set(c.projects.map(\.name)) == ["华御轩", "锦园府"])
                seen.append(c.customers.map(\.id).sorted().joined())
            }
            #expect(Set(seen).count == 1)
            // Not a number: refused, and nothing is audited for it.
            let before = try await Fixtures(app: app).auditCount(action: "callcenter.lookup")
            let bad = try await Self.lookup(w, "1-2", w.csboss)
            #expect(bad.status == .unprocessableEntity && TicketTests.code(bad) == "caller_number_invalid")
            #expect(try await Fixtures(app: app).auditCount(action: "callcenter.lookup") == before)
            #expect(before == 5)
            // A number nobody has: an empty desk, still audited.
            let nobody = try await Self.lookup(w, "13700000000", w.csboss).decode(Schemas.Caller.self)
            #expect(nobody.customers.isEmpty && nobody.purchases.isEmpty && nobody.tickets.isEmpty && nobody.calls.isEmpty)
            // The audit line names the look-up, never the number in clear.
            struct L: Decodable { var summary: String; var after: String?; var entity: String }
            let lines = try await (app.db as! any SQLDatabase).raw("SELECT summary, after, entity FROM audit_log WHERE action = 'callcenter.lookup'")
                .all(decoding: L.self)
            #expect(lines.count == 6)
            #expect(lines.allSatisfy { !$0.summary.contains(Self.mobile) && !($0.after ?? "").contains(Self.mobile) && $0.entity == "caller" })
            #expect(lines.contains { $0.summary.contains("138****2222") && $0.summary.contains("2 record(s) in 2 project(s)") })
        }
    }

    @Test func eachRoleSeesWhatItMay() async throws {
        try await withTestApp { app, clock in
            // setup
            let w = try await Self.world(app, clock)
            _ = try await Self.logCall(w, project: w.hxy, at: clock.now - 600)
            // MUT + validate. cs_manager everywhere: both records, opened, mobiles masked.
            let boss = try await Self.lookup(w, Self.mobile, w.csboss).decode(Schemas.Caller.self)
            #expect(boss.customers.count == 2 && boss.customers.allSatisfy { !$0.restricted && $0.mobileMasked && $0.mobile == "138****2222" })
            #expect(boss.customers.allSatisfy { $0.permissions.reveal && $0.name == "林晓峰" })
            // cs_staff on HXY only: the HXY record, masked; nothing of JYF (records, sales, calls).
            let agent = try await Self.lookup(w, Self.mobile, w.agent).decode(Schemas.Caller.self)
            #expect(agent.customers.map(\.id) == [w.inHXY] && agent.customers[0].mobileMasked && !agent.customers[0].restricted)
            #expect(agent.purchases.map(\.projectId) == [w.hxy.uuidString])
            #expect(agent.calls.count == 1 && agent.projects.map(\.name) == ["华御轩"])
            // The consultant who owns the record: the full mobile; no call log (they handle no calls); no JYF.
            let alice = try await Self.lookup(w, Self.mobile, w.alice).decode(Schemas.Caller.self)
            #expect(alice.customers.map(\.id) == [w.inHXY] && !alice.customers[0].mobileMasked && alice.customers[0].mobile == Self.mobile)
            #expect(alice.purchases.count == 1 && alice.calls.isEmpty)
            // Another consultant of HXY: the record is someone else's — masked name, nothing behind it.
            let bob = try await Self.lookup(w, Self.mobile, w.bob).decode(Schemas.Caller.self)
            #expect(bob.customers.map(\.id) == [w.inHXY] && bob.customers[0].restricted && bob.customers[0].name == Masking.name("林晓峰"))
            #expect(bob.customers[0].mobileMasked && bob.purchases.isEmpty && bob.contacts.isEmpty && bob.calls.isEmpty)
            // JYF's consultant never sees HXY.
            let carol = try await Self.lookup(w, Self.mobile, w.carol).decode(Schemas.Caller.self)
            #expect(carol.customers.map(\.id) == [w.inJYF] && carol.purchases.map(\.projectId) == [w.jyf.uuidString])
            // The desk page is the call centre's: a consultant is not let in.
            var browser = Browser(app: app)
            _ = try await browser.signIn("alice")
            #expect(try await browser.get("/desk?number=\(Self.mobile)").status == .forbidden)
        }
    }

    @Test func aCallLinksToTheWorkOrderItOpensOnce() async throws {
        try await withTestApp { app, clock in
            // setup
            let w = try await Self.world(app, clock)
            let call = try await Self.logCall(w, project: nil, at: clock.now - 300)
            let elsewhere = try await Self.logCall(w, project: w.jyf, at: clock.now - 200)
            // MUT: a work order with the call.
            let r = try await Self.ticket(w, w.agent, project: w.hxy, call: call.id.uuidString)
            #expect(r.status == .created, "\(r.body.string)")
            let ticket = try r.decode(Schemas.Ticket.self)
            // validate: the call belongs to the ticket and its project now, its outcome says so.
            let linked = try #require(try await app.services.calls(app.db).record(call.id))
            #expect(linked.ticketID?.uuidString == ticket.id && linked.projectID == w.hxy && linked.outcome == "ticket_opened")
            #expect(try await app.services.calls(app.db).calls(ofTickets: [UUID(uuidString: ticket.id)!]).map(\.id) == [call.id])
            // The same call again, a call of another project, a call that does not exist: refused, nothing created.
            let count = try await Self.tickets(app)
            for id in [call.id, elsewhere.id, UUID()] {
                let again = try await Self.ticket(w, w.agent, project: w.hxy, call: id.uuidString)
                #expect(again.status == .unprocessableEntity && TicketTests.code(again) == "call_not_linkable", "\(again.body.string)")
            }
            #expect(try await Self.tickets(app) == count)
            // The desk shows the ticket and the call that opened it.
            let c = try await Self.lookup(w, Self.mobile, w.agent).decode(Schemas.Caller.self)
            #expect(c.tickets.map(\.ticket.id) == [ticket.id])
            #expect(c.calls.first { $0.id == call.id.uuidString }?.ticketId == ticket.id)
        }
    }

    /// `POST /api/v1/calls`: the desk's 登记通话 for a softphone or another client, with the page's rules.
    @Test func theAPILogsTheCallInHandWithTheDesksRules() async throws {
        try await withTestApp { app, clock in
            // setup
            let w = try await Self.world(app, clock)
            func calls() async throws -> Int {
                struct N: Decodable { var n: Int }
                return try await app.db.sql.raw("SELECT COUNT(*) AS n FROM calls").first(decoding: N.self)?.n ?? -1
            }
            let before = try await calls()
            // MUT + validate: bad input is refused and writes nothing.
            let bad: [(J, String)] = [
                (["number": "abcdef"] as J, "call_number_invalid"),
                (["number": .s(Self.mobile), "projectId": .s(w.jyf.uuidString)] as J, "project_unknown"),
                (["number": .s(Self.mobile), "startedAt": .s(ISO8601DateFormatter().string(from: clock.now - 2 * 86_400))] as J, "call_started_invalid"),
                (["number": .s(Self.mobile), "startedAt": .s(ISO8601DateFormatter().string(from: clock.now + 3_600))] as J, "call_started_invalid"),
            ]
            for (body, code) in bad {
                let r = try await app.call(.POST, "/api/v1/calls", headers: .bearer(w.agent), json: body)
                #expect(r.status == .unprocessableEntity && r.body.string.contains(code), "\(code): \(r.status) \(r.body.string)")
            }
            #expect(try await app.call(.POST, "/api/v1/calls", headers: .bearer(w.alice), json: ["number": .s(Self.mobile)] as J).status == .forbidden)
            #expect(try await calls() == before)
            // The call in hand, picked up four minutes ago, number as typed.
            let started = clock.now - 240
            let r = try await app.call(.POST, "/api/v1/calls", headers: .bearer(w.agent), json: [
                "number": "+86 138-1111-2222", "projectId": .s(w.hxy.uuidString), "category": "报修", "outcome": "callback",
                "note": "卫生间漏水，明早回电", "startedAt": .s(ISO8601DateFormatter().string(from: started)),
            ] as J)
            #expect(r.status == .created, "\(r.body.string)")
            let row = try r.decode(Schemas.CallRow.self)
            #expect(row.source == .desk && row.direction == .inbound && row.projectId == w.hxy.uuidString && row.agentId == w.agentID.uuidString)
            #expect(row.number == Self.mobile && row.talkSeconds == 240 && row.outcome == "callback" && row.category == "报修")
            #expect(try await calls() == before + 1)
            #expect(try await Fixtures(app: app).auditCount(action: "call.log") >= 1)
            // The desk shows it among the caller's calls.
            let c = try await Self.lookup(w, Self.mobile, w.agent).decode(Schemas.Caller.self)
            #expect(c.calls.contains { $0.id == row.id })
        }
    }

    @Test func twoWorkOrdersRacingForOneCallLinkItOnce() async throws {
        try await withTestApp { app, clock in
            let w = try await Self.world(app, clock)
            let call = try await Self.logCall(w, project: w.hxy, at: clock.now - 300)
            let before = try await Self.tickets(app)
            // MUT: both pass the check before either writes; the conditional link lets one through.
            async let first = Self.ticket(w, w.agent, project: w.hxy, call: call.id.uuidString, title: "甲")
            async let second = Self.ticket(w, w.csboss, project: w.hxy, call: call.id.uuidString, title: "乙")
            let results = try await [first, second]
            // validate
            #expect(results.filter { $0.status == .created }.count == 1, "\(results.map(\.status))")
            #expect(results.allSatisfy { $0.status == .created || [.conflict, .unprocessableEntity].contains($0.status) })
            #expect(try await Self.tickets(app) == before + 1)
            let linked = try #require(try await app.services.calls(app.db).record(call.id))
            let created = try #require(results.first { $0.status == .created }).decode(Schemas.Ticket.self)
            #expect(linked.ticketID?.uuidString == created.id)
        }
    }

    @Test func theDeskPageLogsTheCallAndOpensAWorkOrderWithIt() async throws {
        try await withTestApp { app, clock in
            // setup
            let w = try await Self.world(app, clock)
            var desk = Browser(app: app)
            _ = try await desk.signIn("agent")
            // MUT: the number as a softphone brings it.
            let page = try await desk.get("/desk?number=%2B86%20138-1111-2222")
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains("林晓峰") && html.contains(w.hxyUnits[0].code) && html.contains("138****2222"))
            #expect(!html.contains(w.jyfUnits[1].code) && !html.contains("锦园府"))
            let csrf = try #require(Browser.csrf(in: html))
            let logged = try await desk.post("/desk/calls", form: ["_csrf": csrf, "number": Self.mobile, "projectId": w.hxy.uuidString,
                                                                 "direction": "inbound", "category": "repair", "outcome": "ticket_opened",
                                                                 "note": "卫生间漏水"])
            #expect(logged.status == .seeOther, "\(logged.body.string.prefix(300))")
            let next = try #require(logged.headers.first(name: .location))
            let callID = try #require(URLComponents(string: next)?.queryItems?.first { $0.name == "call" }?.value.flatMap(UUID.init(uuidString:)))
            let call = try #require(try await app.services.calls(app.db).record(callID))
            #expect(call.source == "desk" && call.agentID == w.agentID && call.projectID == w.hxy && call.note == "卫生间漏水")
            // The desk now offers the work order with the call.
            let after = try await desk.get(next).body.string
            let form = "/projects/\(w.hxy)/tickets/new?call=\(callID)&amp;mobile=\(Self.mobile)"
            #expect(after.contains(form), "\(after.prefix(200))")
            let newForm = try await desk.get("/projects/\(w.hxy)/tickets/new?call=\(callID)&mobile=\(Self.mobile)")
            #expect(newForm.body.string.contains("name=\"callId\" value=\"\(callID)\""))
            let created = try await desk.post("/projects/\(w.hxy)/tickets/new", form: [
                "_csrf": csrf, "kind": "inquiry", "channel": "hotline", "severity": "normal", "title": "咨询交付",
                "customerMobile": Self.mobile, "callId": callID.uuidString])
            #expect(created.status == .seeOther, "\(created.body.string.prefix(400))")
            let ticketID = try #require(created.headers.first(name: .location)?.split(separator: "/").last.flatMap { UUID(uuidString: String($0.prefix(36))) })
            #expect(try await app.services.calls(app.db).record(callID)?.ticketID == ticketID)
            // A follow-up from the desk lands on the record.
            let fu = try await desk.post("/desk/follow-ups", form: ["_csrf": csrf, "number": Self.mobile, "customer": "\(w.hxy)/\(w.inHXY)",
                                                                   "nextStep": "回电告知维修时间", "nextFollowUpOn": CalendarDay(clock.now).adding(days: 2).description])
            #expect(fu.status == .seeOther, "\(fu.body.string.prefix(300))")
            let r = try await app.services.customers(app.db).record(UUID(uuidString: w.inHXY)!, in: w.hxy)
            #expect(r.nextStep == "回电告知维修时间" && r.callCount == 1)
        }
    }

    @Test func aPurchaseStandsAtItsFurthestStage() {
        func p(_ contract: String?, delivered: String? = nil) -> SaleService.CustomerPurchase {
            .init(customerId: UUID(), projectId: UUID(), unitId: UUID(), subscriptionNumber: "RG1", subscriptionStatus: "active",
                  contractNumber: contract == nil ? nil : "HT1", contractStatus: contract, deliveredOn: delivered, titleStage: nil, subscribedAt: Date())
        }
        #expect(p(nil).stage == .subscribed)
        #expect(p("draft").stage == .contractDraft)
        #expect(p("signed").stage == .signed)
        #expect(p("signed", delivered: "2026-01-01").stage == .delivered)
    }

    @Test func theDemoDeskShowsAnOwnerWhoIsBuyingElsewhere() async throws {
        try await withTestApp(.demo) { app, _ in
            // setup: JYF 锦园府, delivered: 40 units in one building, 24 owners.
            let projects = app.services.projects(app.db)
            let jyf = try #require(try await projects.id(code: "JYF")), hxy = try #require(try await projects.id(code: "HXY"))
            let board = try await app.services.unitEvents.board(jyf)
            #expect(board.totals.byStatus[.delivered]?.count == 40)
            struct N: Decodable { var n: Int }
            let owners = try await (app.db as! any SQLDatabase).raw("""
                SELECT COUNT(DISTINCT b.customer_id) AS n FROM sale_buyers b JOIN subscriptions s ON s.id = b.subscription_id
                WHERE s.project_id = \(bind: jyf) AND b.is_current
                """).first(decoding: N.self)?.n
            #expect(owners == 24)
            // MUT: an agent of the call centre looks 林晓峰 up.
            let token = try await Fixtures(app: app).token("cc-agent-01", password: DemoSeeder.password)
            let r = try await app.call(.GET, "/api/v1/callers/\(DemoJYFStory.linMobile)", headers: .bearer(token))
            #expect(r.status == .ok, "\(r.body.string)")
            let c = try r.decode(Schemas.Caller.self)
            // validate: an owner in JYF, buying in HXY; his calls, the repair opened from one and called back.
            #expect(Set(c.customers.map(\.projectId)) == [jyf.uuidString, hxy.uuidString])
            #expect(c.purchases.first { $0.projectId == jyf.uuidString }?.stage == .delivered)
            #expect(c.purchases.first { $0.projectId == hxy.uuidString }?.stage == .subscribed)
            #expect(c.calls.count == 3 && c.calls.filter { $0.ticketId != nil }.count == 2)
            #expect(c.tickets.count == 2 && c.tickets.contains { $0.ticket.kind == .repair && $0.ticket.status == .closed })
            #expect(c.lastCallback?.satisfaction == 5 && c.lastCallback?.solved == true)
            // The call centre's duty log: yesterday's signed off, today's open.
            let lead = try await Fixtures(app: app).token("shift-lead", password: DemoSeeder.password)
            let logs = try await app.call(.GET, "/api/v1/duty-logs?projectId=\(hxy)", headers: .bearer(lead)).decode(Schemas.DutyLogPage.self)
            #expect(Set(logs.items.map(\.status)) == [.open, .signed] && logs.total == 2)
        }
    }

    /// The look-up's reads (issue 16 point 1: "in < 200 ms"; the bench's p99 goal is 50 ms): the demo's
    /// richest caller (records in two projects, purchases, calls, tickets, a 回访, a follow-up) is 13
    /// reads in two concurrent rounds (plus what each service labels its rows with), where it was 14
    /// one after another (the API and page named the calls' agents after the look-up, the records'
    /// owners were named apart). The bound is the guard against a read sneaking in; the rounds are
    /// `DeskService.lookup`'s to keep, and the bench's to measure.
    @Test func aLookupIsABoundedNumberOfReads() async throws {
        try await withTestApp(.demo) { app, _ in
            // setup
            struct U: Decodable { var id: UUID }
            let agentID = try #require(try await (app.db as! any SQLDatabase).raw("SELECT id FROM users WHERE username = 'cc-agent-01'")
                .first(decoding: U.self)?.id)
            let agent = try #require(try await app.services.auth(app.db).loadPrincipal(userID: agentID, on: app.db))
            let counter = QueryCounter()
            let desk = app.services.desk(counter.database(app))
            let audited = try await Fixtures(app: app).auditCount(action: "callcenter.lookup")
            // MUT
            let lin = try await desk.lookup(DemoJYFStory.linMobile, by: agent, context: .system("test"))
            let linReads = counter.reads
            counter.reset()
            let nobody = try await desk.lookup("13700000001", by: agent, context: .system("test"))
            let nobodyReads = counter.reads
            // validate: everything found, each look-up audited once, in a bounded number of reads.
            #expect(lin.records.count == 2 && lin.purchases.count == 2 && lin.calls.count == 3 && lin.tickets.count == 2)
            #expect(lin.lastCallback?.satisfaction == 5 && Set(lin.projectNames.values).count == 2)
            #expect(!lin.agentNames.isEmpty && lin.calls.allSatisfy { $0.agentID.map { lin.agentNames[$0] != nil } ?? true })
            #expect(try await Fixtures(app: app).auditCount(action: "callcenter.lookup") == audited + 2)
            #expect(linReads.count <= 13, "\(engineName): \(linReads.count) reads\n\(linReads.joined(separator: "\n"))")
            // A number nobody has: the reads that find nothing stop there.
            #expect(nobody.records.isEmpty && nobody.calls.isEmpty && nobody.tickets.isEmpty)
            #expect(nobodyReads.count <= 7, "\(engineName): \(nobodyReads.count)\n\(nobodyReads.joined(separator: "\n"))")
            print("desk look-up reads (\(engineName)): caller \(linReads.count), nobody \(nobodyReads.count)\n" + linReads.joined(separator: "\n---\n"))
        }
    }

    static func tickets(_ app: Application) async throws -> Int {
        struct N: Decodable { var n: Int }
        return try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM tickets").first(decoding: N.self)?.n ?? -1
    }
}
