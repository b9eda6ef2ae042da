import EstateCore
@testable import EstateServer
import Foundation
import Testing
import Vapor
import VaporTesting

/// The owner pages name the number they tell owners to call: each project's 客服热线, set on the
/// project form (issue 15).
@Suite struct ProjectHotlineTests {
    @Test func theHotlineIsSetOnTheProjectAndShownToOwners() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            try await f.user("root", roles: [(.admin, nil)])
            var admin = Browser(app: app)
            _ = try await admin.signIn("root")
            let token = try #require(Browser.csrf(in: try await admin.get("/admin/projects").body.string))
            let base = ["_csrf": token, "code": "HOT", "name": "热线测试", "city": "杭州", "priceRounding": "fen", "isActive": "true"]

            // A number that is not one is refused, and nothing is created.
            var res = try await admin.post("/admin/projects", form: base.merging(["serviceHotline": "call us"]) { _, b in b })
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("请填写有效的电话号码"))
            #expect(try await ProjectRecord.query(on: app.db).count() == 0)

            // Before any project has one, the footer names none.
            var owner = Browser(app: app)
            #expect(!(try await owner.get("/owner").body.string.contains("tel:")))

            res = try await admin.post("/admin/projects", form: base.merging(["serviceHotline": "400-826-1688"]) { _, b in b })
            #expect(res.status == .seeOther)
            let project = try #require(try await ProjectRecord.query(on: app.db).first())
            #expect(project.serviceHotline == "400-826-1688")
            let html = try await owner.get("/owner").body.string
            #expect(html.contains(#"<a href="tel:4008261688">400-826-1688</a>"#))

            // An inactive project's number is not offered.
            project.isActive = false
            try await project.save(on: app.db)
            #expect(!(try await owner.get("/owner").body.string.contains("tel:")))
        }
    }
}
