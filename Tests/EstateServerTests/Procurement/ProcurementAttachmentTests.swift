import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import Testing
import Vapor
import VaporTesting

/// Inspection photos and supplier documents (issue 19 points 1 and 6): kept as their bytes are (the mall's photo rules),
/// shown on the delivery and supplier pages, and served only to a reader who may open their record.
@Suite("Procurement: inspection photos and supplier documents")
struct ProcurementAttachmentTests {
    typealias Schemas = Components.Schemas
    typealias Pages = ProcurementPageTests
    typealias S = ProcurementSettlementTests

    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 64)
    static let pdf: [UInt8] = Array("%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n".utf8)

    /// Posts `bytes` as the form's file (the CSRF token in the query, as the page's form sends it).
    static func upload(_ app: Application, _ b: inout Browser, page: String, to path: String, _ bytes: [UInt8], title: String = "") async throws -> TestingHTTPResponse {
        let csrf = try #require(Browser.csrf(in: try await b.get(page).body.string), "no form on \(page)")
        return try await b.postMultipart("\(path)?_csrf=\(csrf)", fields: ["title": title], files: [("file", "scan.png", "image/png", Data(bytes))])
    }

    static func ids(_ app: Application, _ kind: String) async throws -> [UUID] {
        struct R: Decodable { var id: UUID }
        return try await app.db.sql.raw("SELECT id FROM procurement_attachments WHERE owner_kind = \(bind: kind) ORDER BY created_at")
            .all(decoding: R.self).map(\.id)
    }

    @Test func anInspectionPhotoIsKeptAsItsBytesAreAndServedOnlyToThoseWhoMayOpenTheDelivery() async throws {
        try await withTestApp { app, clock in
            // setup: an inspected delivery; engineering, procurement, finance and another project's procurement signed in.
            let d = try await Pages.desk(app, clock, code: "ZP")
            let (order, line) = try await Pages.approvedOrder(d, supplier: 61)
            try await S.deliver(d, order.uuidString, line: line.uuidString, quantity: "2", accepted: "2", rejected: "0", batch: "GJ-ZP")
            let delivery = try await app.call(.GET, "/api/v1/deliveries?projectId=\(d.project)", headers: .bearer(d.staff)).decode(Schemas.DeliveryList.self).items[0]
            var engineer = try await Pages.browser(app, "zp.gongcheng")
            var staff = try await Pages.browser(app, "zp.caigou")
            var finance = try await Pages.browser(app, "zp.caiwu")
            var outsider = try await Pages.browser(app, "zp.waibu")
            let page = "/procurement/deliveries/\(delivery.id)"
            // MUT: a PDF as a photo, then a PNG.
            let fake = try await Self.upload(app, &engineer, page: page, to: page + "/photos", Self.pdf)
            let ok = try await Self.upload(app, &engineer, page: page, to: page + "/photos", Self.png, title: "钢筋锈蚀处")
            // validate: the bytes decide; the photo is listed on the page and served to engineering and procurement, not to
            // finance (no deliveries tab) nor to another project's procurement.
            #expect((fake.headers.first(name: .location) ?? "").contains("error=inspection_photo_type"), "\(fake.status) \(fake.headers)")
            #expect(ok.status == .seeOther && (ok.headers.first(name: .location) ?? "").contains("notice=pr.photo_added"), "\(ok.status) \(ok.headers)")
            let photo = try #require(try await Self.ids(app, "inspection").first)
            let shown = try await staff.get(page)
            #expect(shown.body.string.contains("/procurement/attachments/\(photo)") && shown.body.string.contains("钢筋锈蚀处"))
            let served = try await engineer.get("/procurement/attachments/\(photo)")
            #expect(served.status == .ok && served.headers.contentType?.description.hasPrefix("image/png") == true && served.body.readableBytes == Self.png.count)
            #expect(try await staff.get("/procurement/attachments/\(photo)").status == .ok)
            #expect(try await finance.get("/procurement/attachments/\(photo)").status == .notFound)
            #expect(try await outsider.get("/procurement/attachments/\(photo)").status == .notFound)
            #expect(try await outsider.get("/procurement/attachments/\(UUID())").status == .notFound)
            #expect(try await Fixtures(app: app).auditCount(action: "delivery.photo") == 1)
        }
    }

    @Test func aSupplierDocumentIsAPdfOrScanServedToProcurementOnly() async throws {
        try await withTestApp { app, clock in
            // setup: a supplier; procurement, another project's procurement and engineering.
            let d = try await Pages.desk(app, clock, code: "ZD")
            let supplier = try await ProcurementTests.supplier(d, 62)
            var staff = try await Pages.browser(app, "zd.caigou")
            var outsider = try await Pages.browser(app, "zd.waibu")
            var engineer = try await Pages.browser(app, "zd.gongcheng")
            let page = "/procurement/suppliers/\(supplier)"
            // MUT: a contract PDF, a text file.
            let pdf = try await Self.upload(app, &staff, page: page, to: page + "/documents", Self.pdf, title: "2026 年框架合同")
            let text = try await Self.upload(app, &staff, page: page, to: page + "/documents", Array("合同".utf8))
            // validate: the PDF is listed and served inline as a PDF; the supplier directory is the company's, so another
            // project's procurement reads it too; engineering does not.
            #expect(pdf.status == .seeOther && (pdf.headers.first(name: .location) ?? "").contains("notice=pr.document_added"), "\(pdf.headers)")
            #expect((text.headers.first(name: .location) ?? "").contains("error=supplier_document_type"), "\(text.headers)")
            let doc = try #require(try await Self.ids(app, "supplier").first)
            #expect(try await Self.ids(app, "supplier").count == 1)
            #expect(try await staff.get(page).body.string.contains("2026 年框架合同"))
            let served = try await outsider.get("/procurement/attachments/\(doc)")
            #expect(served.status == .ok && served.headers.contentType?.description.hasPrefix("application/pdf") == true)
            #expect(try await engineer.get("/procurement/attachments/\(doc)").status == .notFound)
            let supplierPage = try await engineer.get(page)
            #expect(supplierPage.status == .forbidden || supplierPage.status == .notFound, "\(supplierPage.status)")
        }
    }
}
