import EstateCore
import EstateSheets
@testable import EstateServer
import FluentKit
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Opening day (issue 18) on both engines: 认筹 with ID check and idempotent receipts, the drawn
/// order, the selection engine under a race (never a unit twice, never over quota, a double click
/// takes one unit), pause mid-race, lapsed holds, the rehearsal copy, and the log's verification.
@Suite("Opening day: registrations and the selection engine")
struct OpeningEngineTests {
    struct Setup {
        var app: Application
        var project: UUID
        var staff: UUID
        var event: OpeningService.Event
        var units: [UnitRow]
        var registrations: [OpeningService.Registration]
        var service: OpeningService { app.services.openings(app.db) }
    }

    /// A valid 18-digit resident ID (GB 11643 check digit) for person `n`.
    static func residentID(_ n: Int) -> String {
        let base = "11010519900101" + String(format: "%03d", n % 1000)
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(base, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        return base + String(Array("10X98765432")[sum % 11])
    }

    static func mobile(_ n: Int) -> String { "1391\(String(format: "%07d", n))" }

    /// A project with `floors` × 2 units released to an event, `buyers` eligible registrations,
    /// the lottery drawn, one batch for everyone, and (with `open`) the event open.
    static func setup(_ app: Application, _ clock: TestClock, floors: Int = 10, rooms: Int = 2, buyers: Int, open: Bool = true,
                      quota: Int = 1, batchSize: Int? = nil) async throws -> Setup {
        let f = Fixtures(app: app)
        let project = try await f.project("KP")
        let staff = try await f.user("kp_manager", roles: [(.salesManager, project)])
        let units = try await Inventory(app: app).seed(project, floors: floors, rooms: rooms, release: false)
        let svc = app.services.openings(app.db)
        let context = AuditContext(actorID: staff, actorName: "KP", requestID: nil, ip: nil)
        var e = try await svc.create(.init(name: "一期首开", orderKind: .lottery, seed: "SSE 2026-12-07 close", quota: quota, deposit: Money(yuan: 50_000),
                                           startsAt: clock.now.addingTimeInterval(3600), endsAt: clock.now.addingTimeInterval(7200)),
                                     in: project, context: context)
        #expect(try await svc.addUnits(units.map(\.id), event: e.id, context: context) == units.count)
        for i in 0..<buyers {
            _ = try await svc.register(.init(name: "买家\(i)", mobile: mobile(i), idNumber: residentID(i), sincerity: Money(yuan: 20_000), eligible: true),
                                       event: e.id, key: "register-\(i)-key", actor: staff, context: context)
        }
        e = try await svc.draw(event: e.id, context: context)
        _ = try await svc.planBatches(event: e.id, size: batchSize ?? max(buyers, 1), minutes: 60, gapMinutes: 30, context: context)
        e = try await svc.act(.schedule, event: e.id, context: context)
        if open {
            clock.advance(3600)
            e = try await svc.act(.open, event: e.id, context: context)
        }
        return Setup(app: app, project: project, staff: staff, event: e, units: units, registrations: try await svc.registrations(e.id))
    }

    /// A buyer on their own phone: an address of their own, so the per-address limit is not what a race test meets.
    static func buyer(_ r: OpeningService.Registration, ip: String? = nil) -> AuditContext {
        let b = r.id.uuid
        return AuditContext(actorID: nil, actorName: "buyer:" + Masking.mobile(r.mobile), requestID: nil, ip: ip ?? "10.\(b.0).\(b.1).\(b.2)")
    }

    static func code(_ error: any Error) -> String { (error as? Problem)?.code ?? "\(error)" }

    struct N: Decodable { var n: Int }
    static func count(_ app: Application, _ sql: SQLQueryString) async throws -> Int {
        try await app.db.sql.raw(sql).first(decoding: N.self)?.n ?? -1
    }

    /// The issue's race: 200 buyers for 5 units. Every refusal is a line of the chain (a write), so
    /// each losing buyer trying every unit is ~1,000 writes: enough to race, not a benchmark.
    @Test func twoHundredBuyersRaceForFiveUnitsAndFiveWin() async throws {
        try await withTestApp { app, clock in
            // setup
            let s = try await Self.setup(app, clock, floors: 5, rooms: 1, buyers: 200)
            let svc = s.service
            let unitIDs = s.units.map(\.id)
            // MUT: every buyer goes for a unit (most for the same few) and confirms at once; on
            // "taken" they choose the next one, until they hold one or every unit is gone.
            let outcomes = try await withThrowingTaskGroup(of: (Bool, [String]).self) { group in
                for (i, r) in s.registrations.enumerated() {
                    group.addTask {
                        // "opening_busy" (more selections in flight than the limit) is not an
                        // answer: the phone waits and asks again for the same unit, as Retry-After says.
                        var refusals: [String] = []
                        var k = 0, attempt = 0
                        while k < unitIDs.count {
                            let unit = unitIDs[(i % 3 + k) % unitIDs.count]
                            attempt += 1
                            do {
                                let held = try await svc.choose(event: s.event.id, registration: r.id, unit: unit, key: "click-\(i)-\(attempt)-xx", context: Self.buyer(r))
                                let done = try await svc.confirm(event: s.event.id, registration: r.id, selection: held.id, context: Self.buyer(r))
                                return (done.status == "confirmed", refusals)
                            } catch where Self.code(error) == "opening_busy" {
                                try await Task.sleep(for: .milliseconds(5))
                            } catch {
                                refusals.append(Self.code(error))
                                k += 1
                            }
                        }
                        return (false, refusals)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // validate
            #expect(outcomes.filter(\.0).count == 5, "\(engineName)")
            let codes = Set(outcomes.flatMap(\.1))
            #expect(codes.isSubset(of: ["opening_unit_taken"]), "\(engineName): \(codes)")
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM opening_units WHERE event_id = \(bind: s.event.id) AND status = 'taken'") == 5)
            #expect(try await Self.count(app, "SELECT COUNT(DISTINCT unit_id) AS n FROM subscriptions WHERE project_id = \(bind: s.project)") == 5)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM subscriptions WHERE project_id = \(bind: s.project)") == 5)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM opening_registrations WHERE event_id = \(bind: s.event.id) AND picks > 1") == 0)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM opening_selections WHERE event_id = \(bind: s.event.id) AND status = 'confirmed'") == 5)
            let statuses = try await app.services.inventory(app.db).allUnits(s.project).map(\.status)
            #expect(statuses.allSatisfy { $0 == .subscribed })
            // The chain holds and replays to the units' statuses.
            let verdict = try await OpeningLog.verify(s.event.id, sql: app.db.sql)
            #expect(verdict.ok, "\(verdict)")
            #expect(verdict.lines > 200)
        }
    }

    /// The event's units leave ordinary sale from their release to the event (开盘保留) until a buyer
    /// takes them or the event closes: a consultant's 认购 meanwhile is refused, not the buyer's confirmation.
    @Test func theEventsUnitsAreWithheldFromOrdinarySaleUntilItCloses() async throws {
        try await withTestApp { app, clock in
            // setup
            let s = try await Self.setup(app, clock, floors: 2, buyers: 2)
            let f = Fixtures(app: app)
            try await f.user("kp_sales", roles: [(.consultant, s.project)])
            let consultant = try await f.token("kp_sales")
            let inventory = app.services.inventory(app.db)
            #expect(try await inventory.allUnits(s.project).map(\.status) == Array(repeating: .withheld, count: 4))
            let created = try await app.call(.POST, "/api/v1/customers", headers: .bearer(consultant),
                                             json: ["projectId": .s(s.project.uuidString), "name": "柜台客", "mobile": "13688880000"] as J)
            let customer = try created.decode(Schemas.Customer.self).id
            func subscribe(_ unit: UnitRow) async throws -> TestingHTTPResponse {
                try await app.call(.POST, "/api/v1/subscriptions", headers: .bearer(consultant), json: [
                    "projectId": .s(s.project.uuidString), "unitId": .s(unit.id.uuidString),
                    "buyers": .a([["customerId": .s(customer), "share": "100"] as J]), "ruleIds": [],
                    "paymentMethod": "full", "deposit": "50000", "contractDeadline": .s(CalendarDay(clock.now).adding(days: 7).description),
                ] as J)
            }

            // MUT: the counter tries a unit of the open event; a buyer takes another.
            let counter = try await subscribe(s.units[0])
            let r = s.registrations[0]
            let held = try await s.service.choose(event: s.event.id, registration: r.id, unit: s.units[1].id, key: "buyer-click-1", context: Self.buyer(r))
            let done = try await s.service.confirm(event: s.event.id, registration: r.id, selection: held.id, context: Self.buyer(r))

            // validate: refused with the unit's status; the buyer's confirmation subscribed its unit.
            #expect(counter.status == .conflict, "\(counter.body.string)")
            #expect(counter.body.string.contains("unit_status_conflict") && counter.body.string.contains("「销控」"), "\(counter.body.string)")
            #expect(done.status == "confirmed" && done.subscriptionNumber != nil)
            #expect(try await inventory.unit(s.units[1].id, in: s.project).status == .subscribed)
            #expect(try await inventory.unit(s.units[0].id, in: s.project).status == .withheld)

            // MUT: the event closes.
            let context = AuditContext(actorID: s.staff, actorName: "KP", requestID: nil, ip: nil)
            _ = try await s.service.act(.close, event: s.event.id, context: context)

            // validate: the unsold units are back on sale, the sold one stays sold, each move in the unit's history.
            #expect(try await inventory.allUnits(s.project).sorted { $0.code < $1.code }.map(\.status).filter { $0 == .available }.count == 3)
            #expect(try await inventory.unit(s.units[1].id, in: s.project).status == .subscribed)
            let history = try await inventory.history(s.units[0].id, in: s.project).map(\.move)
            #expect(history.contains("withhold") && history.contains("unwithhold"), "\(history)")
            let after = try await subscribe(s.units[0])
            #expect(after.status == .created, "\(after.body.string)")
        }
    }

    /// The clock the background job runs: open at the start, a hold past its minute lapses at once
    /// (viewers see the unit open again), close at the end (after an extension, at the new end).
    @Test func theEventOpensLapsesHoldsAndClosesOnItsClock() async throws {
        try await withTestApp { app, clock in
            // setup: scheduled, starting in an hour, ending an hour later.
            let s = try await Self.setup(app, clock, floors: 2, buyers: 2, open: false)
            let svc = s.service
            #expect(try await svc.tick() == .init(), "nothing is due before the start")
            // MUT: the start.
            clock.advance(3600)
            let opened = try await svc.tick()
            // validate
            #expect(opened == .init(opened: 1))
            #expect(try await svc.event(s.event.id).state == .open)
            // MUT: a buyer holds a unit and lets its minute pass.
            let r = s.registrations[0]
            _ = try await svc.choose(event: s.event.id, registration: r.id, unit: s.units[0].id, key: "slow-buyer-1", context: Self.buyer(r))
            clock.advance(30)
            #expect(try await svc.tick() == .init(), "the hold still has its time")
            clock.advance(31)
            #expect(try await svc.tick() == .init(), "past its minute, the grace a late confirmation gets")
            clock.advance(SelectionLimits.confirmGrace)
            let lapsed = try await svc.tick()
            // validate: the unit is open again and the buyer has the pick back.
            #expect(lapsed == .init(lapsed: 1))
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM opening_units WHERE event_id = \(bind: s.event.id) AND status = 'open'") == 4)
            #expect(try await svc.registration(r.id).picks == 0)
            // MUT: staff extend by 30 minutes; the old end passes, then the new one.
            let context = AuditContext(actorID: s.staff, actorName: "KP", requestID: nil, ip: nil)
            _ = try await svc.act(.extend, event: s.event.id, extendMinutes: 30, context: context)
            clock.advance(3600)
            #expect(try await svc.tick() == .init(), "extended: not yet")
            clock.advance(30 * 60)
            let closed = try await svc.tick()
            // validate: closed by the clock, its units back on sale, the chain intact.
            #expect(closed == .init(closed: 1))
            #expect(try await svc.event(s.event.id).state == .closed)
            #expect(try await app.services.inventory(app.db).allUnits(s.project).allSatisfy { $0.status == .available })
            #expect(try await OpeningLog.verify(s.event.id, sql: app.db.sql).ok)
            #expect(try await svc.tick() == .init(), "a closed event is left alone")
        }
    }

    /// Per buyer five selections at once, then one a second; per address sixty, then ten a second.
    /// Over the limit is a 429 that costs no transaction and no line of the chain.
    @Test func selectionsOverTheLimitsAre429AndCostNothing() async throws {
        try await withTestApp { app, clock in
            // setup: 70 buyers behind one address (a mobile network's NAT), 8 units.
            let s = try await Self.setup(app, clock, floors: 4, buyers: 70)
            let svc = s.service
            let linesBefore = try await OpeningLog.lines(s.event.id, sql: app.db.sql).count
            let eager = s.registrations[0]
            // MUT: one buyer taps seven times in the same instant (each a new click, for taken units).
            try await app.db.sql.raw("UPDATE opening_units SET status = 'taken' WHERE event_id = \(bind: s.event.id) AND unit_id <> \(bind: s.units[7].id)").run()
            var codes: [String] = []
            for k in 0..<7 {
                do { _ = try await svc.choose(event: s.event.id, registration: eager.id, unit: s.units[k].id, key: "tap-\(k)-key", context: Self.buyer(eager)) }
                catch { codes.append(Self.code(error)) }
            }
            // validate: five answered (taken), two limited without a line in the chain.
            #expect(codes == Array(repeating: "opening_unit_taken", count: 5) + ["opening_rate_limited", "opening_rate_limited"])
            #expect(try await OpeningLog.lines(s.event.id, sql: app.db.sql).count == linesBefore + 5)
            var limited: Problem?
            do { _ = try await svc.choose(event: s.event.id, registration: eager.id, unit: s.units[7].id, key: "tap-7-key", context: Self.buyer(eager)) }
            catch let p as Problem { limited = p }
            #expect(limited?.status == .tooManyRequests && limited?.headers.first(name: "Retry-After") == "1")
            // A second later the buyer may select again, and takes the open unit.
            clock.advance(1)
            let held = try await svc.choose(event: s.event.id, registration: eager.id, unit: s.units[7].id, key: "tap-8-key", context: Self.buyer(eager))
            #expect(held.status == "held")

            // MUT: 66 other buyers behind one address select once each in the same instant.
            var answers: [String] = []
            for r in s.registrations.dropFirst().prefix(66) {
                do { _ = try await svc.choose(event: s.event.id, registration: r.id, unit: s.units[0].id, key: "nat-\(r.number)-key", context: Self.buyer(r, ip: "100.64.0.9")) }
                catch { answers.append(Self.code(error)) }
            }
            // validate: sixty answered, the rest limited; another address is unaffected.
            #expect(answers.filter { $0 == "opening_unit_taken" }.count == 60)
            #expect(answers.filter { $0 == "opening_rate_limited" }.count == 6)
            let other = s.registrations[69]
            do { _ = try await svc.choose(event: s.event.id, registration: other.id, unit: s.units[0].id, key: "elsewhere-key", context: Self.buyer(other)) }
            catch { #expect(Self.code(error) == "opening_unit_taken") }
        }
    }

    @Test func aDoubleClickAndARetryTakeOneUnit() async throws {
        try await withTestApp { app, clock in
            let s = try await Self.setup(app, clock, floors: 2, buyers: 3)
            let svc = s.service
            let r = s.registrations[0]
            // MUT: the same click twice at once, then a retry of it.
            let twins = try await withThrowingTaskGroup(of: OpeningService.Selection.self) { group in
                for _ in 0..<2 {
                    group.addTask { try await svc.choose(event: s.event.id, registration: r.id, unit: s.units[0].id, key: "same-click-1", context: Self.buyer(r)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let retry = try await svc.choose(event: s.event.id, registration: r.id, unit: s.units[0].id, key: "same-click-1", context: Self.buyer(r))
            // validate: one selection, one pick
            #expect(Set(twins.map(\.id)).count == 1)
            #expect(retry.id == twins[0].id && retry.replayed)
            #expect(try await svc.registration(r.id).picks == 1)
            // A second unit with another key is over the quota of one.
            await #expect(throws: Problem.self) {
                _ = try await svc.choose(event: s.event.id, registration: r.id, unit: s.units[1].id, key: "other-click-2", context: Self.buyer(r))
            }
            // Confirming twice answers the same confirmation and one subscription.
            let a = try await svc.confirm(event: s.event.id, registration: r.id, selection: retry.id, context: Self.buyer(r))
            let b = try await svc.confirm(event: s.event.id, registration: r.id, selection: retry.id, context: Self.buyer(r))
            #expect(a.subscriptionNumber != nil && a.subscriptionNumber == b.subscriptionNumber)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM subscriptions WHERE unit_id = \(bind: s.units[0].id)") == 1)
            // The event's terms: the list total, the event's deposit; and an SMS with the log's hash.
            let sale = try await app.services.sales(app.db).subscription(a.subscriptionId!)
            #expect(sale.finalTotalFen == s.units[0].listTotal.fen)
            #expect(sale.depositFen == Money(yuan: 50_000).fen)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM outbox_messages WHERE template = 'opening.confirmed'") == 1)
        }
    }

    @Test func pauseStopsSelectionsMidRace() async throws {
        try await withTestApp { app, clock in
            let s = try await Self.setup(app, clock, floors: 10, buyers: 40)
            let svc = s.service
            let context = AuditContext(actorID: s.staff, actorName: "KP", requestID: nil, ip: nil)
            // MUT: 40 buyers choose while staff pause.
            let results = try await withThrowingTaskGroup(of: String.self) { group in
                for (i, r) in s.registrations.enumerated() {
                    group.addTask {
                        do {
                            _ = try await svc.choose(event: s.event.id, registration: r.id, unit: s.units[i % 20].id, key: "race-\(i)-key", context: Self.buyer(r))
                            return "held"
                        } catch { return Self.code(error) }
                    }
                }
                group.addTask { _ = try await svc.act(.pause, event: s.event.id, context: context); return "paused" }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // validate: after the pause line nothing was chosen; afterwards every choice is refused.
            let lines = try await OpeningLog.lines(s.event.id, sql: app.db.sql)
            let pauseSeq = try #require(lines.first { $0.line.split(separator: "|")[2] == "pause" }?.seq)
            #expect(!lines.contains { $0.seq > pauseSeq && $0.line.split(separator: "|")[2] == "choose" })
            #expect(lines.filter { $0.line.split(separator: "|")[2] == "choose" }.count == results.filter { $0 == "held" }.count)
            #expect(Set(results).isSubset(of: ["held", "paused", "opening_paused", "opening_unit_taken"]), "\(results)")
            let late = s.registrations.last!
            do {
                _ = try await svc.choose(event: s.event.id, registration: late.id, unit: s.units[19].id, key: "late-click", context: Self.buyer(late))
                Issue.record("a selection while paused")
            } catch { #expect(Self.code(error) == "opening_paused") }
            _ = try await svc.act(.resume, event: s.event.id, context: context)
            #expect(try await OpeningLog.verify(s.event.id, sql: app.db.sql).ok)
        }
    }

    @Test func refusalsHaveTheirReasonAndAreLogged() async throws {
        try await withTestApp { app, clock in
            // Two batches of 2: the second opens 30 minutes after the first.
            let s = try await Self.setup(app, clock, floors: 2, buyers: 4, batchSize: 2)
            let svc = s.service
            let first = s.registrations.first { $0.rank == 1 }!, third = s.registrations.first { $0.rank == 3 }!
            func attempt(_ r: OpeningService.Registration, _ unit: UUID, _ key: String) async -> String {
                do { _ = try await svc.choose(event: s.event.id, registration: r.id, unit: unit, key: key, context: Self.buyer(r)); return "ok" }
                catch { return Self.code(error) }
            }
            #expect(await attempt(third, s.units[0].id, "early-key-1") == "outside_window")
            #expect(await attempt(first, UUID(), "nowhere-key-1") == "unit_not_in_opening")
            clock.advance(30 * 60)
            #expect(await attempt(first, s.units[0].id, "first-key-1") == "ok")
            #expect(await attempt(first, s.units[1].id, "first-key-2") == "quota_reached")
            #expect(await attempt(third, s.units[0].id, "third-key-1") == "opening_unit_taken")
            // The hold lapses 60 s (and the grace) on: the unit is free again and the late confirmation is refused.
            clock.advance(61 + SelectionLimits.confirmGrace)
            let held = try await svc.choose(event: s.event.id, registration: third.id, unit: s.units[0].id, key: "third-key-2", context: Self.buyer(third))
            #expect(held.status == "held")
            let lapsed = try await svc.selections(registration: first.id)[0]
            do { _ = try await svc.confirm(event: s.event.id, registration: first.id, selection: lapsed.id, context: Self.buyer(first)); Issue.record("confirmed a lapsed hold") }
            catch { #expect(Self.code(error) == "hold_expired") }
            #expect(try await svc.registration(first.id).picks == 0)
            let kinds = try await OpeningLog.lines(s.event.id, sql: app.db.sql).map { String($0.line.split(separator: "|")[2]) }
            #expect(kinds.filter { $0 == "refuse" }.count == 5)
            #expect(kinds.contains("release"))
            #expect(try await OpeningLog.verify(s.event.id, sql: app.db.sql).ok)
        }
    }

    /// A rush of refusals: each is a line of the chain, committed before its buyer hears it, but refusals arriving
    /// together share a transaction (group commit) instead of each taking the event row's lock in turn.
    @Test func refusalsInARushAreEachALineAndShareTransactions() async throws {
        try await withTestApp { app, clock in
            // setup: one unit, held by the first buyer; forty others go for it in the same instant.
            let s = try await Self.setup(app, clock, floors: 1, rooms: 1, buyers: 41)
            let svc = s.service
            let winner = s.registrations[0]
            _ = try await svc.choose(event: s.event.id, registration: winner.id, unit: s.units[0].id, key: "rush-winner-1", context: Self.buyer(winner))
            let linesBefore = try await OpeningLog.lines(s.event.id, sql: app.db.sql).count
            let batchesBefore = app.services.openingRefusals.batches
            // MUT
            let codes = try await withThrowingTaskGroup(of: String.self) { group in
                for r in s.registrations.dropFirst() {
                    group.addTask {
                        do { _ = try await svc.choose(event: s.event.id, registration: r.id, unit: s.units[0].id, key: "rush-\(r.number)-key", context: Self.buyer(r)); return "held" }
                        catch { return Self.code(error) }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // validate: forty refusals, forty lines naming their buyers, the chain intact, fewer transactions than lines.
            #expect(codes == Array(repeating: "opening_unit_taken", count: 40))
            let lines = try await OpeningLog.lines(s.event.id, sql: app.db.sql).dropFirst(linesBefore)
            #expect(lines.count == 40)
            let buyers = Set(lines.map { $0.line.split(separator: "|").map(String.init) }.filter { $0[2] == "refuse" }.map { $0[3] })
            #expect(buyers == Set(s.registrations.dropFirst().map(\.number)))
            #expect(try await OpeningLog.verify(s.event.id, sql: app.db.sql).ok)
            let batches = app.services.openingRefusals.batches - batchesBefore
            #expect(batches >= 1 && batches < 40, "\(batches) transactions for 40 refusals")
        }
    }

    /// Past the process's in-flight limit a selection is turned away at once (503, Retry-After) and writes nothing;
    /// a confirmation is never turned away.
    @Test func pastTheInFlightLimitASelectionIsTurnedAwayAndAConfirmationIsNot() async throws {
        try await withTestApp { app, clock in
            // setup: the first buyer holds a unit; the server is full.
            let s = try await Self.setup(app, clock, floors: 1, buyers: 2)
            var svc = s.service
            let (a, b) = (s.registrations[0], s.registrations[1])
            let held = try await svc.choose(event: s.event.id, registration: a.id, unit: s.units[0].id, key: "busy-a-key", context: Self.buyer(a))
            let linesBefore = try await OpeningLog.lines(s.event.id, sql: app.db.sql).count
            svc.gate = SelectionGate(limit: 0)
            // MUT
            // More taps than the buyer's burst (5): each is turned away busy and none is held against them.
            for _ in 0..<7 {
                var turned: Problem?
                do { _ = try await svc.choose(event: s.event.id, registration: b.id, unit: s.units[1].id, key: "busy-b-key", context: Self.buyer(b)) }
                catch let p as Problem { turned = p }
                #expect(turned?.status == .serviceUnavailable && turned?.code == "opening_busy" && turned?.headers.first(name: "Retry-After") == "1")
            }
            // validate: 503 with its wait, nothing written; the confirmation goes through.
            #expect(try await OpeningLog.lines(s.event.id, sql: app.db.sql).count == linesBefore)
            #expect(try await svc.registration(b.id).picks == 0)
            #expect(try await svc.selections(registration: b.id).isEmpty)
            #expect(try await svc.confirm(event: s.event.id, registration: a.id, selection: held.id, context: Self.buyer(a)).status == "confirmed")
            #expect(svc.gate.inFlight == 0)
            // With room again the same tap (same key) holds the unit.
            svc.gate = SelectionGate()
            #expect(try await svc.choose(event: s.event.id, registration: b.id, unit: s.units[1].id, key: "busy-b-key", context: Self.buyer(b)).status == "held")
        }
    }

    /// A hold is its buyer's for the minute from when it exists, and others cannot lapse it for a grace after that:
    /// a confirmation that arrived in time and waited for the database still takes the unit.
    @Test func aHoldKeepsItsMinuteAndALateQueuedConfirmationStillWins() async throws {
        try await withTestApp { app, clock in
            // setup: 4 units, three buyers.
            let s = try await Self.setup(app, clock, floors: 2, buyers: 3)
            let svc = s.service
            let (a, b, c) = (s.registrations[0], s.registrations[1], s.registrations[2])
            let minute = TimeInterval(s.event.confirmSeconds)
            // MUT 1: past the minute, within the grace.
            let held = try await svc.choose(event: s.event.id, registration: a.id, unit: s.units[0].id, key: "grace-a-key1", context: Self.buyer(a))
            #expect(held.heldUntil == clock.now.addingTimeInterval(minute))
            clock.advance(minute + 5)
            // validate: another buyer is refused and the clock lapses nothing; the buyer's own late confirmation is refused.
            do { _ = try await svc.choose(event: s.event.id, registration: b.id, unit: s.units[0].id, key: "grace-b-key1", context: Self.buyer(b)); Issue.record("took a hold in its grace") }
            catch { #expect(Self.code(error) == "opening_unit_taken") }
            #expect(try await svc.tick() == .init())
            do { _ = try await svc.confirm(event: s.event.id, registration: a.id, selection: held.id, context: Self.buyer(a)); Issue.record("confirmed after the minute") }
            catch { #expect(Self.code(error) == "hold_expired") }
            // MUT 2: the buyer moves on at once (their own hold lapses, the pick comes back); then the other takes the unit.
            #expect(try await svc.choose(event: s.event.id, registration: a.id, unit: s.units[1].id, key: "grace-a-key2", context: Self.buyer(a)).status == "held")
            #expect(try await svc.choose(event: s.event.id, registration: b.id, unit: s.units[0].id, key: "grace-b-key2", context: Self.buyer(b)).status == "held")

            // MUT 3: c holds a unit and confirms 59 s on, while another writer keeps the database busy; the wait runs
            // past the minute into the grace.
            let third = try await svc.choose(event: s.event.id, registration: c.id, unit: s.units[2].id, key: "grace-c-key1", context: Self.buyer(c))
            clock.advance(minute - 1)
            let (release, released) = AsyncStream<Void>.makeStream()
            let store = app.services.store(app.db)
            let blocker = Task {
                try await store.write { tx in
                    if app.services.engine == .postgres {
                        try await tx.sql.raw("SELECT id FROM opening_selections WHERE id = \(bind: third.id) FOR UPDATE").run()
                    }
                    for await _ in release { break }
                }
            }
            let confirming = Task { try await svc.confirm(event: s.event.id, registration: c.id, selection: third.id, context: Self.buyer(c)) }
            // Wait until the confirmation is queued behind the writer (SQLite: the write gate; PostgreSQL: the row lock).
            for _ in 0..<500 {
                let queued = app.services.engine == .postgres
                    ? try await Self.count(app, "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()") > 0
                    : app.services.writeGate.waiting > 0
                if queued { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            clock.advance(SelectionLimits.confirmGrace / 2)
            let ticking = Task { try await svc.tick() }
            released.yield(); released.finish()
            try await blocker.value
            #expect(try await ticking.value == .init(), "the clock lapses nothing in the grace")
            // validate: confirmed and subscribed.
            let done = try await confirming.value
            #expect(done.status == "confirmed" && done.subscriptionNumber != nil)
            #expect(try await OpeningLog.verify(s.event.id, sql: app.db.sql).ok)
        }
    }

    /// The minute starts when the hold exists: time a selection waited for the database is not taken from it
    /// (SQLite's one writer; on PostgreSQL the transaction's start is the same instant as its arrival).
    @Test func aSelectionThatWaitedForTheDatabaseStillGetsItsWholeMinute() async throws {
        guard engineName == "sqlite" else { return }
        try await withTestApp { app, clock in
            let s = try await Self.setup(app, clock, floors: 1, buyers: 1)
            let svc = s.service
            let r = s.registrations[0]
            let (release, released) = AsyncStream<Void>.makeStream()
            let store = app.services.store(app.db)
            let blocker = Task { try await store.write { _ in for await _ in release { break } } }
            // MUT: the selection arrives while the database is busy for 20 s.
            let choosing = Task { try await svc.choose(event: s.event.id, registration: r.id, unit: s.units[0].id, key: "queued-key-1", context: Self.buyer(r)) }
            for _ in 0..<500 where app.services.writeGate.waiting == 0 { try await Task.sleep(for: .milliseconds(10)) }
            clock.advance(20)
            released.yield(); released.finish()
            try await blocker.value
            let held = try await choosing.value
            // validate
            #expect(held.heldUntil == clock.now.addingTimeInterval(TimeInterval(s.event.confirmSeconds)))
        }
    }

    @Test func verifyFindsAModifiedOrDeletedLine() async throws {
        try await withTestApp { app, clock in
            let s = try await Self.setup(app, clock, floors: 2, buyers: 3)
            let svc = s.service
            for (i, r) in s.registrations.enumerated() {
                let held = try await svc.choose(event: s.event.id, registration: r.id, unit: s.units[i].id, key: "verify-\(i)-key", context: Self.buyer(r))
                _ = try await svc.confirm(event: s.event.id, registration: r.id, selection: held.id, context: Self.buyer(r))
            }
            #expect(try await OpeningLog.verify(s.event.id, sql: app.db.sql).ok)
            // MUT: someone edits a line (another unit) …
            let lines = try await OpeningLog.lines(s.event.id, sql: app.db.sql)
            let confirm = try #require(lines.last { $0.line.contains("|confirm|") })
            let forged = confirm.line.replacingOccurrences(of: s.units[2].id.uuidString, with: s.units[3].id.uuidString)
            try await app.db.sql.raw("UPDATE opening_log SET line = \(bind: forged) WHERE event_id = \(bind: s.event.id) AND seq = \(bind: confirm.seq)").run()
            let modified = try await OpeningLog.verify(s.event.id, sql: app.db.sql)
            #expect(modified.brokenAt == confirm.seq)
            #expect(!modified.mismatchedUnits.isEmpty)
            // … or deletes one.
            try await app.db.sql.raw("UPDATE opening_log SET line = \(bind: confirm.line) WHERE event_id = \(bind: s.event.id) AND seq = \(bind: confirm.seq)").run()
            #expect(try await OpeningLog.verify(s.event.id, sql: app.db.sql).ok)
            try await app.db.sql.raw("DELETE FROM opening_log WHERE event_id = \(bind: s.event.id) AND seq = 3").run()
            let deleted = try await OpeningLog.verify(s.event.id, sql: app.db.sql)
            #expect(deleted.brokenAt == 3)
            #expect(!deleted.ok)
        }
    }

    @Test func aRehearsalRunsOnACopyAndIsWiped() async throws {
        try await withTestApp { app, clock in
            let s = try await Self.setup(app, clock, floors: 2, buyers: 3, open: false)
            let svc = s.service
            let context = AuditContext(actorID: s.staff, actorName: "KP", requestID: nil, ip: nil)
            // The event is scheduled; a rehearsal comes from draft. Make a second event in draft.
            _ = try await svc.act(.close, event: s.event.id, context: context)
            var e = try await svc.create(.init(name: "二批", orderKind: .registration, deposit: Money(yuan: 20_000),
                                               startsAt: clock.now.addingTimeInterval(86_400), endsAt: clock.now.addingTimeInterval(90_000)),
                                         in: s.project, context: context)
            _ = try await svc.addUnits([s.units[0].id, s.units[1].id], event: e.id, context: context)
            for i in 10..<12 {
                _ = try await svc.register(.init(name: "演练\(i)", mobile: Self.mobile(i), idNumber: Self.residentID(i), sincerity: Money(yuan: 10_000), eligible: true),
                                           event: e.id, key: "rehearse-\(i)-key", actor: s.staff, context: context)
            }
            e = try await svc.draw(event: e.id, context: context)
            #expect(try await svc.order(e.id).map(\.id) == svc.registrations(e.id).map(\.number).sorted())
            _ = try await svc.planBatches(event: e.id, size: 10, minutes: 30, gapMinutes: 0, context: context)
            // MUT
            e = try await svc.act(.rehearse, event: e.id, context: context)
            let copy = try #require(try await svc.rehearsal(of: e.id))
            #expect(copy.state == .open)
            let r = try #require(try await svc.registrations(copy.id).first)
            let held = try await svc.choose(event: copy.id, registration: r.id, unit: s.units[0].id, key: "rehearse-click", context: Self.buyer(r))
            let done = try await svc.confirm(event: copy.id, registration: r.id, selection: held.id, context: Self.buyer(r))
            // validate: taken in the copy, no sale, the unit still withheld for the real event; the copy is gone after.
            #expect(done.status == "confirmed" && done.subscriptionId == nil)
            #expect(try await app.services.inventory(app.db).unit(s.units[0].id, in: s.project).status == .withheld)
            e = try await svc.act(.endRehearsal, event: e.id, context: context)
            #expect(e.state == .draft && e.rehearsedAt != nil)
            #expect(try await svc.rehearsal(of: e.id) == nil)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM opening_selections WHERE event_id = \(bind: copy.id)") == 0)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM opening_registrations WHERE event_id = \(bind: copy.id)") == 0)
        }
    }

    @Test func registrationChecksTheIDAndItsReceiptIsIdempotent() async throws {
        try await withTestApp { app, clock in
            // setup
            let f = Fixtures(app: app)
            let project = try await f.project("RC")
            let staff = try await f.user("rc_manager", roles: [(.salesManager, project)])
            let context = AuditContext(actorID: staff, actorName: "RC", requestID: nil, ip: nil)
            let svc = app.services.openings(app.db)
            let e = try await svc.create(.init(name: "认筹", orderKind: .lottery, seed: "block 19000000", deposit: Money(yuan: 50_000),
                                               startsAt: clock.now.addingTimeInterval(86_400), endsAt: clock.now.addingTimeInterval(90_000)),
                                         in: project, context: context)
            let good = Self.residentID(1)
            let bad = String(good.dropLast()) + (good.last == "1" ? "2" : "1")
            // MUT + validate: a wrong check digit is refused and writes nothing
            do {
                _ = try await svc.register(.init(name: "王五", mobile: Self.mobile(1), idNumber: bad, sincerity: Money(yuan: 20_000)),
                                           event: e.id, key: "receipt-key-1", actor: staff, context: context)
                Issue.record("a bad ID was accepted")
            } catch let p as Problem { #expect(p.fields.map(\.code) == ["id_check_digit"]) }
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM customers") == 0)
            let draft = OpeningService.RegistrationDraft(name: "王五", mobile: Self.mobile(1), idNumber: Self.residentID(1), sincerity: Money(yuan: 20_000))
            let (a, replayedA) = try await svc.register(draft, event: e.id, key: "receipt-key-1", actor: staff, context: context)
            let (b, replayedB) = try await svc.register(draft, event: e.id, key: "receipt-key-1", actor: staff, context: context)
            #expect(!replayedA && replayedB && a.id == b.id && a.receiptNumber == b.receiptNumber)
            #expect(a.number == "RC000001" && a.receiptNumber == "CY000001")
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM opening_registrations") == 1)
            // The ID is sealed on the customer (Customers' sealing), masked in lists.
            let listed = try await svc.registrations(e.id)
            #expect(listed[0].idMasked?.contains("*") == true)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM customers WHERE id_sealed LIKE \(bind: "%" + Self.residentID(1) + "%")") == 0)
            // The same key with another request, or the same mobile again, is refused.
            var other = draft; other.sincerity = Money(yuan: 30_000)
            await #expect(throws: Problem.self) { _ = try await svc.register(other, event: e.id, key: "receipt-key-1", actor: staff, context: context) }
            do { _ = try await svc.register(draft, event: e.id, key: "receipt-key-2", actor: staff, context: context); Issue.record("twice") }
            catch { #expect(Self.code(error) == "registration_exists") }
            let eligible = try await svc.setEligibility(a.id, event: e.id, eligible: true, note: "社保满24个月", context: context)
            #expect(eligible.eligible)

            // Import all or nothing: a bad ID and a repeated mobile are named, nothing is written.
            func sheet(_ rows: [[String]]) throws -> Data {
                try XLSXWriter.data([Sheet(name: "认筹", columns: ["姓名", "手机号", "证件号码", "诚意金", "购房资格"].map { SheetColumn($0) },
                                           rows: rows.map { $0.map { .text($0) } })])
            }
            let broken = try sheet([["赵一", Self.mobile(2), Self.residentID(2), "20000", "是"],
                                    ["钱二", Self.mobile(3), bad, "20000", "是"],
                                    ["孙三", Self.mobile(2), Self.residentID(4), "20000", "否"]])
            do { _ = try await svc.importRegistrations(broken, event: e.id, parsing: app.services.imports.threadPool, context: context); Issue.record("imported") }
            catch let p as Problem {
                #expect(p.code == "import_failed")
                #expect(p.rows.map(\.row) == [3, 4])
                #expect(p.rows.map(\.code) == ["id_check_digit", "import_duplicate_mobile"])
            }
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM opening_registrations") == 1)
            // A mobile of a customer on record with another ID is a bad row found before anything is
            // written: the new buyer on the row above it is not created either.
            _ = try await app.services.customers(app.db).create(.init(name: "吴六", mobile: Self.mobile(6), idKind: .residentID, idNumber: Self.residentID(6),
                                                                      source: "来访"), in: project, owner: nil, context: context)
            let customersBefore = try await Self.count(app, "SELECT COUNT(*) AS n FROM customers")
            let mismatch = try sheet([["周五", Self.mobile(5), Self.residentID(5), "20000", "是"],
                                      ["吴六", Self.mobile(6), Self.residentID(7), "20000", "是"]])
            do { _ = try await svc.importRegistrations(mismatch, event: e.id, parsing: app.services.imports.threadPool, context: context); Issue.record("imported") }
            catch let p as Problem {
                #expect(p.rows.map(\.row) == [3])
                #expect(p.rows.map(\.code) == ["registration_identity_mismatch"])
            }
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM customers") == customersBefore)
            let fixed = try sheet([["赵一", Self.mobile(2), Self.residentID(2), "20000", "是"],
                                  ["钱二", Self.mobile(3), Self.residentID(3), "20000", "是"],
                                  ["孙三", Self.mobile(4), Self.residentID(4), "20000", "否"]])
            #expect(try await svc.importRegistrations(fixed, event: e.id, parsing: app.services.imports.threadPool, context: context) == 3)
            #expect(try await svc.registrations(e.id).map(\.number) == ["RC000001", "RC000002", "RC000003", "RC000004"])
            // The lottery: the order the published list recomputes.
            let drawn = try await svc.draw(event: e.id, context: context)
            let order = LotteryOrder.lottery(seed: "block 19000000", ids: ["RC000001", "RC000002", "RC000003", "RC000004"])
            #expect(try await svc.order(e.id) == order)
            #expect(drawn.orderHash == LotteryOrder.listHash(order))
        }
    }
}
