import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// The principal behind a token is kept for a short while (issue 21); every change to a user's
/// sessions, account or grants must still take effect on their very next request.
@Suite struct PrincipalCacheTests {
    static func me(_ app: Application, _ token: String) async throws -> Schemas.Me? {
        let res = try await app.call(.GET, "/api/v1/me", headers: .bearer(token))
        if res.status == .unauthorized { return nil }
        #expect(res.status == .ok)
        return try res.decode(Schemas.Me.self)
    }

    static func roles(_ me: Schemas.Me?) -> Set<String> { Set(me?.grants.map(\.role.rawValue) ?? []) }

    @Test func aRequestIsAnsweredFromTheCacheUntilItsLifetimeEnds() async throws {
        try await withTestApp { app, clock in
            let f = Fixtures(app: app)
            let project = try await f.project("PC1")
            let user = try await f.user("he.jun", roles: [(.csStaff, project)])
            let token = try await f.token("he.jun")
            #expect(Self.roles(try await Self.me(app, token)) == ["cs_staff"])
            #expect(app.services.principals.count == 1)
            // Behind the services' back (as a direct database edit would be) the cache does not
            // notice: the proof that the second request did not read the grants…
            try await (app.db as! any SQLDatabase).delete(from: "role_grants").where("user_id", .equal, user).run()
            #expect(Self.roles(try await Self.me(app, token)) == ["cs_staff"])
            // …and an entry never outlives its lifetime.
            clock.advance(PrincipalCache.lifetime + 1)
            #expect(Self.roles(try await Self.me(app, token)) == [])
        }
    }

    @Test func grantsRevocationsRenamesDisablingAndSignOutTakeEffectOnTheNextRequest() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            let project = try await f.project("PC2")
            try await f.user("boss", roles: [(.admin, nil)])
            let user = try await f.user("ma.xin", roles: [(.csStaff, project)])
            let admin = try await f.token("boss")
            let token = try await f.token("ma.xin")
            let other = try await f.token("ma.xin")
            #expect(Self.roles(try await Self.me(app, token)) == ["cs_staff"])
            #expect(Self.roles(try await Self.me(app, other)) == ["cs_staff"])

            let granted = try await app.call(.POST, "/api/v1/users/\(user)/grants", headers: .bearer(admin),
                                             json: ["role": "cs_manager", "projectId": project.uuidString])
            #expect(granted.status == .created)
            #expect(Self.roles(try await Self.me(app, token)) == ["cs_staff", "cs_manager"])
            let grantID = try granted.decode(Schemas.Grant.self).id
            #expect(try await app.call(.DELETE, "/api/v1/users/\(user)/grants/\(grantID)", headers: .bearer(admin)).status == .noContent)
            #expect(Self.roles(try await Self.me(app, token)) == ["cs_staff"])

            #expect(try await app.call(.PATCH, "/api/v1/users/\(user)", headers: .bearer(admin), json: ["displayName": "马欣然"]).status == .ok)
            #expect(try await Self.me(app, token)?.displayName == "马欣然")

            // Signing out ends that token at once; the user's other token goes on.
            #expect(try await app.call(.POST, "/api/v1/auth/logout", headers: .bearer(token)).status == .noContent)
            #expect(try await Self.me(app, token) == nil)
            #expect(try await Self.me(app, other) != nil)

            #expect(try await app.call(.PATCH, "/api/v1/users/\(user)", headers: .bearer(admin), json: ["disabled": true]).status == .ok)
            #expect(try await Self.me(app, other) == nil)
        }
    }

    /// A refused change (the last company administrator) leaves the cache right too.
    @Test func aPasswordResetEndsCachedSessionsAndARefusedChangeChangesNothing() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            let boss = try await f.user("boss", roles: [(.admin, nil)])
            let user = try await f.user("luo.wen")
            let admin = try await f.token("boss")
            let token = try await f.token("luo.wen")
            #expect(try await Self.me(app, token) != nil)
            let grants = try await app.call(.GET, "/api/v1/users/\(boss)", headers: .bearer(admin)).decode(Schemas.User.self).grants
            let adminGrant = try #require(grants.first { $0.role == .admin }?.id)
            #expect(try await app.call(.DELETE, "/api/v1/users/\(boss)/grants/\(adminGrant)", headers: .bearer(admin)).status == .conflict)
            #expect(Self.roles(try await Self.me(app, admin)) == ["admin"])
            try await app.services.users(app.db).resetPassword(user, to: "another-password-1", context: .system("test"))
            #expect(try await Self.me(app, token) == nil)
        }
    }

    /// Another server process on the same PostgreSQL database hears of a revocation by NOTIFY.
    @Test(.enabled(if: TestTemplates.postgresURL != nil))
    func anotherProcessHearsOfARevocation() async throws {
        try await withTestApp { app, clock in
            let f = Fixtures(app: app)
            let project = try await f.project("PC3")
            let user = try await f.user("gao.yu", roles: [(.csStaff, project)])
            let token = try await f.token("gao.yu")
            // The second process: its own pools, listener and cache, the same database.
            let second = try await Application.make(.testing)
            do {
                try await buildApplication(second, app.services.config, now: { clock.now })
                // Listening before it caches: a (re)connection also empties the cache, which would pass this test without NOTIFY.
                for _ in 0..<100 where second.services.principals.listenerConnections == 0 { try await Task.sleep(for: .milliseconds(50)) }
                #expect(second.services.principals.listenerConnections == 1)
                #expect(Self.roles(try await Self.me(second, token)) == ["cs_staff"])
                let grant = try #require(try await app.services.users(app.db).find(user)?.grants.first?.id)
                try await app.services.users(app.db).revoke(grantID: grant, of: user, context: .system("test"))
                // The notification arrives asynchronously; the clock stands still, so only it can clear the entry.
                var seen = ["cs_staff"] as Set<String>
                for _ in 0..<100 where !seen.isEmpty {
                    try await Task.sleep(for: .milliseconds(50))
                    seen = Self.roles(try await Self.me(second, token))
                }
                #expect(seen.isEmpty)
            } catch {
                try? await second.asyncShutdown()
                throw error
            }
            try await second.asyncShutdown()
        }
    }
}
