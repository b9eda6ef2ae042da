import EstateCore
import EstateSheets
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import EstateServer

/// 工单 through the API on both engines: every forbidden move refused, SLA deadlines and
/// escalation on an injected clock, warranty from the unit's delivery day, callbacks that reopen,
/// repeat repairs, attachments checked by their bytes, and one winner when two act at once.
@Suite("Customer service: tickets")
struct TicketTests {
    struct Desk {
        var d: SaleTests.Desk
        var engineer: String
        var engineerID: UUID
        var csID: UUID
        var managerID: UUID
    }

    static func desk(_ app: Application, _ clock: TestClock) async throws -> Desk {
        let d = try await SaleTests.desk(app, clock, code: "KF")
        let f = Fixtures(app: app)
        let engineerID = try await f.user("fixer", roles: [(.engineer, d.project)])
        let csMe = try await app.call(.GET, "/api/v1/me", headers: .bearer(d.cs)).decode(Schemas.Me.self)
        let managerMe = try await app.call(.GET, "/api/v1/me", headers: .bearer(d.csManager)).decode(Schemas.Me.self)
        let cs = try #require(UUID(uuidString: csMe.id)), manager = try #require(UUID(uuidString: managerMe.id))
        // Managers get escalations by SMS; staff their assignments.
        try await app.db.sql.raw("UPDATE users SET mobile = '13900009001' WHERE id = \(bind: manager)").run()
        try await app.db.sql.raw("UPDATE users SET mobile = '13900009002' WHERE id = \(bind: engineerID)").run()
        return Desk(d: d, engineer: try await f.token("fixer"), engineerID: engineerID, csID: cs, managerID: manager)
    }

    static func create(_ t: Desk, _ body: [String: J], token: String? = nil) async throws -> TestingHTTPResponse {
        var b = body
        b["projectId"] = .s(t.d.project.uuidString)
        return try await t.d.app.call(.POST, "/api/v1/tickets", headers: .bearer(token ?? t.d.cs), json: J.o(b))
    }

    static func act(_ t: Desk, _ id: String, _ body: J, token: String) async throws -> TestingHTTPResponse {
        try await t.d.app.call(.POST, "/api/v1/tickets/\(id)/actions", headers: .bearer(token), json: body)
    }

    static func code(_ r: TestingHTTPResponse) -> String {
        if let first = (try? r.problem())?.errors?.first { return first.code }
        return (try? r.problem().code) ?? "\(r.status.code)"
    }

    static func events(_ app: Application, _ id: String) async throws -> Int {
        struct N: Decodable { var n: Int }
        return try await app.db.sql.raw("SELECT COUNT(*) AS n FROM ticket_events WHERE ticket_id = \(bind: UUID(uuidString: id)!)")
            .first(decoding: N.self)?.n ?? -1
    }

