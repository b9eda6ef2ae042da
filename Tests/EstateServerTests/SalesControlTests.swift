import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@Suite("销控: status moves, concurrency, reservations")
struct SalesControlTests {
    @Test func fiftySimultaneousReservationsOfOneUnitHaveExactlyOneWinner() async throws {
        try await withTestApp { app, clock in
            // setup
            let project = try await Fixtures(app: app).project("CC")
            let unit = try await Inventory(app: app).seed(project)[0]
            let control = app.services.salesControl(app.db)
            // MUT: 50 at once, each for a different customer
            let results = await withTaskGroup(of: String.self) { group in
                for i in 0..<50 {
                    group.addTask {
                        do {
                            _ = try await control.apply(.reserve, unit: unit.id, in: project, reason: "",
                                                        reservation: .init(customerName: "客户\(i)", customerMobile: "1380000\(String(format: "%04d", i))",
                                                                           expiresAt: clock.now + 3600),
                                                        context: .system("test-\(i)"))
                            return "won"
                        } catch let p as Problem {
                            return p.code
                        } catch {
                            return "other: \(error)"
                        }
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            // validate
            #expect(results.filter { $0 == "won" }.count == 1, "\(engineName): \(Set(results))")
            #expect(results.allSatisfy { $0 == "won" || $0 == "unit_status_conflict" || $0 == "unit_taken" }, "\(Set(results))")
            let claims = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM unit_claims WHERE unit_id = \(bind: unit.id)").first()!
                .decode(column: "n", as: Int.self)
            #expect(claims == 1)
            let events = try await app.services.inventory(app.db).history(unit.id, in: project)
            #expect(events.filter { $0.move == "reserve" }.count == 1)
            #expect(try await Fixtures(app: app).auditCount(action: "unit.reserve") == 1)
        }
    }

    @Test func fiftySimultaneousWithholdsOverHTTPHaveExactlyOneWinner() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            let project = try await f.project("CH")
            let unit = try await Inventory(app: app).seed(project)[0]
            try await f.user("manager", roles: [(.salesManager, project)])
            let token = try await f.token("manager")
            let statuses = await withTaskGroup(of: UInt.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        (try? await app.call(.POST, "/api/v1/projects/\(project)/units/\(unit.id)/moves", headers: .bearer(token),
                                             json: ["move": "withhold", "reason": "领导保留"]).status.code) ?? 0
                    }
                }
                return await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 1, "\(engineName): \(statuses)")
            #expect(statuses.filter { $0 == 409 }.count == 49)
            let now = try await app.services.inventory(app.db).unit(unit.id, in: project)
            #expect(now.status == .withheld)
        }
    }

    @Test func theDatabaseItselfRefusesASecondLiveClaim() async throws {
        try await withTestApp { app, clock in
            let project = try await Fixtures(app: app).project("DB")
            let unit = try await Inventory(app: app).seed(project)[0]
            let store = app.services.store(app.db)
            try await store.write { tx in
                _ = try await SalesControlService.insertClaim(kind: "reservation", unitID: unit.id, projectID: project, customerName: "甲",
                                                              mobile: "13800000001", note: "", expiresAt: nil, context: .system(), now: clock.now, on: tx)
            }
            // Bypassing the service: the partial unique index still says no.
            await #expect(throws: (any Error).self) {
                try await store.write { tx in
                    _ = try await SalesControlService.insertClaim(kind: "subscription", unitID: unit.id, projectID: project, customerName: "乙",
                                                                  mobile: "13800000002", note: "", expiresAt: nil, context: .system(), now: clock.now, on: tx)
                }
            }
            // An ended claim does not count.
            try await store.write { tx in
                _ = try await SalesControlService.endClaim(unitID: unit.id, kind: "reservation", reason: "test", now: clock.now, on: tx)
                _ = try await SalesControlService.insertClaim(kind: "subscription", unitID: unit.id, projectID: project, customerName: "乙",
                                                              mobile: "13800000002", note: "", expiresAt: nil, context: .system(), now: clock.now, on: tx)
            }
        }
    }

    @Test func movesFollowTheStatusMachineAndSayWhy() async throws {
        try await withTestApp { app, clock in
            let f = Fixtures(app: app)
            let project = try await f.project("MV")
            let units = try await Inventory(app: app).seed(project)
            try await f.user("manager", roles: [(.salesManager, project)])
            try await f.user("guwen", roles: [(.consultant, project)])
            let token = try await f.token("manager")
            let path = "/api/v1/projects/\(project)/units/\(units[0].id)/moves"
            // A hold needs a reason.
            var res = try await app.call(.POST, path, headers: .bearer(token), json: ["move": "withhold"])
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("reason_required"))
            // Releasing an available unit is not a move the domain has.
            res = try await app.call(.POST, path, headers: .bearer(token), json: ["move": "release"])
            #expect(res.status == .conflict)
            #expect(res.body.string.contains("unit_status_conflict"))
            res = try await app.call(.POST, path, headers: .bearer(token), json: ["move": "withhold", "reason": "样板间"])
            #expect(res.status == .ok)
            #expect(try res.decode(Schemas.Unit.self).status.rawValue == "withheld")
            res = try await app.call(.POST, path, headers: .bearer(token), json: ["move": "reserve", "customerName": "张三",
                                                                                  "customerMobile": "13812345678",
                                                                                  "expiresAt": (clock.now + 86_400).rfc3339])
            #expect(res.status == .conflict, "a withheld unit cannot be reserved")
            res = try await app.call(.POST, path, headers: .bearer(token), json: ["move": "unwithhold", "reason": "开放销售"])
            #expect(res.status == .ok)
            // A consultant may look but not control.
            let gw = try await f.token("guwen")
            res = try await app.call(.POST, path, headers: .bearer(gw), json: ["move": "withhold", "reason": "x"])
            #expect(res.status == .forbidden)
            // History, newest first, with the reasons.
            res = try await app.call(.GET, "/api/v1/projects/\(project)/units/\(units[0].id)/history", headers: .bearer(gw))
            #expect(res.status == .ok)
            let lines = try res.decode([Schemas.UnitHistoryLine].self)
            #expect(lines.map(\.move) == ["unwithhold", "withhold", "release"])
            #expect(lines[1].reason == "样板间" && lines[1].actor == "manager")
            #expect(try await f.auditCount(action: "unit.withhold") == 1)
        }
    }

    @Test func releaseIsAllOrNothing() async throws {
        try await withTestApp { app, _ in
            let project = try await Fixtures(app: app).project("RL")
            let units = try await Inventory(app: app).seed(project, release: false)
            let control = app.services.salesControl(app.db)
            _ = try await control.release([units[0].id], in: project, batchName: "第一批", context: .system())
            // units[0] is already available: the whole batch is refused, nothing else moves.
            await #expect(throws: Problem.self) {
                _ = try await control.release(units.map(\.id), in: project, batchName: "第二批", context: .system())
            }
            let after = try await app.services.inventory(app.db).allUnits(project)
            #expect(after.filter { $0.status == .available }.count == 1)
            let n = try await control.release(units.dropFirst().map(\.id), in: project, batchName: "第二批", context: .system())
            #expect(n == units.count - 1)
            #expect(try await app.services.inventory(app.db).allUnits(project).allSatisfy { $0.status == .available })
        }
    }

    @Test func lapsedReservationsReturnToSaleByTheClock() async throws {
        try await withTestApp { app, clock in
            let project = try await Fixtures(app: app).project("RS")
            let units = try await Inventory(app: app).seed(project)
            let control = app.services.salesControl(app.db)
            _ = try await control.apply(.reserve, unit: units[0].id, in: project, reason: "",
                                        reservation: .init(customerName: "李四", customerMobile: "13912345678", expiresAt: clock.now + 3600),
                                        context: .system())
            _ = try await control.apply(.reserve, unit: units[1].id, in: project, reason: "",
                                        reservation: .init(customerName: "王五", customerMobile: "13912345679", expiresAt: clock.now + 7200),
                                        context: .system())
            // An expiry in the past or beyond 30 days is refused.
            await #expect(throws: Problem.self) {
                _ = try await control.apply(.reserve, unit: units[2].id, in: project, reason: "",
                                            reservation: .init(customerName: "赵六", customerMobile: "13912345670", expiresAt: clock.now - 1),
                                            context: .system())
            }
            #expect(try await control.releaseLapsedReservations() == 0)
            clock.advance(3601)
            #expect(try await control.releaseLapsedReservations() == 1)
            let inv = app.services.inventory(app.db)
            #expect(try await inv.unit(units[0].id, in: project).status == .available)
            #expect(try await inv.unit(units[1].id, in: project).status == .reserved)
            #expect(try await control.liveClaim(units[0].id) == nil)
            #expect(try await control.liveClaim(units[1].id)?.customerName == "王五")
            #expect(try await inv.history(units[0].id, in: project).first?.reason == "expired")
            // Running again finds nothing more.
            #expect(try await control.releaseLapsedReservations() == 0)
        }
    }
}

