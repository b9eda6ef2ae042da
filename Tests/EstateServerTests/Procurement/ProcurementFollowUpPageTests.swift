import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// 采购's pages after the review (issue 19): the one loader behind the delivery and invoice forms.
@Suite("Procurement: follow-up pages")
struct ProcurementFollowUpPageTests {
    typealias Pages = ProcurementPageTests

    @Test func theDeliveryAndInvoiceFormsAnswer404OnlyForAMissingOrderAndLetADatabaseErrorThrough() async throws {
        try await withTestApp { app, clock in
            // setup: an approved order; procurement signed in.
            let d = try await Pages.desk(app, clock, code: "LD")
            let (order, line) = try await Pages.approvedOrder(d, supplier: 31)
            var staff = try await Pages.browser(app, "ld.caigou")
            let forms = ["/procurement/orders/\(order)/delivery", "/procurement/orders/\(order)/invoice"]
            // MUT + validate: both forms show the order's line, supplier and quantities from the one loader.
            for form in forms {
                let shown = try await staff.get(form)
                #expect(shown.status == .ok && shown.body.string.contains("quantity_\(line)") && shown.body.string.contains("供应商31"), "\(form)")
            }
            // A missing order is 404 on the forms and their POSTs.
            for path in ["/procurement/orders/\(UUID())/delivery", "/procurement/orders/\(UUID())/invoice"] {
                #expect(try await staff.get(path).status == .notFound, "\(path)")
            }
            let formPage = try await staff.get(forms[0])
            let csrf = try #require(Browser.csrf(in: formPage.body.string))
            #expect(try await staff.post("/procurement/orders/\(UUID())/delivery", form: ["_csrf": csrf]).status == .notFound)
            // A database failure reading the order is an error, not a missing order (it was 404 under `try?`).
            try await (app.db as! any SQLDatabase).raw("ALTER TABLE purchase_orders RENAME TO purchase_orders_moved").run()
            for form in forms {
                let failed = try await staff.get(form)
                #expect(failed.status == .internalServerError, "\(form): \(failed.status)")
            }
            #expect(try await staff.post(forms[1], form: ["_csrf": csrf]).status == .internalServerError)
        }
    }

    @Test func theMismatchQueuesButtonsRejectReplaceAndLetOnlyTheManagerAccept() async throws {
        try await withTestApp { app, clock in
            // setup: 2 t accepted; two invoices billing ¥4,100 a tonne against the order's ¥4,000 — in the queue.
            let d = try await Pages.desk(app, clock, code: "MP")
            let (order, line) = try await Pages.approvedOrder(d, supplier: 41)
            typealias S = ProcurementSettlementTests
            try await S.deliver(d, order.uuidString, line: line.uuidString, quantity: "2", accepted: "2", rejected: "0", batch: "GJ-1")
            let one = try await S.invoice(d, order.uuidString, line: line.uuidString, number: "MP-1", quantity: "1", price: "4100", amount: "4100")
            let two = try await S.invoice(d, order.uuidString, line: line.uuidString, number: "MP-2", quantity: "1", price: "4100", amount: "4100")
            var staff = try await Pages.browser(app, "mp.caigou")
            var manager = try await Pages.browser(app, "mp.jingli")
            var finance = try await Pages.browser(app, "mp.caiwu")
            let onePath = "/procurement/invoices/\(one.id)", twoPath = "/procurement/invoices/\(two.id)"
            // MUT: what each role is offered; the clerk tries to accept; rejects without, then with a reason.
            let staffView = try await staff.get(onePath), managerView = try await manager.get(onePath), financeView = try await finance.get(onePath)
            let staffAccepts = try await Pages.post(&staff, from: onePath, to: onePath + "/resolution", ["outcome": "accept", "reason": "同意"])
            let noReason = try await Pages.post(&staff, from: onePath, to: onePath + "/resolution", ["outcome": "reject", "reason": " "])
            let rejected = try await Pages.post(&staff, from: onePath, to: onePath + "/resolution", ["outcome": "reject", "reason": "单价不符，退回重开"])
            let afterReject = try await staff.get(onePath)
            // The manager accepts the second with a reason.
            let accepted = try await Pages.post(&manager, from: twoPath, to: twoPath + "/resolution", ["outcome": "accept", "reason": "调价函已确认"])
            let afterAccept = try await finance.get(twoPath)
            // validate
            let sv = Pages.section(staffView.body.string, "pr-resolve"), mv = Pages.section(managerView.body.string, "pr-resolve")
            #expect(sv.contains("value=\"reject\"") && !sv.contains("value=\"accept\"") && sv.contains(onePath + "/replacement"))
            #expect(mv.contains("value=\"accept\"") && mv.contains("value=\"reject\""))
            #expect(!financeView.body.string.contains("id=\"pr-resolve\""), "finance pays; it does not resolve")
            #expect(staffAccepts.status == .forbidden && staffAccepts.body.string.contains("只有采购经理可以接受差异发票"))
            #expect(noReason.status == .unprocessableEntity && noReason.body.string.contains("请填写原因"))
            #expect(Pages.redirected(rejected)?.contains("notice=pr.invoice_rejected") == true, "\(rejected.status)")
            #expect(afterReject.body.string.contains("已退回供应商") && afterReject.body.string.contains("单价不符，退回重开"))
            #expect(!afterReject.body.string.contains("id=\"pr-resolve\""))
            #expect(Pages.redirected(accepted)?.contains("notice=pr.invoice_accepted") == true, "\(accepted.status) \(accepted.body.string.suffix(500))")
            #expect(afterAccept.body.string.contains("差异已接受") && afterAccept.body.string.contains("调价函已确认"))
            #expect(afterAccept.body.string.contains(twoPath + "/payment"), "an accepted invoice is payable")
            #expect(try await Fixtures(app: app).auditCount(action: "invoice.accept") == 1)
        }
    }

