import EstateCore
@testable import EstateServer
import Foundation
import Testing
import Vapor
import VaporTesting

/// Inputs the API fuzzer found: each must be a clear 4xx and change nothing.
@Suite("Contract edges found by fuzzing")
struct ContractEdgeTests {
    @Test func hugeNumbersAreRefusedNotOverflowed() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            let project = try await f.project("HG")
            _ = try await app.services.inventory(app.db).createBuilding(project, name: "1号楼", floors: 50, entrances: 2, sortOrder: nil, context: .system())
            try await f.user("keeper", roles: [(.csStaff, project)])
            let token = try await f.token("keeper")
            let res = try await app.call(.POST, "/api/v1/projects/\(project)/units", headers: .bearer(token), json: [
                "building": "1号楼", "floor": "36", "room": "01", "usage": "shop", "builtArea": "980063.6", "innerArea": "292457",
                "unitPrice": "675367548899.82", "listTotal": "27.01"].mapValues { $0 })
            #expect(res.status == .badRequest || res.status == .unprocessableEntity)
            struct Body: Encodable { var building = "1号楼"; var floor = 36; var room = "01"; var usage = "shop"; var builtArea = "99999.99"; var unitPrice = "675367548899.82" }
            let res2 = try await app.call(.POST, "/api/v1/projects/\(project)/units", headers: .bearer(token), json: Body())
            #expect(res2.status == .unprocessableEntity)
            #expect(res2.body.string.contains("money_out_of_range"))
            #expect(try await app.services.inventory(app.db).allUnits(project).isEmpty)
            // The core never traps on a product that does not fit.
            #expect(UnitPricing.total(area: Area(hundredths: Int.max / 2), unitPrice: Money(fen: .max), rounding: .fen).fen == .max)
        }
    }

    @Test func queryRangesAndEmptyValuesFollowTheContract() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            let project = try await f.project("QR")
            try await f.user("keeper", roles: [(.csStaff, project)])
            let token = try await f.token("keeper")
            for path in ["units?floorTo=-10", "units/export?floorFrom=201", "board?priceTo=", "board?floorFrom=-10"] {
                let res = try await app.call(.GET, "/api/v1/projects/\(project)/\(path)", headers: .bearer(token))
                #expect(res.status == .unprocessableEntity, "\(path): \(res.status)")
            }
            struct B: Encodable { var name = "1号楼"; var floors = 1; var sortOrder = -1 }
            let res = try await app.call(.POST, "/api/v1/projects/\(project)/buildings", headers: .bearer(token), json: B())
            #expect(res.status == .unprocessableEntity)
            #expect(try await app.services.inventory(app.db).buildings(project).isEmpty)
        }
    }

    @Test func anEmptyStringIsNotAnAbsentField() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            let project = try await f.project("EM")
            try await f.user("manager", roles: [(.salesManager, project)])
            let token = try await f.token("manager")
            var res = try await app.call(.POST, "/api/v1/projects/\(project)/discount-rules", headers: .bearer(token),
                                         json: ["name": "一折", "rate": "1折", "reduction": ""])
            #expect(res.status == .unprocessableEntity)
            #expect(try await app.services.pricing(app.db).rules(project).isEmpty)
            // "" is not one of an enum's values (the generator has a case for it).
            _ = try await app.services.inventory(app.db).createBuilding(project, name: "1号楼", floors: 5, entrances: 1, sortOrder: nil, context: .system())
            try await f.user("keeper", roles: [(.csStaff, project)])
            let keeper = try await f.token("keeper")
            struct U: Encodable { var building = "1号楼"; var floor = 1; var room = "01"; var builtArea = "80"; var unitPrice = "10000"; var usage = ""; var layout: String? }
            res = try await app.call(.POST, "/api/v1/projects/\(project)/units", headers: .bearer(keeper), json: U())
            #expect(res.status == .unprocessableEntity)
            #expect(try res.problem().errors?.first?.code == "schema_enum")
            #expect(try res.problem().errors?.first?.field == "usage")
            #expect(try await app.services.inventory(app.db).allUnits(project).isEmpty)
            try await f.user("boss", roles: [(.admin, nil)])
            res = try await app.call(.POST, "/api/v1/projects", headers: .bearer(try await f.token("boss")),
                                     json: ["code": "EE", "name": "空", "city": "成都", "priceRounding": ""])
            #expect(res.status == .unprocessableEntity)
            // An empty layout filter is no filter; an empty amount is an error.
            res = try await app.call(.GET, "/api/v1/projects/\(project)/board?layout=", headers: .bearer(token))
            #expect(res.status == .ok)
            res = try await app.call(.GET, "/api/v1/projects/\(project)/board?priceFrom=", headers: .bearer(token))
            #expect(res.status == .unprocessableEntity)
        }
    }

    @Test func fieldsAMoveDoesNotUseAreStillChecked() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            let project = try await f.project("MF")
            let unit = try await Inventory(app: app).seed(project, floors: 1, rooms: 1)[0]
            try await f.user("manager", roles: [(.salesManager, project)])
            let res = try await app.call(.POST, "/api/v1/projects/\(project)/units/\(unit.id)/moves", headers: .bearer(try await f.token("manager")),
                                         json: ["move": "withhold", "reason": "x", "customerName": String(repeating: "长", count: 41)])
            #expect(res.status == .unprocessableEntity)
            #expect(try await app.services.inventory(app.db).unit(unit.id, in: project).status == .available)
        }
    }

    @Test func aMethodTheContractLacksIs405EvenWhereAParameterRouteWouldMatch() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            let project = try await f.project("MN")
            try await f.user("keeper", roles: [(.csStaff, project)])
            let token = try await f.token("keeper")
            for (method, path, allow) in [(HTTPMethod.PATCH, "units/import", "POST"), (.PATCH, "units/template", "GET"), (.GET, "units/import", "POST")] {
                let res = try await app.call(method, "/api/v1/projects/\(project)/\(path)", headers: .bearer(token))
                #expect(res.status == .methodNotAllowed, "\(method) \(path)")
                #expect(res.headers.first(name: "Allow") == allow)
            }
            // A real unit id that does not exist stays a 404.
            let res = try await app.call(.GET, "/api/v1/projects/\(project)/units/\(UUID())", headers: .bearer(token))
            #expect(res.status == .notFound)
        }
    }
}