@Suite struct ReservationJobTests {
    /// The job `serve` runs: started by the app's lifecycle, it releases lapsed reservations on its own.
    @Test func theBackgroundJobReleasesLapsedReservations() async throws {
        try await withTestApp(adjust: { $0.runsJobs = true; $0.jobInterval = 0.05 }) { app, clock in
            let project = try await Fixtures(app: app).project("JB")
            let unit = try await Inventory(app: app).seed(project, floors: 1, rooms: 1)[0]
            _ = try await app.services.salesControl(app.db).apply(.reserve, unit: unit.id, in: project, reason: "",
                                                                  reservation: .init(customerName: "周七", customerMobile: "13700001111",
                                                                                     expiresAt: clock.now + 60), context: .system())
            try await app.asyncBoot()
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await app.services.inventory(app.db).unit(unit.id, in: project).status == .reserved, "not yet lapsed")
            clock.advance(61)
            let deadline = ContinuousClock.now + .seconds(5)
            var status = UnitStatus.reserved
            while status == .reserved, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                status = try await app.services.inventory(app.db).unit(unit.id, in: project).status
            }
            #expect(status == .available)
            #expect(try await Fixtures(app: app).auditCount(action: "unit.unreserve") == 1)
        }
    }
}

@Suite struct UnitEditTests {
    @Test func areaEditsFollowTheListPriceBeforeReleaseAndAreRefusedAfter() async throws {
        try await withTestApp { app, _ in
            let project = try await Fixtures(app: app).project("ED")
            let units = try await Inventory(app: app).seed(project, floors: 1, rooms: 2, release: false)
            let inv = app.services.inventory(app.db)
            func draft(_ u: UnitRow, built: String, basis: String = "built_area") -> UnitDraft {
                UnitDraft(building: "1号楼", entrance: "1", floor: "\(u.floor)", room: u.room, code: u.code, layout: u.layout,
                          orientation: u.orientation, usage: u.usage, builtArea: built, innerArea: u.innerArea.description, pricingBasis: basis)
            }
            // Unreleased: the total follows the stored unit price, and the unit price is kept.
            let edited = try await inv.updateUnit(units[0].id, in: project, draft(units[0], built: "120.00"), context: .system())
            #expect(edited.listUnitPrice == units[0].listUnitPrice)
            #expect(edited.listTotal == UnitPricing.total(area: Area(hundredths: 12_000), unitPrice: units[0].listUnitPrice, rounding: .fen))
            // To per-unit pricing the total stays; back to area pricing, the price is what the total implies.
            let perUnit = try await inv.updateUnit(units[0].id, in: project, draft(edited, built: "120.00", basis: "per_unit"), context: .system())
            #expect(perUnit.listTotal == edited.listTotal && perUnit.basis == .perUnit)
            // Released: an area change that would move the price is refused, and nothing changes.
            _ = try await app.services.salesControl(app.db).release([units[1].id], in: project, batchName: "首开", context: .system())
            await #expect(throws: Problem.self) {
                _ = try await inv.updateUnit(units[1].id, in: project, draft(units[1], built: "95.00"), context: .system())
            }
            #expect(try await inv.unit(units[1].id, in: project).listTotal == units[1].listTotal)
            // A description edit on a released unit is fine.
            var d = draft(units[1], built: units[1].builtArea.description)
            d.orientation = "东南"
            #expect(try await inv.updateUnit(units[1].id, in: project, d, context: .system()).orientation == "东南")
        }
    }
}
