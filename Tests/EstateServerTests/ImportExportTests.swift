import EstateCore
@testable import EstateServer
import EstateSheets
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("楼盘表 import and export")
struct ImportExportTests {
    static let header = "楼栋,单元,楼层,房号,房间编码,户型,朝向,用途,建筑面积,套内面积,计价方式,表价单价,表价总价,底价"

    func setUp(_ app: Application, _ code: String, user: String = "keeper") async throws -> (UUID, String) {
        let f = Fixtures(app: app)
        let project = try await f.project(code)
        let inv = app.services.inventory(app.db)
        try await inv.createLayout(project, name: "A户型", description: "", context: .system())
        try await inv.createLayout(project, name: "B户型", description: "", context: .system())
        try await f.user(user, roles: [(.csStaff, project)])
        return (project, try await f.token(user))
    }

    func upload(_ app: Application, _ project: UUID, _ token: String, _ data: Data, type: String, name: String = "f") async throws -> TestingHTTPResponse {
        var headers = HTTPHeaders.bearer(token)
        headers.replaceOrAdd(name: .contentType, value: type)
        return try await app.call(.POST, "/api/v1/projects/\(project)/units/import?fileName=\(name)", headers: headers,
                                  body: ByteBuffer(data: data))
    }

    struct RowError: Equatable { var row: Int; var column: String?; var code: String }

    /// The problem's row errors, each as row, column and code.
    static func rowErrors(_ res: TestingHTTPResponse) throws -> [RowError] {
        try #require(try res.problem().rows).map { RowError(row: $0.row, column: $0.column, code: $0.code) }
    }

    @Test func goodCSVImportsEveryRowAndCreatesBuildings() async throws {
        try await withTestApp { app, _ in
            let (project, token) = try await setUp(app, "IM")
            let csv = """
                \(Self.header)
                1号楼,1,12,01,,A户型,南北,住宅,118.56,94.87,按建筑面积,18450,,2078000
                1号楼,1,12,02,,B户型,南,住宅,89.32,71.43,按建筑面积,"17,850.00",,
                2号楼,2,3,01,2-2-301,A户型,南,住宅,118.56,94.87,建筑面积,18000,,
                车库,1,-1,P001,P-001,,,车位,12.50,,按套,,"150,000.00",140000
                """
            let res = try await upload(app, project, token, Data(csv.utf8), type: "text/csv", name: "units.csv")
            #expect(res.status == .ok, "\(res.body.string)")
            #expect(try res.decode(Schemas.ImportResult.self).imported == 4)
            #expect(try res.decode(Schemas.ImportResult.self).buildingsCreated == ["1号楼", "2号楼", "车库"])
            let units = try await app.services.inventory(app.db).allUnits(project)
            let byCode = Dictionary(uniqueKeysWithValues: units.map { ($0.code, $0) })
            // 118.56 m² × 18,450.00 = 2,187,432.00
            #expect(byCode["1-1-1201"]?.listTotal == Money(yuanText: "2187432.00"))
            #expect(byCode["1-1-1201"]?.floorPrice == Money(yuan: 2_078_000))
            #expect(byCode["1-1-1202"]?.listTotal == Money(yuanText: "1594362.00"))
            #expect(byCode["P-001"]?.listTotal == Money(yuan: 150_000) && byCode["P-001"]?.basis == .perUnit)
            #expect(units.allSatisfy { $0.status == .unreleased })
            let buildings = try await app.services.inventory(app.db).buildings(project)
            #expect(buildings.first { $0.name == "2号楼" }?.entrances == 2)
            #expect(try await Fixtures(app: app).auditCount(action: "unit.import") == 1)
        }
    }

