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
            try await app.services.inventory(app.db).createBuilding(project, name: "1号楼", floors: 50, entrances: 2, sortOrder: nil, context: .system())
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
            try await app.services.inventory(app.db).createBuilding(project, name: "1号楼", floors: 5, entrances: 1, sortOrder: nil, context: .system())
            try await f.user("keeper", roles: [(.csStaff, project)])
            let keeper = try await f.token("keeper")
            struct U: Encodable { var building = "1号楼"; var floor = 1; var room = "01"; var builtArea = "80"; var unitPrice = "10000"; var usage = ""; var layout: String? }
            res = try await app.call(.POST, "/api/v1/projects/\(project)/units", headers: .bearer(keeper), json: U())
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("usage_invalid"))
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