    @Test func everyForbiddenMoveIsRefusedAndAFailedCallbackReopens() async throws {
        try await withTestApp { app, clock in
            let t = try await Self.desk(app, clock)
            let created = try await Self.create(t, ["kind": "complaint", "channel": "hotline", "severity": "normal", "title": "楼道漏水无人处理",
                                                    "contactName": "王先生", "contactMobile": "13800001111"])
            #expect(created.status == .created, "\(created.body.string)")
            let id = try created.decode(Schemas.Ticket.self).id
            let all = ["assign", "start", "resolve", "start_callback", "close", "reopen"]
            /// Every action but `allowed` is refused with 409 and changes nothing.
            func refuseAllBut(_ allowed: Set<String>, status: String) async throws {
                for action in all where !allowed.contains(action) {
                    let before = try await Self.events(app, id)
                    let r = try await Self.act(t, id, ["action": .s(action), "note": "试试", "assigneeId": .s(t.csID.uuidString), "cause": "construction"],
                                               token: t.d.csManager)
                    #expect(r.status == .conflict, "\(status) \(action): \(r.body.string)")
                    #expect(try await Self.events(app, id) == before)
                    let now = try await app.call(.GET, "/api/v1/tickets/\(id)", headers: .bearer(t.d.cs))
                    #expect(try now.decode(Schemas.Ticket.self).status.rawValue == status)
                }
            }
            try await refuseAllBut(["assign"], status: "new")
            // The engineer works repairs only: a complaint cannot be given to them, nor started by them.
            var r = try await Self.act(t, id, ["action": "assign", "assigneeId": .s(t.engineerID.uuidString), "department": "engineering"], token: t.d.cs)
            #expect(Self.code(r) == "assignee_invalid")
            #expect(try await Self.act(t, id, ["action": "start"], token: t.engineer).status == .forbidden)
            r = try await Self.act(t, id, ["action": "assign", "assigneeId": .s(t.managerID.uuidString)], token: t.d.cs)
            #expect(r.status == .ok, "\(r.body.string)")
            try await refuseAllBut(["assign", "start"], status: "assigned")
            r = try await Self.act(t, id, ["action": "assign", "assigneeId": .s(t.csID.uuidString)], token: t.d.cs)
            #expect(r.status == .ok)
            r = try await Self.act(t, id, ["action": "start"], token: t.d.cs)
            #expect(try r.decode(Schemas.Ticket.self).status.rawValue == "in_progress")
            #expect(try r.decode(Schemas.Ticket.self).respondedAt != nil)
            try await refuseAllBut(["assign", "resolve"], status: "in_progress")
            // A complaint is resolved with what was done and its cause.
            #expect(Self.code(try await Self.act(t, id, ["action": "resolve", "note": "已修复"], token: t.d.cs)) == "cause_required")
            #expect(Self.code(try await Self.act(t, id, ["action": "resolve", "cause": "construction"], token: t.d.cs)) == "resolution_required")
            r = try await Self.act(t, id, ["action": "resolve", "note": "已修复楼道排水", "cause": "construction"], token: t.d.cs)
            #expect(try r.decode(Schemas.Ticket.self).status.rawValue == "resolved")
            // Closing a complaint needs the callback.
            #expect(Self.code(try await Self.act(t, id, ["action": "close"], token: t.d.csManager)) == "ticket_needs_callback")
            try await refuseAllBut(["start_callback", "close"], status: "resolved")
            r = try await Self.act(t, id, ["action": "start_callback"], token: t.d.cs)
            #expect(try r.decode(Schemas.Ticket.self).status.rawValue == "callback")
            try await refuseAllBut([], status: "callback")
            // The one who did the work does not check it.
            let own = try await app.call(.POST, "/api/v1/tickets/\(id)/callback", headers: .bearer(t.d.cs),
                                         json: ["satisfaction": 5, "solved": true] as J)
            #expect(Self.code(own) == "callback_by_assignee")
            let f = Fixtures(app: app)
            try await f.user("caller", roles: [(.csStaff, t.d.project)])
            let caller = try await f.token("caller")
            #expect(try await app.call(.POST, "/api/v1/tickets/\(id)/callback", headers: .bearer(caller),
                                       json: ["satisfaction": 0, "solved": true] as J).status == .unprocessableEntity)
            // Not solved: back to work, counted as reopened.
            r = try await app.call(.POST, "/api/v1/tickets/\(id)/callback", headers: .bearer(caller),
                                   json: ["satisfaction": 2, "solved": false, "note": "还在漏"] as J)
            #expect(r.status == .ok, "\(r.body.string)")
            #expect(try r.decode(Schemas.Ticket.self).status.rawValue == "in_progress")
            #expect(try r.decode(Schemas.Ticket.self).reopenCount == 1)
            #expect(try r.decode(Schemas.Ticket.self).resolvedAt == nil)
            // A second callback on a ticket in progress is refused.
            #expect(Self.code(try await app.call(.POST, "/api/v1/tickets/\(id)/callback", headers: .bearer(caller),
                                                 json: ["satisfaction": 5, "solved": true] as J)) == "ticket_not_awaiting_callback")
            _ = try await Self.act(t, id, ["action": "resolve", "note": "更换排水管", "cause": "material"], token: t.d.cs)
            r = try await app.call(.POST, "/api/v1/tickets/\(id)/callback", headers: .bearer(caller), json: ["satisfaction": 5, "solved": true] as J)
            #expect(try r.decode(Schemas.Ticket.self).status.rawValue == "closed")
            #expect(try r.decode(Schemas.Ticket.self).satisfaction == 5)
            try await refuseAllBut(["reopen"], status: "closed")
            #expect(Self.code(try await app.call(.POST, "/api/v1/tickets/\(id)/comments", headers: .bearer(t.d.cs),
                                                 json: ["note": "补充"] as J)) == "ticket_closed")
            // Reopening is the manager's, with a reason.
            #expect(try await Self.act(t, id, ["action": "reopen", "note": "业主再次来电"], token: t.d.cs).status == .forbidden)
            #expect(Self.code(try await Self.act(t, id, ["action": "reopen"], token: t.d.csManager)) == "reason_required")
            r = try await Self.act(t, id, ["action": "reopen", "note": "业主再次来电"], token: t.d.csManager)
            #expect(try r.decode(Schemas.Ticket.self).status.rawValue == "in_progress" && (try r.decode(Schemas.Ticket.self).reopenCount) == 2)
            // The log holds every step; the owner sees the progress lines only.
            let log = try r.decode(Schemas.Ticket.self).events
            #expect(log.map(\.action) == ["create", "assign", "assign", "start", "resolve", "start_callback", "callback", "resolve", "callback", "reopen"])
            let owner = try await app.services.tickets(app.db).detail(UUID(uuidString: id)!, forOwner: true)
            #expect(owner.events.map(\.action) == ["create", "start", "resolve", "callback", "resolve", "callback", "reopen"])
            // Progress went to the owner by SMS.
            struct N: Decodable { var n: Int }
            let sms = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM outbox_messages WHERE recipient = '13800001111' AND template = 'ticket.progress'")
                .first(decoding: N.self)?.n
            #expect(sms == 4)
        }
    }

    @Test func slaDeadlinesAndEscalationOnTheClock() async throws {
        try await withTestApp { app, clock in
            let t = try await Self.desk(app, clock)
            // The project's own terms for normal repairs: answer within an hour, fix within four.
            let put = try await app.call(.PUT, "/api/v1/sla-terms", headers: .bearer(t.d.csManager), json: [
                "projectId": .s(t.d.project.uuidString),
                "terms": [["kind": "repair", "severity": "normal", "responseMinutes": 60, "resolveMinutes": 240]]] as J)
            #expect(put.status == .ok, "\(put.body.string)")
            #expect(Self.code(try await app.call(.PUT, "/api/v1/sla-terms", headers: .bearer(t.d.csManager), json: [
                "projectId": .s(t.d.project.uuidString),
                "terms": [["kind": "repair", "severity": "normal", "responseMinutes": 300, "resolveMinutes": 240]]] as J)) == "sla_resolve_before_response")
            #expect(try await app.call(.PUT, "/api/v1/sla-terms", headers: .bearer(t.d.cs), json: [
                "projectId": .s(t.d.project.uuidString),
                "terms": [["kind": "repair", "severity": "normal", "responseMinutes": 1, "resolveMinutes": 2]]] as J).status == .forbidden)
            let start = clock.now
            let repair = try await Self.create(t, ["kind": "repair", "channel": "front_desk", "severity": "normal", "title": "卫生间漏水",
                                                   "unitId": .s(t.d.units[0].id.uuidString), "component": "wet_room_waterproofing",
                                                   "assigneeId": .s(t.engineerID.uuidString)])
            #expect(repair.status == .created, "\(repair.body.string)")
            let id = try repair.decode(Schemas.Ticket.self).id
            let sla = try repair.decode(Schemas.Ticket.self).sla
            let responseDue = sla.responseDueAt
            let resolveDue = sla.resolveDueAt
            #expect(abs(responseDue.timeIntervalSince(start) - 3_600) < 2 && abs(resolveDue.timeIntervalSince(start) - 14_400) < 2)
            #expect(sla.minutesLeft == 59 || sla.minutesLeft == 60)
            // The engineer was told by SMS.
            struct N: Decodable { var n: Int }
            func count(_ sql: SQLQueryString) async throws -> Int { try await app.db.sql.raw(sql).first(decoding: N.self)?.n ?? -1 }
            #expect(try await count("SELECT COUNT(*) AS n FROM outbox_messages WHERE recipient = '13900009002' AND template = 'ticket.assigned'") == 1)
            let tickets = app.services.tickets(app.db)
            #expect(try await tickets.escalateDue() == 0)
            // A minute past the response deadline: escalated once, the manager told once.
            clock.advance(61 * 60)
            #expect(try await tickets.escalateDue() == 1)
            #expect(try await tickets.escalateDue() == 0)
            let late = try await app.call(.GET, "/api/v1/tickets/\(id)", headers: .bearer(t.d.cs))
            #expect(try late.decode(Schemas.Ticket.self).sla.responseBreached)
            #expect(try late.decode(Schemas.Ticket.self).escalationReason == "response")
            #expect(try await count("SELECT COUNT(*) AS n FROM outbox_messages WHERE recipient = '13900009001' AND template = 'ticket.escalated'") == 1)
            // Breached tickets lead the list; a fresh one follows.
            let fresh = try await Self.create(t, ["kind": "inquiry", "channel": "hotline", "severity": "normal", "title": "交房时间咨询"])
            let list = try await app.call(.GET, "/api/v1/tickets?projectId=\(t.d.project)", headers: .bearer(t.d.cs))
            #expect(try list.decode(Schemas.TicketPage.self).items.map(\.id) == [id, try fresh.decode(Schemas.Ticket.self).id])
            let breached = try await app.call(.GET, "/api/v1/tickets?projectId=\(t.d.project)&queue=breached", headers: .bearer(t.d.cs))
            #expect(try breached.decode(Schemas.TicketPage.self).items.map(\.id) == [id])
            // A major complaint goes to the manager the moment it is filed.
            let major = try await Self.create(t, ["kind": "complaint", "channel": "online", "severity": "major", "title": "业主群集体投诉景观缩水"])
            #expect(try major.decode(Schemas.Ticket.self).escalated)
            #expect(try major.decode(Schemas.Ticket.self).escalationReason == "severity")
            #expect(try await count("SELECT COUNT(*) AS n FROM outbox_messages WHERE recipient = '13900009001' AND template = 'ticket.escalated'") == 2)
            #expect(try await tickets.escalateDue() == 0)
            // Four hours on: the inquiry missed its two-hour answer and goes up; the repair, past its
            // resolution deadline too, was escalated already and is not sent again.
            clock.advance(4 * 3_600)
            #expect(try await tickets.escalateDue() == 1)
            let inquiry = try await app.call(.GET, "/api/v1/tickets/\(try fresh.decode(Schemas.Ticket.self).id)", headers: .bearer(t.d.cs))
            #expect(try inquiry.decode(Schemas.Ticket.self).escalationReason == "response")
            #expect(try await count("SELECT COUNT(*) AS n FROM outbox_messages WHERE recipient = '13900009001' AND template = 'ticket.escalated'") == 3)
        }
    }

    @Test func warrantyFromTheDeliveryDayAndRepeatRepairs() async throws {
        try await withTestApp { app, clock in
            let t = try await Self.desk(app, clock)
            let buyer = try await SaleTests.customer(t.d, "业主甲", "13900001201")
            let (_, contract) = try await SaleTests.signedAndPaid(t.d, unit: t.d.units[2], buyer: buyer, tag: "w")
            let today = CalendarDay(clock.now)
            func deliver(yearsAgo: Int, plusDays: Int) async throws {
                let d = CalendarDay(year: today.year - yearsAgo, month: today.month, day: min(today.day, 28))!.adding(days: plusDays)
                try await app.db.sql.raw("UPDATE contracts SET delivered_on = \(bind: d.description) WHERE id = \(bind: UUID(uuidString: contract)!)").run()
            }
            func repair(_ component: String) async throws -> TestingHTTPResponse {
                try await Self.create(t, ["kind": "repair", "channel": "hotline", "severity": "normal", "title": "报修",
                                          "unitId": .s(t.d.units[2].id.uuidString), "component": .s(component), "customerId": .s(buyer)])
            }
            // Not yet delivered: the developer's to put right.
            var r = try await repair("plumbing")
            #expect(try r.decode(Schemas.Ticket.self).warranty?.status.rawValue == "before_delivery")
            #expect(try r.decode(Schemas.Ticket.self).contactMobile == "13900001201")
            // Five years to the day is the last day of the waterproofing warranty; a day more and it has ended.
            if today.day <= 28 {
                try await deliver(yearsAgo: 5, plusDays: -1)
                r = try await repair("wet_room_waterproofing")
                #expect(try r.decode(Schemas.Ticket.self).warranty?.status.rawValue == "expired")
                #expect(try r.decode(Schemas.Ticket.self).warranty?.chargeable == true)
                try await deliver(yearsAgo: 5, plusDays: 0)
                r = try await repair("roof_waterproofing")
                #expect(try r.decode(Schemas.Ticket.self).warranty?.status.rawValue == "in_warranty")
                #expect(try r.decode(Schemas.Ticket.self).warranty?.chargeable == false)
                // Two years for plumbing and the like.
                try await deliver(yearsAgo: 2, plusDays: 0)
                r = try await repair("electrical")
                #expect(try r.decode(Schemas.Ticket.self).warranty?.status.rawValue == "in_warranty")
                try await deliver(yearsAgo: 2, plusDays: -1)
                r = try await repair("equipment")
                #expect(try r.decode(Schemas.Ticket.self).warranty?.status.rawValue == "expired")
            }
            // The same component of the same unit again: a repeat, pointing at the one before.
            let first = try await repair("decoration")
            let again = try await repair("decoration")
            #expect(try again.decode(Schemas.Ticket.self)._repeat)
            #expect(try again.decode(Schemas.Ticket.self).repeatOf == (try first.decode(Schemas.Ticket.self).id))
            // 91 days later it is not.
            clock.advance(91 * 86_400)
            let f = Fixtures(app: app)
            var t2 = t
            t2.d.cs = try await f.token("csstaff")
            let later = try await Self.create(t2, ["kind": "repair", "channel": "hotline", "severity": "normal", "title": "报修",
                                                   "unitId": .s(t.d.units[2].id.uuidString), "component": "decoration"])
            #expect(try later.decode(Schemas.Ticket.self)._repeat == false)
            // Repairs need their unit and component; other kinds have no component.
            #expect(Self.code(try await Self.create(t2, ["kind": "repair", "channel": "hotline", "severity": "normal", "title": "报修"])) == "repair_needs_unit")
            #expect(Self.code(try await Self.create(t2, ["kind": "inquiry", "channel": "hotline", "severity": "normal", "title": "咨询",
                                                         "component": "plumbing"])) == "component_for_repairs")
        }
    }

    @Test func attachmentsAreCheckedByTheirBytesAndTwoActionsOneWins() async throws {
        try await withTestApp { app, clock in
            let t = try await Self.desk(app, clock)
            let r = try await Self.create(t, ["kind": "repair", "channel": "hotline", "severity": "normal", "title": "墙面开裂",
                                              "unitId": .s(t.d.units[1].id.uuidString), "component": "decoration"])
            let id = try r.decode(Schemas.Ticket.self).id
            let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 4])
            func upload(_ data: Data, type: String, name: String) async throws -> TestingHTTPResponse {
                var h = HTTPHeaders.bearer(t.d.cs)
                h.contentType = HTTPMediaType(type: String(type.split(separator: "/")[0]), subType: String(type.split(separator: "/")[1]))
                return try await app.call(.POST, "/api/v1/tickets/\(id)/attachments?fileName=\(name)&visibleToOwner=true", headers: h,
                                          body: ByteBuffer(data: data))
            }
            let ok = try await upload(png, type: "image/png", name: "crack.png")
            #expect(ok.status == .created, "\(ok.body.string)")
            let aid = try ok.decode(Schemas.TicketAttachment.self).id
            let back = try await app.call(.GET, "/api/v1/tickets/\(id)/attachments/\(aid)", headers: .bearer(t.d.cs))
            #expect(back.status == .ok && Data(buffer: back.body) == png)
            // Text called a JPEG is refused, and nothing is stored.
            let fake = try await upload(Data("not a photo".utf8), type: "image/jpeg", name: "fake.jpg")
            #expect(fake.status == .unsupportedMediaType, "\(fake.body.string)")
            struct N: Decodable { var n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM ticket_attachments").first(decoding: N.self)?.n == 1)
            let big = try await upload(png + Data(count: TicketService.maxAttachmentBytes), type: "image/png", name: "big.png")
            #expect(big.status == .payloadTooLarge, "\(big.body.string)")
            // Two people take the same ticket at once: one move, one 409.
            _ = try await Self.act(t, id, ["action": "assign", "assigneeId": .s(t.engineerID.uuidString)], token: t.d.cs)
            let f = Fixtures(app: app)
            try await f.user("fixer2", roles: [(.engineer, t.d.project)])
            let other = try await f.token("fixer2")
            _ = other
            let results = try await withThrowingTaskGroup(of: HTTPStatus.self) { g in
                for token in [t.engineer, t.d.csManager, t.engineer, t.d.csManager] {
                    g.addTask { try await Self.act(t, id, ["action": "start"], token: token).status }
                }
                return try await g.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(results.filter { $0 == .ok }.count == 1, "\(results)")
            #expect(results.filter { $0 == .conflict }.count == 3, "\(results)")
            #expect(try await Self.events(app, id) == 4)   // create, attachment, assign, start
        }
    }

    @Test func theAnalysisCountsWhatHappened() async throws {
        try await withTestApp { app, clock in
            let t = try await Self.desk(app, clock)
            let tree = try await app.call(.GET, "/api/v1/ticket-categories?projectId=\(t.d.project)", headers: .bearer(t.d.cs)).decode([Schemas.TicketCategory].self)
            let leak = try #require(tree.first { $0.path == "工程质量 / 渗漏" }), promise = try #require(tree.first { $0.name == "销售承诺" })
            let f = Fixtures(app: app)
            try await f.user("caller", roles: [(.csStaff, t.d.project)])
            let caller = try await f.token("caller")
            /// Files a complaint, resolves it with `cause`, and records a callback of `score`.
            func complaint(_ category: String, unit: UUID?, cause: String, score: Int) async throws {
                var body: [String: J] = ["kind": "complaint", "channel": "hotline", "severity": "normal", "title": "投诉", "categoryId": .s(category)]
                if let unit { body["unitId"] = .s(unit.uuidString) }
                let id = try await Self.create(t, body).decode(Schemas.Ticket.self).id
                _ = try await Self.act(t, id, ["action": "assign", "assigneeId": .s(t.csID.uuidString)], token: t.d.cs)
                _ = try await Self.act(t, id, ["action": "start"], token: t.d.cs)
                #expect(try await Self.act(t, id, ["action": "resolve", "note": "处理", "cause": .s(cause)], token: t.d.cs).status == .ok)
                #expect(try await app.call(.POST, "/api/v1/tickets/\(id)/callback", headers: .bearer(caller),
                                           json: ["satisfaction": .i(score), "solved": true] as J).status == .ok)
            }
            try await complaint(leak.id, unit: t.d.units[0].id, cause: "construction", score: 5)
            try await complaint(leak.id, unit: t.d.units[1].id, cause: "construction", score: 3)
            try await complaint(promise.id, unit: nil, cause: "sales_promise", score: 4)
            for _ in 0..<2 {
                _ = try await Self.create(t, ["kind": "repair", "channel": "hotline", "severity": "normal", "title": "报修",
                                              "unitId": .s(t.d.units[0].id.uuidString), "component": "plumbing"])
            }
            _ = try await Self.create(t, ["kind": "inquiry", "channel": "hotline", "severity": "normal", "title": "咨询"])
            let today = CalendarDay(clock.now)
            let q = "projectId=\(t.d.project)&from=\(today.adding(days: -30))&to=\(today)"
            let a = try await app.call(.GET, "/api/v1/reports/service?\(q)", headers: .bearer(t.d.csManager))
            #expect(a.status == .ok, "\(a.body.string)")
            let analysis = try a.decode(Schemas.ServiceAnalysis.self)
            #expect(analysis.complaints == 3)
            let byCategory = analysis.byCategory
            #expect(byCategory.first { $0.name == "工程质量" }.map { [$0.tickets, $0.complaints] } == [2, 2])
            #expect(byCategory.first { $0.name == "销售承诺" }?.complaints == 1)
            #expect(byCategory.first { $0.name == "未分类" }.map { [$0.tickets, $0.repairs] } == [3, 2])
            let byBuilding = analysis.byBuilding
            #expect(byBuilding.first { $0.name == "1号楼" }.map { [$0.tickets, $0.complaints, $0.repairs] } == [4, 2, 2])
            #expect(analysis.byCause.first.map { "\($0.name) \($0.complaints)" } == "施工 2")
            #expect(analysis.satisfaction.callbacks == 3)
            #expect(analysis.satisfaction.satisfied == 2)
            #expect(analysis.satisfaction.rate == "66.67")
            #expect(analysis.satisfaction.average == "4.00")
            #expect(analysis.repeatRepairs.repairs == 2)
            #expect(analysis.repeatRepairs.repeats == 1)
            #expect(analysis.repeatRepairs.rate == "50.00")
            // The three complaints were answered and resolved within their terms; the rest still run.
            #expect(analysis.sla.tickets == 3)
            #expect(analysis.sla.resolveRate == "100.00")
            let xlsx = try await app.call(.GET, "/api/v1/reports/service/export?\(q)", headers: .bearer(t.d.csManager))
            #expect(xlsx.status == .ok)
            let summary = try XLSXReader.rows(Data(buffer: xlsx.body))
            #expect(summary.count == 5 && summary[1].cells[1] == "2" && summary[1].cells[2] == "3")
        }
    }
}
