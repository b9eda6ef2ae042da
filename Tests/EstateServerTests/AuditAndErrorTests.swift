import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@Suite struct AuditAtomicityTests {
    @Test func aChangeWhoseAuditLineCannotBeWrittenDoesNotHappen() async throws {
        try await withTestApp { app, _ in
            // setup: make the audit insert fail
            try await (app.db as! any SQLDatabase).raw("DROP TABLE audit_log").run()
            // MUT
            await #expect(throws: (any Error).self) {
                _ = try await app.services.projects(app.db).create(.init(code: "GONE", name: "不应存在", city: "成都"), context: .system("test"))
            }
            // validate
            #expect(try await ProjectRecord.query(on: app.db).count() == 0)
        }
    }

    @Test func aFailedChangeLeavesNeitherDataNorAuditLine() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            try await f.user("dup")
            let before = try await f.auditCount(action: "user.create")
            await #expect(throws: Problem.self) { try await f.user("dup") }
            #expect(try await f.auditCount(action: "user.create") == before)
            // A throw after the data write inside the transaction rolls both back.
            let store = app.services.store(app.db)
            await #expect(throws: Problem.self) {
                try await store.audited(.system("test")) { tx -> ((), AuditEntry) in
                    try await UserRecord(username: "halfway", displayName: "H", passwordHash: "x", now: Date()).create(on: tx)
                    throw Problem.conflict("simulated")
                }
            }
            #expect(try await UserRecord.query(on: app.db).filter(\.$username == "halfway").count() == 0)
        }
    }

    @Test func changesRecordWhoWhatAndTheRequest() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            try await f.user("auditor", roles: [(.admin, nil)])
            let token = try await f.token("auditor")
            var requestID = ""
            var projectID = ""
            do { let res = try await app.call(.POST, "/api/v1/projects", headers: .bearer(token), json: ["code": "AUD", "name": "审计项目", "city": "成都"])
                #expect(res.status == .created)
                requestID = res.headers.first(name: "X-Request-ID") ?? ""
                projectID = try res.decode(Schemas.Project.self).id
            }
            do { let res = try await app.call(.PATCH, "/api/v1/projects/\(projectID)", headers: .bearer(token), json: ["city": "重庆"]); #expect(res.status == .ok) }
            do { let res = try await app.call(.GET, "/api/v1/audit?action=project.*", headers: .bearer(token))
                let lines = try res.decode(Schemas.AuditPage.self).items
                #expect(lines.map(\.action) == ["project.update", "project.create"])
                #expect(lines.allSatisfy { $0.actor == "auditor" })
                #expect(lines.last?.requestId == requestID)
                #expect(lines.first?.before.additionalProperties == ["city": "成都"])
                #expect(lines.first?.after.additionalProperties == ["city": "重庆"])
            }
            // No secret ever reaches the log.
            let all = try await AuditRecord.query(on: app.db).all()
            #expect(!all.contains { ($0.after ?? "").contains("password-123") || $0.summary.contains(token) })
        }
    }
}

