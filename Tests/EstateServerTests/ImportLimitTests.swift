import EstateCore
@testable import EstateServer
@testable import EstateSheets  // XLSXWriter.zip builds the bombs
import Foundation
import Testing
import Vapor
import VaporTesting

/// Import exhaustion (issue 13, point 3): oversized files are refused with a stable code while
/// they are read, and only a few imports run at once.
@Suite("Import limits")
struct ImportLimitTests {
    struct Setup {
        var project: UUID
        var token: String
        var browser: Browser
    }

    /// One user who may import units and customers, signed in through the API and a browser.
    func setUp(_ app: Application) async throws -> Setup {
        let f = Fixtures(app: app)
        let project = try await f.project("IL")
        try await app.services.inventory(app.db).createLayout(project, name: "A户型", description: "", context: .system())
        try await f.user("importer", roles: [(.csStaff, project), (.salesManager, project)])
        var browser = Browser(app: app)
        _ = try await browser.signIn("importer")
        return Setup(project: project, token: try await f.token("importer"), browser: browser)
    }

    static func xlsx(sheet: String) throws -> Data {
        try XLSXWriter.zip([("xl/workbook.xml", Array("<workbook/>".utf8)), ("xl/worksheets/sheet1.xml", Array(sheet.utf8))])
    }

    func post(_ app: Application, _ path: String, _ token: String, _ data: Data, type: String, language: String = "zh-CN") async throws -> TestingHTTPResponse {
        try await app.call(.POST, path, headers: ["Authorization": "Bearer \(token)", "Content-Type": type, "Accept-Language": language],
                           body: ByteBuffer(data: data))
    }

    @Test func aSheetWithOneHugeRowIsRefusedAsTooLargeOnBothImports() async throws {
        try await withTestApp { app, _ in
            let s = try await setUp(app)
            // 400,000 cells in one row: 6 MB of XML in a ~20 KB file.
            let bomb = try Self.xlsx(sheet: "<worksheet><sheetData><row>" + String(repeating: "<c><v>1</v></c>", count: 400_000)
                                     + "</row></sheetData></worksheet>")
            for path in ["/api/v1/projects/\(s.project)/units/import", "/api/v1/projects/\(s.project)/customers/import"] {
                let res = try await post(app, path, s.token, bomb, type: "application/octet-stream")
                #expect(res.status == .unprocessableEntity, "\(path): \(res.body.string)")
                #expect(res.headers.contentType?.subType == "problem+json")
                #expect(try res.problem().code == "import_too_large", "\(res.body.string)")
                #expect(try res.problem().detail.contains("50000"))
            }
            let en = try await post(app, "/api/v1/projects/\(s.project)/units/import", s.token, bomb, type: "application/octet-stream",
                                    language: "en")
            #expect(try en.problem().detail.contains("too large once unpacked"), "\(en.body.string)")
            #expect(try await app.services.inventory(app.db).allUnits(s.project).isEmpty)
        }
    }

    @Test func aTallSheetAndALongCSVAreRefusedAsTooManyRows() async throws {
        try await withTestApp { app, _ in
            let s = try await setUp(app)
            let row = "<row>" + String(repeating: "<c t=\"inlineStr\"><is><t>1号楼</t></is></c>", count: 4) + "</row>"
            let tall = try Self.xlsx(sheet: "<worksheet><sheetData>" + String(repeating: row, count: 60_000) + "</sheetData></worksheet>")
            let csv = Data(("楼栋,楼层,房号\n" + String(repeating: "1号楼,1,101\n", count: 60_000)).utf8)
            for (data, type) in [(tall, "application/octet-stream"), (csv, "text/csv")] {
                for path in ["/api/v1/projects/\(s.project)/units/import", "/api/v1/projects/\(s.project)/customers/import"] {
                    let res = try await post(app, path, s.token, data, type: type)
                    #expect(res.status == .unprocessableEntity, "\(path) \(type): \(res.body.string)")
                    #expect(try res.problem().code == "import_too_many_rows")
                    #expect(try res.problem().detail == "一次最多导入 50000 行。")
                }
            }
        }
    }

    @Test func beyondTheConcurrentImportLimitEveryImportRouteAnswers429WithRetryAfter() async throws {
        try await withTestApp(adjust: { $0.maxConcurrentImports = 2 }) { app, _ in
            var s = try await setUp(app)
            let gate = app.services.imports
            #expect(gate.limit == 2)
            // Two imports in progress (held places), so the third of any kind is turned away.
            let held = [try gate.enter(), try gate.enter()]
            let csv = Data("楼栋,楼层,房号,户型,建筑面积,表价单价\n1号楼,1,01,A户型,100,20000\n".utf8)
            let customers = Data("姓名,手机号\n甲,13700000001\n".utf8)
            for (path, data) in [("/api/v1/projects/\(s.project)/units/import", csv),
                                 ("/api/v1/projects/\(s.project)/customers/import", customers)] {
                let res = try await post(app, path, s.token, data, type: "text/csv")
                #expect(res.status == .tooManyRequests, "\(path): \(res.body.string)")
                #expect(res.headers.first(name: "Retry-After") == "5")
                #expect(try res.problem().code == "import_busy")
                #expect(try res.problem().detail == "其他导入正在进行，请 5 秒后再试。")
            }
            // The pages' script uploads (NDJSON streams) are refused before the stream starts.
            let page = try await s.browser.get("/projects/\(s.project)/import")
            let csrf = try #require(Browser.csrf(in: page.body.string))
            var headers = s.browser.cookieHeader
            headers.replaceOrAdd(name: "X-CSRF-Token", value: csrf)
            headers.replaceOrAdd(name: .contentType, value: "text/csv")
            headers.replaceOrAdd(name: .accept, value: "application/x-ndjson")
            for (path, data) in [("/projects/\(s.project)/import?fileName=x.csv", csv),
                                 ("/projects/\(s.project)/customers/import?fileName=x.csv", customers)] {
                let res = try await app.call(.POST, path, headers: headers, body: ByteBuffer(data: data))
                #expect(res.status == .tooManyRequests, "\(path): \(res.body.string)")
                #expect(res.headers.first(name: "Retry-After") == "5")
                #expect(res.body.string.contains("import_busy"))
            }
            #expect(gate.inUse == 2)
            #expect(try await app.services.inventory(app.db).allUnits(s.project).isEmpty)

            // A place comes free: the next import runs, and gives its place back.
            held[0].release()
            let res = try await post(app, "/api/v1/projects/\(s.project)/units/import", s.token, csv, type: "text/csv")
            #expect(res.status == .ok, "\(res.body.string)")
            let stream = try await app.call(.POST, "/projects/\(s.project)/customers/import?fileName=x.csv", headers: headers,
                                            body: ByteBuffer(data: customers))
            #expect(stream.body.string.contains("\"imported\":1"), "\(stream.body.string)")
            #expect(gate.inUse == 1)
            held[1].release()
            #expect(gate.inUse == 0)
        }
    }

    @Test func theLimitIsASetting() throws {
        #expect(try AppConfiguration.fromEnvironment([:]).maxConcurrentImports == 2)
        #expect(try AppConfiguration.fromEnvironment(["ESTATE_MAX_CONCURRENT_IMPORTS": "4"]).maxConcurrentImports == 4)
        #expect(throws: AppConfiguration.Invalid.self) { try AppConfiguration.fromEnvironment(["ESTATE_MAX_CONCURRENT_IMPORTS": "0"]) }
    }
}
