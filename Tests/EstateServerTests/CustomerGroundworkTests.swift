import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import SQLKit
import Testing

@Suite("Customers: creation, duplicates, sealed identity numbers")
struct CustomerGroundworkTests {
    @Test func twentySimultaneousCreatesOfOneMobileMakeOneCustomer() async throws {
        try await withTestApp { app, _ in
            let project = try await Fixtures(app: app).project("CU")
            let customers = app.services.customers(app.db)
            let results = await withTaskGroup(of: String.self) { group in
                for i in 0..<20 {
                    group.addTask {
                        do {
                            _ = try await customers.create(.init(name: "客户\(i)", mobile: "+86 138 1234 5678"), in: project, owner: nil,
                                                           context: .system())
                            return "created"
                        } catch let p as Problem { return p.code } catch { return "\(error)" }
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(results.filter { $0 == "created" }.count == 1, "\(engineName): \(Set(results))")
            #expect(results.filter { $0 == "customer_exists" }.count == 19)
            #expect(try await customers.find(suffix: "5678", in: project).count == 1)
            // Another project may have the same person as its own customer.
            let other = try await Fixtures(app: app).project("CV")
            _ = try await customers.create(.init(name: "客户", mobile: "13812345678"), in: other, owner: nil, context: .system())
        }
    }

    @Test func theDatabaseHoldsNoPlainIdentityNumber() async throws {
        try await withTestApp { app, _ in
            let project = try await Fixtures(app: app).project("ID")
            let customers = app.services.customers(app.db)
            let created = try await customers.create(.init(name: "张三", mobile: "13900001111", idKind: .residentID,
                                                           idNumber: "11010519491231002x"), in: project, owner: nil, context: .system())
            #expect(created.idMasked == "110105********002X")
            let rows = try await app.db.sql.raw("SELECT * FROM customers").all()
            for row in rows {
                for column in row.allColumns {
                    let text = (try? row.decode(column: column, as: String?.self)) ?? nil
                    #expect(text?.contains("11010519491231002") != true, "column \(column) holds the number")
                    #expect(text?.contains("19491231") != true || column == "id_masked", "column \(column) holds the birth date")
                }
            }
            #expect(try await customers.find(identity: "11010519491231002X", in: project).map(\.id) == [created.id])
            #expect(try await customers.reveal(.idNumber, of: created.id, in: project, context: .system()) == "11010519491231002X")
            // A wrong check digit is refused with its reason, and nothing is written.
            await #expect(throws: Problem.self) {
                _ = try await customers.create(.init(name: "李四", mobile: "13900002222", idKind: .residentID, idNumber: "110105194912310021"),
                                               in: project, owner: nil, context: .system())
            }
            #expect(try await customers.find(suffix: "2222", in: project).isEmpty)
        }
    }
}
