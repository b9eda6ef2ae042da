import EstateCore
@testable import EstateServer
import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
import SQLiteNIO

@Suite("The 销控 board and its live updates")
struct BoardTests {
    struct BoardBody: Decodable {
        struct Totals: Decodable {
            var units: Int, released: Int, sold: Int, sellThrough: String, soldAmount: String
            var byStatus: [String: StatusTotal]
        }
        struct StatusTotal: Decodable { var count: Int; var area: String; var amount: String }
        struct Cell: Decodable { var id: UUID; var code: String; var floor: Int; var status: String; var listTotal: String }
        struct Building: Decodable { var id: UUID; var name: String; var totals: Totals; var units: [Cell] }
        var totals: Totals
        var buildings: [Building]
    }

    @Test func theBoardShowsEveryUnitTopFloorFirstWithExactTotals() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            let project = try await f.project("BO")
            let units = try await Inventory(app: app).seed(project, floors: 3, rooms: 2)
            try await Inventory(app: app).seed(project, building: "2号楼", floors: 2, rooms: 2, release: false)
            try await f.user("viewer", roles: [(.channelStaff, project)])
            let token = try await f.token("viewer")
            let control = app.services.salesControl(app.db)
            _ = try await control.apply(.withhold, unit: units[0].id, in: project, reason: "样板间", context: .system())
            var res = try await app.call(.GET, "/api/v1/projects/\(project)/board", headers: .bearer(token))
            #expect(res.status == .ok)
            let board = try res.content.decode(BoardBody.self)
            #expect(board.buildings.map(\.name) == ["1号楼", "2号楼"])
            #expect(board.buildings[0].units.map(\.floor) == [3, 3, 2, 2, 1, 1])
            #expect(board.totals.units == 10 && board.totals.released == 6 && board.totals.sold == 0)
            #expect(board.totals.byStatus["withheld"]?.count == 1 && board.totals.byStatus["unreleased"]?.count == 4)
            #expect(board.totals.byStatus["withheld"]?.amount == units[0].listTotal.plain)
            #expect(board.totals.sellThrough == "0.0000")
            // Filters narrow cells and totals.
            res = try await app.call(.GET, "/api/v1/projects/\(project)/board?status=available&floorFrom=2", headers: .bearer(token))
            let filtered = try res.content.decode(BoardBody.self)
            #expect(filtered.totals.units == 4)
            #expect(filtered.buildings.flatMap(\.units).allSatisfy { $0.status == "available" && $0.floor >= 2 })
            res = try await app.call(.GET, "/api/v1/projects/\(project)/board?status=sold", headers: .bearer(token))
            #expect(res.status == .unprocessableEntity)
            res = try await app.call(.GET, "/api/v1/projects/\(UUID())/board", headers: .bearer(token))
            #expect(res.status == .notFound)
        }
    }

    @Test(arguments: 1...3) func theCachedBoardFollowsEveryChange(round: Int) async throws {
        try await withTestApp { app, _ in
            let project = try await Fixtures(app: app).project("BC")
            let units = try await Inventory(app: app).seed(project, floors: 2, rooms: 2)
            let hub = app.services.unitEvents
            _ = try await hub.boardJSON(project) // warm the cache
            let control = app.services.salesControl(app.db)
            _ = try await control.apply(.withhold, unit: units[1].id, in: project, reason: "保留", context: .system())
            // Read-your-writes: the very next read in this process shows it, on both engines.
            let board = try JSONDecoder().decode(BoardBody.self, from: Data(try await hub.boardJSON(project)))
            #expect(board.buildings[0].units.first { $0.id == units[1].id }?.status == "withheld")
            #expect(board.totals.byStatus["withheld"]?.count == 1)
        }
    }

    @Test func viewersHearOfAChangeWithTheChangedCells() async throws {
        try await withTestApp { app, _ in
            let project = try await Fixtures(app: app).project("LV")
            let units = try await Inventory(app: app).seed(project, floors: 1, rooms: 2)
            let (_, updates) = app.services.unitEvents.subscribe(projectID: project)
            let heard = Heard()
            let listener = Task { for await u in updates { if case .cells(_, let json) = u { heard.add(json) } } }
            defer { listener.cancel() }
            struct Cell: Decodable, Equatable { var id: UUID; var status: String }
            /// The seed's own changes may still be on their way: wait for the batch we expect.
            func wait(for expected: [Cell]) async throws {
                let deadline = ContinuousClock.now + .seconds(5)
                while ContinuousClock.now < deadline {
                    if heard.all.contains(where: { (try? JSONDecoder().decode([Cell].self, from: Data($0))) == expected }) { return }
                    try await Task.sleep(for: .milliseconds(10))
                }
                Issue.record("never heard \(expected)")
            }
            _ = try await app.services.salesControl(app.db).apply(.withhold, unit: units[0].id, in: project, reason: "x", context: .system())
            try await wait(for: [Cell(id: units[0].id, status: "withheld")])
            // A failed move announces nothing; the next one names only its own unit.
            _ = try? await app.services.salesControl(app.db).apply(.withhold, unit: units[0].id, in: project, reason: "x", context: .system())
            _ = try await app.services.salesControl(app.db).apply(.withhold, unit: units[1].id, in: project, reason: "y", context: .system())
            try await wait(for: [Cell(id: units[1].id, status: "withheld")])
            let withheld0 = heard.all.filter { (try? JSONDecoder().decode([Cell].self, from: Data($0))) == [Cell(id: units[0].id, status: "withheld")] }
            #expect(withheld0.count == 1, "the failed second withhold was not announced")
        }
    }

    /// Two server instances on one PostgreSQL database: a change made through one
    /// reaches the other's viewers and cache through LISTEN/NOTIFY.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DATABASE_URL"].map { !$0.isEmpty } ?? false))
    func aSecondServerHearsChangesThroughPostgres() async throws {
        try await withTestApp { app, clock in
            guard case .postgres(let url) = app.services.config.storage else { Issue.record("not on PostgreSQL"); return }
            let project = try await Fixtures(app: app).project("TW")
            let units = try await Inventory(app: app).seed(project, floors: 1, rooms: 2)
            let other = try await Application.make(.testing)
            var config = AppConfiguration.testing(databaseURL: url)
            config.postgresPoolPerLoop = 2
            do {
                try await buildApplication(other, config, now: { clock.now })
                let otherHub = other.services.unitEvents
                _ = try await otherHub.boardJSON(project)
                let (_, updates) = otherHub.subscribe(projectID: project)
                try await Task.sleep(for: .milliseconds(300)) // the listener connects
                _ = try await app.services.salesControl(app.db).apply(.withhold, unit: units[0].id, in: project, reason: "z", context: .system())
                let update = try await first(of: updates, within: .seconds(10))
                guard case .cells(_, let json) = update else { Issue.record("expected cells, got \(update)"); throw CancellationError() }
                #expect(String(decoding: json, as: UTF8.self).contains(units[0].id.uuidString))
                let board = try JSONDecoder().decode(BoardBody.self, from: Data(try await otherHub.boardJSON(project)))
                #expect(board.buildings[0].units.first { $0.id == units[0].id }?.status == "withheld")
            } catch {
                try? await other.asyncShutdown()
                throw error
            }
            try await other.asyncShutdown()
        }
    }
}

