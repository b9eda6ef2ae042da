import EstateCore
@testable import EstateServer
@testable import EstateSheets
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Finance's receipt desk as a browser drives it (issue 15, point 3): 退回 with a reason, 批量核实
/// with each receipt's outcome (and two finance users batching overlapping receipts at once
/// counting each once), the list as .xlsx, the printable 收据, and money boxes that hold
/// 2163396.64.
@Suite struct ReceiptDeskTests {
    struct World {
        var desk: SaleTests.Desk
        var sale: String
        var item: UUID
    }

    /// A subscription (deposit 50,000) on the desk's first unit, and a second finance user.
    static func world(_ app: Application, _ clock: TestClock) async throws -> World {
        let d = try await SaleTests.desk(app, clock)
        try await Fixtures(app: app).user("money2", roles: [(.finance, d.project)])
        let c = try await SaleTests.customer(d, "付款人", "13900000071")
        let sale = try await SaleTests.subscribe(d, unit: d.units[0], buyers: [(c, "100")]).decode(Schemas.Subscription.self).id
        struct I: Decodable { var id: UUID }
        let item = try await app.db.sql.raw("SELECT id FROM payment_items WHERE subscription_id = \(bind: UUID(uuidString: sale)!)")
            .first(decoding: I.self)!.id
        return World(desk: d, sale: sale, item: item)
    }

    /// A pending receipt recorded through the API by `token` (the consultant unless told).
    @discardableResult
    static func receipt(_ app: Application, _ w: World, amount: String, key: String, token: String? = nil, payer: String = "付款人")
        async throws -> Schemas.Receipt {
        let res = try await app.call(.POST, "/api/v1/receipts", headers: SaleTests.idem(token ?? w.desk.consultant, key), json: [
            "subscriptionId": .s(w.sale), "itemId": .s(w.item.uuidString), "amount": .s(amount), "method": "transfer",
            "receivedOn": .s(w.desk.today.description), "payer": .s(payer), "reference": .s("网银 \(key)")] as J)
        #expect(res.status == .created, "\(res.body.string)")
        return try res.decode(Schemas.Receipt.self)
    }

    /// A finance user's browser on the desk, and the desk's form token (percent-encoded, for raw bodies too).
    static func finance(_ app: Application, _ w: World, _ user: String = "money") async throws -> (Browser, String) {
        var b = Browser(app: app)
        _ = try await b.signIn(user)
        let page = try await b.get("/projects/\(w.desk.project)/receipts")
        let csrf = try #require(Browser.csrf(in: page.body.string))
        return (b, csrf)
    }

    static func encoded(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s }

    struct Sums: Decodable { var confirmed_fen: Int64; var pending_in_fen: Int64 }

    static func sums(_ app: Application, _ item: UUID) async throws -> Sums? {
        try await app.db.sql.raw("SELECT confirmed_fen, pending_in_fen FROM payment_items WHERE id = \(bind: item)").first(decoding: Sums.self)
    }

    /// `ok=` and `skipped=` of the desk a batch redirected to.
    static func outcome(_ location: String) -> (ok: [String], skipped: [String]) {
        let items = URLComponents(string: location)?.queryItems ?? []
        func list(_ name: String) -> [String] {
            (items.first { $0.name == name }?.value ?? "").split(separator: ",").map(String.init)
        }
        return (list("ok"), list("skipped"))
    }

    // MARK: 退回

