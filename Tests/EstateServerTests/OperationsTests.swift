import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@Suite struct OperationsTests {
    @Test func healthChecksTheDatabase() async throws {
        try await withTestApp { app, _ in
            do { let res = try await app.call(.GET, "/health")
                #expect(res.status == .ok)
                #expect(try res.content.get(String.self, at: "database") == "ok")
                #expect(try res.content.get(String.self, at: "engine") == engineName)
            }
        }
    }

    @Test func metricsCountRequestsByRoutePattern() async throws {
        try await withTestApp { app, _ in
            _ = try await app.call(.GET, "/health")
            do { let res = try await app.call(.GET, "/metrics")
                #expect(res.status == .ok)
                #expect(res.body.string.contains(#"http_requests_total{method="GET",route="/health",status="2xx"} 1"#))
                #expect(res.body.string.contains("http_request_duration_seconds_bucket"))
            }
        }
    }

    @Test func theContractIsServedAsJSON() async throws {
        try await withTestApp { app, _ in
            do { let res = try await app.call(.GET, "/openapi.json")
                #expect(res.status == .ok)
                let doc = try JSONSerialization.jsonObject(with: Data(res.body.readableBytesView)) as? [String: Any]
                #expect(doc?["openapi"] as? String == "3.1.0")
                let paths = doc?["paths"] as? [String: Any]
                #expect(paths?["/api/v1/auth/login"] != nil)
            }
        }
    }

    @Test func sqliteIsConfiguredDeliberately() async throws {
        guard engineName == "sqlite" else { return }
        try await withTestApp { app, _ in
            let sql = app.services.store(app.db).sql
            struct Mode: Decodable { var journal_mode: String }
            #expect(try await sql.raw("PRAGMA journal_mode").first(decoding: Mode.self)?.journal_mode == "wal")
            // Per-connection settings are applied on the writer's connection.
            let values = try await app.services.store(app.db).write { tx in
                let s = tx as! any SQLDatabase
                struct FK: Decodable { var foreign_keys: Int }
                struct Sync: Decodable { var synchronous: Int }
                struct Busy: Decodable { var timeout: Int }
                return (try await s.raw("PRAGMA foreign_keys").first(decoding: FK.self)?.foreign_keys,
                        try await s.raw("PRAGMA synchronous").first(decoding: Sync.self)?.synchronous,
                        try await s.raw("PRAGMA busy_timeout").first(decoding: Busy.self)?.timeout)
            }
            #expect(values.0 == 1)
            #expect(values.1 == 2)  // FULL
            #expect(values.2 == 5000)
        }
    }
}

@Suite struct ConfigurationTests {
    @Test func defaultsToEmbeddedSQLite() throws {
        let config = try AppConfiguration.fromEnvironment([:])
        #expect(config.storage == .sqlite(path: "./data/estate.sqlite"))
        #expect(config.port == 8080)
    }

    @Test func readsPostgresAndSettings() throws {
        let config = try AppConfiguration.fromEnvironment([
            "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/estate", "ESTATE_PORT": "9000", "ESTATE_DB_POOL": "12",
            "ESTATE_SECURE_COOKIES": "true", "ESTATE_SECRET_KEY": Data(repeating: 1, count: 32).base64EncodedString(),
        ])
        #expect(config.isPostgres)
        #expect(config.port == 9000)
        #expect(config.postgresPoolPerLoop == 12)
        #expect(config.secureCookies == true)
        #expect(config.secretKey?.count == 32)
    }

    @Test(arguments: [
        ("ESTATE_PORT", "eighty"), ("ESTATE_PORT", "70000"), ("DATABASE_URL", "mysql://x"), ("ESTATE_SECRET_KEY", "short"),
        ("ESTATE_SECURE_COOKIES", "maybe"), ("ESTATE_LOG_LEVEL", "loud"), ("ESTATE_ADMIN_PASSWORD", "short"), ("ESTATE_BCRYPT_COST", "3"),
    ])
    func malformedSettingsStopStartUpNamingTheVariable(name: String, value: String) {
        #expect {
            _ = try AppConfiguration.fromEnvironment([name: value])
        } throws: { error in
            (error as? AppConfiguration.Invalid)?.variable == name
        }
    }
}