@Suite struct ReviewFindingTests {
    @Test func codeSearchIgnoresCaseOnEveryEngineAndOnTheBoard() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            let project = try await f.project("CS")
            let inv = app.services.inventory(app.db)
            try await inv.createLayout(project, name: "A户型", description: "", context: .system())
            _ = try await inv.createBuilding(project, name: "B栋", floors: 3, entrances: 1, sortOrder: nil, context: .system())
            _ = try await inv.createUnit(project, UnitDraft(building: "B栋", floor: "1", room: "01", code: "B1-1-101", layout: "A户型",
                                                            builtArea: "90", unitPrice: "10000"), context: .system())
            try await f.user("viewer", roles: [(.csStaff, project)])
            let token = try await f.token("viewer")
            let res = try await app.call(.GET, "/api/v1/projects/\(project)/units?code=b1", headers: .bearer(token))
            #expect(try res.decode(Schemas.UnitPage.self).total == 1)
            var filter = UnitFilter()
            filter.code = "b1-1"
            #expect(try await app.services.unitEvents.board(project).filtered(filter).totals.units == 1)
        }
    }

    @Test func anExportedTotalNextToItsRoundedUnitPriceImportsAsTheTotal() async throws {
        try await withTestApp { app, _ in
            let project = try await Fixtures(app: app).project("TT")
            try await app.services.inventory(app.db).createLayout(project, name: "A户型", description: "", context: .system())
            // 89.32 m² priced 1,600,000 in total: the derived unit price 17,913.12 × 89.32 = 1,599,999.88.
            let csv = "楼栋,楼层,房号,户型,建筑面积,表价单价,表价总价\n1号楼,1,01,A户型,89.32,17913.12,1600000\n1号楼,1,02,A户型,89.32,17913.12,1500000\n"
            await #expect(throws: Problem.self) {
                _ = try await app.services.unitImports(app.db).importUnits(Data(csv.utf8), into: project, fileName: "x", context: .system())
            }
            let good = "楼栋,楼层,房号,户型,建筑面积,表价单价,表价总价\n1号楼,1,01,A户型,89.32,17913.12,1600000\n"
            _ = try await app.services.unitImports(app.db).importUnits(Data(good.utf8), into: project, fileName: "x", context: .system())
            #expect(try await app.services.inventory(app.db).allUnits(project).first?.listTotal == Money(yuan: 1_600_000))
        }
    }

    @Test func aRefusedMoveOnAPageNamesTheUnitAndItsStatus() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            let project = try await f.project("EA")
            let unit = try await Inventory(app: app).seed(project, floors: 1, rooms: 1)[0]
            _ = try await app.services.salesControl(app.db).apply(.withhold, unit: unit.id, in: project, reason: "x", context: .system())
            try await f.user("manager", roles: [(.salesManager, project)])
            var browser = Browser(app: app)
            _ = try await browser.signIn("manager")
            var res = try await browser.get("/projects/\(project)/units/\(unit.id)")
            let csrf = try #require(Browser.csrf(in: res.body.string))
            res = try await browser.post("/projects/\(project)/units/\(unit.id)/moves", form: ["_csrf": csrf, "move": "withhold", "reason": "y"])
            let location = try #require(res.headers.first(name: .location))
            res = try await browser.get(location)
            #expect(res.body.string.contains("房间 \(unit.code) 当前为「销控」"), "\(location)")
            // Words cannot be smuggled into the message.
            res = try await browser.get("/projects/\(project)/units/\(unit.id)?error=unit_status_conflict&e.code=%E8%AF%B7%E6%8B%A8%E6%89%93")
            #expect(!res.body.string.contains("请拨打"))
        }
    }

    @Test func theImportFormWorksWithoutScriptThroughTheTokenInItsAction() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            let project = try await f.project("NJ")
            try await app.services.inventory(app.db).createLayout(project, name: "A户型", description: "", context: .system())
            try await f.user("keeper", roles: [(.csStaff, project)])
            var browser = Browser(app: app)
            _ = try await browser.signIn("keeper")
            let page = try await browser.get("/projects/\(project)/import")
            let csrf = try #require(Browser.csrf(in: page.body.string))
            #expect(page.body.string.contains("import?_csrf=\(csrf)"))
            let boundary = "XyZ123"
            let csv = "楼栋,楼层,房号,户型,建筑面积,表价单价\n1号楼,1,01,A户型,90,10000\n"
            let body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"u.csv\"\r\nContent-Type: text/csv\r\n\r\n\(csv)\r\n--\(boundary)--\r\n"
            var headers = browser.cookieHeader
            headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
            var res = try await app.call(.POST, "/projects/\(project)/import?_csrf=\(csrf)", headers: headers, body: ByteBuffer(string: body))
            #expect(res.status == .seeOther, "\(res.status) \(res.body.string.prefix(200))")
            #expect(try await app.services.inventory(app.db).allUnits(project).count == 1)
            res = try await app.call(.POST, "/projects/\(project)/import?_csrf=wrong", headers: headers, body: ByteBuffer(string: body))
            #expect(res.status == .forbidden)
        }
    }
}