    @Test func financeSendsAReceiptBackWithAReasonFromTheDesk() async throws {
        try await withTestApp { app, clock in
            let w = try await Self.world(app, clock)
            let r = try await Self.receipt(app, w, amount: "20000", key: "back-0001")
            var (finance, csrf) = try await Self.finance(app, w)
            let desk = "/projects/\(w.desk.project)/receipts"
            var res = try await finance.get(desk)
            var html = res.body.string
            #expect(html.contains("\(desk)/\(r.id)/reject"))
            #expect(html.contains("退回原因（必填）") && html.contains("name=\"reason\" required"))

            // Without a reason: refused, and nothing changes.
            res = try await finance.post("\(desk)/\(r.id)/reject", form: ["_csrf": csrf, "reason": "  ", "back": "status=pending&q=back"])
            var location = try #require(res.headers.first(name: .location))
            #expect(location.hasPrefix("\(desk)?q=back&status=pending"))
            #expect(location.contains("error=reason_required"))
            res = try await finance.get(location)
            #expect(res.body.string.contains("请填写原因。"))
            #expect(try await app.services.sales(app.db).receipt(UUID(uuidString: r.id)!).status == "pending")

            // With one: rejected through the API's service call, audited as the API audits it.
            res = try await finance.post("\(desk)/\(r.id)/reject", form: ["_csrf": csrf, "reason": "银行流水无此笔", "back": "status=pending"])
            location = try #require(res.headers.first(name: .location))
            #expect(location.contains("notice=sale.rejected_notice"))
            let rejected = try await app.services.sales(app.db).receipt(UUID(uuidString: r.id)!)
            #expect(rejected.status == "rejected" && rejected.rejectionReason == "银行流水无此笔" && rejected.confirmedByName != nil)
            #expect(try await Fixtures(app: app).auditCount(action: "receipt.reject") == 1)
            #expect(try await Self.sums(app, w.item)?.pending_in_fen == 0)
            // Twice: a flash, not a second rejection.
            res = try await finance.post("\(desk)/\(r.id)/reject", form: ["_csrf": csrf, "reason": "再退一次", "back": ""])
            #expect(res.headers.first(name: .location)?.contains("error=receipt_not_pending") == true)
            #expect(try await Fixtures(app: app).auditCount(action: "receipt.reject") == 1)

            // The reason shows on the desk's 已驳回 tab, on the sale, and in the API.
            res = try await finance.get("\(desk)?status=rejected")
            html = res.body.string
            #expect(html.contains("退回原因：银行流水无此笔"))
            #expect(!html.contains("\(desk)/\(r.id)/print"))
            res = try await app.call(.GET, "/api/v1/receipts?projectId=\(w.desk.project)&status=rejected", headers: .bearer(w.desk.consultant))
            #expect(try res.decode(Schemas.ReceiptPage.self).items.first?.rejectionReason == "银行流水无此笔")
            var consultant = Browser(app: app)
            _ = try await consultant.signIn("alice")
            res = try await consultant.get("/sales/\(w.sale)")
            #expect(res.body.string.contains("退回原因：银行流水无此笔"))
            // Not finance: no 退回 on the desk, and the route refuses.
            res = try await consultant.get(desk)
            #expect(!res.body.string.contains("/reject"))
            let consultantCSRF = try #require(Browser.csrf(in: res.body.string))
            let r2 = try await Self.receipt(app, w, amount: "1000", key: "back-0002")
            res = try await consultant.post("\(desk)/\(r2.id)/reject", form: ["_csrf": consultantCSRF, "reason": "x"])
            #expect(res.status == .forbidden)
        }
    }

    // MARK: 批量核实

