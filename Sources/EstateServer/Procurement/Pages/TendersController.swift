import EstateCore
import Foundation
import Vapor

/// 招标: the list and the form creating a tender, one tender, the sealed bid entry, the two-person opening and the award.
enum TendersController {
    static func register(_ app: Application) {
        let p = app.grouped("procurement", "projects", ":projectID")
        p.on(.GET, "tenders", guard: .allowed(.procurementHandle), use: TenderPages.listPage.respond)
        p.on(.POST, "tenders", guard: .allowed(.procurementHandle), use: create)
        let t = app.grouped("procurement", "tenders", ":tenderID")
        t.on(.GET, guard: .allowed(.procurementHandle), use: TenderPages.showPage.respond)
        t.on(.POST, "bids", guard: .allowed(.procurementHandle), use: bid)
        t.on(.POST, "opening", guard: .allowed(.procurementHandle), use: open)
        t.on(.POST, "award", guard: .allowed(.procurementHandle), use: award)
    }

    @Sendable static func create(_ req: Request) async throws -> Response {
        let (project, _) = try await ProcurementShell.project(req, .tenders)
        var v = req.formFields(["line", "title", "opensAt"])
        let invited = req.formList("supplierIds")
        v["supplierIds"] = invited.joined(separator: ",")
        return try await ProcurementController.form(req, name: TenderPages.form, values: v) {
            guard let line = UUID(uuidString: v["line"] ?? "") else { throw Problem.invalid("line", "plan_line_not_found") }
            guard let opensAt = Format.parseLocalInput(v["opensAt"] ?? "") else { throw Problem.invalid("opensAt", "date_invalid") }
            let tender = try await req.services.tenders(req.db).create(projectID: project.id, planLineID: line, title: v["title"] ?? "", opensAt: opensAt,
                                                                       invited: invited.compactMap(UUID.init(uuidString:)),
                                                                       by: try req.requirePrincipal().userID, context: req.auditContext)
            return FormAction.Next.to("/procurement/tenders/\(tender.id)", notice: "pr.tender_created")
        } page: { failure in
            try await TenderPages.listPage.draw(req, failure)
        }
    }

    static func load(_ req: Request) async throws -> (TenderService.Tender, Principal) {
        guard let t = try await ifFound({ try await req.services.tenders(req.db).tender(try req.pathID("tenderID")) }) else { throw Problem.notFound }
        return (t, try ProcurementShell.check(req, .tenders, t.projectId))
    }

    /// A supplier's bid as it arrives, sealed at once (the typed figures are not shown again).
    @Sendable static func bid(_ req: Request) async throws -> Response {
        let (t, p) = try await load(req)
        let v = req.formFields(["supplierId"])
        return try await ProcurementController.form(req, name: TenderPages.bidForm, values: v) {
            guard let supplier = UUID(uuidString: req.formField("supplierId")) else { throw Problem.invalid("supplierId", "tender_supplier_not_invited") }
            guard let days = Int(req.formField("deliveryDays")) else { throw Problem.invalid("deliveryDays", "delivery_days_invalid") }
            _ = try await req.services.tenders(req.db).submitBid(t.id, supplierID: supplier, unitPrice: req.formField("unitPrice"), deliveryDays: days,
                                                                 terms: req.formField("terms"), by: p.userID, context: req.auditContext)
            return FormAction.Next.to("/procurement/tenders/\(t.id)", notice: "pr.bid_sealed")
        } page: { failure in
            try await TenderPages.showPage.draw(req, failure)
        }
    }

    /// The opening: the first clerk's press records their presence; a second clerk's opens every bid.
    @Sendable static func open(_ req: Request) async throws -> Response {
        let (t, p) = try await load(req)
        return try await ProcurementController.form(req, name: "opening", values: [:]) {
            let done = try await req.services.tenders(req.db).open(t.id, by: p.userID, context: req.auditContext)
            return FormAction.Next.to("/procurement/tenders/\(t.id)", notice: done.openedAt == nil ? "pr.opening_first_recorded" : "pr.opened")
        } page: { failure in
            try await TenderPages.showPage.draw(req, failure)
        }
    }

    /// The award with its written reason files the contract (an order for approval) and goes to it.
    @Sendable static func award(_ req: Request) async throws -> Response {
        let (t, p) = try await load(req)
        let v = req.formFields(["bidId", "reason"])
        return try await ProcurementController.form(req, name: TenderPages.awardForm, values: v) {
            guard let bid = UUID(uuidString: v["bidId"] ?? "") else { throw Problem.invalid("bidId", "tender_bid_not_found") }
            let (_, order) = try await req.services.tenders(req.db).award(t.id, bidID: bid, reason: v["reason"] ?? "", by: p, context: req.auditContext)
            return FormAction.Next.to("/procurement/orders/\(order.id)", notice: "pr.awarded")
        } page: { failure in
            try await TenderPages.showPage.draw(req, failure)
        }
    }
}