    @Test func badRowsAreAllReportedAndNothingIsImported() async throws {
        try await withTestApp { app, _ in
            let (project, token) = try await setUp(app, "BD")
            let csv = """
                \(Self.header)
                1号楼,1,12,01,,A户型,南,住宅,118.56,94.87,按建筑面积,18450,,
                1号楼,1,12,01,,A户型,南,住宅,118.56,94.87,按建筑面积,18450,,
                1号楼,1,13,01,,C户型,南,住宅,八十九,94.87,按建筑面积,18450,,
                1号楼,1,14,01,,A户型,南,住宅,89.123,94.87,按建筑面积,abc,,
                1号楼,1,0,01,,A户型,南,仓库,89.12,99.00,按体积,18450,,
                """
            let res = try await upload(app, project, token, Data(csv.utf8), type: "text/csv")
            #expect(res.status == .unprocessableEntity)
            #expect(try res.problem().code == "import_failed")
            let rows = try Self.rowErrors(res)
            let found = Set(rows.map { "\($0.row):\($0.column ?? "-"):\($0.code)" })
            #expect(found.isSuperset(of: [
                "3:E:import_duplicate_unit",
                "4:F:layout_unknown", "4:I:area_not_number",
                "5:I:area_not_number", "5:L:money_not_number",
                "6:C:floor_invalid", "6:H:usage_invalid", "6:K:pricing_basis_invalid", "6:J:inner_area_exceeds_built",
            ]), "\(found.sorted())")
            #expect(!found.contains { $0.hasPrefix("2:") }, "row 2 is good")
            #expect(try await app.services.inventory(app.db).allUnits(project).isEmpty)
            #expect(try await app.services.inventory(app.db).buildings(project).isEmpty)
            // Messages are in the caller's language.
            #expect(res.body.string.contains("户型"))
        }
    }

    @Test func unitsAlreadyThereAndUnknownColumnsAreRefused() async throws {
        try await withTestApp { app, _ in
            let (project, token) = try await setUp(app, "DU")
            let one = "\(Self.header)\n1号楼,1,1,01,,A户型,南,住宅,100,80,按建筑面积,10000,,\n"
            #expect(try await upload(app, project, token, Data(one.utf8), type: "text/csv").status == .ok)
            let again = try await upload(app, project, token, Data(one.utf8), type: "text/csv")
            #expect(again.status == .unprocessableEntity)
            #expect(try Self.rowErrors(again).map(\.code) == ["unit_code_taken"])
            let odd = "楼栋,楼层,房号,建筑面积,表价单价,颜色\n1号楼,2,01,100,10000,红\n"
            let res = try await upload(app, project, token, Data(odd.utf8), type: "text/csv")
            #expect(try Self.rowErrors(res) == [RowError(row: 1, column: "F", code: "import_unknown_column")])
            let missing = "楼栋,楼层,房号\n1号楼,2,01\n"
            let res2 = try await upload(app, project, token, Data(missing.utf8), type: "text/csv")
            #expect(Set(try Self.rowErrors(res2).map(\.code)) == ["import_missing_column"])
            #expect(try await app.services.inventory(app.db).allUnits(project).count == 1)
        }
    }

    @Test func gbkCSVFromChineseExcelImports() async throws {
        try await withTestApp { app, _ in
            let (project, token) = try await setUp(app, "GB")
            let text = "\(Self.header)\r\n3号楼,1,5,01,,A户型,南,住宅,100.00,80.00,按建筑面积,20000,,\r\n"
            let gbk = try #require(text.data(using: String.Encoding(rawValue: 0x8000_0632)))
            #expect(String(data: gbk, encoding: .utf8) == nil, "really not UTF-8")
            let res = try await upload(app, project, token, gbk, type: "text/csv")
            #expect(res.status == .ok, "\(res.body.string)")
            #expect(try res.decode(Schemas.ImportResult.self).encoding?.rawValue == "gb18030")
            let unit = try #require(try await app.services.inventory(app.db).allUnits(project).first)
            #expect(unit.layout == "A户型" && unit.code == "3-1-501" && unit.listTotal == Money(yuan: 2_000_000))
        }
    }

    @Test func xlsxWithSpreadsheetNumbersImports() async throws {
        try await withTestApp { app, _ in
            let (project, token) = try await setUp(app, "XL")
            let columns = Self.header.split(separator: ",").map { SheetColumn(String($0)) }
            let data = try XLSXWriter.data([Sheet(name: "楼盘表", columns: columns, rows: [
                [.text("1号楼"), .integer(1), .integer(8), .text("01"), .empty, .text("B户型"), .text("南"), .text("住宅"),
                 .decimal(8932, scale: 2), .decimal(7143, scale: 2), .text("按建筑面积"), .decimal(1_795_000, scale: 2), .empty, .empty],
            ])])
            let res = try await upload(app, project, token, data, type: APIHandler.xlsxType)
            #expect(res.status == .ok, "\(res.body.string)")
            #expect(try res.decode(Schemas.ImportResult.self).format.rawValue == "xlsx")
            let unit = try #require(try await app.services.inventory(app.db).allUnits(project).first)
            #expect(unit.builtArea == Area(hundredths: 8932) && unit.listUnitPrice == Money(yuan: 17_950))
        }
    }

    @Test func exportReadsBackToTheSameValuesAndReimports() async throws {
        try await withTestApp { app, _ in
            let (project, token) = try await setUp(app, "EX")
            let units = try await Inventory(app: app).seed(project, floors: 3, rooms: 2)
            let res = try await app.call(.GET, "/api/v1/projects/\(project)/units/export", headers: .bearer(token))
            #expect(res.status == .ok)
            #expect(res.headers.contentType?.description.contains("spreadsheetml") == true)
            #expect(res.headers.first(name: "Content-Disposition")?.contains("filename*=UTF-8''") == true,
                    "\(res.headers.first(name: "Content-Disposition") ?? "none")")
            let rows = try XLSXReader.rows(Data(buffer: res.body))
            #expect(rows.count == units.count + 1)
            #expect(Array(rows[0].cells.prefix(14)) == Self.header.split(separator: ",").map(String.init))
            let sample = try #require(rows.first { $0.cells.count > 4 && $0.cells[4] == units[0].code })
            #expect(Area(text: sample.cells[8]) == units[0].builtArea)
            #expect(Money(yuanText: sample.cells[12]) == units[0].listTotal)
            #expect(sample.cells[14] == "可售")
            // The export is a valid import for another project (status column aside).
            let (other, otherToken) = try await setUp(app, "EY", user: "keeper2")
            let columns = Self.header.split(separator: ",").map { SheetColumn(String($0)) }
            let again = try XLSXWriter.data([Sheet(name: "x", columns: columns,
                                                   rows: rows.dropFirst().map { r in r.cells.prefix(14).map { SheetCell.text($0) } })])
            _ = otherToken
            let reimport = try await app.services.unitImports(app.db).importUnits(again, into: other, fileName: "x", context: .system())
            #expect(reimport.imported == units.count)
            let copied = try await app.services.inventory(app.db).allUnits(other)
            #expect(Set(copied.map(\.listTotal)) == Set(units.map(\.listTotal)))
        }
    }

    @Test func tenThousandRowsImportInOneTransaction() async throws {
        try await withTestApp { app, _ in
            let (project, _) = try await setUp(app, "TK")
            var lines = [Self.header]
            for b in 1...5 { for e in 1...2 { for fl in 1...50 { for r in 1...20 {
                lines.append("\(b)号楼,\(e),\(fl),\(String(format: "%02d", r)),,\(r % 2 == 0 ? "A户型" : "B户型"),南,住宅,\(80 + r).\(String(format: "%02d", fl)),70.00,按建筑面积,\(16000 + fl * 150),,")
            } } } }
            let data = Data(lines.joined(separator: "\n").utf8)
            let started = ContinuousClock.now
            let phases = PhaseLog()
            let outcome = try await app.services.unitImports(app.db).importUnits(data, into: project, fileName: "10k.csv", context: .system(),
                                                                                 progress: { phase, done, total in phases.add(phase.rawValue, done, total) })
            print("10,000-row import on \(engineName): \(ContinuousClock.now - started)")
            #expect(outcome.imported == 10_000)
            #expect(try await app.services.inventory(app.db).allUnits(project).count == 10_000)
            #expect(phases.seen.contains("writing:10000/10000") && phases.seen.contains("checking:10000/10000"))
        }
    }
}

final class PhaseLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ phase: String, _ done: Int, _ total: Int) { lock.withLock { lines.append("\(phase):\(done)/\(total)") } }
    var seen: [String] { lock.withLock { lines } }
}

@Suite struct AcceptTests {
    @Test func askingForJSONFromAnExcelDownloadIs406NotA500() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            let project = try await f.project("AC")
            try await f.user("viewer", roles: [(.csStaff, project)])
            var headers = HTTPHeaders.bearer(try await f.token("viewer"))
            headers.replaceOrAdd(name: .accept, value: "application/json")
            let res = try await app.call(.GET, "/api/v1/projects/\(project)/units/export", headers: headers)
            #expect(res.status == .notAcceptable)
            #expect(try res.problem().code == "not_acceptable")
        }
    }
}