    @Test func aBatchConfirmsWhatItCanAndSaysWhyItLeftTheRest() async throws {
        try await withTestApp { app, clock in
            let w = try await Self.world(app, clock)
            let r1 = try await Self.receipt(app, w, amount: "1000.10", key: "batch-0001")
            let r2 = try await Self.receipt(app, w, amount: "2000.20", key: "batch-0002")
            let r3 = try await Self.receipt(app, w, amount: "3000.30", key: "batch-0003")
            let own = try await Self.receipt(app, w, amount: "400", key: "batch-0004", token: w.desk.finance)
            // Another finance user confirms r3 first.
            let money2 = try await Fixtures(app: app).token("money2")
            #expect(try await app.call(.POST, "/api/v1/receipts/\(r3.id)/confirmation", headers: .bearer(money2)).status == .ok)

            var (finance, csrf) = try await Self.finance(app, w)
            let desk = "/projects/\(w.desk.project)/receipts"
            var res = try await finance.get(desk)
            var html = res.body.string
            #expect(html.contains("id=\"batch-confirm\"") && html.contains("data-check-all=\"id\""))
            #expect(html.contains("value=\"\(r1.id)\" form=\"batch-confirm\""))
            #expect(!html.contains("value=\"\(own.id)\" form=\"batch-confirm\""))  // one's own cannot be ticked

            // None ticked: a message, nothing done.
            res = try await finance.post("\(desk)/confirm", form: ["_csrf": csrf, "back": "status=pending"])
            #expect(res.headers.first(name: .location)?.contains("error=receipts_none_selected") == true)

            // r3 was decided meanwhile and `own` is the user's: both skipped and reported, r1 and r2 confirmed.
            res = try await finance.post("\(desk)/confirm", body: "_csrf=\(Self.encoded(csrf))&back=status%3Dpending&id=\(r1.id)&id=\(r2.id)&id=\(r3.id)&id=\(own.id)&id=\(r1.id)")
            let location = try #require(res.headers.first(name: .location))
            let outcome = Self.outcome(location)
            #expect(Set(outcome.ok) == [r1.id, r2.id])
            #expect(Set(outcome.skipped) == ["\(r3.id):receipt_not_pending", "\(own.id):receipt_own_confirmation"])
            #expect(try await Fixtures(app: app).auditCount(action: "receipt.confirm") == 3)
            #expect(try await Self.sums(app, w.item)?.confirmed_fen == 600_060)
            #expect(try await Self.sums(app, w.item)?.pending_in_fen == 40_000)

            res = try await finance.get(location)
            html = res.body.string
            #expect(html.contains("已核实 2 张，合计 3,000.30 元。"))
            #expect(html.contains("以下 2 张未核实："))
            #expect(html.contains(r3.number) && html.contains("处理为“已核实”，未重复计入"))
            #expect(html.contains(own.number) && html.contains("本人录入的收款单，须由其他财务人员核实"))
            // A link naming receipts of another project, or a made-up code, shows nothing of them.
            res = try await finance.get("\(desk)?ok=\(UUID())&skipped=\(r1.id):forged")
            #expect(res.body.string.contains("已核实 0 张") && !res.body.string.contains("forged"))
        }
    }