    @Test func aCorrectedInvoiceReplacesAMismatchThroughItsForm() async throws {
        try await withTestApp { app, clock in
            // setup: 2 t accepted; 2 t billed at ¥4,100.
            let d = try await Pages.desk(app, clock, code: "RP")
            let (order, line) = try await Pages.approvedOrder(d, supplier: 42)
            typealias S = ProcurementSettlementTests
            try await S.deliver(d, order.uuidString, line: line.uuidString, quantity: "2", accepted: "2", rejected: "0", batch: "GJ-2")
            let bad = try await S.invoice(d, order.uuidString, line: line.uuidString, number: "RP-1", quantity: "2", price: "4100", amount: "8200")
            var staff = try await Pages.browser(app, "rp.caigou")
            let form = "/procurement/invoices/\(bad.id)/replacement"
            // MUT: without a reason; then the corrected invoice at the order's price.
            let shown = try await staff.get(form)
            let noReason = try await Pages.post(&staff, from: form, to: form, ["number": "RP-2", "invoicedOn": d.today.description,
                                                                              "quantity_\(line)": "2", "unitPrice_\(line)": "4000"])
            let done = try await Pages.post(&staff, from: form, to: form, ["number": "RP-2", "invoicedOn": d.today.description, "reason": "红字冲销后重开",
                                                                          "quantity_\(line)": "2", "unitPrice_\(line)": "4000"])
            let at = try #require(Pages.redirected(done), "\(done.status) \(done.body.string.suffix(800))")
            let old = try await staff.get("/procurement/invoices/\(bad.id)")
            // validate: the form names the invoice it replaces; the new one matched; the old one links to it; the form is gone.
            #expect(shown.status == .ok && shown.body.string.contains("RP-1") && shown.body.string.contains("name=\"reason\""))
            #expect(noReason.status == .unprocessableEntity && noReason.body.string.contains("请填写原因"))
            #expect(at.contains("notice=pr.invoice_matched"))
            let newPath = String(at.prefix { $0 != "?" })
            #expect(old.body.string.contains("已更正替换") && old.body.string.contains("href=\"\(newPath)\""))
            #expect(try await staff.get(form).status == .conflict)
        }
    }

    // MARK: point 7 (smaller)

