import EstateCore
import Foundation
import Vapor

/// 退货 and 仓库 pages: procurement returns an inspected delivery's rejected goods and stocks its accepted goods into a
/// site store; a project's stores, one store's balances and ledger (.xlsx too), and issues out of it.
enum StoresController {
    static func register(_ app: Application) {
        let p = app.grouped("procurement", "projects", ":projectID")
        p.on(.GET, "stores", guard: .allowed(.projectView), use: StorePages.listPage.respond)
        p.on(.POST, "stores", guard: .allowed(.projectView), use: createStore)
        let s = app.grouped("procurement", "stores", ":storeID")
        s.on(.GET, guard: .allowed(.projectView), use: StorePages.showPage.respond)
        s.on(.GET, "ledger.xlsx", guard: .allowed(.projectView), use: ledger)
        s.on(.POST, "issue", guard: .allowed(.projectView), use: issue)
        let d = app.grouped("procurement", "deliveries", ":deliveryID")
        d.on(.POST, "returns", guard: .allowed(.projectView), use: returnGoods)
        d.on(.POST, "stock-in", guard: .allowed(.projectView), use: stockIn)
    }

    @Sendable static func createStore(_ req: Request) async throws -> Response {
        let (project, _) = try await ProcurementShell.project(req, .stores)
        let v = req.formFields(["name"])
        return try await ProcurementController.form(req, name: StorePages.createForm, values: v) {
            let s = try await req.services.siteStores(req.db).create(projectID: project.id, name: v["name"] ?? "", by: try req.requirePrincipal().userID,
                                                                    context: req.auditContext)
            return FormAction.Next.to("/procurement/stores/\(s.id)", notice: "pr.store_created")
        } page: { failure in
            try await StorePages.listPage.draw(req, failure)
        }
    }

    @Sendable static func ledger(_ req: Request) async throws -> Response {
        let (s, _) = try await StorePages.Model.store(req)
        let movements = try await req.services.siteStores(req.db).movements(s.id, limit: 5_000)
        let names = try await StaffDirectory.displayNames(Array(Set(movements.compactMap(\.createdBy))), sql: req.db.sql)
        let project = try await ProcurementShell.ref(req, s.projectId)
        return Response.workbook(try StorePages.ledger(s, movements, names: names, t: req.localizer),
                                 name: StorePages.fileName(s, project: project.code, t: req.localizer))
    }

    /// 出库: the form names the balance row; the service takes its material and unit.
    @Sendable static func issue(_ req: Request) async throws -> Response {
        let (s, p) = try await StorePages.Model.store(req)
        let svc = req.services.siteStores(req.db)
        let v = req.formFields(["material", "quantity", "purpose", "receivedBy"])
        let held = try await svc.balances(s.id).first { $0.id.uuidString == v["material"] }
        return try await ProcurementController.form(req, name: StorePages.issueForm, values: v) {
            _ = try await svc.issue(storeID: s.id, .init(material: held?.material ?? "", unit: held?.unit ?? "", quantity: v["quantity"] ?? "",
                                                          purpose: v["purpose"] ?? "", receivedBy: v["receivedBy"] ?? ""),
                                    by: p.userID, context: req.auditContext)
            return FormAction.Next.to("/procurement/stores/\(s.id)", notice: "pr.stock_issued")
        } page: { failure in
            try await StorePages.showPage.draw(req, failure)
        }
    }

    /// The delivery of the path, for procurement on its project (404 otherwise, as the API).
    static func delivery(_ req: Request) async throws -> (DeliveryService.Delivery, Principal) {
        guard let d = try await ifFound({ try await req.services.deliveries(req.db).delivery(try req.pathID("deliveryID")) }) else { throw Problem.notFound }
        let p = try ProcurementShell.check(req, .deliveries, d.projectId)
        guard p.may(.procurementHandle, on: d.projectId) else { throw Problem.forbidden }
        return (d, p)
    }

    /// 退货: one line's rejected goods (part of them) back to the supplier.
    @Sendable static func returnGoods(_ req: Request) async throws -> Response {
        let (d, p) = try await delivery(req)
        let v = req.formFields(["lineId", "quantity", "reason", "returnedOn"])
        return try await ProcurementController.form(req, name: DeliveryPages.returnForm, values: v) {
            guard let line = UUID(uuidString: v["lineId"] ?? "") else { throw Problem.invalid("lineId", "delivery_line_not_found") }
            _ = try await req.services.deliveries(req.db).returnGoods(d.id, lineID: line, quantity: v["quantity"] ?? "", reason: v["reason"] ?? "",
                                                                       returnedOn: v["returnedOn"] ?? "", by: p.userID, context: req.auditContext)
            return FormAction.Next.to("/procurement/deliveries/\(d.id)", notice: "pr.goods_returned", anchor: "pr-returns")
        } page: { failure in
            try await DeliveryPages.showPage.draw(req, failure)
        }
    }

    /// 入库: the accepted goods into the chosen store of the project, once.
    @Sendable static func stockIn(_ req: Request) async throws -> Response {
        let (d, p) = try await delivery(req)
        let v = req.formFields(["storeId"])
        return try await ProcurementController.form(req, name: DeliveryPages.stockInForm, values: v) {
            guard let store = UUID(uuidString: v["storeId"] ?? "") else { throw Problem.invalid("storeId", "site_store_not_found") }
            _ = try await req.services.siteStores(req.db).stockIn(deliveryID: d.id, storeID: store, by: p.userID, context: req.auditContext)
            return FormAction.Next.to("/procurement/stores/\(store)", notice: "pr.stocked_in")
        } page: { failure in
            try await DeliveryPages.showPage.draw(req, failure)
        }
    }
}