    @Test func twoFinanceUsersBatchingOverlappingReceiptsAtOnceCountEachOnce() async throws {
        try await withTestApp { app, clock in
            let w = try await Self.world(app, clock)
            var ids: [String] = []
            for i in 0..<12 { ids.append(try await Self.receipt(app, w, amount: "\(1000 + i).00", key: "race-batch-\(i)").id) }
            let desk = "/projects/\(w.desk.project)/receipts"
            // Two finance users, each with a signed-in browser, tick overlapping sets and submit at the same moment.
            var users: [(Browser, String)] = []
            for u in ["money", "money2"] { users.append(try await Self.finance(app, w, u)) }
            let sets = [Array(ids[0..<9]), Array(ids[3..<12])]
            let outcomes = try await withThrowingTaskGroup(of: (ok: [String], skipped: [String]).self) { group in
                for (n, pair) in users.enumerated() {
                    group.addTask {
                        var b = pair.0
                        let body = "_csrf=\(Self.encoded(pair.1))&back=" + sets[n].map { "&id=\($0)" }.joined()
                        let res = try await b.post("\(desk)/confirm", body: body)
                        return Self.outcome(try #require(res.headers.first(name: .location), "\(engineName): \(res.status)"))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let confirmed = outcomes.flatMap(\.ok)
            #expect(confirmed.count == 12, "\(engineName): \(outcomes)")
            #expect(Set(confirmed) == Set(ids), "\(engineName)")
            // What one skipped, the other confirmed: decided meanwhile, never counted twice.
            #expect(outcomes.flatMap(\.skipped).allSatisfy { $0.hasSuffix(":receipt_not_pending") })
            #expect(outcomes.map { $0.ok.count + $0.skipped.count } == [9, 9])
            let total = (0..<12).reduce(Int64(0)) { $0 + Int64(1000 + $1) * 100 }
            let sums = try await Self.sums(app, w.item)
            #expect(sums?.confirmed_fen == total && sums?.pending_in_fen == 0, "\(engineName)")
            #expect(try await Fixtures(app: app).auditCount(action: "receipt.confirm") == 12)
            struct N: Decodable { var n: Int }
            let events = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM sale_events WHERE kind = 'receipt.confirm'").first(decoding: N.self)?.n
            #expect(events == 12)
        }
    }

    @Test func theAPIBatchesLikeTheDesk() async throws {
        try await withTestApp { app, clock in
            let w = try await Self.world(app, clock)
            let r1 = try await Self.receipt(app, w, amount: "100.01", key: "api-batch-1")
            let r2 = try await Self.receipt(app, w, amount: "200.02", key: "api-batch-2")
            let own = try await Self.receipt(app, w, amount: "300", key: "api-batch-3", token: w.desk.finance)
            let body: J = ["projectId": .s(w.desk.project.uuidString), "receiptIds": .a([.s(r1.id), .s(r2.id), .s(own.id), .s(r1.id), .s(UUID().uuidString)])]
            // Not finance: refused, nothing confirmed.
            var res = try await app.call(.POST, "/api/v1/receipts/confirmations", headers: .bearer(w.desk.consultant), json: body)
            #expect(res.status == .forbidden)
            res = try await app.call(.POST, "/api/v1/receipts/confirmations", headers: .bearer(w.desk.finance), json: body)
            #expect(res.status == .ok, "\(res.body.string)")
            let out = try res.decode(Schemas.ReceiptBatchResult.self)
            #expect(Set(out.confirmed.map(\.id)) == [r1.id, r2.id] && out.confirmedTotal == "300.03")
            #expect(Set(out.skipped.map { "\($0.code.rawValue)" }) == ["receipt_own_confirmation", "not_found"])
            // Again: both were decided, nothing is counted twice.
            res = try await app.call(.POST, "/api/v1/receipts/confirmations", headers: .bearer(w.desk.finance), json: body)
            let again = try res.decode(Schemas.ReceiptBatchResult.self)
            #expect(again.confirmed.isEmpty && again.confirmedTotal == "0.00")
            #expect(again.skipped.filter { $0.code.rawValue == "receipt_not_pending" }.count == 2)
            #expect(try await Self.sums(app, w.item)?.confirmed_fen == 30_003)
            // An empty list is refused by the contract.
            res = try await app.call(.POST, "/api/v1/receipts/confirmations", headers: .bearer(w.desk.finance),
                                     json: ["projectId": .s(w.desk.project.uuidString), "receiptIds": .a([])] as J)
            #expect(res.status == .badRequest || res.status == .unprocessableEntity)
        }
    }

    // MARK: Export

    @Test func theExportHoldsTheFilteredListWithMoneyAsNumbers() async throws {
        try await withTestApp { app, clock in
            let w = try await Self.world(app, clock)
            let a = try await Self.receipt(app, w, amount: "12345.67", key: "xlsx-0001", payer: "=HYPERLINK(1)")
            let b = try await Self.receipt(app, w, amount: "1000", key: "xlsx-0002")
            _ = try await Self.receipt(app, w, amount: "2000", key: "xlsx-0003")
            for r in [a, b] {
                #expect(try await app.call(.POST, "/api/v1/receipts/\(r.id)/confirmation", headers: .bearer(w.desk.finance)).status == .ok)
            }
            var (finance, _) = try await Self.finance(app, w)
            let desk = "/projects/\(w.desk.project)/receipts"
            // The desk's export link carries its filter.
            var res = try await finance.get("\(desk)?status=confirmed&q=xlsx")
            #expect(res.body.string.contains("\(desk)/export?q=xlsx&amp;status=confirmed"))
            res = try await finance.get("\(desk)/export?q=xlsx&status=confirmed")
            #expect(res.status == .ok)
            #expect(res.headers.first(name: "Content-Disposition")?.contains(".xlsx") == true)
            let data = Data(buffer: res.body)
            let rows = try XLSXReader.rows(data)
            #expect(rows.count == 3)  // header + the two confirmed
            #expect(rows[0].cells.prefix(5) == ["收款单号", "房号", "款项", "类型", "金额（元）"])
            let byNumber = Dictionary(rows.dropFirst().map { ($0.cells[0], $0.cells) }, uniquingKeysWith: { x, _ in x })
            #expect(byNumber[a.number].flatMap { Money(yuanText: $0[4]) } == Money(fen: 1_234_567))
            #expect(byNumber[b.number].flatMap { Money(yuanText: $0[4]) } == Money(fen: 100_000))
            #expect(byNumber[a.number]?[7] == "=HYPERLINK(1)")  // text, not a formula
            #expect(byNumber[a.number]?[11] == "已核实")
            // Money is a number cell with the money format, not text.
            let zip = try ZipPackage(data)
            let sheet = String(decoding: try zip.requiredPart("xl/worksheets/sheet1.xml"), as: UTF8.self)
            let styles = String(decoding: try zip.requiredPart("xl/styles.xml"), as: UTF8.self)
            #expect(sheet.contains("<c r=\"E2\" s=\"\(XLSXWriter.Style.money)\"><v>"))
            #expect(styles.contains("formatCode=\"#,##0.00\""))
            // Every status, every row.
            res = try await finance.get("\(desk)/export?status=all")
            #expect(try XLSXReader.rows(Data(buffer: res.body)).count == 4)
            // Another project's desk is not this user's.
            let other = try await Fixtures(app: app).project("QT")
            res = try await finance.get("/projects/\(other)/receipts/export?status=all")
            #expect(res.status == .notFound)
        }
    }

    // MARK: 收据

    @Test func onlyAConfirmedReceiptPrintsAsAVoucher() async throws {
        try await withTestApp { app, clock in
            let w = try await Self.world(app, clock)
            let ok = try await Self.receipt(app, w, amount: "21633.64", key: "vch-0001", payer: "林晓燕")
            let pending = try await Self.receipt(app, w, amount: "1000", key: "vch-0002")
            let rejected = try await Self.receipt(app, w, amount: "1000", key: "vch-0003")
            #expect(try await app.call(.POST, "/api/v1/receipts/\(ok.id)/confirmation", headers: .bearer(w.desk.finance)).status == .ok)
            #expect(try await app.call(.POST, "/api/v1/receipts/\(rejected.id)/rejection", headers: .bearer(w.desk.finance),
                                       json: ["reason": "未到账"] as J).status == .ok)
            var (finance, _) = try await Self.finance(app, w)
            let desk = "/projects/\(w.desk.project)/receipts"
            var res = try await finance.get("\(desk)/\(ok.id)/print")
            #expect(res.status == .ok)
            let html = res.body.string
            #expect(html.contains("收　据") && html.contains("No. \(ok.number)"))
            #expect(html.contains("林晓燕") && html.contains(w.desk.units[0].code) && html.contains("定金"))
            #expect(html.contains("贰万壹仟陆佰叁拾叁元陆角肆分") && html.contains("¥21,633.64"))
            #expect(html.contains("银行转账（凭证号 网银 vch-0001）"))
            #expect(html.contains("经办人：") && html.contains("复核人："))
            #expect(html.contains("第一联") && html.contains("第二联") && html.contains("/sales/voucher.css"))
            #expect(html.contains("收款单位（盖章）：测试项目"))
            for r in [pending, rejected] {
                res = try await finance.get("\(desk)/\(r.id)/print")
                #expect(res.status == .conflict)
                #expect(!res.body.string.contains("收　据"))
            }
            // The desk offers the print for confirmed receipts only.
            res = try await finance.get("\(desk)?status=all")
            #expect(res.body.string.contains("\(desk)/\(ok.id)/print"))
            #expect(!res.body.string.contains("\(desk)/\(pending.id)/print") && !res.body.string.contains("\(desk)/\(rejected.id)/print"))
            res = try await finance.get("/sales/voucher.css")
            #expect(res.body.string.contains("height: 148mm") && res.body.string.contains("@page"))
        }
    }

    // MARK: Money boxes

    /// The receipt form's amount box was `input.short` (max-width 80 px): 2163396.64 showed as
    /// "2163396.6". Money boxes now carry the `money` class, wide enough for the API's largest amount,
    /// a decimal keypad, and nothing (maxlength, step, pattern) that cuts or refuses an amount.
    @Test func moneyBoxesHoldAnyAmountTheAPIAccepts() async throws {
        try await withTestApp { app, clock in
            let w = try await Self.world(app, clock)
            var consultant = Browser(app: app)
            _ = try await consultant.signIn("alice")
            let sale = "/sales/\(w.sale)"
            var res = try await consultant.get(sale)
            let html = res.body.string
            let csrf = try #require(Browser.csrf(in: html))
            let key = try #require(SalePageTests.value("idempotencyKey", in: html))
            // More than the deposit: the form comes back holding every digit.
            res = try await consultant.post(sale + "/receipts", form: ["_csrf": csrf, "idempotencyKey": key, "itemId": w.item.uuidString,
                                                                       "amount": "2163396.64", "method": "transfer",
                                                                       "receivedOn": w.desk.today.description, "payer": "付款人"])
            #expect(res.status == .conflict)
            let back = res.body.string
            let input = try #require(Self.tag(containing: "value=\"2163396.64\"", in: back))
            #expect(input.contains("class=\"money\"") && input.contains("inputmode=\"decimal\""))
            for cut in ["maxlength", "step=", "pattern=", "short"] { #expect(!input.contains(cut), "\(cut) in \(input)") }
            // Every money box on the page is one.
            for name in ["amount"] {
                let boxes = Self.tags(named: name, in: html)
                #expect(!boxes.isEmpty && boxes.allSatisfy { $0.contains("class=\"money\"") }, "\(boxes)")
            }
            res = try await consultant.get("/assets/app.css")
            let css = res.body.string
            #expect(css.contains("input.money { min-width: calc(15ch + 20px);"))
            // The largest amount the API takes fits the box: 15 characters.
            #expect("999999999999.99".count <= 15 && Money(yuanText: "2163396.64") == Money(fen: 216_339_664))
        }
    }

    /// The `<input …>` tag holding `needle`.
    static func tag(containing needle: String, in html: String) -> String? {
        guard let r = html.range(of: needle),
              let start = html[..<r.lowerBound].range(of: "<input", options: .backwards),
              let end = html[r.upperBound...].range(of: ">") else { return nil }
        return String(html[start.lowerBound..<end.upperBound])
    }

    static func tags(named name: String, in html: String) -> [String] {
        var out: [String] = []
        var rest = html[...]
        while let r = rest.range(of: "name=\"\(name)\"") {
            if let start = rest[..<r.lowerBound].range(of: "<", options: .backwards), let end = rest[r.upperBound...].range(of: ">") {
                let tag = String(rest[start.lowerBound..<end.upperBound])
                if tag.hasPrefix("<input") { out.append(tag) }
            }
            rest = rest[r.upperBound...]
        }
        return out
    }
}

extension Browser {
    /// A form body as a browser sends it, repeated fields and all (`id=…&id=…`).
    mutating func post(_ path: String, body: String) async throws -> TestingHTTPResponse {
        var out: TestingHTTPResponse?
        var headers = cookieHeader
        headers.contentType = .urlEncodedForm
        try await app.testing().test(.POST, path, headers: headers, body: ByteBuffer(string: body)) { out = $0 }
        absorb(out!)
        return out!
    }
}
