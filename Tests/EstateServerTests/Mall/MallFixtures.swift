import EstateCore
@testable import EstateServer
import Foundation
import Testing
import Vapor
import VaporTesting

/// A mall of two floors (1F with zones A and B, 2F), two tenants, a desk supervisor, two desk staff and a floor
/// manager on 1F: only the rows the mall's tests need.
struct MallDesk {
    typealias Schemas = Components.Schemas
    var app: Application
    var project: UUID
    var mall: UUID
    var floors: [String: UUID]
    var tenants: [UUID]
    var supervisorID: UUID, deskID: UUID, desk2ID: UUID
    var supervisor: String, desk: String, desk2: String
    var today: CalendarDay

    static func setup(_ app: Application, _ clock: TestClock, code: String = "MA") async throws -> MallDesk {
        let f = Fixtures(app: app)
        let project = try await f.project(code, name: "华熙汇购物中心")
        let supervisorID = try await f.user("\(code.lowercased())-zhuguan", roles: [(.mallSupervisor, project)])
        let deskID = try await f.user("\(code.lowercased())-kefu", roles: [(.mallCS, project)])
        let desk2ID = try await f.user("\(code.lowercased())-kefu2", roles: [(.mallCS, project)])
        let supervisor = try await f.token("\(code.lowercased())-zhuguan"), desk = try await f.token("\(code.lowercased())-kefu")
        let desk2 = try await f.token("\(code.lowercased())-kefu2")
        let res = try await app.call(.POST, "/api/v1/malls", headers: .bearer(supervisor), json: [
            "projectId": .s(project.uuidString), "name": "华熙汇",
            "floors": [["label": "1F", "level": 1, "zones": ["A区", "B区"]], ["label": "2F", "level": 2]]] as J)
        #expect(res.status == .created, "\(res.body.string)")
        let mall = try res.decode(Schemas.Mall.self)
        let floors = Dictionary(uniqueKeysWithValues: mall.floors.map { ($0.label, UUID(uuidString: $0.id)!) })
        let today = CalendarDay(clock.now)
        var tenants: [UUID] = []
        for (unit, shop, floor) in [("1F-01", "优衣库", "1F"), ("2F-08", "星巴克", "2F")] {
            let t = try await app.call(.POST, "/api/v1/malls/\(mall.id)/tenants", headers: .bearer(desk), json: [
                "floorId": .s(floors[floor]!.uuidString), "unitNo": .s(unit), "shopName": .s(shop), "category": "服装",
                "contactName": "王店长", "contactMobile": "13800138000",
                "leaseStarts": .s(today.adding(days: -300).description), "leaseEnds": .s(today.adding(days: 700).description)] as J)
            #expect(t.status == .created, "\(t.body.string)")
            tenants.append(UUID(uuidString: try t.decode(Schemas.MallTenant.self).id)!)
        }
        return MallDesk(app: app, project: project, mall: UUID(uuidString: mall.id)!, floors: floors, tenants: tenants,
                        supervisorID: supervisorID, deskID: deskID, desk2ID: desk2ID, supervisor: supervisor, desk: desk, desk2: desk2, today: today)
    }

    /// Tokens expire (12 hours): after the clock moves a day, the desk signs in again.
    mutating func signInAgain(code: String = "MA") async throws {
        let f = Fixtures(app: app)
        supervisor = try await f.token("\(code.lowercased())-zhuguan")
        desk = try await f.token("\(code.lowercased())-kefu")
        desk2 = try await f.token("\(code.lowercased())-kefu2")
    }

    /// A member with an issued card (applied by the desk, approved by the supervisor), through the API.
    func issuedMember(name: String = "林晓峰", mobile: String, card: String? = nil) async throws -> Schemas.Member {
        var res = try await app.call(.POST, "/api/v1/members", headers: .bearer(desk), json: [
            "mallId": .s(mall.uuidString), "kind": "person", "name": .s(name), "mobile": .s(mobile)] as J)
        #expect(res.status == .created, "\(res.body.string)")
        let m = try res.decode(Schemas.Member.self)
        res = try await app.call(.POST, "/api/v1/members/\(m.id)/decision", headers: .bearer(supervisor), json: ["approve": true] as J)
        #expect(res.status == .ok, "\(res.body.string)")
        res = try await app.call(.POST, "/api/v1/members/\(m.id)/card", headers: .bearer(desk), json: card.map { ["cardNumber": .s($0)] as J } ?? [:] as J)
        #expect(res.status == .ok, "\(res.body.string)")
        return try res.decode(Schemas.Member.self)
    }

    /// Points from a receipt of the first tenant.
    func earn(_ member: String, amount: String, receipt: String, day: CalendarDay? = nil) async throws -> TestingHTTPResponse {
        try await app.call(.POST, "/api/v1/members/\(member)/receipts", headers: .bearer(desk), json: [
            "tenantId": .s(tenants[0].uuidString), "receiptNumber": .s(receipt), "amount": .s(amount),
            "day": .s((day ?? today).description)] as J)
    }
}
