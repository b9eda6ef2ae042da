import EstateCore
@testable import EstateServer
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// 质检 on both engines (issue 16 point 8): the supervisor's weighted form through its page (a bad form
/// is shown again with its errors and writes nothing), reviews of answered calls (scored as EstateCore
/// says, never one's own call, a call once even when two reviewers submit at once), the agents' scores
/// in the KPI report, and each agent seeing only their own reviews.
@Suite("Call centre: call quality (质检)")
struct CallQualityTests {
    struct Desk {
        var project: UUID
        var supervisor: UUID, lead: UUID, agentA: UUID, agentB: UUID
        /// Answered: three by A, one by B, one by the lead; and one abandoned.
        var callsA: [UUID], callB: UUID, callLead: UUID, abandoned: UUID
    }

    static func desk(_ app: Application, _ clock: TestClock) async throws -> Desk {
        let f = Fixtures(app: app)
        let hxy = try await f.project("HXY")
        let supervisor = try await f.user("zhuguan", roles: [(.ccSupervisor, hxy)])
        let lead = try await f.user("banzhang", roles: [(.shiftLead, hxy)])
        let a = try await f.user("zuoxi.a", roles: [(.csStaff, hxy)]), b = try await f.user("zuoxi.b", roles: [(.csStaff, hxy)])
        let store = app.services.store(app.db)
        let plan: [(UUID?, Bool)] = [(a, true), (a, true), (a, true), (b, true), (lead, true), (nil, false)]
        let ids = try await store.write { tx -> [UUID] in
            var ids: [UUID] = []
            for (i, (agent, answered)) in plan.enumerated() {
                let offered = clock.now.addingTimeInterval(-Double(3_600 * (i + 1)))
                let timing = try CallTiming(offeredAt: offered, answeredAt: answered ? offered + 8 : nil, endedAt: offered + (answered ? 200 : 30),
                                            holdSeconds: 0, wrapSeconds: answered ? 30 : 0)
                let id = UUID()
                try await CallService.insert(CallService.Draft(direction: .inbound, number: "1390000\(1000 + i)", projectID: i == 3 ? nil : hxy,
                                                               queue: "hotline", agentID: agent, timing: timing, category: "enquiry",
                                                               outcome: answered ? .resolved : nil, satisfaction: nil, source: .desk),
                                             id: id, at: clock.now, by: nil, on: tx as! any SQLDatabase)
                ids.append(id)
            }
            return ids
        }
        return Desk(project: hxy, supervisor: supervisor, lead: lead, agentA: a, agentB: b, callsA: Array(ids[0...2]), callB: ids[3],
                    callLead: ids[4], abandoned: ids[5])
    }

    static func principal(_ app: Application, _ id: UUID) async throws -> Principal {
        try #require(try await app.services.auth(app.db).loadPrincipal(userID: id, on: app.db))
    }

    struct N: Decodable { var n: Int }
    static func count(_ app: Application, _ table: String) async throws -> Int {
        try await app.db.sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first(decoding: N.self)?.n ?? -1
    }

    /// The form the tests score on: 15 + 35 + 20 + 25 + 5 (critical).
    static let form: [String: String] = [
        "name": "热线质检表", "title0": "问候规范", "weight0": "15", "title1": "业务准确", "weight1": "35", "title2": "同理心", "weight2": "20",
        "title3": "问题解决", "weight3": "25", "title4": "信息安全", "weight4": "5", "critical4": "1",
    ]