@Suite struct ProblemTests {
    @Test func malformedAndInvalidBodiesGetProblemJSONAndChangeNothing() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            try await f.user("root", roles: [(.admin, nil)])
            let token = try await f.token("root")
            var headers = HTTPHeaders.bearer(token)
            headers.contentType = .json
            let bodies = ["{not json", #"{"username":"ok.name","displayName":"名","password":"password-123","admin":true}"#,
                          #"{"username":"Bad Name","displayName":"名","password":"short"}"#, #"{"username":1}"#]
            for body in bodies {
                do { let res = try await app.call(.POST, "/api/v1/users", headers: headers, body: ByteBuffer(string: body))
                    #expect([.badRequest, .unprocessableEntity].contains(res.status), "\(body) → \(res.status)")
                    #expect(res.headers.contentType?.description.hasPrefix("application/problem+json") == true)
                    #expect(!(try res.problem().code).isEmpty)
                }
            }
            do {
                let res = try await app.call(.POST, "/api/v1/users", headers: headers,
                                             body: ByteBuffer(string: #"{"username":"Bad Name","displayName":"名","password":"short"}"#))
                #expect(res.status == .unprocessableEntity)
                let errors = try #require(try res.problem().errors)
                #expect(Set(errors.map(\.field)) == ["username", "password"])
                #expect(errors.allSatisfy { !$0.message.isEmpty && $0.message != "error.\($0.code)" })
            }
            #expect(try await UserRecord.query(on: app.db).count() == 1)
        }
    }

    @Test func unknownPathsAndMethodsAreProblems() async throws {
        try await withTestApp { app, _ in
            do { let res = try await app.call(.GET, "/api/v1/nothing-here")
                #expect(res.status == .notFound)
                #expect(try res.problem().code == "not_found")
            }
            do { let res = try await app.call(.PUT, "/api/v1/users")
                #expect(res.status == .methodNotAllowed)
                #expect(res.headers.first(name: "Allow") == "GET, POST")
            }
            do { let res = try await app.call(.GET, "/api/v1/users?page=0"); #expect(res.status == .unauthorized) }
        }
    }

    @Test func pagingIsValidated() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            try await f.user("pager", roles: [(.admin, nil)])
            let token = try await f.token("pager")
            do { let res = try await app.call(.GET, "/api/v1/users?perPage=500", headers: .bearer(token))
                #expect(res.status == .unprocessableEntity)
                #expect(try res.problem().errors?.first?.code == "schema_maximum")
                // The contract's limit is named in the message.
                #expect(try #require(try res.problem().errors?.first).message.contains("200"))
            }
            for i in 0..<5 { try await f.user("p\(i)xx") }
            do { let res = try await app.call(.GET, "/api/v1/users?perPage=2&page=2", headers: .bearer(token))
                let page = try res.decode(Schemas.UserPage.self)
                #expect(page.total == 6)
                #expect(page.items.map(\.username) == ["p2xx", "p3xx"])
            }
        }
    }
}

@Suite struct ConcurrencyTests {
    /// Twenty simultaneous requests for one user name: exactly one account.
    @Test func concurrentCreationOfOneUserNameMakesOneUser() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            try await f.user("root", roles: [(.admin, nil)])
            let token = try await f.token("root")
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await app.call(.POST, "/api/v1/users", headers: .bearer(token),
                                           json: ["username": "same.name", "displayName": "同名", "password": "password-123"]).status
                    }
                }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == .conflict }.count == 19, "\(statuses)")
            #expect(try await UserRecord.query(on: app.db).filter(\.$username == "same.name").count() == 1)
            #expect(try await f.auditCount(action: "user.create") == 2)
        }
    }
}

@Suite struct HostileInputTests {
    /// NUL cannot be stored in PostgreSQL text: such input is refused or ignored, never a 500.
    @Test func nulCharactersNeverReachTheDatabase() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            try await f.user("root", roles: [(.admin, nil)])
            let token = try await f.token("root")
            let login = try await app.call(.POST, "/api/v1/auth/login", json: ["username": "ro\u{0}ot", "password": "password-123"])
            #expect(login.status == .unauthorized)
            let create = try await app.call(.POST, "/api/v1/users", headers: .bearer(token),
                                            json: ["username": "nul.name", "displayName": "空\u{0}字符", "password": "password-123"])
            #expect(create.status == .unprocessableEntity)
            let search = try await app.call(.GET, "/api/v1/users?q=%00x", headers: .bearer(token))
            #expect(search.status == .unprocessableEntity)
            #expect(try search.problem().errors?.first?.code == "schema_pattern")
            let audit = try await app.call(.GET, "/api/v1/audit?actor=a%00b", headers: .bearer(token))
            #expect(audit.status == .unprocessableEntity)
        }
    }
}