@Suite struct CatalogTests {
    @Test func bothLanguagesHaveTheSameKeys() throws {
        let catalog = try Catalog.load()
        let zh = Set(catalog.strings[.zh]!.keys), en = Set(catalog.strings[.en]!.keys)
        #expect(zh.subtracting(en).isEmpty, "missing in en: \(zh.subtracting(en).sorted())")
        #expect(en.subtracting(zh).isEmpty, "missing in zh: \(en.subtracting(zh).sorted())")
        for role in Role.allCases { #expect(catalog.has(role.catalogKey), "\(role)") }
        for item in Shell.modules + Shell.admin { #expect(catalog.has(item.key), "\(item.key)") }
    }

    /// Every error code the code can raise has a message.
    @Test func everyProblemCodeHasAMessage() throws {
        let catalog = try Catalog.load()
        let codes = ["unauthenticated", "forbidden", "not_found", "csrf_failed", "validation_failed", "invalid_request",
                     "internal_error", "invalid_credentials", "account_locked", "too_many_attempts", "username_taken",
                     "username_invalid", "display_name_invalid", "cannot_disable_self", "grant_exists", "last_admin",
                     "project_code_taken", "project_code_invalid", "project_name_invalid", "city_invalid", "required",
                     "page_out_of_range", "per_page_out_of_range", "role_unknown", "project_unknown", "method_not_allowed", "too_long", "invalid_characters"]
            + [Credentials.PasswordProblem.tooShort.rawValue, Credentials.PasswordProblem.tooLong.rawValue]
        for code in codes { #expect(catalog.has("error.\(code)"), "\(code)") }
    }

    @Test func acceptLanguagePicksByQuality() {
        #expect(Language.from(acceptLanguage: nil) == .zh)
        #expect(Language.from(acceptLanguage: "en-US,en;q=0.9") == .en)
        #expect(Language.from(acceptLanguage: "en;q=0.4, zh-CN;q=0.8") == .zh)
        #expect(Language.from(acceptLanguage: "fr-FR") == .zh)
    }
}

@Suite struct DemoTests {
    @Test func demoSeedsOnceWithOneUserPerRole() async throws {
        try await withTestApp { app, _ in
            #expect(try await DemoSeeder.seed(app.services, db: app.db))
            #expect(!(try await DemoSeeder.seed(app.services, db: app.db)))
            #expect(try await UnitRecord.query(on: app.db).count() == 400)
            #expect(try await BuildingRecord.query(on: app.db).count() == 2)
            #expect(try await UserRecord.query(on: app.db).count() == Role.allCases.count)
            for role in Role.allCases {
                #expect(try await RoleGrantRecord.query(on: app.db).filter(\.$role == role.rawValue).count() == 1)
            }
            // Totals are exact: area (1/100 m²) × unit price (fen), rounded to the fen.
            let unit = try #require(try await UnitRecord.query(on: app.db).filter(\.$code == "1-1-1201").first())
            #expect(unit.builtArea == 11856)
            #expect(unit.listTotal == (Int64(unit.builtArea) * unit.listUnitPrice + 50) / 100)
            _ = try await Fixtures(app: app).token("consultant", password: DemoSeeder.password)
        }
    }
}

@Suite struct PageTests {
    @Test func adminPagesRenderForAnAdministrator() async throws {
        try await withTestApp { app, _ in
            try await DemoSeeder.seed(app.services, db: app.db)
            var browser = Browser(app: app)
            _ = try await browser.signIn("admin", DemoSeeder.password)
            for (path, text) in [("/", "华熙悦府"), ("/admin/users", "孙丽娜"), ("/admin/projects", "HXY"), ("/admin/audit?action=demo.seed", "demo.seed")] {
                let res = try await browser.get(path)
                #expect(res.status == .ok, "\(path)")
                #expect(res.body.string.contains(text), "\(path) shows \(text)")
                #expect(res.headers.contentType == .html)
                #expect(res.headers.first(name: "Content-Security-Policy") != nil)
            }
            let users = try await browser.get("/admin/users?q=consultant")
            #expect(users.body.string.contains("孙丽娜"))
            #expect(!users.body.string.contains("王建国"))
        }
    }

    @Test func userAdministrationThroughTheForms() async throws {
        try await withTestApp { app, _ in
            try await DemoSeeder.seed(app.services, db: app.db)
            var browser = Browser(app: app)
            _ = try await browser.signIn("admin", DemoSeeder.password)
            var csrf = try #require(Browser.csrf(in: try await browser.get("/admin/users").body.string))
            // A bad form comes back with its messages and keeps what was typed.
            let bad = try await browser.post("/admin/users", form: ["_csrf": csrf, "username": "X Y", "displayName": "新人", "password": "123"])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("密码至少需要 8 个字符"))
            #expect(bad.body.string.contains("新人"))
            let created = try await browser.post("/admin/users", form: ["_csrf": csrf, "username": "new.hire", "displayName": "新人", "password": "password-123"])
            #expect(created.status == .seeOther)
            let location = try #require(created.headers.first(name: .location))
            let userPage = try await browser.get(location)
            #expect(userPage.body.string.contains("用户已创建"))
            csrf = try #require(Browser.csrf(in: userPage.body.string))
            let base = String(location.prefix { $0 != "?" })
            let project = try #require(try await ProjectRecord.query(on: app.db).first()?.id)
            let granted = try await browser.post(base + "/grants", form: ["_csrf": csrf, "role": "finance", "projectId": project.uuidString])
            #expect(granted.headers.first(name: .location)?.contains("notice=notice.granted") == true)
            _ = try await browser.post(base + "/status", form: ["_csrf": csrf, "disabled": "true"])
            let user = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "new.hire").first())
            #expect(user.isDisabled)
            #expect(try await RoleGrantRecord.query(on: app.db).filter(\.$userID == user.id!).count() == 1)
        }
    }
}

@Suite struct DateTranscoderTests {
    @Test func readsRFC3339WithOffsetsAndFractions() throws {
        let t = FlexibleISO8601()
        #expect(try t.decode("2026-11-26T08:00:00Z") == Date(timeIntervalSince1970: 1_795_680_000))
        #expect(try t.decode("2026-11-26T16:00:00+08:00") == Date(timeIntervalSince1970: 1_795_680_000))
        #expect(try t.decode("2026-11-26T08:00:00.250Z") == Date(timeIntervalSince1970: 1_795_680_000.25))
        #expect(try t.decode("0173-12-02T23:04:26-23:51") == t.decode("0173-12-03T22:55:26Z"))
        #expect(throws: (any Error).self) { try t.decode("2026-13-01T00:00:00Z") }
        #expect(throws: (any Error).self) { try t.decode("yesterday") }
        #expect(try t.encode(Date(timeIntervalSince1970: 1_795_680_000.25)) == "2026-11-26T08:00:00.250Z")
    }
}