    @Test func theSupervisorDefinesTheFormAndReviewsACallThroughThePages() async throws {
        try await withTestApp { app, clock in
            // setup
            let d = try await Self.desk(app, clock)
            var boss = Browser(app: app)
            #expect(try await boss.signIn("zhuguan").status == .seeOther)
            let q = "?project=\(d.project)"
            let first = try await boss.get("/callcentre/qa\(q)")
            #expect(first.status == .ok && first.body.string.contains("还没有质检表"))
            let formPage = try await boss.get("/callcentre/qa/form\(q)")
            #expect(formPage.status == .ok && formPage.body.string.contains("客户信息保护"), "a first form starts from the common items")
            let csrf = try #require(Browser.csrf(in: formPage.body.string))

            // MUT 1: weights adding up to 90 and a repeated title: shown again with both reasons, nothing written.
            var bad = Self.form; bad["_csrf"] = csrf; bad["weight1"] = "24"; bad["title2"] = "问候规范"
            let refused = try await boss.post("/callcentre/qa/form\(q)", form: bad)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("各项权重合计须为 100") && refused.body.string.contains("评分项名称重复"), "\(refused.body.string.prefix(300))")
            #expect(refused.body.string.contains("value=\"24\""), "what was typed is kept")
            #expect(try await Self.count(app, "qa_forms") == 0)

            // MUT 2: the form as it should be.
            var good = Self.form; good["_csrf"] = csrf
            let saved = try await boss.post("/callcentre/qa/form\(q)", form: good)
            #expect(saved.status == .seeOther && saved.headers.first(name: .location) == "/callcentre/qa\(q)&notice=qa.form.saved_notice")
            let qa = app.services.callQuality(app.db)
            let active = try #require(try await qa.activeForm(d.project))
            #expect(active.name == "热线质检表" && active.items.map(\.weight) == [15, 35, 20, 25, 5] && active.items.map(\.critical) == [false, false, false, false, true])

            // The queue lists the answered calls (A's three, B's of no project, the lead's), not the abandoned one.
            let home = try await boss.get("/callcentre/qa\(q)")
            for id in d.callsA + [d.callB, d.callLead] { #expect(home.body.string.contains("/callcentre/qa/calls/\(id)")) }
            #expect(!home.body.string.contains("/callcentre/qa/calls/\(d.abandoned)"))

            // MUT 3: a review missing a level is shown again and writes nothing; then the whole review.
            let callPage = try await boss.get("/callcentre/qa/calls/\(d.callsA[0])\(q)")
            #expect(callPage.status == .ok && callPage.body.string.contains("按「热线质检表」评分"))
            let token = try #require(Browser.csrf(in: callPage.body.string))
            let missing = try await boss.post("/callcentre/qa/calls/\(d.callsA[0])\(q)",
                                              form: ["_csrf": token, "mark0": "4", "mark2": "2", "mark3": "4", "mark4": "4", "comment": "漏了一项"])
            #expect(missing.status == .unprocessableEntity && missing.body.string.contains("第 2 项还没有评分"))
            #expect(try await Self.count(app, "qa_reviews") == 0)
            let done = try await boss.post("/callcentre/qa/calls/\(d.callsA[0])\(q)",
                                           form: ["_csrf": token, "mark0": "4", "mark1": "3", "mark2": "2", "mark3": "4", "mark4": "4", "comment": "解答准确，可以更耐心"])
            #expect(done.status == .seeOther, "\(done.body.string.prefix(300))")

            // validate: 15 + 26.25 + 10 + 25 + 5 = 81.25 → 81.3, on the call's page and in the audit.
            let review = try #require(try await qa.review(ofCall: d.callsA[0], in: d.project))
            #expect(review.scoreTenths == 813 && review.marks == [.excellent, .good, .fair, .excellent, .excellent] && review.reviewerId == d.supervisor)
            #expect(review.agentId == d.agentA && review.comment == "解答准确，可以更耐心")
            let reviewed = try await boss.get("/callcentre/qa/calls/\(d.callsA[0])\(q)")
            #expect(reviewed.body.string.contains("81.3") && !reviewed.body.string.contains("提交评分"))
            struct A: Decodable { var action: String; var entity_id: String }
            let audit = try await app.db.sql.raw("SELECT action, entity_id FROM audit_log WHERE action LIKE 'qa%'").all(decoding: A.self)
            #expect(audit.count == 2 && Set(audit.map(\.action)) == ["qa_form.create", "qa.review"])
            #expect(audit.first { $0.action == "qa.review" }?.entity_id == d.callsA[0].uuidString)
            // An agent may not open the form or a call's review page.
            var agent = Browser(app: app)
            _ = try await agent.signIn("zuoxi.a")
            #expect(try await agent.get("/callcentre/qa/form\(q)").status == .forbidden)
            #expect(try await agent.get("/callcentre/qa/calls/\(d.callsA[1])\(q)").status == .forbidden)
        }
    }

