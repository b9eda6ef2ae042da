import EstateCore
@testable import EstateServer
import Foundation
import Testing
import Vapor
import VaporTesting

/// Issue 15 point 9: the sale and contract pages offer the actions of the current stage that the
/// viewer may do, each a button opening its form (a refused form comes back open with its
/// reasons); 取消预留 asks for a reason, on the server too, and the board comes back at the unit.
@Suite struct StageActionsTests {
    /// The `<details>` of an action, and whether it is open.
    static func action(_ id: String, in html: String) -> (present: Bool, open: Bool) {
        guard let r = html.range(of: "id=\"act-\(id)\"") else { return (false, false) }
        let tag = html[html[..<r.lowerBound].range(of: "<details", options: .backwards)!.lowerBound...].prefix { $0 != ">" }
        return (true, tag.contains(" open"))
    }

    @Test func aReservationIsCancelledOnlyWithAReasonAndTheBoardComesBackAtTheUnit() async throws {
        try await withTestApp { app, clock in
            // setup: a reserved unit.
            let f = Fixtures(app: app)
            let project = try await f.project("RV")
            let unit = try await Inventory(app: app).seed(project)[0]
            try await f.user("manager", roles: [(.salesManager, project)])
            let token = try await f.token("manager")
            let path = "/api/v1/projects/\(project)/units/\(unit.id)/moves"
            var res = try await app.call(.POST, path, headers: .bearer(token), json: [
                "move": "reserve", "customerName": "张三", "customerMobile": "13812345678", "expiresAt": (clock.now + 86_400).rfc3339])
            #expect(res.status == .ok)
            // MUT: no reason, through the API.
            res = try await app.call(.POST, path, headers: .bearer(token), json: ["move": "unreserve"])
            // validate: refused by field and code, in both languages; the unit is still reserved.
            #expect(res.status == .unprocessableEntity)
            let problem = try res.problem()
            #expect(problem.errors?.first?.field == "reason" && problem.errors?.first?.code == "reason_required")
            #expect(try await app.services.inventory(app.db).unit(unit.id, in: project).status == .reserved)

            // The board's panel: the form asks for a reason and a confirmation.
            var browser = Browser(app: app)
            _ = try await browser.signIn("manager")
            let panel = try await browser.get("/projects/\(project)/units/\(unit.id)/panel").body.string
            #expect(panel.contains("value=\"unreserve\""))
            #expect(panel.contains("data-confirm=\"确定取消 \(unit.code) 的预留"))
            let csrf = try #require(Browser.csrf(in: try await browser.get("/projects/\(project)/board").body.string))
            // Posted without a reason from the board: back at the unit with the reason why.
            res = try await browser.post("/projects/\(project)/units/\(unit.id)/moves", form: [
                "_csrf": csrf, "move": "unreserve", "reason": "  ", "back": "board", "building": unit.buildingID.uuidString])
            #expect(res.status == .seeOther)
            let back = try #require(res.headers.first(name: .location))
            #expect(back.contains("error=reason_required") && back.hasSuffix("#u-\(unit.id)"))
            #expect(try await app.services.inventory(app.db).unit(unit.id, in: project).status == .reserved)
            // With a reason: done, back at the same unit, and the reason is on the unit's history.
            res = try await browser.post("/projects/\(project)/units/\(unit.id)/moves", form: [
                "_csrf": csrf, "move": "unreserve", "reason": "客户改选 2 号楼", "back": "board", "building": unit.buildingID.uuidString])
            let done = try #require(res.headers.first(name: .location))
            #expect(done.contains("/board?building=\(unit.buildingID)&notice=notice.saved#u-\(unit.id)"), "\(done)")
            #expect(try await app.services.inventory(app.db).unit(unit.id, in: project).status == .available)
            let board = try await browser.get("/projects/\(project)/board").body.string
            #expect(board.contains("id=\"u-\(unit.id)\""))
            res = try await app.call(.GET, "/api/v1/projects/\(project)/units/\(unit.id)/history", headers: .bearer(token))
            #expect(try res.decode([Schemas.UnitHistoryLine].self).first?.reason == "客户改选 2 号楼")
        }
    }

    @Test func theSalePageOffersTheStagesActionsAsButtonsAndReopensARefusedOne() async throws {
        try await withTestApp { app, clock in
            // setup: a live subscription.
            let w = try await SalePageTests.world(app, clock)
            var browser = Browser(app: app)
            _ = try await browser.signIn("gu.wen")
            let sale = try await SalePageTests.subscribe(&browser, w)
            // MUT
            var html = try await browser.get(sale).body.string
            // validate: the consultant's actions, each closed; one form per action, not all open at once.
            for id in ["contract", "receipt", "unit", "buyers", "cancel"] {
                #expect(Self.action(id, in: html) == (true, false), "\(id)")
            }
            #expect(html.contains("class=\"action danger\" id=\"act-cancel\""))
            // Finance: may collect, may not sell: the receipt only.
            var finance = Browser(app: app)
            _ = try await finance.signIn("cai.wu")
            let fin = try await finance.get(sale).body.string
            #expect(Self.action("receipt", in: fin).present)
            for id in ["contract", "unit", "buyers", "cancel"] { #expect(!Self.action(id, in: fin).present, "\(id)") }

            // 退订 refused by the server (no reason): the page comes back with that form open, its
            // reason shown and what was chosen kept; the others stay closed.
            let csrf = try #require(Browser.csrf(in: html))
            let res = try await browser.post(sale + "/cancel", form: ["_csrf": csrf, "outcome": "forfeit", "reason": ""])
            #expect(res.status == .unprocessableEntity)
            html = res.body.string
            #expect(Self.action("cancel", in: html) == (true, true))
            #expect(Self.action("contract", in: html) == (true, false))
            #expect(html.contains("请填写原因"))
            #expect(html.contains("value=\"forfeit\" selected"))

            // Once the contract is drafted the sale page offers no 起草合同 or 换房, the contract page
            // offers 签约审核 only to customer service, and 签约 only after the review.
            let csrf2 = try #require(Browser.csrf(in: try await browser.get(sale).body.string))
            let drafted = try await browser.post(sale + "/contract", form: [
                "_csrf": csrf2, "number": "", "buyerKind": "local_individual", "firstPaymentDue": w.today.adding(days: 7).description,
                "loan": "100000", "loanDue": w.today.adding(days: 60).description,
                "penaltyRate": "50", "deliveryDue": w.today.adding(days: 365).description, "titleDays": "365", "clauses": ""])
            let contract = String(try #require(drafted.headers.first(name: .location)).prefix { $0 != "?" })
            html = try await browser.get(sale).body.string
            #expect(!Self.action("contract", in: html).present && !Self.action("unit", in: html).present)
            html = try await browser.get(contract).body.string
            #expect(!Self.action("review", in: html).present && !Self.action("sign", in: html).present)
            #expect(!Self.action("terminate", in: html).present, "退房 is for a signed contract")
            #expect(Self.action("plan", in: html).present)
            try await Fixtures(app: app).user("ke.fu", roles: [(.csStaff, w.project)])
            var service = Browser(app: app)
            _ = try await service.signIn("ke.fu")
            html = try await service.get(contract).body.string
            #expect(Self.action("review", in: html) == (true, false))
            #expect(!Self.action("plan", in: html).present, "customer service does not change plans")
        }
    }
}