struct TimedOut: Error {}

final class Heard: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [[UInt8]] = []
    func add(_ json: [UInt8]) { lock.withLock { items.append(json) } }
    var all: [[UInt8]] { lock.withLock { items } }
}

func first<T: Sendable>(of stream: AsyncStream<T>, within limit: Duration) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            var it = stream.makeAsyncIterator()
            return await it.next()
        }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TimedOut()
        }
        defer { group.cancelAll() }
        guard let value = try await group.next() ?? nil else { throw TimedOut() }
        return value
    }
}


@Suite struct UnitChangeTests {
    @Test func largeChangesTravelAsReloadsThatFitANotifyPayload() throws {
        let many = UnitChange(projectID: UUID(), unitIDs: (0..<5_000).map { _ in UUID() })
        #expect(many.structural && many.unitIDs.isEmpty)
        #expect(try JSONEncoder().encode(many).count < 8_000)
        let few = UnitChange(projectID: UUID(), unitIDs: (0..<UnitChange.maxListed).map { _ in UUID() })
        #expect(!few.structural && few.unitIDs.count == UnitChange.maxListed)
        #expect(try JSONEncoder().encode(few).count < 8_000)
    }
}

@Suite struct RoomOrderTests {
    @Test func roomsSortAsPeopleNumberThem() {
        let rooms = ["10", "2", "01", "10A", "9", "1", "B1"]
        #expect(rooms.sorted(by: Board.roomOrder) == ["B1", "1", "2", "9", "01", "10", "10A"])
    }
}

@Suite struct UnitRowReadingTests {
    /// The board's fast row reader gives exactly what the generic decoder gives, on this engine.
    @Test func fastReadingEqualsDecoding() async throws {
        try await withTestApp { app, _ in
            let project = try await Fixtures(app: app).project("FR")
            try await Inventory(app: app).seed(project, floors: 2, rooms: 2)
            try await Inventory(app: app).seed(try await Fixtures(app: app).project("FS"), floors: 1, rooms: 1)
            let decoded = try await app.db.sql.select().columns(UnitRow.columns.map { SQLColumn($0) }).from("units")
                .where("project_id", .equal, project).all(decoding: UnitRow.self)
            let (fast, tookFastPath) = try await UnitRow.allOfProject(project, on: app.db)
            #expect(tookFastPath, "the driver path is taken on \(engineName)")
            #expect(fast.count == 4)
            #expect(Set(fast.map(\.id)) == Set(decoded.map(\.id)))
            for u in fast { #expect(decoded.first { $0.id == u.id } == u) }
        }
    }
}

@Suite struct BoardTextTests {
    @Test func uuidTextRoundTrips() {
        for _ in 0..<200 {
            let id = UUID()
            #expect(UUIDText.parse(id.uuidString) == id)
            #expect(UUIDText.parse(id.uuidString.lowercased()) == id)
            var out: [UInt8] = []
            UUIDText.append(id, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == id.uuidString)
        }
        #expect(UUIDText.parse("not-a-uuid") == nil)
        #expect(UUIDText.parse("G" + UUID().uuidString.dropFirst()) == nil)
    }

    @Test(arguments: [Int64(0), 5, -5, 99, 100, 123_456, -123_456, 1_000_000_000_000, Int64.max, Int64.min])
    func fixedWritesWhatDecimalTextWrites(value: Int64) {
        var w = JSONWriter()
        w.fixed(value)
        #expect(String(decoding: w.bytes, as: UTF8.self) == "\"" + DecimalText.format(value, scale: 2, grouping: false) + "\"")
    }
}