    @Test func reviewsAreRefusedOnTheirRulesAndTwoAtOnceMakeOne() async throws {
        try await withTestApp { app, clock in
            // setup: the form in place.
            let d = try await Self.desk(app, clock)
            let qa = app.services.callQuality(app.db)
            let boss = try await Self.principal(app, d.supervisor), lead = try await Self.principal(app, d.lead)
            let ctx = AuditContext(actorID: d.supervisor, actorName: "zhuguan", requestID: nil, ip: nil)
            let good: [QAMark] = [.excellent, .excellent, .good, .excellent, .excellent]
            await #expect(throws: Problem.self) { try await qa.review(call: d.callsA[0], in: d.project, marks: good, comment: "", by: boss, context: ctx) }
            let items = [QAItem(title: "问候规范", weight: 15), QAItem(title: "业务准确", weight: 35), QAItem(title: "同理心", weight: 20),
                         QAItem(title: "问题解决", weight: 25), QAItem(title: "信息安全", weight: 5, critical: true)]
            _ = try await qa.createForm(d.project, name: "热线质检表", items: items, by: boss, context: ctx)
            func code(_ body: () async throws -> Any) async -> String {
                do { _ = try await body(); return "ok" } catch { return (error as? Problem).map { $0.fields.first?.code ?? $0.code } ?? "\(error)" }
            }

            // MUT + validate: each refusal with its code, nothing written.
            #expect(await code { try await qa.review(call: d.callLead, in: d.project, marks: good, comment: "", by: lead, context: ctx) } == "qa_own_call")
            #expect(await code { try await qa.review(call: d.abandoned, in: d.project, marks: good, comment: "", by: boss, context: ctx) } == "qa_call_not_reviewable")
            #expect(await code { try await qa.review(call: d.callsA[0], in: d.project, marks: [.good], comment: "", by: boss, context: ctx) } == "qa_marks_mismatch")
            #expect(await code { try await qa.review(call: UUID(), in: d.project, marks: good, comment: "", by: boss, context: ctx) } == "not_found")
            var badForm = items; badForm[0].weight = 0
            #expect(await code { try await qa.createForm(d.project, name: "坏表", items: badForm, by: boss, context: ctx) } == "qa_item_weight_invalid")
            #expect(try await Self.count(app, "qa_reviews") == 0)
            #expect(try await qa.forms(d.project).count == 1)

            // Two reviewers submit the same call at once: one review, the other refused.
            let outcomes = await withTaskGroup(of: String.self) { group in
                for who in [boss, lead, boss, lead] {
                    group.addTask { await code { try await qa.review(call: d.callsA[1], in: d.project, marks: good, comment: "同时评分", by: who, context: ctx) } }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.sorted() == ["ok", "qa_already_reviewed", "qa_already_reviewed", "qa_already_reviewed"], "\(engineName): \(outcomes)")
            #expect(try await Self.count(app, "qa_reviews") == 1)

            // A critical item failed: the call scores 0. The call of no project is reviewed in the project asked.
            let zero = try await qa.review(call: d.callB, in: d.project, marks: [.excellent, .excellent, .excellent, .excellent, .fails], comment: "泄露了业主电话",
                                           by: lead, context: ctx)
            #expect(zero.scoreTenths == 0 && zero.agentId == d.agentB)
            let third = try await qa.review(call: d.callsA[2], in: d.project, marks: [.fair, .fair, .fair, .fair, .fair], comment: "", by: lead, context: ctx)
            #expect(third.scoreTenths == 500)

            // The KPI report counts them on the call's agent: A 2 reviews (95.0 and 50.0 → 72.5), B one 0.
            let today = CalendarDay(clock.now)
            let report = try await app.services.callCentreKPIs(app.db).report(projectID: d.project, from: today.adding(days: -2), to: today)
            let byAgent = Dictionary(uniqueKeysWithValues: report.agents.compactMap { r in r.agentID.map { ($0, r.counters) } })
            #expect(byAgent[d.agentA]?.qaCount == 2 && CallKPI.qaScore(byAgent[d.agentA]!) == 72.5)
            #expect(byAgent[d.agentB]?.qaCount == 1 && CallKPI.qaScore(byAgent[d.agentB]!) == 0)
            #expect(report.total.qaCount == 3)
            let scores = try await qa.scores(d.project, from: today, to: today)
            #expect(scores.map(\.agentId) == [d.agentA, d.agentB] && scores.map(\.meanTenths) == [725, 0])

            // An agent's page shows their own reviews and mean, not another agent's, nor the queue.
            var agent = Browser(app: app)
            _ = try await agent.signIn("zuoxi.a")
            let mine = try await agent.get("/callcentre/qa?project=\(d.project)")
            #expect(mine.status == .ok && mine.body.string.contains("我的质检成绩") && mine.body.string.contains("72.5"))
            #expect(mine.body.string.contains("同时评分") && !mine.body.string.contains("泄露了业主电话"))
            #expect(!mine.body.string.contains("待质检通话") && !mine.body.string.contains("/callcentre/qa/calls/"))
        }
    }
}