    @Test func onlyTheDepartmentsThatRaiseNeedsRaiseThemAndOnlyTheirOwnOnTheAPIAndThePage() async throws {
        try await withTestApp { app, clock in
            // setup: besides the desk, the property department, the sales site's manager and a consultant.
            let d = try await Pages.desk(app, clock, code: "RN")
            let f = Fixtures(app: app)
            try await f.user("rn.wuye", roles: [(.property, d.project)])
            try await f.user("rn.anchang", roles: [(.salesManager, d.project)])
            try await f.user("rn.guwen", roles: [(.consultant, d.project)])
            func raise(_ token: String, _ department: String) async throws -> TestingHTTPResponse {
                try await app.call(.POST, "/api/v1/purchase-needs", headers: .bearer(token), json: [
                    "projectId": .s(d.project.uuidString), "department": .s(department), "category": "materials", "material": "办公用纸",
                    "unit": "箱", "quantity": "3", "neededOn": .s(d.today.adding(days: 10).description)] as J)
            }
            let finance = try await f.token("rn.caiwu"), consultant = try await f.token("rn.guwen")
            let property = try await f.token("rn.wuye"), sales = try await f.token("rn.anchang")
            let before = try await Pages.count(app, "purchase_needs")
            // MUT + validate (API): who raises none, and a department not one's own, are 403 with the stable code.
            for (token, dept) in [(finance, "office"), (consultant, "sales_site"), (d.engineer, "property"), (property, "engineering"), (sales, "office")] {
                let r = try await raise(token, dept)
                #expect(r.status == .forbidden && ProcurementTests.problemCode(r) == "purchase_need_forbidden", "\(dept): \(r.status)")
            }
            #expect(try await Pages.count(app, "purchase_needs") == before)
            for (token, dept) in [(property, "property"), (sales, "sales_site"), (d.engineer, "engineering"), (d.staff, "office")] {
                let r = try await raise(token, dept)
                #expect(r.status == .created, "\(dept): \(r.body.string)")
            }
            // MUT + validate (page): finance is refused with the rule named; engineering may not raise the property's need;
            // the sales site's manager is offered only its own department.
            let page = "/procurement/projects/\(d.project)/needs"
            var fin = try await Pages.browser(app, "rn.caiwu")
            let refused = try await Pages.post(&fin, from: "/", to: page, ["department": "office", "category": "materials", "material": "A4纸",
                                                                         "unit": "箱", "quantity": "1", "neededOn": d.today.adding(days: 5).description])
            #expect(refused.status == .forbidden && refused.body.string.contains("不能提出该采购需求"), "\(refused.status)")
            var engineer = try await Pages.browser(app, "rn.gongcheng")
            let notOwn = try await Pages.post(&engineer, from: page, to: page, ["department": "property", "category": "materials", "material": "灭火器",
                                                                              "unit": "个", "quantity": "1", "neededOn": d.today.adding(days: 5).description])
            #expect(notOwn.status == .forbidden && notOwn.body.string.contains("不能提出该采购需求"))
            var site = try await Pages.browser(app, "rn.anchang")
            let form = Pages.section(try await site.get(page).body.string, "pr-need-form")
            #expect(form.contains("value=\"sales_site\"") && !form.contains("value=\"engineering\"") && !form.contains("value=\"property\""))
            let good = try await Pages.post(&site, from: page, to: page, ["department": "sales_site", "category": "materials", "material": "样板间绿植",
                                                                        "unit": "盆", "quantity": "12", "neededOn": d.today.adding(days: 5).description])
            #expect(Pages.redirected(good)?.contains("notice=pr.need_raised") == true, "\(good.status)")
            #expect(try await Pages.count(app, "purchase_needs") == before + 5)
        }
    }

    @Test func aTendersInviteListOffersOnlyEligibleSuppliersOfTheLinesCategory() async throws {
        try await withTestApp { app, clock in
            // setup: an approved materials line; suppliers: two of materials, one of equipment, one of materials whose
            // qualification lapsed, one of materials blacklisted.
            let d = try await Pages.desk(app, clock, code: "TI")
            let plan = try await ProcurementTests.approvedPlan(d, budget: "500000")
            let good1 = try await ProcurementTests.supplier(d, 61), good2 = try await ProcurementTests.supplier(d, 65)
            let equipment = try await ProcurementTests.supplier(d, 62, categories: ["equipment"])
            let lapsed = try await ProcurementTests.supplier(d, 63), banned = try await ProcurementTests.supplier(d, 64)
            let sql = app.db as! any SQLDatabase
            try await sql.raw("UPDATE supplier_qualifications SET expires_on = '2020-01-01' WHERE supplier_id = \(bind: UUID(uuidString: lapsed)!)").run()
            try await sql.raw("UPDATE suppliers SET status = 'blacklisted' WHERE id = \(bind: UUID(uuidString: banned)!)").run()
            var staff = try await Pages.browser(app, "ti.caigou")
            // MUT
            let shown = try await staff.get("/procurement/projects/\(d.project)/tenders?line=\(plan.line)")
            func create(_ ids: [String]) async throws -> TestingHTTPResponse {
                try await app.call(.POST, "/api/v1/tenders", headers: .bearer(d.staff), json: [
                    "projectId": .s(d.project.uuidString), "planLineId": .s(plan.line), "title": "主体钢筋询价",
                    "opensAt": .s(ISO8601DateFormatter().string(from: clock.now.addingTimeInterval(7_200))), "supplierIds": .a(ids.map(J.s))] as J)
            }
            let wrongCategory = try await create([good1, good2, equipment])
            let expired = try await create([good1, good2, lapsed])
            let blacklisted = try await create([good1, good2, banned])
            // validate: the page lists only the two; the API refuses the others with the rule named and files nothing.
            let form = Pages.section(shown.body.string, "pr-tender-form")
            #expect(form.contains("供应商61") && form.contains("供应商65"))
            #expect(!form.contains("供应商62") && !form.contains("供应商63") && !form.contains("供应商64"))
            #expect(wrongCategory.status == .unprocessableEntity && wrongCategory.body.string.contains("supplier_category_mismatch"))
            #expect(expired.status == .unprocessableEntity && expired.body.string.contains("supplier_qualification_expired"))
            #expect(blacklisted.status == .conflict && ProcurementTests.problemCode(blacklisted) == "supplier_blacklisted")
            #expect(try await Pages.count(app, "tenders") == 0)
        }
    }
}

