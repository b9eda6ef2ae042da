import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite struct RouteGuardWalkTests {
    /// Every registered route declares a guard: pages and operations through
    /// `userInfo`, API operations through `APIGuards`. A new route without one fails here.
    @Test func everyRouteIsGuarded() async throws {
        try await withTestApp { app, _ in
            let contract = app.services.contract
            var unguarded: [String] = []
            for route in app.routes.all {
                let path = route.path.map(\.description)
                if route.userInfo[AnySendableHashable(RouteGuard.userInfoKey)] is RouteGuard { continue }
                if let op = contract.operation(method: route.method.rawValue, routePath: path), APIGuards.table[op.operationID] != nil { continue }
                unguarded.append("\(route.method.rawValue) /\(path.joined(separator: "/"))")
            }
            #expect(unguarded.isEmpty, "unguarded routes: \(unguarded)")
            #expect(app.routes.all.count > 30)
        }
    }

    @Test func everyContractOperationHasAGuardAndNoGuardIsStale() async throws {
        try await withTestApp { app, _ in
            let ids = Set(app.services.contract.operations.map(\.operationID))
            #expect(ids == Set(APIGuards.table.keys))
            #expect(ids.count == app.services.contract.operations.count, "operationIds are unique")
        }
    }

    @Test func onlyTheDeclaredOpenRoutesAnswerAnonymously() async throws {
        try await withTestApp { app, _ in
            let open = app.routes.all.filter {
                ($0.userInfo[AnySendableHashable(RouteGuard.userInfoKey)] as? RouteGuard) == .open && $0.method == .GET
            }.map { "/" + $0.path.map(\.description).joined(separator: "/") }
            #expect(Set(open).isSuperset(of: ["/health", "/metrics", "/openapi.json", "/login"]))
            for op in app.services.contract.operations where APIGuards.table[op.operationID] != .open {
                let path = op.path.replacingOccurrences(of: #"\{[^}]+\}"#, with: UUID().uuidString, options: .regularExpression)
                do {
                    let res = try await app.call(HTTPMethod(rawValue: op.method), path,
                                                 json: op.method == "GET" || op.method == "DELETE" ? nil : ["x": "y"])
                    #expect(res.status == .unauthorized, "\(op.method) \(op.path) answered \(res.status) without a token")
                }
            }
        }
    }
}

@Suite struct PermissionHTTPTests {
    /// For every role, the user-admin endpoint answers exactly as the matrix says.
    @Test func roleMatrixHoldsOverHTTP() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            let project = try await f.project("MTX")
            for role in Role.allCases {
                let name = "u-" + role.rawValue.replacingOccurrences(of: "_", with: "-")
                let scope: UUID? = role == .admin ? nil : project
                try await f.user(name, roles: [(role, scope)])
                let token = try await f.token(name)
                let userID = try #require(try await UserRecord.query(on: app.db).filter(\.$username == name).first()?.id)
                let principal = try #require(try await app.services.auth(app.db).loadPrincipal(userID: userID, on: app.db))
                let checks: [(String, Action)] = [("/api/v1/users", .usersManage), ("/api/v1/audit", .auditRead)]
                for (path, action) in checks {
                    do { let res = try await app.call(.GET, path, headers: .bearer(token))
                        let want: HTTPStatus = principal.may(action) ? .ok : .forbidden
                        #expect(res.status == want, "\(role.rawValue) GET \(path)")
                    }
                }
                do { let res = try await app.call(.PATCH, "/api/v1/projects/\(project)", headers: .bearer(token), json: ["city": "重庆"])
                    #expect(res.status == (AccessMatrix.actions(of: role).contains(.projectEdit) ? .ok : .forbidden), "\(role.rawValue) PATCH project")
                }
            }
            // Every refusal above left an audit line.
            #expect(try await f.auditCount(action: "access.denied") > 0)
        }
    }

    @Test func anotherProjectsRecordsAnswer404() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            let mine = try await f.project("MINE")
            let theirs = try await f.project("THEIRS")
            try await f.user("csm", roles: [(.csManager, mine)])
            let token = try await f.token("csm")
            do { let res = try await app.call(.GET, "/api/v1/projects/\(mine)", headers: .bearer(token)); #expect(res.status == .ok) }
            do { let res = try await app.call(.GET, "/api/v1/projects/\(theirs)", headers: .bearer(token))
                #expect(res.status == .notFound)
                #expect(try res.problem().code == "not_found")
            }
            do { let res = try await app.call(.PATCH, "/api/v1/projects/\(theirs)", headers: .bearer(token), json: ["name": "改名"]); #expect(res.status == .notFound) }
            do { let res = try await app.call(.GET, "/api/v1/projects", headers: .bearer(token))
                let page = try res.decode(Schemas.ProjectPage.self)
                #expect(page.total == 1)
                #expect(page.items.first?.code == "MINE")
            }
            // The audit log of a project manager shows only their project's lines.
            do { let res = try await app.call(.GET, "/api/v1/audit?perPage=200", headers: .bearer(token))
                let page = try res.decode(Schemas.AuditPage.self)
                #expect(!page.items.isEmpty)
                #expect(page.items.allSatisfy { $0.projectId == mine.uuidString })
            }
            // The web page too.
            var browser = Browser(app: app)
            _ = try await browser.signIn("csm")
            #expect(try await browser.get("/admin/projects/\(theirs)").status == .notFound)
            #expect(try await browser.get("/admin/projects/\(mine)").status == .ok)
            #expect(try await browser.get("/admin/users").status == .forbidden)
        }
    }

    @Test func aProjectAdminCannotManageUsers() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            let p = try await f.project("PADM")
            try await f.user("padmin", roles: [(.admin, p)])
            let token = try await f.token("padmin")
            do { let res = try await app.call(.GET, "/api/v1/users", headers: .bearer(token)); #expect(res.status == .forbidden) }
            do { let res = try await app.call(.POST, "/api/v1/projects", headers: .bearer(token), json: ["code": "NEW", "name": "新项目", "city": "成都"]); #expect(res.status == .forbidden) }
        }
    }
}
